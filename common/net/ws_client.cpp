// ws_client state machine. See ws_client.hpp.
// Each connection attempt gets a fresh `conn` (streams cannot be reused after close); completion
// handlers hold shared_ptrs to the impl and to their conn and do nothing when their conn is no
// longer the current one. One io_context thread: no strands, no locks.
#include "common/net/ws_client.hpp"

#include "common/clock.hpp"
#include "common/net/asio.hpp"
#include "common/net/handler_memory.hpp"
#include "common/net/tls.hpp"

#include <array>
#include <cstring>
#include <random>

namespace scalpel::net_client {

std::string_view to_string(ws_state s) noexcept {
    switch (s) {
    case ws_state::stopped:
        return "stopped";
    case ws_state::connecting:
        return "connecting";
    case ws_state::handshaking:
        return "handshaking";
    case ws_state::logging_in:
        return "logging_in";
    case ws_state::subscribing:
        return "subscribing";
    case ws_state::live:
        return "live";
    case ws_state::backoff:
        return "backoff";
    }
    return "?";
}

namespace {

// Concrete io_context executors, not any_io_executor: with any_io_executor every completion is
// wrapped in an executor_function that Asio 1.18 allocates whenever its one-slot cache is busy.
using executor_t = net::io_context::executor_type;
using stream_t = beast::basic_stream<tcp, executor_t, beast::unlimited_rate_policy>;
using plain_ws = websocket::stream<stream_t>;
using secure_ws = websocket::stream<beast::ssl_stream<stream_t>>;
using timer_t = net::basic_waitable_timer<std::chrono::steady_clock,
                                          net::wait_traits<std::chrono::steady_clock>, executor_t>;

struct conn {
    std::optional<plain_ws> plain;
    std::optional<secure_ws> tls;
    beast::flat_buffer rbuf;
    bool write_busy = false;
    bool ws_open = false;

    stream_t& lowest() {
        return tls ? beast::get_lowest_layer(*tls) : beast::get_lowest_layer(*plain);
    }
    template <class F> void with(F&& f) {
        if (tls)
            f(*tls);
        else
            f(*plain);
    }
    void close() {
        if (tls || plain) {
            beast::error_code ec;
            lowest().socket().close(ec);
        }
    }
};

std::string_view kind_path(ws_kind k) noexcept {
    switch (k) {
    case ws_kind::public_channel:
        return "/public";
    case ws_kind::private_channel:
        return "/private";
    case ws_kind::business_channel:
        return "/business";
    }
    return "/public";
}

} // namespace

struct ws_client::impl : std::enable_shared_from_this<impl> {
    impl(net::io_context& io, endpoint_config c, ws_kind k, std::vector<okx::ws_sub> s,
         ws_handlers hs, std::optional<credentials> cr)
        : ioc(io), cfg(std::move(c)), kind(k), subs(std::move(s)), h(std::move(hs)),
          creds(std::move(cr)), resolver(io), tick_timer(io.get_executor()),
          reconnect_timer(io.get_executor()), ring(new std::array<char, slot_size>[send_slots]),
          rng(std::random_device{}()) {
        validate(cfg);
        if (kind != ws_kind::public_channel && !creds)
            throw config_error("the private/business WebSocket needs OKX credentials");
        if (cfg.ws.tls())
            tls_ctx = make_tls_context(cfg);
        target = (cfg.ws.path.empty() ? std::string("/ws/v5") : cfg.ws.path) +
                 std::string(kind_path(kind));
        if (!cfg.ws_query.empty())
            target += "?" + cfg.ws_query;
        host_header = cfg.ws.host + ":" + std::to_string(cfg.ws.port);
        using ms = std::chrono::milliseconds;
        ms t = std::min({cfg.ws_ping_after, cfg.ws_pong_timeout, cfg.ws_ping_send_idle});
        if (cfg.ws_stale_after > ms::zero())
            t = std::min(t, cfg.ws_stale_after);
        tick = std::clamp(t / 4, ms(5), ms(1000));
    }

    net::io_context& ioc;
    endpoint_config cfg;
    ws_kind kind;
    std::vector<okx::ws_sub> subs;
    ws_handlers h;
    std::optional<credentials> creds;
    std::unique_ptr<ssl::context> tls_ctx;
    tcp::resolver resolver;
    timer_t tick_timer, reconnect_timer;
    std::shared_ptr<conn> c;
    ws_state st = ws_state::stopped;
    ws_stats stats;
    okx::ws_frame_parser parser;
    okx::ws_message msg;
    handler_memory hmem; // read/write/timer op state: no allocation per frame
    bool running = false;
    int attempt = 0;
    std::size_t acks_pending = 0;
    mono_ns last_rx = 0, last_tx = 0, last_data = 0, ping_sent_at = 0;
    bool ping_outstanding = false, stale = false;
    std::unique_ptr<std::array<char, slot_size>[]> ring;
    std::array<std::size_t, send_slots> lens{};
    std::size_t head = 0, count = 0;
    std::mt19937_64 rng;
    std::string target, host_header;
    std::chrono::milliseconds tick{100};

