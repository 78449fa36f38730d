// Blocking loopback HTTP client for tests. See http_client.hpp.
#include "tests/support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace scalpel::test {

http_response http_request(std::uint16_t port, std::string_view method, std::string_view target,
                           std::string_view body, std::chrono::milliseconds timeout) {
    http_response out;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return out;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return out;
    }
    std::string request;
    request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    request.append("Content-Type: application/json\r\nConnection: close\r\n");
    request.append("Content-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n\r\n")
        .append(body);
    for (std::size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            ::close(fd);
            return out;
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[8192];
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto head_end = raw.find("\r\n\r\n");
    if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos)
        return out;
    out.status = std::atoi(raw.c_str() + 9);
    std::string_view head(raw.data(), head_end);
    std::string payload = raw.substr(head_end + 4);
    if (head.find("Transfer-Encoding: chunked") != std::string_view::npos ||
        head.find("transfer-encoding: chunked") != std::string_view::npos) {
        std::string decoded;
        std::size_t pos = 0;
        while (pos < payload.size()) {
            const auto eol = payload.find("\r\n", pos);
            if (eol == std::string::npos)
                break;
            const std::size_t len = std::strtoul(payload.c_str() + pos, nullptr, 16);
            if (len == 0)
                break;
            decoded.append(payload, eol + 2, len);
            pos = eol + 2 + len + 2;
        }
        payload = std::move(decoded);
    }
    out.body = std::move(payload);
    return out;
}

} // namespace scalpel::test
