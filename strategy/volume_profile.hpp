// volume profile: where volume traded over the last N 1H bars. 50 price bins between the lowest
// low and the highest high; each bar's volume is spread evenly over the bins its range covers;
// POC = fullest bin (lowest on ties); the value area grows from the POC towards the fuller
// neighbour (the upper one on ties) until it holds 70 % of the volume. Pure, fixed-size arrays.
#pragma once

#include "common/candle.hpp"
#include "strategy/filter_verdict.hpp"

#include <cstddef>

namespace scalpel::strategy {

struct volume_profile {
    bool valid = false; // false: too few bars, no price range (flat) or no volume
    double poc = 0;     // centre of the fullest bin
    double val = 0;     // value-area low (lower edge of its lowest bin)
    double vah = 0;     // value-area high (upper edge of its highest bin)
    double low = 0, high = 0;
};

inline constexpr std::size_t max_profile_bins = 512;

// Uses the last `bars` candles (fewer is fine if at least `min_bars`). bins in [1, 512].
[[nodiscard]] volume_profile compute_volume_profile(candle_span candles, int bars = 100,
                                                    int bins = 50,
                                                    double value_area_fraction = 0.70,
                                                    int min_bars = 20) noexcept;

struct volume_profile_verdict {
    filter_verdict verdict;
    volume_profile profile;
    bool near_poc = false;
    bool in_value_area = false;
};

// Never blocks. Bonus = round((near POC ? 1 : 0 + in VA ? 1 : 0) × multiplier), where near POC
// means |P − POC|/POC ≤ poc_proximity_pct %.
[[nodiscard]] volume_profile_verdict volume_profile_filter(candle_span candles_1h, double price,
                                                           double multiplier,
                                                           double poc_proximity_pct = 0.5,
                                                           int bars = 100, int bins = 50) noexcept;

} // namespace scalpel::strategy
