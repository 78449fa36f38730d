// The TLS success and failure paths of rest_client and ws_client against a tiny in-test HTTPS/WSS
// Beast server on 127.0.0.1 whose certificates are made at test time with the openssl CLI (a
// throwaway CA, a server cert for "localhost" and one for another name). Checks: with the CA
// configured the client verifies and completes a request, and the SNI name reaches the server;
// a certificate for another host name, an IP literal the cert does not name, or no CA at all make
// verification fail; the server never sees a plain-text byte (no fallback).
#include "common/net/rest_client.hpp"
#include "common/net/ws_client.hpp"

#include "common/net/asio.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <openssl/ssl.h>

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace scalpel;
using namespace scalpel::net_client;
using namespace std::chrono_literals;

namespace {

// A CA, a "localhost" server cert and a "wrong.example" server cert, made once per test run.
struct test_pki {
    scalpel::test::temp_dir dir;
    std::string ca, good_cert, good_key, wrong_cert, wrong_key;

    // run_capture execs without a PATH search.
    static std::string openssl_path() {
        const char* path = std::getenv("PATH");
        std::string dirs = path ? path : "/usr/bin:/bin";
        for (std::size_t at = 0; at <= dirs.size();) {
            const auto end = std::min(dirs.find(':', at), dirs.size());
            const std::string cand = dirs.substr(at, end - at) + "/openssl";
            if (::access(cand.c_str(), X_OK) == 0)
                return cand;
            at = end + 1;
        }
        FAIL("the openssl CLI is needed to make the test certificates and is not on PATH");
        return {};
    }

    void openssl(const std::vector<std::string>& args) {
        static const std::string exe = openssl_path();
        std::vector<std::string> argv{exe};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = scalpel::test::run_capture(argv, 30s);
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
    }

