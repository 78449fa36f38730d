// side / direction: which way a position or an entry signal points.
// `side` is the side of a position that exists (LONG = bought base, SHORT = sold held base and
// will buy it back); `direction` is a signal's outcome and may be `none`; `order_side` is the side
// of one exchange order (a LONG enters with a buy and closes with a sell).
// Pure value types; nothing here reads a clock or does I/O.
#pragma once

#include "common/side.hpp"

#include <cstdint>

namespace scalpel::strategy {

enum class side : std::uint8_t { long_side = 0, short_side = 1 };
enum class direction : std::uint8_t { none = 0, long_side = 1, short_side = 2 };

// The order that opens a position of side s, and the one that closes it.
[[nodiscard]] constexpr order_side entry_order_side(side s) noexcept {
    return s == side::long_side ? order_side::buy : order_side::sell;
}
[[nodiscard]] constexpr order_side closing_order_side(side s) noexcept {
    return s == side::long_side ? order_side::sell : order_side::buy;
}

[[nodiscard]] constexpr direction to_direction(side s) noexcept {
    return s == side::long_side ? direction::long_side : direction::short_side;
}
// Contract: d != direction::none (none maps to long_side; callers check first).
[[nodiscard]] constexpr side to_side(direction d) noexcept {
    return d == direction::short_side ? side::short_side : side::long_side;
}
[[nodiscard]] constexpr const char* to_string(side s) noexcept {
    return s == side::long_side ? "LONG" : "SHORT";
}
[[nodiscard]] constexpr const char* to_string(direction d) noexcept {
    switch (d) {
    case direction::long_side:
        return "LONG";
    case direction::short_side:
        return "SHORT";
    case direction::none:
        break;
    }
    return "NONE";
}

} // namespace scalpel::strategy
