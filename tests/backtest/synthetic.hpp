// synthetic: scripted candle histories for the backtest tests. A 250-bar (5m) accelerating
// uptrend whose 5m bars all have range 100 with open = previous close, so ATR14 = 100 exactly,
// ending at a close of exactly 40000 at `entry_ms`; then the 1m bars the test scripts. On such a
// history the strategy's first signal cycle (RANGING, the ARM's start) scores LONG 5 vs SHORT 4.
#pragma once

#include "backtest/market.hpp"

#include <vector>

namespace scalpel::backtest::test {

inline constexpr std::int64_t history_start_ms = 1641168000000; // 2022-01-03 00:00 UTC
inline constexpr int history_5m_bars = 250;
inline constexpr std::int64_t entry_ms = history_start_ms + history_5m_bars * 300'000LL;
inline constexpr double entry_price = 40000.0;

// The uptrend history (1m bars) ending with close 40000 just before entry_ms.
inline std::vector<candle> uptrend_history() {
    std::vector<double> delta(history_5m_bars);
    double total = 0;
    for (int k = 0; k < history_5m_bars; ++k)
        total += delta[k] = 30.0 + 0.2 * k;
    std::vector<candle> out;
    double open = entry_price - total;
    for (int k = 0; k < history_5m_bars; ++k) {
        const double d = delta[k], wick = (100.0 - d) / 2; // range = d + 2·wick = 100
        for (int j = 0; j < 5; ++j) {
            candle c;
            c.open_time_ms = history_start_ms + (k * 5LL + j) * 60'000;
            c.open = open + d * j / 5;
            c.close = j == 4 ? open + d : open + d * (j + 1) / 5;
            c.low = j == 0 ? open - wick : c.open;
            c.high = j == 4 ? open + d + wick : c.close;
            c.volume = 1;
            out.push_back(c);
        }
        open += d;
    }
    out.back().close = entry_price; // exact, whatever the rounding of the sum
    out.back().high = entry_price + (100.0 - delta.back()) / 2;
    return out;
}

// History + the scripted bars (their open times set from entry_ms on), one symbol, replay
// window [entry_ms, entry_ms + window_ms).
inline market_data_set scenario(const std::vector<candle>& after, std::int64_t window_ms) {
    std::vector<candle> bars = uptrend_history();
    for (std::size_t i = 0; i < after.size(); ++i) {
        candle c = after[i];
        c.open_time_ms = entry_ms + static_cast<std::int64_t>(i) * 60'000;
        bars.push_back(c);
    }
    market_data_set set;
    set.source = "okx_spot_2022";
    set.symbols.push_back(build_symbol_data("BTC-USDT", std::move(bars)));
    set.from_ms = entry_ms;
    set.to_ms = entry_ms + window_ms;
    return set;
}

} // namespace scalpel::backtest::test
