// exchange: instrument table and the fill arithmetic.
#include "backtest/exchange.hpp"

#include "strategy/money.hpp"

namespace scalpel::backtest {

instrument lookup_instrument(std::string_view source, std::string_view symbol) {
    struct row {
        std::string_view base;
        decimal okx_tick, okx_lot, okx_min, bn_tick, bn_lot, bn_min;
    };
    // OKX values as listed by /api/v5/public/instruments for these pairs; Binance from
    // exchangeInfo (2023). They only affect rounding, never direction.
    static const row table[] = {
        {"BTC", {1, 1}, {1, 8}, {1, 5}, {1, 2}, {1, 5}, {1, 5}},
        {"ETH", {1, 2}, {1, 6}, {1, 4}, {1, 2}, {1, 4}, {1, 4}},
        {"SOL", {1, 2}, {1, 6}, {1, 2}, {1, 2}, {1, 3}, {1, 3}},
        {"XRP", {1, 5}, {1, 6}, {1, 0}, {1, 4}, {1, 0}, {1, 0}},
        {"DOGE", {1, 6}, {1, 6}, {10, 0}, {1, 5}, {1, 0}, {1, 0}},
    };
    const bool binance = source.starts_with("binance");
    for (const row& r : table) {
        if (symbol.starts_with(r.base) &&
            (symbol.size() == r.base.size() || symbol[r.base.size()] == '-' ||
             symbol.substr(r.base.size()) == "USDT")) {
            if (binance)
                return {std::string(symbol), r.bn_tick, r.bn_lot, r.bn_min};
            return {std::string(symbol), r.okx_tick, r.okx_lot, r.okx_min};
        }
    }
    return {std::string(symbol), {1, 5}, {1, 6}, {1, 6}};
}

decimal size_for_value(const instrument& inst, double value_usd, double price) noexcept {
    if (!(value_usd > 0) || !(price > 0))
        return {};
    const decimal size = decimal::floor_to(value_usd / price, inst.lot_sz);
    if (size < inst.min_sz)
        return {};
    return size;
}

fill market_fill(const instrument& inst, const exchange_config& cfg, order_side side, double last,
                 decimal size) noexcept {
    fill f;
    const double slip = cfg.slippage_bps / 10'000.0;
    if (side == order_side::buy) {
        f.price = decimal::ceil_to(last * (1.0 + slip), inst.tick_sz).to_double();
    } else {
        f.price = decimal::floor_to(last * (1.0 - slip), inst.tick_sz).to_double();
    }
    f.size = size.to_double();
    const double okx_fee = strategy::okx_taker_fee(side, cfg.taker_fee, f.price, f.size);
    const strategy::fee_currency ccy = strategy::charged_in(side);
    f.fee_usd = strategy::fee_cost_quote(okx_fee, ccy, f.price);
    f.held = ccy == strategy::fee_currency::base
                 ? decimal::floor_to(strategy::held_after_fee(f.size, okx_fee, ccy), inst.lot_sz)
                       .to_double()
                 : f.size;
    return f;
}

} // namespace scalpel::backtest
