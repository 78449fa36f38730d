// rest_client: HTTP/1.1 keep-alive pool, signing, token buckets, retries. See rest_client.hpp.
// Coroutines are named member functions with by-value parameters (GCC 12 coroutine bugs with
// capturing lambdas, design.md §3.7); every Asio call uses redirect_error so nothing throws.
#include "common/net/rest_client.hpp"

#include "common/clock.hpp"
#include "common/net/rate_limiter.hpp"
#include "common/net/tls.hpp"
#include "common/okx/parse.hpp"
#include "common/okx/signing.hpp"

#include <random>

namespace scalpel::net_client {
namespace {

constexpr std::size_t max_idle_connections = 4;

struct connection {
    std::optional<beast::tcp_stream> plain;
    std::optional<tls_stream> tls;
    beast::flat_buffer buf;
    bool open = false;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    void close() {
        if (tls || plain) {
            beast::error_code ec;
            lowest().socket().close(ec);
        }
        tls.reset();
        plain.reset();
        buf.clear();
        open = false;
    }
};

struct attempt {
    int status = 0;
    std::string body;
    beast::error_code ec;
    bool sent = false; // the request was fully written: the server may have acted on it
};

template <class Stream>
net::awaitable<beast::error_code>
write_read(Stream& s, beast::tcp_stream& lowest, std::chrono::milliseconds timeout,
           http::request<http::string_body>& req, http::response<http::string_body>& res,
           beast::flat_buffer& buf, bool& sent) {
    beast::error_code ec;
    lowest.expires_after(timeout);
    co_await http::async_write(s, req, net::redirect_error(net::use_awaitable, ec));
    if (ec)
        co_return ec;
    sent = true;
    co_await http::async_read(s, buf, res, net::redirect_error(net::use_awaitable, ec));
    lowest.expires_never();
    co_return ec;
}

} // namespace

struct rest_client::impl {
    impl(net::any_io_executor e, endpoint_config c, std::optional<credentials> cr)
        : ex(std::move(e)), cfg(std::move(c)), creds(std::move(cr)), rng(std::random_device{}()) {
        validate(cfg);
        if (cfg.rest.tls())
            tls_ctx = make_tls_context(cfg);
        host_header = cfg.rest.host;
        if (cfg.rest.port != (cfg.rest.tls() ? 443 : 80))
            host_header += ":" + std::to_string(cfg.rest.port);
    }

    net::any_io_executor ex;
    endpoint_config cfg;
    std::optional<credentials> creds;
    std::unique_ptr<ssl::context> tls_ctx;
    rate_limiter limits;
    rest_stats stats;
    std::vector<std::unique_ptr<connection>> idle;
    std::mt19937_64 rng;
    std::string host_header;

    net::awaitable<void> sleep_for(std::chrono::nanoseconds d) {
        net::steady_timer t(ex);
        t.expires_after(d);
        beast::error_code ec;
        co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
    }

