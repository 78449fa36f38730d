// server: the simulator's network shell — one loopback TCP port serving HTTP (REST and /sim
// control) and WebSocket upgrades on /ws/v5/{public,private,business}, one io_context on one
// thread, Beast coroutines. It moves bytes between sockets and `exchange` and decides nothing;
// it must never let an exception escape a handler (a broken connection is just closed).
#pragma once

#include "okx_sim/exchange.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace scalpel::sim {

struct server_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 18080; // 0 = any free port
    std::int64_t timer_ms = 10; // market/push tick of the event loop
};

// The listen port is taken by another process: a deploy error, not a transient one.
struct port_in_use : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Binds, prints "okx_sim listening on HOST:PORT" on stdout (flushed), and runs until SIGINT or
// SIGTERM. Throws port_in_use when another process listens on the port, std::runtime_error when
// the address cannot be bound otherwise. Returns 0 on a clean stop.
int run_server(exchange& ex, const server_options& opt);

} // namespace scalpel::sim
