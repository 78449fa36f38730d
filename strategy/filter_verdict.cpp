// filter_verdict: reason names for log lines (stable lower_snake text, grep-friendly).
#include "strategy/filter_verdict.hpp"

namespace scalpel::strategy {

const char* to_string(filter_reason r) noexcept {
    switch (r) {
    case filter_reason::not_run:
        return "not_run";
    case filter_reason::pass:
        return "pass";
    case filter_reason::not_enough_data:
        return "not_enough_data";
    case filter_reason::disabled:
        return "disabled";
    case filter_reason::correlated_positions:
        return "correlated_positions";
    case filter_reason::near_poc_and_value_area:
        return "near_poc_and_value_area";
    case filter_reason::near_poc:
        return "near_poc";
    case filter_reason::in_value_area:
        return "in_value_area";
    case filter_reason::outside_value_area:
        return "outside_value_area";
    case filter_reason::near_support_pivot:
        return "near_support_pivot";
    case filter_reason::near_resistance_pivot:
        return "near_resistance_pivot";
    case filter_reason::near_wrong_pivot:
        return "near_wrong_pivot";
    case filter_reason::far_from_pivots:
        return "far_from_pivots";
    case filter_reason::mtf_agrees:
        return "mtf_agrees";
    case filter_reason::mtf_neutral:
        return "mtf_neutral";
    case filter_reason::mtf_opposite_allowed:
        return "mtf_opposite_allowed";
    case filter_reason::mtf_opposite_blocked:
        return "mtf_opposite_blocked";
    case filter_reason::adx_too_low:
        return "adx_too_low";
    case filter_reason::di_not_confirmed:
        return "di_not_confirmed";
    case filter_reason::weekend:
        return "weekend";
    case filter_reason::outside_sessions:
        return "outside_sessions";
    case filter_reason::not_overlap:
        return "not_overlap";
    case filter_reason::liability:
        return "liability";
    case filter_reason::insufficient_usdt:
        return "insufficient_usdt";
    case filter_reason::insufficient_base:
        return "insufficient_base";
    }
    return "?";
}

} // namespace scalpel::strategy
