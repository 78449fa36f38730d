// volume_profile: a fixed 512-slot histogram on the stack; bins are equal-width slices of
// [lowest low, highest high]. Rounding of the bonus is std::lround (halves away from zero,
// so 1 × 1.5 → 2).
#include "strategy/volume_profile.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace scalpel::strategy {

volume_profile compute_volume_profile(candle_span candles, int bars, int bins,
                                      double value_area_fraction, int min_bars) noexcept {
    volume_profile vp{};
    if (bars < 1 || bins < 1 || bins > static_cast<int>(max_profile_bins))
        return vp;
    if (candles.size() > static_cast<std::size_t>(bars))
        candles = candles.last(static_cast<std::size_t>(bars));
    if (candles.size() < static_cast<std::size_t>(std::max(min_bars, 1)))
        return vp;
    double low = candles[0].low, high = candles[0].high, total = 0;
    for (const candle& c : candles) {
        low = std::min(low, c.low);
        high = std::max(high, c.high);
        total += std::max(c.volume, 0.0);
    }
    vp.low = low;
    vp.high = high;
    if (!(high > low) || !(total > 0))
        return vp; // flat range or no volume: no profile
    const double width = (high - low) / bins;
    std::array<double, max_profile_bins> hist{};
    const auto bin_of = [&](double price) noexcept {
        const int b = static_cast<int>(std::floor((price - low) / width));
        return std::clamp(b, 0, bins - 1);
    };
    for (const candle& c : candles) {
        const double vol = std::max(c.volume, 0.0);
        if (vol <= 0)
            continue;
        const int lo = bin_of(c.low), hi = bin_of(c.high);
        const double share = vol / (hi - lo + 1);
        for (int b = lo; b <= hi; ++b)
            hist[static_cast<std::size_t>(b)] += share;
    }
    int poc = 0;
    for (int b = 1; b < bins; ++b)
        if (hist[static_cast<std::size_t>(b)] > hist[static_cast<std::size_t>(poc)])
            poc = b;
    int lo = poc, hi = poc;
    double acc = hist[static_cast<std::size_t>(poc)];
    const double target = value_area_fraction * total;
    while (acc < target && (lo > 0 || hi < bins - 1)) {
        const double below = lo > 0 ? hist[static_cast<std::size_t>(lo - 1)] : -1.0;
        const double above = hi < bins - 1 ? hist[static_cast<std::size_t>(hi + 1)] : -1.0;
        if (above >= below)
            acc += hist[static_cast<std::size_t>(++hi)];
        else
            acc += hist[static_cast<std::size_t>(--lo)];
    }
    vp.valid = true;
    vp.poc = low + (poc + 0.5) * width;
    vp.val = low + lo * width;
    vp.vah = low + (hi + 1) * width;
    return vp;
}

volume_profile_verdict volume_profile_filter(candle_span candles_1h, double price,
                                             double multiplier, double poc_proximity_pct, int bars,
                                             int bins) noexcept {
    volume_profile_verdict v{};
    v.profile = compute_volume_profile(candles_1h, bars, bins);
    if (!v.profile.valid || !(price > 0)) {
        v.verdict.reason = filter_reason::not_enough_data;
        return v;
    }
    v.near_poc = std::abs(price - v.profile.poc) / v.profile.poc * 100.0 <= poc_proximity_pct;
    v.in_value_area = v.profile.val <= price && price <= v.profile.vah;
    const int raw = (v.near_poc ? 1 : 0) + (v.in_value_area ? 1 : 0);
    v.verdict.bonus = static_cast<int>(std::lround(raw * multiplier));
    v.verdict.reason =
        v.near_poc
            ? (v.in_value_area ? filter_reason::near_poc_and_value_area : filter_reason::near_poc)
            : (v.in_value_area ? filter_reason::in_value_area : filter_reason::outside_value_area);
    return v;
}

} // namespace scalpel::strategy
