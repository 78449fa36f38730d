// Request builders: byte-exact bodies (the spec's signing vectors TV1/TV3/TV4 prove the bytes),
// query strings, WS frames, and refusal of invalid or oversized requests by the buffer writers.
#include "common/okx/requests.hpp"

#include "common/okx/signing.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::okx;

namespace {
constexpr std::string_view secret = "22582BD0CFF14C41EDBF1AB98506286D";
}

TEST_CASE("okx place-order body matches TV1 byte for byte", "[unit][okx]") {
    place_order_req r;
    r.inst_id = "BTC-USDT";
    r.cl_ord_id = "b15";
    r.side = order_side::buy;
    r.ord_type = ord_type::limit;
    r.px = *decimal::parse("2.15");
    r.sz = decimal(2, 0);
    const std::string body = place_order_body(r);
    CHECK(
        body ==
        R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy","ordType":"limit","px":"2.15","sz":"2"})");
    CHECK(sign_request(secret, "2020-12-08T09:08:57.715Z", "POST", path_place_order, body) ==
          "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=");

    SECTION("market with tgtCcy and tag; px ignored") {
        place_order_req m;
        m.inst_id = "LTC-USDT";
        m.side = order_side::buy;
        m.ord_type = ord_type::market;
        m.sz = decimal(10, 0);
        m.px = decimal(5, 0);
        m.tgt_ccy = tgt_ccy::quote_ccy;
        m.cl_ord_id = "abc123";
        m.tag = "scalpel";
        CHECK(
            place_order_body(m) ==
            R"({"instId":"LTC-USDT","tdMode":"cash","clOrdId":"abc123","side":"buy","ordType":"market","sz":"10","tgtCcy":"quote_ccy","tag":"scalpel"})");
    }
    SECTION("allocation-free writer: exact fit, too small, invalid") {
        char buf[256];
        const std::size_t n = write_place_order(r, buf, sizeof buf);
        CHECK(std::string_view(buf, n) == body);
        CHECK(write_place_order(r, buf, body.size()) == body.size());
        CHECK(write_place_order(r, buf, body.size() - 1) == 0);
        place_order_req bad = r;
        bad.cl_ord_id = "quo\"te";
        CHECK(write_place_order(bad, buf, sizeof buf) == 0);
        bad = r;
        bad.px = decimal{};
        CHECK(write_place_order(bad, buf, sizeof buf) == 0); // limit without price
        bad = r;
        bad.sz = decimal{};
        CHECK(place_order_body(bad).empty());
        bad = r;
        bad.inst_id = {};
        CHECK(place_order_body(bad).empty());
    }
}

TEST_CASE("okx OCO body matches TV4; conditional with one leg", "[unit][okx]") {
    algo_order_req a;
    a.inst_id = "BTC-USDT";
    a.side = order_side::sell;
    a.sz = *decimal::parse("0.001");
    a.has_tp = a.has_sl = true;
    a.tp_trigger_px = decimal(52000, 0);
    a.sl_trigger_px = decimal(49000, 0);
    a.algo_cl_ord_id = "oco1";
    const std::string body = algo_order_body(a);
    CHECK(
        body ==
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.001","tpTriggerPx":"52000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1","algoClOrdId":"oco1"})");
    CHECK(sign_request(secret, "2020-12-08T09:08:57.715Z", "POST", path_place_algo, body) ==
          "3kAMIpsKDq5McKueMqrBZuSrBETihv2pf9H7RH7WEKA=");
    a.has_tp = false;
    CHECK(
        algo_order_body(a) ==
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"conditional","sz":"0.001","slTriggerPx":"49000","slOrdPx":"-1","algoClOrdId":"oco1"})");
    a.has_sl = false;
    CHECK(algo_order_body(a).empty());
}

TEST_CASE("okx buy-side OCO states its size in base currency", "[unit][okx]") {
    // A SHORT's protection buys the base back; OKX would read a buy algo's sz as USDT by default.
    algo_order_req a;
    a.inst_id = "BTC-USDT";
    a.side = order_side::buy;
    a.sz = *decimal::parse("0.001");
    a.has_tp = a.has_sl = true;
    a.tp_trigger_px = decimal(49000, 0);
    a.sl_trigger_px = decimal(52000, 0);
    a.algo_cl_ord_id = "oco2";
    CHECK(
        algo_order_body(a) ==
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"oco","sz":"0.001","tgtCcy":"base_ccy","tpTriggerPx":"49000","tpOrdPx":"-1","slTriggerPx":"52000","slOrdPx":"-1","algoClOrdId":"oco2"})");
    a.tgt_ccy = tgt_ccy::quote_ccy; // the exchange default for a buy: omitted
    CHECK(algo_order_body(a).find("tgtCcy") == std::string::npos);
}

TEST_CASE("okx cancel bodies", "[unit][okx]") {
    CHECK(cancel_order_body({"BTC-USDT", "590908157585625111", ""}) ==
          R"({"instId":"BTC-USDT","ordId":"590908157585625111"})");
    CHECK(cancel_order_body({"BTC-USDT", "", "b15"}) == R"({"instId":"BTC-USDT","clOrdId":"b15"})");
    CHECK(cancel_order_body({"BTC-USDT", "", ""}).empty());
    const cancel_algo_req one[] = {{"BTC-USDT", "590919993110396111", ""}};
    CHECK(cancel_algos_body(one, 1) == R"([{"instId":"BTC-USDT","algoId":"590919993110396111"}])");
    const cancel_algo_req two[] = {{"BTC-USDT", "1", ""}, {"ETH-USDT", "", "oco2"}};
    CHECK(cancel_algos_body(two, 2) ==
          R"([{"instId":"BTC-USDT","algoId":"1"},{"instId":"ETH-USDT","algoClOrdId":"oco2"}])");
    CHECK(cancel_algos_body(two, 0).empty());
    char small[16];
    CHECK(write_cancel_algos(one, 1, small, sizeof small) == 0);
}

