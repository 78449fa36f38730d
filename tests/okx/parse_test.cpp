// REST reply parsers on real-shaped JSON (okx_v5.md §2–§3 and the ccxt fixtures it quotes):
// success rows, per-item sCode errors, malformed JSON, missing fields and wrong types must all come
// back as typed errors, never exceptions.
#include "common/okx/parse.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::okx;

TEST_CASE("okx error codes map to kinds", "[unit][okx]") {
    CHECK(kind_of_code(0) == error_kind::ok);
    CHECK(kind_of_code(50001) == error_kind::transient);
    CHECK(kind_of_code(50004) == error_kind::unknown_outcome);
    CHECK(kind_of_code(50011) == error_kind::rate_limit);
    CHECK(kind_of_code(50013) == error_kind::transient);
    CHECK(kind_of_code(50026) == error_kind::transient);
    CHECK(kind_of_code(50014) == error_kind::bad_request);
    CHECK(kind_of_code(50061) == error_kind::rate_limit);
    for (int c : {50101, 50102, 50103, 50104, 50105, 50106, 50107, 50111, 50112, 50113})
        CHECK(kind_of_code(c) == error_kind::auth);
    CHECK(kind_of_code(51000) == error_kind::invalid_order);
    CHECK(kind_of_code(51001) == error_kind::invalid_order);
    for (int c : {51008, 51127, 51131})
        CHECK(kind_of_code(c) == error_kind::insufficient_funds);
    CHECK(kind_of_code(51016) == error_kind::duplicate_id);
    CHECK(kind_of_code(50071) == error_kind::duplicate_id);
    for (int c : {51020, 51120, 51121, 51094, 51277, 51278, 51279, 51280})
        CHECK(kind_of_code(c) == error_kind::invalid_order);
    for (int c : {51400, 51401, 51402, 51410, 51503})
        CHECK(kind_of_code(c) == error_kind::already_done);
    CHECK(kind_of_code(51412) == error_kind::already_triggered);
    CHECK(kind_of_code(51416) == error_kind::already_triggered);
    CHECK(kind_of_code(51603) == error_kind::not_found);
    // "Order timed out" (expTime passed): not proof that nothing executed.
    CHECK(kind_of_code(51149) == error_kind::unknown_outcome);
    CHECK(to_string(error_kind::expired) == "expired");
    CHECK_FALSE(is_retryable(error_kind::expired));
    for (int c : {60004, 60005, 60006, 60007, 60009, 60011, 60024})
        CHECK(kind_of_code(c) == error_kind::auth);
    for (int c : {60012, 60013, 60018, 60031, 64001, 64002})
        CHECK(kind_of_code(c) == error_kind::bad_request);
    CHECK(kind_of_code(60014) == error_kind::rate_limit);
    CHECK(kind_of_code(64008) == error_kind::transient);
    CHECK(kind_of_code(59999) == error_kind::exchange);
    CHECK(is_retryable(error_kind::rate_limit));
    CHECK_FALSE(is_retryable(error_kind::insufficient_funds));
}

