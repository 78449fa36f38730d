// Risk controller rules (incl. the UTC day roll-over and the per-symbol cooldown), exact sizing on
// the lot grid, TP/SL rounding and the move-past rule, and the guard's exit decision (PH net of
// both fees, its time limit, max holding, SHORT mirror). Expected numbers are worked by hand.
#include "strategy/exit_decision.hpp"
#include "strategy/risk_controller.hpp"
#include "strategy/sizing.hpp"

#include "tests/strategy/test_series.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
constexpr std::int64_t minute = 60'000, hour = 3'600'000, day = 86'400'000;
constexpr std::int64_t day0 = 1'641'772'800'000; // 2022-01-10 00:00 UTC
const decimal lot8{1, 8}, lot3{1, 3}, tick1{1, 1};
} // namespace

TEST_CASE("strategy_risk: positions, one per symbol, max 3", "[unit][strategy][risk]") {
    risk_controller r;
    const std::int64_t t = day0 + hour;
    r.on_balance(1000, t);
    CHECK(r.can_open("BTC-USDT", t, 10).allowed);
    r.on_trade_opened("BTC-USDT", t);
    auto v = r.can_open("BTC-USDT", t, 10);
    CHECK_FALSE(v.allowed);
    CHECK(v.reason == risk_block::symbol_has_position);
    r.on_trade_opened("ETH-USDT", t);
    r.on_position_restored("SOL-USDT");
    CHECK(r.open_positions() == 3);
    v = r.can_open("DOGE-USDT", t, 10);
    CHECK(v.reason == risk_block::max_open_positions);
    r.on_trade_closed("ETH-USDT", 1.0, t + minute);
    CHECK(r.can_open("DOGE-USDT", t + minute, 10).allowed);
}

TEST_CASE("strategy_risk: daily loss stop until the next UTC day", "[unit][strategy][risk]") {
    risk_controller r;
    const std::int64_t t = day0 + 10 * hour;
    r.on_balance(1000, t);
    r.on_balance(2000, t + hour); // later the same day: ignored
    CHECK(r.day_start_balance_usd() == 1000);
    r.on_trade_opened("BTC-USDT", t);
    r.on_trade_closed("BTC-USDT", -99.99, t + minute);
    CHECK(r.can_open("ETH-USDT", t + 2 * minute, 10).allowed);
    r.on_trade_opened("BTC-USDT", t + 3 * minute);
    r.on_trade_closed("BTC-USDT", -0.01, t + 4 * minute); // day net −100 = −10 %
    auto v = r.can_open("ETH-USDT", t + 5 * minute, 10);
    CHECK_FALSE(v.allowed);
    CHECK(v.reason == risk_block::daily_loss_stop);
    CHECK(v.value == Approx(-10.0));
    CHECK(v.until_ms == day0 + day);
    CHECK_FALSE(r.can_open("ETH-USDT", day0 + day - 1, 10).allowed);
    CHECK(r.can_open("ETH-USDT", day0 + day, 10).allowed); // new day, before any event
    r.on_balance(900, day0 + day + minute);
    CHECK(r.day_start_balance_usd() == 900);
    CHECK(r.day_net_pnl_usd() == 0);
    CHECK(r.can_open("ETH-USDT", day0 + day + minute, 10).allowed);
}

TEST_CASE("strategy_risk: profit lock, configurable", "[unit][strategy][risk]") {
    const std::int64_t t = day0 + hour;
    risk_controller r;
    r.on_balance(1000, t);
    r.on_trade_opened("BTC-USDT", t);
    r.on_trade_closed("BTC-USDT", 50, t + minute);
    auto v = r.can_open("ETH-USDT", t + minute, 10);
    CHECK(v.reason == risk_block::daily_profit_lock);
    risk_config cfg;
    cfg.profit_lock_enabled = false;
    risk_controller r2(cfg);
    r2.on_balance(1000, t);
    r2.on_trade_opened("BTC-USDT", t);
    r2.on_trade_closed("BTC-USDT", 50, t + minute);
    CHECK(r2.can_open("ETH-USDT", t + minute, 10).allowed);
}

