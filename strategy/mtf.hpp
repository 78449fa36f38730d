// MTF (multi-timeframe) trend filter: EMA8/EMA21 on the regime's higher timeframe.
// BULLISH if EMA8 > EMA21 and the last close > EMA8; BEARISH the mirror; otherwise neutral.
// Agreeing trend → bonus; opposite → block only if the regime says so. Pure.
#pragma once

#include "common/candle.hpp"
#include "common/side.hpp"
#include "strategy/filter_verdict.hpp"

#include <cstdint>

namespace scalpel::strategy {

enum class mtf_trend : std::uint8_t { neutral = 0, bullish, bearish };
[[nodiscard]] const char* to_string(mtf_trend t) noexcept;

struct mtf_verdict {
    filter_verdict verdict;
    mtf_trend trend = mtf_trend::neutral;
    double ema_fast = 0, ema_slow = 0, close = 0;
};

// Too few candles for EMA21 → neutral, pass, reason not_enough_data.
[[nodiscard]] mtf_verdict mtf_filter(side s, candle_span mtf_candles, int bonus,
                                     bool block_opposite) noexcept;

} // namespace scalpel::strategy
