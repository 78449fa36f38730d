// bot_scenario: the helpers e2e tests share to get the bot trading and to script its exits — a
// permissive config (entries within seconds, a far OCO), waiting for a protected position, and
// the prices that trigger PH (or go through TP) for a given position.
#pragma once

#include "tests/e2e/bot_fixture.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace scalpel::e2e {

// Every regime lets entries through quickly and keeps the OCO far away, so only the scripted
// prices decide exits.
inline std::string permissive(double tp_mult = 8, double sl_mult = 8) {
    std::string regimes = "regimes:\n";
    for (const char* r : {"trending", "ranging", "choppy"}) {
        regimes += fmt::format(
            "  {}: {{min_score: 1, adx_min: 0, di_difference: 0, mtf_block_opposite: false, "
            "max_trades_per_hour: 1000, tp_atr_multiplier: {}, sl_atr_multiplier: {}, "
            "volume_ratio_threshold: 0, ph_time_limit_s: 3600, max_holding_min: 120}}\n",
            r, tp_mult, sl_mult);
    }
    return regimes + "risk: {max_consecutive_losses: 1000, cooldown_after_losses: 100, "
                     "daily_loss_limit_pct: 100, profit_lock_enabled: false}\n";
}

inline std::optional<shm::slot_snapshot> wait_for_position(bot_fixture& bot,
                                                           std::chrono::milliseconds timeout) {
    std::optional<shm::slot_snapshot> found;
    test::wait_until(
        [&] {
            for (const auto& s : bot.open_positions()) {
                if (s.state == shm::slot_state::open && !s.pos.oco_algo_id.empty()) {
                    found = s;
                    return true;
                }
            }
            return false;
        },
        timeout);
    return found;
}

inline bool is_long(const shm::position& p) {
    return p.pos_side == scalpel::side::long_side;
}

// The last price at which the position's net PnL (both fees) just reaches its PH threshold:
// LONG  (P − E)·S − fee − t·P·S ≥ th  ⇔  P ≥ (th + fee + E·S) / (S·(1 − t))
// SHORT (E − P)·S − fee − t·P·S ≥ th  ⇔  P ≤ (E·S − fee − th) / (S·(1 + t))
inline double ph_trigger_price(const shm::position& p, double taker) {
    return is_long(p) ? (p.ph_threshold_usd + p.entry_fee_usd + p.entry_price * p.size) /
                            (p.size * (1.0 - taker))
                      : (p.entry_price * p.size - p.entry_fee_usd - p.ph_threshold_usd) /
                            (p.size * (1.0 + taker));
}

// A price past the PH trigger but well short of TP: PH must fire, the OCO must not.
inline double ph_spike_price(const shm::position& p, double taker) {
    const double trigger = ph_trigger_price(p, taker);
    return is_long(p) ? std::min(trigger * 1.0015, (trigger + p.tp_price) / 2)
                      : std::max(trigger * 0.9985, (trigger + p.tp_price) / 2);
}

// Strictly beyond TP, by `fraction` of the price: the OCO's TP and PH fire on the same tick.
inline double through_tp_price(const shm::position& p, double fraction) {
    return is_long(p) ? p.tp_price * (1 + fraction) : p.tp_price * (1 - fraction);
}

inline std::optional<shm::journal_record>
wait_for_close(bot_fixture& bot, const shm::slot_snapshot& pos, std::chrono::milliseconds timeout) {
    std::optional<shm::journal_record> rec;
    test::wait_until(
        [&] {
            for (const auto& j : bot.journal())
                if (j.generation == pos.generation &&
                    j.pos.entry_cl_ord_id == pos.pos.entry_cl_ord_id) {
                    rec = j;
                    return true;
                }
            return false;
        },
        timeout);
    return rec;
}

} // namespace scalpel::e2e
