// okx_sim over real sockets: the real binary as a child process, driven with a Beast client and
// requests signed by common/okx/signing. Covers auth accept/reject, every endpoint's envelope,
// candles (newest first, live bar first, agreeing with the ticker), orders, the OCO life cycle
// (placed → triggered → filled, placed → cancelled), WS subscribe/login/pushes, the real-time
// clock (and --no-shift), and the /sim hooks (drop, idle close, fail/apply_fail/delay/hang, rate
// limits, malformed frame).
#include "tests/okx_sim/sim_client.hpp"

#include "common/clock.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <memory>
#include <thread>

using namespace scalpel::test;
using namespace std::chrono_literals;

namespace {

struct doc {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
};

std::unique_ptr<doc> parse(const std::string& text) {
    auto d = std::make_unique<doc>();
    if (d->parser.parse(text).get(d->root))
        throw std::runtime_error("not JSON: " + text);
    return d;
}

simdjson::dom::array data_of(const doc& d) {
    return d.root["data"].get_array().value();
}

std::string str(simdjson::dom::element e, const char* key) {
    return std::string(e[key].get_string().value());
}

std::string post_sim(std::uint16_t port, const std::string& path, const std::string& body) {
    const auto r = http_call(port, "POST", path, body);
    REQUIRE(r.status == 200);
    return r.body;
}

std::string set_price(std::uint16_t port, const std::string& px) {
    return post_sim(port, "/sim/price", R"({"instId":"BTC-USDT","last":")" + px + R"("})");
}

std::string buy_btc(std::uint16_t port, const std::string& usdt) {
    const auto r = signed_call(
        port, "POST", "/api/v5/trade/order",
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":")" + usdt +
            R"("})");
    REQUIRE(r.status == 200);
    REQUIRE(json_field(r.body, "sCode") == "0");
    return json_field(r.body, "ordId");
}

} // namespace

TEST_CASE("sim_auth accepts good signatures and rejects bad ones with OKX codes", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    auto ok = signed_call(port, "GET", "/api/v5/account/balance");
    REQUIRE(ok.status == 200);
    CHECK(json_field(ok.body, "code") == "0");
    CHECK(json_field(ok.body, "ccy") == "USDT");
    CHECK(json_field(ok.body, "availBal") == "10000");

    CHECK(json_field(
              signed_call(port, "GET", "/api/v5/account/balance", "", 0, sim_key, "wrong").body,
              "code") == "50113");
    const auto expired = signed_call(port, "GET", "/api/v5/account/balance", "", -60'000);
    CHECK(expired.status == 401);
    CHECK(json_field(expired.body, "code") == "50102");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/account/balance", "", 0, sim_key, sim_secret,
                                 "nope")
                         .body,
                     "code") == "50105");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/account/balance", "", 0, "other").body,
                     "code") == "50111");
    const auto none = http_call(port, "GET", "/api/v5/account/balance");
    CHECK(none.status == 401);
    CHECK(json_field(none.body, "code") == "50103");
    // The signature covers the query string as sent.
    CHECK(json_field(signed_call(port, "GET", "/api/v5/account/balance?ccy=USDT,BTC").body,
                     "code") == "0");
    // python-okx style body with spaces: verified on the raw bytes, not re-serialised JSON.
    const auto spaced = signed_call(
        port, "POST", "/api/v5/trade/order",
        R"({"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "market", "sz": "100"})");
    CHECK(spaced.status == 200);
    CHECK(json_field(spaced.body, "sCode") == "0");
}

TEST_CASE("sim_account account/config serves the uid; /sim/state a run id per run", "[sim]") {
    sim_process a({"--uid", "4242"});
    const auto cfg = signed_call(a.port(), "GET", "/api/v5/account/config");
    REQUIRE(cfg.status == 200);
    CHECK(json_field(cfg.body, "code") == "0");
    CHECK(json_field(cfg.body, "uid") == "4242");
    CHECK(json_field(cfg.body, "acctLv") == "1");
    CHECK(http_call(a.port(), "GET", "/api/v5/account/config").status == 401); // private
    sim_process b({"--run-id", "fixed-run"});
    CHECK(json_field(http_call(b.port(), "GET", "/sim/state").body, "run_id") == "fixed-run");
    const std::string run_a = json_field(http_call(a.port(), "GET", "/sim/state").body, "run_id");
    CHECK(run_a.size() > 3);
    sim_process c;
    CHECK(json_field(http_call(c.port(), "GET", "/sim/state").body, "run_id") != run_a);
}