    // Exponential with "equal jitter": half fixed, half random, so retries never bunch up.
    std::chrono::milliseconds backoff(int attempt) {
        const auto base = cfg.backoff_base.count();
        const auto cap = cfg.backoff_max.count();
        const long long exp = std::min<long long>(cap, base << std::min(attempt, 20));
        std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, exp / 2));
        return std::chrono::milliseconds(exp / 2 + jitter(rng));
    }

    net::awaitable<void> wait_token(endpoint_id id) {
        for (;;) {
            const std::int64_t wait_ns = limits.acquire(id, monotonic_now_ns());
            if (wait_ns == 0)
                co_return;
            ++stats.rate_waits;
            co_await sleep_for(std::chrono::nanoseconds(wait_ns));
        }
    }

    template <class Socket> void set_nodelay(Socket& s) {
        beast::error_code ec;
        s.set_option(tcp::no_delay(true), ec);
        tcp::no_delay on;
        s.get_option(on, ec);
        if (!ec && on.value())
            ++stats.nodelay_connects;
    }

    net::awaitable<beast::error_code> connect(connection& c) {
        c.close();
        beast::error_code ec;
        tcp::resolver resolver(ex);
        const auto results =
            co_await resolver.async_resolve(cfg.rest.host, std::to_string(cfg.rest.port),
                                            net::redirect_error(net::use_awaitable, ec));
        if (ec)
            co_return ec;
        ++stats.connects;
        if (cfg.rest.tls()) {
            c.tls.emplace(ex, *tls_ctx);
            if ((ec = prepare_tls(*c.tls, cfg.rest.host)))
                co_return ec;
            c.lowest().expires_after(cfg.connect_timeout);
            co_await c.lowest().async_connect(results, net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return ec;
            set_nodelay(c.lowest().socket());
            c.lowest().expires_after(cfg.connect_timeout);
            co_await c.tls->async_handshake(ssl::stream_base::client,
                                            net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return ec;
        } else {
            c.plain.emplace(ex);
            c.lowest().expires_after(cfg.connect_timeout);
            co_await c.lowest().async_connect(results, net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return ec;
            set_nodelay(c.lowest().socket());
        }
        c.lowest().expires_never();
        c.open = true;
        co_return ec;
    }

    net::awaitable<attempt> send_once(http::verb verb, std::string target, std::string body,
                                      bool sign, bool idempotent, std::int64_t exp_time_ms) {
        attempt a;
        std::unique_ptr<connection> c;
        bool reused = false;
        if (!idle.empty()) {
            c = std::move(idle.back());
            idle.pop_back();
            reused = true;
        } else {
            c = std::make_unique<connection>();
        }
        for (int pass = 0; pass < 2; ++pass) {
            if (!c->open) {
                a.ec = co_await connect(*c);
                if (a.ec) {
                    c->close();
                    co_return a;
                }
            }
            http::request<http::string_body> req{verb, target, 11};
            req.set(http::field::host, host_header);
            req.set(http::field::user_agent, "scalpel/0.1");
            req.keep_alive(true);
            if (verb == http::verb::post) {
                req.set(http::field::content_type, "application/json");
                req.body() = body;
            }
            if (sign) {
                char ts[okx::iso_timestamp_len];
                okx::iso_timestamp_into(wall_now_ms(), ts);
                const std::string_view ts_view(ts, sizeof ts);
                char sig[okx::signature_len];
                const auto method = http::to_string(verb);
                const std::size_t n = okx::sign_request_into(
                    creds->secret, ts_view, std::string_view(method.data(), method.size()), target,
                    body, sig);
                req.set("OK-ACCESS-KEY", creds->api_key);
                req.set("OK-ACCESS-SIGN", beast::string_view(sig, n));
                req.set("OK-ACCESS-TIMESTAMP", beast::string_view(ts, sizeof ts));
                req.set("OK-ACCESS-PASSPHRASE", creds->passphrase);
            }
            if (cfg.demo)
                req.set("x-simulated-trading", "1");
            if (exp_time_ms > 0) { // OKX Transaction timeouts: a header, outside the signature
                char t[24];
                const std::size_t n = okx::write_exp_time(exp_time_ms, t, sizeof t);
                req.set("expTime", beast::string_view(t, n));
            }
            req.prepare_payload();

            http::response<http::string_body> res;
            a.sent = false;
            ++stats.requests;
            if (c->tls)
                a.ec = co_await write_read(*c->tls, c->lowest(), cfg.request_timeout, req, res,
                                           c->buf, a.sent);
            else
                a.ec = co_await write_read(*c->plain, c->lowest(), cfg.request_timeout, req, res,
                                           c->buf, a.sent);
            if (a.ec) {
                c->close();
                // A kept-alive connection the server already closed: retry once on a fresh one when
                // nothing can have been acted on (write failed) or the request is idempotent.
                const bool stale = a.ec != beast::error::timeout && (!a.sent || idempotent);
                if (reused && pass == 0 && stale) {
                    reused = false;
                    a.ec = {};
                    continue;
                }
                co_return a;
            }
            a.status = static_cast<int>(res.result_int());
            a.body = std::move(res.body());
            if (res.keep_alive() && idle.size() < max_idle_connections)
                idle.push_back(std::move(c));
            else
                c->close();
            co_return a;
        }
        co_return a;
    }

    net::awaitable<raw_reply> call(endpoint_id id, http::verb verb, std::string target,
                                   std::string body, bool sign, bool idempotent,
                                   std::int64_t exp_time_ms = 0) {
        raw_reply r;
        if (sign && !creds) {
            r.err = okx::make_error(okx::error_kind::config,
                                    "private endpoint called without OKX credentials");
            co_return r;
        }
        for (int n = 0;; ++n) {
            co_await wait_token(id);
            attempt a = co_await send_once(verb, target, body, sign, idempotent, exp_time_ms);
            r = raw_reply{};
            r.status = a.status;
            r.body = std::move(a.body);
            if (a.ec) {
                const bool timed_out = a.ec == beast::error::timeout;
                std::string what =
                    std::string(timed_out ? "request timed out" : "transport error") + " (" +
                    std::string(to_string(id)) + "): " + a.ec.message();
                okx::error_kind kind = okx::error_kind::network;
                if (a.sent && !idempotent)
                    kind = okx::error_kind::unknown_outcome;
                else if (a.sent && timed_out)
                    kind = okx::error_kind::timeout;
                r.err = okx::make_error(kind, what);
            } else {
                r.err = okx::parse_envelope(r.body, r.status);
            }
            if (r.err.ok() || n >= cfg.max_retries)
                co_return r;
            const auto k = r.err.kind;
            const bool retry = k == okx::error_kind::rate_limit ||
                               (k == okx::error_kind::network && !a.sent) ||
                               (idempotent && okx::is_retryable(k));
            if (!retry)
                co_return r;
            ++stats.retries;
            co_await sleep_for(backoff(n));
        }
    }

    template <class T, class Parse>
    net::awaitable<okx::result<T>> typed(endpoint_id id, http::verb verb, std::string target,
                                         std::string body, bool sign, bool idempotent,
                                         Parse parse) {
        raw_reply r = co_await call(id, verb, std::move(target), std::move(body), sign, idempotent);
        if (r.status == 0)
            co_return okx::result<T>(r.err);
        co_return okx::result<T>(parse(r.body, r.status));
    }
};

rest_client::rest_client(net::any_io_executor ex, endpoint_config cfg,
                         std::optional<credentials> creds)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(cfg), std::move(creds))) {}
