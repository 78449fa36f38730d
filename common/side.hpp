// order_side: the side of one exchange order (buy or sell), the one definition the whole tree uses
// (strategy, the guard, signal_proc, the backtester, the OKX request builders). A position's side
// (LONG / SHORT) is strategy/side.hpp's; the wire spelling ("buy"/"sell") is okx::to_string's.
#pragma once

#include <cstdint>

namespace scalpel {

enum class order_side : std::uint8_t { buy = 0, sell = 1 };

} // namespace scalpel
