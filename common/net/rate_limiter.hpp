// Client-side OKX REST rate limits (okx_v5.md §3 table): one token bucket per endpoint, refilled
// continuously at N tokens per 2 s. acquire() never fails: it says how long to wait. Pure logic
// with time as a parameter, so it is tested without sleeping.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace scalpel::net_client {

enum class endpoint_id : std::uint8_t {
    server_time,
    instruments,
    ticker,
    tickers,
    candles,
    history_candles,
    balance,
    place_order,
    order_details,
    orders_pending,
    cancel_order,
    fills,
    place_algo,
    cancel_algos,
    algo_details,
    algos_pending,
    algos_history,
    account_config,
    count_
};

struct rate_rule {
    int tokens; // per window
    std::int64_t window_ns;
};

[[nodiscard]] rate_rule rule_of(endpoint_id id) noexcept;
[[nodiscard]] std::string_view to_string(endpoint_id id) noexcept;

class token_bucket {
public:
    token_bucket() = default;
    explicit token_bucket(rate_rule r) noexcept : rule_(r), tokens_(r.tokens) {}

    // Takes a token at `now_ns` and returns 0, or takes nothing and returns the ns to wait until
    // one is available.
    [[nodiscard]] std::int64_t acquire(std::int64_t now_ns) noexcept;

private:
    rate_rule rule_{1, 1};
    double tokens_ = 1;
    std::int64_t last_ns_ = -1;
};

class rate_limiter {
public:
    rate_limiter() noexcept;
    [[nodiscard]] std::int64_t acquire(endpoint_id id, std::int64_t now_ns) noexcept {
        return buckets_[static_cast<std::size_t>(id)].acquire(now_ns);
    }

private:
    std::array<token_bucket, static_cast<std::size_t>(endpoint_id::count_)> buckets_;
};

} // namespace scalpel::net_client
