// Entry engine end to end on real OKX data (okx_spot_2022 BTC-USDT; 30m built from 15m with
// common's aggregate): deterministic entries at known bars, every decision's invariants, no
// look-ahead (whole arrays vs arrays cut at now give the same decision), and each blocking stage.
#include "strategy/engine.hpp"

#include "tests/strategy/test_series.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace scalpel;
using namespace scalpel::strategy;

namespace {
struct market {
    std::vector<candle> m5, eth5, m15, m30, h1, d1;
    market() {
        m5 = test::load("okx_spot_2022", "BTC-USDT", "5m");
        eth5 = test::load("okx_spot_2022", "ETH-USDT", "5m");
        m15 = test::load("okx_spot_2022", "BTC-USDT", "15m");
        m30 = aggregate(m15, 900'000, 1'800'000);
        h1 = test::load("okx_spot_2022", "BTC-USDT", "1h");
        d1 = test::load("okx_spot_2022", "BTC-USDT", "1d");
    }
    // The snapshot at the close of 5m bar i: price = that bar's close, spans = whole history
    // (the engine ignores bars not complete at now).
    [[nodiscard]] market_snapshot at(std::size_t i) const {
        return market_snapshot{"BTC-USDT", m5, m5, m15, m30, h1, d1, m5[i].close};
    }
    [[nodiscard]] std::int64_t now(std::size_t i) const { return m5[i].open_time_ms + 300'000; }
};
const market& data() {
    static const market m;
    return m;
}
const instrument_spec btc{decimal{1, 8}, decimal{1, 5}, decimal{1, 1}};
constexpr std::int64_t scan_from =
    1'642'896'000'000; // 2022-01-23 00:00 UTC: 15m/30m/1H/1D history exists
} // namespace

TEST_CASE("strategy_engine: scan of real BTC 5m bars", "[unit][strategy][engine]") {
    const market& m = data();
    const account_view acct{10'000, 1.0, 0};
    const entry_config cfg;
    std::size_t first = 0;
    while (m.m5[first].open_time_ms < scan_from)
        ++first;
    std::vector<std::int64_t> entries;
    int longs = 0, shorts = 0;
    for (const regime r : {regime::trending, regime::ranging, regime::choppy}) {
        const regime_params p = default_params(r);
        for (std::size_t i = first; i < first + 3000 && i < m.m5.size(); ++i) {
            const auto d = evaluate_entry(m.at(i), {}, acct, p, btc, cfg, m.now(i));
            REQUIRE(d.blocked_by != entry_block::not_enough_data);
            if (!d.enter())
                continue;
            const int mine =
                d.dir == side::long_side ? d.score.long_score.total() : d.score.short_score.total();
            const int other =
                d.dir == side::long_side ? d.score.short_score.total() : d.score.long_score.total();
            CHECK(mine >= p.min_score);
            CHECK(mine > other);
            CHECK(mine <= max_score);
            CHECK(d.confidence == mine + d.bonus);
            CHECK(d.size.size.is_multiple_of(btc.lot_sz));
            CHECK(d.size.size >= btc.min_sz);
            CHECK(d.tp_sl.tp.is_multiple_of(btc.tick_sz));
            CHECK(d.tp_sl.sl.is_multiple_of(btc.tick_sz));
            if (d.dir == side::long_side) {
                ++longs;
                CHECK(d.tp_sl.tp.to_double() > d.tp_sl.sl.to_double());
            } else {
                ++shorts;
                CHECK(d.tp_sl.tp.to_double() < d.tp_sl.sl.to_double());
            }
            CHECK(d.adx.verdict.pass);
            if (r == regime::ranging)
                entries.push_back(m.m5[i].open_time_ms);
        }
    }
    CHECK(longs > 0);
    CHECK(shorts > 0);
    // Regression snapshot of this code on this data (not an independent reference): the first
    // RANGING entry is the bar opening 2022-01-23 00:25 UTC, and 1364 of the 3000 bars pass.
    REQUIRE_FALSE(entries.empty());
    CHECK(entries.front() == 1642897500000);
    CHECK(entries.size() == 1364);
}

TEST_CASE("strategy_engine: the first RANGING entry in detail", "[unit][strategy][engine]") {
    const market& m = data();
    std::size_t i = 0;
    while (m.m5[i].open_time_ms != 1642897500000)
        ++i;
    const auto d = evaluate_entry(m.at(i), {}, {10'000, 1.0, 0}, default_params(regime::ranging),
                                  btc, {}, m.now(i));
    REQUIRE(d.enter());
    CHECK(d.dir == side::long_side);
    CHECK(d.score.long_score.total() == 7); // SMA 1 + EMA 2 + volume 2 + MACD 2
    CHECK(d.score.long_score.rsi == 0);     // RSI 64 > 35 + 20
    CHECK(d.score.short_score.total() == 6);
    CHECK(d.mtf.verdict.reason == filter_reason::mtf_agrees);
    CHECK(d.mtf.verdict.bonus == 2);
    CHECK(d.pivot.verdict.reason == filter_reason::near_support_pivot);
    CHECK(d.pivot.verdict.bonus == 2);
    CHECK(d.bonus == 4);
    CHECK(d.confidence == 11);
    // $500 = 5 % of 10 000 at P = that bar's close, floored to 1e-8
    CHECK(d.size.size == decimal::floor_to(500.0 / m.m5[i].close, btc.lot_sz));
    CHECK(d.size.target_value_usd == Approx(500));
    CHECK(d.tp_sl.tp == decimal::round_to(m.m5[i].close + 0.9 * d.atr, btc.tick_sz));
    CHECK(d.tp_sl.sl == decimal::round_to(m.m5[i].close - 0.7 * d.atr, btc.tick_sz));
}

TEST_CASE("strategy_engine: no look-ahead — whole arrays equal arrays cut at now",
          "[unit][strategy][engine]") {
    const market& m = data();
    std::size_t first = 0;
    while (m.m5[first].open_time_ms < scan_from)
        ++first;
    const auto cut = [](const std::vector<candle>& v, std::int64_t bar, std::int64_t now) {
        std::vector<candle> out;
        for (const auto& c : v)
            if (c.open_time_ms + bar <= now)
                out.push_back(c);
        return out;
    };
    for (std::size_t i = first; i < first + 600; i += 37) {
        const std::int64_t now = m.now(i);
        const auto a5 = cut(m.m5, 300'000, now), a15 = cut(m.m15, 900'000, now),
                   a30 = cut(m.m30, 1'800'000, now), a1h = cut(m.h1, 3'600'000, now),
                   a1d = cut(m.d1, 86'400'000, now);
        const market_snapshot cut_snap{"BTC-USDT", a5, a5, a15, a30, a1h, a1d, m.m5[i].close};
        for (const regime r : {regime::trending, regime::ranging, regime::choppy}) {
            const auto whole =
                evaluate_entry(m.at(i), {}, {10'000, 1, 0}, default_params(r), btc, {}, now);
            const auto part =
                evaluate_entry(cut_snap, {}, {10'000, 1, 0}, default_params(r), btc, {}, now);
            CHECK(whole.blocked_by == part.blocked_by);
            CHECK(whole.dir == part.dir);
            CHECK(whole.bonus == part.bonus);
            CHECK(whole.indicators.rsi == part.indicators.rsi);
            CHECK(whole.size.size == part.size.size);
        }
    }
}

TEST_CASE("strategy_engine: each blocking stage", "[unit][strategy][engine]") {
    const market& m = data();
    std::size_t i = 0;
    while (m.m5[i].open_time_ms != 1642897500000)
        ++i;
    const auto p = default_params(regime::ranging);
    const auto eval = [&](const account_view& a, std::span<const open_position_ref> pos = {},
                          const entry_config& cfg = {}, market_snapshot s = {}) {
        if (s.symbol.empty())
            s = m.at(i);
        return evaluate_entry(s, pos, a, p, btc, cfg, m.now(i));
    };
    // balance: 60 USDT free cannot pay the $70 minimum order after the $15 reserve
    auto d = eval({60, 0, 0});
    CHECK(d.blocked_by == entry_block::balance);
    CHECK(d.balance.verdict.reason == filter_reason::insufficient_usdt);
    CHECK(d.dir == side::none);
    CHECK(d.signal == side::long_side);
    d = eval({10'000, 1, 1.0});
    CHECK(d.balance.verdict.reason == filter_reason::liability);
    // correlation: two correlated LONG positions (ETH twice) reach RANGING's max of 2
    const open_position_ref pos[2] = {{"ETH-USDT", side::long_side, m.eth5},
                                      {"ETH-X", side::long_side, m.eth5}};
    d = eval({10'000, 1, 0}, pos);
    REQUIRE(d.correlation.max_abs_rho >= 0.7); // BTC/ETH 5m returns move together
    CHECK(d.correlation.correlated == 2);
    CHECK(d.blocked_by == entry_block::correlation);
    CHECK(d.mtf.verdict.reason == filter_reason::not_run); // later stages untouched
    const open_position_ref one_short[1] = {{"ETH-USDT", side::short_side, m.eth5}};
    CHECK(eval({10'000, 1, 0}, one_short).enter()); // RANGING counts same direction only
    // sessions: on, overlap only; 00:25 UTC is Asia alone
    entry_config cfg;
    cfg.sessions.enabled = true;
    cfg.sessions.overlap_only = true;
    d = eval({10'000, 1, 0}, {}, cfg);
    CHECK(d.blocked_by == entry_block::session);
    CHECK(d.session.verdict.reason == filter_reason::not_overlap);
    // bad price / not enough data
    auto s = m.at(i);
    s.price = 0;
    CHECK(eval({10'000, 1, 0}, {}, {}, s).blocked_by == entry_block::bad_price);
    s = m.at(i);
    s.entry = candle_span(m.m5).subspan(i - 20, 21);
    CHECK(eval({10'000, 1, 0}, {}, {}, s).blocked_by == entry_block::not_enough_data);
    // size: an instrument whose minimum size is worth more than the order
    const instrument_spec huge{decimal{1, 8}, decimal{1, 0}, decimal{1, 1}};
    const auto big = evaluate_entry(m.at(i), {}, {10'000, 1, 0}, p, huge, {}, m.now(i));
    CHECK(big.blocked_by == entry_block::size);
    CHECK(big.size.error == size_error::below_min_size);
}

TEST_CASE("strategy_engine: CHOPPY's MTF block happens on real data", "[unit][strategy][engine]") {
    const market& m = data();
    std::size_t first = 0;
    while (m.m5[first].open_time_ms < scan_from)
        ++first;
    int mtf_blocks = 0;
    for (std::size_t i = first; i < first + 3000; ++i) {
        const auto d = evaluate_entry(m.at(i), {}, {10'000, 1, 0}, default_params(regime::choppy),
                                      btc, {}, m.now(i));
        if (d.blocked_by != entry_block::mtf)
            continue;
        ++mtf_blocks;
        CHECK(d.mtf.verdict.reason == filter_reason::mtf_opposite_blocked);
        CHECK(d.adx.verdict.reason == filter_reason::not_run);
    }
    CHECK(mtf_blocks > 0);
}