rest_client::~rest_client() = default;

const rest_stats& rest_client::stats() const noexcept {
    return impl_->stats;
}
const endpoint_config& rest_client::config() const noexcept {
    return impl_->cfg;
}

namespace {
using verb = http::verb;

template <class T> rest_result<T> ready_error(okx::error e) {
    co_return e;
}

okx::result<okx::ticker> first_ticker(std::string_view body, int status) {
    auto rows = okx::parse_tickers(body, status);
    if (!rows.ok())
        return rows.err;
    if (rows.value.empty())
        return okx::make_error(okx::error_kind::not_found, "no ticker for instrument", 0, status);
    return rows.value.front();
}

okx::result<okx::algo_order> first_algo(std::string_view body, int status) {
    auto rows = okx::parse_algo_orders(body, status);
    if (!rows.ok())
        return rows.err;
    if (rows.value.empty())
        return okx::make_error(okx::error_kind::not_found, "algo order does not exist", 0, status);
    return rows.value.front();
}
} // namespace

rest_result<okx::server_time> rest_client::server_time() {
    return impl_->typed<okx::server_time>(endpoint_id::server_time, verb::get,
                                          okx::path_server_time(), {}, false, true,
                                          okx::parse_server_time);
}

rest_result<std::vector<okx::instrument>> rest_client::instruments(std::string inst_type,
                                                                   std::string inst_id) {
    return impl_->typed<std::vector<okx::instrument>>(endpoint_id::instruments, verb::get,
                                                      okx::path_instruments(inst_type, inst_id), {},
                                                      false, true, okx::parse_instruments);
}

