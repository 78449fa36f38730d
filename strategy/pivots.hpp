// pivots: classic daily floor pivots from the previous COMPLETED UTC day, and the filter that
// rewards a LONG near a support-side level (PP/S1/S2/S3) or a SHORT near a resistance (R1/R2/R3).
// Pure; "completed" is judged against the now_ms the caller passes, never a clock.
#pragma once

#include "common/candle.hpp"
#include "common/side.hpp"
#include "strategy/filter_verdict.hpp"

#include <cstdint>

namespace scalpel::strategy {

struct pivot_levels {
    bool valid = false;
    double pp = 0, r1 = 0, r2 = 0, r3 = 0, s1 = 0, s2 = 0, s3 = 0;
};

enum class pivot_level : std::uint8_t { none, pp, r1, r2, r3, s1, s2, s3 };
[[nodiscard]] const char* to_string(pivot_level l) noexcept;

// PP = (H+L+C)/3, R1 = 2PP−L, S1 = 2PP−H, R2 = PP+(H−L), S2 = PP−(H−L), R3 = H+2(PP−L),
// S3 = L−2(H−PP).
[[nodiscard]] pivot_levels pivot_points(const candle& day) noexcept;

// The last daily candle whose day has fully ended at now_ms (open + 1 day <= now_ms);
// nullptr if none.
[[nodiscard]] const candle* previous_completed_day(candle_span daily, std::int64_t now_ms) noexcept;

struct pivot_verdict {
    filter_verdict verdict;
    pivot_levels levels;
    pivot_level nearest = pivot_level::none;
    double distance_pct = 0; // |P − nearest|/nearest × 100
};

// Never blocks. If P is within proximity_pct % of the nearest level and that level favours `s`,
// bonus = round(1 × multiplier).
[[nodiscard]] pivot_verdict pivot_filter(side s, candle_span daily, double price,
                                         std::int64_t now_ms, double multiplier,
                                         double proximity_pct = 0.3) noexcept;

} // namespace scalpel::strategy
