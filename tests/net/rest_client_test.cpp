// rest_client over real loopback sockets against tests/net/support/script_server: typed replies,
// signing headers, keep-alive reuse and reconnect, per-request timeout, 429/50011 back-off with
// retry spacing, 5xx retries on GETs only, malformed replies, and the clOrdId "did it land?"
// protocol for order placement: every place order carries an expTime header and goes out exactly
// once; an unclear answer is resolved by lookups until found or expTime + lookup lag has passed.
#include "common/net/rest_client.hpp"

#include "common/clock.hpp"

#include "common/okx/signing.hpp"
#include "tests/net/support/script_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace scalpel;
using namespace scalpel::net_client;
using scalpel::test::http_reply;
using scalpel::test::http_req;
using scalpel::test::script_server;

namespace {

const credentials test_creds{"test-api-key-0001", "S3CR3T-VALUE-0123456789", "pass-phrase-xyz"};

endpoint_config fast_cfg(std::uint16_t port) {
    auto cfg = endpoint_config::loopback(port);
    cfg.request_timeout = std::chrono::milliseconds(2000);
    cfg.connect_timeout = std::chrono::milliseconds(2000);
    cfg.backoff_base = std::chrono::milliseconds(100);
    cfg.backoff_max = std::chrono::milliseconds(400);
    cfg.max_retries = 3;
    return cfg;
}

constexpr const char* ticker_body =
    R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000.1","lastSz":"0.1","askPx":"50000.2","askSz":"1","bidPx":"50000","bidSz":"2","ts":"1700000000000"}]})";
constexpr const char* order_row =
    R"({"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","ordId":"777","clOrdId":"cid1","side":"buy","ordType":"market","px":"","sz":"0.01","accFillSz":"0.01","avgPx":"50000","fee":"-0.00001","feeCcy":"BTC","state":"filled","cTime":"1700000000001","uTime":"1700000000002"}]})";

} // namespace

TEST_CASE("net_rest: public and signed requests over keep-alive", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req& r) -> http_reply {
        if (r.target.starts_with("/api/v5/market/ticker"))
            return {200, ticker_body};
        if (r.target.starts_with("/api/v5/account/balance"))
            return {
                200,
                R"({"code":"0","msg":"","data":[{"totalEq":"1000","uTime":"1","details":[{"ccy":"USDT","eq":"1000","availBal":"900"}]}]})"};
        if (r.target.starts_with("/api/v5/public/time"))
            return {200, R"({"code":"0","msg":"","data":[{"ts":"42"}]})"};
        return {404, "{}"};
    });
    auto cfg = fast_cfg(srv.port());
    cfg.demo = true;
    rest_session s(cfg, test_creds);

    auto t = s.run(s.client().ticker("BTC-USDT"));
    REQUIRE(t.ok());
    CHECK(t.value.last == 50000.1);
    auto b = s.run(s.client().balance());
    REQUIRE(b.ok());
    CHECK(b.value.details.at(0).avail_bal == decimal(900, 0));
    auto st = s.run(s.client().server_time());
    REQUIRE(st.ok());
    CHECK(st.value.ts_ms == 42);

    const auto reqs = srv.requests();
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[0].target == "/api/v5/market/ticker?instId=BTC-USDT");
    CHECK(reqs[0].headers.count("ok-access-key") == 0); // public: unsigned
    CHECK(reqs[0].headers.at("x-simulated-trading") == "1");
    const auto& p = reqs[1];
    CHECK(p.headers.at("ok-access-key") == test_creds.api_key);
    CHECK(p.headers.at("ok-access-passphrase") == test_creds.passphrase);
    const std::string ts = p.headers.at("ok-access-timestamp");
    CHECK(okx::parse_iso_timestamp(ts) > 0);
    CHECK(p.headers.at("ok-access-sign") ==
          okx::sign_request(test_creds.secret, ts, "GET", p.target, ""));
    // keep-alive: all three on one connection
    CHECK(reqs[0].conn_id == reqs[2].conn_id);
    CHECK(s.client().stats().connects == 1);
    // Nagle off on the socket, read back with getsockopt (closes must not wait for an ACK).
    CHECK(s.client().stats().nodelay_connects == 1);
}