TEST_CASE("sim_rest public endpoints answer with OKX envelopes", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    auto t = parse(http_call(port, "GET", "/api/v5/public/time").body);
    CHECK(std::abs(std::stoll(str(data_of(*t).at(0), "ts")) - scalpel::wall_now_ms()) < 5000);

    auto inst = parse(http_call(port, "GET", "/api/v5/public/instruments?instType=SPOT").body);
    bool btc = false;
    for (auto row : data_of(*inst)) {
        if (str(row, "instId") != "BTC-USDT")
            continue;
        btc = true;
        CHECK(str(row, "tickSz") == "0.1");
        CHECK(str(row, "lotSz") == "0.00000001");
        CHECK(str(row, "minSz") == "0.00001");
        CHECK(str(row, "state") == "live");
    }
    CHECK(btc);
    for (const char* type : {"FUTURES", "SWAP", "OPTION&uly=BTC-USD", "MARGIN"}) {
        const auto r =
            http_call(port, "GET", std::string("/api/v5/public/instruments?instType=") + type);
        CHECK(r.status == 200);
        CHECK(json_field(r.body, "code") == "0");
    }
    auto tk = parse(http_call(port, "GET", "/api/v5/market/ticker?instId=ETH-USDT").body);
    const auto row = data_of(*tk).at(0).value();
    CHECK(std::stod(str(row, "askPx")) > std::stod(str(row, "bidPx")));
    CHECK(data_of(*parse(http_call(port, "GET", "/api/v5/market/tickers?instType=SPOT").body))
              .size() == 3);
    CHECK(json_field(http_call(port, "GET", "/api/v5/market/ticker?instId=FOO-USDT").body,
                     "code") == "51001");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/asset/currencies").body, "code") == "0");
    CHECK(http_call(port, "GET", "/api/v5/nothing/here").status == 404);
    // Malformed input gets an error, never a crash.
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/order", "{not json").body, "code") ==
          "50002");
    CHECK(http_call(port, "GET", "/api/v5/market/candles?instId=BTC-USDT&bar=7m").status == 400);
    CHECK(http_call(port, "GET", "/api/v5/public/time").status == 200);
}

