// market_feed: the candle caches of every configured symbol on every timeframe the strategy needs
// (entry, 15m and 30m for MTF, 1H for the volume profile, 1Dutc for pivots), refreshed by REST
// once per cycle, all fetches in flight at once. A warm series is fetched only when a newer bar
// can have closed, with a small `limit`, and merged by timestamp; a gap triggers one full refetch.
// Only confirmed candles are stored. The feed never throws; failed fetches keep the old cache.
#pragma once

#include "common/net/rest_client.hpp"
#include "signal_proc/candle_cache.hpp"
#include "strategy/engine.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace scalpel::signal {

// OKX bar name for a duration ("5m", "15m", "1H", "1Dutc"); "" for one OKX does not have.
[[nodiscard]] std::string bar_name(std::int64_t bar_ms);

// Bars the engine sees per timeframe: the same windows as backtest/replay.cpp.
struct feed_windows {
    std::size_t entry = 200;
    std::size_t mtf = 100;
    std::size_t h1 = 100;
    std::size_t d1 = 10;
    std::size_t margin = 10; // kept on top of each window
};

struct symbol_market {
    std::string symbol;
    candle_series entry, m15, m30, h1, d1;
    symbol_market(std::string sym, const std::string& entry_bar, const feed_windows& w);
    [[nodiscard]] std::array<candle_series*, 5> all() noexcept {
        return {&entry, &m15, &m30, &h1, &d1};
    }
};

struct fetch_stats {
    int requests = 0; // REST candle requests this cycle (refetches included)
    int skipped = 0;  // series that could not have a new bar yet
    int failures = 0;
    int gaps = 0;
    int bars_added = 0;
};

class market_feed {
public:
    market_feed(net_client::rest_client& client, const std::vector<std::string>& symbols,
                std::int64_t entry_bar_ms, feed_windows w = {});

    // Refreshes every series concurrently; returns when all are done. Never throws.
    net::awaitable<fetch_stats> refresh(std::int64_t now_ms);

    [[nodiscard]] std::vector<symbol_market>& markets() noexcept { return markets_; }
    [[nodiscard]] symbol_market* find(std::string_view symbol) noexcept;
    [[nodiscard]] const feed_windows& windows() const noexcept { return w_; }

private:
    net_client::rest_client& client_;
    feed_windows w_;
    std::vector<symbol_market> markets_;
};

} // namespace scalpel::signal
