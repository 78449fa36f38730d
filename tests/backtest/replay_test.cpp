// Replays scripted candles through the real strategy: a hand-computed TP trade (fees and PnL to
// the cent), a spike that the guard's per-tick PH catches and a 5 s poll misses, and the
// equivalence of the per-bar score prescreen with calling the engine every cycle on real data.
#include "backtest/replay.hpp"

#include "backtest/market.hpp"
#include "tests/backtest/synthetic.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::backtest;

TEST_CASE("backtest hand-computed trade: LONG at 40000, OCO take-profit, fees on both legs",
          "[unit]") {
    // After entry: one bar that dips 1, rallies to +150 and closes +100. TP = 40000 + 0.9·ATR(100)
    // = 40090.0. The path's rally leg walks 39999 → 40150 in 20 moves of 7.55; the first print at
    // or above 40090 is 39999 + 13·7.55 = 40097.15, and the sell fills there floored to the
    // 0.1 tick: 40097.1.
    const auto data = test::scenario({candle{0, 40000.0, 40150.0, 39999.0, 40100.0, 1}}, 34'000);
    run_config cfg;
    cfg.order_value_usd = 70;
    const auto r = run_backtest(data, cfg);
    REQUIRE(r.trades.size() == 1);
    const trade_record& t = r.trades[0];
    CHECK(t.is_long);
    CHECK(t.regime == "RANGING");
    CHECK(t.entry_ms == test::entry_ms);
    CHECK(t.entry_px == 40000.0);
    CHECK(t.atr == Approx(100.0).margin(1e-6));
    CHECK(t.tp == Approx(40090.0).margin(1e-9));
    CHECK(t.sl == Approx(39930.0).margin(1e-9)); // 40000 − 0.7·100
    CHECK(t.reason == exit_reason::take_profit);
    CHECK(t.exit_px == Approx(40097.1).margin(1e-9));
    // Size: 70 / 40000 = 0.00175 BTC bought; the 0.1 % fee is taken in BTC (0.00000175 BTC =
    // $0.07), so 0.00174825 BTC is held and sold.
    CHECK(t.order_value == Approx(70.0).margin(1e-9));
    CHECK(t.size == Approx(0.00174825).margin(1e-15));
    // gross = 97.1 × 0.00174825 = 0.169755075
    CHECK(t.gross == Approx(0.169755075).margin(1e-9));
    // fees = 0.07 + 0.001 × 40097.1 × 0.00174825 = 0.07 + 0.0700997551 = 0.1400997551
    CHECK(t.fees == Approx(0.1400997551).margin(1e-9));
    // net = 0.169755075 − 0.1400997551 = 0.0296553199 → $0.03
    CHECK(t.net == Approx(0.0296553199).margin(1e-9));
    CHECK(std::round(t.net * 100) == 3);
    REQUIRE(r.equity.size() == 2);
    CHECK(r.equity.back().equity == Approx(1000.0296553199).margin(1e-9));
}

TEST_CASE("backtest spike: per-tick PH catches a 1 s spike that a 5 s poll misses", "[unit]") {
    // $5000 at 40000 → 0.125 BTC, 0.124875 held. PH threshold $0.50 net needs
    // (X − 40000)·0.124875 − 5 − 0.001·X·0.124875 ≥ 0.5, i.e. X ≥ ~40084.1; TP is 40090.
    // The bar dips 1, spikes to +88 and falls back: only the peak print (at 39.34 s) clears PH,
    // and the 5 s grid looks at 35 s and 40 s.
    const auto data = test::scenario({candle{0, 40000.0, 40088.0, 39999.0, 40000.0, 1}}, 59'000);
    run_config cfg;
    cfg.order_value_usd = 5000;
    cfg.start_balance_usd = 10'000;
    cfg.ph_threshold_usd = 0.5;
    cfg.exit_cadence_s = 0;
    const auto per_tick = run_backtest(data, cfg);
    cfg.exit_cadence_s = 5;
    const auto polled = run_backtest(data, cfg);

    REQUIRE_FALSE(per_tick.trades.empty());
    const trade_record& caught = per_tick.trades[0];
    CHECK(caught.reason == exit_reason::profit_hold);
    CHECK(caught.exit_px == 40088.0);
    CHECK(caught.exit_ms - test::entry_ms == 40 * 60'000 / 61); // the 41st of 61 prints
    // net = 88 × 0.124875 − 5 − 0.001 × 40088 × 0.124875 = 10.989 − 5 − 5.005989 = 0.983011
    CHECK(caught.net == Approx(0.983011).margin(1e-6));

    REQUIRE(polled.trades.size() == 1);
    CHECK(polled.trades[0].reason == exit_reason::end_of_data);
    CHECK(polled.trades[0].net < 0);
    CHECK(polled.counters.exit_checks < per_tick.counters.exit_checks);
}

TEST_CASE(
    "backtest prescreen: skipping the engine on no-score cycles changes nothing (real OKX data)",
    "[unit]") {
    data_request req;
    req.symbols = {"BTC-USDT", "ETH-USDT"};
    req.from_ms = parse_utc_time("2022-01-12");
    req.days = 2;
    const auto data = load_market(req);
    run_config cfg;
    cfg.path_steps = 5;
    const auto fast = run_backtest(data, cfg);
    cfg.score_prescreen = false;
    const auto full = run_backtest(data, cfg);
    REQUIRE(fast.trades.size() == full.trades.size());
    CHECK_FALSE(fast.trades.empty());
    for (std::size_t i = 0; i < fast.trades.size(); ++i) {
        CHECK(fast.trades[i].entry_ms == full.trades[i].entry_ms);
        CHECK(fast.trades[i].net == full.trades[i].net);
    }
}

TEST_CASE(
    "backtest no look-ahead: cutting off every bar that closes after the window changes nothing",
    "[unit]") {
    data_request req;
    req.symbols = {"BTC-USDT", "ETH-USDT"};
    req.from_ms = parse_utc_time("2022-01-20");
    req.days = 1;
    const auto full = load_market(req);
    market_data_set cut = full;
    for (auto& s : cut.symbols) {
        std::erase_if(s.one_minute, [&](const candle& c) { return c.open_time_ms >= cut.to_ms; });
        for (auto& tf : s.higher)
            std::erase_if(tf.bars,
                          [&](const candle& c) { return c.open_time_ms + tf.bar_ms > cut.to_ms; });
    }
    run_config cfg;
    cfg.path_steps = 5;
    const auto a = run_backtest(full, cfg);
    const auto b = run_backtest(cut, cfg);
    REQUIRE(a.trades.size() == b.trades.size());
    CHECK_FALSE(a.trades.empty());
    for (std::size_t i = 0; i < a.trades.size(); ++i) {
        CHECK(a.trades[i].entry_ms == b.trades[i].entry_ms);
        CHECK(a.trades[i].exit_ms == b.trades[i].exit_ms);
        CHECK(a.trades[i].net == b.trades[i].net);
    }
}

TEST_CASE("backtest trades mode: every real print in the window is one tick", "[unit]") {
    data_request req;
    req.symbols = {"BTC-USDT", "ETH-USDT"};
    req.ticks = tick_source::trades;
    const auto data = load_market(req);
    REQUIRE(data.trades.size() == 2);
    std::uint64_t in_window = 0;
    for (const auto& prints : data.trades)
        for (const auto& p : prints)
            in_window += p.ts_ms >= data.from_ms && p.ts_ms < data.to_ms;
    CHECK(in_window > 30'000); // 19,904 BTC + 14,515 ETH prints, minus the ends outside the overlap
    run_config cfg;
    cfg.ticks = tick_source::trades;
    const auto r = run_backtest(data, cfg);
    CHECK(r.counters.ticks == in_window);
    CHECK(r.trades.empty()); // 11 minutes cannot warm up 200 5m bars: no entry is possible
}
