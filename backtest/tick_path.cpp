// tick_path: linear legs between the bar's open, extremes and close.
#include "backtest/tick_path.hpp"

namespace scalpel::backtest {

bool path_low_first(const candle& bar) noexcept {
    const double to_low = bar.open - bar.low;
    const double to_high = bar.high - bar.open;
    if (to_low != to_high)
        return to_low < to_high;
    return bar.close >= bar.open;
}

void path_ticks(const candle& bar, std::int64_t bar_ms, int steps, std::span<tick> out) noexcept {
    if (steps < 0)
        steps = 0;
    const bool low_first = path_low_first(bar);
    const double points[4] = {bar.open, low_first ? bar.low : bar.high,
                              low_first ? bar.high : bar.low, bar.close};
    const std::size_t n = out.size();
    std::size_t i = 0;
    out[i++].price = points[0];
    const int moves = steps + 1;
    for (int leg = 0; leg < 3 && i < n; ++leg) {
        const double a = points[leg], b = points[leg + 1];
        for (int k = 1; k <= moves && i < n; ++k)
            out[i++].price = k == moves ? b : a + (b - a) * double(k) / double(moves);
    }
    for (std::size_t j = 0; j < n; ++j)
        out[j].ts_ms =
            bar.open_time_ms + static_cast<std::int64_t>(j) * bar_ms / static_cast<std::int64_t>(n);
}

} // namespace scalpel::backtest