TEST_CASE("strategy_risk: 10 consecutive losses stop the day; a win resets",
          "[unit][strategy][risk]") {
    risk_controller r;
    std::int64_t t = day0 + hour;
    r.on_balance(10000, t);
    for (int i = 0; i < 9; ++i) {
        const std::string sym(1, static_cast<char>('A' + i)); // distinct symbols: no cooldown
        r.on_trade_opened(sym, t);
        r.on_trade_closed(sym, -1, t += minute);
    }
    CHECK(r.loss_streak() == 9);
    CHECK(r.can_open("BTC-USDT", t, 100).allowed);
    r.on_trade_opened("J", t);
    r.on_trade_closed("J", 0.5, t += minute); // a win resets
    CHECK(r.loss_streak() == 0);
    for (int i = 0; i < 10; ++i) {
        const std::string sym(1, static_cast<char>('A' + i));
        r.on_trade_opened(sym, t);
        r.on_trade_closed(sym, -1, t += minute);
    }
    auto v = r.can_open("BTC-USDT", t, 100);
    CHECK(v.reason == risk_block::consecutive_losses);
    CHECK(v.until_ms == day0 + day);
    CHECK(r.can_open("BTC-USDT", day0 + day, 100).allowed);
    r.on_balance(9980, day0 + day + 1);
    CHECK(r.loss_streak() == 0);
}

TEST_CASE("strategy_risk: 2 consecutive losses cool the symbol down 15 min",
          "[unit][strategy][risk]") {
    risk_controller r;
    const std::int64_t t = day0 + hour;
    r.on_balance(10000, t);
    r.on_trade_opened("BTC-USDT", t);
    r.on_trade_closed("BTC-USDT", -1, t + minute);
    CHECK(r.can_open("BTC-USDT", t + minute, 100).allowed);
    r.on_trade_opened("BTC-USDT", t + 2 * minute);
    r.on_trade_closed("BTC-USDT", -1, t + 3 * minute);
    auto v = r.can_open("BTC-USDT", t + 4 * minute, 100);
    CHECK(v.reason == risk_block::symbol_cooldown);
    CHECK(v.until_ms == t + 18 * minute);
    CHECK(r.can_open("ETH-USDT", t + 4 * minute, 100).allowed);
    CHECK_FALSE(r.can_open("BTC-USDT", t + 18 * minute - 1, 100).allowed);
    CHECK(r.can_open("BTC-USDT", t + 18 * minute, 100).allowed);
    // loss, win, loss: no cooldown
    r.on_trade_opened("ETH-USDT", t);
    r.on_trade_closed("ETH-USDT", -1, t + minute);
    r.on_trade_opened("ETH-USDT", t + minute);
    r.on_trade_closed("ETH-USDT", 1, t + 2 * minute);
    r.on_trade_opened("ETH-USDT", t + 2 * minute);
    r.on_trade_closed("ETH-USDT", -1, t + 3 * minute);
    CHECK(r.can_open("ETH-USDT", t + 3 * minute, 100).allowed);
}

TEST_CASE("strategy_risk: max trades per rolling hour", "[unit][strategy][risk]") {
    risk_controller r;
    const std::int64_t t = day0 + hour;
    r.on_balance(100000, t);
    for (int i = 0; i < 4; ++i) {
        r.on_trade_opened("BTC-USDT", t + i * 10 * minute);
        r.on_trade_closed("BTC-USDT", 1, t + i * 10 * minute + minute);
    }
    auto v = r.can_open("BTC-USDT", t + 35 * minute, 4); // CHOPPY: 4 per hour
    CHECK(v.reason == risk_block::hourly_trade_limit);
    CHECK(v.until_ms == t + hour);
    CHECK(r.can_open("BTC-USDT", t + 35 * minute, 10).allowed); // RANGING: 10
    CHECK(r.can_open("BTC-USDT", t + hour, 4).allowed);         // the first open left the window
}

TEST_CASE("strategy_risk: the largest configurable hourly limit (1000) is the limit, not a cap",
          "[unit][strategy][risk]") {
    risk_controller r;
    const std::int64_t t = day0 + hour;
    r.on_balance(100000, t);
    for (int i = 0; i < 999; ++i) {
        r.on_trade_opened("BTC-USDT", t + i * 3000);
        r.on_trade_closed("BTC-USDT", 1, t + i * 3000 + 1000);
    }
    CHECK(r.can_open("BTC-USDT", t + 999 * 3000, 1000).allowed); // 999 in the hour
    r.on_trade_opened("BTC-USDT", t + 999 * 3000);
    r.on_trade_closed("BTC-USDT", 1, t + 999 * 3000 + 1000);
    CHECK(r.can_open("BTC-USDT", t + 999 * 3000 + 2000, 1000).reason ==
          risk_block::hourly_trade_limit);
}

