// server: Beast HTTP + WebSocket front of the simulator. See server.hpp.
// Shape: accept loop → one session coroutine per TCP connection (HTTP keep-alive loop); an
// upgrade on a /ws/v5/* path hands the stream to a ws_session whose reader and writer are two
// coroutines sharing an outgoing queue (Beast allows one async_write at a time).
#include "okx_sim/server.hpp"

#include "common/clock.hpp"
#include "common/net/asio.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <deque>
#include <memory>

namespace scalpel::sim {
namespace {

using net::awaitable;
using net::use_awaitable;

void log_exception(std::exception_ptr e) noexcept {
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        spdlog::warn("connection ended by exception: {}", x.what());
    } catch (...) {
        spdlog::warn("connection ended by unknown exception");
    }
}

class ws_session : public ws_sink, public std::enable_shared_from_this<ws_session> {
public:
    ws_session(beast::tcp_stream stream, exchange& ex)
        : ws_(std::move(stream)), ex_(ex), wake_(ws_.get_executor()) {}

    void send(std::string text) override {
        if (closed_)
            return;
        out_.push_back(std::move(text));
        wake_.cancel();
    }
    void close(std::uint16_t code, std::string reason) override {
        if (closed_ || close_code_)
            return;
        close_code_ = code;
        close_reason_ = std::move(reason);
        wake_.cancel();
    }
    void drop() override {
        if (closed_)
            return;
        closed_ = true;
        beast::error_code ec;
        auto& sock = beast::get_lowest_layer(ws_).socket();
        sock.shutdown(tcp::socket::shutdown_both, ec);
        sock.close(ec);
        wake_.cancel();
    }

    static awaitable<void> run(std::shared_ptr<ws_session> self,
                               http::request<http::string_body> req, ws_kind kind) {
        beast::error_code ec;
        beast::get_lowest_layer(self->ws_).expires_never();
        websocket::stream_base::timeout opt{std::chrono::seconds(30),
                                            websocket::stream_base::none(), false};
        self->ws_.set_option(opt);
        self->ws_.read_message_max(1 << 20);
        co_await self->ws_.async_accept(req, net::redirect_error(use_awaitable, ec));
        if (ec)
            co_return;
        self->id_ = self->ex_.ws_open(self.get(), kind, monotonic_now_ns());
        net::co_spawn(self->ws_.get_executor(), writer(self), log_exception);
        beast::flat_buffer buf;
        for (;;) {
            co_await self->ws_.async_read(buf, net::redirect_error(use_awaitable, ec));
            if (ec || self->closed_)
                break;
            const std::string text = beast::buffers_to_string(buf.data());
            buf.consume(buf.size());
            self->ex_.ws_message(self->id_, text, monotonic_now_ns(), wall_now_ns());
        }
        self->finish();
    }

private:
    void finish() noexcept {
        if (!unregistered_) {
            unregistered_ = true;
            ex_.ws_closed(id_);
        }
        closed_ = true;
        wake_.cancel();
    }

    static awaitable<void> writer(std::shared_ptr<ws_session> self) {
        beast::error_code ec;
        self->ws_.text(true);
        while (!self->closed_) {
            if (self->out_.empty() && !self->close_code_) {
                self->wake_.expires_at(net::steady_timer::time_point::max());
                co_await self->wake_.async_wait(net::redirect_error(use_awaitable, ec));
                continue;
            }
            if (!self->out_.empty()) {
                const std::string msg = std::move(self->out_.front());
                self->out_.pop_front();
                co_await self->ws_.async_write(net::buffer(msg),
                                               net::redirect_error(use_awaitable, ec));
                if (ec)
                    break;
                continue;
            }
            websocket::close_reason cr(static_cast<websocket::close_code>(*self->close_code_),
                                       self->close_reason_);
            co_await self->ws_.async_close(cr, net::redirect_error(use_awaitable, ec));
            break;
        }
        self->finish();
        beast::get_lowest_layer(self->ws_).socket().close(ec);
    }