TEST_CASE("net_rest: reconnects when the server closed a kept-alive connection", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req&) {
        http_reply r{200, ticker_body};
        r.close_after = true; // advertises keep-alive, then closes anyway
        return r;
    });
    rest_session s(fast_cfg(srv.port()));
    for (int i = 0; i < 3; ++i) {
        auto t = s.run(s.client().ticker("BTC-USDT"));
        REQUIRE(t.ok());
    }
    CHECK(srv.requests().size() == 3);
    CHECK(s.client().stats().connects >= 3);
}

TEST_CASE("net_rest: per-request timeout", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req&) {
        http_reply r{200, ticker_body};
        r.delay = std::chrono::milliseconds(1500);
        return r;
    });
    auto cfg = fast_cfg(srv.port());
    cfg.request_timeout = std::chrono::milliseconds(200);
    cfg.max_retries = 0;
    rest_session s(cfg);
    const auto t0 = std::chrono::steady_clock::now();
    auto t = s.run(s.client().ticker("BTC-USDT"));
    const auto took = std::chrono::steady_clock::now() - t0;
    CHECK(t.err.kind == okx::error_kind::timeout);
    CHECK(took < std::chrono::milliseconds(1400)); // did not wait for the slow reply
}

TEST_CASE("net_rest: 429 and 50011 back off exponentially, then succeed", "[sim][net]") {
    script_server srv;
    std::atomic<int> n{0};
    srv.on_http([&n](const http_req&) -> http_reply {
        const int i = n++;
        if (i == 0)
            return {429, "Too Many Requests"};
        if (i == 1)
            return {200, R"({"code":"50011","msg":"Too Many Requests","data":[]})"};
        return {200, ticker_body};
    });
    rest_session s(fast_cfg(srv.port()));
    auto t = s.run(s.client().ticker("BTC-USDT"));
    REQUIRE(t.ok());
    const auto reqs = srv.requests();
    REQUIRE(reqs.size() == 3);
    // backoff(n) ∈ [base·2^n / 2, base·2^n]: ≥ 50 ms, then ≥ 100 ms (lower bounds only)
    CHECK(reqs[1].t_ns - reqs[0].t_ns >= 50'000'000);
    CHECK(reqs[2].t_ns - reqs[1].t_ns >= 100'000'000);
    CHECK(s.client().stats().retries == 2);

    SECTION("gives up after max_retries with the rate-limit error") {
        srv.on_http([](const http_req&) -> http_reply {
            return {429, R"({"code":"50011","msg":"Too Many Requests"})"};
        });
        auto cfg = fast_cfg(srv.port());
        cfg.max_retries = 1;
        rest_session s2(cfg);
        auto r = s2.run(s2.client().ticker("BTC-USDT"));
        CHECK(r.err.kind == okx::error_kind::rate_limit);
        CHECK(r.err.code == 50011);
        CHECK(r.err.http_status == 429);
    }
}

TEST_CASE("net_rest: transient errors retry GETs, not order placement without clOrdId",
          "[sim][net]") {
    script_server srv;
    std::atomic<int> n{0};
    srv.on_http([&n](const http_req& r) -> http_reply {
        if (r.method == "POST")
            return {503, R"({"code":"50001","msg":"Service temporarily unavailable","data":[]})"};
        return n++ == 0 ? http_reply{503, "<html>unavailable</html>"}
                        : http_reply{200, ticker_body};
    });
    rest_session s(fast_cfg(srv.port()), test_creds);
    CHECK(s.run(s.client().ticker("BTC-USDT")).ok());
    okx::place_order_req req;
    req.inst_id = "BTC-USDT";
    req.side = order_side::buy;
    req.sz = decimal(1, 2);
    auto o = s.run(s.client().place_order(req));
    // 5xx on a place order does not prove it did not execute; without a clOrdId it stays unknown.
    CHECK(o.err.kind == okx::error_kind::unknown_outcome);
    CHECK(o.err.code == 50001);
    int posts = 0;
    for (const auto& r : srv.requests())
        posts += r.method == "POST";
    CHECK(posts == 1);
}

TEST_CASE("net_rest: malformed replies are bad_response, not retried", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req&) -> http_reply {
        return {200, R"({"code":"0","msg":"","data":[{"instId":)"};
    });
    rest_session s(fast_cfg(srv.port()));
    auto t = s.run(s.client().ticker("BTC-USDT"));
    CHECK(t.err.kind == okx::error_kind::bad_response);
    CHECK(srv.requests().size() == 1);
    srv.on_http([](const http_req&) -> http_reply {
        return {200, R"({"code":"0","msg":"","data":[{"instId":"X"}]})"};
    });
    CHECK(s.run(s.client().ticker("BTC-USDT")).err.kind == okx::error_kind::bad_response);
}

