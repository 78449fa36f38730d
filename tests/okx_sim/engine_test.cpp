// Pure okx_sim engine and market tests: fills and fees in the right currency, balance moves,
// validation codes, resting limits, OCO triggers on a cross, cancel races (51412), order_failed;
// the tick path model reproducing each 1m bar, and candles of every size agreeing with it.
#include "okx_sim/engine.hpp"
#include "okx_sim/market.hpp"

#include <catch2/catch.hpp>

using namespace scalpel::sim;

namespace {

amount a(const char* s) {
    return *amount::parse(s);
}

engine make_engine() {
    engine_config cfg;
    cfg.balances = {{"USDT", a("10000")}};
    engine e({*builtin_instrument("BTC-USDT")}, cfg);
    e.on_quote(0, {a("50000"), a("49999.9"), a("50000.1")}, 1000);
    return e;
}

order_request market_buy_quote(const char* usdt) {
    order_request r;
    r.inst_id = "BTC-USDT";
    r.td_mode = "cash";
    r.side = "buy";
    r.ord_type = "market";
    r.sz = usdt;
    return r;
}

algo_request oco(const char* sz, const char* tp, const char* sl) {
    algo_request r;
    r.inst_id = "BTC-USDT";
    r.td_mode = "cash";
    r.side = "sell";
    r.ord_type = "oco";
    r.sz = sz;
    r.tp_trigger_px = tp;
    r.tp_ord_px = "-1";
    r.sl_trigger_px = sl;
    r.sl_ord_px = "-1";
    return r;
}

} // namespace

TEST_CASE("sim_amount parses, multiplies and formats exactly", "[unit]") {
    CHECK(a("0.00000192834").str() == "0.00000192834");
    CHECK(mul(a("0.00192834"), a("0.001")).str() == "0.00000192834");
    CHECK(a("1000").floor_to(a("0.1")).str() == "1000");
    CHECK(div(a("1000"), a("50000.1")).floor_to(a("0.00000001")).str() == "0.01999996");
    CHECK(!amount::parse("1e-8"));
    CHECK(a("-1").str() == "-1");
}

TEST_CASE("sim_engine market buy in quote fills at the ask, fee in base", "[unit]") {
    auto e = make_engine();
    const auto r = e.place_order(market_buy_quote("1000"), 2000);
    REQUIRE(r.ok());
    const order* o = e.find_order(r.ord_id, "");
    REQUIRE(o);
    CHECK(o->state == "filled");
    CHECK(o->tgt_ccy == "quote_ccy");
    CHECK(o->acc_fill_sz == a("0.01999996")); // floor(1000 / 50000.1, lot)
    CHECK(o->avg_px() == a("50000.1"));
    CHECK(o->fee_ccy == "BTC");
    CHECK(o->fee == -a("0.00001999996"));
    CHECK(e.balances().at("BTC").cash == a("0.01999996") - a("0.00001999996"));
    CHECK(e.balances().at("USDT").cash == a("10000") - mul(a("0.01999996"), a("50000.1")));
    REQUIRE(e.fills().size() == 1);
    CHECK(e.fills().back().f.fee_ccy == "BTC");
}

TEST_CASE("sim_engine market sell in base fills at the bid, fee in quote", "[unit]") {
    auto e = make_engine();
    e.set_balance("BTC", a("0.5"), 0);
    order_request r = market_buy_quote("0.1");
    r.side = "sell"; // tgtCcy defaults to base for a sell
    const auto res = e.place_order(r, 2000);
    REQUIRE(res.ok());
    const order* o = e.find_order(res.ord_id, "");
    CHECK(o->fee_ccy == "USDT");
    CHECK(o->fee == -a("4.99999")); // 0.1 × 49999.9 × 0.1 %
    CHECK(e.balances().at("BTC").cash == a("0.4"));
    CHECK(e.balances().at("USDT").cash == a("10000") + a("4999.99") - a("4.99999"));
}

