// guard_service: the imperative shell around tick_guard. One io_context{1}, one thread: the three
// WebSockets (public tickers, private orders + order ops, business orders-algo), the REST client,
// the timers (heartbeat, slot-cache refresh, reconcile, REST price polling while the feed is down
// or stale, a minute latency log) and SIGTERM/SIGINT. Everything after a close order left the hot
// path lives here as sequential REST flows (fill → cancel OCO → journal; OCO fill → journal;
// missing OCO → re-place; adoption of a dead incarnation's claims). It never sends a close for a
// slot it does not hold the claim of, and never re-sends one without looking up the earlier
// deterministic clOrdIds first.
#pragma once

#include "common/config/bot_config.hpp"
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"
#include "shm_layout/segment.hpp"

#include <memory>

namespace scalpel::guard {

// The exchange endpoints a bot_config describes (target + URLs + timeouts). Throws
// net_client::config_error on a bad URL.
[[nodiscard]] net_client::endpoint_config endpoint_for(const config::exchange_config& e);

// Keys: the environment, else exchange.keys_file, else (target sim only) the simulator's demo
// keys. Throws net_client::config_error when none apply.
[[nodiscard]] net_client::credentials credentials_for(const config::exchange_config& e);

class guard_service {
public:
    // seg: attached as role::guard; must outlive the service. Throws config_error on bad endpoints.
    guard_service(const config::bot_config& cfg, net_client::endpoint_config endpoint,
                  net_client::credentials creds, shm::segment& seg);
    ~guard_service();
    guard_service(const guard_service&) = delete;
    guard_service& operator=(const guard_service&) = delete;

    // Runs until SIGTERM/SIGINT or stop(): status running in the segment while up, stopped on
    // return. Returns the process exit code (0).
    int run();
    // Thread-safe: posts the stop onto the io_context.
    void stop();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

} // namespace scalpel::guard
