// The real OKX WebSocket client (common/net/ws_client) against the real okx_sim binary over
// loopback: public tickers with real-time stamps; reconnect and re-subscribe after the simulator
// drops the connection without and with a close frame, and after a 64008 notice; malformed frames
// counted and survived; the stale detector firing while the feed is paused and clearing when it
// resumes; private/business login, orders and orders-algo pushes through an OCO trigger, re-login
// after a drop, WS order ops; a wrong secret refused as auth without the secret in the text; a
// refused tickers argument (60018) answered per argument without failing the connection.
#include "tests/okx_sim/sim_client.hpp"

#include "common/clock.hpp"
#include "common/net/asio.hpp"
#include "common/net/rest_client.hpp"
#include "common/net/ws_client.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

using namespace scalpel;
using namespace scalpel::net_client;
using scalpel::test::http_call;
using scalpel::test::sim_process;
using namespace std::chrono_literals;

namespace {

const credentials sim_creds{scalpel::test::sim_key, scalpel::test::sim_secret,
                            scalpel::test::sim_pass};

endpoint_config ws_cfg(std::uint16_t port) {
    auto cfg = endpoint_config::loopback(port);
    cfg.reconnect_min = 50ms;
    cfg.reconnect_max = 200ms;
    cfg.connect_timeout = 2000ms;
    cfg.request_timeout = 2000ms;
    return cfg;
}

template <class Pred>
bool run_until(net::io_context& ioc, Pred pred, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        ioc.run_for(5ms);
        if (ioc.stopped())
            ioc.restart();
    }
    return pred();
}

void sim_post(std::uint16_t port, const std::string& path, const std::string& body) {
    const auto r = http_call(port, "POST", path, body);
    INFO(path << " " << body << " -> " << r.body);
    REQUIRE(r.status == 200);
}

decimal dec(const char* s) {
    return *decimal::parse(s);
}

} // namespace

