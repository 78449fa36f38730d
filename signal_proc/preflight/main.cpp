// scalpel-preflight: run before real money with the keys the bot will use. Loads the bot's config,
// runs the checks of preflight/checks.hpp against the configured exchange and prints a PASS/FAIL
// table. Exit 0 when every check passed, 1 on any FAIL, 2 on a config or key-loading error. It
// never prints a secret (keys are described by scalpel::log::redact only).
#include "signal_proc/preflight/checks.hpp"
#include "signal_proc/signal_app.hpp"

#include "common/log.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace {

using namespace scalpel;

constexpr int exit_ok = 0, exit_failed = 1, exit_config = 2;

net_client::credentials load_keys(const config::bot_config& cfg) {
    if (auto env = net_client::credentials_from_env())
        return *env;
    if (!cfg.exchange.keys_file.empty())
        return net_client::credentials_from_file(cfg.exchange.keys_file);
    if (cfg.exchange.target == config::exchange_target::sim)
        return {"sim-key", "sim-secret", "sim-pass"};
    return net_client::load_credentials(); // throws config_error saying how to provide keys
}

} // namespace

int main(int argc, char** argv) {
    CLI::App cli{"scalpel-preflight: checks keys, account, instruments, balance and WebSocket "
                 "logins (and on okx-demo an order round trip) before the bot trades"};
    std::string config_file;
    preflight::settings s;
    bool no_round_trip = false;
    cli.add_option("--config", config_file, "the bot's YAML config file")->required();
    cli.add_option("--max-clock-skew-ms", s.max_clock_skew_ms,
                   "FAIL when the exchange clock is further than this from ours")
        ->check(CLI::Range(1, 30'000))
        ->capture_default_str();
    cli.add_flag("--no-round-trip", no_round_trip,
                 "okx-demo: skip the minimum-size order / OCO / close round trip");
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? exit_ok : exit_config;
    }
    s.round_trip = !no_round_trip;
    config::bot_config cfg;
    net_client::credentials keys;
    net_client::endpoint_config endpoint;
    try {
        cfg = config::load(config_file);
        log::init("preflight", "warn", config::log_marker(cfg));
        keys = load_keys(cfg);
        endpoint = signal::endpoint_for(cfg.exchange);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "preflight: config error: %s\n", e.what());
        return exit_config;
    }
    const std::string marker(config::log_marker(cfg));
    std::printf("scalpel preflight: target %s, rest %s, ws %s, keys %s%s%s\n",
                config::to_string(cfg.exchange.target), endpoint.rest.str().c_str(),
                endpoint.ws.str().c_str(), net_client::describe(keys).c_str(),
                marker.empty() ? "" : " ", marker.c_str());
    net::io_context ioc{1};
    const auto rows = preflight::run_checks(ioc, cfg, endpoint, keys, s);
    std::fputs(preflight::format_table(rows).c_str(), stdout);
    std::size_t failed = 0;
    for (const auto& r : rows)
        failed += !r.pass;
    std::printf("%s: %zu of %zu checks passed\n", failed == 0 ? "PASS" : "FAIL",
                rows.size() - failed, rows.size());
    std::fflush(stdout);
    return failed == 0 ? exit_ok : exit_failed;
}
