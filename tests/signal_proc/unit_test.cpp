// Unit tests of signal_proc's pure parts: the candle cache merge (confirm dropping, newest-first →
// oldest-first, overlap, gaps, trimming, fetch limits), the regime → segment parameter mapping
// and the decision log line.
#include "signal_proc/candle_cache.hpp"
#include "signal_proc/decision_log.hpp"
#include "signal_proc/market_feed.hpp"
#include "signal_proc/param_map.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace scalpel;
using namespace scalpel::signal;

namespace {

constexpr std::int64_t m5 = 5 * 60'000;

okx::candle_row row(std::int64_t ts, double close, bool confirmed = true) {
    okx::candle_row r;
    r.bar = candle{ts, close, close + 1, close - 1, close, 10};
    r.confirmed = confirmed;
    return r;
}

// OKX order: newest first, the forming bar on top.
std::vector<okx::candle_row> okx_rows(std::int64_t first_ts, int confirmed, bool with_live = true) {
    std::vector<okx::candle_row> v;
    if (with_live)
        v.push_back(row(first_ts + confirmed * m5, 999, false));
    for (int i = confirmed - 1; i >= 0; --i)
        v.push_back(row(first_ts + i * m5, 100 + i));
    return v;
}

} // namespace

TEST_CASE("cold merge drops the unconfirmed bar and stores oldest first", "[unit]") {
    candle_series s("5m", 10);
    const auto r = s.merge(okx_rows(0, 5));
    CHECK(r.outcome == merge_outcome::replaced);
    CHECK(r.added == 5);
    CHECK(r.dropped_unconfirmed == 1);
    REQUIRE(s.bars().size() == 5);
    CHECK(s.bars().front().open_time_ms == 0);
    CHECK(s.bars().back().open_time_ms == 4 * m5);
    CHECK(s.bars().back().close == 104);
}

TEST_CASE("warm merge appends only newer bars and trims to capacity", "[unit]") {
    candle_series s("5m", 6);
    (void)s.merge(okx_rows(0, 5));
    // Overlapping fetch: bars 3..6 confirmed, 7 forming.
    const auto r = s.merge(okx_rows(3 * m5, 4));
    CHECK(r.outcome == merge_outcome::appended);
    CHECK(r.added == 2);
    REQUIRE(s.bars().size() == 6);
    CHECK(s.bars().front().open_time_ms == m5);
    CHECK(s.bars().back().open_time_ms == 6 * m5);
    for (std::size_t i = 1; i < s.bars().size(); ++i)
        CHECK(s.bars()[i].open_time_ms == s.bars()[i - 1].open_time_ms + m5);
    CHECK(s.last(2).size() == 2);
    CHECK(s.last(2).front().open_time_ms == 5 * m5);
}

TEST_CASE("a fetch that only repeats known bars or the forming bar changes nothing", "[unit]") {
    candle_series s("5m", 10);
    (void)s.merge(okx_rows(0, 5));
    CHECK(s.merge(okx_rows(3 * m5, 2)).outcome == merge_outcome::unchanged);
    std::vector<okx::candle_row> live_only{row(5 * m5, 1, false)};
    CHECK(s.merge(live_only).outcome == merge_outcome::unchanged);
    CHECK(s.bars().size() == 5);
}

TEST_CASE("a fetch that does not reach the cache is a gap and merges nothing", "[unit]") {
    candle_series s("5m", 10);
    (void)s.merge(okx_rows(0, 5));               // bars 0..4
    const auto r = s.merge(okx_rows(7 * m5, 3)); // bars 7..9: 5 and 6 missing
    CHECK(r.outcome == merge_outcome::gap);
    CHECK(s.bars().back().open_time_ms == 4 * m5);
    // Exactly adjacent is not a gap.
    CHECK(s.merge(okx_rows(5 * m5, 2)).outcome == merge_outcome::appended);
    CHECK(s.bars().back().open_time_ms == 6 * m5);
}

TEST_CASE(
    "fetch is needed only when a newer bar can have closed; the limit covers the missing bars",
    "[unit]") {
    candle_series s("5m", 210);
    CHECK(s.needs_fetch(0));
    CHECK(s.fetch_limit(0) == 211);
    (void)s.merge(okx_rows(0, 5));          // newest confirmed bar opens at 4·m5, closes at 5·m5
    CHECK_FALSE(s.needs_fetch(6 * m5 - 1)); // bar 5 is still forming
    CHECK(s.needs_fetch(6 * m5));           // bar 5 has closed
    CHECK(s.fetch_limit(6 * m5) == 4);      // bars 4 (overlap), 5, 6 (forming) + 1
    CHECK(s.fetch_limit(1000 * m5) == 211); // too far behind: full window
}