TEST_CASE(
    "sim_client_ws: public tickers survive drops, a notice and malformed frames; stale detector",
    "[sim]") {
    sim_process sim({"--speed", "60"});
    const auto port = sim.port();
    auto cfg = ws_cfg(port);
    cfg.ws_stale_after = 700ms;
    net::io_context ioc{1};
    int ticks = 0;
    std::int64_t first_ts = 0;
    std::vector<bool> stale_events;
    std::vector<okx::error> errors;
    ws_handlers h;
    h.on_ticker = [&](const okx::ticker& t, mono_ns) {
        if (t.inst_id != "BTC-USDT")
            return;
        if (ticks++ == 0)
            first_ts = t.ts_ms;
    };
    h.on_stale = [&](bool s) { stale_events.push_back(s); };
    h.on_error = [&](const okx::error& e) { errors.push_back(e); };
    ws_client ws(ioc, cfg, ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
    ws.start();
    REQUIRE(run_until(ioc, [&] { return ticks >= 3; }));
    CHECK(ws.state() == ws_state::live);
    CHECK(ws.target() == "/ws/v5/public");
    // Real-time mode: the first push is stamped today (at 60x the clock then runs ahead).
    CHECK(std::llabs(first_ts - wall_now_ms()) < 120'000);

    auto resumes_after = [&](const std::string& drop_body, std::uint64_t want_connects) {
        sim_post(port, "/sim/ws/drop", drop_body);
        REQUIRE(run_until(ioc, [&] {
            return ws.stats().connects >= want_connects && ws.state() == ws_state::live;
        }));
        const int n = ticks;
        REQUIRE(
            run_until(ioc, [&] { return ticks >= n + 2; })); // re-subscribed: tickers flow again
    };
    SECTION("drop without, then with a close frame; then a 64008 notice") {
        resumes_after(R"({"close_frame":false})", 2);
        resumes_after(R"({"close_frame":true,"code":4007,"reason":"key changed"})", 3);
        CHECK(ws.stats().reconnects == 2);
        sim_post(port, "/sim/ws/notice", "{}");
        REQUIRE(run_until(
            ioc, [&] { return ws.stats().connects >= 4 && ws.state() == ws_state::live; }));
        bool notice = false;
        for (const auto& e : errors)
            notice |= e.code == 64008;
        CHECK(notice);
        const int n = ticks;
        REQUIRE(run_until(ioc, [&] { return ticks >= n + 2; }));
    }
    SECTION("malformed frames are counted and skipped, the connection stays") {
        const auto connects = ws.stats().connects;
        sim_post(port, "/sim/ws/malformed", R"({"count":3,"channel":"tickers"})");
        REQUIRE(run_until(ioc, [&] { return ws.stats().malformed >= 3; }));
        const int n = ticks;
        REQUIRE(run_until(ioc, [&] { return ticks >= n + 2; }));
        CHECK(ws.stats().connects == connects);
        CHECK(ws.state() == ws_state::live);
    }
    SECTION("a paused feed makes the client stale; resuming clears it") {
        sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50000"})"); // pauses BTC
        REQUIRE(run_until(
            ioc, [&] { return !stale_events.empty(); }, 5s));
        CHECK(stale_events.back() == true);
        CHECK(ws.stats().stale_events == 1);
        CHECK(ws.state() == ws_state::live); // stale is about data, not the link
        sim_post(port, "/sim/resume", R"({"instId":"BTC-USDT"})");
        REQUIRE(run_until(
            ioc, [&] { return stale_events.size() >= 2; }, 5s));
        CHECK(stale_events.back() == false);
    }
    ws.stop();
}

TEST_CASE("sim_client_ws: a refused tickers argument leaves the connection and the others up; "
          "resubscribed once the refusal is lifted",
          "[sim]") {
    sim_process sim({"--speed", "60"});
    const auto port = sim.port();
    sim_post(port, "/sim/ws/refuse-subscribe", R"({"instId":"ETH-USDT"})");
    net::io_context ioc{1};
    std::vector<std::string> acked, refused;
    int btc = 0, eth = 0;
    ws_handlers h;
    h.on_ticker = [&](const okx::ticker& t, mono_ns) { (t.inst_id == "BTC-USDT" ? btc : eth)++; };
    h.on_subscription = [&](const okx::ws_message& m) {
        auto& to = m.kind == okx::ws_msg::subscribe ? acked : refused;
        to.emplace_back(m.inst_id.view());
        if (m.kind == okx::ws_msg::error)
            CHECK(m.err.code == okx::subscription_refused_code);
    };
    ws_client ws(ioc, ws_cfg(port), ws_kind::public_channel,
                 {{"tickers", "BTC-USDT", ""}, {"tickers", "ETH-USDT", ""}}, h);
    ws.start();
    REQUIRE(run_until(ioc, [&] { return btc >= 3 && ws.state() == ws_state::live; }));
    CHECK(acked == std::vector<std::string>{"BTC-USDT"});
    CHECK(refused == std::vector<std::string>{"ETH-USDT"});
    CHECK(eth == 0);
    CHECK(ws.stats().connects == 1); // the refusal did not fail the connection
    sim_post(port, "/sim/ws/refuse-subscribe", R"({"instId":"ETH-USDT","lift":true})");
    REQUIRE(ws.resubscribe({"tickers", "ETH-USDT", ""}));
    REQUIRE(run_until(ioc, [&] { return eth >= 1; }));
    CHECK(acked == std::vector<std::string>{"BTC-USDT", "ETH-USDT"});
    CHECK(ws.stats().connects == 1);
    ws.stop();
}

TEST_CASE("sim_client_ws: private and business login, OCO trigger pushes, re-login after a drop, "
          "WS orders",
          "[sim]") {
    sim_process sim({"--speed", "1"});
    const auto port = sim.port();
    const auto cfg = ws_cfg(port);
    net::io_context ioc{1};
    std::vector<okx::order_detail> orders;
    std::vector<okx::algo_order> algos;
    std::vector<okx::error> errors;
    std::vector<okx::ws_message> replies;
    ws_handlers hp;
    hp.on_orders = [&](std::span<const okx::order_detail> rows) {
        orders.insert(orders.end(), rows.begin(), rows.end());
    };
    hp.on_op_reply = [&](const okx::ws_message& m) { replies.push_back(m); };
    hp.on_error = [&](const okx::error& e) { errors.push_back(e); };
    ws_handlers hb;
    hb.on_algo_orders = [&](std::span<const okx::algo_order> rows) {
        algos.insert(algos.end(), rows.begin(), rows.end());
    };
    hb.on_error = hp.on_error;
    ws_client priv(ioc, cfg, ws_kind::private_channel, {{"orders", "", "SPOT"}}, hp, sim_creds);
    ws_client biz(ioc, cfg, ws_kind::business_channel, {{"orders-algo", "", "SPOT"}}, hb,
                  sim_creds);
    priv.start();
    biz.start();
    REQUIRE(run_until(
        ioc, [&] { return priv.state() == ws_state::live && biz.state() == ws_state::live; }));

    rest_session rest(cfg, sim_creds);
    auto& c = rest.client();
    sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50000"})");
    okx::place_order_req buy;
    buy.inst_id = "BTC-USDT";
    buy.side = order_side::buy;
    buy.ord_type = okx::ord_type::market;
    buy.sz = dec("500");
    buy.cl_ord_id = "wsentry1";
    REQUIRE(rest.run(c.place_order(buy)).ok());
    REQUIRE(run_until(ioc, [&] {
        for (const auto& o : orders)
            if (o.cl_ord_id == "wsentry1" && o.state == okx::order_state::filled)
                return true;
        return false;
    }));

    okx::algo_order_req oco;
    oco.inst_id = "BTC-USDT";
    oco.side = order_side::sell;
    oco.sz = dec("0.009");
    oco.has_tp = oco.has_sl = true;
    oco.tp_trigger_px = dec("50300");
    oco.sl_trigger_px = dec("49700");
    oco.algo_cl_ord_id = "wsoco1";
    auto al = rest.run(c.place_algo(oco));
    REQUIRE(al.ok());
    REQUIRE(run_until(ioc, [&] {
        for (const auto& a : algos)
            if (a.algo_cl_ord_id == "wsoco1" && a.state == okx::algo_state::live)
                return true;
        return false;
    }));
    sim_post(
        port, "/sim/price",
        R"({"instId":"BTC-USDT","script":[{"after_ms":100,"last":"50200"},{"after_ms":250,"last":"50350"}]})");
    okx::algo_order fired;
    okx::order_detail child;
    REQUIRE(run_until(ioc, [&] {
        for (const auto& a : algos)
            if (a.algo_id == al.value.algo_id && a.state == okx::algo_state::effective)
                fired = a;
        for (const auto& o : orders)
            if (o.algo_id == al.value.algo_id && o.state == okx::order_state::filled)
                child = o;
        return !fired.algo_id.empty() && !child.ord_id.empty();
    }));
    CHECK(fired.actual_side == "tp");
    CHECK(fired.ord_id == child.ord_id);
    CHECK(child.source == "7");
    CHECK(child.side == "sell");
    CHECK(child.acc_fill_sz == dec("0.009"));
    CHECK(child.fill_sz == dec("0.009"));
    CHECK(child.algo_cl_ord_id == "wsoco1");
    CHECK(std::llabs(child.u_time_ms - wall_now_ms()) < 10'000); // real-time stamps at --speed 1
    // The REST view agrees with the pushes.
    auto rest_algo = rest.run(c.algo_order(std::string(al.value.algo_id.view())));
    REQUIRE(rest_algo.ok());
    CHECK(rest_algo.value.state == okx::algo_state::effective);
    CHECK(rest_algo.value.ord_id == child.ord_id);

    // Drop only the private connection: the client reconnects, logs in again and re-subscribes.
    sim_post(port, "/sim/ws/drop", R"({"close_frame":false,"path":"/ws/v5/private"})");
    REQUIRE(run_until(
        ioc, [&] { return priv.stats().connects >= 2 && priv.state() == ws_state::live; }));
    CHECK(biz.stats().connects == 1);
    buy.cl_ord_id = "wsafter1";
    buy.sz = dec("100");
    REQUIRE(rest.run(c.place_order(buy)).ok());
    REQUIRE(run_until(ioc, [&] {
        for (const auto& o : orders)
            if (o.cl_ord_id == "wsafter1")
                return true;
        return false;
    }));

    // An order over the private WS: op reply with the ack, then the orders push.
    buy.cl_ord_id = "wsop1";
    buy.inst_id_code = 100001; // the simulator's BTC-USDT code (public/instruments)
    char frame[1024];
    const auto n = okx::write_ws_order("req1", buy, frame, sizeof frame);
    REQUIRE(n > 0);
    REQUIRE(priv.send_text(std::string_view(frame, n)));
    REQUIRE(run_until(ioc, [&] { return !replies.empty(); }));
    CHECK(replies[0].op == "order");
    CHECK(replies[0].id == "req1");
    CHECK(replies[0].err.ok());
    REQUIRE(replies[0].n_rows == 1);
    CHECK(replies[0].acks[0].cl_ord_id == "wsop1");
    REQUIRE(run_until(ioc, [&] {
        for (const auto& o : orders)
            if (o.cl_ord_id == "wsop1" && o.state == okx::order_state::filled)
                return true;
        return false;
    }));
    for (const auto& e : errors)
        CHECK(e.kind != okx::error_kind::auth);
    priv.stop();
    biz.stop();
}

TEST_CASE("sim_client_ws: a wrong secret is refused as auth, never live, secret not in the text",
          "[sim]") {
    sim_process sim({"--speed", "1"});
    const std::string secret = "WS-WRONG-SECRET-987";
    net::io_context ioc{1};
    std::vector<okx::error> errors;
    ws_handlers h;
    h.on_error = [&](const okx::error& e) { errors.push_back(e); };
    bool live = false;
    h.on_state = [&](ws_state s) { live |= s == ws_state::live; };
    ws_client ws(ioc, ws_cfg(sim.port()), ws_kind::private_channel, {{"orders", "", "SPOT"}}, h,
                 credentials{scalpel::test::sim_key, secret, scalpel::test::sim_pass});
    ws.start();
    REQUIRE(run_until(ioc, [&] {
        for (const auto& e : errors)
            if (e.kind == okx::error_kind::auth)
                return true;
        return false;
    }));
    ws.stop();
    CHECK_FALSE(live);
    for (const auto& e : errors) {
        CHECK(std::string(e.message.view()).find(secret) == std::string::npos);
        if (e.kind == okx::error_kind::auth)
            CHECK(e.code == 60007);
    }
    // Missing credentials for a private channel is a config error at construction.
    CHECK_THROWS_AS(ws_client(ioc, ws_cfg(sim.port()), ws_kind::private_channel, {}, {}),
                    config_error);
}

// The simulator follows OKX's documented rule (close when nothing was pushed for 30 s; here 1 s)
// and the feed is quiet (price set = paused). The client's receive-idle ping (15 s) would never
// fire in time; the send-idle ping does, the pong is a push, and the socket stays up. Nagle is
// off on the socket (read back with getsockopt).
TEST_CASE("sim_client_ws: a quiet public feed stays connected on the send-idle ping; TCP_NODELAY",
          "[sim]") {
    sim_process sim({"--ws-idle-ms", "1000"});
    const auto port = sim.port();
    sim_post(port, "/sim/price", R"({"instId":"BTC-USDT","last":"50000"})");
    auto cfg = ws_cfg(port);
    cfg.ws_ping_after = 15s;
    cfg.ws_ping_send_idle = 300ms;
    net::io_context ioc{1};
    int ticks = 0;
    ws_handlers h;
    h.on_ticker = [&](const okx::ticker&, mono_ns) { ++ticks; };
    ws_client ws(ioc, cfg, ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
    ws.start();
    REQUIRE(run_until(ioc, [&] { return ticks >= 1; }));
    CHECK(ws.stats().tcp_nodelay);
    // Three idle windows of the simulator with nothing but pings and pongs on the socket.
    (void)run_until(
        ioc, [] { return false; }, 3500ms);
    CHECK(ws.stats().connects == 1);
    CHECK(ws.stats().reconnects == 0);
    CHECK(ws.stats().pings >= 3);
    CHECK(ws.stats().pongs >= 3);
    ws.stop();
}