    websocket::stream<beast::tcp_stream> ws_;
    exchange& ex_;
    net::steady_timer wake_;
    std::deque<std::string> out_;
    std::optional<std::uint16_t> close_code_;
    std::string close_reason_;
    std::uint64_t id_ = 0;
    bool closed_ = false;
    bool unregistered_ = false;
};

std::optional<std::string> header(const http::request<http::string_body>& req,
                                  std::string_view name) {
    const auto it = req.find(beast::string_view(name.data(), name.size()));
    if (it == req.end())
        return std::nullopt;
    return std::string(it->value());
}

awaitable<void> http_session(tcp::socket sock, exchange& ex) {
    beast::tcp_stream stream(std::move(sock));
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(1 << 20);
        co_await http::async_read(stream, buf, parser, net::redirect_error(use_awaitable, ec));
        if (ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::connection_reset)
            break;
        if (ec) {
            http::response<http::string_body> res{http::status::bad_request, 11};
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"code":"50000","msg":"Bad request","data":[]})";
            res.prepare_payload();
            res.keep_alive(false);
            co_await http::async_write(stream, res, net::redirect_error(use_awaitable, ec));
            break;
        }
        auto req = parser.release();
        if (websocket::is_upgrade(req)) {
            if (const auto kind =
                    exchange::ws_path(std::string_view(req.target().data(), req.target().size()))) {
                if (ex.ws_refused(*kind, monotonic_now_ns())) {
                    http::response<http::string_body> res{http::status::service_unavailable, 11};
                    res.set(http::field::content_type, "application/json");
                    res.body() =
                        R"({"code":"50001","msg":"Service temporarily unavailable","data":[]})";
                    res.prepare_payload();
                    res.keep_alive(false);
                    co_await http::async_write(stream, res, net::redirect_error(use_awaitable, ec));
                    break;
                }
                auto session = std::make_shared<ws_session>(std::move(stream), ex);
                co_await ws_session::run(session, std::move(req), *kind);
                co_return;
            }
        }
        http_request r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        r.body = req.body();
        r.key = header(req, "OK-ACCESS-KEY");
        r.sign = header(req, "OK-ACCESS-SIGN");
        r.timestamp = header(req, "OK-ACCESS-TIMESTAMP");
        r.passphrase = header(req, "OK-ACCESS-PASSPHRASE");
        r.exp_time = header(req, "expTime");
        const std::int64_t recv_mono = monotonic_now_ns(), recv_epoch = wall_now_ns();
        http_response out = ex.handle_http(r, recv_mono, recv_epoch);
        if (out.defer) {
            net::steady_timer t(stream.get_executor());
            t.expires_after(std::chrono::milliseconds(out.delay_ms));
            co_await t.async_wait(net::redirect_error(use_awaitable, ec));
            out = ex.handle_http(r, monotonic_now_ns(), wall_now_ns(), true);
        }
        if (out.hang) {
            // The request took effect; never answer. Wait for the client to give up and close.
            char scratch[512];
            for (;;) {
                co_await stream.socket().async_read_some(net::buffer(scratch),
                                                         net::redirect_error(use_awaitable, ec));
                if (ec)
                    co_return;
            }
        }
        http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
        res.set(http::field::server, "okx_sim");
        res.set("X-Sim-Run-Id", ex.run_id());
        res.set(http::field::content_type, "application/json");
        res.keep_alive(req.keep_alive());
        res.body() = std::move(out.body);
        res.prepare_payload();
        co_await http::async_write(stream, res, net::redirect_error(use_awaitable, ec));
        if (ec || !res.keep_alive())
            break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

awaitable<void> accept_loop(tcp::acceptor& acceptor, exchange& ex) {
    for (;;) {
        beast::error_code ec;
        tcp::socket sock = co_await acceptor.async_accept(net::redirect_error(use_awaitable, ec));
        if (ec) {
            if (ec == net::error::operation_aborted)
                co_return;
            continue;
        }
        sock.set_option(tcp::no_delay(true), ec);
        net::co_spawn(acceptor.get_executor(), http_session(std::move(sock), ex), log_exception);
    }
}

awaitable<void> timer_loop(exchange& ex, std::int64_t period_ms) {
    net::steady_timer t(co_await net::this_coro::executor);
    beast::error_code ec;
    for (;;) {
        t.expires_after(std::chrono::milliseconds(period_ms));
        co_await t.async_wait(net::redirect_error(use_awaitable, ec));
        if (ec)
            co_return;
        ex.on_timer(monotonic_now_ns(), wall_now_ns());
    }
}

} // namespace

int run_server(exchange& ex, const server_options& opt) {
    net::io_context ioc{1};
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint ep(net::ip::make_address(opt.host), opt.port);
    acceptor.open(ep.protocol());
    // SO_REUSEADDR only skips TIME_WAIT: a port another process listens on still fails to bind.
    acceptor.set_option(net::socket_base::reuse_address(true));
    beast::error_code ec;
    acceptor.bind(ep, ec);
    if (ec == net::error::address_in_use)
        throw port_in_use("port " + std::to_string(opt.port) + " on " + opt.host +
                          " is already in use (another okx_sim or program listens there); "
                          "refusing to start so no bot talks to the wrong exchange");
    if (ec)
        throw std::runtime_error("cannot bind " + opt.host + ":" + std::to_string(opt.port) + ": " +
                                 ec.message());
    acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen: " + ec.message());
    const auto port = acceptor.local_endpoint().port();
    std::printf("okx_sim listening on %s:%u\n", opt.host.c_str(), static_cast<unsigned>(port));
    std::fflush(stdout);
    spdlog::info("listening on {}:{}", opt.host, port);

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const beast::error_code&, int sig) {
        spdlog::info("signal {}: stopping", sig);
        ioc.stop();
    });
    net::co_spawn(ioc, accept_loop(acceptor, ex), log_exception);
    net::co_spawn(ioc, timer_loop(ex, opt.timer_ms), log_exception);
    for (;;) {
        try {
            ioc.run();
            break;
        } catch (const std::exception& e) {
            spdlog::error("event loop: {}", e.what());
        }
    }
    return 0;
}

} // namespace scalpel::sim
