// preflight checks: what a user runs with their own keys before real money. Each check talks to
// the configured exchange (OKX or the simulator standing in for it) and yields PASS or FAIL with a
// reason an operator can act on: clock skew against public/time, the key (signature, passphrase,
// permissions) and account mode from account/config, every configured symbol in
// public/instruments (tick/lot/min size, instIdCode), the USDT balance against the sizing rules,
// WS login on the private and business endpoints and, on okx-demo only, a minimum-size order, its
// OCO and their cancel/close as a round trip. It never prints a secret.
#pragma once

#include "common/config/bot_config.hpp"
#include "common/net/asio.hpp"
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace scalpel::preflight {

struct check_result {
    std::string name; // "clock", "key", "instrument BTC-USDT", …
    bool pass = false;
    std::string detail; // the measured value, or why it failed and what to do
};

struct settings {
    std::int64_t max_clock_skew_ms = 2000; // OKX refuses requests 30 s off; keep well inside
    std::chrono::milliseconds ws_login_timeout{10'000};
    std::chrono::milliseconds fill_timeout{15'000}; // round trip: wait this long for a fill
    bool round_trip = true;                         // okx-demo only, whatever this says
};

// Runs every check in order on `ioc` (blocking until done) and returns the table. Checks after a
// failed one still run where they can (a wrong key does not hide a missing symbol).
[[nodiscard]] std::vector<check_result> run_checks(net::io_context& ioc,
                                                   const config::bot_config& cfg,
                                                   const net_client::endpoint_config& endpoint,
                                                   const net_client::credentials& creds,
                                                   const settings& s);

// "PASS  clock  skew +12 ms …" lines, one per check, names padded to one column.
[[nodiscard]] std::string format_table(const std::vector<check_result>& rows);

} // namespace scalpel::preflight
