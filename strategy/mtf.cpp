// mtf: EMA8/EMA21 of the higher timeframe's closes and the last close decide the trend.
#include "strategy/mtf.hpp"

#include "strategy/indicators.hpp"

namespace scalpel::strategy {

const char* to_string(mtf_trend t) noexcept {
    switch (t) {
    case mtf_trend::neutral:
        return "neutral";
    case mtf_trend::bullish:
        return "bullish";
    case mtf_trend::bearish:
        return "bearish";
    }
    return "?";
}

mtf_verdict mtf_filter(side s, candle_span mtf_candles, int bonus, bool block_opposite) noexcept {
    mtf_verdict v{};
    const auto fast = ema_close(mtf_candles, 8);
    const auto slow = ema_close(mtf_candles, 21);
    if (!fast || !slow) {
        v.verdict.reason = filter_reason::not_enough_data;
        return v;
    }
    v.ema_fast = *fast;
    v.ema_slow = *slow;
    v.close = mtf_candles.back().close;
    if (v.ema_fast > v.ema_slow && v.close > v.ema_fast)
        v.trend = mtf_trend::bullish;
    else if (v.ema_fast < v.ema_slow && v.close < v.ema_fast)
        v.trend = mtf_trend::bearish;
    if (v.trend == mtf_trend::neutral) {
        v.verdict.reason = filter_reason::mtf_neutral;
        return v;
    }
    const bool agrees = (v.trend == mtf_trend::bullish) == (s == side::long_side);
    if (agrees) {
        v.verdict.bonus = bonus;
        v.verdict.reason = filter_reason::mtf_agrees;
    } else if (block_opposite) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::mtf_opposite_blocked;
    } else {
        v.verdict.reason = filter_reason::mtf_opposite_allowed;
    }
    return v;
}

} // namespace scalpel::strategy