TEST_CASE("sim_candles are newest first, live bar first, and agree with the ticker", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    auto c = parse(
        http_call(port, "GET", "/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=300").body);
    auto rows = data_of(*c);
    REQUIRE(rows.size() == 300);
    std::int64_t prev = INT64_MAX;
    std::size_t i = 0;
    for (auto r : rows) {
        auto arr = r.get_array().value();
        REQUIRE(arr.size() == 9);
        const auto ts = std::stoll(std::string(arr.at(0).get_string().value()));
        CHECK(ts < prev);
        prev = ts;
        CHECK(std::string(arr.at(8).get_string().value()) == (i == 0 ? "0" : "1"));
        ++i;
    }
    // 200-bar indicators work from the start: history of 5m and 1H is there.
    CHECK(data_of(*parse(http_call(port, "GET",
                                   "/api/v5/market/candles?instId=BTC-USDT&bar=5m&limit=250")
                             .body))
              .size() == 250);
    CHECK(
        data_of(*parse(http_call(port, "GET",
                                 "/api/v5/market/history-candles?instId=BTC-USDT&bar=1H&limit=200")
                           .body))
            .size() == 200);
    // Paging back with after.
    const auto first_ts = json_field(
        http_call(port, "GET", "/api/v5/market/candles?instId=BTC-USDT&limit=1").body, "code");
    CHECK(first_ts == "0");
    auto older = parse(http_call(port, "GET",
                                 "/api/v5/market/history-candles?instId=BTC-USDT&after=" +
                                     std::to_string(prev) + "&limit=5")
                           .body);
    auto orows = data_of(*older);
    REQUIRE(orows.size() == 5);
    CHECK(std::stoll(std::string(orows.at(0).at(0).get_string().value())) == prev - 60'000);

    set_price(port, "50000");
    auto tk = parse(http_call(port, "GET", "/api/v5/market/ticker?instId=BTC-USDT").body);
    CHECK(str(data_of(*tk).at(0), "last") == "50000");
    CHECK(str(data_of(*tk).at(0), "bidPx") == "49999.9");
    CHECK(str(data_of(*tk).at(0), "askPx") == "50000.1");
    for (const char* bar : {"1m", "5m", "15m", "1H", "4H", "1D", "1Dutc"}) {
        auto k = parse(
            http_call(port, "GET",
                      std::string("/api/v5/market/candles?instId=BTC-USDT&limit=2&bar=") + bar)
                .body);
        auto live = data_of(*k).at(0).get_array().value();
        CHECK(std::string(live.at(4).get_string().value()) == "50000");
        CHECK(std::stod(std::string(live.at(2).get_string().value())) >= 50000);
        CHECK(std::string(live.at(8).get_string().value()) == "0");
    }
}

TEST_CASE("sim_orders place, query, fill, fee, cancel and validation codes over REST", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    set_price(port, "50000");
    const auto ord = buy_btc(port, "1000");
    auto q =
        parse(signed_call(port, "GET", "/api/v5/trade/order?instId=BTC-USDT&ordId=" + ord).body);
    auto o = data_of(*q).at(0).value();
    CHECK(str(o, "state") == "filled");
    CHECK(str(o, "accFillSz") == "0.01999996");
    CHECK(str(o, "avgPx") == "50000.1");
    CHECK(str(o, "feeCcy") == "BTC");
    CHECK(str(o, "fee") == "-0.00001999996");
    auto fills = parse(signed_call(port, "GET", "/api/v5/trade/fills?instId=BTC-USDT").body);
    CHECK(str(data_of(*fills).at(0), "ordId") == ord);
    CHECK(
        data_of(*parse(signed_call(port, "GET", "/api/v5/trade/fills-history?instType=SPOT").body))
            .size() == 1);

    auto place = [&](const std::string& body) {
        return signed_call(port, "POST", "/api/v5/trade/order", body).body;
    };
    const auto lot = place(
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"0.000010005"})");
    CHECK(json_field(lot, "code") == "1");
    CHECK(json_field(lot, "msg") == "All operations failed");
    CHECK(json_field(lot, "sCode") == "51121");
    CHECK(
        json_field(
            place(
                R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"0.000001"})"),
            "sCode") == "51020");
    const auto poor =
        place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"5"})");
    CHECK(json_field(poor, "sCode") == "51008");
    CHECK(json_field(poor, "subCode") == "1000");
    CHECK(
        json_field(
            place(
                R"({"instId":"NOPE-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"1"})"),
            "sCode") == "51001");
    CHECK(json_field(
              place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market"})"),
              "sCode") == "51000");

    const auto lim =
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"40000","sz":"0.001","clOrdId":"lim1"})";
    const auto l1 = place(lim);
    CHECK(json_field(l1, "sCode") == "0");
    CHECK(json_field(place(lim), "sCode") == "51016");
    auto pend = parse(signed_call(port, "GET", "/api/v5/trade/orders-pending?instType=SPOT").body);
    REQUIRE(data_of(*pend).size() == 1);
    CHECK(str(data_of(*pend).at(0), "clOrdId") == "lim1");
    const auto cancel = R"({"instId":"BTC-USDT","clOrdId":"lim1"})";
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/cancel-order", cancel).body,
                     "sCode") == "0");
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/cancel-order", cancel).body,
                     "sCode") == "51400");
    CHECK(json_field(
              signed_call(port, "GET", "/api/v5/trade/order?instId=BTC-USDT&clOrdId=lim1").body,
              "state") == "canceled");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/trade/order?instId=BTC-USDT&ordId=1").body,
                     "code") == "51603");

    // batch-orders as ccxt sends it: partial success is code 2.
    const auto batch = signed_call(
        port, "POST", "/api/v5/trade/batch-orders",
        R"([{"instId":"BTC-USDT","side":"buy","ordType":"market","sz":"0.001","tdMode":"cash","tgtCcy":"base_ccy","clOrdId":"b1"},)"
        R"({"instId":"BTC-USDT","side":"buy","ordType":"market","sz":"999","tdMode":"cash","tgtCcy":"base_ccy","clOrdId":"b2"}])");
    CHECK(json_field(batch.body, "code") == "2");
    auto bal = parse(signed_call(port, "GET", "/api/v5/account/balance?ccy=BTC").body);
    auto det = data_of(*bal).at(0)["details"].at(0).value();
    CHECK(str(det, "ccy") == "BTC");
    CHECK(str(det, "eq") == "0.02097896004"); // 0.01999996 − 0.00001999996 + 0.001 − 0.000001
}

