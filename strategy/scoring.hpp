// scoring: the per-direction signal score of strategy.md and the direction rule.
// SMA +1, EMA +2, RSI zoned +4/+3/+2/+1, Bollinger +2, volume +2, MACD +2 — at most 13 per side.
// A side becomes the signal only with score >= the regime minimum AND strictly more than the other
// side. Judgment calls: RSI zone bounds are inclusive; the volume points go to BOTH sides (the
// spec gives them no direction); a missing volume baseline scores 0. Pure: values in, integers out.
#pragma once

#include "common/candle.hpp"
#include "common/side.hpp"
#include "strategy/regime.hpp"

namespace scalpel::strategy {

inline constexpr int max_score = 13;

// Every indicator the score and the engine need, computed once from the entry-timeframe bars.
struct indicator_snapshot {
    bool valid = false; // false: some indicator lacked data (see `bars`)
    int bars = 0;
    double last_close = 0;
    double sma10 = 0, sma30 = 0, ema8 = 0, ema21 = 0;
    double rsi = 50;
    double macd_line = 0, macd_signal = 0, macd_histogram = 0;
    double bb_upper = 0, bb_middle = 0, bb_lower = 0;
    bool volume_ratio_valid = false;
    double volume_ratio = 0;
    double atr = 0;
    double adx = 0, plus_di = 0, minus_di = 0;
};

// Needs at least 34 bars (MACD 26+9−1); ADX needs 28 and SMA30 30. Volume ratio may be invalid
// (zero baseline volume) without invalidating the snapshot.
[[nodiscard]] indicator_snapshot compute_indicators(candle_span c) noexcept;

struct score_breakdown {
    int sma = 0, ema = 0, rsi = 0, bollinger = 0, volume = 0, macd = 0;
    [[nodiscard]] constexpr int total() const noexcept {
        return sma + ema + rsi + bollinger + volume + macd;
    }
};

struct signal_score {
    score_breakdown long_score;
    score_breakdown short_score;
    side dir = side::none;
};

// RSI zone points for a LONG: <= os−5 → 4, <= os → 3, <= os+10 → 2, <= os+20 → 1, else 0.
[[nodiscard]] int rsi_long_points(double rsi, double oversold) noexcept;
// Mirror at overbought: >= ob+5 → 4, >= ob → 3, >= ob−10 → 2, >= ob−20 → 1.
[[nodiscard]] int rsi_short_points(double rsi, double overbought) noexcept;

[[nodiscard]] score_breakdown score_side(side s, const indicator_snapshot& ind, double price,
                                         const regime_params& p) noexcept;

[[nodiscard]] constexpr side choose_direction(int long_total, int short_total,
                                              int min_score) noexcept {
    if (long_total >= min_score && long_total > short_total)
        return side::long_side;
    if (short_total >= min_score && short_total > long_total)
        return side::short_side;
    return side::none;
}

// Both sides scored with the live price P, then choose_direction. Invalid snapshot → none.
[[nodiscard]] signal_score score_signal(const indicator_snapshot& ind, double price,
                                        const regime_params& p) noexcept;

} // namespace scalpel::strategy