TEST_CASE("okx WS frames", "[unit][okx]") {
    place_order_req r;
    r.inst_id = "BTC-USDT";
    r.cl_ord_id = "c1";
    r.side = order_side::sell;
    r.ord_type = ord_type::market;
    r.sz = *decimal::parse("0.5");
    r.tgt_ccy = tgt_ccy::base_ccy;
    char buf[512];
    // No instIdCode known: the WS writers refuse (OKX refuses an instId-only WS order op).
    CHECK(write_ws_order("1512", r, buf, sizeof buf) == 0);
    CHECK(write_ws_cancel_order("", {"BTC-USDT", "42", "", 0}, buf, sizeof buf) == 0);
    r.inst_id_code = 100001;
    std::size_t n = write_ws_order("1512", r, buf, sizeof buf);
    CHECK(
        std::string_view(buf, n) ==
        R"({"id":"1512","op":"order","args":[{"instIdCode":100001,"tdMode":"cash","clOrdId":"c1","side":"sell","ordType":"market","sz":"0.5","tgtCcy":"base_ccy"}]})");
    n = write_ws_cancel_order("", {"BTC-USDT", "42", "", 100001}, buf, sizeof buf);
    CHECK(std::string_view(buf, n) ==
          R"({"op":"cancel-order","args":[{"instIdCode":100001,"ordId":"42"}]})");
    CHECK(write_ws_order("1512", r, buf, 40) == 0);
    // The REST body keeps instId and never carries the code; tdMode follows the request.
    r.td_mode = td_mode::cross;
    CHECK(
        place_order_body(r) ==
        R"({"instId":"BTC-USDT","tdMode":"cross","clOrdId":"c1","side":"sell","ordType":"market","sz":"0.5","tgtCcy":"base_ccy"})");

    // The deadline rides in the op message, never inside args (OKX Transaction timeouts, WS).
    r.exp_time_ms = 1597026383085;
    n = write_ws_order("1512", r, buf, sizeof buf);
    CHECK(
        std::string_view(buf, n) ==
        R"({"id":"1512","op":"order","expTime":"1597026383085","args":[{"instIdCode":100001,"tdMode":"cross","clOrdId":"c1","side":"sell","ordType":"market","sz":"0.5","tgtCcy":"base_ccy"}]})");
    n = write_ws_order("", r, buf, sizeof buf);
    CHECK(std::string_view(buf, n).starts_with(
        R"({"op":"order","expTime":"1597026383085","args":[)"));
    // REST sends it as a header: the body (which is signed) stays as before.
    CHECK(place_order_body(r).find("expTime") == std::string::npos);
    CHECK(exp_time_after(1'000, 2'500) == 3'500);
    r.exp_time_ms = 0;

    const std::string login = ws_login_frame("key-1", secret, "pass-1", 1538054050);
    CHECK(
        login ==
        R"({"op":"login","args":[{"apiKey":"key-1","passphrase":"pass-1","timestamp":"1538054050","sign":"+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="}]})");

    const ws_sub subs[] = {{"tickers", "BTC-USDT", ""}, {"orders", "BTC-USDT", "SPOT"}};
    CHECK(
        ws_subscribe_frame(subs, 2) ==
        R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"},{"channel":"orders","instType":"SPOT","instId":"BTC-USDT"}]})");
}

TEST_CASE("okx REST paths", "[unit][okx]") {
    CHECK(path_server_time() == "/api/v5/public/time");
    CHECK(path_instruments("SPOT") == "/api/v5/public/instruments?instType=SPOT");
    CHECK(path_instruments("SPOT", "BTC-USDT") ==
          "/api/v5/public/instruments?instType=SPOT&instId=BTC-USDT");
    CHECK(path_ticker("BTC-USDT") == "/api/v5/market/ticker?instId=BTC-USDT");
    CHECK(path_tickers("SPOT") == "/api/v5/market/tickers?instType=SPOT");
    CHECK(path_candles("BTC-USDT", "1m", 100) ==
          "/api/v5/market/candles?instId=BTC-USDT&bar=1m&limit=100");
    CHECK(path_candles("BTC-USDT", "1H", 300, 1701011781033, 1699931781032, true) ==
          "/api/v5/market/"
          "history-candles?instId=BTC-USDT&bar=1H&limit=300&after=1701011781033&before="
          "1699931781032");
    CHECK(path_balance() == "/api/v5/account/balance");
    CHECK(path_balance("BTC,ETH") == "/api/v5/account/balance?ccy=BTC,ETH");
    CHECK(path_order("LTC-USDT", "636708553755021312", "") ==
          "/api/v5/trade/order?instId=LTC-USDT&ordId=636708553755021312");
    CHECK(path_order("LTC-USDT", "", "b15") == "/api/v5/trade/order?instId=LTC-USDT&clOrdId=b15");
    CHECK(path_fills("BTC-USDT", "1") ==
          "/api/v5/trade/fills?instType=SPOT&instId=BTC-USDT&ordId=1");
    CHECK(path_algo_order("", "oco1") == "/api/v5/trade/order-algo?algoClOrdId=oco1");
    CHECK(path_algos_pending("oco", "BTC-USDT") ==
          "/api/v5/trade/orders-algo-pending?ordType=oco&instId=BTC-USDT");
    CHECK(path_algos_history("oco", "effective") ==
          "/api/v5/trade/orders-algo-history?ordType=oco&state=effective");
    CHECK(path_ticker("A B&c") == "/api/v5/market/ticker?instId=A%20B%26c");
}
