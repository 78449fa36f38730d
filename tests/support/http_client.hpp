// A blocking HTTP/1.1 client for tests on 127.0.0.1 only (plain POSIX sockets, Connection: close):
// enough to drive the simulator's /sim control API from end-to-end tests without compiling Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace scalpel::test {

struct http_response {
    int status = 0; // 0 when the connection failed
    std::string body;
};

http_response http_request(std::uint16_t port, std::string_view method, std::string_view target,
                           std::string_view body = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(5));

} // namespace scalpel::test
