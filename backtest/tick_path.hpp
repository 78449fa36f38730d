// tick_path: the documented model of prices inside a 1m bar when no real trades exist.
// A bar becomes 3·steps + 4 ticks: open → nearer extreme → farther extreme → close, each leg
// walked in `steps` equal intermediate moves, timestamps spread evenly over the minute starting
// at the bar's open time (the last tick is before the bar's close time, so the bar itself is
// never visible to the strategy while its own ticks play). The nearer extreme is the one closer
// to the open; on a tie an up bar (close ≥ open) dips first and a down bar rallies first.
// The model never leaves [low, high] and never reorders time.
#pragma once

#include "common/candle.hpp"

#include <cstdint>
#include <span>

namespace scalpel::backtest {

struct tick {
    std::int64_t ts_ms = 0;
    double price = 0;
};

// Ticks per bar for `steps` intermediate moves per leg.
[[nodiscard]] constexpr std::size_t path_tick_count(int steps) noexcept {
    return 3 * static_cast<std::size_t>(steps < 0 ? 0 : steps) + 4;
}

// Fills `out` (size must be path_tick_count(steps)) with the bar's ticks. `bar_ms` > 0.
void path_ticks(const candle& bar, std::int64_t bar_ms, int steps, std::span<tick> out) noexcept;

// True when the model visits the low before the high for this bar.
[[nodiscard]] bool path_low_first(const candle& bar) noexcept;

} // namespace scalpel::backtest
