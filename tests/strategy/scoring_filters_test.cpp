// Scoring (each component, the 13-point maximum, the side rule) and every filter's pass
// and block cases. Real-data references (correlation, volume profile) come from
// reference/make_reference.py; pivot levels are worked by hand in the comments.
#include "strategy/adx_filter.hpp"
#include "strategy/balance_filter.hpp"
#include "strategy/correlation.hpp"
#include "strategy/mtf.hpp"
#include "strategy/pivots.hpp"
#include "strategy/scoring.hpp"
#include "strategy/sessions.hpp"
#include "strategy/volume_profile.hpp"

#include "tests/strategy/test_series.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
indicator_snapshot long_max_snapshot() {
    indicator_snapshot s{};
    s.valid = true;
    s.sma10 = 99;
    s.sma30 = 98; // P=100 > 99 > 98
    s.ema8 = 101;
    s.ema21 = 100;
    s.rsi = 20; // ≤ 35−5
    s.bb_lower = 99.9;
    s.bb_upper = 110; // 100 ≤ 99.9·1.002 = 100.0998
    s.volume_ratio_valid = true;
    s.volume_ratio = 2;
    s.macd_line = 1;
    s.macd_signal = 0.5;
    return s;
}
} // namespace

TEST_CASE("strategy_scoring: every component and the 13-point maximum",
          "[unit][strategy][scoring]") {
    const regime_params p = default_params(regime::ranging);
    auto s = long_max_snapshot();
    const auto l = score_side(side::long_side, s, 100, p);
    CHECK(l.sma == 1);
    CHECK(l.ema == 2);
    CHECK(l.rsi == 4);
    CHECK(l.bollinger == 2);
    CHECK(l.volume == 2);
    CHECK(l.macd == 2);
    CHECK(l.total() == max_score);

    indicator_snapshot sh{};
    sh.valid = true;
    sh.sma10 = 101;
    sh.sma30 = 102;
    sh.ema8 = 99;
    sh.ema21 = 100;
    sh.rsi = 80;
    sh.bb_lower = 90;
    sh.bb_upper = 100.1; // 100 ≥ 100.1·0.998 = 99.8998
    sh.volume_ratio_valid = true;
    sh.volume_ratio = 1.10; // exactly the threshold counts
    sh.macd_line = -1;
    sh.macd_signal = -0.5;
    CHECK(score_side(side::short_side, sh, 100, p).total() == max_score);

    // Bollinger factors at the edge
    s.bb_lower = 100 / 1.002;
    CHECK(score_side(side::long_side, s, 100, p).bollinger == 2);
    s.bb_lower = 100 / 1.0021;
    CHECK(score_side(side::long_side, s, 100, p).bollinger == 0);
    // MACD needs the line on the right side of zero too
    s.macd_line = -0.1;
    s.macd_signal = -0.5;
    CHECK(score_side(side::long_side, s, 100, p).macd == 0);
    // Volume ratio invalid (zero baseline) scores nothing
    s.volume_ratio_valid = false;
    CHECK(score_side(side::long_side, s, 100, p).volume == 0);
    // Invalid snapshot scores nothing
    CHECK(score_side(side::long_side, indicator_snapshot{}, 100, p).total() == 0);
}

TEST_CASE("strategy_scoring: RSI zones and their mirror", "[unit][strategy][scoring]") {
    // oversold 35: ≤30 → 4, ≤35 → 3, ≤45 → 2, ≤55 → 1
    CHECK(rsi_long_points(30, 35) == 4);
    CHECK(rsi_long_points(30.01, 35) == 3);
    CHECK(rsi_long_points(35, 35) == 3);
    CHECK(rsi_long_points(45, 35) == 2);
    CHECK(rsi_long_points(55, 35) == 1);
    CHECK(rsi_long_points(55.01, 35) == 0);
    // overbought 70: ≥75 → 4, ≥70 → 3, ≥60 → 2, ≥50 → 1
    CHECK(rsi_short_points(75, 70) == 4);
    CHECK(rsi_short_points(74.9, 70) == 3);
    CHECK(rsi_short_points(60, 70) == 2);
    CHECK(rsi_short_points(50, 70) == 1);
    CHECK(rsi_short_points(49.9, 70) == 0);
}