TEST_CASE("sim_engine validation codes", "[unit]") {
    auto e = make_engine();
    order_request r = market_buy_quote("0.001");
    r.tgt_ccy = "base_ccy";
    r.sz = "0.000010005";
    CHECK(e.place_order(r, 1).s_code == "51121");
    r.sz = "abc";
    CHECK(e.place_order(r, 1).s_code == "51000");
    r.sz = "0.000005";
    CHECK(e.place_order(r, 1).s_code == "51020");
    r.sz = "1";
    const auto ins = e.place_order(r, 1);
    CHECK(ins.s_code == "51008");
    CHECK(ins.sub_code == "1000");
    r.inst_id = "FOO-USDT";
    CHECK(e.place_order(r, 1).s_code == "51001");
    r.inst_id = "BTC-USDT";
    r.side = "hold";
    CHECK(e.place_order(r, 1).s_code == "51000");

    order_request lim = market_buy_quote("0.001");
    lim.ord_type = "limit";
    lim.px = "40000";
    lim.sz = "0.0010000001";
    CHECK(e.place_order(lim, 1).s_code == "51121");
    lim.sz = "0.001";
    lim.px = "40000.05";
    CHECK(e.place_order(lim, 1).s_code == "51000"); // px off the tick
    lim.px = "40000";
    lim.cl_ord_id = "abc1";
    REQUIRE(e.place_order(lim, 1).ok());
    CHECK(e.place_order(lim, 1).s_code == "51016");
}

TEST_CASE("sim_engine lot multiple is 51121", "[unit]") {
    engine_config cfg;
    cfg.balances = {{"USDT", a("10000")}};
    engine e({*builtin_instrument("ETH-USDT")}, cfg);
    e.on_quote(0, {a("3000"), a("2999.99"), a("3000.01")}, 1);
    order_request r = market_buy_quote("0.0010005");
    r.inst_id = "ETH-USDT";
    r.tgt_ccy = "base_ccy";
    CHECK(e.place_order(r, 1).s_code == "51121");
}

TEST_CASE(
    "sim_engine limit order rests, freezes, and fills as maker when the last price reaches it",
    "[unit]") {
    auto e = make_engine();
    order_request lim = market_buy_quote("0.01");
    lim.ord_type = "limit";
    lim.px = "49000";
    const auto r = e.place_order(lim, 1);
    REQUIRE(r.ok());
    CHECK(e.find_order(r.ord_id, "")->state == "live");
    CHECK(e.balances().at("USDT").frozen == a("490"));
    e.on_quote(0, {a("49500"), a("49499.9"), a("49500.1")}, 2);
    CHECK(e.find_order(r.ord_id, "")->state == "live");
    e.on_quote(0, {a("48999.9"), a("48999.8"), a("49000")}, 3);
    const order* o = e.find_order(r.ord_id, "");
    CHECK(o->state == "filled");
    CHECK(o->avg_px() == a("49000"));
    CHECK(o->last_fill->maker);
    CHECK(e.balances().at("USDT").frozen.is_zero());
    CHECK(e.balances().at("USDT").cash == a("9510"));
    CHECK(e.balances().at("BTC").cash == a("0.01") - a("0.000008"));
    // cancel after fill: 51400
    CHECK(e.cancel_order("BTC-USDT", r.ord_id, "", 4).s_code == "51400");
}

TEST_CASE("sim_engine OCO fires TP on an upward cross and places a market child", "[unit]") {
    auto e = make_engine();
    e.set_balance("BTC", a("0.01"), 0);
    const auto r = e.place_algo(oco("0.01", "51000", "49000"), 1);
    REQUIRE(r.ok());
    (void)e.take_events();
    e.on_quote(0, {a("50999.9"), a("50999.8"), a("51000")}, 2);
    CHECK(e.find_algo(r.algo_id, "")->state == "live");
    e.on_quote(0, {a("51000"), a("50999.9"), a("51000.1")}, 3);
    const algo_order* al = e.find_algo(r.algo_id, "");
    CHECK(al->state == "effective");
    CHECK(al->actual_side == "tp");
    const order* child = e.find_order(al->ord_id, "");
    REQUIRE(child);
    CHECK(child->source == "7");
    CHECK(child->algo_id == r.algo_id);
    CHECK(child->state == "filled");
    CHECK(child->avg_px() == a("50999.9"));
    const auto ev = e.take_events();
    REQUIRE(ev.size() == 2); // the child's fill, then the algo
    CHECK_FALSE(ev[0].is_algo);
    CHECK(ev[1].is_algo);
    // The cancel race: the OCO already fired.
    CHECK(e.cancel_algo("BTC-USDT", r.algo_id, "", 4).s_code == "51412");
}