TEST_CASE("sim_oco placed → triggered → filled, and placed → cancelled", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    set_price(port, "50000");
    buy_btc(port, "1000");
    const auto oco = signed_call(
        port, "POST", "/api/v5/trade/order-algo",
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.0199","tpTriggerPx":"51000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1","algoClOrdId":"oco1"})");
    REQUIRE(json_field(oco.body, "sCode") == "0");
    const auto algo_id = json_field(oco.body, "algoId");
    auto pend = parse(
        signed_call(port, "GET", "/api/v5/trade/orders-algo-pending?ordType=oco,conditional").body);
    REQUIRE(data_of(*pend).size() == 1);
    CHECK(str(data_of(*pend).at(0), "state") == "live");

    post_sim(
        port, "/sim/price",
        R"({"instId":"BTC-USDT","script":[{"after_ms":0,"last":"50500"},{"after_ms":50,"last":"51000.5"}]})");
    std::string det;
    REQUIRE(wait_until(
        [&] {
            det = signed_call(port, "GET", "/api/v5/trade/order-algo?algoId=" + algo_id).body;
            return json_field(det, "state") == "effective";
        },
        5s));
    CHECK(json_field(det, "actualSide") == "tp");
    const auto child = json_field(det, "ordId");
    const auto co =
        signed_call(port, "GET", "/api/v5/trade/order?instId=BTC-USDT&ordId=" + child).body;
    CHECK(json_field(co, "state") == "filled");
    CHECK(json_field(co, "source") == "7");
    CHECK(json_field(co, "algoId") == algo_id);
    CHECK(json_field(co, "algoClOrdId") == "oco1");
    CHECK(json_field(co, "avgPx") == "51000.4"); // the bid
    const auto late = signed_call(port, "POST", "/api/v5/trade/cancel-algos",
                                  R"([{"instId":"BTC-USDT","algoId":")" + algo_id + R"("}])");
    CHECK(json_field(late.body, "sCode") == "51412");
    auto hist = parse(
        signed_call(port, "GET", "/api/v5/trade/orders-algo-history?ordType=oco&state=effective")
            .body);
    CHECK(data_of(*hist).size() == 1);

    // placed → cancelled
    buy_btc(port, "500");
    const auto oco2 = signed_call(
        port, "POST", "/api/v5/trade/order-algo",
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.009","tpTriggerPx":"53000","tpOrdPx":"-1","slTriggerPx":"50000","slOrdPx":"-1"})");
    const auto id2 = json_field(oco2.body, "algoId");
    REQUIRE(!id2.empty());
    const auto body = R"([{"instId":"BTC-USDT","algoId":")" + id2 + R"("}])";
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/cancel-algos", body).body, "sCode") ==
          "0");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/trade/order-algo?algoId=" + id2).body,
                     "state") == "canceled");
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/cancel-algos", body).body, "sCode") ==
          "51400");
    CHECK(json_field(signed_call(port, "POST", "/api/v5/trade/cancel-algos",
                                 R"([{"instId":"BTC-USDT","algoId":"42"}])")
                         .body,
                     "sCode") == "51400");

    // The order log has every request with both receive clocks.
    auto log = parse(http_call(port, "GET", "/sim/orders").body);
    auto reqs = log->root["requests"].get_array().value();
    std::size_t triggers = 0;
    for (auto r : reqs) {
        CHECK(r["recv_mono_ns"].get_int64().value() > 0);
        CHECK(r["recv_epoch_ns"].get_int64().value() > 1'600'000'000'000'000'000);
        triggers += str(r, "kind") == "algo_trigger";
    }
    CHECK(triggers == 1);
}

