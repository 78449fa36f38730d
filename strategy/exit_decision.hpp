// exit_decision: what the guard does with an open position on every tick, and what the
// backtester replays. It decides only the bot-initiated exits (profit harvest, max holding); TP
// and SL are the exchange's OCO. Allocation-free, noexcept, header-only so it inlines into the
// guard's tick path; it never reads a clock (now_ms is an argument) and never logs. The money
// (net PnL, fees) is strategy/money.hpp's; which regime's parameters apply is its judging_regime.
#pragma once

#include "common/side.hpp"
#include "strategy/money.hpp"
#include "strategy/regime.hpp"

#include <cstdint>

namespace scalpel::strategy {

// The subset of regime_params the guard reads from the segment, plus the taker fee rate.
struct exit_params {
    bool ph_enabled = true;
    double ph_threshold_usd = 0.28;
    std::int64_t ph_time_limit_ms = 300'000;
    std::int64_t max_holding_ms = 60 * 60'000;
    double taker_rate = 0.001; // estimated exit fee = taker_rate × price × size
};

enum class exit_action : std::uint8_t { hold = 0, ph_close = 1, max_hold_close = 2 };

[[nodiscard]] constexpr const char* to_string(exit_action a) noexcept {
    switch (a) {
    case exit_action::hold:
        return "hold";
    case exit_action::ph_close:
        return "ph_close";
    case exit_action::max_hold_close:
        return "max_hold_close";
    }
    return "?";
}

struct exit_decision {
    exit_action action = exit_action::hold;
    double net_pnl_usd = 0;  // at `price`, net of the entry fee and the estimated exit fee
    std::int64_t age_ms = 0; // now − entry time, clamped at 0
};

[[nodiscard]] constexpr exit_params make_exit_params(const regime_params& p,
                                                     double taker_rate) noexcept {
    return exit_params{p.ph_enabled, p.ph_threshold_usd, p.ph_time_limit_ms, p.max_holding_ms,
                       taker_rate};
}

// Contract: price is the live price (> 0; a non-positive or NaN price holds, since no decision
// can be trusted on it). Max holding wins over PH when both would fire (only possible when the PH
// time limit is configured longer than max holding). A clock behind the entry time counts as age 0.
[[nodiscard]] constexpr exit_decision decide_exit(const position_view& pos, double price,
                                                  const exit_params& p,
                                                  std::int64_t now_ms) noexcept {
    exit_decision d{};
    const std::int64_t age = now_ms - pos.entry_time_ms;
    d.age_ms = age > 0 ? age : 0;
    if (!(price > 0))
        return d; // also catches NaN
    d.net_pnl_usd = unrealised_net_pnl(pos, price, p.taker_rate);
    const bool max_hold = d.age_ms >= p.max_holding_ms;
    const bool ph =
        p.ph_enabled & (d.net_pnl_usd >= p.ph_threshold_usd) & (d.age_ms < p.ph_time_limit_ms);
    d.action =
        max_hold ? exit_action::max_hold_close : (ph ? exit_action::ph_close : exit_action::hold);
    return d;
}

} // namespace scalpel::strategy
