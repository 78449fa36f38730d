// correlation filter: do not stack positions that move together. Pearson correlation of 5m
// log returns over the last N bars between the candidate symbol and each open position's symbol,
// matched by bar open time (a bar missing on either side is skipped, so a gap yields one longer
// return). Pure: no allocation, no clock; a zero-variance series has correlation 0 by convention.
#pragma once

#include "common/candle.hpp"
#include "common/side.hpp"
#include "strategy/filter_verdict.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace scalpel::strategy {

// Pearson correlation of the log returns of the last `returns` time-matched close pairs.
// Returns nullopt when fewer than `min_returns` matched returns exist (or a close is <= 0).
// Flat series (zero variance) → 0.
[[nodiscard]] std::optional<double> log_return_correlation(candle_span a, candle_span b,
                                                           int returns = 100,
                                                           int min_returns = 20) noexcept;

// An open position as the correlation filter sees it: its symbol, side and that symbol's 5m bars.
struct open_position_ref {
    std::string_view symbol;
    side pos_side = side::long_side;
    candle_span candles_5m;
};

struct correlation_verdict {
    filter_verdict verdict;
    int correlated = 0;     // positions counted against the max
    double max_abs_rho = 0; // strongest |rho| among the positions considered (0 if none computable)
};

// Counts open positions with |rho| >= threshold (and, if same_direction_only, on side `s`);
// blocks when that count >= max_correlated. A position whose correlation cannot be computed
// (too little data) is not counted.
[[nodiscard]] correlation_verdict correlation_filter(side s, candle_span candidate_5m,
                                                     std::span<const open_position_ref> positions,
                                                     double threshold, int max_correlated,
                                                     bool same_direction_only,
                                                     int returns = 100) noexcept;

} // namespace scalpel::strategy