TEST_CASE("strategy_scoring: direction needs the minimum and a strict lead",
          "[unit][strategy][scoring]") {
    CHECK(choose_direction(5, 3, 4) == side::long_side);
    CHECK(choose_direction(3, 5, 4) == side::short_side);
    CHECK(choose_direction(5, 5, 4) == side::none);
    CHECK(choose_direction(4, 3, 4) == side::long_side);
    CHECK(choose_direction(3, 2, 4) == side::none);
    CHECK(choose_direction(7, 6, 7) == side::long_side);
    const auto s = score_signal(long_max_snapshot(), 100, default_params(regime::choppy));
    CHECK(s.long_score.total() == 13);
    CHECK(s.dir == side::long_side);
    CHECK(score_signal(long_max_snapshot(), 0, default_params(regime::choppy)).dir == side::none);
}

TEST_CASE("strategy_scoring: compute_indicators needs 34 bars", "[unit][strategy][scoring]") {
    CHECK_FALSE(compute_indicators(test::rising(33)).valid);
    const auto s = compute_indicators(test::rising(34));
    CHECK(s.valid);
    CHECK(s.sma10 > s.sma30);
}

TEST_CASE("strategy_filters: correlation", "[unit][strategy][filters]") {
    const auto btc = test::load("okx_spot_2022", "BTC-USDT", "5m");
    const auto eth = test::load("okx_spot_2022", "ETH-USDT", "5m");
    const candle_span b = candle_span(btc).subspan(1000, 200);
    // reference/make_reference.py: 0.807068839745 (100 log returns ending 1641943800000)
    const auto rho = log_return_correlation(b, eth);
    REQUIRE(rho);
    CHECK(*rho == Approx(0.807068839745).epsilon(1e-9));

    const open_position_ref eth_long{"ETH-USDT", side::long_side, eth};
    const open_position_ref eth_short{"ETH-USDT", side::short_side, eth};
    const open_position_ref two[2] = {eth_long, {"ETH2", side::long_side, eth}};
    // RANGING: 0.7 / max 2 / same direction only
    auto v = correlation_filter(side::long_side, b, std::span(&eth_long, 1), 0.7, 2, true);
    CHECK(v.verdict.pass);
    CHECK(v.correlated == 1);
    v = correlation_filter(side::long_side, b, two, 0.7, 2, true);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::correlated_positions);
    // CHOPPY: max 1; an opposite-side position does not count when same-direction-only
    CHECK_FALSE(
        correlation_filter(side::long_side, b, std::span(&eth_long, 1), 0.6, 1, true).verdict.pass);
    CHECK(correlation_filter(side::long_side, b, std::span(&eth_short, 1), 0.6, 1, true)
              .verdict.pass);
    CHECK_FALSE(correlation_filter(side::long_side, b, std::span(&eth_short, 1), 0.6, 1, false)
                    .verdict.pass);
    // TRENDING threshold 0.8 still catches 0.807; 0.81 would not
    CHECK(correlation_filter(side::long_side, b, std::span(&eth_long, 1), 0.81, 1, false)
              .verdict.pass);
    CHECK(correlation_filter(side::long_side, b, {}, 0.7, 1, true).verdict.pass);

    // Gaps: drop every 7th ETH bar; the matched pairs still give a value close to the full one.
    std::vector<candle> holey;
    for (std::size_t i = 0; i < eth.size(); ++i)
        if (i % 7 != 3)
            holey.push_back(eth[i]);
    const auto rho_gap = log_return_correlation(b, holey);
    REQUIRE(rho_gap);
    CHECK(std::abs(*rho_gap - *rho) < 0.15);
    // Flat series: zero variance → 0, not NaN; too few bars → nullopt (position not counted)
    const auto flat = test::flat(200, 100, 10, b.front().open_time_ms);
    CHECK(*log_return_correlation(b, flat) == 0.0);
    CHECK_FALSE(log_return_correlation(b.first(10), eth));
    const open_position_ref shorty{"X", side::long_side, candle_span(eth).first(5)};
    CHECK(
        correlation_filter(side::long_side, b, std::span(&shorty, 1), 0.0, 1, false).verdict.pass);
}