TEST_CASE("okx envelope errors and HTTP fallbacks", "[unit][okx]") {
    SECTION("server time ok") {
        auto r = parse_server_time(R"({"code":"0","msg":"","data":[{"ts":"1597026383085"}]})");
        REQUIRE(r.ok());
        CHECK(r.value.ts_ms == 1597026383085);
    }
    SECTION("ccxt fixture key order (data before msg)") {
        auto r = parse_server_time(R"({"code":"0","data":[{"ts":"1712250348676"}],"msg":""})");
        REQUIRE(r.ok());
        CHECK(r.value.ts_ms == 1712250348676);
    }
    SECTION("50011 in the body wins over HTTP 429") {
        auto r = parse_server_time(R"({"msg":"Too Many Requests","code":"50011"})", 429);
        CHECK(r.err.kind == error_kind::rate_limit);
        CHECK(r.err.code == 50011);
        CHECK(r.err.http_status == 429);
        CHECK(r.err.message.view() == "Too Many Requests");
    }
    SECTION("non-JSON 429 → rate_limit, 502 → transient, 401 → auth, 200 → bad_response") {
        CHECK(parse_server_time("Too Many Requests", 429).err.kind == error_kind::rate_limit);
        CHECK(parse_server_time("<html>bad gateway</html>", 502).err.kind == error_kind::transient);
        CHECK(parse_server_time("", 401).err.kind == error_kind::auth);
        CHECK(parse_server_time("{\"code\":\"0\",", 200).err.kind == error_kind::bad_response);
    }
    SECTION("auth code with 401") {
        auto r = parse_server_time(R"({"code":"50113","msg":"Invalid Sign","data":[]})", 401);
        CHECK(r.err.kind == error_kind::auth);
        CHECK(r.err.code == 50113);
    }
    SECTION("50004 unknown outcome, 50001 transient") {
        CHECK(parse_envelope(R"({"code":"50004","msg":"Endpoint request timeout","data":[]})", 400)
                  .kind == error_kind::unknown_outcome);
        CHECK(parse_envelope(
                  R"({"code":"50001","msg":"Service temporarily unavailable","data":[]})", 503)
                  .kind == error_kind::transient);
    }
    SECTION("missing code, wrong-typed code, data not an array, missing ts, empty data") {
        CHECK(parse_server_time(R"({"msg":"","data":[]})").err.kind == error_kind::bad_response);
        CHECK(parse_server_time(R"({"code":[1],"msg":"","data":[]})").err.kind ==
              error_kind::bad_response);
        CHECK(parse_server_time(R"({"code":"0","msg":"","data":{}})").err.kind ==
              error_kind::bad_response);
        CHECK(parse_server_time(R"({"code":"0","msg":"","data":[{}]})").err.kind ==
              error_kind::bad_response);
        CHECK(parse_server_time(R"({"code":"0","msg":"","data":[]})").err.kind ==
              error_kind::bad_response);
        CHECK(
            parse_server_time(R"({"code":"0","msg":"","data":[{"ts":1597026383085}]})").err.kind ==
            error_kind::bad_response);
        CHECK(parse_server_time(R"([1,2])").err.kind == error_kind::bad_response);
    }
}

TEST_CASE("okx instruments", "[unit][okx]") {
    const std::string spot =
        R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT","settleCcy":"","ctVal":"","ctMult":"","ctValCcy":"","ctType":"","uly":"","instFamily":"","category":"1","listTime":"1606468572000","contTdSwTime":"1704876947000","expTime":"","lever":"10","tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001","maxLmtSz":"9999999999","maxMktSz":"","maxLmtAmt":"1000000","maxMktAmt":"1000000","state":"live","ruleType":"normal","openType":"call_auction","instIdCode":1000000000,"tradeQuoteCcyList":["USDT"],"upcChg":[]}]})";
    auto r = parse_instruments(spot);
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    const auto& i = r.value[0];
    CHECK(i.inst_id == "BTC-USDT");
    CHECK(i.base_ccy == "BTC");
    CHECK(i.quote_ccy == "USDT");
    CHECK(i.tick_sz == decimal(1, 1));
    CHECK(i.lot_sz == decimal(1, 8));
    CHECK(i.min_sz == decimal(1, 5));
    CHECK(i.state == "live");
    CHECK(i.inst_id_code == 1000000000); // a JSON integer (docs-v5 "Get instruments" example)

    SECTION("instIdCode null, empty string or a digit string") {
        const auto row = [](std::string code) {
            return R"({"code":"0","msg":"","data":[{"instId":"X-USDT","tickSz":"1","lotSz":"1","minSz":"1","instIdCode":)" +
                   code + "}]}";
        };
        CHECK(parse_instruments(row("null")).value.at(0).inst_id_code == 0);
        CHECK(parse_instruments(row(R"("")")).value.at(0).inst_id_code == 0);
        CHECK(parse_instruments(row(R"("2021")")).value.at(0).inst_id_code == 2021);
        CHECK(parse_instruments(row("1.5")).err.kind == error_kind::bad_response);
        CHECK(parse_instruments(row("-3")).err.kind == error_kind::bad_response);
        CHECK(parse_instruments(row("true")).err.kind == error_kind::bad_response);
    }
    SECTION("missing tickSz") {
        auto bad = parse_instruments(
            R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","lotSz":"1","minSz":"1"}]})");
        CHECK(bad.err.kind == error_kind::bad_response);
        CHECK(bad.err.message.view().find("tickSz") != std::string_view::npos);
    }
    SECTION("number instead of string") {
        auto bad = parse_instruments(
            R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","tickSz":0.1,"lotSz":"1","minSz":"1"}]})");
        CHECK(bad.err.kind == error_kind::bad_response);
    }
    SECTION("not a decimal") {
        auto bad = parse_instruments(
            R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","tickSz":"1e-1","lotSz":"1","minSz":"1"}]})");
        CHECK(bad.err.kind == error_kind::bad_response);
    }
    SECTION("empty list is fine") {
        CHECK(parse_instruments(R"({"code":"0","msg":"","data":[]})").ok());
    }
}

