// side / order_side: the one definition of each for the whole tree (strategy, the segment layout,
// the guard, signal_proc, the backtester, the OKX request builders). `side` is a position's side or
// a signal's outcome (LONG = bought base, SHORT = sold held base and will buy it back; `none` = no
// signal / no position); `order_side` is one exchange order's. The values are part of the segment
// layout (shm position.pos_side). The wire spelling ("buy"/"sell") is okx::to_string's.
#pragma once

#include <cstdint>

namespace scalpel {

enum class side : std::uint8_t { none = 0, long_side = 1, short_side = 2 };
enum class order_side : std::uint8_t { buy = 0, sell = 1 };

[[nodiscard]] constexpr const char* to_string(side s) noexcept {
    switch (s) {
    case side::long_side:
        return "LONG";
    case side::short_side:
        return "SHORT";
    case side::none:
        break;
    }
    return "NONE";
}

// The order that opens a position of side s, and the one that closes it (contract: s != none).
[[nodiscard]] constexpr order_side entry_order_side(side s) noexcept {
    return s == side::short_side ? order_side::sell : order_side::buy;
}
[[nodiscard]] constexpr order_side closing_order_side(side s) noexcept {
    return s == side::short_side ? order_side::buy : order_side::sell;
}

} // namespace scalpel