TEST_CASE("sim_ws public subscribe, acks, ticker pushes, ping and channel errors", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    ws_client ws(port, "/ws/v5/public?brokerId=9999");
    ws.send(R"({"id":"77","op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
    const auto ack = ws.read_until("\"event\":\"subscribe\"");
    REQUIRE(ack);
    CHECK(json_field(*ack, "id") == "77");
    CHECK(json_field(*ack, "channel") == "tickers");
    REQUIRE(ws.read_until("\"last\""));
    set_price(port, "43210");
    REQUIRE(ws.read_until("\"last\":\"43210\""));
    ws.send("ping");
    REQUIRE(ws.read_until("pong"));
    ws.send(R"({"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]})");
    CHECK(json_field(*ws.read_until("\"event\":\"error\""), "code") == "64001");
    ws.send(R"({"op":"subscribe","args":[{"channel":"nonsense","instId":"BTC-USDT"}]})");
    CHECK(json_field(*ws.read_until("\"event\":\"error\""), "code") == "60018");
    ws.send("{garbage");
    CHECK(json_field(*ws.read_until("\"event\":\"error\""), "code") == "60012");

    ws_client biz(port, "/ws/v5/business");
    biz.send(R"({"op":"subscribe","args":[{"channel":"candle5m","instId":"BTC-USDT"}]})");
    const auto candle = biz.read_until("\"data\"");
    REQUIRE(candle);
    CHECK(candle->find("candle5m") != std::string::npos);
    CHECK(candle->find("\"43210\"") != std::string::npos);
}

TEST_CASE("sim_ws login, orders and orders-algo pushes on an OCO trigger", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    set_price(port, "50000");
    ws_client priv(port, "/ws/v5/private");
    priv.send(R"({"op":"subscribe","args":[{"channel":"orders","instType":"SPOT"}]})");
    CHECK(json_field(*priv.read_until("\"event\""), "code") == "60011");
    priv.login(sim_key, "bad-secret");
    CHECK(json_field(*priv.read_until("\"event\""), "code") == "60007");
    priv.login();
    const auto ok = priv.read_until("\"event\":\"login\"");
    REQUIRE(ok);
    CHECK(json_field(*ok, "code") == "0");
    priv.send(
        R"({"op":"subscribe","args":[{"channel":"orders","instType":"SPOT","instId":"BTC-USDT"}]})");
    REQUIRE(priv.read_until("\"event\":\"subscribe\""));
    ws_client biz(port, "/ws/v5/business");
    biz.login();
    REQUIRE(biz.read_until("\"event\":\"login\""));
    biz.send(
        R"({"op":"subscribe","args":[{"channel":"orders-algo","instType":"SPOT","instId":"BTC-USDT"}]})");
    REQUIRE(biz.read_until("\"event\":\"subscribe\""));

    // Entry through a WS order op.
    priv.send(
        R"({"id":"o1","op":"order","args":[{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":"0.01","tgtCcy":"base_ccy"}]})");
    const auto op = priv.read_until("\"op\":\"order\"");
    REQUIRE(op);
    CHECK(json_field(*op, "sCode") == "0");
    const auto fill = priv.read_until("\"state\":\"filled\"");
    REQUIRE(fill);
    CHECK(json_field(*fill, "execType") == "T");
    CHECK(!json_field(*fill, "tradeId").empty());

    const auto oco = signed_call(
        port, "POST", "/api/v5/trade/order-algo",
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.0099","tpTriggerPx":"51000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1"})");
    const auto algo_id = json_field(oco.body, "algoId");
    REQUIRE(!algo_id.empty());
    REQUIRE(biz.read_until("\"state\":\"live\""));
    set_price(port, "48900");
    const auto algo_push = biz.read_until("\"state\":\"effective\"");
    REQUIRE(algo_push);
    CHECK(json_field(*algo_push, "actualSide") == "sl");
    CHECK(json_field(*algo_push, "algoId") == algo_id);
    const auto child = priv.read_until("\"source\":\"7\"");
    REQUIRE(child);
    CHECK(json_field(*child, "algoId") == algo_id);
    CHECK(json_field(*child, "state") == "filled");
    CHECK(json_field(*child, "side") == "sell");
}