TEST_CASE("okx tickers", "[unit][okx]") {
    auto r = parse_tickers(
        R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1","askPx":"9999.99","askSz":"11","bidPx":"8888.88","bidSz":"5","open24h":"9000","high24h":"10000","low24h":"8888.88","volCcy24h":"2222","vol24h":"2222","sodUtc0":"2222","sodUtc8":"2222","ts":"1597026383085"}]})");
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    CHECK(r.value[0].inst_id == "BTC-USDT");
    CHECK(r.value[0].last == 9999.99);
    CHECK(r.value[0].bid_px == 8888.88);
    CHECK(r.value[0].ask_px == 9999.99);
    CHECK(r.value[0].ask_sz == 11);
    CHECK(r.value[0].ts_ms == 1597026383085);
    CHECK(
        parse_tickers(
            R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT","last":"abc","bidPx":"1","askPx":"1","ts":"1"}]})")
            .err.kind == error_kind::bad_response);
}

TEST_CASE("okx candles keep order and confirm flags", "[unit][okx]") {
    auto r = parse_candles(
        R"({"code":"0","msg":"","data":[["1597026443085","3.72","3.75","3.70","3.71","100","370","370","0"],["1597026383085","3.721","3.743","3.677","3.708","8422410","22698348.04828491","12698348.04828491","1"]]})");
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 2);
    CHECK_FALSE(r.value[0].confirmed);
    CHECK(r.value[1].confirmed);
    CHECK(r.value[1].bar.open_time_ms == 1597026383085);
    CHECK(r.value[1].bar.open == 3.721);
    CHECK(r.value[1].bar.high == 3.743);
    CHECK(r.value[1].bar.low == 3.677);
    CHECK(r.value[1].bar.close == 3.708);
    CHECK(r.value[1].bar.volume == 8422410);
    CHECK(r.value[1].vol_ccy_quote == Approx(12698348.04828491));
    SECTION("short row, bad confirm, object row") {
        CHECK(parse_candles(R"({"code":"0","msg":"","data":[["1","1","1","1","1","1","1","1"]]})")
                  .err.kind == error_kind::bad_response);
        CHECK(
            parse_candles(R"({"code":"0","msg":"","data":[["1","1","1","1","1","1","1","1","2"]]})")
                .err.kind == error_kind::bad_response);
        CHECK(parse_candles(R"({"code":"0","msg":"","data":[{"ts":"1"}]})").err.kind ==
              error_kind::bad_response);
        CHECK(parse_candles(R"({"code":"51001","msg":"Instrument ID does not exist","data":[]})")
                  .err.kind == error_kind::invalid_order);
    }
}

TEST_CASE("okx balance", "[unit][okx]") {
    auto r = parse_balance(
        R"({"code":"0","msg":"","data":[{"totalEq":"41624.32","uTime":"1752243327154","details":[{"ccy":"USDT","eq":"1000","cashBal":"1000","availBal":"900","availEq":"900","frozenBal":"100","ordFrozen":"100","liab":"","uTime":"1700000000000"},{"ccy":"BTC","liab":"0.05","availEq":"0.66126645222","eq":"1.06126645222","frozenBal":"0.4","availBal":"0.66126645222","eqUsd":"0.123456789012345678901234"}]}]})");
    REQUIRE(r.ok());
    CHECK(r.value.total_eq == decimal(4162432, 2));
    CHECK(r.value.u_time_ms == 1752243327154);
    REQUIRE(r.value.details.size() == 2);
    CHECK(r.value.details[0].ccy == "USDT");
    CHECK(r.value.details[0].avail_bal == decimal(900, 0));
    CHECK(r.value.details[0].frozen_bal == decimal(100, 0));
    CHECK(r.value.details[1].eq == *decimal::parse("1.06126645222"));
    CHECK(r.value.details[0].liab.is_zero()); // "" on a plain spot account
    CHECK(r.value.details[1].liab == *decimal::parse("0.05"));
    CHECK(parse_balance(R"({"code":"0","msg":"","data":[{"totalEq":"1"}]})").err.kind ==
          error_kind::bad_response);
    CHECK(
        parse_balance(R"({"code":"50105","msg":"passphrase incorrect","data":[]})", 401).err.kind ==
        error_kind::auth);
}