    void leaf(const std::string& name, const std::string& cert, const std::string& key) {
        const std::string csr = dir.path() + "/" + name + ".csr",
                          ext = dir.path() + "/" + name + ".ext";
        std::ofstream(ext) << "subjectAltName=DNS:" << name << "\nbasicConstraints=CA:FALSE\n"
                           << "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n";
        openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name});
        openssl({"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", dir.path() + "/ca.key",
                 "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext});
    }

    test_pki() {
        ca = dir.path() + "/ca.pem";
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", dir.path() + "/ca.key", "-out", ca, "-days", "2", "-subj",
                 "/CN=scalpel throwaway test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
        good_cert = dir.path() + "/localhost.pem";
        good_key = dir.path() + "/localhost.key";
        leaf("localhost", good_cert, good_key);
        wrong_cert = dir.path() + "/wrong.pem";
        wrong_key = dir.path() + "/wrong.key";
        leaf("wrong.example", wrong_cert, wrong_key);
    }
};

constexpr const char* ticker_frame =
    R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000.5","lastSz":"0.1","askPx":"50001","askSz":"1","bidPx":"50000","bidSz":"2","ts":"1700000000000"}]})";

// HTTPS + WSS on 127.0.0.1:<free port>, its own thread. Records the SNI names of every
// ClientHello, the first byte class of every connection (TLS record or not), handshakes and
// requests.
class tls_server {
public:
    tls_server(const std::string& cert, const std::string& key) {
        ctx_.use_certificate_chain_file(cert);
        ctx_.use_private_key_file(key, ssl::context::pem);
        SSL_CTX_set_tlsext_servername_callback(ctx_.native_handle(), &tls_server::on_sni);
        SSL_CTX_set_tlsext_servername_arg(ctx_.native_handle(), this);
        const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(ioc_, accept_loop(), net::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~tls_server() {
        ioc_.stop();
        thread_.join();
    }

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    struct counts {
        int tls_conns = 0, plain_conns = 0, handshakes = 0, handshake_failures = 0, requests = 0,
            ws_sessions = 0;
        std::vector<std::string> sni; // one per ClientHello; "" when none was sent
    };
    [[nodiscard]] counts seen() const {
        std::lock_guard lk(mu_);
        return c_;
    }

private:
    static int on_sni(SSL* s, int*, void* arg) {
        auto* self = static_cast<tls_server*>(arg);
        const char* name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
        std::lock_guard lk(self->mu_);
        self->c_.sni.emplace_back(name ? name : "");
        return SSL_TLSEXT_ERR_OK;
    }

    template <class F> void count(F f) {
        std::lock_guard lk(mu_);
        f(c_);
    }

    net::awaitable<void> accept_loop() {
        for (;;) {
            beast::error_code ec;
            tcp::socket s =
                co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return;
            net::co_spawn(ioc_, session(std::move(s)), net::detached);
        }
    }

    net::awaitable<void> session(tcp::socket sock) {
        beast::error_code ec;
        unsigned char first = 0;
        co_await sock.async_receive(net::buffer(&first, 1), tcp::socket::message_peek,
                                    net::redirect_error(net::use_awaitable, ec));
        if (ec)
            co_return;
        if (first != 0x16) { // not a TLS handshake record: a plain-text client
            count([](counts& c) { ++c.plain_conns; });
            co_return;
        }
        count([](counts& c) { ++c.tls_conns; });
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), ctx_);
        co_await stream.async_handshake(ssl::stream_base::server,
                                        net::redirect_error(net::use_awaitable, ec));
        if (ec) {
            count([](counts& c) { ++c.handshake_failures; });
            co_return;
        }
        count([](counts& c) { ++c.handshakes; });
        beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            co_await http::async_read(stream, buf, req,
                                      net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return;
            count([](counts& c) { ++c.requests; });
            if (websocket::is_upgrade(req)) {
                websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(std::move(stream));
                co_await ws.async_accept(req, net::redirect_error(net::use_awaitable, ec));
                if (ec)
                    co_return;
                count([](counts& c) { ++c.ws_sessions; });
                ws.text(true);
                for (;;) {
                    beast::flat_buffer in;
                    co_await ws.async_read(in, net::redirect_error(net::use_awaitable, ec));
                    if (ec)
                        co_return;
                    const std::string text = beast::buffers_to_string(in.data());
                    std::vector<std::string> out;
                    if (text == "ping")
                        out.emplace_back("pong");
                    else if (text.find("\"subscribe\"") != std::string::npos)
                        out = {
                            R"({"event":"subscribe","arg":{"channel":"tickers","instId":"BTC-USDT"},"connId":"t1"})",
                            ticker_frame};
                    for (const auto& f : out) {
                        co_await ws.async_write(net::buffer(f),
                                                net::redirect_error(net::use_awaitable, ec));
                        if (ec)
                            co_return;
                    }
                }
            }
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.set(http::field::content_type, "application/json");
            res.keep_alive(req.keep_alive());
            res.body() = R"({"code":"0","msg":"","data":[{"ts":"1700000000123"}]})";
            res.prepare_payload();
            co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, ec));
            if (ec)
                co_return;
        }
    }

    ssl::context ctx_{ssl::context::tls_server};
    mutable std::mutex mu_;
    counts c_;
    net::io_context ioc_{1};
    tcp::acceptor acceptor_{ioc_};
    std::uint16_t port_ = 0;
    std::thread thread_;
};

endpoint_config tls_cfg(std::uint16_t port, const std::string& host, const std::string& ca) {
    endpoint_config cfg;
    cfg.rest = parse_url("https://" + host + ":" + std::to_string(port));
    cfg.ws = parse_url("wss://" + host + ":" + std::to_string(port));
    cfg.ca_file = ca;
    cfg.connect_timeout = 3000ms;
    cfg.request_timeout = 3000ms;
    cfg.max_retries = 1;
    cfg.backoff_base = 50ms;
    cfg.reconnect_min = 50ms;
    cfg.reconnect_max = 100ms;
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

test_pki& pki() {
    static test_pki p;
    return p;
}

// A REST call that must fail TLS verification: network error, nothing served, no plain bytes.
void expect_verify_failure(tls_server& srv, const endpoint_config& cfg) {
    rest_session s(cfg);
    auto r = s.run(s.client().server_time());
    CHECK(r.err.kind == okx::error_kind::network);
    INFO(r.err.message.view());
    CHECK(std::string(r.err.message.view()).find("certificate verify failed") != std::string::npos);
    const auto seen = srv.seen();
    CHECK(seen.tls_conns >= 1);
    CHECK(seen.requests == 0);
    CHECK(seen.plain_conns == 0);
}

} // namespace

