// The WS receive hot path (Beast async_read → ws_frame_parser → on_ticker) must allocate nothing
// after warm-up. Global operator new is replaced with a counter that only counts on the thread
// that runs the client's io_context while counting is on, so the in-process scripted server's
// own allocations (another thread) do not count. Own executable because of the replacement.
#include "common/net/ws_client.hpp"

#include "common/net/asio.hpp"
#include "tests/net/support/script_server.hpp"
#include "tests/support/alloc_counter.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

using namespace scalpel;
using namespace scalpel::net_client;

TEST_CASE("net_ws: receive → parse → on_ticker allocates nothing after warm-up", "[sim][net]") {
    scalpel::test::script_server srv;
    net::io_context ioc{1};
    long ticks = 0;
    double sum = 0;
    mono_ns last_rx = 0;
    bool rx_ordered = true;
    ws_handlers h;
    h.on_ticker = [&](const okx::ticker& t, mono_ns rx_ns) {
        ++ticks;
        sum += t.last;
        rx_ordered = rx_ordered && rx_ns >= last_rx && rx_ns <= monotonic_now_ns();
        last_rx = rx_ns;
    };
    auto cfg = endpoint_config::loopback(srv.port());
    ws_client c(ioc, cfg, ws_kind::public_channel, {{"tickers", "BTC-USDT", ""}}, h);
    c.start();
    const auto run_until = [&](long target) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (ticks < target && std::chrono::steady_clock::now() < deadline)
            ioc.run_for(std::chrono::milliseconds(2));
    };
    while (c.state() != ws_state::live)
        ioc.run_for(std::chrono::milliseconds(2));
    const std::string frame =
        R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"50000.5","lastSz":"0.1","askPx":"50001","askSz":"1","bidPx":"50000","bidSz":"2","open24h":"9000","high24h":"10000","low24h":"8888.88","volCcy24h":"2222","vol24h":"2222","sodUtc0":"2222","sodUtc8":"2222","ts":"1700000000000"}]})";
    constexpr long warm = 300, n = 3000;
    for (long i = 0; i < warm; ++i)
        srv.ws_push(frame);
    run_until(warm);
    REQUIRE(ticks == warm);

    for (long i = 0; i < n; ++i)
        srv.ws_push(frame); // the test thread allocates here, before counting
    test::count_allocations_on_this_thread(true);
    run_until(warm + n);
    test::count_allocations_on_this_thread(false);
    REQUIRE(ticks == warm + n);
    CHECK(test::allocations_counted() == 0);
    CHECK(test::alloc_counter_active());
    CHECK(c.stats().malformed == 0);
    CHECK(rx_ordered); // every frame carried its receive time, monotonic and before the callback
    CHECK(last_rx > 0);
    std::printf("ws receive path: %ld frames, %ld allocations on the client thread\n", n,
                test::allocations_counted());
    c.stop();
}
