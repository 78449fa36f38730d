// script_server: a tiny scripted HTTP + WebSocket server on 127.0.0.1 for the client tests, run on
// its own thread and io_context. Tests script the HTTP replies (status, body, delay, drop without
// reply, close after reply) and the WS replies per received text, push frames and drop every WS
// connection abruptly. Everything it saw is recorded for assertions. Test-only; okx_sim replaces
// it for exchange behaviour.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace scalpel::test {

struct http_req {
    std::string method, target, body;
    std::map<std::string, std::string> headers; // lower-case names
    int conn_id = 0;
    std::int64_t t_ns = 0; // steady clock at receipt
};

struct http_reply {
    int status = 200;
    std::string body;
    std::chrono::milliseconds delay{0};
    bool drop = false;        // close the socket without replying
    bool close_after = false; // reply (keep-alive advertised) then close the socket anyway
};

class script_server {
public:
    using http_handler = std::function<http_reply(const http_req&)>;
    // Returns the frames to send back for one received text frame.
    using ws_handler =
        std::function<std::vector<std::string>(const std::string& text, int conn_id)>;

    script_server(); // binds 127.0.0.1:<free port> and starts the thread
    ~script_server();
    script_server(const script_server&) = delete;
    script_server& operator=(const script_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    void on_http(http_handler h);
    void on_ws(ws_handler h);

    [[nodiscard]] std::vector<http_req> requests() const;
    [[nodiscard]] std::vector<std::string> ws_received() const;
    [[nodiscard]] std::vector<std::string> ws_targets() const; // handshake targets
    [[nodiscard]] int http_connections() const;
    [[nodiscard]] int ws_connections() const;

    void ws_push(std::string frame); // to every open WS session
    void ws_drop_all();              // abrupt close, no close frame

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

// An OKX-like default WS reply: "ping" → "pong", login → login ok, subscribe → one ack per arg.
[[nodiscard]] std::vector<std::string> okx_like_ws_reply(const std::string& text);

} // namespace scalpel::test