TEST_CASE("strategy_sizing: order value rule and exact lot sizes", "[unit][strategy][sizing]") {
    const sizing_config cfg;
    const instrument_spec btc{lot8, decimal{1, 5}, tick1};
    // 5 % of 1000 = 50 → raised to 70; 70/30000 = 0.0023333… → floor 0.00233333
    auto s = compute_size(side::long_side, 30000, 1000, 0, 1.0, btc, cfg);
    REQUIRE(s.ok());
    CHECK(s.size.str() == "0.00233333");
    CHECK(s.size.is_multiple_of(lot8));
    CHECK(s.target_value_usd == Approx(70));
    CHECK(s.order_value_usd == Approx(69.9999));
    // 5 % of 2000 × 1.2 = 120 → 0.004 exactly
    s = compute_size(side::long_side, 30000, 2000, 0, 1.2, btc, cfg);
    CHECK(s.size.str() == "0.004");
    // ETH at 0.3-style binary noise: 70/2333.3333 → lot 0.001 → 0.03
    const instrument_spec eth{lot3, lot3, decimal{1, 2}};
    s = compute_size(side::long_side, 2000, 1000, 0, 1.0, eth, cfg); // 0.035 → 0.035
    CHECK(s.size.str() == "0.035");
    s = compute_size(side::long_side, 30000, 1000, 0, 1.0, instrument_spec{lot3, lot3, tick1}, cfg);
    CHECK(s.size.str() == "0.002"); // floor, never up
    s = compute_size(side::long_side, 30000, 1000, 0, 1.0,
                     instrument_spec{lot3, decimal{1, 2}, tick1}, cfg);
    CHECK(s.error == size_error::below_min_size);
    // balance cap: 80 − max(8, 15) = 65 < 70
    s = compute_size(side::long_side, 30000, 80, 0, 1.0, btc, cfg);
    CHECK(s.error == size_error::insufficient_usdt);
    CHECK(s.cap_usd == Approx(65));
    CHECK(compute_size(side::long_side, 0, 1000, 0, 1.0, btc, cfg).error == size_error::bad_price);
}

TEST_CASE("strategy_sizing: SHORT sells only held base", "[unit][strategy][sizing]") {
    const sizing_config cfg;
    const instrument_spec btc{lot8, decimal{1, 5}, tick1};
    auto s =
        compute_size(side::short_side, 30000, 1000, 0.003, 1.0, btc, cfg); // $90 held, sell $70
    REQUIRE(s.ok());
    CHECK(s.size.str() == "0.00233333");
    s = compute_size(side::short_side, 30000, 1000, 0.002, 1.0, btc, cfg); // $60 held: sell all
    REQUIRE(s.ok());
    CHECK(s.size.str() == "0.002");
    s = compute_size(side::short_side, 30000, 1000, 0.0016, 1.0, btc, cfg); // $48 < $50
    CHECK(s.error == size_error::insufficient_base);
}

TEST_CASE("strategy_sizing: TP/SL from the fill, rounded to tick, move-past rule",
          "[unit][strategy][sizing]") {
    auto l = compute_tp_sl(side::long_side, 30000, 100, 30000, 0.9, 0.7, tick1);
    REQUIRE(l.ok);
    CHECK(l.tp.str() == "30090");
    CHECK(l.sl.str() == "29930");
    CHECK(l.tp.is_multiple_of(tick1));
    // 30000 + 33.33·0.9 = 30029.997 → 30030; 30000 − 23.331 = 29976.669 → 29976.7
    l = compute_tp_sl(side::long_side, 30000, 33.33, 30000, 0.9, 0.7, tick1);
    CHECK(l.tp.str() == "30030");
    CHECK(l.sl.str() == "29976.7");
    // Price already above TP: TP = 30100 × 1.005 = 30250.5
    l = compute_tp_sl(side::long_side, 30000, 100, 30100, 0.9, 0.7, tick1);
    CHECK(l.tp_moved);
    CHECK(l.tp.str() == "30250.5");
    CHECK_FALSE(l.sl_moved);
    // Price already below SL: SL = 29900 × 0.995 = 29750.5
    l = compute_tp_sl(side::long_side, 30000, 100, 29900, 0.9, 0.7, tick1);
    CHECK(l.sl_moved);
    CHECK(l.sl.str() == "29750.5");
    // SHORT mirror: TP 29910, SL 30070
    auto s = compute_tp_sl(side::short_side, 30000, 100, 30000, 0.9, 0.7, tick1);
    CHECK(s.tp.str() == "29910");
    CHECK(s.sl.str() == "30070");
    s = compute_tp_sl(side::short_side, 30000, 100, 29900, 0.9, 0.7, tick1);
    CHECK(s.tp_moved);
    CHECK(s.tp.str() == "29750.5");
    s = compute_tp_sl(side::short_side, 30000, 100, 30100, 0.9, 0.7, tick1);
    CHECK(s.sl_moved);
    CHECK(s.sl.str() == "30250.5");
    CHECK_FALSE(compute_tp_sl(side::long_side, 0, 100, 30000, 0.9, 0.7, tick1).ok);
}