TEST_CASE("net_rest: order placement with clOrdId asks before resending", "[sim][net]") {
    script_server srv;
    okx::place_order_req req;
    req.inst_id = "BTC-USDT";
    req.side = order_side::buy;
    req.ord_type = okx::ord_type::market;
    req.sz = decimal(1, 2);
    req.tgt_ccy = okx::tgt_ccy::base_ccy;
    req.cl_ord_id = "cid1";

    SECTION("first POST lost: never re-sent; absent only once expTime + lookup lag passed") {
        std::atomic<int> posts{0};
        srv.on_http([&posts](const http_req& r) -> http_reply {
            if (r.method == "POST") {
                ++posts;
                return http_reply{200, "", {}, true}; // drop without reply
            }
            return {200, R"({"code":"51603","msg":"Order does not exist","data":[]})"};
        });
        auto cfg = fast_cfg(srv.port());
        cfg.order_deadline = std::chrono::milliseconds(600);
        cfg.order_lookup_lag = std::chrono::milliseconds(400);
        cfg.order_lookup_interval = std::chrono::milliseconds(100);
        rest_session s(cfg, test_creds);
        const std::int64_t before = wall_now_ms();
        const order_placement p = s.run(s.client().submit_order(req));
        const std::int64_t after = wall_now_ms();
        CHECK(p.state == placement_state::absent);
        CHECK(p.err.kind == okx::error_kind::expired);
        CHECK(p.exp_time_ms >= before + 600);
        CHECK(p.exp_time_ms <= after);
        CHECK(after > p.exp_time_ms + 400); // not declared absent before the lag ran out
        CHECK(posts == 1);
        const auto reqs = srv.requests();
        REQUIRE(reqs.size() >= 2);
        CHECK(reqs[0].method == "POST");
        CHECK(reqs[0].headers.at("exptime") == std::to_string(p.exp_time_ms));
        for (std::size_t i = 1; i < reqs.size(); ++i) {
            CHECK(reqs[i].method == "GET");
            CHECK(reqs[i].target == "/api/v5/trade/order?instId=BTC-USDT&clOrdId=cid1");
        }
        CHECK(
            reqs[0].body ==
            R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"cid1","side":"buy","ordType":"market","sz":"0.01","tgtCcy":"base_ccy"})");
    }
    SECTION("an order that shows up late in the lookups is placed, not re-sent") {
        std::atomic<int> gets{0};
        srv.on_http([&gets](const http_req& r) -> http_reply {
            if (r.method == "POST")
                return {
                    200,
                    R"({"code":"1","msg":"","data":[{"clOrdId":"cid1","ordId":"","sCode":"51149","sMsg":"Order timed out, please try again later."}]})"};
            if (gets++ < 2)
                return {200, R"({"code":"51603","msg":"Order does not exist","data":[]})"};
            return {200, order_row};
        });
        auto cfg = fast_cfg(srv.port());
        cfg.order_lookup_interval = std::chrono::milliseconds(50);
        rest_session s(cfg, test_creds);
        req.exp_time_ms = wall_now_ms() + 60'000; // the caller's own deadline is sent as is
        const order_placement p = s.run(s.client().submit_order(req));
        CHECK(p.state == placement_state::placed);
        CHECK(p.ack.ord_id == "777");
        const auto reqs = srv.requests();
        REQUIRE(reqs.size() == 4);
        CHECK(reqs[0].headers.at("exptime") == std::to_string(req.exp_time_ms));
        CHECK(reqs[1].method == "GET");
        CHECK(reqs[3].method == "GET");
    }
    SECTION("lookups that keep failing leave the outcome unknown, never re-sent") {
        srv.on_http([](const http_req& r) -> http_reply {
            if (r.method == "POST")
                return {400, R"({"code":"50004","msg":"Endpoint request timeout","data":[]})"};
            return {503, R"({"code":"50001","msg":"Service temporarily unavailable","data":[]})"};
        });
        auto cfg = fast_cfg(srv.port());
        cfg.max_retries = 0;
        cfg.order_deadline = std::chrono::milliseconds(200);
        cfg.order_lookup_lag = std::chrono::milliseconds(100);
        cfg.order_resolve_timeout = std::chrono::milliseconds(300);
        cfg.order_lookup_interval = std::chrono::milliseconds(50);
        rest_session s(cfg, test_creds);
        const order_placement p = s.run(s.client().submit_order(req));
        CHECK(p.state == placement_state::unknown);
        CHECK(s.run(s.client().place_order(req)).err.kind == okx::error_kind::unknown_outcome);
        int posts = 0;
        for (const auto& r : srv.requests())
            posts += r.method == "POST";
        CHECK(posts == 2); // one per call
    }
    SECTION("first POST landed but the reply was lost: GET finds it, no second POST") {
        srv.on_http([](const http_req& r) -> http_reply {
            if (r.method == "POST")
                return http_reply{200, "", {}, true};
            return {200, order_row};
        });
        rest_session s(fast_cfg(srv.port()), test_creds);
        auto o = s.run(s.client().place_order(req));
        REQUIRE(o.ok());
        CHECK(o.value.ord_id == "777");
        const auto reqs = srv.requests();
        REQUIRE(reqs.size() == 2);
        CHECK(reqs[0].method == "POST");
        CHECK(reqs[1].method == "GET");
    }
    SECTION("50004 unknown outcome → query → found") {
        srv.on_http([](const http_req& r) -> http_reply {
            if (r.method == "POST")
                return {400, R"({"code":"50004","msg":"Endpoint request timeout","data":[]})"};
            return {200, order_row};
        });
        rest_session s(fast_cfg(srv.port()), test_creds);
        auto o = s.run(s.client().place_order(req));
        REQUIRE(o.ok());
        CHECK(srv.requests().size() == 2);
    }
    SECTION("without clOrdId a lost reply is unknown_outcome and never resent") {
        srv.on_http([](const http_req&) -> http_reply { return http_reply{200, "", {}, true}; });
        rest_session s(fast_cfg(srv.port()), test_creds);
        req.cl_ord_id = {};
        auto o = s.run(s.client().place_order(req));
        CHECK(o.err.kind == okx::error_kind::unknown_outcome);
        CHECK(srv.requests().size() == 1);
    }
    SECTION("a business rejection is returned as is") {
        srv.on_http([](const http_req&) -> http_reply {
            return {
                200,
                R"({"code":"1","msg":"All operations failed","data":[{"clOrdId":"cid1","ordId":"","sCode":"51008","sMsg":"Order failed. Your available USDT balance is insufficient","subCode":"1000"}]})"};
        });
        rest_session s(fast_cfg(srv.port()), test_creds);
        auto o = s.run(s.client().place_order(req));
        CHECK(o.err.kind == okx::error_kind::insufficient_funds);
        CHECK(o.err.sub_code == 1000);
        CHECK(srv.requests().size() == 1);
    }
}

