// sim_client: what the okx_sim socket tests use to drive a real simulator process — start the
// okx_sim binary on a free port (parsing its "listening on" line), plain and OKX-signed HTTP
// calls, and a small WebSocket client with read timeouts. Beast stays inside sim_client.cpp so
// the test TUs compile fast. Test helper only: failures throw std::runtime_error.
#pragma once

#include "tests/support/child_process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::test {

inline const std::string sim_key = "test-key", sim_secret = "test-secret", sim_pass = "test-pass";

// A running okx_sim child on 127.0.0.1 with the test keys; extra CLI args appended.
class sim_process {
public:
    explicit sim_process(std::vector<std::string> extra_args = {});
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] const std::string& log_path() const noexcept { return log_; }

private:
    std::string log_;
    std::unique_ptr<child_process> child_;
    std::uint16_t port_ = 0;
};

struct http_result {
    int status = 0;
    std::string body;
};

// One HTTP/1.1 request on a fresh connection. `headers` are name/value pairs.
http_result http_call(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = {},
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Signed with the test keys (or the given ones); `ts_offset_ms` shifts the timestamp from now.
http_result signed_call(std::uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {}, std::int64_t ts_offset_ms = 0,
                        const std::string& key = sim_key, const std::string& secret = sim_secret,
                        const std::string& pass = sim_pass,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Signed with the test keys, plus extra headers (e.g. OKX's `expTime`, which is not signed).
http_result signed_call_with(std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const std::vector<std::pair<std::string, std::string>>& extra);

// A keep-alive HTTP connection, for round-trip measurements.
class http_conn {
public:
    explicit http_conn(std::uint16_t port);
    ~http_conn();
    http_result call(const std::string& method, const std::string& target, const std::string& body,
                     bool sign);

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

class ws_client {
public:
    ws_client(std::uint16_t port, const std::string& path);
    ~ws_client();
    void send(const std::string& text);
    // The next text frame, or nullopt on timeout (the connection is unusable afterwards) or on
    // close/error (see closed(), close_code()).
    std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads until a frame contains `needle`; nullopt when none does before the timeout.
    std::optional<std::string>
    read_until(const std::string& needle,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));
    void login(const std::string& key = sim_key, const std::string& secret = sim_secret,
               const std::string& pass = sim_pass, std::int64_t ts_offset_s = 0);
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    [[nodiscard]] int close_code() const noexcept { return close_code_; } // -1: no close frame

private:
    struct impl;
    std::unique_ptr<impl> p_;
    bool closed_ = false;
    int close_code_ = -1;
};

// Pulls a string field "key":"value" out of a JSON text (first occurrence); "" when absent.
[[nodiscard]] std::string json_field(const std::string& json, const std::string& key);

} // namespace scalpel::test