rest_result<okx::ticker> rest_client::ticker(std::string inst_id) {
    return impl_->typed<okx::ticker>(endpoint_id::ticker, verb::get, okx::path_ticker(inst_id), {},
                                     false, true, first_ticker);
}

rest_result<std::vector<okx::ticker>> rest_client::tickers(std::string inst_type) {
    return impl_->typed<std::vector<okx::ticker>>(endpoint_id::tickers, verb::get,
                                                  okx::path_tickers(inst_type), {}, false, true,
                                                  okx::parse_tickers);
}

rest_result<std::vector<okx::candle_row>> rest_client::candles(std::string inst_id, std::string bar,
                                                               int limit, std::int64_t after_ms,
                                                               std::int64_t before_ms,
                                                               bool history) {
    return impl_->typed<std::vector<okx::candle_row>>(
        history ? endpoint_id::history_candles : endpoint_id::candles, verb::get,
        okx::path_candles(inst_id, bar, limit, after_ms, before_ms, history), {}, false, true,
        okx::parse_candles);
}

rest_result<okx::account_config> rest_client::account_config() {
    return impl_->typed<okx::account_config>(endpoint_id::account_config, verb::get,
                                             okx::path_account_config(), {}, true, true,
                                             okx::parse_account_config);
}

rest_result<okx::balance> rest_client::balance(std::string ccys) {
    return impl_->typed<okx::balance>(endpoint_id::balance, verb::get, okx::path_balance(ccys), {},
                                      true, true, okx::parse_balance);
}

const char* to_string(placement_state s) noexcept {
    switch (s) {
    case placement_state::placed:
        return "placed";
    case placement_state::absent:
        return "absent";
    case placement_state::unknown:
        return "unknown";
    }
    return "?";
}

namespace {
// Answers to a place order that do not say whether it executed: resolve by lookup.
bool unclear(okx::error_kind k) noexcept {
    using okx::error_kind;
    return k == error_kind::unknown_outcome || k == error_kind::transient ||
           k == error_kind::timeout || k == error_kind::duplicate_id ||
           k == error_kind::bad_response;
}
} // namespace

net::awaitable<order_placement> rest_client::submit_order(const okx::place_order_req& req) {
    const std::int64_t exp =
        req.exp_time_ms > 0 ? req.exp_time_ms
                            : okx::exp_time_after(wall_now_ms(), impl_->cfg.order_deadline.count());
    return submit_order_impl(okx::place_order_body(req), std::string(req.inst_id),
                             std::string(req.cl_ord_id), exp);
}

net::awaitable<order_placement> rest_client::submit_order_impl(std::string body,
                                                               std::string inst_id,
                                                               std::string cl_ord_id,
                                                               std::int64_t exp_time_ms) {
    order_placement out;
    out.exp_time_ms = exp_time_ms;
    if (body.empty()) {
        out.state = placement_state::absent;
        out.err = okx::make_error(okx::error_kind::bad_request, "invalid order request");
        co_return out;
    }
    raw_reply r =
        co_await impl_->call(endpoint_id::place_order, verb::post,
                             std::string(okx::path_place_order), body, true, false, exp_time_ms);
    okx::result<okx::order_ack> res =
        r.status == 0 ? okx::result<okx::order_ack>(r.err) : okx::parse_order_ack(r.body, r.status);
    if (res.ok()) {
        out.state = placement_state::placed;
        out.ack = res.value;
        co_return out;
    }
    out.err = res.err;
    // network = nothing was written (call() reports a sent request as unknown_outcome); any other
    // clear answer is the exchange refusing the order.
    if (!unclear(res.err.kind)) {
        out.state = placement_state::absent;
        co_return out;
    }
    if (cl_ord_id.empty()) // nothing to look it up by: it stays unknown
        co_return out;
    co_return co_await resolve_order(std::move(inst_id), std::move(cl_ord_id), exp_time_ms);
}