TEST_CASE("net_rest: OCO, cancel-algos race and cancel order bodies on the wire", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req& r) -> http_reply {
        if (r.target == "/api/v5/trade/order-algo")
            return {
                200,
                R"({"code":"0","msg":"","data":[{"algoId":"5","algoClOrdId":"oco1","sCode":"0","sMsg":""}]})"};
        if (r.target == "/api/v5/trade/cancel-algos")
            return {
                200,
                R"({"code":"1","msg":"","data":[{"algoId":"5","sCode":"51412","sMsg":"The order has been triggered and can't be canceled"}]})"};
        if (r.target == "/api/v5/trade/cancel-order")
            return {
                200,
                R"({"code":"0","msg":"","data":[{"ordId":"9","clOrdId":"","sCode":"0","sMsg":""}]})"};
        if (r.target.starts_with("/api/v5/trade/order-algo?"))
            return {
                200,
                R"({"code":"0","msg":"","data":[{"algoId":"5","instId":"BTC-USDT","state":"effective","actualSide":"tp","ordId":"99"}]})"};
        return {404, "{}"};
    });
    rest_session s(fast_cfg(srv.port()), test_creds);
    okx::algo_order_req a;
    a.inst_id = "BTC-USDT";
    a.sz = *decimal::parse("0.001");
    a.has_tp = a.has_sl = true;
    a.tp_trigger_px = decimal(52000, 0);
    a.sl_trigger_px = decimal(49000, 0);
    a.algo_cl_ord_id = "oco1";
    auto ack = s.run(s.client().place_algo(a));
    REQUIRE(ack.ok());
    CHECK(ack.value.algo_id == "5");
    auto c = s.run(s.client().cancel_algos({{"BTC-USDT", "5", ""}}));
    CHECK(c.err.kind == okx::error_kind::already_triggered);
    auto fired = s.run(s.client().algo_order("5"));
    REQUIRE(fired.ok());
    CHECK(fired.value.ord_id == "99");
    auto co = s.run(s.client().cancel_order({"BTC-USDT", "9", ""}));
    REQUIRE(co.ok());
    const auto reqs = srv.requests();
    REQUIRE(reqs.size() == 4);
    CHECK(
        reqs[0].body ==
        R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.001","tpTriggerPx":"52000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1","algoClOrdId":"oco1"})");
    CHECK(reqs[0].headers.at("content-type") == "application/json");
    CHECK(reqs[0].headers.at("ok-access-sign") ==
          okx::sign_request(test_creds.secret, reqs[0].headers.at("ok-access-timestamp"), "POST",
                            "/api/v5/trade/order-algo", reqs[0].body));
    CHECK(reqs[1].body == R"([{"instId":"BTC-USDT","algoId":"5"}])");
    CHECK(reqs[2].target == "/api/v5/trade/order-algo?algoId=5");
    CHECK(reqs[3].body == R"({"instId":"BTC-USDT","ordId":"9"})");
}

