// exchange_endpoint: the endpoint both processes (and the preflight) derive from the config's
// exchange section — the target's preset (hosts, demo flag and query), the configured URLs, the
// request timeout and the order deadline settings. Header-only so that neither scalpel::net nor
// scalpel::config has to depend on the other: every user links both.
#pragma once

#include "common/config/bot_config.hpp"
#include "common/net/endpoint.hpp"

#include <chrono>

namespace scalpel::net_client {

[[nodiscard]] inline endpoint_config endpoint_for(const config::exchange_config& x) {
    endpoint_config e = x.target == config::exchange_target::okx_live ? endpoint_config::okx_live()
                        : x.target == config::exchange_target::okx_demo
                            ? endpoint_config::okx_demo()
                            : endpoint_config{};
    e.rest = parse_url(x.rest_url);
    e.ws = parse_url(x.ws_url);
    e.request_timeout = std::chrono::milliseconds(x.request_timeout_ms);
    e.order_deadline = std::chrono::milliseconds(x.order_deadline_ms);
    e.order_lookup_lag = std::chrono::milliseconds(x.order_lookup_lag_ms);
    e.order_lookup_interval = std::chrono::milliseconds(x.order_lookup_interval_ms);
    e.order_resolve_timeout = std::chrono::milliseconds(x.order_resolve_timeout_ms);
    validate(e);
    return e;
}

} // namespace scalpel::net_client
