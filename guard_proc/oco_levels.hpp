// oco_levels: the TP/SL trigger prices the guard uses when it must re-place a missing OCO for an
// open position. Preference: the slot's stored TP/SL (as distances, so compute_tp_sl's move-past
// rule still applies); else the signal's ATR at entry (position::atr) with the regime's
// multipliers; else 0.5 % of entry as a stand-in ATR. Pure: no I/O, no clock, never throws.
#pragma once

#include "common/decimal.hpp"
#include "shm_layout/types.hpp"
#include "strategy/regime.hpp"
#include "strategy/sizing.hpp"

namespace scalpel::guard {

// Where the levels came from (for the log line and tests).
enum class oco_level_source : std::uint8_t { stored, atr, fallback };
[[nodiscard]] const char* to_string(oco_level_source s) noexcept;

struct oco_levels {
    strategy::tp_sl_levels levels;
    oco_level_source source = oco_level_source::fallback;
};

// `current_price` > 0 (the caller substitutes the entry price when no live price is known);
// rp = the regime table entry of pos.regime_at_entry. levels.ok false on bad inputs (see
// strategy::compute_tp_sl).
[[nodiscard]] oco_levels replacement_oco_levels(const shm::position& pos, double current_price,
                                                const strategy::regime_params& rp, decimal tick_sz,
                                                double move_past_pct) noexcept;

} // namespace scalpel::guard
