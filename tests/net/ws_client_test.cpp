// ws_client over real loopback sockets against tests/net/support/script_server: subscribe → live,
// ticker/orders/op-reply callbacks, login (signature checked), reconnect + re-login + re-subscribe
// after the server drops the connection, malformed frames survived, stale detector, ping/pong and
// the pong timeout, login refusal, 64008 notice, a channel-conn-count-error (reconnect),
// TCP_NODELAY on the socket, the send-idle ping, and order frames sent from a caller buffer.
#include "common/net/ws_client.hpp"

#include "common/net/asio.hpp"
#include "common/okx/signing.hpp"
#include "tests/net/support/script_server.hpp"

#include <catch2/catch.hpp>

#include <atomic>

using namespace scalpel;
using namespace scalpel::net_client;
using scalpel::test::script_server;

namespace {

const credentials test_creds{"ws-api-key-0001", "WS-S3CR3T-0123456789", "ws-pass"};

constexpr const char* ticker_frame =
    R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000.5","lastSz":"0.1","askPx":"50001","askSz":"1","bidPx":"50000","bidSz":"2","ts":"1700000000000"}]})";

endpoint_config ws_cfg(std::uint16_t port) {
    auto cfg = endpoint_config::loopback(port);
    cfg.reconnect_min = std::chrono::milliseconds(50);
    cfg.reconnect_max = std::chrono::milliseconds(200);
    cfg.connect_timeout = std::chrono::milliseconds(2000);
    return cfg;
}

template <class Pred>
bool run_until(net::io_context& ioc, Pred pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        ioc.run_for(std::chrono::milliseconds(5));
        if (ioc.stopped())
            ioc.restart();
    }
    return pred();
}

std::size_t count_containing(const std::vector<std::string>& v, std::string_view s) {
    std::size_t n = 0;
    for (const auto& x : v)
        n += x.find(s) != std::string::npos;
    return n;
}

} // namespace

TEST_CASE("net_ws: public tickers, reconnect, re-subscribe, malformed frame survived",
          "[sim][net]") {
    script_server srv;
    net::io_context ioc{1};
    std::vector<okx::ticker> ticks;
    std::vector<ws_state> states;
    ws_handlers h;
    std::vector<mono_ns> rx;
    h.on_ticker = [&](const okx::ticker& t, mono_ns rx_ns) {
        ticks.push_back(t);
        rx.push_back(rx_ns);
        CHECK(rx_ns <= monotonic_now_ns()); // taken before the callback, on the same clock
    };
    h.on_state = [&](ws_state s) { states.push_back(s); };
    ws_client c(ioc, ws_cfg(srv.port()), ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
    CHECK(c.target() == "/ws/v5/public");
    c.start();
    REQUIRE(run_until(ioc, [&] { return c.state() == ws_state::live; }));
    CHECK(srv.ws_targets().at(0) == "/ws/v5/public");
    CHECK(srv.ws_received().at(0) ==
          R"({"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]})");

    const mono_ns pushed_at = monotonic_now_ns();
    srv.ws_push(ticker_frame);
    REQUIRE(run_until(ioc, [&] { return ticks.size() == 1; }));
    CHECK(ticks[0].inst_id == "BTC-USDT");
    CHECK(ticks[0].last == 50000.5);
    CHECK(rx.at(0) >= pushed_at); // the frame's receive time, not a default or a stale value

    srv.ws_push("this is not json");
    srv.ws_push(
        R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","last":"oops"}]})");
    srv.ws_push(ticker_frame);
    REQUIRE(run_until(ioc, [&] { return ticks.size() == 2; }));
    CHECK(c.stats().malformed == 2);
    CHECK(c.stats().reconnects == 0);

    srv.ws_drop_all();
    REQUIRE(
        run_until(ioc, [&] { return srv.ws_connections() == 2 && c.state() == ws_state::live; }));
    CHECK(c.stats().reconnects >= 1);
    CHECK(count_containing(srv.ws_received(), R"("op":"subscribe")") == 2);
    CHECK(std::find(states.begin(), states.end(), ws_state::backoff) != states.end());
    srv.ws_push(ticker_frame);
    REQUIRE(run_until(ioc, [&] { return ticks.size() == 3; }));
    CHECK((rx.at(0) <= rx.at(1) && rx.at(1) <= rx.at(2)));
    c.stop();
    CHECK(c.state() == ws_state::stopped);
}