TEST_CASE("okx order acks: success and per-item rejection", "[unit][okx]") {
    SECTION("spec success") {
        auto r = parse_order_ack(
            R"({"code":"0","msg":"","data":[{"clOrdId":"oktswap6","ordId":"312269865356374016","tag":"","ts":"1695190491421","sCode":"0","sMsg":"","subCode":""}],"inTime":"1695190491421339","outTime":"1695190491423240"})");
        REQUIRE(r.ok());
        CHECK(r.value.ord_id == "312269865356374016");
        CHECK(r.value.cl_ord_id == "oktswap6");
        CHECK(r.value.ts_ms == 1695190491421);
    }
    SECTION("ccxt fixture") {
        auto r = parse_order_ack(
            R"({"code":"0","data":[{"clOrdId":"6b9ad766b55dBCDE63969a1144bfb943","ordId":"2896576259728695296","sCode":"0","sMsg":"Order placed","tag":"6b9ad766b55dBCDE","ts":"1758827099512"}],"inTime":"1758827099511856","msg":"","outTime":"1758827099513562"})");
        REQUIRE(r.ok());
        CHECK(r.value.ord_id == "2896576259728695296");
    }
    SECTION("51008 with subCode inside code 1") {
        auto r = parse_order_ack(
            R"({"code":"1","msg":"All operations failed","data":[{"clOrdId":"e847386590ce4dBC898c","ordId":"","sCode":"51008","sMsg":"Order failed. Your available USDT balance is insufficient","subCode":"1000","tag":"e847386590ce4dBC","ts":"1776832739647"}],"inTime":"1","outTime":"2"})",
            200);
        CHECK(r.err.kind == error_kind::insufficient_funds);
        CHECK(r.err.code == 51008);
        CHECK(r.err.sub_code == 1000);
        CHECK(r.err.http_status == 200);
        CHECK(r.err.message.view().find("insufficient") != std::string_view::npos);
    }
    SECTION("duplicate clOrdId, cancel races") {
        CHECK(
            parse_order_ack(
                R"({"code":"1","msg":"","data":[{"ordId":"","sCode":"51016","sMsg":"Duplicated clOrdId"}]})")
                .err.kind == error_kind::duplicate_id);
        CHECK(
            parse_order_ack(
                R"({"code":"1","msg":"","data":[{"ordId":"1","sCode":"51400","sMsg":"Cancellation failed"}]})")
                .err.kind == error_kind::already_done);
    }
    SECTION("code 1 without items is still an error") {
        CHECK_FALSE(
            parse_order_ack(R"({"code":"1","msg":"All operations failed","data":[]})").ok());
    }
    SECTION("success item without ordId is malformed; wrong sCode type too") {
        CHECK(parse_order_ack(R"({"code":"0","msg":"","data":[{"sCode":"0"}]})").err.kind ==
              error_kind::bad_response);
        CHECK(
            parse_order_ack(R"({"code":"0","msg":"","data":[{"ordId":"1","sCode":0}]})").err.kind ==
            error_kind::bad_response);
    }
}

TEST_CASE("okx order details", "[unit][okx]") {
    const std::string row =
        R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","ordId":"680800019749904384","clOrdId":"b15","tag":"","ordType":"market","side":"buy","tdMode":"cash","tgtCcy":"base_ccy","posSide":"","px":"","sz":"0.00192834","accFillSz":"0.00192834","fillPx":"51858","fillSz":"0.00192834","fillTime":"1708587373361","tradeId":"744876980","avgPx":"51858","fee":"-0.00000192834","feeCcy":"BTC","rebate":"0","rebateCcy":"USDT","state":"filled","category":"normal","source":"","cancelSource":"","cTime":"1708587373300","uTime":"1708587373362","attachAlgoOrds":[],"linkedAlgoOrd":{"algoId":""},"isTpLimit":"false"}]})";
    auto r = parse_order_detail(row);
    REQUIRE(r.ok());
    const auto& o = r.value;
    CHECK(o.ord_id == "680800019749904384");
    CHECK(o.cl_ord_id == "b15");
    CHECK(o.state == order_state::filled);
    CHECK(o.px.is_zero());
    CHECK(o.acc_fill_sz == *decimal::parse("0.00192834"));
    CHECK(o.avg_px == decimal(51858, 0));
    CHECK(o.fee == *decimal::parse("-0.00000192834"));
    CHECK(o.fee_ccy == "BTC");
    CHECK(o.trade_id == "744876980");
    CHECK(o.c_time_ms == 1708587373300);
    SECTION("empty data → not_found, 51603 → not_found") {
        CHECK(parse_order_detail(R"({"code":"0","msg":"","data":[]})").err.kind ==
              error_kind::not_found);
        CHECK(parse_order_detail(R"({"code":"51603","msg":"Order does not exist","data":[]})")
                  .err.kind == error_kind::not_found);
    }
    SECTION("unknown state, missing accFillSz") {
        CHECK(
            parse_order_detail(
                R"({"code":"0","msg":"","data":[{"instId":"A","ordId":"1","state":"weird","accFillSz":"0"}]})")
                .err.kind == error_kind::bad_response);
        CHECK(parse_order_detail(
                  R"({"code":"0","msg":"","data":[{"instId":"A","ordId":"1","state":"live"}]})")
                  .err.kind == error_kind::bad_response);
    }
}

