// Indicators against independent references: hand-worked small tables (arithmetic in the
// comments) and values from reference/make_reference.py, a separate list-based Python
// implementation run once over real OKX BTC-USDT 5m bars (okx_spot_2022, rows [1000,1200)).
#include "strategy/indicators.hpp"

#include "tests/strategy/test_series.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
std::vector<candle> btc_slice() {
    const auto all = test::load("okx_spot_2022", "BTC-USDT", "5m");
    REQUIRE(all.size() >= 1200);
    return {all.begin() + 1000, all.begin() + 1200};
}
Approx ref(double v) {
    return Approx(v).epsilon(1e-9);
}
} // namespace

TEST_CASE("strategy_indicators: hand-worked small tables", "[unit][strategy][indicators]") {
    const std::vector<double> v{1, 2, 3, 4, 5};
    CHECK(*sma(v, 3) == Approx(4.0));
    // EMA3: alpha 0.5, seed mean(1,2,3) = 2, then 2 + .5(4−2) = 3, 3 + .5(5−3) = 4
    CHECK(*ema(v, 3) == Approx(4.0));
    CHECK(*ema(v, 5) == Approx(3.0)); // just the seed
    // RSI2 on 1,2,1,2: changes +1,−1,+1; seed gain .5 loss .5; then gain .75 loss .25 → RS 3 → 75
    const std::vector<double> r{1, 2, 1, 2};
    CHECK(*rsi(r, 2) == Approx(75.0));
    // Bollinger4 on 1..4: mean 2.5, population variance 1.25
    const std::vector<double> b{1, 2, 3, 4};
    const auto bb = *bollinger(b, 4, 2.0);
    CHECK(bb.middle == Approx(2.5));
    CHECK(bb.sigma == Approx(std::sqrt(1.25)));
    CHECK(bb.upper == Approx(2.5 + 2 * std::sqrt(1.25)));
    CHECK(bb.lower == Approx(2.5 - 2 * std::sqrt(1.25)));
    // ATR2: TRs 3, 1, 4 (see bars) → seed (3+1)/2 = 2 → (2·1 + 4)/2 = 3
    const std::vector<candle> c{
        {0, 9, 10, 8, 9, 1}, {1, 9, 12, 9, 11, 1}, {2, 11, 11, 10, 10, 1}, {3, 10, 14, 12, 13, 1}};
    CHECK(*atr(c, 2) == Approx(3.0));
    // Volume ratio: last 4 over mean(1,1,1,1)
    const std::vector<candle> vols{{0, 1, 1, 1, 1, 1},
                                   {1, 1, 1, 1, 1, 1},
                                   {2, 1, 1, 1, 1, 1},
                                   {3, 1, 1, 1, 1, 1},
                                   {4, 1, 1, 1, 1, 4}};
    CHECK(*volume_ratio(vols, 4) == Approx(4.0));
}

TEST_CASE("strategy_indicators: too few values is explicit", "[unit][strategy][indicators]") {
    const auto c = test::rising(27);
    std::vector<double> closes;
    for (const auto& x : c)
        closes.push_back(x.close);
    CHECK_FALSE(sma(std::span(closes).first(9), 10));
    CHECK_FALSE(ema(std::span(closes).first(20), 21));
    CHECK_FALSE(rsi(std::span(closes).first(14), 14));
    CHECK(rsi(std::span(closes).first(15), 14));
    CHECK_FALSE(macd(closes)); // needs 26 + 9 − 1 = 34
    CHECK_FALSE(atr(candle_span(c).first(14), 14));
    CHECK(atr(candle_span(c).first(15), 14));
    CHECK_FALSE(adx(c, 14)); // needs 28
    CHECK(adx(test::rising(28), 14));
    CHECK_FALSE(bollinger(std::span(closes).first(19)));
    CHECK_FALSE(volume_ratio(candle_span(c).first(20), 20));
    CHECK_FALSE(sma(closes, 0));
    const std::vector<double> none;
    CHECK_FALSE(ema(none, 1));
}

TEST_CASE("strategy_indicators: flat prices and zero volume give no NaN",
          "[unit][strategy][indicators]") {
    const auto c = test::flat(60, 100, 0);
    CHECK(*rsi_close(c) == 50.0); // convention: no gains and no losses → neutral
    const auto m = *macd_close(c);
    CHECK(m.line == 0.0);
    CHECK(m.signal == 0.0);
    CHECK(*atr(c) == 0.0);
    const auto a = *adx(c);
    CHECK(a.adx == 0.0);
    CHECK(a.plus_di == 0.0);
    CHECK(a.minus_di == 0.0);
    const auto bb = *bollinger_close(c);
    CHECK(bb.upper == 100.0);
    CHECK(bb.lower == 100.0);
    CHECK_FALSE(volume_ratio(c)); // zero baseline: undefined, not infinity
    // only gains → 100, only losses → 0
    CHECK(*rsi_close(test::rising(30)) == 100.0);
    CHECK(*rsi_close(test::rising(30, 100, 0.999)) == Approx(0.0).margin(1e-12));
}

TEST_CASE("strategy_indicators: ADX on a steady rise is all +DM", "[unit][strategy][indicators]") {
    // Every bar's high and low rise: up-move > 0 > down-move, so −DM = 0, DX = 100 throughout.
    const auto a = *adx(test::rising(40));
    CHECK(a.adx == Approx(100.0));
    CHECK(a.minus_di == 0.0);
    CHECK(a.plus_di > 0);
}

TEST_CASE("strategy_indicators: time gaps are ignored (bars in order)",
          "[unit][strategy][indicators]") {
    auto c = btc_slice();
    auto gapped = c;
    for (std::size_t i = 100; i < gapped.size(); ++i)
        gapped[i].open_time_ms += 3'600'000; // 1 h hole
    CHECK(*atr(c) == *atr(gapped));
    CHECK(adx(c)->adx == adx(gapped)->adx);
}

TEST_CASE("strategy_indicators: real BTC 5m slice matches the Python reference",
          "[unit][strategy][indicators]") {
    const auto c = btc_slice();
    CHECK(c.front().open_time_ms == 1641884100000);
    CHECK(c.back().open_time_ms == 1641943800000);
    // Values printed by reference/make_reference.py (independent implementation).
    CHECK(*sma_close(c, 10) == ref(42781.26));
    CHECK(*sma_close(c, 30) == ref(42724.13));
    CHECK(*ema_close(c, 8) == ref(42769.5410557));
    CHECK(*ema_close(c, 21) == ref(42750.1452558));
    CHECK(*rsi_close(c, 14) == ref(46.6435163973));
    const auto m = *macd_close(c);
    CHECK(m.line == ref(15.2995794034));
    CHECK(m.signal == ref(9.43372649694));
    CHECK(m.histogram == ref(5.86585290646));
    CHECK(*atr(c, 14) == ref(72.7298241321));
    const auto bb = *bollinger_close(c);
    CHECK(bb.upper == ref(42861.4631607));
    CHECK(bb.middle == ref(42724.61));
    CHECK(bb.lower == ref(42587.7568393));
    const auto a = *adx(c);
    CHECK(a.adx == ref(20.9324524767));
    CHECK(a.plus_di == ref(23.3174906251));
    CHECK(a.minus_di == ref(18.6038472645));
    CHECK(*volume_ratio(c) == ref(1.65986460831));
    CHECK(*sma_close(c, 50) == ref(42766.264));
}
