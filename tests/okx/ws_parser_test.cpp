// WS frame parser: every frame kind of okx_v5.md §4 (events, acks, pushes, op replies, pong) and
// malformed input, which must come back as ws_msg::malformed with a bad_response error.
#include "common/okx/ws_parser.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace scalpel;
using namespace scalpel::okx;

TEST_CASE("okx ws frames classify and parse", "[unit][okx]") {
    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();

    CHECK(p.parse("pong", *m) == ws_msg::pong);
    CHECK(p.parse(R"({"event":"login","code":"0","msg":"","connId":"a4d3ae55"})", *m) ==
          ws_msg::login);
    CHECK(
        p.parse(
            R"({"id":"1512","event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":"a4d3ae55"})",
            *m) == ws_msg::subscribe);
    CHECK(m->channel == "tickers");
    CHECK(m->inst_id == "BTC-USDT");
    CHECK(m->id == "1512");

    SECTION("a refused subscription names its argument only when the text has that shape") {
        CHECK(
            p.parse(
                R"({"event":"error","code":"60018","msg":"Wrong URL or channel:tickers,instId:ETH-USDT doesn't exist","connId":"x"})",
                *m) == ws_msg::error);
        CHECK(m->channel == "tickers");
        CHECK(m->inst_id == "ETH-USDT");
        CHECK(
            p.parse(
                R"({"event":"error","code":"60018","msg":"Wrong URL or channel:foo,instId: doesn't exist","connId":"x"})",
                *m) == ws_msg::error);
        CHECK(m->inst_id.empty());
        CHECK(
            p.parse(R"({"event":"error","code":"60018","msg":"Wrong URL or channel","connId":"x"})",
                    *m) == ws_msg::error);
        CHECK(m->inst_id.empty());
        CHECK(
            p.parse(
                R"({"event":"error","code":"60012","msg":"Invalid request: channel:tickers,instId:ETH-USDT x","connId":"x"})",
                *m) == ws_msg::error);
        CHECK(m->inst_id.empty()); // only 60018 refuses one argument
    }
    SECTION("login failure and error events are typed") {
        CHECK(p.parse(R"({"event":"error","code":"60009","msg":"Login failed.","connId":"x"})",
                      *m) == ws_msg::error);
        CHECK(m->err.kind == error_kind::auth);
        CHECK(m->err.code == 60009);
        CHECK(m->err.message.view() == "Login failed.");
        CHECK(p.parse(R"({"event":"login","code":"60024","msg":"Wrong passphrase","connId":"x"})",
                      *m) == ws_msg::error);
        CHECK(m->err.kind == error_kind::auth);
        CHECK(
            p.parse(
                R"({"id":"1512","event":"error","code":"60012","msg":"Invalid request: {}","connId":"a"})",
                *m) == ws_msg::error);
        CHECK(m->err.kind == error_kind::bad_request);
        CHECK(
            p.parse(
                R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a"})",
                *m) == ws_msg::notice);
        CHECK(m->err.code == 64008);
        CHECK(
            p.parse(
                R"({"event":"channel-conn-count","channel":"orders","connCount":"2","connId":"a"})",
                *m) == ws_msg::other_event);
    }
    SECTION("tickers push") {
        CHECK(
            p.parse(
                R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1","askPx":"9999.99","askSz":"11","bidPx":"8888.88","bidSz":"5","open24h":"9000","high24h":"10000","low24h":"8888.88","volCcy24h":"2222","vol24h":"2222","sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085"}]})",
                *m) == ws_msg::ticker);
        CHECK(m->tick.inst_id == "BTC-USDT");
        CHECK(m->tick.last == 9999.99);
        CHECK(m->tick.bid_px == 8888.88);
        CHECK(m->tick.ts_ms == 1597026383085);
        ticker t;
        CHECK(
            p.parse_ticker(
                 R"({"arg":{"channel":"tickers","instId":"ETH-USDT"},"data":[{"instId":"ETH-USDT","last":"2000.5","askPx":"2000.6","bidPx":"2000.4","ts":"1"}]})",
                 t)
                .ok());
        CHECK(t.inst_id == "ETH-USDT");
        CHECK(t.ask_px == 2000.6);
        CHECK(p.parse_ticker(R"({"event":"subscribe","arg":{"channel":"tickers"}})", t).kind ==
              error_kind::bad_response);
        CHECK(p.parse_ticker(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[]})", t)
                  .kind == error_kind::bad_response);
    }
    SECTION("orders push: fill row with dedup fields") {
        CHECK(
            p.parse(
                R"({"arg":{"channel":"orders","instType":"SPOT","instId":"BTC-USDT","uid":"1"},"data":[{"instType":"SPOT","instId":"BTC-USDT","ordId":"680800019749904384","clOrdId":"c1","side":"sell","ordType":"market","px":"","sz":"0.001","accFillSz":"0.001","fillPx":"50000","fillSz":"0.001","fillFee":"-0.05","fillFeeCcy":"USDT","tradeId":"99","execType":"T","avgPx":"50000","fee":"-0.05","feeCcy":"USDT","state":"filled","source":"7","algoId":"590919993110396111","algoClOrdId":"oco1","cTime":"1","uTime":"2","fillTime":"2"}]})",
                *m) == ws_msg::orders);
        REQUIRE(m->n_rows == 1);
        const auto& o = m->orders[0];
        CHECK(o.state == order_state::filled);
        CHECK(o.trade_id == "99");
        CHECK(o.fill_fee == *decimal::parse("-0.05"));
        CHECK(o.algo_cl_ord_id == "oco1");
        CHECK(o.source == "7");
    }
    SECTION("orders-algo push") {
        CHECK(
            p.parse(
                R"({"arg":{"channel":"orders-algo","instType":"SPOT","instId":"BTC-USDT","uid":"1"},"data":[{"algoId":"5","algoClOrdId":"oco1","instId":"BTC-USDT","ordType":"oco","side":"sell","sz":"0.001","state":"effective","actualSide":"tp","ordId":"77","tpTriggerPx":"52000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1","cTime":"1","uTime":"2"}]})",
                *m) == ws_msg::orders_algo);
        REQUIRE(m->n_rows == 1);
        CHECK(m->algos[0].state == algo_state::effective);
        CHECK(m->algos[0].actual_side == "tp");
        CHECK(m->algos[0].ord_id == "77");
    }
    SECTION("op replies: success and per-item failure") {
        CHECK(
            p.parse(
                R"({"id":"1512","op":"order","code":"0","msg":"","data":[{"ordId":"12345689","clOrdId":"c1","tag":"","ts":"1","sCode":"0","sMsg":""}],"inTime":"1","outTime":"2"})",
                *m) == ws_msg::op_reply);
        CHECK(m->op == "order");
        CHECK(m->id == "1512");
        REQUIRE(m->n_rows == 1);
        CHECK(m->err.ok());
        CHECK(m->ack_errs[0].ok());
        CHECK(m->acks[0].ord_id == "12345689");
        CHECK(
            p.parse(
                R"({"id":"1513","op":"order","code":"1","msg":"","data":[{"ordId":"","clOrdId":"c2","tag":"","sCode":"51008","sMsg":"Order failed. Insufficient USDT balance","subCode":"1000"}],"inTime":"1","outTime":"2"})",
                *m) == ws_msg::op_reply);
        CHECK(m->err.code == 1);
        CHECK(m->ack_errs[0].kind == error_kind::insufficient_funds);
        CHECK(m->ack_errs[0].sub_code == 1000);
        CHECK(
            p.parse(
                R"({"id":"1514","op":"cancel-order","code":"60013","msg":"Invalid args","data":[]})",
                *m) == ws_msg::op_reply);
        CHECK(m->err.kind == error_kind::bad_request);
    }
    SECTION("data before arg still parses") {
        CHECK(
            p.parse(
                R"({"data":[{"instId":"BTC-USDT","last":"1","askPx":"2","bidPx":"0.5","ts":"3"}],"arg":{"channel":"tickers","instId":"BTC-USDT"}})",
                *m) == ws_msg::ticker);
        CHECK(m->tick.ask_px == 2);
    }
    SECTION("other channels are other_push") {
        CHECK(
            p.parse(
                R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"}]})",
                *m) == ws_msg::other_push);
        CHECK(m->channel == "trades");
    }
    SECTION("malformed frames") {
        for (
            std::string_view bad :
            {std::string_view("not json"), std::string_view("{\"arg\":"), std::string_view("[]"),
             std::string_view("{}"), std::string_view(R"({"arg":{"channel":"tickers"},"data":{}})"),
             std::string_view(R"({"arg":{"channel":"tickers"},"data":[]})"),
             std::string_view(
                 R"({"arg":{"channel":"tickers"},"data":[{"instId":"X","last":"x","askPx":"1","bidPx":"1","ts":"1"}]})"),
             std::string_view(R"({"arg":{"channel":"orders"},"data":[{"ordId":"1"}]})"),
             std::string_view(R"({"event":"login","code":"abc"})"), std::string_view("")}) {
            INFO(bad);
            CHECK(p.parse(bad, *m) == ws_msg::malformed);
            CHECK(m->err.kind == error_kind::bad_response);
        }
        // The parser survives and keeps working.
        CHECK(p.parse("pong", *m) == ws_msg::pong);
    }
    SECTION("oversized frame") {
        ws_frame_parser small(64);
        const std::string big =
            R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","last":"1","askPx":"2","bidPx":"0.5","ts":"3"}]})";
        CHECK(small.parse(big, *m) == ws_msg::malformed);
    }
}