    void set_state(ws_state s) {
        if (st == s)
            return;
        st = s;
        if (h.on_state)
            h.on_state(s);
    }

    void report(const okx::error& e) {
        if (h.on_error)
            h.on_error(e);
    }

    void start() {
        if (running)
            return;
        running = true;
        last_rx = last_data = monotonic_now_ns();
        stale = false;
        arm_tick();
        connect();
    }

    void stop() {
        running = false;
        beast::error_code ec;
        tick_timer.cancel();
        reconnect_timer.cancel();
        resolver.cancel();
        if (c)
            c->close();
        c.reset();
        st = ws_state::stopped;
    }

    void connect() {
        c = std::make_shared<conn>();
        set_state(ws_state::connecting);
        resolver.async_resolve(cfg.ws.host, std::to_string(cfg.ws.port),
                               beast::bind_front_handler(&impl::on_resolve, shared_from_this(), c));
    }

    void on_resolve(std::shared_ptr<conn> cc, beast::error_code ec,
                    tcp::resolver::results_type results) {
        if (cc != c)
            return;
        if (ec)
            return fail(ec, "resolve");
        if (cfg.ws.tls()) {
            cc->tls.emplace(ioc.get_executor(), *tls_ctx);
            if (auto e = prepare_tls(cc->tls->next_layer(), cfg.ws.host))
                return fail(e, "TLS setup");
        } else {
            cc->plain.emplace(ioc.get_executor());
        }
        cc->lowest().expires_after(cfg.connect_timeout);
        cc->lowest().async_connect(
            results, beast::bind_front_handler(&impl::on_connect, shared_from_this(), cc));
    }

    void on_connect(std::shared_ptr<conn> cc, beast::error_code ec, tcp::endpoint) {
        if (cc != c)
            return;
        if (ec)
            return fail(ec, "connect");
        set_nodelay(cc->lowest().socket());
        set_state(ws_state::handshaking);
        if (cc->tls) {
            cc->lowest().expires_after(cfg.connect_timeout);
            cc->tls->next_layer().async_handshake(
                ssl::stream_base::client,
                beast::bind_front_handler(&impl::on_tls, shared_from_this(), cc));
        } else {
            ws_handshake(cc);
        }
    }

    // Nagle off, read back with getsockopt into the stats (what the tests check).
    template <class Socket> void set_nodelay(Socket& s) {
        beast::error_code ec;
        s.set_option(tcp::no_delay(true), ec);
        tcp::no_delay on;
        s.get_option(on, ec);
        stats.tcp_nodelay = !ec && on.value();
    }

    void on_tls(std::shared_ptr<conn> cc, beast::error_code ec) {
        if (cc != c)
            return;
        if (ec)
            return fail(ec, "TLS handshake");
        ws_handshake(cc);
    }

