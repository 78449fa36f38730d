// ARM: each regime detected on crafted series, the combination across symbols, hysteresis
// (2 agreeing detections per new bar, 5-minute dwell) and the CHOPPY confidence skip.
#include "strategy/arm.hpp"

#include "tests/strategy/test_series.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
constexpr std::int64_t minute = 60'000;
// Feed bars [0, k) of `bars` as the symbol's history.
arm_symbol_input upto(const char* sym, const std::vector<candle>& bars, std::size_t k) {
    return {sym, candle_span(bars).first(k)};
}
} // namespace

TEST_CASE("strategy_arm: per-symbol detection rules", "[unit][strategy][arm]") {
    const auto trend = measure_regime(test::rising(80)); // +0.1 %/bar: ~2.5 % above SMA50, ADX 100
    REQUIRE(trend.valid);
    CHECK(trend.detected == regime::trending);
    CHECK(trend.rule == arm_rule::trending);
    CHECK(trend.reversals == 0);
    CHECK(trend.trend_deviation_pct > 1.0);
    CHECK(trend.adx > 20);

    const auto chop = measure_regime(test::zigzag(80)); // every move reverses: 17 of 18
    REQUIRE(chop.valid);
    CHECK(chop.reversals == 17);
    CHECK(chop.atr_pct > 0.05);
    CHECK(chop.detected == regime::choppy);
    CHECK(chop.choppy_confidence == Approx(1.0)); // reversals maxed, ATR% ≥ 0.10

    const auto range = measure_regime(test::waves(80)); // + + − − …: 8 reversals, no drift
    REQUIRE(range.valid);
    CHECK(range.reversals >= 8); // 8 or 9 depending on where the 18-move window starts
    CHECK(range.reversals <= 10);
    CHECK(range.detected == regime::ranging);
    CHECK(range.choppy_confidence == 0.0);

    // Choppy needs ATR% > 0.05: the same zigzag at 1/100 the amplitude stays RANGING.
    const auto calm = measure_regime(test::zigzag(80, 100, 0.002));
    CHECK(calm.reversals == 17);
    CHECK(calm.detected == regime::ranging);

    CHECK_FALSE(measure_regime(test::rising(49)).valid);
    CHECK(measure_regime(test::rising(49)).rule == arm_rule::not_enough_data);
    const auto flat = measure_regime(test::flat(80));
    CHECK(flat.valid);
    CHECK(flat.reversals == 0);
    CHECK(flat.detected == regime::ranging);
}

TEST_CASE("strategy_arm: real BTC slice reversals match the Python reference",
          "[unit][strategy][arm]") {
    const auto all = test::load("okx_spot_2022", "BTC-USDT", "5m");
    const auto m = measure_regime(candle_span(all).subspan(1000, 200));
    CHECK(m.reversals == 11); // reference/make_reference.py: reversals18 = 11
    CHECK(m.trend_deviation_pct ==
          Approx(std::abs(all[1199].close - 42766.264) / 42766.264 * 100).epsilon(1e-6));
}

