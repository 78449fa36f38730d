// The real OKX REST client (common/net/rest_client via rest_session) against the real okx_sim
// binary over loopback: signing accepted and a wrong secret refused as auth (no secret in the
// text); every endpoint the client has, with exact instrument decimals and candles newest first
// with live timestamps near now (real-time mode); OKX error codes mapped to kinds; the OCO life
// cycle; rate-limit back-off against the simulator's 429s; the clOrdId "did it land?" flow under
// apply_fail / hang / fail faults (exactly one order on the exchange, never a re-send); an entry
// processed after its expTime is discarded (one fill in all); clear config errors.
#include "tests/okx_sim/sim_client.hpp"

#include "common/clock.hpp"
#include "common/net/rest_client.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstdlib>
#include <thread>

using namespace scalpel;
using namespace scalpel::net_client;
using scalpel::test::http_call;
using scalpel::test::sim_process;
using namespace std::chrono_literals;

namespace {

const credentials sim_creds{scalpel::test::sim_key, scalpel::test::sim_secret,
                            scalpel::test::sim_pass};

endpoint_config sim_cfg(std::uint16_t port) {
    auto cfg = endpoint_config::loopback(port);
    cfg.request_timeout = 2000ms;
    cfg.connect_timeout = 2000ms;
    cfg.backoff_base = 100ms;
    cfg.backoff_max = 400ms;
    return cfg;
}

void sim_post(std::uint16_t port, const std::string& path, const std::string& body) {
    const auto r = http_call(port, "POST", path, body);
    INFO(path << " " << body << " -> " << r.body);
    REQUIRE(r.status == 200);
}

decimal dec(const char* s) {
    return *decimal::parse(s);
}

okx::place_order_req market_buy(const char* usdt, std::string_view cl_ord_id = {}) {
    okx::place_order_req r;
    r.inst_id = "BTC-USDT";
    r.side = order_side::buy;
    r.ord_type = okx::ord_type::market;
    r.sz = dec(usdt);
    r.cl_ord_id = cl_ord_id;
    return r;
}

okx::place_order_req limit_order(order_side side, decimal sz, decimal px,
                                 std::string_view cl_ord_id = {},
                                 std::string_view inst_id = "BTC-USDT") {
    okx::place_order_req r;
    r.inst_id = inst_id;
    r.side = side;
    r.ord_type = okx::ord_type::limit;
    r.sz = sz;
    r.px = px;
    r.cl_ord_id = cl_ord_id;
    return r;
}

okx::algo_order_req oco(decimal sz, decimal tp, decimal sl, std::string_view cl) {
    okx::algo_order_req r;
    r.inst_id = "BTC-USDT";
    r.side = order_side::sell;
    r.sz = sz;
    r.has_tp = r.has_sl = true;
    r.tp_trigger_px = tp;
    r.sl_trigger_px = sl;
    r.algo_cl_ord_id = cl;
    return r;
}

// Number of /sim/orders entries: `requests` of `kind` with this clOrdId, and `orders` with it.
struct sim_log_count {
    int requests = 0, orders = 0;
};
sim_log_count count_in_sim_log(std::uint16_t port, const std::string& kind,
                               const std::string& cl_ord_id) {
    const auto r = http_call(port, "GET", "/sim/orders");
    REQUIRE(r.status == 200);
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    REQUIRE_FALSE(p.parse(r.body).get(doc));
    sim_log_count n;
    simdjson::dom::array reqs, orders;
    REQUIRE_FALSE(doc["requests"].get(reqs));
    REQUIRE_FALSE(doc["orders"].get(orders));
    for (auto e : reqs)
        if (e["kind"].get_string().value() == kind &&
            e["clOrdId"].get_string().value() == cl_ord_id)
            ++n.requests;
    for (auto e : orders)
        if (e["clOrdId"].get_string().value() == cl_ord_id)
            ++n.orders;
    return n;
}

// The account's BTC cash balance as the client reads it.
decimal btc_avail(rest_session& s) {
    auto b = s.run(s.client().balance("BTC"));
    REQUIRE(b.ok());
    for (const auto& d : b.value.details)
        if (d.ccy == "BTC")
            return d.avail_bal;
    return {};
}

} // namespace