TEST_CASE("net_rest: private endpoint without credentials; connection refused", "[sim][net]") {
    script_server srv;
    rest_session s(fast_cfg(srv.port()));
    CHECK(s.run(s.client().balance()).err.kind == okx::error_kind::config);
    CHECK(srv.requests().empty());

    auto cfg = fast_cfg(1); // nothing listens on port 1
    cfg.max_retries = 1;
    cfg.backoff_base = std::chrono::milliseconds(10);
    rest_session dead(cfg);
    auto r = dead.run(dead.client().ticker("BTC-USDT"));
    CHECK(r.err.kind == okx::error_kind::network);
}

TEST_CASE("net_rest: TLS to a plain server fails cleanly (TLS really is attempted)", "[sim][net]") {
    script_server srv;
    srv.on_http([](const http_req&) -> http_reply { return {200, ticker_body}; });
    auto cfg = fast_cfg(srv.port());
    cfg.rest = parse_url("https://127.0.0.1:" + std::to_string(srv.port()));
    cfg.max_retries = 0;
    rest_session s(cfg);
    auto r = s.run(s.client().ticker("BTC-USDT"));
    CHECK(r.err.kind == okx::error_kind::network);
    CHECK(srv.requests().empty());
}

TEST_CASE("net_rest: an OCO re-send refused as a duplicate resolves to the first one",
          "[sim][net]") {
    script_server srv;
    std::atomic<int> posts{0}, gets{0};
    srv.on_http([&](const http_req& r) -> http_reply {
        if (r.method == "POST") {
            if (posts++ == 0)
                return http_reply{200, "", {}, true}; // the first send lands, its reply is lost
            return {
                200,
                R"({"code":"1","msg":"","data":[{"algoId":"","algoClOrdId":"oco7","sCode":"51065","sMsg":"algoClOrdId already exists"}]})"};
        }
        if (gets++ == 0) // not visible yet at the first lookup
            return {200, R"({"code":"0","msg":"","data":[]})"};
        return {
            200,
            R"({"code":"0","msg":"","data":[{"algoId":"42","algoClOrdId":"oco7","instId":"BTC-USDT","state":"live"}]})"};
    });
    rest_session s(fast_cfg(srv.port()), test_creds);
    okx::algo_order_req a;
    a.inst_id = "BTC-USDT";
    a.side = order_side::sell;
    a.sz = decimal(1, 3);
    a.has_tp = a.has_sl = true;
    a.tp_trigger_px = decimal(51000, 0);
    a.sl_trigger_px = decimal(49000, 0);
    a.algo_cl_ord_id = "oco7";
    const auto ack = s.run(s.client().place_algo(a));
    REQUIRE(ack.ok());
    CHECK(ack.value.algo_id == "42");
    CHECK(posts == 2); // the same algoClOrdId both times: never a second id
    const auto reqs = srv.requests();
    for (const auto& r : reqs)
        if (r.method == "POST")
            CHECK(r.body.find(R"("algoClOrdId":"oco7")") != std::string::npos);
}
