// sim_identity: the bot's check that the simulator it is about to trade on is the one deploy/run.sh
// started for it. okx_sim serves its run id on GET /sim/identity; a bot configured with an
// expected run id (exchange.sim_run_id, or SCALPEL_SIM_RUN_ID which run.sh sets) refuses any
// other answer: a foreign simulator on the same port, or something that is no simulator at all.
// Startup only (blocking, a few seconds at most); never used on a trading path.
#pragma once

#include "common/net/endpoint.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace scalpel::net_client {

enum class identity_verdict : std::uint8_t {
    not_checked, // no expected id configured
    match,
    mismatch,   // something answered with another (or no) run id: never trade on it
    unreachable // nothing answered within the wait
};
[[nodiscard]] const char* to_string(identity_verdict v) noexcept;

struct identity_check {
    identity_verdict verdict = identity_verdict::not_checked;
    std::string seen_run_id; // what the server reported ("" when none)
    std::string message;     // one readable line for the log
};

// The expected run id: $SCALPEL_SIM_RUN_ID when set and not empty, else `configured`.
[[nodiscard]] std::string expected_sim_run_id(std::string_view configured);

// Asks rest base `ep.rest` for /sim/identity until it answers or `wait` passes (the simulator
// may still be starting). Never throws.
[[nodiscard]] identity_check verify_sim_identity(const endpoint_config& ep,
                                                 std::string_view expected,
                                                 std::chrono::milliseconds wait);

// What a process does with a check: logs its message and returns its exit code — 0 (not
// checked, match: go on), 2 (a foreign simulator: a config error, final under supervisord) or 1
// (unreachable: supervisord may retry).
[[nodiscard]] int log_and_exit_code(const identity_check& c);

} // namespace scalpel::net_client