    void ws_handshake(const std::shared_ptr<conn>& cc) {
        cc->lowest().expires_never();
        cc->with([&](auto& ws) {
            websocket::stream_base::timeout opt{};
            opt.handshake_timeout = cfg.connect_timeout;
            opt.idle_timeout = websocket::stream_base::none();
            opt.keep_alive_pings = false; // OKX wants text "ping", handled by the tick timer
            ws.set_option(opt);
            ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
                req.set(http::field::user_agent, "scalpel/0.1");
            }));
            ws.async_handshake(
                host_header, target,
                beast::bind_front_handler(&impl::on_ws_handshake, shared_from_this(), cc));
        });
    }

    void on_ws_handshake(std::shared_ptr<conn> cc, beast::error_code ec) {
        if (cc != c)
            return;
        if (ec)
            return fail(ec, "WebSocket handshake");
        ++stats.connects;
        cc->ws_open = true;
        cc->rbuf.reserve(okx::ws_frame_parser::default_max_frame);
        cc->with([&](auto& ws) {
            ws.text(true);
            ws.read_message_max(1 << 20);
        });
        last_rx = last_tx = monotonic_now_ns();
        ping_outstanding = false;
        head = count = 0;
        do_read(cc);
        if (kind != ws_kind::public_channel) {
            set_state(ws_state::logging_in);
            const std::string login = okx::ws_login_frame(creds->api_key, creds->secret,
                                                          creds->passphrase, wall_now_ms() / 1000);
            push(login);
        } else {
            subscribe_all();
        }
    }

    void subscribe_all() {
        if (subs.empty())
            return go_live();
        set_state(ws_state::subscribing);
        acks_pending = subs.size();
        push(okx::ws_subscribe_frame(subs.data(), subs.size()));
    }

    // One argument of the subscribe request answered (acked or refused).
    void answered() {
        if (st == ws_state::subscribing && acks_pending > 0 && --acks_pending == 0)
            go_live();
    }

    void go_live() {
        attempt = 0;
        set_state(ws_state::live);
    }

    void do_read(const std::shared_ptr<conn>& cc) {
        cc->with([&](auto& ws) {
            ws.async_read(cc->rbuf, make_custom_alloc_handler(
                                        hmem, beast::bind_front_handler(&impl::on_read,
                                                                        shared_from_this(), cc)));
        });
    }

    void on_read(std::shared_ptr<conn> cc, beast::error_code ec, std::size_t) {
        if (cc != c)
            return;
        if (ec)
            return fail(ec, "read");
        ++stats.frames;
        const mono_ns now = monotonic_now_ns(); // the frame's receive time: before parsing
        last_rx = now;
        ping_outstanding = false; // any frame proves the link is alive
        const auto data = cc->rbuf.cdata();
        const std::string_view frame(static_cast<const char*>(data.data()), data.size());
        const okx::ws_msg kind_seen = parser.parse(frame, msg);
        cc->rbuf.consume(cc->rbuf.size());
        dispatch(kind_seen, now);
        if (cc == c && running)
            do_read(cc); // a callback may have stopped or reconnected us
    }

    void on_data(mono_ns now) {
        last_data = now;
        if (stale) {
            stale = false;
            if (h.on_stale)
                h.on_stale(false);
        }
    }

    void dispatch(okx::ws_msg k, mono_ns now) {
        switch (k) {
        case okx::ws_msg::pong:
            ++stats.pongs;
            break;
        case okx::ws_msg::malformed:
            ++stats.malformed;
            break;
        case okx::ws_msg::ticker:
            on_data(now);
            if (h.on_ticker)
                h.on_ticker(msg.tick, now);
            break;
        case okx::ws_msg::orders:
            on_data(now);
            if (h.on_orders)
                h.on_orders(std::span<const okx::order_detail>(msg.orders.data(), msg.n_rows));
            break;
        case okx::ws_msg::orders_algo:
            on_data(now);
            if (h.on_algo_orders)
                h.on_algo_orders(std::span<const okx::algo_order>(msg.algos.data(), msg.n_rows));
            break;
        case okx::ws_msg::op_reply:
            if (h.on_op_reply)
                h.on_op_reply(msg);
            break;
        case okx::ws_msg::login:
            if (st == ws_state::logging_in)
                subscribe_all();
            break;
        case okx::ws_msg::subscribe:
            if (h.on_subscription)
                h.on_subscription(msg);
            if (h.on_other)
                h.on_other(msg);
            answered();
            break;
        case okx::ws_msg::error:
            report(msg.err);
            if (!msg.inst_id.empty()) {
                // One argument refused (60018): the others stand, the connection stays up.
                if (h.on_subscription)
                    h.on_subscription(msg);
                answered();
                break;
            }
            // A refused login or subscription will not heal on this connection.
            if (st == ws_state::logging_in || st == ws_state::subscribing)
                fail_now("login/subscribe refused");
            break;
        case okx::ws_msg::notice:
            report(msg.err);
            fail_now("service upgrade notice"); // 64008: reconnect now, re-login, re-subscribe
            break;
        case okx::ws_msg::subscription_terminated:
            // OKX acked the subscription, then ended it (connection count limit): nothing will
            // come on it any more. Say so and reconnect (re-subscribe) after the back-off.
            ++stats.terminated_subs;
            report(msg.err);
            fail_now("subscription terminated by the server (channel-conn-count-error)");
            break;
        case okx::ws_msg::other_push:
            on_data(now);
            [[fallthrough]];
        case okx::ws_msg::unsubscribe:
        case okx::ws_msg::other_event:
            if (h.on_other)
                h.on_other(msg);
            break;
        }
    }

    bool push(std::string_view frame) noexcept {
        if (!c || !c->ws_open || frame.size() > slot_size || count == send_slots) {
            ++stats.send_dropped;
            return false;
        }
        const std::size_t slot = (head + count) % send_slots;
        last_tx = monotonic_now_ns();
        std::memcpy(ring[slot].data(), frame.data(), frame.size());
        lens[slot] = frame.size();
        ++count;
        if (!c->write_busy)
            do_write(c);
        return true;
    }

    void do_write(const std::shared_ptr<conn>& cc) {
        cc->write_busy = true;
        cc->with([&](auto& ws) {
            ws.async_write(
                net::buffer(ring[head].data(), lens[head]),
                make_custom_alloc_handler(
                    hmem, beast::bind_front_handler(&impl::on_write, shared_from_this(), cc)));
        });
    }

    void on_write(std::shared_ptr<conn> cc, beast::error_code ec, std::size_t) {
        if (cc != c)
            return;
        cc->write_busy = false;
        if (ec)
            return fail(ec, "write");
        head = (head + 1) % send_slots;
        --count;
        if (count > 0)
            do_write(cc);
    }

    void arm_tick() {
        tick_timer.expires_after(tick);
        tick_timer.async_wait(make_custom_alloc_handler(
            hmem, beast::bind_front_handler(&impl::on_tick, shared_from_this())));
    }

    void on_tick(beast::error_code ec) {
        if (ec || !running)
            return;
        const mono_ns now = monotonic_now_ns();
        const auto ns = [](std::chrono::milliseconds d) {
            return static_cast<mono_ns>(d.count()) * 1'000'000;
        };
        if (cfg.ws_stale_after.count() > 0 && !stale && now - last_data > ns(cfg.ws_stale_after)) {
            stale = true;
            ++stats.stale_events;
            if (h.on_stale)
                h.on_stale(true);
        }
        if (running && c && c->ws_open) {
            if (ping_outstanding && now - ping_sent_at > ns(cfg.ws_pong_timeout)) {
                fail_now("no pong within the timeout");
            } else if (!ping_outstanding && (now - last_rx > ns(cfg.ws_ping_after) ||
                                             now - last_tx > ns(cfg.ws_ping_send_idle))) {
                if (push("ping")) {
                    ping_outstanding = true;
                    ping_sent_at = now;
                    ++stats.pings;
                }
            }
        }
        if (running)
            arm_tick();
    }

    void fail(beast::error_code ec, std::string_view where) {
        std::string what = "WebSocket ";
        what += where;
        what += " failed: ";
        what += ec.message();
        lose_connection(okx::make_error(ec == beast::error::timeout ? okx::error_kind::timeout
                                                                    : okx::error_kind::network,
                                        what));
    }

    void fail_now(std::string_view why) {
        std::string what = "WebSocket reconnecting: ";
        what += why;
        lose_connection(okx::make_error(okx::error_kind::network, what));
    }

    void lose_connection(const okx::error& e) {
        if (!running)
            return;
        if (c)
            c->close();
        c.reset();
        ++stats.reconnects;
        report(e);
        if (!running)
            return; // the callback may have stopped us
        set_state(ws_state::backoff);
        const auto base = cfg.reconnect_min.count();
        const long long exp =
            std::min<long long>(cfg.reconnect_max.count(), base << std::min(attempt, 20));
        ++attempt;
        std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, exp / 2));
        reconnect_timer.expires_after(std::chrono::milliseconds(exp / 2 + jitter(rng)));
        reconnect_timer.async_wait(
            beast::bind_front_handler(&impl::on_reconnect_timer, shared_from_this()));
    }

    void on_reconnect_timer(beast::error_code ec) {
        if (ec || !running)
            return;
        connect();
    }
};