TEST_CASE("sim_hooks drop WS with and without a close frame, and idle close 4004", "[sim]") {
    sim_process sim({"--ws-idle-ms", "700"});
    const auto port = sim.port();
    ws_client a(port, "/ws/v5/public");
    ws_client b(port, "/ws/v5/public");
    a.send("ping");
    REQUIRE(a.read_until("pong"));
    post_sim(port, "/sim/ws/drop", R"({"close_frame":false})");
    CHECK_FALSE(a.read(3s));
    CHECK(a.closed());
    CHECK(a.close_code() == -1);
    CHECK_FALSE(b.read(3s));
    CHECK(b.close_code() == -1);

    ws_client c(port, "/ws/v5/business");
    post_sim(port, "/sim/ws/drop", R"({"close_frame":true,"code":4007,"reason":"key changed"})");
    CHECK_FALSE(c.read(3s));
    CHECK(c.close_code() == 4007);

    ws_client idle(port, "/ws/v5/public");
    CHECK_FALSE(idle.read(5s));
    CHECK(idle.close_code() == 4004);
}

TEST_CASE("sim_hooks ws/refuse keeps a dropped feed down until it expires or is lifted", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    CHECK(http_call(port, "POST", "/sim/ws/refuse", R"({"ms":-1})").status == 400);
    post_sim(port, "/sim/ws/refuse", R"({"ms":60000,"path":"/ws/v5/public"})");
    CHECK_THROWS(ws_client(port, "/ws/v5/public")); // upgrade answered with HTTP 503
    ws_client business(port, "/ws/v5/business");    // other paths are untouched
    business.send("ping");
    CHECK(business.read_until("pong"));
    post_sim(port, "/sim/ws/refuse", R"({"ms":0})");
    ws_client again(port, "/ws/v5/public");
    again.send("ping");
    CHECK(again.read_until("pong"));
}

TEST_CASE("sim_hooks fail, apply_fail, delay and hang the next requests", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    set_price(port, "50000");
    const std::string buy =
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":"100"})";
    auto orders_count = [&] {
        auto d = parse(http_call(port, "GET", "/sim/orders").body);
        return d->root["orders"].get_array().value().size();
    };
    post_sim(port, "/sim/fault",
             R"({"path_prefix":"/api/v5/trade/order","mode":"fail","status":503,"code":"50001"})");
    const auto f = signed_call(port, "POST", "/api/v5/trade/order", buy);
    CHECK(f.status == 503);
    CHECK(json_field(f.body, "code") == "50001");
    CHECK(orders_count() == 0);

    post_sim(port, "/sim/fault", R"({"path_prefix":"/api/v5/trade/order","mode":"apply_fail"})");
    const auto af = signed_call(port, "POST", "/api/v5/trade/order", buy);
    CHECK(af.status == 400);
    CHECK(json_field(af.body, "code") == "50004");
    CHECK(orders_count() == 1); // outcome unknown to the client, but the order exists

    post_sim(port, "/sim/fault",
             R"({"path_prefix":"/api/v5/market/ticker","mode":"delay","delay_ms":300})");
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(http_call(port, "GET", "/api/v5/market/ticker?instId=BTC-USDT").status == 200);
    CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);

    post_sim(port, "/sim/fault", R"({"path_prefix":"/api/v5/trade/order","mode":"hang"})");
    // An unsigned request is rejected before the hang rule is consumed.
    CHECK(http_call(port, "POST", "/api/v5/trade/order", buy).status == 401);
    // The signed one is applied and never answered.
    const auto hang = signed_call(port, "POST", "/api/v5/trade/order", buy, 0, sim_key, sim_secret,
                                  sim_pass, 1500ms);
    CHECK(hang.status == -1);
    CHECK(orders_count() == 2);
    CHECK(http_call(port, "GET", "/api/v5/public/time").status == 200);
    CHECK(http_call(port, "POST", "/sim/fault", R"({"mode":"fail"})").status == 400);
}

