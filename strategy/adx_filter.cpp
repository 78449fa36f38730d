// adx_filter: the ADX strength floor and the DI margin in the signal's direction.
#include "strategy/adx_filter.hpp"

#include "strategy/indicators.hpp"

namespace scalpel::strategy {

adx_verdict adx_filter(side s, double adx_v, double plus_di, double minus_di, double adx_min,
                       double di_difference) noexcept {
    adx_verdict v{};
    v.adx = adx_v;
    v.plus_di = plus_di;
    v.minus_di = minus_di;
    v.verdict.reason = filter_reason::pass;
    const double with = s == side::long_side ? plus_di : minus_di;
    const double against = s == side::long_side ? minus_di : plus_di;
    if (!(adx_v >= adx_min)) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::adx_too_low;
    } else if (!(with >= against + di_difference)) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::di_not_confirmed;
    }
    return v;
}

adx_verdict adx_filter(side s, candle_span candles, double adx_min, double di_difference,
                       int period) noexcept {
    const auto a = adx(candles, period);
    if (!a) {
        adx_verdict v{};
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::not_enough_data;
        return v;
    }
    return adx_filter(s, a->adx, a->plus_di, a->minus_di, adx_min, di_difference);
}

} // namespace scalpel::strategy
