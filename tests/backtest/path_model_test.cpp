// The path model's tick order and timing, the no-look-ahead visibility rule and the exchange's
// fill arithmetic, checked on hand-made bars.
#include "backtest/exchange.hpp"
#include "backtest/market.hpp"
#include "backtest/tick_path.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace scalpel;
using namespace scalpel::backtest;

namespace {
std::vector<tick> ticks_of(const candle& c, int steps) {
    std::vector<tick> t(path_tick_count(steps));
    path_ticks(c, 60'000, steps, t);
    return t;
}
} // namespace

TEST_CASE("backtest path model: up bar visits open, low, high, close in that order", "[unit]") {
    const candle up{600'000, 100.0, 110.0, 98.0, 108.0, 1}; // low is nearer to the open
    const auto t = ticks_of(up, 0);
    REQUIRE(t.size() == 4);
    CHECK(t[0].price == 100.0);
    CHECK(t[1].price == 98.0);
    CHECK(t[2].price == 110.0);
    CHECK(t[3].price == 108.0);
    CHECK(path_low_first(up));
}

TEST_CASE("backtest path model: down bar visits open, high, low, close", "[unit]") {
    const candle down{600'000, 100.0, 101.0, 90.0, 92.0, 1}; // high is nearer
    const auto t = ticks_of(down, 0);
    CHECK(t[0].price == 100.0);
    CHECK(t[1].price == 101.0);
    CHECK(t[2].price == 90.0);
    CHECK(t[3].price == 92.0);
    CHECK_FALSE(path_low_first(down));
}

TEST_CASE("backtest path model: equal distances break by bar direction", "[unit]") {
    CHECK(path_low_first(candle{0, 100, 105, 95, 101, 1}));      // up bar dips first
    CHECK_FALSE(path_low_first(candle{0, 100, 105, 95, 99, 1})); // down bar rallies first
}

TEST_CASE("backtest path model: intermediate steps are monotone per leg and times span the minute",
          "[unit]") {
    const candle up{1'200'000, 100.0, 110.0, 98.0, 108.0, 1};
    const int steps = 3;
    const auto t = ticks_of(up, steps);
    REQUIRE(t.size() == 13); // 1 + 3 legs × (3 intermediates + end)
    CHECK(t[4].price == 98.0);
    CHECK(t[8].price == 110.0);
    CHECK(t[12].price == 108.0);
    for (int i = 1; i <= 4; ++i)
        CHECK(t[i].price < t[i - 1].price); // down to the low
    for (int i = 5; i <= 8; ++i)
        CHECK(t[i].price > t[i - 1].price); // up to the high
    for (int i = 9; i <= 12; ++i)
        CHECK(t[i].price < t[i - 1].price); // back to the close
    CHECK(t[2].price == Approx(100.0 - 2 * 0.5));
    CHECK(t.front().ts_ms == 1'200'000);
    for (std::size_t i = 1; i < t.size(); ++i)
        CHECK(t[i].ts_ms > t[i - 1].ts_ms);
    CHECK(t.back().ts_ms < 1'260'000); // the bar is still open during its own ticks
    for (const auto& x : t) {
        CHECK(x.price >= 98.0);
        CHECK(x.price <= 110.0);
    }
}

TEST_CASE("backtest visibility: a bar is visible only once its close time has passed", "[unit]") {
    const std::vector<candle> bars = {
        {0, 1, 1, 1, 1, 1}, {300'000, 1, 1, 1, 1, 1}, {600'000, 1, 1, 1, 1, 1}};
    CHECK(visible_count(bars, 300'000, 299'999) == 0);
    CHECK(visible_count(bars, 300'000, 300'000) == 1);
    CHECK(visible_count(bars, 300'000, 899'999) == 2);
    CHECK(visible_count(bars, 300'000, 900'000) == 3);
    CHECK(visible_count(bars, 300'000, 300'000, 3) == 1); // a stale hint is corrected
}

TEST_CASE("backtest exchange: lot-floored size, base-asset buy fee, slippage against the taker",
          "[unit]") {
    const instrument btc = lookup_instrument("okx_spot_2022", "BTC-USDT");
    CHECK(btc.lot_sz == decimal(1, 8));
    const decimal size = size_for_value(btc, 70, 40000);
    CHECK(size == decimal(175000, 8)); // 0.00175 BTC
    exchange_config cfg;
    const fill buy = market_fill(btc, cfg, order_side::buy, 40000, size);
    CHECK(buy.price == 40000.0);
    CHECK(buy.fee_usd == Approx(0.07).margin(1e-12));
    CHECK(buy.held == Approx(0.00174825).margin(1e-15));
    cfg.slippage_bps = 10; // 0.1 %: buy 40040, sell 39960
    CHECK(market_fill(btc, cfg, order_side::buy, 40000, size).price == Approx(40040.0));
    CHECK(market_fill(btc, cfg, order_side::sell, 40000, size).price == Approx(39960.0));
    CHECK(size_for_value(btc, 0.3, 40000).is_zero()); // 0.0000075 BTC < minSz 0.00001
}

TEST_CASE("backtest time parsing accepts dates and rejects nonsense", "[unit]") {
    CHECK(parse_utc_time("2022-01-07") == 1641513600000);
    CHECK(parse_utc_time("2022-01-07T19:32") == 1641583920000);
    CHECK(parse_utc_time("1641583920000") == 1641583920000);
    CHECK_FALSE(parse_utc_time("2022-13-01"));
    CHECK_FALSE(parse_utc_time("yesterday"));
    CHECK(format_utc_time(1641583920000) == "2022-01-07 19:32");
}
