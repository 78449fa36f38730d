// Conformance: bodies retyped from OKX's documentation (tests/okx/fixtures/README.md names each
// page) go through the bot's own parsers, and the WS order builder is checked field by field
// against the documented request example.
#include "common/okx/parse.hpp"
#include "common/okx/requests.hpp"
#include "common/okx/ws_parser.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

using namespace scalpel;
using namespace scalpel::okx;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(SCALPEL_SOURCE_DIR) + "/tests/okx/fixtures/" + name);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every field of the documented object is in ours with the same string value, and ours has no
// field the documentation's lacks.
void same_fields(simdjson::dom::object doc, simdjson::dom::object ours) {
    std::size_t n_doc = 0, n_ours = 0;
    for (auto [key, value] : doc) {
        ++n_doc;
        INFO(key);
        CHECK(std::string_view(ours[key]) == std::string_view(value));
    }
    for (auto field : ours) {
        (void)field;
        ++n_ours;
    }
    CHECK(n_ours == n_doc);
}

} // namespace

TEST_CASE("okx fixtures: account/config (docs example)", "[unit][okx]") {
    const auto r = parse_account_config(fixture("rest_account_config.json"));
    REQUIRE(r.ok());
    CHECK(r.value.acct_lv == 2);
    CHECK(r.value.uid == "44705892343619584");
    CHECK(r.value.main_uid == "44705892343619584");
    CHECK(r.value.perm == "read_only,withdraw,trade");
    CHECK(r.value.pos_mode == "long_short_mode");
    CHECK(spot_td_mode(r.value.acct_lv) == td_mode::cash); // Futures mode: SPOT cash
}

TEST_CASE("okx fixtures: public/instruments row with an integer instIdCode (docs example)",
          "[unit][okx]") {
    const auto r = parse_instruments(fixture("rest_public_instruments.json"));
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    const auto& i = r.value[0];
    CHECK(i.inst_id == "BTC-USDT");
    CHECK(i.inst_type == "SPOT");
    CHECK(i.base_ccy == "BTC");
    CHECK(i.quote_ccy == "USDT");
    CHECK(i.tick_sz.str() == "0.1");
    CHECK(i.lot_sz.str() == "0.00000001");
    CHECK(i.min_sz.str() == "0.00001");
    CHECK(i.state == "live");
    CHECK(i.inst_id_code == 1000000000);
}

