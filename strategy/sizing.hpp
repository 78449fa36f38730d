// sizing: turns a signal into an exact order size and the OCO's TP/SL prices.
// Money math is in double; the values that go on the wire (size, TP, SL) leave through
// scalpel::decimal, floored onto lotSz or rounded onto tickSz, so they are exact multiples.
// Pure and noexcept: it never reads balances itself (the caller passes the account view).
#pragma once

#include "common/decimal.hpp"
#include "common/side.hpp"

#include <cstdint>

namespace scalpel::strategy {

// The instrument's exchange increments (OKX lotSz, minSz, tickSz).
struct instrument_spec {
    decimal lot_sz{1, 8};
    decimal min_sz{1, 5};
    decimal tick_sz{1, 1};
};

struct sizing_config {
    double balance_fraction = 0.05;  // order value = this × free USDT × regime multiplier
    double min_order_value_usd = 70; // raised to at least this
    double reserve_fraction = 0.10;  // LONG keeps max(this × free, reserve_min_usd) in USDT
    double reserve_min_usd = 15;
    double min_short_base_value_usd = 50; // SHORT needs held base worth at least this
    double move_past_pct = 0.5; // TP/SL already passed → this % beyond the current price
};

enum class size_error : std::uint8_t {
    ok = 0,
    bad_price,         // price <= 0 / NaN
    insufficient_usdt, // LONG: free − reserve < order value
    insufficient_base, // SHORT: held base worth < min_short_base_value_usd
    below_min_size,    // floored size < minSz (or zero)
};

[[nodiscard]] const char* to_string(size_error e) noexcept;

struct [[nodiscard]] size_result {
    size_error error = size_error::ok;
    decimal size{};              // exact, a multiple of lot_sz, >= min_sz when ok
    double order_value_usd = 0;  // size × price (after flooring)
    double target_value_usd = 0; // before flooring: max(fraction·free·mult, min value), capped
    double cap_usd = 0; // the balance rule's cap (LONG: free − reserve; SHORT: base·price)
    [[nodiscard]] bool ok() const noexcept { return error == size_error::ok; }
};

// LONG cap = free_usdt − max(reserve_fraction·free_usdt, reserve_min_usd); the target value
// max(balance_fraction·free·multiplier, min_order_value_usd) must fit under it, else
// insufficient_usdt. SHORT sells held base: cap = base_held·price; held value below
// min_short_base_value_usd → insufficient_base; the target is capped at the held value and the
// size never exceeds base_held. size = floor(target/price, lot_sz), then checked against min_sz.
[[nodiscard]] size_result compute_size(side s, double price, double free_usdt, double base_held,
                                       double regime_multiplier, const instrument_spec& inst,
                                       const sizing_config& cfg) noexcept;

// The LONG balance cap alone (also used by the balance filter).
[[nodiscard]] double long_balance_cap(double free_usdt, const sizing_config& cfg) noexcept;

struct tp_sl_levels {
    decimal tp{};
    decimal sl{};
    bool tp_moved = false; // the price had already passed the ATR level
    bool sl_moved = false;
    bool ok = false; // false on non-positive fill/current price or tick, or NaN ATR
};

// LONG: TP = fill + ATR·tp_mult, SL = fill − ATR·sl_mult; SHORT mirrored. If `current_price`
// already reached or passed a level, that level moves to move_past_pct % beyond the current
// price (TP further in the profit direction, SL further in the loss direction). Both are rounded
// to the nearest tick; a level that would round to <= 0 is clamped to one tick.
[[nodiscard]] tp_sl_levels compute_tp_sl(side s, double fill_price, double atr,
                                         double current_price, double tp_atr_multiplier,
                                         double sl_atr_multiplier, decimal tick_sz,
                                         double move_past_pct = 0.5) noexcept;

} // namespace scalpel::strategy
