// sim_identity: startup check of the simulator's run id. See sim_identity.hpp.
#include "common/net/sim_identity.hpp"

#include "common/net/rest_client.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <thread>

namespace scalpel::net_client {
namespace {

constexpr auto retry_pause = std::chrono::milliseconds(250);

std::string run_id_of(const std::string& body) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(body);
    simdjson::ondemand::document doc;
    std::string_view id;
    if (parser.iterate(json).get(doc) || doc["runId"].get_string().get(id))
        return {};
    return std::string(id);
}

} // namespace

const char* to_string(identity_verdict v) noexcept {
    switch (v) {
    case identity_verdict::not_checked:
        return "not_checked";
    case identity_verdict::match:
        return "match";
    case identity_verdict::mismatch:
        return "mismatch";
    case identity_verdict::unreachable:
        return "unreachable";
    }
    return "?";
}

std::string expected_sim_run_id(std::string_view configured) {
    if (const char* env = std::getenv("SCALPEL_SIM_RUN_ID"); env != nullptr && *env != '\0')
        return env;
    return std::string(configured);
}

identity_check verify_sim_identity(const endpoint_config& ep, std::string_view expected,
                                   std::chrono::milliseconds wait) {
    identity_check out;
    if (expected.empty()) {
        out.message = "simulator identity not checked (no exchange.sim_run_id)";
        return out;
    }
    endpoint_config once = ep;
    once.max_retries = 0; // this loop retries; a refused connection must not back off for seconds
    once.request_timeout = std::min(once.request_timeout, std::chrono::milliseconds(2000));
    const auto deadline = std::chrono::steady_clock::now() + wait;
    try {
        rest_session session(once);
        for (;;) {
            const auto reply = session.run(session.client().get("/sim/identity", false));
            if (reply.status != 0) {
                out.seen_run_id = reply.status == 200 ? run_id_of(reply.body) : std::string{};
                const bool same = out.seen_run_id == expected;
                out.verdict = same ? identity_verdict::match : identity_verdict::mismatch;
                out.message = same ? "simulator " + ep.rest.str() + " is run " + out.seen_run_id
                                   : "refusing the exchange at " + ep.rest.str() +
                                         ": it is not the "
                                         "simulator started for this bot (expected run id '" +
                                         std::string(expected) + "', got " +
                                         (out.seen_run_id.empty()
                                              ? "no run id, HTTP " + std::to_string(reply.status)
                                              : "'" + out.seen_run_id + "'") +
                                         ")";
                return out;
            }
            if (std::chrono::steady_clock::now() >= deadline)
                break;
            std::this_thread::sleep_for(retry_pause);
        }
    } catch (const std::exception& e) {
        out.message = std::string("simulator identity check failed: ") + e.what();
        out.verdict = identity_verdict::unreachable;
        return out;
    }
    out.verdict = identity_verdict::unreachable;
    out.message = "no simulator answered at " + ep.rest.str() + " within " +
                  std::to_string(wait.count()) + " ms";
    return out;
}

int log_and_exit_code(const identity_check& c) {
    switch (c.verdict) {
    case identity_verdict::not_checked:
    case identity_verdict::match:
        spdlog::info("{}", c.message);
        return 0;
    case identity_verdict::mismatch:
        spdlog::critical("config error: {}", c.message);
        return 2;
    case identity_verdict::unreachable:
        break;
    }
    spdlog::critical("{}", c.message);
    return 1;
}

} // namespace scalpel::net_client