net::awaitable<order_placement>
rest_client::resolve_order(std::string inst_id, std::string cl_ord_id, std::int64_t exp_time_ms) {
    order_placement out;
    out.exp_time_ms = exp_time_ms;
    out.err = okx::make_error(okx::error_kind::unknown_outcome, "order outcome not resolved");
    const auto& cfg = impl_->cfg;
    const std::int64_t absent_after = exp_time_ms + cfg.order_lookup_lag.count();
    const std::int64_t give_up_after = absent_after + cfg.order_resolve_timeout.count();
    for (;;) {
        auto q = co_await order(inst_id, {}, cl_ord_id);
        const std::int64_t now = wall_now_ms();
        if (q.ok()) {
            out.state = placement_state::placed;
            out.ack.ord_id = q.value.ord_id;
            out.ack.cl_ord_id = q.value.cl_ord_id;
            out.ack.ts_ms = q.value.c_time_ms;
            out.err = {};
            co_return out;
        }
        // "Not found" proves absence only once the exchange can no longer execute it.
        if (q.err.kind == okx::error_kind::not_found && now > absent_after) {
            out.state = placement_state::absent;
            out.err = okx::make_error(okx::error_kind::expired,
                                      "order not on the exchange after its expTime + lookup lag");
            co_return out;
        }
        if (q.err.kind != okx::error_kind::not_found && now > give_up_after)
            co_return out; // the exchange cannot be asked: still unknown
        co_await impl_->sleep_for(cfg.order_lookup_interval);
    }
}

rest_result<okx::order_ack> rest_client::place_order(const okx::place_order_req& req) {
    const std::int64_t exp =
        req.exp_time_ms > 0 ? req.exp_time_ms
                            : okx::exp_time_after(wall_now_ms(), impl_->cfg.order_deadline.count());
    return place_order_impl(okx::place_order_body(req), std::string(req.inst_id),
                            std::string(req.cl_ord_id), exp);
}

rest_result<okx::order_ack> rest_client::place_order_impl(std::string body, std::string inst_id,
                                                          std::string cl_ord_id,
                                                          std::int64_t exp_time_ms) {
    const order_placement p = co_await submit_order_impl(std::move(body), std::move(inst_id),
                                                         std::move(cl_ord_id), exp_time_ms);
    if (p.placed())
        co_return p.ack;
    if (p.state == placement_state::unknown && p.err.kind != okx::error_kind::unknown_outcome) {
        okx::error e = p.err;
        e.kind = okx::error_kind::unknown_outcome;
        co_return e;
    }
    co_return p.err;
}

rest_result<okx::order_ack> rest_client::cancel_order(const okx::cancel_order_req& req) {
    std::string body = okx::cancel_order_body(req);
    if (body.empty())
        return ready_error<okx::order_ack>(
            okx::make_error(okx::error_kind::bad_request, "invalid cancel request"));
    return impl_->typed<okx::order_ack>(endpoint_id::cancel_order, verb::post,
                                        std::string(okx::path_cancel_order), std::move(body), true,
                                        true, okx::parse_order_ack);
}

rest_result<okx::order_detail> rest_client::order(std::string inst_id, std::string ord_id,
                                                  std::string cl_ord_id) {
    return impl_->typed<okx::order_detail>(endpoint_id::order_details, verb::get,
                                           okx::path_order(inst_id, ord_id, cl_ord_id), {}, true,
                                           true, okx::parse_order_detail);
}

rest_result<std::vector<okx::order_detail>> rest_client::orders_pending(std::string inst_id) {
    return impl_->typed<std::vector<okx::order_detail>>(endpoint_id::orders_pending, verb::get,
                                                        okx::path_orders_pending("SPOT", inst_id),
                                                        {}, true, true, okx::parse_order_details);
}

rest_result<std::vector<okx::fill>> rest_client::fills(std::string inst_id, std::string ord_id,
                                                       int limit) {
    return impl_->typed<std::vector<okx::fill>>(endpoint_id::fills, verb::get,
                                                okx::path_fills(inst_id, ord_id, limit), {}, true,
                                                true, okx::parse_fills);
}

