// sim_client: Beast HTTP/WS clients and the okx_sim child process for the socket tests.
#include "tests/okx_sim/sim_client.hpp"

#include "common/clock.hpp"
#include "common/net/asio.hpp"
#include "common/okx/signing.hpp"
#include "tests/support/net_util.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace scalpel::test {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::pair<std::string, std::string>>
sign_headers(const std::string& method, const std::string& target, const std::string& body,
             std::int64_t offset_ms, const std::string& key, const std::string& secret,
             const std::string& pass) {
    const std::string ts = okx::iso_timestamp(wall_now_ms() + offset_ms);
    return {{"OK-ACCESS-KEY", key},
            {"OK-ACCESS-SIGN",
             okx::sign_request(secret, ts, method, target, method == "GET" ? "" : body)},
            {"OK-ACCESS-TIMESTAMP", ts},
            {"OK-ACCESS-PASSPHRASE", pass},
            {"Content-Type", "application/json"}};
}

} // namespace

sim_process::sim_process(std::vector<std::string> extra_args) {
    log_ = "/tmp/" + unique_name("okx_sim_test") + ".log";
    std::vector<std::string> argv = {SCALPEL_BINARY_DIR "/okx_sim/okx_sim",
                                     "--port",
                                     "0",
                                     "--api-key",
                                     sim_key,
                                     "--secret",
                                     sim_secret,
                                     "--passphrase",
                                     sim_pass,
                                     "--log-level",
                                     "warn"};
    for (auto& a : extra_args)
        argv.push_back(a);
    child_ = std::make_unique<child_process>(argv, log_);
    const std::string marker = "okx_sim listening on 127.0.0.1:";
    const bool up = wait_until(
        [&] {
            const auto text = read_file(log_);
            const auto at = text.find(marker);
            if (at == std::string::npos)
                return false;
            port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + marker.size())));
            return true;
        },
        std::chrono::seconds(20));
    if (!up)
        throw std::runtime_error("okx_sim did not start; log:\n" + read_file(log_));
}

http_result http_call(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout) {
    net::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers)
        req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http_result out;
    bool done = false;
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            done = true;
            return;
        }
        http::async_read(stream, buf, res, [&](beast::error_code ec2, std::size_t) {
            done = true;
            if (!ec2) {
                out.status = static_cast<int>(res.result_int());
                out.body = res.body();
            }
        });
    });
    ioc.run_for(timeout);
    if (!done)
        out.status = -1; // timed out
    return out;
}

http_result signed_call(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body, std::int64_t ts_offset_ms, const std::string& key,
                        const std::string& secret, const std::string& pass,
                        std::chrono::milliseconds timeout) {
    return http_call(port, method, target, body,
                     sign_headers(method, target, body, ts_offset_ms, key, secret, pass), timeout);
}

http_result signed_call_with(std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& extra) {
    auto headers = sign_headers(method, target, body, 0, sim_key, sim_secret, sim_pass);
    headers.insert(headers.end(), extra.begin(), extra.end());
    return http_call(port, method, target, body, headers);
}

struct http_conn::impl {
    net::io_context ioc;
    beast::tcp_stream stream{ioc};
    beast::flat_buffer buf;
};

http_conn::http_conn(std::uint16_t port) : p_(std::make_unique<impl>()) {
    p_->stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    p_->stream.socket().set_option(tcp::no_delay(true));
}
http_conn::~http_conn() = default;

http_result http_conn::call(const std::string& method, const std::string& target,
                            const std::string& body, bool sign) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (sign)
        for (const auto& [k, v] :
             sign_headers(method, target, body, 0, sim_key, sim_secret, sim_pass))
            req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(p_->stream, req);
    http::response<http::string_body> res;
    http::read(p_->stream, p_->buf, res);
    return {static_cast<int>(res.result_int()), res.body()};
}

struct ws_client::impl {
    net::io_context ioc;
    websocket::stream<beast::tcp_stream> ws{ioc};
    beast::flat_buffer buf;
};

ws_client::ws_client(std::uint16_t port, const std::string& path) : p_(std::make_unique<impl>()) {
    beast::get_lowest_layer(p_->ws).connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    p_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
    p_->ws.text(true);
}
ws_client::~ws_client() {
    beast::error_code ec;
    beast::get_lowest_layer(p_->ws).socket().close(ec);
}

void ws_client::send(const std::string& text) {
    p_->ws.write(net::buffer(text));
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
    if (closed_)
        return std::nullopt;
    bool done = false;
    beast::error_code ec;
    p_->ws.async_read(p_->buf, [&](beast::error_code e, std::size_t) {
        done = true;
        ec = e;
    });
    p_->ioc.restart();
    p_->ioc.run_for(timeout);
    if (!done) {
        beast::get_lowest_layer(p_->ws).socket().cancel();
        p_->ioc.restart();
        p_->ioc.run();
        closed_ = true;
        return std::nullopt;
    }
    if (ec) {
        closed_ = true;
        if (ec == websocket::error::closed)
            close_code_ = p_->ws.reason().code;
        return std::nullopt;
    }
    std::string text = beast::buffers_to_string(p_->buf.data());
    p_->buf.consume(p_->buf.size());
    return text;
}

std::optional<std::string> ws_client::read_until(const std::string& needle,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        auto m = read(left);
        if (m && m->find(needle) != std::string::npos)
            return m;
    }
    return std::nullopt;
}

void ws_client::login(const std::string& key, const std::string& secret, const std::string& pass,
                      std::int64_t ts_offset_s) {
    const std::string ts = std::to_string(wall_now_ms() / 1000 + ts_offset_s);
    const std::string sign = okx::sign_request(secret, ts, "GET", "/users/self/verify", "");
    send(R"({"op":"login","args":[{"apiKey":")" + key + R"(","passphrase":")" + pass +
         R"(","timestamp":")" + ts + R"(","sign":")" + sign + R"("}]})");
}

std::string json_field(const std::string& json, const std::string& key) {
    const std::string pat = "\"" + key + "\":\"";
    const auto at = json.find(pat);
    if (at == std::string::npos)
        return {};
    const auto start = at + pat.size();
    return json.substr(start, json.find('"', start) - start);
}

} // namespace scalpel::test