ws_client::ws_client(net::io_context& ioc, endpoint_config cfg, ws_kind kind,
                     std::vector<okx::ws_sub> subs, ws_handlers handlers,
                     std::optional<credentials> creds)
    : impl_(std::make_shared<impl>(ioc, std::move(cfg), kind, std::move(subs), std::move(handlers),
                                   std::move(creds))) {}

ws_client::~ws_client() {
    impl_->stop();
}

void ws_client::start() {
    impl_->start();
}
void ws_client::stop() {
    impl_->stop();
}
void ws_client::force_reconnect() {
    if (impl_->running && impl_->c)
        impl_->fail_now("requested");
}
bool ws_client::resubscribe(const okx::ws_sub& sub) {
    if (impl_->st != ws_state::live && impl_->st != ws_state::subscribing)
        return false;
    return impl_->push(okx::ws_subscribe_frame(&sub, 1));
}

bool ws_client::send_text(std::string_view frame) noexcept {
    if (impl_->st != ws_state::live) {
        ++impl_->stats.send_dropped;
        return false;
    }
    return impl_->push(frame);
}
ws_state ws_client::state() const noexcept {
    return impl_->st;
}
const ws_stats& ws_client::stats() const noexcept {
    return impl_->stats;
}
std::string ws_client::target() const {
    return impl_->target;
}

} // namespace scalpel::net_client
