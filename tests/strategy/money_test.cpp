// strategy/money: OKX fee → quote cost with its sign (charged vs rebate, base vs quote currency),
// the base held after a fill, realised and unrealised net PnL for LONG and SHORT, the regime rule
// and the market-close builder. Every expected figure is worked by hand in the comment beside it.
#include "strategy/money.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
// Compile-time evaluable: the arithmetic the guard's tick path inlines calls nothing opaque.
static_assert(fee_cost_quote(-0.5, fee_currency::base, 4) == 2.0);
static_assert(gross_pnl(side::short_side, 100, 90, 2) == 20);
} // namespace

TEST_CASE("money: OKX fee sign and currency become a quote cost", "[unit][strategy][money]") {
    // BTC-USDT buy, 0.005 BTC at 30000, taker 0.1 %: OKX reports fee "-0.000005" feeCcy "BTC".
    // Cost = 0.000005 BTC × 30000 = 0.15 USDT paid.
    CHECK(classify_fee_ccy("BTC", "BTC-USDT") == fee_currency::base);
    CHECK(fee_cost_quote(-0.000005, "BTC", "BTC-USDT", 30000) == Approx(0.15));
    // The sell of the same 0.005 BTC at 30100: fee "-0.1505" feeCcy "USDT" → 0.1505 USDT paid.
    CHECK(classify_fee_ccy("USDT", "BTC-USDT") == fee_currency::quote);
    CHECK(fee_cost_quote(-0.1505, "USDT", "BTC-USDT", 30100) == Approx(0.1505));
    // A maker sell's rebate: fee "+0.03" USDT is income, a negative cost.
    CHECK(fee_cost_quote(0.03, "USDT", "BTC-USDT", 30100) == Approx(-0.03));
    // A base-currency rebate of 0.000001 BTC at 30000 is 0.03 USDT of income.
    CHECK(fee_cost_quote(0.000001, "BTC", "BTC-USDT", 30000) == Approx(-0.03));
    // A quote that happens to share a prefix with the base is not the base.
    CHECK(classify_fee_ccy("USD", "USDC-USDT") == fee_currency::quote);
    CHECK(classify_fee_ccy("USDC", "USDC-USDT") == fee_currency::base);
    CHECK(classify_fee_ccy("", "BTC-USDT") == fee_currency::quote);
    // Zero fee (a fill not yet charged) costs nothing either way.
    CHECK(fee_cost_quote(0.0, fee_currency::base, 30000) == 0.0);
}

TEST_CASE("money: a predicted spot taker fee is charged in what the order receives",
          "[unit][strategy][money]") {
    CHECK(charged_in(order_side::buy) == fee_currency::base);
    CHECK(charged_in(order_side::sell) == fee_currency::quote);
    // Buy 2 BTC at 100 at 0.1 %: OKX would say fee −0.002 BTC (= 0.2 USDT); sell: −0.2 USDT.
    CHECK(okx_taker_fee(order_side::buy, 0.001, 100, 2) == Approx(-0.002));
    CHECK(okx_taker_fee(order_side::sell, 0.001, 100, 2) == Approx(-0.2));
    CHECK(fee_cost_quote(okx_taker_fee(order_side::buy, 0.001, 100, 2), charged_in(order_side::buy),
                         100) == Approx(0.2));
}

TEST_CASE("money: the base held after a fill", "[unit][strategy][money]") {
    // Bought 0.005 BTC, fee −0.000005 BTC: 0.004995 arrives.
    CHECK(held_after_fee(0.005, -0.000005, fee_currency::base) == Approx(0.004995));
    // A sell's fee is in quote: the base sold is the size, untouched.
    CHECK(held_after_fee(0.005, -0.1505, fee_currency::quote) == 0.005);
    // A base rebate adds: 0.005 + 0.000001.
    CHECK(held_after_fee(0.005, 0.000001, fee_currency::base) == Approx(0.005001));
}

