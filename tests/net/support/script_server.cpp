// script_server implementation: Beast coroutines on a private io_context thread. See the header.
#include "tests/net/support/script_server.hpp"

#include "common/net/asio.hpp"

#include <deque>
#include <mutex>
#include <thread>

namespace scalpel::test {

namespace {
std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct ws_session {
    explicit ws_session(beast::tcp_stream&& s) : ws(std::move(s)), wake(ws.get_executor()) {
        wake.expires_at(net::steady_timer::time_point::max());
    }
    websocket::stream<beast::tcp_stream> ws;
    std::deque<std::string> out;
    net::steady_timer wake;
    bool closed = false;

    void send(std::string f) {
        out.push_back(std::move(f));
        wake.cancel_one();
    }
    void drop() {
        closed = true;
        beast::error_code ec;
        beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(ws).socket().close(ec);
        wake.cancel_one();
    }
};
} // namespace

struct script_server::impl : std::enable_shared_from_this<impl> {
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
    std::thread thread;
    mutable std::mutex mu;
    http_handler on_http;
    ws_handler on_ws;
    std::vector<http_req> reqs;
    std::vector<std::string> ws_rx, ws_tg;
    int http_conns = 0, ws_conns = 0, next_id = 0;
    std::vector<std::weak_ptr<ws_session>> sessions; // io thread only

    net::awaitable<void> accept_loop() {
        for (;;) {
            beast::error_code ec;
            tcp::socket s =
                co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return;
            net::co_spawn(ioc, session(std::move(s), ++next_id), net::detached);
        }
    }