TEST_CASE("sim_engine OCO fires SL on a downward cross; cancel, missing and wrong-side codes",
          "[unit]") {
    auto e = make_engine();
    e.set_balance("BTC", a("0.02"), 0);
    const auto r = e.place_algo(oco("0.01", "51000", "49000"), 1);
    REQUIRE(r.ok());
    e.on_quote(0, {a("48500"), a("48499.9"), a("48500.1")}, 2); // a gap straight through the SL
    CHECK(e.find_algo(r.algo_id, "")->actual_side == "sl");
    e.on_quote(0, {a("50000"), a("49999.9"), a("50000.1")}, 3);
    auto r2 = e.place_algo(oco("0.01", "51000", "49000"), 4);
    REQUIRE(r2.ok());
    CHECK(e.cancel_algo("BTC-USDT", r2.algo_id, "", 5).ok());
    CHECK(e.find_algo(r2.algo_id, "")->state == "canceled");
    CHECK(e.cancel_algo("BTC-USDT", r2.algo_id, "", 6).s_code == "51400");
    CHECK(e.cancel_algo("BTC-USDT", "123", "", 6).s_code == "51400");
    CHECK(e.place_algo(oco("0.01", "49500", "49000"), 7).s_code == "51279");
    CHECK(e.place_algo(oco("0.01", "51000", "50500"), 7).s_code == "51280");
    algo_request t = oco("0.01", "51000", "49000");
    t.ord_type = "trigger";
    CHECK(e.place_algo(t, 7).s_code == "51000");
}

TEST_CASE("sim_engine a triggered OCO whose sell lacks balance is order_failed", "[unit]") {
    auto e = make_engine();
    const auto r = e.place_algo(oco("0.01", "51000", "49000"), 1); // no BTC at all
    REQUIRE(r.ok());
    e.on_quote(0, {a("48900"), a("48899.9"), a("48900.1")}, 2);
    const algo_order* al = e.find_algo(r.algo_id, "");
    CHECK(al->state == "order_failed");
    CHECK(al->fail_code == "51008");
    CHECK(al->ord_id.empty());
}

TEST_CASE("sim_market bucket anchoring", "[unit]") {
    const auto d = *parse_bar("1D"), du = *parse_bar("1Dutc"), w = *parse_bar("1Wutc"),
               m5 = *parse_bar("5m");
    const std::int64_t t = 1'642'448'285'000;        // 2022-01-17T19:38:05Z, a Monday
    CHECK(bucket_start(t, du) == 1'642'377'600'000); // 00:00 UTC
    CHECK(bucket_start(t, d) == 1'642'435'200'000);  // 16:00 UTC = 00:00 UTC+8 next day
    CHECK(bucket_start(t, w) == 1'642'377'600'000);  // Monday 00:00 UTC
    CHECK(bucket_start(t, m5) == 1'642'448'100'000);
    CHECK_FALSE(parse_bar("1M"));
}

