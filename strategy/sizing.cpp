// sizing: the order value rule, then the exact size on the lot grid; TP/SL on the tick grid.
#include "strategy/sizing.hpp"

#include <algorithm>
#include <cmath>

namespace scalpel::strategy {

const char* to_string(size_error e) noexcept {
    switch (e) {
    case size_error::ok:
        return "ok";
    case size_error::bad_price:
        return "bad_price";
    case size_error::insufficient_usdt:
        return "insufficient_usdt";
    case size_error::insufficient_base:
        return "insufficient_base";
    case size_error::below_min_size:
        return "below_min_size";
    }
    return "?";
}

double long_balance_cap(double free_usdt, const sizing_config& cfg) noexcept {
    return free_usdt - std::max(cfg.reserve_fraction * free_usdt, cfg.reserve_min_usd);
}

size_result compute_size(side s, double price, double free_usdt, double base_held,
                         double regime_multiplier, const instrument_spec& inst,
                         const sizing_config& cfg) noexcept {
    size_result r{};
    r.size = decimal(0, inst.lot_sz.scale());
    if (!(price > 0) || !inst.lot_sz.is_positive()) {
        r.error = size_error::bad_price;
        return r;
    }
    const double wanted =
        std::max(cfg.balance_fraction * std::max(free_usdt, 0.0) * regime_multiplier,
                 cfg.min_order_value_usd);
    double qty = 0;
    if (s == side::long_side) {
        r.cap_usd = long_balance_cap(free_usdt, cfg);
        r.target_value_usd = wanted;
        if (!(wanted <= r.cap_usd)) {
            r.error = size_error::insufficient_usdt;
            return r;
        }
        qty = wanted / price;
    } else {
        r.cap_usd = std::max(base_held, 0.0) * price;
        if (!(base_held > 0) || !(r.cap_usd >= cfg.min_short_base_value_usd)) {
            r.error = size_error::insufficient_base;
            return r;
        }
        r.target_value_usd = std::min(wanted, r.cap_usd);
        qty = std::min(r.target_value_usd / price, base_held);
    }
    decimal size = decimal::floor_to(qty, inst.lot_sz);
    // floor_to tolerates 1e-9 of a step upwards; never sell more base than is held.
    if (s == side::short_side && size.to_double() > base_held && size.is_positive())
        size = decimal(size.mantissa() - inst.lot_sz.mantissa(), inst.lot_sz.scale());
    r.size = size;
    r.order_value_usd = size.to_double() * price;
    if (!size.is_positive() || size < inst.min_sz)
        r.error = size_error::below_min_size;
    return r;
}

tp_sl_levels compute_tp_sl(side s, double fill_price, double atr, double current_price,
                           double tp_atr_multiplier, double sl_atr_multiplier, decimal tick_sz,
                           double move_past_pct) noexcept {
    tp_sl_levels out{};
    if (!(fill_price > 0) || !(current_price > 0) || !tick_sz.is_positive() || !(atr >= 0))
        return out;
    const double beyond = move_past_pct / 100.0;
    double tp = 0, sl = 0;
    if (s == side::long_side) {
        tp = fill_price + atr * tp_atr_multiplier;
        sl = fill_price - atr * sl_atr_multiplier;
        if (current_price >= tp) {
            tp = current_price * (1 + beyond);
            out.tp_moved = true;
        }
        if (current_price <= sl) {
            sl = current_price * (1 - beyond);
            out.sl_moved = true;
        }
    } else {
        tp = fill_price - atr * tp_atr_multiplier;
        sl = fill_price + atr * sl_atr_multiplier;
        if (current_price <= tp) {
            tp = current_price * (1 - beyond);
            out.tp_moved = true;
        }
        if (current_price >= sl) {
            sl = current_price * (1 + beyond);
            out.sl_moved = true;
        }
    }
    out.tp = decimal::round_to(tp, tick_sz);
    out.sl = decimal::round_to(sl, tick_sz);
    if (!out.tp.is_positive())
        out.tp = tick_sz;
    if (!out.sl.is_positive())
        out.sl = tick_sz;
    out.ok = true;
    return out;
}

} // namespace scalpel::strategy
