// money: the bot's money arithmetic, once. OKX fees turned into quote-currency costs with their
// sign (a rebate is income), the base actually held after a fill, realised and unrealised net PnL
// (gross − entry fee − exit fee, LONG and SHORT mirrored), the rule for which regime's parameters
// judge an open position, and the market-close order as a pure value. The guard's tick path,
// signal_proc, the backtester and shm_inspect all call this: nothing here allocates, throws, logs,
// reads a clock or knows the wire format.
#pragma once

#include "common/decimal.hpp"
#include "common/side.hpp"
#include "strategy/regime.hpp"

#include <cstdint>
#include <string_view>

namespace scalpel::strategy {

// ---- fees -----------------------------------------------------------------------------------
// Sign convention inside the bot: a fee is a COST in quote currency, positive = paid, negative =
// a rebate received (income). OKX reports the opposite sign: its `fee` / `fillFee` is "negative
// for the transaction fee charged by the platform, positive for a rebate", in `feeCcy` /
// `fillFeeCcy` (OKX v5 docs, Trade › Get order details and the orders channel). On spot the fee
// is taken from what the order receives: a buy's fee is charged in the base currency, a sell's in
// the quote currency (a maker sell's rebate is in quote too).

enum class fee_currency : std::uint8_t { quote = 0, base = 1 };

// feeCcy classified against the spot pair "BASE-QUOTE": the pair's base currency is `base`,
// anything else counts as quote (OKX spot never charges in a third currency).
[[nodiscard]] fee_currency classify_fee_ccy(std::string_view fee_ccy,
                                            std::string_view inst_id) noexcept;

// OKX's signed fee → our cost in quote currency. A base-currency fee is valued at the fill price.
[[nodiscard]] constexpr double fee_cost_quote(double okx_fee, fee_currency ccy,
                                              double fill_px) noexcept {
    const double cost = -okx_fee;
    return ccy == fee_currency::base ? cost * fill_px : cost;
}

// The same from the wire fields as the order row gives them (fee, feeCcy, instId, avgPx).
[[nodiscard]] double fee_cost_quote(double okx_fee, std::string_view fee_ccy,
                                    std::string_view inst_id, double fill_px) noexcept;

// The base that actually arrives from a fill of `filled` base units: a base-currency fee changes
// it (charged: less; rebate: more), a quote-currency fee does not. Not floored: the caller floors
// onto lotSz where a size is needed.
[[nodiscard]] constexpr double held_after_fee(double filled, double okx_fee,
                                              fee_currency ccy) noexcept {
    return ccy == fee_currency::base ? filled + okx_fee : filled;
}

// The currency a spot taker fee is charged in: what the order receives (base for a buy, quote for
// a sell). Used where the bot must predict a fee (the backtester's fills); real fills say feeCcy.
[[nodiscard]] constexpr fee_currency charged_in(order_side s) noexcept {
    return s == order_side::buy ? fee_currency::base : fee_currency::quote;
}

// A taker fee of `rate` on a spot fill of `size` base at `price`, signed and denominated as OKX
// would report it (negative, in charged_in(s)).
[[nodiscard]] constexpr double okx_taker_fee(order_side s, double rate, double price,
                                             double size) noexcept {
    return charged_in(s) == fee_currency::base ? -rate * size : -rate * size * price;
}

// The estimated cost of leaving at market: a taker fee on the exit notional (always a charge).
[[nodiscard]] constexpr double taker_fee_cost(double taker_rate, double price,
                                              double size) noexcept {
    return taker_rate * price * size;
}

// ---- PnL --------------------------------------------------------------------------------------

// What the bot knows about one open position. `entry_fee_usd` is the entry fee as a quote cost
// (fee_cost_quote: positive = paid, negative = rebate).
struct position_view {
    side pos_side = side::long_side;
    double entry_price = 0;
    double size = 0; // base units actually held / sold
    double entry_fee_usd = 0;
    std::int64_t entry_time_ms = 0;
};

// Price move × size: (exit − entry)·size for LONG, (entry − exit)·size for SHORT. No fees.
[[nodiscard]] constexpr double gross_pnl(side s, double entry_px, double exit_px,
                                         double size) noexcept {
    return (s == side::short_side ? entry_px - exit_px : exit_px - entry_px) * size;
}

// A closed trade: gross over the `size` actually closed − entry fee − exit fee (both quote costs,
// so a rebate adds to the result).
[[nodiscard]] constexpr double realised_net_pnl(side s, double entry_px, double exit_px,
                                                double size, double entry_fee,
                                                double exit_fee) noexcept {
    return gross_pnl(s, entry_px, exit_px, size) - entry_fee - exit_fee;
}
[[nodiscard]] constexpr double realised_net_pnl(const position_view& pos, double exit_px,
                                                double closed_size, double exit_fee) noexcept {
    return realised_net_pnl(pos.pos_side, pos.entry_price, exit_px, closed_size, pos.entry_fee_usd,
                            exit_fee);
}

// An open position if closed at market at `price` now: gross − entry fee − the taker estimate of
// the exit fee (strategy.md's net PnL, the one PH compares with its threshold).
[[nodiscard]] constexpr double unrealised_net_pnl(const position_view& pos, double price,
                                                  double taker_rate) noexcept {
    return realised_net_pnl(pos, price, pos.size, taker_fee_cost(taker_rate, price, pos.size));
}

// ---- which regime judges an open position ----------------------------------------------------
// The rule: an open position is judged (PH on/off, threshold, time limit, max holding) with the
// parameters of the regime in force NOW, not the one it was opened in. Why: strategy.md says so
// ("threshold and limit come from the current regime block in the segment"); a regime switch is
// the ARM saying the market changed, and the exit rules exist to react to the market (CHOPPY's
// shorter holding must cut positions opened in a calm hour); the exchange-side OCO keeps the
// entry's TP/SL, so nothing of the entry is lost; and the guard, the backtester and the operator
// then see one parameter set, not one per position. The regime at entry is used only when nobody
// has said which regime is current (the guard before signal_proc's first publish): it is the last
// regime known to have been in force.
[[nodiscard]] constexpr regime judging_regime(bool current_known, regime current,
                                              regime at_entry) noexcept {
    return current_known ? current : at_entry;
}

// ---- the market close ---------------------------------------------------------------------------
// A market order that leaves a position: sell the held base for a LONG, buy it back for a SHORT.
// The size is always counted in base (tgtCcy=base_ccy: OKX reads a spot market BUY's sz as quote
// by default), floored onto lotSz and never above what is held. OKX's `reduceOnly` is refused for
// spot cash orders (it applies to margin and derivatives only), so "never above held" is the
// bot's own reduce-only.
struct market_close {
    order_side side = order_side::sell;
    decimal size; // base units; zero when nothing closable is held (below one lot)

    [[nodiscard]] constexpr bool ok() const noexcept { return size.is_positive(); }
};

// Contract: lot_sz > 0. `held` is the base the position holds (a non-positive or NaN held yields
// size 0, i.e. !ok()).
[[nodiscard]] market_close build_market_close(side pos_side, double held, decimal lot_sz) noexcept;

} // namespace scalpel::strategy
