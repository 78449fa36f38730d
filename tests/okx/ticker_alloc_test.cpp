// The guard's hot path: parsing a WS tickers push must allocate nothing after warm-up.
// It links the counting global operator new/delete of tests/support/alloc_counter (so it is its own
// test executable) and feeds the real OKX WS capture of 2022-05-13 (shared/data/market/ticks)
// through ws_frame_parser: every ticker frame must parse, and 10 000 parses after warm-up must make
// zero allocations. Prints ns/op as information (no timing assertion).
#include "common/okx/ws_parser.hpp"

#include "tests/support/alloc_counter.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace scalpel;

namespace {

// Received frames of the capture: lines "<epoch.frac>: <json>" (sent frames start with "wss://").
std::vector<std::string> load_frames() {
    const std::string path =
        std::string(SCALPEL_SOURCE_DIR) +
        "/../shared/data/market/ticks/okx_ws_sample_2022-05-13/OKX_ws_v5_raw.txt.gz";
    gzFile f = gzopen(path.c_str(), "rb");
    REQUIRE(f != nullptr);
    std::vector<std::string> frames;
    std::string line;
    char buf[1 << 16];
    while (gzgets(f, buf, sizeof buf)) {
        line += buf;
        if (line.empty() || line.back() != '\n')
            continue;
        line.pop_back();
        if (!line.empty() && line[0] >= '0' && line[0] <= '9') {
            const auto sep = line.find(": ");
            if (sep != std::string::npos)
                frames.push_back(line.substr(sep + 2));
        }
        line.clear();
    }
    gzclose(f);
    return frames;
}

} // namespace

TEST_CASE("okx ticker push parse allocates nothing after warm-up (real capture)", "[unit][okx]") {
    const auto frames = load_frames();
    REQUIRE(frames.size() > 100);

    okx::ws_frame_parser parser;
    auto msg = std::make_unique<okx::ws_message>();
    std::vector<const std::string*> tickers;
    std::size_t others = 0, btc = 0;
    for (const auto& f : frames) {
        const auto kind = parser.parse(f, *msg);
        INFO(f.substr(0, 200));
        REQUIRE(kind != okx::ws_msg::malformed); // the real capture is all well-formed
        if (kind == okx::ws_msg::ticker) {
            tickers.push_back(&f);
            CHECK(msg->tick.last > 0);
            CHECK(msg->tick.bid_px <= msg->tick.ask_px);
            CHECK(msg->tick.ts_ms > 1652400000000);
            if (msg->tick.inst_id == "BTC-USDT")
                ++btc;
        } else {
            ++others;
        }
    }
    REQUIRE(tickers.size() >= 20);
    CHECK(btc > 0);
    CHECK(others > 0);

    okx::ticker t;
    for (int i = 0; i < 100; ++i)
        REQUIRE(parser.parse_ticker(*tickers[i % tickers.size()], t).ok());

    constexpr int n = 10'000;
    double checksum = 0;
    const long before = test::allocations_counted();
    test::count_allocations_on_this_thread(true);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        const auto e = parser.parse_ticker(*tickers[i % tickers.size()], t);
        if (!e.ok())
            FAIL("ticker parse failed");
        checksum += t.last;
    }
    const auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        (void)parser.parse(*tickers[i % tickers.size()], *msg);
        checksum += msg->tick.bid_px;
    }
    const auto t2 = std::chrono::steady_clock::now();
    test::count_allocations_on_this_thread(false);
    const long allocs = test::allocations_counted() - before;
    CHECK(allocs == 0);
    CHECK(test::alloc_counter_active());
    CHECK(checksum > 0);
    const auto ns = [](auto d) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    };
    std::printf("okx ticker parse: %d frames (avg %zu B), parse_ticker %.0f ns/op, parse %.0f "
                "ns/op, %ld allocations\n",
                n, tickers.empty() ? 0 : tickers[0]->size(), static_cast<double>(ns(t1 - t0)) / n,
                static_cast<double>(ns(t2 - t1)) / n, allocs);
}
