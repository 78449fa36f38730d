// sender: blocking Beast HTTP(S) POST. See sender.hpp.
#include "notifier/sender.hpp"

#include "common/net/asio.hpp"
#include "common/net/endpoint.hpp"
#include "common/net/tls.hpp"

#include <fmt/format.h>

namespace scalpel::notify {
namespace {

template <class Stream>
post_result exchange(Stream& stream, const net_client::url& u, const std::string& target,
                     const std::string& body) {
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::host, u.host);
    req.set(http::field::user_agent, "scalpel-notifier");
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    post_result r;
    r.status = static_cast<int>(res.result_int());
    if (r.status < 200 || r.status > 299)
        r.error = fmt::format("HTTP {}", r.status);
    return r;
}

} // namespace

std::string json_escape(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\', out += c;
        else if (c == '\n')
            out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("\\u{:04x}", c);
        else
            out += c;
    }
    return out + '"';
}

post_result post_json(const std::string& url, const std::string& body,
                      std::chrono::milliseconds timeout) {
    try {
        const auto u = net_client::parse_url(url);
        if (!u.tls() && !u.loopback())
            return {0, "plain http is only allowed to loopback"};
        // The path (with a Telegram token in it) is sent, never reported.
        const auto scheme_end = url.find("://");
        const auto path_at = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
        const std::string target = path_at == std::string::npos ? "/" : url.substr(path_at);
        net::io_context ioc;
        tcp::resolver resolver(ioc);
        const auto hosts = resolver.resolve(u.host, std::to_string(u.port));
        if (!u.tls()) {
            beast::tcp_stream stream(ioc);
            stream.expires_after(timeout);
            stream.connect(hosts);
            auto r = exchange(stream, u, target, body);
            beast::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            return r;
        }
        net_client::endpoint_config cfg;
        auto ctx = net_client::make_tls_context(cfg);
        net_client::tls_stream stream(ioc, *ctx);
        if (auto ec = net_client::prepare_tls(stream, u.host))
            return {0, "tls: " + ec.message()};
        beast::get_lowest_layer(stream).expires_after(timeout);
        beast::get_lowest_layer(stream).connect(hosts);
        stream.handshake(ssl::stream_base::client);
        auto r = exchange(stream, u, target, body);
        beast::error_code ec;
        stream.shutdown(ec);
        return r;
    } catch (const std::exception& e) {
        return {0, std::string("delivery failed: ") + e.what()};
    }
}

} // namespace scalpel::notify