TEST_CASE("net_ws: private login, orders channel, order frame from a caller buffer", "[sim][net]") {
    script_server srv;
    std::atomic<bool> sign_ok{false};
    srv.on_ws([&](const std::string& text, int) -> std::vector<std::string> {
        if (text.find(R"("op":"login")") != std::string::npos) {
            const auto tpos = text.find(R"("timestamp":")") + 13;
            const std::string ts = text.substr(tpos, text.find('"', tpos) - tpos);
            const std::string sign =
                okx::sign_request(test_creds.secret, ts, "GET", "/users/self/verify", "");
            sign_ok = text.find(sign) != std::string::npos &&
                      text.find(test_creds.api_key) != std::string::npos;
        }
        if (text.find(R"("op":"order")") != std::string::npos)
            return {
                R"({"id":"77","op":"order","code":"0","msg":"","data":[{"ordId":"555","clOrdId":"close1","tag":"","ts":"1","sCode":"0","sMsg":""}],"inTime":"1","outTime":"2"})"};
        return scalpel::test::okx_like_ws_reply(text);
    });
    net::io_context ioc{1};
    std::vector<okx::order_detail> orders;
    std::vector<std::string> replies;
    ws_handlers h;
    h.on_orders = [&](std::span<const okx::order_detail> rows) {
        orders.insert(orders.end(), rows.begin(), rows.end());
    };
    h.on_op_reply = [&](const okx::ws_message& m) {
        replies.emplace_back(m.acks[0].ord_id.view());
    };
    ws_client c(ioc, ws_cfg(srv.port()), ws_kind::private_channel, {{"orders", "BTC-USDT", "SPOT"}},
                h, test_creds);
    c.start();
    REQUIRE(run_until(ioc, [&] { return c.state() == ws_state::live; }));
    CHECK(sign_ok);
    const auto rx = srv.ws_received();
    REQUIRE(rx.size() >= 2);
    CHECK(rx[0].find(R"("op":"login")") != std::string::npos);
    CHECK(
        rx[1] ==
        R"({"op":"subscribe","args":[{"channel":"orders","instType":"SPOT","instId":"BTC-USDT"}]})");

    srv.ws_push(
        R"({"arg":{"channel":"orders","instType":"SPOT","instId":"BTC-USDT","uid":"1"},"data":[{"instId":"BTC-USDT","ordId":"555","clOrdId":"close1","state":"filled","accFillSz":"0.01","avgPx":"50000","fee":"-0.5","feeCcy":"USDT","tradeId":"9"}]})");
    REQUIRE(run_until(ioc, [&] { return orders.size() == 1; }));
    CHECK(orders[0].state == okx::order_state::filled);

    char buf[512];
    okx::place_order_req close;
    close.inst_id = "BTC-USDT";
    close.inst_id_code = 100001;
    close.side = order_side::sell;
    close.sz = decimal(1, 2);
    close.tgt_ccy = okx::tgt_ccy::base_ccy;
    close.cl_ord_id = "close1";
    const std::size_t n = okx::write_ws_order("77", close, buf, sizeof buf);
    REQUIRE(n > 0);
    REQUIRE(c.send_text({buf, n}));
    REQUIRE(run_until(ioc, [&] { return replies.size() == 1; }));
    CHECK(replies[0] == "555");
    CHECK(srv.ws_received().back() == std::string(buf, n));

    SECTION("reconnect re-logs in and re-subscribes") {
        srv.ws_drop_all();
        REQUIRE(run_until(
            ioc, [&] { return srv.ws_connections() == 2 && c.state() == ws_state::live; }));
        const auto rx2 = srv.ws_received();
        CHECK(count_containing(rx2, R"("op":"login")") == 2);
        CHECK(count_containing(rx2, R"("channel":"orders")") == 2);
    }
}

