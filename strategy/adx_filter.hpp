// ADX filter: enter only when there is directional movement in the signal's favour.
// LONG passes when ADX >= adx_min and +DI >= −DI + di_difference; SHORT mirrored.
// Pure; too few candles for ADX blocks (the filter is a requirement, not a bonus).
#pragma once

#include "common/candle.hpp"
#include "common/side.hpp"
#include "strategy/filter_verdict.hpp"

namespace scalpel::strategy {

struct adx_verdict {
    filter_verdict verdict;
    double adx = 0, plus_di = 0, minus_di = 0;
};

[[nodiscard]] adx_verdict adx_filter(side s, double adx, double plus_di, double minus_di,
                                     double adx_min, double di_difference) noexcept;

// Computes ADX14 from the candles, then the rule above (not_enough_data blocks).
[[nodiscard]] adx_verdict adx_filter(side s, candle_span candles, double adx_min,
                                     double di_difference, int period = 14) noexcept;

} // namespace scalpel::strategy