namespace {
// LONG 0.005 BTC at 30000, entry fee 0.15 USDT (0.1 % of $150), taker 0.1 %.
constexpr position_view long_pos{side::long_side, 30000, 0.005, 0.15, 1'000'000};
constexpr exit_params ranging_exit = make_exit_params(default_params(regime::ranging), 0.001);
// Evaluable at compile time: the decision allocates nothing and calls nothing opaque.
static_assert(decide_exit(long_pos, 30200, ranging_exit, 1'000'000 + 60'000).action ==
              exit_action::ph_close);
} // namespace

TEST_CASE("strategy_exit: PH fires at the threshold net of both fees", "[unit][strategy][exit]") {
    // net(P) = 0.005(P − 30000) − 0.15 − 0.000005·P ≥ 0.28 ⇔ P ≥ 150.43/0.004995 = 30116.116…
    CHECK(unrealised_net_pnl(long_pos, 30116.2, 0.001) ==
          Approx(0.005 * 116.2 - 0.15 - 0.001 * 30116.2 * 0.005));
    const std::int64_t t = long_pos.entry_time_ms + 100'000;
    auto d = decide_exit(long_pos, 30116.2, ranging_exit, t);
    CHECK(d.action == exit_action::ph_close);
    CHECK(d.net_pnl_usd >= 0.28);
    CHECK(d.age_ms == 100'000);
    CHECK(decide_exit(long_pos, 30116.0, ranging_exit, t).action == exit_action::hold);
    // Gross already above 0.28 at 30060 (0.30) but net is negative after both fees
    d = decide_exit(long_pos, 30060, ranging_exit, t);
    CHECK(d.action == exit_action::hold);
    CHECK(d.net_pnl_usd < 0);
}

TEST_CASE("strategy_exit: PH only before its time limit; max holding", "[unit][strategy][exit]") {
    const std::int64_t e = long_pos.entry_time_ms;
    CHECK(decide_exit(long_pos, 30300, ranging_exit, e + 299'999).action == exit_action::ph_close);
    CHECK(decide_exit(long_pos, 30300, ranging_exit, e + 300'000).action == exit_action::hold);
    CHECK(decide_exit(long_pos, 29000, ranging_exit, e + 3'599'999).action == exit_action::hold);
    CHECK(decide_exit(long_pos, 29000, ranging_exit, e + 3'600'000).action ==
          exit_action::max_hold_close);
    CHECK(decide_exit(long_pos, 30300, ranging_exit, e + 3'600'000).action ==
          exit_action::max_hold_close);
    const auto choppy = make_exit_params(default_params(regime::choppy), 0.001);
    CHECK(decide_exit(long_pos, 30300, choppy, e + 150'000).action == exit_action::hold);
    CHECK(decide_exit(long_pos, 29000, choppy, e + 1'800'000).action ==
          exit_action::max_hold_close);
    auto off = ranging_exit;
    off.ph_enabled = false;
    CHECK(decide_exit(long_pos, 30300, off, e + 1000).action == exit_action::hold);
    CHECK(decide_exit(long_pos, 0, ranging_exit, e + 1000).action == exit_action::hold);
    CHECK(decide_exit(long_pos, 30300, ranging_exit, e - 5000).age_ms == 0); // clock behind entry
}

TEST_CASE("strategy_exit: SHORT mirror", "[unit][strategy][exit]") {
    constexpr position_view short_pos{side::short_side, 30000, 0.005, 0.15, 0};
    // net(29883) = 0.005·117 − 0.15 − 0.001·29883·0.005 = 0.585 − 0.15 − 0.149415 = 0.285585
    CHECK(unrealised_net_pnl(short_pos, 29883, 0.001) == Approx(0.285585));
    CHECK(decide_exit(short_pos, 29883, ranging_exit, 1000).action == exit_action::ph_close);
    CHECK(decide_exit(short_pos, 29885, ranging_exit, 1000).action == exit_action::hold); // 0.2756
    CHECK(decide_exit(short_pos, 30117, ranging_exit, 1000).action == exit_action::hold);
}