TEST_CASE("net_tls: HTTPS with the test CA verifies, sends SNI and completes the request",
          "[sim][net]") {
    tls_server srv(pki().good_cert, pki().good_key);
    rest_session s(tls_cfg(srv.port(), "localhost", pki().ca));
    auto t = s.run(s.client().server_time());
    INFO(t.err.message.view());
    REQUIRE(t.ok());
    CHECK(t.value.ts_ms == 1700000000123);
    auto t2 = s.run(s.client().server_time());
    REQUIRE(t2.ok());
    const auto seen = srv.seen();
    CHECK(seen.handshakes == 1); // keep-alive over one TLS session
    CHECK(seen.requests == 2);
    CHECK(seen.plain_conns == 0);
    REQUIRE(seen.sni.size() == 1);
    CHECK(seen.sni[0] == "localhost");
    CHECK(s.client().stats().connects == 1);
}

TEST_CASE("net_tls: WSS with the test CA verifies, sends SNI and goes live", "[sim][net]") {
    tls_server srv(pki().good_cert, pki().good_key);
    net::io_context ioc{1};
    int ticks = 0;
    ws_handlers h;
    h.on_ticker = [&](const okx::ticker& t, mono_ns) { ticks += t.last == 50000.5; };
    ws_client ws(ioc, tls_cfg(srv.port(), "localhost", pki().ca), ws_kind::public_channel,
                 {{"tickers", "BTC-USDT", ""}}, h);
    ws.start();
    REQUIRE(run_until(ioc, [&] { return ws.state() == ws_state::live && ticks == 1; }));
    ws.stop();
    const auto seen = srv.seen();
    CHECK(seen.ws_sessions == 1);
    CHECK(seen.plain_conns == 0);
    REQUIRE_FALSE(seen.sni.empty());
    CHECK(seen.sni[0] == "localhost");
}

TEST_CASE("net_tls: verification fails for another host name, an IP literal and without the CA",
          "[sim][net]") {
    SECTION("the server's certificate names another host") {
        tls_server srv(pki().wrong_cert, pki().wrong_key);
        expect_verify_failure(srv, tls_cfg(srv.port(), "localhost", pki().ca));
        CHECK(srv.seen().sni.at(0) == "localhost");
    }
    SECTION("an IP literal the certificate does not name (and no SNI for an IP)") {
        tls_server srv(pki().good_cert, pki().good_key);
        expect_verify_failure(srv, tls_cfg(srv.port(), "127.0.0.1", pki().ca));
        CHECK(srv.seen().sni.at(0).empty());
    }
    SECTION("no CA configured: the system store does not trust the test CA") {
        tls_server srv(pki().good_cert, pki().good_key);
        expect_verify_failure(srv, tls_cfg(srv.port(), "localhost", ""));
    }
    SECTION("WSS without the CA never goes live and never falls back to plain ws") {
        tls_server srv(pki().good_cert, pki().good_key);
        net::io_context ioc{1};
        std::vector<okx::error> errors;
        bool live = false;
        ws_handlers h;
        h.on_error = [&](const okx::error& e) { errors.push_back(e); };
        h.on_state = [&](ws_state st) { live |= st == ws_state::live; };
        ws_client ws(ioc, tls_cfg(srv.port(), "localhost", ""), ws_kind::public_channel,
                     {{"tickers", "BTC-USDT", ""}}, h);
        ws.start();
        REQUIRE(
            run_until(ioc, [&] { return errors.size() >= 2; })); // failed, retried, failed again
        ws.stop();
        CHECK_FALSE(live);
        CHECK(errors[0].kind == okx::error_kind::network);
        CHECK(std::string(errors[0].message.view()).find("TLS handshake") != std::string::npos);
        const auto seen = srv.seen();
        CHECK(seen.requests == 0);
        CHECK(seen.plain_conns == 0);
        CHECK(seen.tls_conns >= 2);
    }
    SECTION("an unreadable CA file is a config error at construction") {
        CHECK_THROWS_AS(rest_session(tls_cfg(1, "localhost", "/nonexistent/ca.pem")), config_error);
    }
}