TEST_CASE("okx fixtures: the WS place-order builder matches the documented request",
          "[unit][okx]") {
    // The documented example: {"id":"1512","op":"order","args":[{"side":"buy","instIdCode":123456,
    // "tdMode":"isolated","ordType":"market","sz":"100"}]}. We never trade isolated; the same
    // request in our modes must carry the same fields with the same JSON types, and no instId.
    simdjson::dom::parser doc_parser;
    const simdjson::padded_string doc_text(fixture("ws_order_request.json"));
    simdjson::dom::element doc = doc_parser.parse(doc_text);
    simdjson::dom::element doc_arg = doc["args"].at(0);

    place_order_req r;
    r.inst_id = "BTC-USDT";
    r.inst_id_code = 123456;
    r.side = order_side::buy;
    r.ord_type = ord_type::market;
    r.sz = *decimal::parse("100");
    char buf[512];
    const std::size_t n = write_ws_order("1512", r, buf, sizeof buf);
    REQUIRE(n > 0);
    simdjson::dom::parser ours_parser;
    simdjson::dom::element ours = ours_parser.parse(buf, n);
    CHECK(std::string_view(ours["id"]) == std::string_view(doc["id"]));
    CHECK(std::string_view(ours["op"]) == std::string_view(doc["op"]));
    simdjson::dom::element arg = ours["args"].at(0);
    CHECK(arg["instIdCode"].type().value() == simdjson::dom::element_type::INT64);
    CHECK(std::int64_t(arg["instIdCode"]) == std::int64_t(doc_arg["instIdCode"]));
    for (const char* key : {"side", "ordType", "sz"})
        CHECK(std::string_view(arg[key]) == std::string_view(doc_arg[key]));
    CHECK(arg["tdMode"].type().value() == simdjson::dom::element_type::STRING);
    CHECK(arg["instId"].error() == simdjson::NO_SUCH_FIELD);
    CHECK(doc_arg["instId"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("okx fixtures: WS order op replies and events (docs examples)", "[unit][okx]") {
    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_order_reply_ok.json"), *m) == ws_msg::op_reply);
    CHECK(m->op == "order");
    CHECK(m->id == "1512");
    CHECK(m->err.ok());
    REQUIRE(m->n_rows == 1);
    CHECK(m->acks[0].ord_id == "12345689");
    CHECK(m->acks[0].ts_ms == 1695190491421);

    // The documentation's failure example carries the placeholder sCode "5XXXX": never a real
    // answer, and not a number: it is reported as malformed rather than read as success.
    CHECK(p.parse(fixture("ws_order_reply_fail.json"), *m) == ws_msg::malformed);

    REQUIRE(p.parse(fixture("ws_order_reply_instidcode_empty.json"), *m) == ws_msg::op_reply);
    CHECK_FALSE(m->err.ok());
    REQUIRE(m->n_rows == 1);
    CHECK(m->ack_errs[0].code == 50014);
    CHECK(m->acks[0].cl_ord_id == "c1");

    REQUIRE(p.parse(fixture("ws_order_reply_format_error.json"), *m) == ws_msg::op_reply);
    CHECK(m->err.code == 60013);
    CHECK(m->n_rows == 0);

    CHECK(p.parse(fixture("ws_subscribe_ok.json"), *m) == ws_msg::subscribe);
    CHECK(m->channel == "instruments");
    REQUIRE(p.parse(fixture("ws_subscribe_error.json"), *m) == ws_msg::error);
    CHECK(m->err.code == 60012);

    // 24 characters: once too long for the event field, the frame was dropped as malformed.
    REQUIRE(p.parse(fixture("ws_channel_conn_count_error.json"), *m) ==
            ws_msg::subscription_terminated);
    CHECK(m->channel == "orders");
    CHECK_FALSE(m->err.ok());
}

TEST_CASE("okx fixtures: orders channel push (docs example)", "[unit][okx]") {
    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_orders_push.json"), *m) == ws_msg::orders);
    REQUIRE(m->n_rows == 1);
    const auto& o = m->orders[0];
    CHECK(o.inst_id == "BTC-USDT");
    CHECK(o.ord_id == "452197707845865472");
    CHECK(o.state == order_state::filled);
    CHECK(o.side == "sell");
    CHECK(o.ord_type == "limit");
    CHECK(o.acc_fill_sz.str() == "0.001");
    CHECK(o.avg_px.str() == "31527.1");
    CHECK(o.fee.str() == "-0.02522168"); // negative: charged
    CHECK(o.fee_ccy == "USDT");
    CHECK(o.fill_px.str() == "31527.1");
    CHECK(o.fill_sz.str() == "0.001");
    CHECK(o.fill_fee.str() == "-0.02522168");
    CHECK(o.fill_fee_ccy == "USDT");
    CHECK(o.trade_id == "242589207");
    CHECK(o.exec_type == "M");
    CHECK(o.fill_time_ms == 1654084353263);
    CHECK(o.u_time_ms == 1654084353264);
}

TEST_CASE("okx fixtures: orders-algo channel push (docs example)", "[unit][okx]") {
    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_orders_algo_push.json"), *m) == ws_msg::orders_algo);
    REQUIRE(m->n_rows == 1);
    const auto& a = m->algos[0];
    CHECK(a.algo_id == "581878926302093312");
    CHECK(a.inst_id == "BTC-USDC");
    CHECK(a.ord_type == "conditional");
    CHECK(a.side == "buy");
    CHECK(a.state == algo_state::live);
    CHECK(a.sz.str() == "11");
    CHECK(a.tp_trigger_px.str() == "1");
    CHECK(a.tp_ord_px.str() == "-1"); // market on trigger
    CHECK(a.actual_side.empty());     // not fired
    CHECK(a.ord_id.empty());          // ordIdList is []
    CHECK(a.trigger_time_ms == 0);    // "" before it fires
    CHECK(a.c_time_ms == 1685002746818);
    CHECK(a.u_time_ms == 1708679675245);
}

TEST_CASE("okx fixtures: REST place order, builder field by field and the reply (docs example)",
          "[unit][okx]") {
    simdjson::dom::parser doc_parser;
    const simdjson::padded_string doc_text(fixture("rest_place_order_request.json"));
    simdjson::dom::element doc = doc_parser.parse(doc_text);
    place_order_req r;
    r.inst_id = "BTC-USDT";
    r.inst_id_code = 123456; // REST never sends the code
    r.td_mode = td_mode::cash;
    r.cl_ord_id = "b15";
    r.side = order_side::buy;
    r.ord_type = ord_type::limit;
    r.px = *decimal::parse("2.15");
    r.sz = *decimal::parse("2");
    const std::string body = place_order_body(r);
    simdjson::dom::parser ours_parser;
    simdjson::dom::element ours = ours_parser.parse(body);
    same_fields(doc, ours); // nothing extra (no instIdCode on REST)

    const auto ack = parse_order_ack(fixture("rest_place_order_reply.json"));
    REQUIRE(ack.ok());
    CHECK(ack.value.ord_id == "312269865356374016");
    CHECK(ack.value.cl_ord_id == "oktswap6");
    CHECK(ack.value.ts_ms == 1695190491421);
}

TEST_CASE("okx fixtures: algo order and cancel-algos builders field by field (docs examples)",
          "[unit][okx]") {
    simdjson::dom::parser dp, op;
    const simdjson::padded_string algo_doc(fixture("rest_place_algo_request.json"));
    algo_order_req a;
    a.inst_id = "BTC-USDT";
    a.td_mode = td_mode::cross;
    a.side = order_side::buy;
    a.sz = *decimal::parse("2");
    a.tgt_ccy = tgt_ccy::none; // the example leaves sz in OKX's default unit
    a.has_tp = true;
    a.tp_trigger_px = *decimal::parse("15");
    a.tp_ord_px = *decimal::parse("18");
    const std::string algo_body = algo_order_body(a);
    same_fields(dp.parse(algo_doc), op.parse(algo_body));

    const simdjson::padded_string cancel_doc(fixture("rest_cancel_algos_request.json"));
    const cancel_algo_req reqs[] = {{"BTC-USDT", "590919993110396111", ""},
                                    {"BTC-USDT", "590920138287841222", ""}};
    const std::string cancel_body = cancel_algos_body(reqs, 2);
    simdjson::dom::array doc_arr = dp.parse(cancel_doc);
    simdjson::dom::parser op2;
    simdjson::dom::array our_arr = op2.parse(cancel_body);
    REQUIRE(doc_arr.size() == our_arr.size());
    for (std::size_t i = 0; i < doc_arr.size(); ++i)
        same_fields(doc_arr.at(i), our_arr.at(i));

    const auto acks = parse_cancel_algos(fixture("rest_cancel_algos_reply.json"));
    REQUIRE(acks.ok());
    REQUIRE(acks.value.size() == 1);
    CHECK(acks.value[0].algo_id == "1836489397437468672");
}

TEST_CASE("okx fixtures: tickers push through both ticker parsers (docs example)", "[unit][okx]") {
    const std::string frame = fixture("ws_tickers_push.json");
    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(frame, *m) == ws_msg::ticker);
    ticker fast;
    REQUIRE(p.parse_ticker(frame, fast).ok()); // the guard's hot path
    for (const ticker* t : {&m->tick, &fast}) {
        CHECK(t->inst_id == "BTC-USDT");
        CHECK(t->last == 9999.99);
        CHECK(t->last_sz == 0.1);
        CHECK(t->ask_px == 9999.99);
        CHECK(t->ask_sz == 11);
        CHECK(t->bid_px == 8888.88);
        CHECK(t->bid_sz == 5);
        CHECK(t->ts_ms == 1597026383085);
    }
}

TEST_CASE("okx fixtures: GET order details, request path and response (docs example)",
          "[unit][okx]") {
    // The documented request carries the same two parameters (ordId, instId); ours puts instId
    // first, which the signature covers as sent.
    CHECK(path_order("BTC-USDT", "1753197687182819328", "") ==
          "/api/v5/trade/order?instId=BTC-USDT&ordId=1753197687182819328");
    const auto r = parse_order_detail(fixture("rest_order_details.json"));
    REQUIRE(r.ok());
    const auto& o = r.value;
    CHECK(o.inst_id == "BTC-USDT");
    CHECK(o.ord_id == "680800019749904384");
    CHECK(o.state == order_state::filled);
    CHECK(o.side == "buy");
    CHECK(o.ord_type == "market");
    CHECK(o.tgt_ccy == "quote_ccy");
    CHECK(o.sz.str() == "100");                 // quote units (tgtCcy)
    CHECK(o.acc_fill_sz.str() == "0.00192834"); // always base units
    CHECK(o.avg_px.str() == "51858");
    CHECK(o.fee.str() == "-0.00000192834");
    CHECK(o.fee_ccy == "BTC"); // a spot buy pays its fee in the base currency
    CHECK(o.px.str() == "0");  // "" for a market order
    CHECK(o.trade_id == "744876980");
    CHECK(o.fill_time_ms == 1708587373361);
}

TEST_CASE("okx fixtures: account/balance request and response (docs example)", "[unit][okx]") {
    CHECK(path_balance("BTC,ETH") == "/api/v5/account/balance?ccy=BTC,ETH");
    const auto r = parse_balance(fixture("rest_account_balance.json"));
    REQUIRE(r.ok());
    CHECK(r.value.total_eq.str() == "55837.43556134779");
    CHECK(r.value.u_time_ms == 1705474164160);
    REQUIRE(r.value.details.size() == 1);
    const auto& d = r.value.details[0];
    CHECK(d.ccy == "USDT");
    CHECK(d.avail_bal.str() == "4834.317093622894");
    CHECK(d.cash_bal.str() == "4850.435693622894");
    CHECK(d.eq.str() == "4992.890093622894");
    CHECK(d.frozen_bal.str() == "158.573");
    CHECK(d.ord_frozen.str() == "0");
    CHECK(d.liab.str() == "0");
    CHECK(d.u_time_ms == 1705449605015);
}

TEST_CASE("okx fixtures: public/time request and response (docs example)", "[unit][okx]") {
    CHECK(path_server_time() == "/api/v5/public/time"); // the documented request
    const auto r = parse_server_time(fixture("rest_public_time.json"));
    REQUIRE(r.ok());
    CHECK(r.value.ts_ms == 1597026383085);
}

TEST_CASE("okx fixtures: candles and history-candles (docs examples)", "[unit][okx]") {
    // The documented history request `?instId=BTC-USDT` (bar and limit left to OKX's defaults).
    CHECK(path_candles("BTC-USDT", "", 0, 0, 0, true) ==
          "/api/v5/market/history-candles?instId=BTC-USDT");
    for (const char* name : {"rest_market_candles.json", "rest_market_history_candles.json"}) {
        INFO(name);
        const auto r = parse_candles(fixture(name));
        REQUIRE(r.ok());
        REQUIRE(r.value.size() == 2);
        const auto& a = r.value[0];
        CHECK(a.bar.open_time_ms == 1597026383085);
        CHECK(a.bar.open == 3.721);
        CHECK(a.bar.high == 3.743);
        CHECK(a.bar.low == 3.677);
        CHECK(a.bar.close == 3.708);
        CHECK(a.bar.volume == 8422410); // vol: base currency on SPOT (not volCcy)
        CHECK(a.vol_ccy_quote == 12698348.04828491);
        const auto& b = r.value[1];
        CHECK(b.bar.open == 3.731);
        CHECK(b.bar.high == 3.799);
        CHECK(b.bar.low == 3.494);
        CHECK(b.bar.close == 3.72);
        CHECK(b.bar.volume == 24912403);
        CHECK(b.vol_ccy_quote == 37632347.24399722);
        CHECK(b.confirmed);
    }
    // candles: the newest row is the bar still forming (confirm "0"); history rows are all closed.
    CHECK_FALSE(parse_candles(fixture("rest_market_candles.json")).value[0].confirmed);
    CHECK(parse_candles(fixture("rest_market_history_candles.json")).value[0].confirmed);
}

TEST_CASE("okx fixtures: trade fills and fills-history (docs examples)", "[unit][okx]") {
    for (const char* name : {"rest_trade_fills.json", "rest_trade_fills_history.json"}) {
        INFO(name);
        const auto r = parse_fills(fixture(name));
        REQUIRE(r.ok());
        REQUIRE(r.value.size() == 1);
        const auto& f = r.value[0];
        CHECK(f.inst_id == "BTC-USDT");
        CHECK(f.trade_id == "744876980");
        CHECK(f.ord_id == "680800019749904384");
        CHECK(f.cl_ord_id.empty());
        CHECK(f.bill_id == "680800019754098688");
        CHECK(f.side == "buy");
        CHECK(f.exec_type == "T");
        CHECK(f.fill_px.str() == "51858");
        CHECK(f.fill_sz.str() == "0.00192834");
        CHECK(f.fee.str() == "-0.00000192834"); // negative: charged
        CHECK(f.fee_ccy == "BTC");              // a spot buy pays its fee in the base currency
        CHECK(f.fill_time_ms == 1708587373361);
        CHECK(f.ts_ms == 1708587373362);
    }
}

TEST_CASE("okx fixtures: algo order details and pending list (docs examples)", "[unit][okx]") {
    // Both documented requests, byte for byte.
    CHECK(path_algo_order("1753184812254216192", "") ==
          "/api/v5/trade/order-algo?algoId=1753184812254216192");
    CHECK(path_algos_pending("conditional") ==
          "/api/v5/trade/orders-algo-pending?ordType=conditional");
    for (const char* name : {"rest_algo_order_details.json", "rest_algos_pending.json"}) {
        INFO(name);
        const auto r = parse_algo_orders(fixture(name));
        REQUIRE(r.ok());
        REQUIRE(r.value.size() == 1);
        const auto& a = r.value[0];
        CHECK(a.algo_id == "1753184812254216192");
        CHECK(a.algo_cl_ord_id.empty());
        CHECK(a.inst_id == "BTC-USDT");
        CHECK(a.ord_type == "conditional");
        CHECK(a.side == "buy");
        CHECK(a.state == algo_state::live);
        CHECK(a.sz.str() == "10");
        CHECK(a.tp_trigger_px.str() == "10000");
        CHECK(a.tp_ord_px.str() == "-1");    // market on trigger
        CHECK(a.sl_trigger_px.str() == "0"); // "" : no stop-loss leg
        CHECK(a.sl_ord_px.str() == "0");
        CHECK(a.actual_side.empty());
        CHECK(a.actual_sz.str() == "0");
        CHECK(a.ord_id.empty()); // ordId "" and ordIdList []
        CHECK(a.fail_code == "0");
        CHECK(a.trigger_time_ms == 0);
        CHECK(a.c_time_ms == 1724751378980);
        CHECK(a.u_time_ms == 1724751378980);
    }
}

TEST_CASE("okx fixtures: algo order history, a fired OCO (docs example)", "[unit][okx]") {
    CHECK(path_algos_history("conditional", "effective") ==
          "/api/v5/trade/orders-algo-history?ordType=conditional&state=effective");
    const auto r = parse_algo_orders(fixture("rest_algos_history.json"));
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    const auto& a = r.value[0];
    CHECK(a.algo_id == "1880721064716505088");
    CHECK(a.inst_id == "BTC-USDT-SWAP");
    CHECK(a.ord_type == "oco");
    CHECK(a.side == "sell");
    CHECK(a.state == algo_state::effective);
    CHECK(a.sz.str() == "100");
    CHECK(a.tp_trigger_px.str() == "63000");
    CHECK(a.tp_ord_px.str() == "-1");
    CHECK(a.sl_trigger_px.str() == "57000");
    CHECK(a.sl_ord_px.str() == "-1");
    CHECK(a.actual_side == "tp"); // the take-profit leg fired
    CHECK(a.actual_sz.str() == "100");
    CHECK(a.actual_px.str() == "0"); // "" (market)
    CHECK(a.ord_id == "1884789786215137280");
    CHECK(a.fail_code == "1");
    CHECK(a.trigger_time_ms == 1728673513447);
    CHECK(a.c_time_ms == 1728552255493);
    CHECK(a.u_time_ms == 1728673513447);
}

TEST_CASE("okx fixtures: WS login request, success and failure events (docs examples)",
          "[unit][okx]") {
    // Our frame carries exactly the documented fields, all strings, timestamp in epoch seconds.
    simdjson::dom::parser dp, op;
    const simdjson::padded_string doc_text(fixture("ws_login_request.json"));
    simdjson::dom::element doc = dp.parse(doc_text);
    const std::string frame = ws_login_frame("******", "secret", "******", 1538054050);
    simdjson::dom::element ours = op.parse(frame);
    CHECK(std::string_view(ours["op"]) == std::string_view(doc["op"]));
    REQUIRE(simdjson::dom::array(ours["args"]).size() == 1);
    simdjson::dom::object doc_arg = doc["args"].at(0);
    simdjson::dom::object our_arg = ours["args"].at(0);
    std::size_t n_ours = 0;
    for (auto field : our_arg) {
        (void)field;
        ++n_ours;
    }
    CHECK(n_ours == 4);
    for (const char* key : {"apiKey", "passphrase", "timestamp"})
        CHECK(std::string_view(our_arg[key]) == std::string_view(doc_arg[key]));
    CHECK(std::string_view(our_arg["sign"]).size() == std::string_view(doc_arg["sign"]).size());

    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_login_ok.json"), *m) == ws_msg::login);
    CHECK(m->err.ok());
    REQUIRE(p.parse(fixture("ws_login_error.json"), *m) == ws_msg::error);
    CHECK(m->err.code == 60009);
    CHECK(m->err.message == "Login failed.");
}

TEST_CASE("okx fixtures: market/ticker request and response (docs example)", "[unit][okx]") {
    CHECK(path_ticker("BTC-USD-SWAP") == "/api/v5/market/ticker?instId=BTC-USD-SWAP");
    const auto r = parse_tickers(fixture("rest_market_ticker.json"));
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    const auto& t = r.value[0];
    CHECK(t.inst_id == "BTC-USD-SWAP");
    CHECK(t.last == 9999.99);
    CHECK(t.last_sz == 0.1);
    CHECK(t.ask_px == 9999.99);
    CHECK(t.ask_sz == 11);
    CHECK(t.bid_px == 8888.88);
    CHECK(t.bid_sz == 5);
    CHECK(t.ts_ms == 1597026383085);
}

TEST_CASE("okx fixtures: REST cancel-order, builder field by field and the reply (docs example)",
          "[unit][okx]") {
    simdjson::dom::parser dp, op;
    const simdjson::padded_string doc(fixture("rest_cancel_order_request.json"));
    cancel_order_req c;
    c.inst_id = "BTC-USD-190927";
    c.ord_id = "590908157585625111";
    c.cl_ord_id = "ignored"; // ordId wins; the body carries one id only
    c.inst_id_code = 123456; // REST never sends the code
    const std::string body = cancel_order_body(c);
    same_fields(dp.parse(doc), op.parse(body));

    const auto ack = parse_order_ack(fixture("rest_cancel_order_reply.json"));
    REQUIRE(ack.ok());
    CHECK(ack.value.ord_id == "12345689");
    CHECK(ack.value.cl_ord_id == "oktswap6");
    CHECK(ack.value.ts_ms == 1695190491421);
}

TEST_CASE("okx fixtures: WS cancel-order, builder field by field and the replies (docs examples)",
          "[unit][okx]") {
    simdjson::dom::parser dp, op;
    const simdjson::padded_string doc_text(fixture("ws_cancel_order_request.json"));
    simdjson::dom::element doc = dp.parse(doc_text);
    cancel_order_req c;
    c.inst_id = "BTC-USDT";
    c.inst_id_code = 123456;
    c.ord_id = "2510789768709120";
    char buf[256];
    const std::size_t n = write_ws_cancel_order("1514", c, buf, sizeof buf);
    REQUIRE(n > 0);
    simdjson::dom::element ours = op.parse(buf, n);
    CHECK(std::string_view(ours["id"]) == std::string_view(doc["id"]));
    CHECK(std::string_view(ours["op"]) == std::string_view(doc["op"]));
    simdjson::dom::object doc_arg = doc["args"].at(0);
    simdjson::dom::object arg = ours["args"].at(0);
    CHECK(arg["instIdCode"].type().value() == simdjson::dom::element_type::INT64);
    CHECK(std::int64_t(arg["instIdCode"]) == std::int64_t(doc_arg["instIdCode"]));
    CHECK(std::string_view(arg["ordId"]) == std::string_view(doc_arg["ordId"]));
    std::size_t n_fields = 0;
    for (auto field : arg) {
        (void)field;
        ++n_fields;
    }
    CHECK(n_fields == 2); // no instId (delisted from the WS order operations)

    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_cancel_order_reply_ok.json"), *m) == ws_msg::op_reply);
    CHECK(m->op == "cancel-order");
    CHECK(m->id == "1514");
    CHECK(m->err.ok());
    REQUIRE(m->n_rows == 1);
    CHECK(m->ack_errs[0].ok());
    CHECK(m->acks[0].ord_id == "2510789768709120");
    CHECK(m->acks[0].cl_ord_id.empty());
    CHECK(m->acks[0].ts_ms == 1695190491421);

    REQUIRE(p.parse(fixture("ws_cancel_order_reply_format_error.json"), *m) == ws_msg::op_reply);
    CHECK(m->op == "cancel-order");
    CHECK(m->err.code == 60013);
    CHECK(m->n_rows == 0);
}

TEST_CASE("okx fixtures: tickers and orders subscriptions, request and events (docs examples)",
          "[unit][okx]") {
    simdjson::dom::parser dp, op;
    const simdjson::padded_string doc_text(fixture("ws_tickers_subscribe_request.json"));
    simdjson::dom::element doc = dp.parse(doc_text);
    const ws_sub sub{"tickers", "BTC-USDT", ""}; // as guard_service subscribes
    const std::string frame = ws_subscribe_frame(&sub, 1);
    simdjson::dom::element ours = op.parse(frame);
    CHECK(std::string_view(ours["op"]) == std::string_view(doc["op"]));
    REQUIRE(simdjson::dom::array(ours["args"]).size() == 1);
    same_fields(doc["args"].at(0), ours["args"].at(0));

    ws_frame_parser p;
    auto m = std::make_unique<ws_message>();
    REQUIRE(p.parse(fixture("ws_tickers_subscribe_ok.json"), *m) == ws_msg::subscribe);
    CHECK(m->channel == "tickers");
    CHECK(m->inst_id == "BTC-USDT");
    REQUIRE(p.parse(fixture("ws_tickers_subscribe_error.json"), *m) == ws_msg::error);
    CHECK(m->err.code == 60012);
    CHECK(m->inst_id.empty()); // a malformed request names no single argument
    // A refused argument (an instId OKX does not list): the event has no `arg`, the text names it.
    REQUIRE(p.parse(fixture("ws_tickers_subscribe_error_60018.json"), *m) == ws_msg::error);
    CHECK(m->err.code == subscription_refused_code);
    CHECK(m->err.kind == error_kind::bad_request);
    CHECK(m->channel == "tickers");
    CHECK(m->inst_id == "BTC-USDX");
    REQUIRE(p.parse(fixture("ws_orders_subscribe_ok.json"), *m) == ws_msg::subscribe);
    CHECK(m->channel == "orders");
    CHECK(m->inst_id == "BTC-USD-200329");
}

TEST_CASE("okx fixtures: orders-pending, a resting post-only buy (docs example)", "[unit][okx]") {
    CHECK(path_orders_pending("SPOT") == "/api/v5/trade/orders-pending?instType=SPOT");
    const auto r = parse_order_details(fixture("rest_orders_pending.json"));
    REQUIRE(r.ok());
    REQUIRE(r.value.size() == 1);
    const auto& o = r.value[0];
    CHECK(o.inst_id == "BTC-USDT");
    CHECK(o.ord_id == "1752588852617379840");
    CHECK(o.cl_ord_id.empty());
    CHECK(o.state == order_state::live);
    CHECK(o.side == "buy");
    CHECK(o.ord_type == "post_only");
    CHECK(o.px.str() == "13013.5");
    CHECK(o.sz.str() == "0.001");
    CHECK(o.acc_fill_sz.str() == "0");
    CHECK(o.avg_px.str() == "0");  // "" before any fill
    CHECK(o.fill_px.str() == "0"); // ""
    CHECK(o.fill_time_ms == 0);    // ""
    CHECK(o.trade_id.empty());
    CHECK(o.fee.str() == "0");
    CHECK(o.fee_ccy == "BTC");
    CHECK(o.source.empty());
    CHECK(o.c_time_ms == 1724733617998);
    CHECK(o.u_time_ms == 1724733617998);
}
