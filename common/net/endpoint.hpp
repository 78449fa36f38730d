// Where and how to reach OKX (or okx_sim): REST and WS base URLs, demo flag, timeouts, retry and
// reconnect tuning. Plain http/ws is refused unless the host is loopback (127.0.0.1, ::1,
// localhost): a real exchange connection always runs TLS with peer and host-name verification.
// Config problems throw config_error with text an operator can act on (caught in main, exit 2).
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace scalpel::net_client {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct url {
    std::string scheme; // http | https | ws | wss
    std::string host;
    std::uint16_t port = 0; // filled with the scheme default when absent
    std::string path;       // "" when absent; REST ignores it, WS uses it as a prefix when set

    [[nodiscard]] bool tls() const noexcept { return scheme == "https" || scheme == "wss"; }
    [[nodiscard]] bool loopback() const noexcept;
    [[nodiscard]] std::string str() const; // scheme://host:port/path
};

// Parses "https://www.okx.com", "ws://127.0.0.1:18080", "wss://ws.okx.com:8443/ws/v5".
// Throws config_error naming the problem (unknown scheme, empty host, bad port).
[[nodiscard]] url parse_url(std::string_view text);

struct endpoint_config {
    url rest;             // REST base; paths /api/v5/... are appended
    url ws;               // WS base; "/ws/v5/{public,private,business}" is appended to ws.path
    std::string ws_query; // optional "brokerId=9999" (demo)
    bool demo = false;    // sends x-simulated-trading: 1 on every REST call
    std::string ca_file;  // extra trust anchor (PEM), on top of the system store; for tests/pinning

    std::chrono::milliseconds connect_timeout{5000}; // TCP + TLS + WS handshake, each
    std::chrono::milliseconds request_timeout{5000}; // one HTTP write+read
    int max_retries = 3;                             // REST retries after the first attempt
    std::chrono::milliseconds backoff_base{200};     // REST retry: base·2^n, capped, jittered
    std::chrono::milliseconds backoff_max{5000};

    // Order deadlines (OKX `expTime`, see rest_client::submit_order). A place order carries
    // expTime = send time + order_deadline; OKX discards it if it gets to it later. An order not
    // found by clOrdId once expTime + order_lookup_lag has passed is provably absent (the lag
    // covers clock skew to OKX and the lookup's own delay). Lookups run every
    // order_lookup_interval; if the exchange cannot be asked until expTime + lag +
    // order_resolve_timeout, the outcome stays unknown.
    std::chrono::milliseconds order_deadline{5000};
    std::chrono::milliseconds order_lookup_lag{3000};
    std::chrono::milliseconds order_lookup_interval{250};
    std::chrono::milliseconds order_resolve_timeout{10000};

    std::chrono::milliseconds ws_ping_after{15000}; // send "ping" when nothing received this long
    // …and when nothing was SENT this long, whatever arrives: a keep-alive on a timer as ccxt does
    // (okx.ts streaming keepAlive 20000), so neither side's idle rule can close a quiet socket.
    std::chrono::milliseconds ws_ping_send_idle{20000};
    std::chrono::milliseconds ws_pong_timeout{5000}; // no "pong" by then → reconnect
    std::chrono::milliseconds ws_stale_after{0}; // no channel data this long → on_stale (0 = off)
    std::chrono::milliseconds reconnect_min{
        250}; // WS reconnect back-off: min·2^n, capped, jittered
    std::chrono::milliseconds reconnect_max{10000};

    static endpoint_config okx_live(); // https://www.okx.com, wss://ws.okx.com:8443
    static endpoint_config okx_demo(); // same hosts as OKX documents for demo, demo = true
    // Both bases on one loopback server (okx_sim, test servers): http://host:port, ws://host:port.
    static endpoint_config loopback(std::uint16_t port, std::string_view host = "127.0.0.1");
};

// Throws config_error when a URL is plain on a non-loopback host, a scheme is on the wrong side
// (ws for REST), or a timeout is not positive.
void validate(const endpoint_config& cfg);

} // namespace scalpel::net_client