TEST_CASE("strategy_filters: volume profile by hand", "[unit][strategy][filters]") {
    // Bar A spans [0,10] with 10 volume → 1 per bin (10 bins of width 1). Bar B spans [2,3] with
    // 4 → bins 2 and 3 get 2 each. Bins: 1 1 3 3 1 1 1 1 1 1 (total 14). POC = bin 2 (lowest of
    // the tie) → 2.5. VA target 9.8: +bin3 (3 > 1) = 6, then ties go up: bins 4,5,6,7 → 10.
    const std::vector<candle> c{{0, 5, 10, 0, 5, 10}, {1, 2, 3, 2, 3, 4}};
    const auto vp = compute_volume_profile(c, 100, 10, 0.7, 1);
    REQUIRE(vp.valid);
    CHECK(vp.poc == Approx(2.5));
    CHECK(vp.val == Approx(2.0));
    CHECK(vp.vah == Approx(8.0));
}

TEST_CASE("strategy_filters: volume profile on real 1H bars and the bonus",
          "[unit][strategy][filters]") {
    const auto h1 = test::load("okx_spot_2022", "BTC-USDT", "1h");
    const candle_span s = candle_span(h1).subspan(200, 100);
    const auto vp = compute_volume_profile(s);
    REQUIRE(vp.valid);
    // reference/make_reference.py: poc/val/vah 41677.717 41467.306 42776.53
    CHECK(vp.poc == Approx(41677.717).epsilon(1e-9));
    CHECK(vp.val == Approx(41467.306).epsilon(1e-9));
    CHECK(vp.vah == Approx(42776.53).epsilon(1e-9));

    auto v = volume_profile_filter(s, vp.poc, 1.5); // near POC and in VA: round(2·1.5) = 3
    CHECK(v.verdict.pass);
    CHECK(v.verdict.bonus == 3);
    CHECK(v.verdict.reason == filter_reason::near_poc_and_value_area);
    v = volume_profile_filter(s, 42600, 1.5); // in VA, 2.2 % from POC: round(1.5) = 2
    CHECK(v.verdict.bonus == 2);
    CHECK(v.verdict.reason == filter_reason::in_value_area);
    CHECK(volume_profile_filter(s, 42600, 1.0).verdict.bonus == 1);
    v = volume_profile_filter(s, 45000, 2.0);
    CHECK(v.verdict.bonus == 0);
    CHECK(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::outside_value_area);
    // flat prices / zero volume / too few bars: no profile, pass without bonus
    CHECK(volume_profile_filter(test::flat(100), 100, 2.0).verdict.reason ==
          filter_reason::not_enough_data);
    CHECK_FALSE(compute_volume_profile(test::flat(100, 100, 0)).valid);
    const auto few = volume_profile_filter(s.first(5), vp.poc, 2.0);
    CHECK(few.verdict.pass);
    CHECK(few.verdict.bonus == 0);
}

