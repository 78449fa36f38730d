// test_series: candle builders and real-data slices shared by the strategy tests.
// Crafted series are deterministic closed forms (no RNG) so every expected value can be
// reasoned about by hand.
#pragma once

#include "common/candle.hpp"
#include "common/market_data.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace scalpel::strategy::test {

inline constexpr std::int64_t t0 = 1'641'600'000'000; // 2022-01-08 00:00 UTC (a Saturday)
inline constexpr std::int64_t m5 = 300'000;

// Bars from closes: open = previous close, high/low = max/min(open, close) ± wick, volume given.
inline std::vector<candle> from_closes(const std::vector<double>& closes, double wick = 0.0,
                                       double volume = 10.0, std::int64_t start = t0,
                                       std::int64_t step = m5) {
    std::vector<candle> out;
    double prev = closes.empty() ? 0 : closes.front();
    for (std::size_t i = 0; i < closes.size(); ++i) {
        const double c = closes[i];
        out.push_back(candle{start + static_cast<std::int64_t>(i) * step, prev,
                             std::max(prev, c) + wick, std::min(prev, c) - wick, c, volume});
        prev = c;
    }
    return out;
}

inline std::vector<candle> rising(std::size_t n, double start = 100, double growth = 1.001,
                                  std::int64_t t = t0, std::int64_t step = m5) {
    std::vector<double> c;
    for (std::size_t i = 0; i < n; ++i)
        c.push_back(start * std::pow(growth, static_cast<double>(i)));
    return from_closes(c, 0.01, 10, t, step);
}

inline std::vector<candle> zigzag(std::size_t n, double base = 100, double amp = 0.2,
                                  std::int64_t t = t0) {
    std::vector<double> c;
    for (std::size_t i = 0; i < n; ++i)
        c.push_back(base + (i % 2 ? amp : 0));
    return from_closes(c, 0.0, 10, t);
}

// Two up, two down: 8 reversals per 18 moves, no drift.
inline std::vector<candle> waves(std::size_t n, double base = 100, double step = 0.05,
                                 std::int64_t t = t0) {
    std::vector<double> c;
    double x = base;
    for (std::size_t i = 0; i < n; ++i) {
        c.push_back(x);
        x += ((i / 2) % 2 == 0) ? step : -step;
    }
    return from_closes(c, 0.0, 10, t);
}

inline std::vector<candle> flat(std::size_t n, double price = 100, double volume = 10,
                                std::int64_t t = t0) {
    return from_closes(std::vector<double>(n, price), 0.0, volume, t);
}

inline std::vector<candle> load(const char* source, const char* symbol, const char* tf) {
    return load_candles(find_candle_file(source, symbol, tf));
}

} // namespace scalpel::strategy::test