TEST_CASE("sim_client_rest: public endpoints, exact decimals, live candles near now", "[sim]") {
    sim_process sim({"--speed", "1"});
    rest_session s(sim_cfg(sim.port()));
    auto& c = s.client();
    const std::int64_t now = wall_now_ms();

    auto t = s.run(c.server_time());
    REQUIRE(t.ok());
    CHECK(std::llabs(t.value.ts_ms - now) < 5000);

    auto inst = s.run(c.instruments("SPOT"));
    REQUIRE(inst.ok());
    REQUIRE(inst.value.size() == 3);
    struct want {
        const char* id;
        const char *tick, *lot, *min;
    };
    for (const want& w : {want{"BTC-USDT", "0.1", "0.00000001", "0.00001"},
                          want{"ETH-USDT", "0.01", "0.000001", "0.0001"},
                          want{"SOL-USDT", "0.01", "0.000001", "0.001"}}) {
        bool seen = false;
        for (const auto& i : inst.value) {
            if (i.inst_id != w.id)
                continue;
            seen = true;
            CHECK(i.tick_sz == dec(w.tick));
            CHECK(i.tick_sz.str() == w.tick);
            CHECK(i.lot_sz.str() == w.lot);
            CHECK(i.min_sz.str() == w.min);
            CHECK(i.state == "live");
            CHECK(i.base_ccy == std::string_view(w.id).substr(0, 3));
            CHECK(i.quote_ccy == "USDT");
        }
        CHECK(seen);
    }
    auto one = s.run(c.instruments("SPOT", "ETH-USDT"));
    REQUIRE(one.ok());
    REQUIRE(one.value.size() == 1);
    CHECK(one.value[0].inst_id == "ETH-USDT");
    CHECK(s.run(c.instruments("SWAP")).ok()); // every instType answers code 0

    auto tk = s.run(c.ticker("BTC-USDT"));
    REQUIRE(tk.ok());
    CHECK(tk.value.inst_id == "BTC-USDT");
    CHECK(tk.value.ask_px > tk.value.bid_px);
    CHECK(tk.value.last > 1000);
    // Real-time mode: exchange timestamps are on today's clock, not the replayed 2022 one.
    CHECK(std::llabs(tk.value.ts_ms - now) < 60'000);
    auto tks = s.run(c.tickers("SPOT"));
    REQUIRE(tks.ok());
    CHECK(tks.value.size() == 3);

    // The bot's start-up needs: 200 closed 5m bars and 10 closed daily bars, newest first, the
    // forming bar first and unconfirmed.
    auto m5 = s.run(c.candles("BTC-USDT", "5m", 201));
    REQUIRE(m5.ok());
    REQUIRE(m5.value.size() == 201);
    CHECK_FALSE(m5.value[0].confirmed);
    const std::int64_t live_ts = m5.value[0].bar.open_time_ms;
    CHECK(live_ts <= wall_now_ms());
    CHECK(live_ts > now - 5 * 60'000 - 5000);
    CHECK(live_ts % 300'000 == 0);
    for (std::size_t i = 1; i < m5.value.size(); ++i) {
        CHECK(m5.value[i].confirmed);
        CHECK(m5.value[i].bar.open_time_ms == m5.value[i - 1].bar.open_time_ms - 300'000);
        CHECK(m5.value[i].bar.high >= m5.value[i].bar.low);
    }
    auto d1 = s.run(c.candles("BTC-USDT", "1D", 11));
    REQUIRE(d1.ok());
    REQUIRE(d1.value.size() == 11);
    CHECK_FALSE(d1.value[0].confirmed);
    CHECK(d1.value[10].confirmed);
    CHECK((d1.value[0].bar.open_time_ms + 8 * 3'600'000) % 86'400'000 == 0); // UTC+8 midnight
    CHECK(d1.value[0].bar.open_time_ms <= now);
    CHECK(d1.value[0].bar.open_time_ms > now - 86'400'000);
    auto hist = s.run(c.candles("BTC-USDT", "1m", 5, live_ts - 3'600'000, 0, true));
    REQUIRE(hist.ok());
    REQUIRE(hist.value.size() == 5);
    CHECK(hist.value[0].bar.open_time_ms == live_ts - 3'600'000 - 60'000);
    CHECK(hist.value[0].confirmed);

    auto bad = s.run(c.ticker("FOO-USDT"));
    CHECK(bad.err.kind == okx::error_kind::invalid_order);
    CHECK(bad.err.code == 51001);
    auto bad_bar = s.run(c.candles("BTC-USDT", "7m"));
    CHECK_FALSE(bad_bar.ok());
    CHECK(bad_bar.err.code == 51000);
}

TEST_CASE("sim_client_rest: signing, private endpoints and error mapping", "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();

    SECTION("a wrong secret is a typed auth error without the secret in it") {
        const std::string secret = "WRONG-SECRET-VALUE-123";
        rest_session bad(sim_cfg(port),
                         credentials{scalpel::test::sim_key, secret, scalpel::test::sim_pass});
        auto b = bad.run(bad.client().balance());
        CHECK(b.err.kind == okx::error_kind::auth);
        CHECK(b.err.code == 50113);
        CHECK(b.err.http_status == 401);
        CHECK(std::string(b.err.message.view()).find(secret) == std::string::npos);
        CHECK(bad.client().stats().retries == 0); // auth is never retried
        rest_session badpass(sim_cfg(port), credentials{scalpel::test::sim_key,
                                                        scalpel::test::sim_secret, "nope-pass"});
        auto p = badpass.run(badpass.client().balance());
        CHECK(p.err.kind == okx::error_kind::auth);
        CHECK(p.err.code == 50105);
        CHECK(std::string(p.err.message.view()).find("nope-pass") == std::string::npos);
        rest_session nokeys(sim_cfg(port));
        CHECK(nokeys.run(nokeys.client().balance()).err.kind == okx::error_kind::config);
    }

    rest_session s(sim_cfg(port), sim_creds);
    auto& c = s.client();
    sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50000"})");

    SECTION("every private endpoint") {
        auto b = s.run(c.balance());
        REQUIRE(b.ok());
        REQUIRE(b.value.details.size() == 1);
        CHECK(b.value.details[0].ccy == "USDT");
        CHECK(b.value.details[0].avail_bal == dec("10000"));

        // Market buy for 100 USDT at the ask 50000.1: floor(100 / 50000.1) to the lot.
        auto ack = s.run(c.place_order(market_buy("100", "mkt1")));
        REQUIRE(ack.ok());
        CHECK(ack.value.cl_ord_id == "mkt1");
        CHECK_FALSE(ack.value.ord_id.empty());
        auto od = s.run(c.order("BTC-USDT", "", "mkt1"));
        REQUIRE(od.ok());
        CHECK(od.value.ord_id == ack.value.ord_id);
        CHECK(od.value.state == okx::order_state::filled);
        CHECK(od.value.acc_fill_sz == dec("0.00199999"));
        CHECK(od.value.avg_px == dec("50000.1"));
        CHECK(od.value.fee_ccy == "BTC");
        CHECK(od.value.fee < decimal{});
        CHECK(std::llabs(od.value.c_time_ms - wall_now_ms()) < 10'000); // real-time stamps
        auto by_id = s.run(c.order("BTC-USDT", std::string(ack.value.ord_id.view())));
        REQUIRE(by_id.ok());
        CHECK(by_id.value.cl_ord_id == "mkt1");
        auto f = s.run(c.fills("BTC-USDT", std::string(ack.value.ord_id.view())));
        REQUIRE(f.ok());
        REQUIRE(f.value.size() == 1);
        CHECK(f.value[0].fill_sz == dec("0.00199999"));
        CHECK(f.value[0].fill_px == dec("50000.1"));
        CHECK(f.value[0].exec_type == "T");
        // Fee in base: 0.1 % of the fill.
        CHECK(btc_avail(s) == dec("0.00199799001"));

        // A resting limit, listed as pending, cancelled by clOrdId; a second cancel is
        // already_done.
        auto lim =
            s.run(c.place_order(limit_order(order_side::buy, dec("0.001"), dec("40000"), "lim1")));
        REQUIRE(lim.ok());
        auto pend = s.run(c.orders_pending("BTC-USDT"));
        REQUIRE(pend.ok());
        REQUIRE(pend.value.size() == 1);
        CHECK(pend.value[0].cl_ord_id == "lim1");
        CHECK(pend.value[0].state == okx::order_state::live);
        CHECK(pend.value[0].px == dec("40000"));
        okx::cancel_order_req cr;
        cr.inst_id = "BTC-USDT";
        cr.cl_ord_id = "lim1";
        auto can = s.run(c.cancel_order(cr));
        REQUIRE(can.ok());
        CHECK(can.value.ord_id == lim.value.ord_id);
        CHECK(s.run(c.order("BTC-USDT", "", "lim1")).value.state == okx::order_state::canceled);
        auto again = s.run(c.cancel_order(cr));
        CHECK(again.err.kind == okx::error_kind::already_done);
        CHECK(again.err.code == 51400);

        // OCO placed → listed → looked up both ways → cancelled → in the history.
        auto al = s.run(c.place_algo(oco(dec("0.001"), dec("52000"), dec("48000"), "oco1")));
        REQUIRE(al.ok());
        CHECK(al.value.algo_cl_ord_id == "oco1");
        auto pa = s.run(c.algos_pending("oco", "BTC-USDT"));
        REQUIRE(pa.ok());
        REQUIRE(pa.value.size() == 1);
        CHECK(pa.value[0].algo_id == al.value.algo_id);
        CHECK(pa.value[0].state == okx::algo_state::live);
        CHECK(pa.value[0].tp_trigger_px == dec("52000"));
        CHECK(pa.value[0].sl_trigger_px == dec("48000"));
        CHECK(pa.value[0].sz == dec("0.001"));
        auto a1 = s.run(c.algo_order(std::string(al.value.algo_id.view())));
        REQUIRE(a1.ok());
        CHECK(a1.value.algo_cl_ord_id == "oco1");
        auto a2 = s.run(c.algo_order("", "oco1"));
        REQUIRE(a2.ok());
        CHECK(a2.value.algo_id == al.value.algo_id);
        okx::cancel_algo_req ca;
        ca.inst_id = "BTC-USDT";
        ca.algo_id = al.value.algo_id.view();
        auto cc = s.run(c.cancel_algos({ca}));
        REQUIRE(cc.ok());
        REQUIRE(cc.value.size() == 1);
        CHECK(cc.value[0].algo_id == al.value.algo_id);
        auto h = s.run(c.algos_history("oco", "canceled"));
        REQUIRE(h.ok());
        REQUIRE(h.value.size() == 1);
        CHECK(h.value[0].state == okx::algo_state::canceled);
        CHECK(s.run(c.algos_pending("oco")).value.empty());
        auto cc2 = s.run(c.cancel_algos({ca}));
        CHECK(cc2.err.kind == okx::error_kind::already_done);
        CHECK(cc2.err.code == 51400);
        CHECK(s.run(c.algo_order("", "never-placed")).err.kind == okx::error_kind::not_found);
    }

    SECTION("OKX codes map to kinds") {
        auto ins = s.run(c.place_order(market_buy("1000000")));
        CHECK(ins.err.kind == okx::error_kind::insufficient_funds);
        CHECK(ins.err.code == 51008);
        CHECK(ins.err.sub_code == 1000);
        auto lot =
            s.run(c.place_order(limit_order(order_side::buy, dec("0.000010001"), dec("40000"))));
        CHECK(lot.err.kind == okx::error_kind::invalid_order);
        CHECK(lot.err.code == 51121);
        auto min =
            s.run(c.place_order(limit_order(order_side::buy, dec("0.000001"), dec("40000"))));
        CHECK(min.err.kind == okx::error_kind::invalid_order);
        CHECK(min.err.code == 51020);
        auto inst =
            s.run(c.place_order(limit_order(order_side::buy, dec("1"), dec("1"), {}, "FOO-USDT")));
        CHECK(inst.err.kind == okx::error_kind::invalid_order);
        CHECK(inst.err.code == 51001);
        const auto first =
            s.run(c.place_order(limit_order(order_side::buy, dec("0.001"), dec("40000"), "dup1")));
        REQUIRE(first.ok());
        // 51016: an order under this clOrdId exists. Never "absent": it resolves to that order.
        const auto dup =
            s.run(c.submit_order(limit_order(order_side::buy, dec("0.001"), dec("40000"), "dup1")));
        CHECK(dup.placed());
        CHECK(dup.ack.ord_id == first.value.ord_id);
        CHECK(count_in_sim_log(port, "place_order", "dup1").orders == 1); // no retry of a rejection
        okx::cancel_order_req missing;
        missing.inst_id = "BTC-USDT";
        missing.ord_id = "123456789";
        auto cm = s.run(c.cancel_order(missing));
        CHECK(cm.err.kind == okx::error_kind::already_done);
        CHECK(cm.err.code == 51400);
        auto nf = s.run(c.order("BTC-USDT", "", "nope1"));
        CHECK(nf.err.kind == okx::error_kind::not_found);
        CHECK(nf.err.code == 51603);
        auto wrong_side =
            s.run(c.place_algo(oco(dec("0.001"), dec("49000"), dec("48000"), "bad1")));
        CHECK(wrong_side.err.kind == okx::error_kind::invalid_order);

        // 51412: cancel of an OCO that already fired.
        REQUIRE(s.run(c.place_order(market_buy("200"))).ok());
        auto al = s.run(c.place_algo(oco(dec("0.001"), dec("50500"), dec("49000"), "fired1")));
        REQUIRE(al.ok());
        sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50600"})");
        okx::cancel_algo_req ca;
        ca.inst_id = "BTC-USDT";
        ca.algo_cl_ord_id = "fired1";
        auto cc = s.run(c.cancel_algos({ca}));
        CHECK(cc.err.kind == okx::error_kind::already_triggered);
        CHECK(cc.err.code == 51412);
    }
}

TEST_CASE("sim_client_rest: OCO placed → price through TP → triggered → child filled", "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    rest_session s(sim_cfg(port), sim_creds);
    auto& c = s.client();
    sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50000"})");
    REQUIRE(s.run(c.place_order(market_buy("500", "entry1"))).ok());
    const decimal held = btc_avail(s);
    REQUIRE(held > dec("0.009"));
    const decimal sz = decimal::floor_to(held.to_double(), dec("0.00000001"));
    auto al = s.run(c.place_algo(oco(sz, dec("50300"), dec("49700"), "tp1")));
    REQUIRE(al.ok());
    // Scripted prices, real ms from now: up through the TP in three steps.
    sim_post(
        port, "/sim/price",
        R"({"instId":"BTC-USDT","script":[{"after_ms":0,"last":"50100"},{"after_ms":150,"last":"50250"},{"after_ms":300,"last":"50400"}]})");
    okx::algo_order a;
    REQUIRE(scalpel::test::wait_until(
        [&] {
            auto r = s.run(c.algo_order(std::string(al.value.algo_id.view())));
            if (r.ok())
                a = r.value;
            return a.state == okx::algo_state::effective;
        },
        5s));
    CHECK(a.actual_side == "tp");
    REQUIRE_FALSE(a.ord_id.empty());
    CHECK(a.trigger_time_ms > 0);
    auto child = s.run(c.order("BTC-USDT", std::string(a.ord_id.view())));
    REQUIRE(child.ok());
    CHECK(child.value.state == okx::order_state::filled);
    CHECK(child.value.side == "sell");
    CHECK(child.value.acc_fill_sz == sz);
    CHECK(child.value.source == "7");
    CHECK(child.value.avg_px >= dec("50300"));
    auto f = s.run(c.fills("BTC-USDT", std::string(a.ord_id.view())));
    REQUIRE(f.ok());
    CHECK(f.value.size() == 1);
    auto hist = s.run(c.algos_history("oco", "effective"));
    REQUIRE(hist.ok());
    REQUIRE(hist.value.size() == 1);
    CHECK(hist.value[0].algo_cl_ord_id == "tp1");
    CHECK(s.run(c.algos_pending("oco")).value.empty());
}

TEST_CASE("sim_client_rest: rate limits — the client backs off on 429 and every call succeeds",
          "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    sim_post(port, "/sim/rate-limits", R"({"enabled":true})");
    auto cfg = sim_cfg(port);
    cfg.max_retries = 8;
    cfg.backoff_max = 1000ms;
    net::io_context ioc{1};
    rest_client c(ioc.get_executor(), cfg);
    // The client's own bucket (20 per 2 s, starting full and refilling) lets ~40 through in the
    // simulator's first 2 s sliding window of 20: the rest get 429 / 50011 and are retried.
    constexpr int n = 45;
    int ok = 0, failed = 0;
    for (int i = 0; i < n; ++i)
        net::co_spawn(ioc, c.ticker("ETH-USDT"),
                      [&](std::exception_ptr e, okx::result<okx::ticker> r) {
                          if (!e && r.ok())
                              ++ok;
                          else
                              ++failed;
                      });
    const auto t0 = std::chrono::steady_clock::now();
    ioc.run();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(ok == n);
    CHECK(failed == 0);
    const auto& st = c.stats();
    CHECK(st.retries > 0); // each retry here answers a 429
    CHECK(st.requests >= n + st.retries);
    CHECK(st.rate_waits > 0); // the client-side bucket also made calls wait
    std::printf(
        "[figures] rate limit: %d tickers in %.2f s, %llu HTTP requests, %llu retries after 429, "
        "%llu bucket waits\n",
        n, secs, static_cast<unsigned long long>(st.requests),
        static_cast<unsigned long long>(st.retries),
        static_cast<unsigned long long>(st.rate_waits));
}

TEST_CASE("sim_client_rest: did it land? apply_fail, hang and fail on trade/order place exactly "
          "one order",
          "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    auto cfg = sim_cfg(port);
    cfg.request_timeout = 800ms;
    cfg.order_deadline = 1000ms;
    cfg.order_lookup_lag = 300ms;
    cfg.order_lookup_interval = 100ms;
    rest_session s(cfg, sim_creds);
    auto& c = s.client();

    SECTION("apply_fail: applied, answered 50004") {
        sim_post(port, "/sim/fault",
                 R"({"path_prefix":"/api/v5/trade/order","mode":"apply_fail","count":1})");
        auto ack = s.run(c.place_order(market_buy("100", "land1")));
        REQUIRE(ack.ok());
        CHECK(ack.value.cl_ord_id == "land1");
        CHECK_FALSE(ack.value.ord_id.empty());
        const auto n = count_in_sim_log(port, "place_order", "land1");
        CHECK(n.requests == 1);
        CHECK(n.orders == 1);
    }
    SECTION("hang: applied, never answered (timeout after send)") {
        sim_post(port, "/sim/fault",
                 R"({"path_prefix":"/api/v5/trade/order","mode":"hang","count":1})");
        auto ack =
            s.run(c.place_order(limit_order(order_side::buy, dec("0.001"), dec("1000"), "land2")));
        REQUIRE(ack.ok());
        CHECK_FALSE(ack.value.ord_id.empty());
        const auto n = count_in_sim_log(port, "place_order", "land2");
        CHECK(n.requests == 1);
        CHECK(n.orders == 1);
    }
    SECTION("fail: refused unapplied (503): never re-sent, absent once its deadline passed") {
        sim_post(port, "/sim/fault",
                 R"({"path_prefix":"/api/v5/trade/order","mode":"fail","count":1})");
        const order_placement p = s.run(c.submit_order(market_buy("100", "land3")));
        CHECK(p.state == placement_state::absent);
        CHECK(p.err.kind == okx::error_kind::expired);
        const auto n = count_in_sim_log(port, "place_order", "land3");
        CHECK(n.requests == 0); // the fault answered before the exchange saw it
        CHECK(n.orders == 0);
    }
    SECTION("apply_fail on an OCO: found by algoClOrdId, placed once") {
        REQUIRE(s.run(c.place_order(market_buy("100"))).ok());
        sim_post(port, "/sim/fault",
                 R"({"path_prefix":"/api/v5/trade/order-algo","mode":"apply_fail","count":1})");
        const auto px = s.run(c.ticker("BTC-USDT")).value.last;
        auto al = s.run(c.place_algo(oco(dec("0.0001"), decimal::round_to(px * 1.1, dec("0.1")),
                                         decimal::round_to(px * 0.9, dec("0.1")), "landalgo")));
        REQUIRE(al.ok());
        CHECK(al.value.algo_cl_ord_id == "landalgo");
        CHECK(s.run(c.algos_pending("oco")).value.size() == 1);
    }
    SECTION("without a clOrdId an unknown outcome goes back to the caller, never a blind resend") {
        sim_post(port, "/sim/fault",
                 R"({"path_prefix":"/api/v5/trade/order","mode":"apply_fail","count":1})");
        auto r = s.run(c.place_order(market_buy("100")));
        CHECK(r.err.kind == okx::error_kind::unknown_outcome);
        CHECK(r.err.code == 50004);
        CHECK(c.stats().requests == 1);
    }
}

TEST_CASE("sim_client_rest: bad config and bad responses give clear errors", "[sim]") {
    CHECK_THROWS_AS(rest_session(endpoint_config::loopback(1, "10.1.2.3")), config_error);
    try {
        rest_session bad(endpoint_config::loopback(1, "10.1.2.3"));
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).find("TLS is mandatory") != std::string::npos);
    }
    // Nothing listens: a network error, after the configured retries.
    {
        auto cfg = sim_cfg(scalpel::test::free_tcp_port());
        cfg.max_retries = 1;
        rest_session s(cfg);
        auto r = s.run(s.client().server_time());
        CHECK(r.err.kind == okx::error_kind::network);
        CHECK(std::string(r.err.message.view()).find("public/time") != std::string::npos);
    }
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    auto cfg = sim_cfg(port);
    cfg.max_retries = 2;
    rest_session s(cfg, sim_creds);
    // A transient 503 on a GET is retried; three in a row exhaust the retries and come back typed.
    sim_post(port, "/sim/fault",
             R"({"path_prefix":"/api/v5/market/ticker","mode":"fail","count":3,"status":503})");
    auto r = s.run(s.client().ticker("BTC-USDT"));
    CHECK(r.err.kind == okx::error_kind::transient);
    CHECK(r.err.http_status == 503);
    CHECK(r.err.code == 50001);
    CHECK(s.run(s.client().ticker("BTC-USDT")).ok());
    // An unknown OKX code is kind exchange with the code and message kept.
    sim_post(
        port, "/sim/fault",
        R"({"path_prefix":"/api/v5/account/balance","mode":"fail","status":200,"code":"59999","msg":"odd thing"})");
    auto b = s.run(s.client().balance());
    CHECK(b.err.kind == okx::error_kind::exchange);
    CHECK(b.err.code == 59999);
    CHECK(std::string(b.err.message.view()) == "odd thing");
    // Unknown path: the raw call reports the HTTP status as a bad response.
    auto raw = s.run(s.client().get("/api/v5/nothing/here", false));
    CHECK(raw.status == 404);
    CHECK_FALSE(raw.err.ok());
}

TEST_CASE("sim_client_rest: an entry processed after the client's timeout is discarded by its "
          "expTime; the next attempt fills: exactly one fill on the exchange",
          "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    auto cfg = sim_cfg(port);
    cfg.request_timeout = 1000ms; // the client gives up after 1 s …
    cfg.order_deadline = 1500ms;  // … the request is void after 1.5 s …
    cfg.order_lookup_lag = 500ms;
    cfg.order_lookup_interval = 100ms;
    rest_session s(cfg, sim_creds);
    auto& c = s.client();
    // … and the exchange gets to it after 3 s (the busy-server case, scaled down from 5.5–8 s).
    sim_post(port, "/sim/fault",
             R"({"path_prefix":"/api/v5/trade/order","mode":"delay","delay_ms":3000,"count":1})");
    const order_placement first = s.run(c.submit_order(market_buy("100", "late000")));
    REQUIRE(first.state == placement_state::absent); // only now may a new attempt go out
    CHECK(first.err.kind == okx::error_kind::expired);
    const order_placement second = s.run(c.submit_order(market_buy("100", "late001")));
    REQUIRE(second.placed());
    // Let the delayed first attempt reach the exchange, then audit the exchange's own records.
    std::this_thread::sleep_for(2500ms);
    const auto a = count_in_sim_log(port, "place_order", "late000");
    const auto b = count_in_sim_log(port, "place_order", "late001");
    CHECK(a.requests == 1); // it did arrive, late …
    CHECK(a.orders == 0);   // … and was discarded, never executed
    CHECK(b.orders == 1);
    const auto fills = s.run(c.fills("BTC-USDT"));
    REQUIRE(fills.ok());
    CHECK(fills.value.size() == 1);
}
