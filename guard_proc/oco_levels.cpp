// Missing-OCO re-placement levels. See oco_levels.hpp.
#include "guard_proc/oco_levels.hpp"

#include <cmath>

namespace scalpel::guard {

const char* to_string(oco_level_source s) noexcept {
    switch (s) {
    case oco_level_source::stored:
        return "stored";
    case oco_level_source::atr:
        return "atr";
    case oco_level_source::fallback:
        return "fallback";
    }
    return "?";
}

oco_levels replacement_oco_levels(const shm::position& pos, double current_price,
                                  const strategy::regime_params& rp, decimal tick_sz,
                                  double move_past_pct) noexcept {
    oco_levels out;
    double atr = 0, tp_mult = 0, sl_mult = 0;
    if (pos.tp_price > 0 && pos.sl_price > 0) {
        // Stored levels as distances with ATR = 1.
        out.source = oco_level_source::stored;
        atr = 1.0;
        tp_mult = std::fabs(pos.tp_price - pos.entry_price);
        sl_mult = std::fabs(pos.entry_price - pos.sl_price);
    } else if (std::isfinite(pos.atr) && pos.atr > 0) {
        out.source = oco_level_source::atr;
        atr = pos.atr;
        tp_mult = rp.tp_atr_multiplier;
        sl_mult = rp.sl_atr_multiplier;
    } else {
        // No ATR known (older signal_proc, or 0 = unknown): 0.5 % of entry stands in for it.
        out.source = oco_level_source::fallback;
        atr = pos.entry_price * 0.005;
        tp_mult = rp.tp_atr_multiplier;
        sl_mult = rp.sl_atr_multiplier;
    }
    out.levels = strategy::compute_tp_sl(
        pos.pos_side == side::short_side ? side::short_side : side::long_side, pos.entry_price, atr,
        current_price, tp_mult, sl_mult, tick_sz, move_past_pct);
    return out;
}

} // namespace scalpel::guard
