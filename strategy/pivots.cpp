// pivots: floor pivots of the previous completed UTC day; the nearest of the seven levels decides.
#include "strategy/pivots.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace scalpel::strategy {

namespace {
constexpr std::int64_t day_ms = 86'400'000;
}

const char* to_string(pivot_level l) noexcept {
    switch (l) {
    case pivot_level::none:
        return "none";
    case pivot_level::pp:
        return "PP";
    case pivot_level::r1:
        return "R1";
    case pivot_level::r2:
        return "R2";
    case pivot_level::r3:
        return "R3";
    case pivot_level::s1:
        return "S1";
    case pivot_level::s2:
        return "S2";
    case pivot_level::s3:
        return "S3";
    }
    return "?";
}

pivot_levels pivot_points(const candle& d) noexcept {
    pivot_levels p{};
    const double h = d.high, l = d.low, c = d.close;
    p.pp = (h + l + c) / 3.0;
    p.r1 = 2 * p.pp - l;
    p.s1 = 2 * p.pp - h;
    p.r2 = p.pp + (h - l);
    p.s2 = p.pp - (h - l);
    p.r3 = h + 2 * (p.pp - l);
    p.s3 = l - 2 * (h - p.pp);
    p.valid = h >= l && l > 0;
    return p;
}

const candle* previous_completed_day(candle_span daily, std::int64_t now_ms) noexcept {
    // First bar whose day has not ended yet; the one before it is the answer.
    const auto it =
        std::upper_bound(daily.begin(), daily.end(), now_ms - day_ms,
                         [](std::int64_t t, const candle& c) { return t < c.open_time_ms; });
    if (it == daily.begin())
        return nullptr;
    return &*(it - 1);
}

pivot_verdict pivot_filter(side s, candle_span daily, double price, std::int64_t now_ms,
                           double multiplier, double proximity_pct) noexcept {
    pivot_verdict v{};
    const candle* day = previous_completed_day(daily, now_ms);
    if (day == nullptr || !(price > 0)) {
        v.verdict.reason = filter_reason::not_enough_data;
        return v;
    }
    v.levels = pivot_points(*day);
    if (!v.levels.valid) {
        v.verdict.reason = filter_reason::not_enough_data;
        return v;
    }
    const std::array<std::pair<pivot_level, double>, 7> levels{{{pivot_level::pp, v.levels.pp},
                                                                {pivot_level::r1, v.levels.r1},
                                                                {pivot_level::r2, v.levels.r2},
                                                                {pivot_level::r3, v.levels.r3},
                                                                {pivot_level::s1, v.levels.s1},
                                                                {pivot_level::s2, v.levels.s2},
                                                                {pivot_level::s3, v.levels.s3}}};
    double best = -1;
    for (const auto& [lvl, px] : levels) {
        if (!(px > 0))
            continue; // S3 can go negative on a wild day
        const double d = std::abs(price - px) / px * 100.0;
        if (best < 0 || d < best) {
            best = d;
            v.nearest = lvl;
        }
    }
    v.distance_pct = best < 0 ? 0 : best;
    if (best < 0 || best > proximity_pct) {
        v.verdict.reason = filter_reason::far_from_pivots;
        return v;
    }
    const bool support = v.nearest == pivot_level::pp || v.nearest == pivot_level::s1 ||
                         v.nearest == pivot_level::s2 || v.nearest == pivot_level::s3;
    const bool favours = (s == side::long_side) == support;
    if (favours) {
        v.verdict.bonus = static_cast<int>(std::lround(multiplier));
        v.verdict.reason =
            support ? filter_reason::near_support_pivot : filter_reason::near_resistance_pivot;
    } else {
        v.verdict.reason = filter_reason::near_wrong_pivot;
    }
    return v;
}

} // namespace scalpel::strategy