TEST_CASE("money: realised net PnL, LONG and SHORT, charged and rebated",
          "[unit][strategy][money]") {
    // LONG 0.004995 BTC bought at 30000 (entry fee 0.15), sold at 30100 with fee 0.1503495:
    // gross = 100 × 0.004995 = 0.4995; net = 0.4995 − 0.15 − 0.1503495 = 0.1991505.
    CHECK(gross_pnl(side::long_side, 30000, 30100, 0.004995) == Approx(0.4995));
    CHECK(realised_net_pnl(side::long_side, 30000, 30100, 0.004995, 0.15, 0.1503495) ==
          Approx(0.1991505));
    // The same LONG exiting as a maker with a 0.03 rebate: 0.4995 − 0.15 + 0.03 = 0.3795.
    CHECK(realised_net_pnl(side::long_side, 30000, 30100, 0.004995, 0.15, -0.03) == Approx(0.3795));
    // SHORT 0.005 BTC sold at 30000 (entry fee 0.15 USDT), bought back at 29800, fee 0.000005 BTC
    // = 0.149 USDT: gross = 200 × 0.005 = 1.0; net = 1.0 − 0.15 − 0.149 = 0.701.
    const double exit_fee = fee_cost_quote(-0.000005, fee_currency::base, 29800);
    CHECK(exit_fee == Approx(0.149));
    CHECK(realised_net_pnl(side::short_side, 30000, 29800, 0.005, 0.15, exit_fee) == Approx(0.701));
    // A SHORT that lost: bought back at 30300: gross = −300 × 0.005 = −1.5; net = −1.5 − 0.15 −
    // 0.1515 = −1.8015.
    CHECK(realised_net_pnl(side::short_side, 30000, 30300, 0.005, 0.15, 0.1515) == Approx(-1.8015));
    // Through the view: only the closed size counts (a partial close of 0.002 of 0.005).
    const position_view pos{side::long_side, 30000, 0.005, 0.15, 0};
    CHECK(realised_net_pnl(pos, 30100, 0.002, 0.0602) == Approx(0.2 - 0.15 - 0.0602));
}

TEST_CASE("money: unrealised net PnL counts the taker estimate of the exit",
          "[unit][strategy][money]") {
    // LONG 0.005 at 30000, entry fee 0.15, at 30200, taker 0.1 %:
    // 1.0 − 0.15 − 0.001 × 30200 × 0.005 (0.151) = 0.699.
    const position_view lng{side::long_side, 30000, 0.005, 0.15, 0};
    CHECK(taker_fee_cost(0.001, 30200, 0.005) == Approx(0.151));
    CHECK(unrealised_net_pnl(lng, 30200, 0.001) == Approx(0.699));
    // SHORT mirror at 29800: 1.0 − 0.15 − 0.149 = 0.701.
    const position_view sht{side::short_side, 30000, 0.005, 0.15, 0};
    CHECK(unrealised_net_pnl(sht, 29800, 0.001) == Approx(0.701));
    // An entry rebate (negative cost) raises it: 1.0 + 0.03 − 0.151 = 0.879.
    const position_view rebated{side::long_side, 30000, 0.005, -0.03, 0};
    CHECK(unrealised_net_pnl(rebated, 30200, 0.001) == Approx(0.879));
}

TEST_CASE("money: the current regime judges, the entry regime only when none is known",
          "[unit][strategy][money]") {
    CHECK(judging_regime(true, regime::choppy, regime::trending) == regime::choppy);
    CHECK(judging_regime(true, regime::ranging, regime::ranging) == regime::ranging);
    CHECK(judging_regime(false, regime::ranging, regime::trending) == regime::trending);
}

TEST_CASE("money: the market close", "[unit][strategy][money]") {
    const decimal lot{1, 5}; // 0.00001
    // LONG holding 0.0049950 → sell 0.00499 (floored onto the lot, never above held).
    market_close c = build_market_close(side::long_side, 0.004995, lot);
    CHECK(c.side == order_side::sell);
    CHECK(c.size == decimal(499, 5));
    CHECK(c.ok());
    // SHORT → buy back exactly the sold 0.005 (counted in base).
    c = build_market_close(side::short_side, 0.005, lot);
    CHECK(c.side == order_side::buy);
    CHECK(c.size == decimal(500, 5));
    // Exactly on the grid stays whole despite binary noise (0.1 + 0.2 held of lot 0.1 → 0.3).
    c = build_market_close(side::long_side, 0.1 + 0.2, decimal{1, 1});
    CHECK(c.size == decimal(3, 1));
    // Less than one lot, nothing, negative or NaN: nothing to send.
    CHECK_FALSE(build_market_close(side::long_side, 0.000009, lot).ok());
    CHECK_FALSE(build_market_close(side::long_side, 0, lot).ok());
    CHECK_FALSE(build_market_close(side::long_side, -1, lot).ok());
    CHECK_FALSE(
        build_market_close(side::long_side, std::numeric_limits<double>::quiet_NaN(), lot).ok());
    CHECK(entry_order_side(side::long_side) == order_side::buy);
    CHECK(entry_order_side(side::short_side) == order_side::sell);
}