TEST_CASE("sim_hooks rate limits give 429 / 50011, malformed frame, reset", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    int limited = 0;
    for (int i = 0; i < 25; ++i)
        limited += http_call(port, "GET", "/api/v5/market/ticker?instId=BTC-USDT").status == 429;
    CHECK(limited == 0);
    post_sim(port, "/sim/rate-limits", R"({"enabled":true})");
    std::string body429;
    for (int i = 0; i < 25; ++i) {
        const auto r = http_call(port, "GET", "/api/v5/market/ticker?instId=BTC-USDT");
        if (r.status == 429) {
            ++limited;
            body429 = r.body;
        }
    }
    CHECK(limited >= 5);
    CHECK(json_field(body429, "code") == "50011");
    post_sim(port, "/sim/rate-limits", R"({"enabled":false})");

    ws_client ws(port, "/ws/v5/public");
    ws.send(R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");
    REQUIRE(ws.read_until("\"event\":\"subscribe\""));
    REQUIRE(ws.read_until("\"last\""));
    post_sim(port, "/sim/ws/malformed", R"({"count":1,"channel":"tickers"})");
    set_price(port, "45000");
    const auto bad = ws.read(3s);
    REQUIRE(bad);
    simdjson::dom::parser p;
    simdjson::dom::element el;
    CHECK(p.parse(*bad).get(el) != simdjson::SUCCESS);
    set_price(port, "45001");
    REQUIRE(ws.read_until("\"last\":\"45001\""));

    post_sim(port, "/sim/balance", R"({"balances":{"USDT":"5","BTC":"1"}})");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/account/balance?ccy=USDT").body,
                     "availBal") == "5");
    post_sim(port, "/sim/reset", "{}");
    CHECK(json_field(signed_call(port, "GET", "/api/v5/account/balance?ccy=USDT").body,
                     "availBal") == "10000");
}

TEST_CASE("sim_clock real-time by default, the data's own dates with --no-shift", "[sim]") {
    constexpr std::int64_t week = 7 * 86'400'000LL, jan_2023 = 1'672'531'200'000;
    {
        sim_process sim({"--speed", "1"});
        const auto port = sim.port();
        const std::int64_t now = scalpel::wall_now_ms();
        auto st = parse(http_call(port, "GET", "/sim/state").body);
        const std::int64_t market = st->root["market_time_ms"].get_int64().value();
        const std::int64_t shift = st->root["time_shift_ms"].get_int64().value();
        CHECK(std::abs(market - now) < 5000);
        CHECK(shift > 0);
        CHECK(shift % week == 0);
        CHECK(std::abs(st->root["start_ms"].get_int64().value() - now) < 61'000);
        auto tk = parse(http_call(port, "GET", "/api/v5/market/ticker?instId=BTC-USDT").body);
        CHECK(std::abs(std::stoll(str(data_of(*tk).at(0), "ts")) - now) < 10'000);
        auto c = parse(
            http_call(port, "GET", "/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=2").body);
        const auto live = std::stoll(std::string(data_of(*c).at(0).at(0).get_string().value()));
        CHECK(live <= now);
        CHECK(live > now - 120'000);
        // Orders are stamped on the same clock.
        set_price(port, "50000");
        buy_btc(port, "100");
        const auto o = signed_call(port, "GET", "/api/v5/trade/orders-history?instType=SPOT");
        CHECK(std::abs(std::stoll(json_field(o.body, "cTime")) - now) < 10'000);
    }
    {
        sim_process sim({"--no-shift"});
        auto st = parse(http_call(sim.port(), "GET", "/sim/state").body);
        CHECK(st->root["time_shift_ms"].get_int64().value() == 0);
        CHECK(st->root["market_time_ms"].get_int64().value() < jan_2023); // okx_spot_2022
        auto tk = parse(http_call(sim.port(), "GET", "/api/v5/market/ticker?instId=BTC-USDT").body);
        CHECK(std::stoll(str(data_of(*tk).at(0), "ts")) < jan_2023);
    }
}

TEST_CASE("sim_latency order round trip on loopback (figures only)", "[sim]") {
    sim_process sim;
    const auto port = sim.port();
    set_price(port, "50000");
    http_conn conn(port);
    std::vector<double> us;
    for (int i = 0; i < 200; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = conn.call(
            "POST", "/api/v5/trade/order",
            R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":"10"})",
            true);
        us.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                .count());
        REQUIRE(json_field(r.body, "sCode") == "0");
    }
    std::sort(us.begin(), us.end());
    WARN("signed market order round trip over keep-alive loopback HTTP: p50 "
         << us[100] << " us, p99 " << us[198] << " us, max " << us.back() << " us (200 orders)");
}
