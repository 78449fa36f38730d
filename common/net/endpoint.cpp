// URL parsing and endpoint validation. See endpoint.hpp.
#include "common/net/endpoint.hpp"

#include <charconv>

namespace scalpel::net_client {

bool url::loopback() const noexcept {
    return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]";
}

std::string url::str() const {
    return scheme + "://" + host + ":" + std::to_string(port) + path;
}

url parse_url(std::string_view text) {
    url u;
    const auto sep = text.find("://");
    if (sep == std::string_view::npos)
        throw config_error("URL '" + std::string(text) +
                           "' has no scheme (expected https://, wss://, http:// or ws://)");
    u.scheme = std::string(text.substr(0, sep));
    std::uint16_t default_port = 0;
    if (u.scheme == "https" || u.scheme == "wss")
        default_port = 443;
    else if (u.scheme == "http" || u.scheme == "ws")
        default_port = 80;
    else
        throw config_error("URL '" + std::string(text) + "' has unsupported scheme '" + u.scheme +
                           "'");
    std::string_view rest = text.substr(sep + 3);
    const auto slash = rest.find('/');
    std::string_view hostport = rest.substr(0, slash);
    if (slash != std::string_view::npos)
        u.path = std::string(rest.substr(slash));
    while (!u.path.empty() && u.path.back() == '/')
        u.path.pop_back();
    std::string_view host = hostport, port;
    if (!hostport.empty() && hostport.front() == '[') { // [::1]:8443
        const auto close = hostport.find(']');
        if (close == std::string_view::npos)
            throw config_error("URL '" + std::string(text) + "' has a bad IPv6 host");
        host = hostport.substr(1, close - 1);
        if (close + 1 < hostport.size()) {
            if (hostport[close + 1] != ':')
                throw config_error("URL '" + std::string(text) + "' has a bad port");
            port = hostport.substr(close + 2);
        }
    } else if (const auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
        if (port.empty())
            throw config_error("URL '" + std::string(text) + "' has an empty port");
    }
    if (host.empty())
        throw config_error("URL '" + std::string(text) + "' has no host");
    u.host = std::string(host);
    u.port = default_port;
    if (!port.empty()) {
        unsigned v = 0;
        const auto r = std::from_chars(port.data(), port.data() + port.size(), v);
        if (r.ec != std::errc{} || r.ptr != port.data() + port.size() || v == 0 || v > 65535)
            throw config_error("URL '" + std::string(text) + "' has a bad port '" +
                               std::string(port) + "'");
        u.port = static_cast<std::uint16_t>(v);
    }
    return u;
}

endpoint_config endpoint_config::okx_live() {
    endpoint_config c;
    c.rest = parse_url("https://www.okx.com");
    c.ws = parse_url("wss://ws.okx.com:8443");
    return c;
}

endpoint_config endpoint_config::okx_demo() {
    endpoint_config c;
    c.rest = parse_url("https://www.okx.com");
    c.ws = parse_url("wss://wspap.okx.com:8443");
    c.ws_query = "brokerId=9999";
    c.demo = true;
    return c;
}

endpoint_config endpoint_config::loopback(std::uint16_t port, std::string_view host) {
    endpoint_config c;
    const std::string hp = std::string(host) + ":" + std::to_string(port);
    c.rest = parse_url("http://" + hp);
    c.ws = parse_url("ws://" + hp);
    return c;
}

void validate(const endpoint_config& cfg) {
    if (cfg.rest.scheme != "https" && cfg.rest.scheme != "http")
        throw config_error("REST URL '" + cfg.rest.str() +
                           "' must be https:// (or http:// on loopback)");
    if (cfg.ws.scheme != "wss" && cfg.ws.scheme != "ws")
        throw config_error("WS URL '" + cfg.ws.str() + "' must be wss:// (or ws:// on loopback)");
    if (!cfg.rest.tls() && !cfg.rest.loopback())
        throw config_error(
            "REST URL '" + cfg.rest.str() +
            "' is plain http to a non-loopback host; use https:// (TLS is mandatory off-box)");
    if (!cfg.ws.tls() && !cfg.ws.loopback())
        throw config_error(
            "WS URL '" + cfg.ws.str() +
            "' is plain ws to a non-loopback host; use wss:// (TLS is mandatory off-box)");
    using ms = std::chrono::milliseconds;
    if (cfg.connect_timeout <= ms::zero() || cfg.request_timeout <= ms::zero() ||
        cfg.ws_ping_after <= ms::zero() || cfg.ws_pong_timeout <= ms::zero() ||
        cfg.reconnect_min <= ms::zero() || cfg.backoff_base <= ms::zero())
        throw config_error("network timeouts and back-off bases must be positive");
    if (cfg.order_deadline <= ms::zero() || cfg.order_lookup_lag < ms::zero() ||
        cfg.order_lookup_interval <= ms::zero() || cfg.order_resolve_timeout < ms::zero())
        throw config_error("order_deadline and order_lookup_interval must be positive, "
                           "order_lookup_lag and order_resolve_timeout not negative");
    if (cfg.max_retries < 0)
        throw config_error("max_retries must not be negative");
}

} // namespace scalpel::net_client
