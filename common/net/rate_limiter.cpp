// Token buckets per OKX endpoint. See rate_limiter.hpp.
#include "common/net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace scalpel::net_client {

rate_rule rule_of(endpoint_id id) noexcept {
    constexpr std::int64_t two_s = 2'000'000'000;
    switch (id) {
    case endpoint_id::candles:
        return {40, two_s};
    case endpoint_id::history_candles:
    case endpoint_id::ticker:
    case endpoint_id::tickers:
    case endpoint_id::instruments:
        return {20, two_s};
    case endpoint_id::server_time:
    case endpoint_id::balance:
        return {10, two_s};
    case endpoint_id::account_config: // docs-v5 "Get account configuration": 5 requests / 2 s
        return {5, two_s};
    case endpoint_id::place_order:
    case endpoint_id::order_details:
    case endpoint_id::orders_pending:
    case endpoint_id::cancel_order:
    case endpoint_id::fills:
        return {60, two_s};
    case endpoint_id::place_algo:
    case endpoint_id::cancel_algos:
    case endpoint_id::algo_details:
    case endpoint_id::algos_pending:
    case endpoint_id::algos_history:
        return {20, two_s};
    case endpoint_id::count_:
        break;
    }
    return {10, two_s};
}

std::string_view to_string(endpoint_id id) noexcept {
    switch (id) {
    case endpoint_id::server_time:
        return "public/time";
    case endpoint_id::instruments:
        return "public/instruments";
    case endpoint_id::ticker:
        return "market/ticker";
    case endpoint_id::tickers:
        return "market/tickers";
    case endpoint_id::candles:
        return "market/candles";
    case endpoint_id::history_candles:
        return "market/history-candles";
    case endpoint_id::balance:
        return "account/balance";
    case endpoint_id::place_order:
        return "trade/order (POST)";
    case endpoint_id::order_details:
        return "trade/order (GET)";
    case endpoint_id::orders_pending:
        return "trade/orders-pending";
    case endpoint_id::cancel_order:
        return "trade/cancel-order";
    case endpoint_id::fills:
        return "trade/fills";
    case endpoint_id::place_algo:
        return "trade/order-algo (POST)";
    case endpoint_id::cancel_algos:
        return "trade/cancel-algos";
    case endpoint_id::algo_details:
        return "trade/order-algo (GET)";
    case endpoint_id::algos_pending:
        return "trade/orders-algo-pending";
    case endpoint_id::algos_history:
        return "trade/orders-algo-history";
    case endpoint_id::account_config:
        return "account/config";
    case endpoint_id::count_:
        break;
    }
    return "?";
}

std::int64_t token_bucket::acquire(std::int64_t now_ns) noexcept {
    const double rate =
        static_cast<double>(rule_.tokens) / static_cast<double>(rule_.window_ns); // tokens per ns
    if (last_ns_ >= 0 && now_ns > last_ns_)
        tokens_ =
            std::min<double>(rule_.tokens, tokens_ + static_cast<double>(now_ns - last_ns_) * rate);
    if (last_ns_ < 0 || now_ns > last_ns_)
        last_ns_ = now_ns;
    if (tokens_ >= 1.0) {
        tokens_ -= 1.0;
        return 0;
    }
    return static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / rate));
}

rate_limiter::rate_limiter() noexcept {
    for (std::size_t i = 0; i < buckets_.size(); ++i)
        buckets_[i] = token_bucket(rule_of(static_cast<endpoint_id>(i)));
}

} // namespace scalpel::net_client