TEST_CASE("okx fills", "[unit][okx]") {
    auto r = parse_fills(
        R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","tradeId":"744876980","ordId":"680800019749904384","clOrdId":"","billId":"680800019754098688","subType":"1","tag":"","fillPx":"51858","fillSz":"0.00192834","side":"buy","posSide":"net","execType":"T","feeCcy":"BTC","fee":"-0.00000192834","feeRate":"-0.001","fillTime":"1708587373361","ts":"1708587373362","tradeQuoteCcy":"USDT"}]})");
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    CHECK(r.value[0].exec_type == "T");
    CHECK(r.value[0].fill_px == decimal(51858, 0));
    CHECK(r.value[0].fee_ccy == "BTC");
    CHECK(r.value[0].fill_time_ms == 1708587373361);
    CHECK(parse_fills(R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT"}]})").err.kind ==
          error_kind::bad_response);
}

TEST_CASE("okx algo orders", "[unit][okx]") {
    SECTION("place ack") {
        auto r = parse_algo_ack(
            R"({"code":"0","msg":"","data":[{"algoId":"1836487817828872192","algoClOrdId":"order1234","clOrdId":"","sCode":"0","sMsg":"","tag":""}]})");
        REQUIRE(r.ok());
        CHECK(r.value.algo_id == "1836487817828872192");
        CHECK(r.value.algo_cl_ord_id == "order1234");
        CHECK(
            parse_algo_ack(
                R"({"code":"1","msg":"","data":[{"algoId":"","sCode":"51277","sMsg":"TP trigger price cannot be lower than the last price"}]})")
                .err.kind == error_kind::invalid_order);
    }
    SECTION("cancel-algos: triggered race") {
        auto r = parse_cancel_algos(
            R"({"code":"1","msg":"","data":[{"algoId":"590919993110396111","sCode":"51412","sMsg":"The order has been triggered and can't be canceled","algoClOrdId":"","clOrdId":"","tag":""}]})");
        CHECK(r.err.kind == error_kind::already_triggered);
        CHECK(r.err.code == 51412);
        CHECK(parse_cancel_algos(
                  R"({"code":"1","msg":"","data":[{"algoId":"1","sCode":"51416","sMsg":""}]})")
                  .err.kind == error_kind::already_triggered);
        auto ok = parse_cancel_algos(
            R"({"code":"0","msg":"","data":[{"algoId":"1","sCode":"0","sMsg":""}]})");
        REQUIRE(ok.ok());
        CHECK(ok.value.size() == 1);
    }
    SECTION("fired OCO row") {
        auto r = parse_algo_orders(
            R"({"code":"0","msg":"","data":[{"algoId":"590919993110396111","algoClOrdId":"oco1","instType":"SPOT","instId":"BTC-USDT","ordType":"oco","side":"sell","tdMode":"cash","sz":"0.001","tgtCcy":"","tpTriggerPx":"52000","tpTriggerPxType":"last","tpOrdPx":"-1","slTriggerPx":"49000","slTriggerPxType":"last","slOrdPx":"-1","state":"effective","actualSide":"sl","actualPx":"48990","actualSz":"0.001","triggerTime":"1700000001000","ordId":"","ordIdList":["680800019749904999"],"failCode":"","linkedOrd":{"ordId":""},"last":"50000","cTime":"1700000000000","uTime":"1700000001000"}]})");
        REQUIRE(r.ok());
        REQUIRE(r.value.size() == 1);
        const auto& a = r.value[0];
        CHECK(a.state == algo_state::effective);
        CHECK(a.actual_side == "sl");
        CHECK(a.ord_id == "680800019749904999");
        CHECK(a.tp_ord_px == decimal(-1, 0));
        CHECK(a.sl_trigger_px == decimal(49000, 0));
        CHECK(a.trigger_time_ms == 1700000001000);
        CHECK(
            parse_algo_orders(
                R"({"code":"0","msg":"","data":[{"algoId":"1","instId":"A","state":"live","ordIdList":"x"}]})")
                .err.kind == error_kind::bad_response);
    }
}