TEST_CASE("strategy_filters: pivots from the previous completed day", "[unit][strategy][filters]") {
    const auto d1 = test::load("okx_spot_2022", "BTC-USDT", "1d");
    REQUIRE(d1.size() > 12);
    // d1[10] = 2022-01-30: H 38400.9, L 37354.8, C 37894.1. By hand: PP = 113649.8/3 = 37883.26667,
    // R1 = 2PP−L = 38411.73333, S1 = 2PP−H = 37365.63333, R2 = PP+1046.1 = 38929.36667,
    // S2 = 36837.16667, R3 = H+2(PP−L) = 39457.83333, S3 = L−2(H−PP) = 36319.53333.
    const std::int64_t now = d1[11].open_time_ms + 3 * 3'600'000;
    REQUIRE(previous_completed_day(d1, now) == &d1[10]);
    CHECK(previous_completed_day(d1, d1[11].open_time_ms) == &d1[10]); // day just ended
    CHECK(previous_completed_day(d1, d1[11].open_time_ms - 1) == &d1[9]);
    CHECK(previous_completed_day(d1, d1[0].open_time_ms + 1000) == nullptr);
    const auto p = pivot_points(d1[10]);
    CHECK(p.pp == Approx(37883.26667).epsilon(1e-8));
    CHECK(p.r1 == Approx(38411.73333).epsilon(1e-8));
    CHECK(p.s1 == Approx(37365.63333).epsilon(1e-8));
    CHECK(p.r2 == Approx(38929.36667).epsilon(1e-8));
    CHECK(p.s2 == Approx(36837.16667).epsilon(1e-8));
    CHECK(p.r3 == Approx(39457.83333).epsilon(1e-8));
    CHECK(p.s3 == Approx(36319.53333).epsilon(1e-8));

    auto v = pivot_filter(side::long_side, d1, 37365.63333 * 1.002, now, 1.5); // 0.2 % above S1
    CHECK(v.nearest == pivot_level::s1);
    CHECK(v.verdict.bonus == 2); // round(1 × 1.5)
    CHECK(v.verdict.reason == filter_reason::near_support_pivot);
    v = pivot_filter(side::short_side, d1, 37365.63333 * 1.002, now, 1.5);
    CHECK(v.verdict.bonus == 0);
    CHECK(v.verdict.reason == filter_reason::near_wrong_pivot);
    CHECK(pivot_filter(side::short_side, d1, 38411.73333 * 0.998, now, 2.0).verdict.bonus == 2);
    CHECK(pivot_filter(side::long_side, d1, 37883.26667, now, 1.5).verdict.bonus == 2); // at PP
    v = pivot_filter(side::long_side, d1, 37365.63333 * 1.004, now, 1.5); // 0.4 %: too far
    CHECK(v.verdict.bonus == 0);
    CHECK(v.verdict.reason == filter_reason::far_from_pivots);
    CHECK(pivot_filter(side::long_side, {}, 100, now, 1.5).verdict.reason ==
          filter_reason::not_enough_data);
    CHECK(pivot_filter(side::long_side, {}, 100, now, 1.5).verdict.pass);
}

TEST_CASE("strategy_filters: MTF trend", "[unit][strategy][filters]") {
    const auto up = test::rising(60, 100, 1.001, test::t0, 900'000);
    const auto down = test::rising(60, 100, 0.999, test::t0, 900'000);
    auto v = mtf_filter(side::long_side, up, 2, true);
    CHECK(v.trend == mtf_trend::bullish);
    CHECK(v.verdict.pass);
    CHECK(v.verdict.bonus == 2);
    v = mtf_filter(side::short_side, up, 2, true);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::mtf_opposite_blocked);
    v = mtf_filter(side::short_side, up, 2, false);
    CHECK(v.verdict.pass);
    CHECK(v.verdict.bonus == 0);
    CHECK(mtf_filter(side::short_side, down, 1, true).verdict.bonus == 1);
    CHECK(mtf_filter(side::long_side, down, 1, true).trend == mtf_trend::bearish);
    v = mtf_filter(side::long_side, test::flat(60), 2, true);
    CHECK(v.trend == mtf_trend::neutral);
    CHECK(v.verdict.pass);
    CHECK(v.verdict.bonus == 0);
    v = mtf_filter(side::long_side, candle_span(up).first(20), 2, true);
    CHECK(v.verdict.reason == filter_reason::not_enough_data);
    CHECK(v.verdict.pass);
}

TEST_CASE("strategy_filters: ADX gate", "[unit][strategy][filters]") {
    CHECK(adx_filter(side::long_side, 20, 25, 20, 15, 1.5).verdict.pass);
    CHECK(adx_filter(side::long_side, 15, 21.5, 20, 15, 1.5).verdict.pass); // both limits inclusive
    auto v = adx_filter(side::short_side, 20, 25, 20, 15, 1.5);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::di_not_confirmed);
    CHECK(adx_filter(side::short_side, 20, 20, 25, 15, 1.5).verdict.pass);
    v = adx_filter(side::long_side, 14.9, 40, 5, 15, 1.5);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::adx_too_low);
    CHECK_FALSE(adx_filter(side::long_side, 20, 21.4, 20, 15, 1.5).verdict.pass);
    v = adx_filter(side::long_side, candle_span(test::rising(20)), 10, 1.0);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::not_enough_data);
    CHECK(adx_filter(side::long_side, candle_span(test::rising(40)), 22, 4.0).verdict.pass);
    CHECK_FALSE(
        adx_filter(side::long_side, candle_span(test::flat(40)), 10, 1.0).verdict.pass); // ADX 0
}

