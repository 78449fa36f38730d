// indicators: the standard technical indicators, as pure functions over the newest end of a
// series (the value "now" = after the last element). Each returns std::nullopt / valid = false
// when the series is too short, never NaN on flat prices or zero volume (conventions below).
// Bars are taken in order; time gaps between bars are not interpolated (a gap is just the next
// bar). No allocation, no clock, no I/O.
#pragma once

#include "common/candle.hpp"

#include <optional>
#include <span>

namespace scalpel::strategy {

using series = std::span<const double>;

// Mean of the last n values. Needs n >= 1 values.
[[nodiscard]] std::optional<double> sma(series v, int n) noexcept;
[[nodiscard]] std::optional<double> sma_close(candle_span c, int n) noexcept;

// EMA with alpha = 2/(n+1), seeded with the SMA of the FIRST n values, then run to the end.
// Needs n values.
[[nodiscard]] std::optional<double> ema(series v, int n) noexcept;
[[nodiscard]] std::optional<double> ema_close(candle_span c, int n) noexcept;

// RSI, Wilder: the first averages are the simple means of the first n changes, then
// avg = (avg·(n−1) + x)/n. Needs n+1 closes. No losses and no gains (flat) → 50; no losses → 100.
[[nodiscard]] std::optional<double> rsi(series closes, int n = 14) noexcept;
[[nodiscard]] std::optional<double> rsi_close(candle_span c, int n = 14) noexcept;

struct macd_value {
    double line = 0, signal = 0, histogram = 0;
};
// line = EMA(fast) − EMA(slow), each seeded per `ema`, defined from the slow EMA's first value;
// signal = EMA(signal_n) of the line values (seeded with their first signal_n mean).
// Needs slow + signal_n − 1 closes.
[[nodiscard]] std::optional<macd_value> macd(series closes, int fast = 12, int slow = 26,
                                             int signal_n = 9) noexcept;
[[nodiscard]] std::optional<macd_value> macd_close(candle_span c, int fast = 12, int slow = 26,
                                                   int signal_n = 9) noexcept;

// True range of bar i (i >= 1): max(H−L, |H−C[i−1]|, |L−C[i−1]|).
// ATR, Wilder, price units: first ATR = mean of TR[1..n], then (ATR·(n−1) + TR)/n. Needs n+1 bars.
[[nodiscard]] std::optional<double> atr(candle_span c, int n = 14) noexcept;

struct bollinger_value {
    double upper = 0, middle = 0, lower = 0, sigma = 0;
};
// middle = SMA(n), sigma = POPULATION standard deviation of the last n closes, bands ± k·sigma.
[[nodiscard]] std::optional<bollinger_value> bollinger(series closes, int n = 20,
                                                       double k = 2.0) noexcept;
[[nodiscard]] std::optional<bollinger_value> bollinger_close(candle_span c, int n = 20,
                                                             double k = 2.0) noexcept;

struct adx_value {
    double adx = 0, plus_di = 0, minus_di = 0;
};
// Wilder's ADX: +DM = up-move if up-move > down-move and > 0, else 0 (−DM mirrored). TR, +DM, −DM
// smoothed with Wilder's running sums (first = sum of n, then S − S/n + x); DI = 100·DM/TR (0 when
// TR = 0); DX = 100·|+DI − −DI|/(+DI + −DI) (0 when both are 0); ADX = mean of the first n DX,
// then Wilder-smoothed. Needs 2n bars.
[[nodiscard]] std::optional<adx_value> adx(candle_span c, int n = 14) noexcept;

// Last volume / mean volume of the n bars before it. Needs n+1 bars. If that mean is 0 the ratio
// is undefined → nullopt (scores nothing).
[[nodiscard]] std::optional<double> volume_ratio(candle_span c, int n = 20) noexcept;

} // namespace scalpel::strategy