rest_result<okx::algo_ack> rest_client::place_algo(const okx::algo_order_req& req) {
    return place_algo_impl(okx::algo_order_body(req), std::string(req.algo_cl_ord_id));
}

rest_result<okx::algo_ack> rest_client::place_algo_impl(std::string body,
                                                        std::string algo_cl_ord_id) {
    if (body.empty())
        co_return okx::make_error(okx::error_kind::bad_request, "invalid algo order request");
    for (int n = 0;; ++n) {
        raw_reply r = co_await impl_->call(endpoint_id::place_algo, verb::post,
                                           std::string(okx::path_place_algo), body, true, false);
        okx::result<okx::algo_ack> res = r.status == 0 ? okx::result<okx::algo_ack>(r.err)
                                                       : okx::parse_algo_ack(r.body, r.status);
        const auto k = res.err.kind;
        const bool unsure = k == okx::error_kind::unknown_outcome ||
                            k == okx::error_kind::transient || k == okx::error_kind::timeout ||
                            k == okx::error_kind::network;
        // A re-send refused for any reason may be the duplicate of the first send landing late
        // (OKX refuses an algoClOrdId that exists): ask once more before reporting the refusal.
        const bool resend_refused = !res.ok() && !unsure && n > 0 && !algo_cl_ord_id.empty();
        if (!resend_refused &&
            (res.ok() || !unsure || algo_cl_ord_id.empty() || n >= impl_->cfg.max_retries))
            co_return res;
        if (!resend_refused)
            co_await impl_->sleep_for(impl_->backoff(n));
        auto q = co_await algo_order({}, algo_cl_ord_id);
        if (resend_refused && !q.ok())
            co_return res;
        if (q.ok()) {
            okx::algo_ack ack;
            ack.algo_id = q.value.algo_id;
            ack.algo_cl_ord_id = q.value.algo_cl_ord_id;
            co_return ack;
        }
        if (q.err.kind != okx::error_kind::not_found)
            co_return res;
        ++impl_->stats.retries;
    }
}

rest_result<std::vector<okx::algo_ack>>
rest_client::cancel_algos(const std::vector<okx::cancel_algo_req>& reqs) {
    std::string body = okx::cancel_algos_body(reqs.data(), reqs.size());
    if (body.empty())
        return ready_error<std::vector<okx::algo_ack>>(
            okx::make_error(okx::error_kind::bad_request, "invalid cancel-algos request"));
    return impl_->typed<std::vector<okx::algo_ack>>(
        endpoint_id::cancel_algos, verb::post, std::string(okx::path_cancel_algos), std::move(body),
        true, true, okx::parse_cancel_algos);
}

rest_result<okx::algo_order> rest_client::algo_order(std::string algo_id,
                                                     std::string algo_cl_ord_id) {
    return impl_->typed<okx::algo_order>(endpoint_id::algo_details, verb::get,
                                         okx::path_algo_order(algo_id, algo_cl_ord_id), {}, true,
                                         true, first_algo);
}

rest_result<std::vector<okx::algo_order>> rest_client::algos_pending(std::string ord_type,
                                                                     std::string inst_id) {
    return impl_->typed<std::vector<okx::algo_order>>(endpoint_id::algos_pending, verb::get,
                                                      okx::path_algos_pending(ord_type, inst_id),
                                                      {}, true, true, okx::parse_algo_orders);
}

rest_result<std::vector<okx::algo_order>> rest_client::algos_history(std::string ord_type,
                                                                     std::string state,
                                                                     std::string algo_id,
                                                                     std::string inst_id) {
    return impl_->typed<std::vector<okx::algo_order>>(
        endpoint_id::algos_history, verb::get,
        okx::path_algos_history(ord_type, state, algo_id, inst_id), {}, true, true,
        okx::parse_algo_orders);
}

net::awaitable<rest_client::raw_reply> rest_client::get(std::string path_and_query,
                                                        bool signed_request) {
    return impl_->call(endpoint_id::server_time, verb::get, std::move(path_and_query), {},
                       signed_request, true);
}

} // namespace scalpel::net_client
