// synthetic_market: writes an okx_sim data source (<dir>/<source>/1m/<SYM>_1m.csv) whose every
// 200-bar 5m window scores LONG under the scenario config (rsi_oversold 50, rsi_overbought 100):
// a periodic zigzag uptrend — three 5m up moves, two down moves of the same size — so EMA8 >
// EMA21, RSI ≈ 60 and +DI > −DI at any phase and any week shift the simulator applies.
// Test helper only.
#pragma once

#include "common/candle.hpp"

#include <string>
#include <vector>

namespace scalpel::test {

inline constexpr std::int64_t synthetic_start_ms = 1704067200000; // Monday 2024-01-01 00:00 UTC

// 1m bars: `minutes` of them from synthetic_start_ms, starting at `start_px`.
[[nodiscard]] std::vector<candle> synthetic_minutes(double start_px, int minutes,
                                                    double step = 0.003);
// The same path aggregated to 5m bars (what the simulator serves).
[[nodiscard]] std::vector<candle> aggregate(const std::vector<candle>& minutes, int per_bar);
// Writes <dir>/<source>/1m/<symbol>_1m.csv.
void write_minutes_csv(const std::string& dir, const std::string& source, const std::string& symbol,
                       const std::vector<candle>& minutes);

} // namespace scalpel::test