TEST_CASE("net_ws: stale detector and ping/pong keep-alive", "[sim][net]") {
    script_server srv;
    net::io_context ioc{1};
    std::vector<bool> stale_events;
    ws_handlers h;
    h.on_stale = [&](bool s) { stale_events.push_back(s); };
    auto cfg = ws_cfg(srv.port());
    cfg.ws_stale_after = std::chrono::milliseconds(150);
    cfg.ws_ping_after = std::chrono::milliseconds(100);
    cfg.ws_pong_timeout = std::chrono::milliseconds(300);
    ws_client c(ioc, cfg, ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
    c.start();
    REQUIRE(run_until(ioc, [&] { return !stale_events.empty(); }));
    CHECK(stale_events[0] == true);
    REQUIRE(run_until(ioc, [&] { return c.stats().pongs >= 2; }));
    CHECK(c.stats().pings >= 2);
    CHECK(count_containing(srv.ws_received(), "ping") >= 2);
    CHECK(c.stats().reconnects == 0);
    srv.ws_push(ticker_frame);
    REQUIRE(run_until(ioc, [&] { return stale_events.size() >= 2; }));
    CHECK(stale_events[1] == false);

    SECTION("send-idle ping: pings go out on a timer even while frames keep arriving") {
        // Pushes every 50 ms keep the receive-idle timer from ever firing; the send-idle one
        // (no frame SENT for 200 ms) still pings.
        cfg.ws_ping_after = std::chrono::milliseconds(10'000);
        cfg.ws_ping_send_idle = std::chrono::milliseconds(200);
        ws_client d(ioc, cfg, ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
        d.start();
        REQUIRE(run_until(ioc, [&] { return d.state() == ws_state::live; }));
        const auto pings_before = d.stats().pings;
        for (int i = 0; i < 40 && d.stats().pings < pings_before + 2; ++i) {
            srv.ws_push(ticker_frame);
            (void)run_until(
                ioc, [] { return false; }, std::chrono::milliseconds(50));
        }
        CHECK(d.stats().pings >= pings_before + 2);
        CHECK(d.stats().reconnects == 0);
        d.stop();
    }
    SECTION("no pong → reconnect") {
        srv.on_ws([](const std::string& text, int) -> std::vector<std::string> {
            if (text == "ping")
                return {};
            return scalpel::test::okx_like_ws_reply(text);
        });
        REQUIRE(run_until(ioc, [&] { return c.stats().reconnects >= 1; }));
        REQUIRE(run_until(ioc, [&] { return c.state() == ws_state::live; }));
    }
}

TEST_CASE("net_ws: login refused and 64008 notice lead to a reconnect with back-off",
          "[sim][net]") {
    script_server srv;
    std::atomic<int> logins{0};
    srv.on_ws([&](const std::string& text, int) -> std::vector<std::string> {
        if (text.find(R"("op":"login")") != std::string::npos && logins++ == 0)
            return {R"({"event":"error","code":"60009","msg":"Login failed.","connId":"x"})"};
        return scalpel::test::okx_like_ws_reply(text);
    });
    net::io_context ioc{1};
    std::vector<okx::error> errors;
    ws_handlers h;
    h.on_error = [&](const okx::error& e) { errors.push_back(e); };
    ws_client c(ioc, ws_cfg(srv.port()), ws_kind::business_channel,
                {{"orders-algo", "BTC-USDT", "SPOT"}}, h, test_creds);
    CHECK(c.target() == "/ws/v5/business");
    c.start();
    REQUIRE(run_until(ioc, [&] { return c.state() == ws_state::live; }));
    REQUIRE(!errors.empty());
    CHECK(errors[0].kind == okx::error_kind::auth);
    CHECK(errors[0].code == 60009);
    CHECK(logins == 2);

    srv.ws_push(
        R"({"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a"})");
    REQUIRE(
        run_until(ioc, [&] { return srv.ws_connections() == 3 && c.state() == ws_state::live; }));
    bool saw_notice = false;
    for (const auto& e : errors)
        saw_notice |= e.code == 64008;
    CHECK(saw_notice);

    // OKX acks a subscription, then ends it when the channel's connection limit is hit
    // (docs-v5 "WebSocket > Connection count limit"): noticed, reported, and re-subscribed.
    srv.ws_push(R"({"event":"channel-conn-count-error","channel":"orders-algo","connCount":"30",)"
                R"("connId":"a"})");
    REQUIRE(
        run_until(ioc, [&] { return srv.ws_connections() == 4 && c.state() == ws_state::live; }));
    CHECK(c.stats().terminated_subs == 1);
    CHECK(c.stats().malformed == 0);
    CHECK(c.stats().tcp_nodelay); // read back with getsockopt on the client's socket
    for (const auto& e : errors)
        CHECK(e.message.view().find(test_creds.secret) == std::string_view::npos);
}

TEST_CASE("net_ws: send_text refuses when not live or too large", "[sim][net]") {
    script_server srv;
    net::io_context ioc{1};
    ws_client c(ioc, ws_cfg(srv.port()), ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}},
                {});
    CHECK_FALSE(c.send_text("ping"));
    c.start();
    REQUIRE(run_until(ioc, [&] { return c.state() == ws_state::live; }));
    CHECK_FALSE(c.send_text(std::string(ws_client::slot_size + 1, 'x')));
    CHECK(c.send_text("ping"));
    CHECK(c.stats().send_dropped == 2);
}
