// money_view: a segment position as strategy/money sees it (side, entry price, held size, entry
// fee, entry time), so every process computes a position's PnL with the one money module.
// Header-only and constexpr: the segment library itself never links scalpel::strategy, and the
// guard's tick path inlines it.
#pragma once

#include "shm_layout/types.hpp"
#include "strategy/money.hpp"

namespace scalpel::shm {

// Contract: pos is an open (or closing) position.
[[nodiscard]] constexpr strategy::position_view view_of(const position& pos) noexcept {
    strategy::position_view v;
    v.pos_side = pos.pos_side;
    v.entry_price = pos.entry_price;
    v.size = pos.size;
    v.entry_fee_usd = pos.entry_fee_usd;
    v.entry_time_ms = pos.entry_time_ms;
    return v;
}

} // namespace scalpel::shm