TEST_CASE("sim_market ticks rebuild each 1m bar and every bar size agrees", "[unit]") {
    market_config cfg;
    cfg.random_walk = true;
    cfg.seed = 7;
    cfg.history_bars = 600;
    cfg.walk_end_ms = 1'700'000'000'000;
    market m({*builtin_instrument("BTC-USDT")}, cfg);
    std::vector<tick> ticks;
    const std::int64_t start = m.start_ms();
    m.advance(start + 30 * 60'000 + 7'000, ticks);
    REQUIRE(ticks.size() > 300);
    for (std::size_t i = 1; i < ticks.size(); ++i)
        REQUIRE(ticks[i].ts >= ticks[i - 1].ts);
    const auto tick_sz = m.inst(0).tick_sz;
    for (const auto& t : ticks)
        REQUIRE(t.px.multiple_of(tick_sz));

    const auto one = *parse_bar("1m");
    const auto rows = m.candles(0, one, std::nullopt, std::nullopt, 300, false);
    REQUIRE(rows.size() == 300);
    CHECK_FALSE(rows[0].confirmed);
    CHECK(rows[1].confirmed);
    for (std::size_t i = 1; i < rows.size(); ++i)
        CHECK(rows[i].b.ts == rows[i - 1].b.ts - 60'000);
    CHECK(rows[0].b.c == m.last(0));
    // Bar 1 (the last closed one) equals the ticks of that minute.
    amount hi, lo = amount::from_int(1'000'000'000);
    for (const auto& t : ticks)
        if (t.ts >= rows[1].b.ts && t.ts < rows[1].b.ts + 60'000) {
            hi = std::max(hi, t.px);
            lo = std::min(lo, t.px);
        }
    CHECK(rows[1].b.h == hi);
    CHECK(rows[1].b.l == lo);

    const auto five = *parse_bar("5m");
    const auto r5 = m.candles(0, five, std::nullopt, std::nullopt, 3, true);
    REQUIRE(r5.size() == 3);
    CHECK_FALSE(r5[0].confirmed);
    CHECK(r5[0].b.c == rows[0].b.c);
    amount h5 = rows[0].b.h;
    for (std::size_t i = 0; i < rows.size() && rows[i].b.ts >= r5[0].b.ts; ++i)
        h5 = std::max(h5, rows[i].b.h);
    CHECK(r5[0].b.h == h5);
    // after / before paging
    const auto older = m.candles(0, one, rows[10].b.ts, std::nullopt, 5, false);
    REQUIRE(older.size() == 5);
    CHECK(older[0].b.ts == rows[11].b.ts);
    const auto newer = m.candles(0, one, std::nullopt, rows[3].b.ts, 100, false);
    CHECK(newer.size() == 3);

    // A scripted price pauses the feed and is what the candles show.
    std::vector<tick> more;
    m.set_price(0, amount::from_int(12345), start + 31 * 60'000, more);
    m.advance(start + 33 * 60'000, more);
    CHECK(m.last(0) == amount::from_int(12345));
    CHECK(more.size() == 1);
    const auto after_pause = m.candles(0, one, std::nullopt, std::nullopt, 1, true);
    CHECK(after_pause[0].b.c == amount::from_int(12345));
}

TEST_CASE("sim_market real-time mode shifts the replay by whole weeks to start now", "[unit]") {
    constexpr std::int64_t minute = 60'000, day = 86'400'000, week = 7 * day;
    const std::int64_t target = 1'800'000'123'456; // 2027-01-15T08:02:00.123Z, any "now"
    market_config cfg;
    cfg.history_bars = 600;
    cfg.align_start_ms = target;
    market m({*builtin_instrument("BTC-USDT")}, cfg);
    REQUIRE(m.describe(0).find("replay") != std::string::npos);
    CHECK(m.start_ms() == target / minute * minute);
    CHECK(m.time_shift_ms() > 0);
    CHECK(m.time_shift_ms() % week == 0);
    CHECK(m.history_bars() >= 600);
    CHECK(m.history_bars() < 600 + week / minute);

    // The same data without the shift, with the same history: every bar, and every 1D/1W/1Dutc
    // candle, is the unshifted one moved by the shift (anchors stay exact).
    market_config raw = cfg;
    raw.align_start_ms = 0;
    raw.history_bars = m.history_bars();
    market m0({*builtin_instrument("BTC-USDT")}, raw);
    CHECK(m0.time_shift_ms() == 0);
    CHECK(m0.start_ms() + m.time_shift_ms() == m.start_ms());
    std::vector<tick> t1, t0;
    m.advance(target + 5 * minute, t1);
    m0.advance(target - m.time_shift_ms() + 5 * minute, t0);
    REQUIRE(t1.size() == t0.size());
    REQUIRE_FALSE(t1.empty());
    for (std::size_t i = 0; i < t1.size(); ++i) {
        CHECK(t1[i].ts == t0[i].ts + m.time_shift_ms());
        CHECK(t1[i].px == t0[i].px);
    }
    for (const char* name : {"1m", "5m", "1H", "1D", "1Dutc", "1W"}) {
        const auto spec = *parse_bar(name);
        const auto a1 = m.candles(0, spec, std::nullopt, std::nullopt, 20, false);
        const auto a0 = m0.candles(0, spec, std::nullopt, std::nullopt, 20, false);
        REQUIRE(a1.size() == a0.size());
        for (std::size_t i = 0; i < a1.size(); ++i) {
            CHECK(a1[i].b.ts == a0[i].b.ts + m.time_shift_ms());
            CHECK(a1[i].b.o == a0[i].b.o);
            CHECK(a1[i].b.h == a0[i].b.h);
            CHECK(a1[i].b.l == a0[i].b.l);
            CHECK(a1[i].b.c == a0[i].b.c);
            CHECK(a1[i].confirmed == a0[i].confirmed);
        }
    }
    // History before "now" is there: 200 × 5m confirmed bars, newest first, live bar at now.
    const auto five = m.candles(0, *parse_bar("5m"), std::nullopt, std::nullopt, 201, false);
    REQUIRE(five.size() == 201);
    CHECK_FALSE(five[0].confirmed);
    CHECK(five[0].b.ts == (target + 5 * minute) / (5 * minute) * (5 * minute));
    CHECK(five[200].confirmed);
}
