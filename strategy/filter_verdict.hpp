// filter_verdict: the common result shape of every entry filter — pass or block, a bonus for the
// chosen side, and a machine-readable reason the caller turns into a log line. Filters add
// confidence; they never create or flip a signal. Plain values, no text building here.
#pragma once

#include <cstdint>

namespace scalpel::strategy {

enum class filter_reason : std::uint8_t {
    not_run = 0,     // an earlier stage decided; this filter was not evaluated
    pass,            // passed, nothing special
    not_enough_data, // too few candles; bonus filters pass without bonus
    disabled,        // switched off by config
    // correlation
    correlated_positions, // block: count of correlated open positions reached the max
    // volume profile
    near_poc_and_value_area,
    near_poc,
    in_value_area,
    outside_value_area,
    // pivots
    near_support_pivot,    // LONG bonus: PP/S1/S2/S3
    near_resistance_pivot, // SHORT bonus: R1/R2/R3
    near_wrong_pivot,      // close to a level that does not favour this side
    far_from_pivots,
    // MTF
    mtf_agrees,
    mtf_neutral,
    mtf_opposite_allowed,
    mtf_opposite_blocked,
    // ADX
    adx_too_low,
    di_not_confirmed,
    // sessions
    weekend,
    outside_sessions,
    not_overlap,
    // balance
    liability,
    insufficient_usdt,
    insufficient_base,
};

[[nodiscard]] const char* to_string(filter_reason r) noexcept;

struct filter_verdict {
    bool pass = true;
    int bonus = 0;
    filter_reason reason = filter_reason::not_run;
};

} // namespace scalpel::strategy