TEST_CASE("strategy_arm: starts RANGING, switches after 2 new-bar detections and 5 min",
          "[unit][strategy][arm]") {
    const auto bars = test::rising(120);
    adaptive_regime_manager arm;
    CHECK(arm.current() == regime::ranging);
    const std::int64_t t = test::t0 + 100 * test::m5;

    arm_symbol_input in[1] = {upto("BTC-USDT", bars, 80)};
    auto u = arm.update(in, t);
    CHECK(u.has_detection);
    CHECK(u.new_bar);
    CHECK(u.detected == regime::trending);
    CHECK(u.agreeing == 1);
    CHECK_FALSE(u.switched);

    // Same bars again (a 5 s cycle later): no new evidence, not counted.
    u = arm.update(in, t + 5'000);
    CHECK_FALSE(u.new_bar);
    CHECK(u.agreeing == 1);
    CHECK_FALSE(u.switched);

    // A new bar 1 minute later: second agreeing detection, but only 1 min in RANGING.
    in[0] = upto("BTC-USDT", bars, 81);
    u = arm.update(in, t + 1 * minute);
    CHECK(u.agreeing == 2);
    CHECK_FALSE(u.switched);
    CHECK(arm.current() == regime::ranging);

    // Next new bar at +5 min: dwell satisfied → switch.
    in[0] = upto("BTC-USDT", bars, 82);
    u = arm.update(in, t + 5 * minute);
    CHECK(u.switched);
    CHECK(u.previous == regime::ranging);
    CHECK(u.current == regime::trending);
    CHECK(u.in_regime_ms == 5 * minute);
    CHECK_FALSE(u.dwell_skipped);
    CHECK(arm.regime_since_ms() == t + 5 * minute);
    CHECK(u.per_symbol[0].rule == arm_rule::trending);
}

TEST_CASE("strategy_arm: a disagreeing detection resets the count", "[unit][strategy][arm]") {
    const auto trend = test::rising(120);
    const auto range = test::waves(120);
    adaptive_regime_manager arm;
    std::int64_t t = test::t0 + 200 * test::m5;
    arm_symbol_input in[1] = {upto("X", trend, 80)};
    CHECK(arm.update(in, t).agreeing == 1);
    in[0] = upto("X", range, 81); // back to RANGING (= current): pending cleared
    t += 10 * minute;
    CHECK(arm.update(in, t).agreeing == 0);
    in[0] = upto("X", trend, 82);
    t += 10 * minute;
    auto u = arm.update(in, t);
    CHECK(u.agreeing == 1);
    CHECK_FALSE(u.switched);
}

TEST_CASE("strategy_arm: confident CHOPPY skips the 5-minute wait", "[unit][strategy][arm]") {
    const auto chop = test::zigzag(120);
    const std::int64_t t = test::t0 + 200 * test::m5;
    {
        adaptive_regime_manager arm;
        arm_symbol_input in[1] = {upto("BTC-USDT", chop, 80)};
        (void)arm.update(in, t);
        in[0] = upto("BTC-USDT", chop, 81);
        const auto u = arm.update(in, t + minute);
        CHECK(u.confidence == Approx(1.0));
        CHECK(u.switched);
        CHECK(u.dwell_skipped);
        CHECK(u.current == regime::choppy);
    }
    {
        arm_config cfg;
        cfg.choppy_skip_confidence = 1.01; // unreachable: must wait
        adaptive_regime_manager arm(cfg);
        arm_symbol_input in[1] = {upto("BTC-USDT", chop, 80)};
        (void)arm.update(in, t);
        in[0] = upto("BTC-USDT", chop, 81);
        CHECK_FALSE(arm.update(in, t + minute).switched);
        in[0] = upto("BTC-USDT", chop, 82);
        CHECK(arm.update(in, t + 5 * minute).switched);
    }
    {
        // Low-confidence CHOPPY (ATR% just above 0.05, 11 reversals would be needed for less; here
        // ATR% ≈ 0.06 → confidence ≈ 0.5·1 + 0.5·0.2 = 0.6) must wait.
        const auto mild = test::zigzag(120, 100, 0.06);
        adaptive_regime_manager arm;
        arm_symbol_input in[1] = {upto("BTC-USDT", mild, 80)};
        auto u = arm.update(in, t);
        CHECK(u.detected == regime::choppy);
        CHECK(u.confidence < 0.8);
        in[0] = upto("BTC-USDT", mild, 81);
        CHECK_FALSE(arm.update(in, t + minute).switched);
    }
}

TEST_CASE("strategy_arm: symbols combine by majority, ties to the defensive regime",
          "[unit][strategy][arm]") {
    const auto trend = test::rising(100);
    const auto chop = test::zigzag(100);
    const auto range = test::waves(100);
    const std::int64_t t = test::t0 + 200 * test::m5;
    const auto detect = [&](std::initializer_list<const std::vector<candle>*> series) {
        std::vector<arm_symbol_input> in;
        for (const auto* s : series)
            in.push_back({"S", candle_span(*s)});
        adaptive_regime_manager arm;
        return arm.update(in, t);
    };
    CHECK(detect({&trend, &chop}).detected == regime::choppy);
    CHECK(detect({&trend, &range}).detected == regime::ranging);
    CHECK(detect({&range, &chop}).detected == regime::choppy);
    CHECK(detect({&trend, &trend, &chop}).detected == regime::trending);
    const auto u = detect({&chop, &range});
    CHECK(u.confidence == Approx(0.5)); // mean of 1.0 and 0
    CHECK(u.symbol_count == 2);
    const auto few = test::rising(10);
    CHECK_FALSE(detect({&few}).has_detection);
    CHECK(detect({&few, &chop}).detected == regime::choppy); // a short symbol does not vote
}
