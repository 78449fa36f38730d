// regime: the three market regimes the ARM detects, the one definition for the whole tree (the
// strategy's parameter table, the segment's ARM block and positions, the guard, the backtester).
// The values are part of the segment layout (one byte, padded in the shm structs).
#pragma once

#include <cstddef>
#include <cstdint>

namespace scalpel {

enum class regime : std::uint8_t { trending = 0, ranging = 1, choppy = 2 };
inline constexpr std::size_t regime_count = 3;

[[nodiscard]] constexpr const char* to_string(regime r) noexcept {
    switch (r) {
    case regime::trending:
        return "TRENDING";
    case regime::ranging:
        return "RANGING";
    case regime::choppy:
        return "CHOPPY";
    }
    return "?";
}

// A regime read from shared memory or a file, out-of-range values (a corrupt or newer writer) read
// as RANGING, the start regime: safe to index a table with.
[[nodiscard]] constexpr regime checked(regime r) noexcept {
    return static_cast<std::size_t>(r) < regime_count ? r : regime::ranging;
}

} // namespace scalpel