    net::awaitable<void> session(tcp::socket sock, int id) {
        auto self = shared_from_this();
        {
            std::lock_guard lk(mu);
            ++http_conns;
        }
        beast::tcp_stream stream(std::move(sock));
        beast::flat_buffer buf;
        for (;;) {
            beast::error_code ec;
            http::request<http::string_body> req;
            co_await http::async_read(stream, buf, req,
                                      net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return;
            if (websocket::is_upgrade(req)) {
                co_await ws_run(std::move(stream), std::move(req), id);
                co_return;
            }
            http_req r;
            r.method = std::string(req.method_string());
            r.target = std::string(req.target());
            r.body = req.body();
            for (const auto& f : req) {
                std::string name(f.name_string());
                for (auto& c : name)
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                r.headers[name] = std::string(f.value());
            }
            r.conn_id = id;
            r.t_ns = now_ns();
            http_handler h;
            {
                std::lock_guard lk(mu);
                reqs.push_back(r);
                h = on_http;
            }
            http_reply rep =
                h ? h(r) : http_reply{404, R"({"code":"404","msg":"no handler","data":[]})"};
            if (rep.delay.count() > 0) {
                net::steady_timer t(ioc);
                t.expires_after(rep.delay);
                co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
            }
            if (rep.drop) {
                stream.socket().close(ec);
                co_return;
            }
            http::response<http::string_body> res{static_cast<http::status>(rep.status), 11};
            res.set(http::field::content_type, "application/json");
            res.body() = rep.body;
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
            if (ec || rep.close_after || !req.keep_alive()) {
                stream.socket().shutdown(tcp::socket::shutdown_both, ec);
                stream.socket().close(ec);
                co_return;
            }
        }
    }

    net::awaitable<void> ws_writer(std::shared_ptr<ws_session> s) {
        for (;;) {
            while (!s->out.empty() && !s->closed) {
                beast::error_code ec;
                co_await s->ws.async_write(net::buffer(s->out.front()),
                                           net::redirect_error(net::use_awaitable, ec));
                s->out.pop_front();
                if (ec) {
                    s->closed = true;
                    co_return;
                }
            }
            if (s->closed)
                co_return;
            beast::error_code ec;
            co_await s->wake.async_wait(net::redirect_error(net::use_awaitable, ec));
            s->wake.expires_at(net::steady_timer::time_point::max());
        }
    }

    net::awaitable<void> ws_run(beast::tcp_stream stream, http::request<http::string_body> req,
                                int id) {
        auto s = std::make_shared<ws_session>(std::move(stream));
        beast::error_code ec;
        co_await s->ws.async_accept(req, net::redirect_error(net::use_awaitable, ec));
        if (ec)
            co_return;
        s->ws.text(true);
        {
            std::lock_guard lk(mu);
            ++ws_conns;
            ws_tg.emplace_back(req.target());
        }
        sessions.push_back(s);
        net::co_spawn(ioc, ws_writer(s), net::detached);
        beast::flat_buffer buf;
        for (;;) {
            co_await s->ws.async_read(buf, net::redirect_error(net::use_awaitable, ec));
            if (ec)
                break;
            std::string text = beast::buffers_to_string(buf.data());
            buf.consume(buf.size());
            ws_handler h;
            {
                std::lock_guard lk(mu);
                ws_rx.push_back(text);
                h = on_ws;
            }
            const auto replies = h ? h(text, id) : okx_like_ws_reply(text);
            for (const auto& r : replies)
                s->send(r);
        }
        s->closed = true;
        s->wake.cancel_one();
    }
};

script_server::script_server() : impl_(std::make_shared<impl>()) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(ep.protocol());
    impl_->acceptor.set_option(net::socket_base::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen();
    net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
    impl_->thread = std::thread([i = impl_] {
        for (;;) {
            try {
                i->ioc.run();
                break;
            } catch (...) {
            }
        }
    });
}

script_server::~script_server() {
    net::post(impl_->ioc, [i = impl_] {
        beast::error_code ec;
        i->acceptor.close(ec);
        for (auto& w : i->sessions)
            if (auto s = w.lock())
                s->drop();
        i->ioc.stop();
    });
    impl_->thread.join();
}

std::uint16_t script_server::port() const noexcept {
    return impl_->acceptor.local_endpoint().port();
}

void script_server::on_http(http_handler h) {
    std::lock_guard lk(impl_->mu);
    impl_->on_http = std::move(h);
}
void script_server::on_ws(ws_handler h) {
    std::lock_guard lk(impl_->mu);
    impl_->on_ws = std::move(h);
}
std::vector<http_req> script_server::requests() const {
    std::lock_guard lk(impl_->mu);
    return impl_->reqs;
}
std::vector<std::string> script_server::ws_received() const {
    std::lock_guard lk(impl_->mu);
    return impl_->ws_rx;
}
std::vector<std::string> script_server::ws_targets() const {
    std::lock_guard lk(impl_->mu);
    return impl_->ws_tg;
}
int script_server::http_connections() const {
    std::lock_guard lk(impl_->mu);
    return impl_->http_conns;
}
int script_server::ws_connections() const {
    std::lock_guard lk(impl_->mu);
    return impl_->ws_conns;
}

void script_server::ws_push(std::string frame) {
    net::post(impl_->ioc, [i = impl_, f = std::move(frame)] {
        for (auto& w : i->sessions)
            if (auto s = w.lock(); s && !s->closed)
                s->send(f);
    });
}

void script_server::ws_drop_all() {
    net::post(impl_->ioc, [i = impl_] {
        for (auto& w : i->sessions)
            if (auto s = w.lock())
                s->drop();
        i->sessions.clear();
    });
}

std::vector<std::string> okx_like_ws_reply(const std::string& text) {
    if (text == "ping")
        return {"pong"};
    if (text.find(R"("op":"login")") != std::string::npos)
        return {R"({"event":"login","code":"0","msg":"","connId":"t1"})"};
    std::vector<std::string> out;
    if (text.find(R"("op":"subscribe")") != std::string::npos) {
        const auto args = text.find(R"("args":[)");
        if (args == std::string::npos)
            return out;
        std::size_t pos = args;
        while ((pos = text.find('{', pos + 1)) != std::string::npos) {
            const auto end = text.find('}', pos);
            if (end == std::string::npos)
                break;
            out.push_back(R"({"event":"subscribe","arg":)" + text.substr(pos, end - pos + 1) +
                          R"(,"connId":"t1"})");
            pos = end;
        }
    }
    return out;
}

} // namespace scalpel::test