TEST_CASE("bar names for the timeframes the strategy uses", "[unit]") {
    CHECK(bar_name(5 * 60'000) == "5m");
    CHECK(bar_name(15 * 60'000) == "15m");
    CHECK(bar_name(60 * 60'000) == "1H");
    CHECK(bar_name(24 * 60 * 60'000) == "1Dutc");
    CHECK(bar_name(7).empty());
}

TEST_CASE("regime parameters map field by field onto the segment block", "[unit]") {
    for (auto r : {scalpel::regime::trending, scalpel::regime::ranging, scalpel::regime::choppy}) {
        const auto p = strategy::default_params(r);
        const auto a = to_arm_params(r, p, 0.001);
        const auto ref = shm::default_params(r);
        CHECK(a.current == ref.current);
        CHECK(a.ph_enabled == ref.ph_enabled);
        CHECK(a.min_score == ref.min_score);
        CHECK(a.max_trades_per_hour == ref.max_trades_per_hour);
        CHECK(a.size_multiplier == ref.size_multiplier);
        CHECK(a.tp_atr_mult == ref.tp_atr_mult);
        CHECK(a.sl_atr_mult == ref.sl_atr_mult);
        CHECK(a.max_hold_s == ref.max_hold_s);
        CHECK(a.ph_threshold_usd == ref.ph_threshold_usd);
        CHECK(a.ph_time_limit_s == ref.ph_time_limit_s);
        CHECK(a.rsi_overbought == ref.rsi_overbought);
        CHECK(a.rsi_oversold == ref.rsi_oversold);
        CHECK(a.volume_ratio_threshold == ref.volume_ratio_threshold);
        CHECK(a.mtf_timeframe_min == ref.mtf_timeframe_min);
        CHECK(a.mtf_bonus == ref.mtf_bonus);
        CHECK(a.mtf_block_opposite == ref.mtf_block_opposite);
        CHECK(a.corr_threshold == ref.corr_threshold);
        CHECK(a.corr_max == ref.corr_max);
        CHECK(a.corr_same_direction_only == ref.corr_same_direction_only);
        CHECK(a.adx_min == ref.adx_min);
        CHECK(a.di_difference == ref.di_difference);
        CHECK(a.pivot_bonus == ref.pivot_bonus);
        CHECK(a.volume_profile_multiplier == ref.volume_profile_multiplier);
        CHECK(a.taker_fee_rate == 0.001);
    }
    auto p = strategy::default_params(scalpel::regime::ranging);
    p.max_holding_ms = 90'000;
    p.ph_time_limit_ms = 12'500;
    p.mtf_bar_ms = 30 * 60'000;
    const auto a = to_arm_params(scalpel::regime::ranging, p, 0.002);
    CHECK(a.max_hold_s == 90);
    CHECK(a.ph_time_limit_s == 12.5);
    CHECK(a.mtf_timeframe_min == 30);
}

TEST_CASE("the decision line carries every filter verdict and the decision", "[unit]") {
    strategy::entry_decision d;
    d.signal = scalpel::side::long_side;
    d.blocked_by = strategy::entry_block::adx;
    d.score.long_score.ema = 2;
    d.score.long_score.rsi = 3;
    d.correlation.verdict = {true, 0, strategy::filter_reason::pass};
    d.volume_profile.verdict = {true, 2, strategy::filter_reason::near_poc};
    d.pivot.verdict = {true, 0, strategy::filter_reason::far_from_pivots};
    d.mtf.verdict = {true, 2, strategy::filter_reason::mtf_agrees};
    d.adx.verdict = {false, 0, strategy::filter_reason::adx_too_low};
    const std::string line =
        format_decision("BTC-USDT", scalpel::regime::ranging, 50000.5, "live", d);
    CHECK(line.rfind("decision symbol=BTC-USDT regime=RANGING price=50000.5 src=live", 0) == 0);
    CHECK(line.find("score_long=5 score_short=0 signal=LONG") != std::string::npos);
    CHECK(line.find("corr=PASS+0:pass") != std::string::npos);
    CHECK(line.find("vp=PASS+2:near_poc") != std::string::npos);
    CHECK(line.find("mtf=PASS+2:mtf_agrees") != std::string::npos);
    CHECK(line.find("adx_filter=BLOCK:adx_too_low") != std::string::npos);
    CHECK(line.find("session=-:not_run") != std::string::npos);
    CHECK(line.find("decision=BLOCKED:adx") != std::string::npos);
    CHECK(line.find('\n') == std::string::npos);

    strategy::entry_decision e;
    e.blocked_by = strategy::entry_block::none;
    e.dir = scalpel::side::long_side;
    e.size.size = decimal(150, 5);
    CHECK(format_decision("ETH-USDT", scalpel::regime::choppy, 1, "close", e).find("size=0.0015") !=
          std::string::npos);
    CHECK(format_decision("ETH-USDT", scalpel::regime::choppy, 1, "close", e)
              .find("decision=ENTER_LONG") != std::string::npos);

    strategy::risk_verdict v{false, strategy::risk_block::daily_loss_stop, -11, -10, 0};
    CHECK(format_risk_block("BTC-USDT", scalpel::regime::trending, v).find("decision=RISK:") !=
          std::string::npos);
}