TEST_CASE("strategy_filters: trading sessions", "[unit][strategy][filters]") {
    constexpr std::int64_t sat_2230 = 1641681000000, sat_2100 = 1641675600000,
                           sun_1200 = 1641729600000;
    constexpr std::int64_t mon_0030 = 1641774600000, mon_0800 = 1641801600000,
                           mon_1000 = 1641808800000, mon_2300 = 1641855600000;
    session_config off;
    CHECK(session_filter(off, mon_2300).verdict.pass);
    CHECK(session_filter(off, mon_2300).verdict.reason == filter_reason::disabled);
    CHECK(session_filter(off, sun_1200).verdict.pass); // weekend block is opt-in

    session_config on;
    on.enabled = true;
    auto v = session_filter(on, mon_1000);
    CHECK(v.utc_hour == 10);
    CHECK(v.weekday == 1);
    CHECK(v.open_sessions == 1);
    CHECK(v.verdict.pass);
    v = session_filter(on, mon_2300);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::outside_sessions);
    CHECK(session_filter(on, mon_0030).verdict.pass); // Asia

    session_config overlap = on;
    overlap.overlap_only = true;
    CHECK(session_filter(overlap, mon_0800).verdict.pass); // Asia + Europe
    CHECK(session_filter(overlap, mon_1000).verdict.reason == filter_reason::not_overlap);

    session_config weekend;
    weekend.weekend_block = true;
    CHECK(session_filter(weekend, sat_2230).verdict.reason == filter_reason::weekend);
    CHECK(session_filter(weekend, sat_2230).weekday == 6);
    CHECK(session_filter(weekend, sat_2100).verdict.pass);
    CHECK_FALSE(session_filter(weekend, sun_1200).verdict.pass);
    CHECK(session_filter(weekend, mon_0030).verdict.pass);
}

TEST_CASE("strategy_filters: balance", "[unit][strategy][filters]") {
    const sizing_config cfg;
    auto v = balance_filter(side::long_side, {1000, 0, 0}, 30000, 70, cfg);
    CHECK(v.verdict.pass);
    CHECK(v.available_usd == Approx(900));
    CHECK(
        balance_filter(side::long_side, {100, 0, 0}, 30000, 70, cfg).verdict.pass); // 100 − 15 = 85
    v = balance_filter(side::long_side, {80, 0, 0}, 30000, 70, cfg); // 80 − 15 = 65
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::insufficient_usdt);
    CHECK(balance_filter(side::short_side, {0, 0.002, 0}, 30000, 70, cfg).verdict.pass); // $60
    v = balance_filter(side::short_side, {5000, 0.001, 0}, 30000, 70, cfg);              // $30
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::insufficient_base);
    v = balance_filter(side::long_side, {1000, 1, 0.01}, 30000, 70, cfg);
    CHECK_FALSE(v.verdict.pass);
    CHECK(v.verdict.reason == filter_reason::liability);
    CHECK_FALSE(balance_filter(side::short_side, {1000, 1, 5}, 30000, 70, cfg).verdict.pass);
}
