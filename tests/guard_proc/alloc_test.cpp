// The guard's hot path allocates nothing: 100 000 real OKX ticker frames are parsed
// (ws_frame_parser, as the WS client does) and run through tick_guard::on_ticker against a real
// segment with open positions; one tick in ten crosses the PH threshold, so the full close path
// (claim → next_attempt → write_ws_order → sink) runs too (the sink gives the claim back so the
// next crossing sends again). The counting operator new (tests/support/alloc_counter) must see 0
// after warm-up.
#include "guard_proc/guard.hpp"

#include "common/okx/ws_parser.hpp"
#include "tests/guard_proc/fixtures.hpp"
#include "tests/support/alloc_counter.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;

namespace {

// Counts frames and gives every claim back at once, so later ticks exercise the send path again.
struct releasing_sink final : guard::order_sink {
    shm::segment* seg = nullptr;
    guard::tick_guard* core = nullptr;
    long frames = 0, closes = 0, bytes = 0;
    bool send_order_frame(std::string_view f) noexcept override {
        ++frames;
        bytes += static_cast<long>(f.size());
        return true;
    }
    void close_started(const guard::close_request& r, bool) noexcept override {
        ++closes;
        (void)seg->release_claim(r.ref, seg->self());
        core->reset_exit_for_testing(r.ref);
    }
    void execute(shm::slot_ref, const guard::command&) noexcept override {}
};

} // namespace

TEST_CASE("guard_alloc: 100k ticks through the real tick handler allocate nothing", "[unit]") {
    test::temp_segment ts;
    REQUIRE(ts.seg->publish_params(shm::default_params(scalpel::regime::ranging)).ok());
    releasing_sink sink;
    sink.seg = ts.seg.get();
    guard::tick_guard core(*ts.seg, sink, guard::tick_settings{});
    const char* syms[] = {"BTC-USDT", "ETH-USDT"};
    sink.core = &core;
    std::int64_t code = 100001;
    for (const char* s : syms) {
        REQUIRE(core.add_symbol(s) >= 0);
        core.set_increments(s, decimal(1, 8), decimal(1, 2));
        core.set_inst_id_code(s, code++); // the WS close names the instrument by instIdCode
    }
    const epoch_ms now = wall_now_ms();
    for (int k = 0; k < 2; ++k) {
        test::open_position(
            *ts.seg,
            test::make_position("BTC-USDT", scalpel::side::long_side, 0.01, 50000, 0.5, now),
            false);
        test::open_position(
            *ts.seg,
            test::make_position("ETH-USDT", scalpel::side::short_side, 0.2, 3000, 0.6, now), false);
    }
    core.refresh_slots();

    // 20 distinct frames per symbol; index 0 crosses PH (BTC up, ETH down), the rest do not.
    std::vector<std::string> frames;
    for (int i = 0; i < 20; ++i) {
        frames.push_back(test::ticker_frame("BTC-USDT", i == 0 ? 50200 : 50000 + i));
        frames.push_back(test::ticker_frame("ETH-USDT", i == 0 ? 2990 : 3000 + i * 0.01));
    }
    okx::ws_frame_parser parser;
    okx::ticker t;
    long parsed_ok = 0;
    const auto run = [&](int n) {
        for (int i = 0; i < n; ++i) {
            const std::string& f = frames[static_cast<std::size_t>(i) % frames.size()];
            const mono_ns rx = monotonic_now_ns();
            if (parser.parse_ticker(f, t).ok()) {
                ++parsed_ok;
                core.on_ticker(t, rx);
            }
        }
    };
    run(2000); // warm-up
    const long closes_before = sink.closes;
    const long before = test::allocations_counted();
    {
        test::counting_allocations counting;
        run(100'000);
    }
    CHECK(test::allocations_counted() - before == 0);
    CHECK(test::alloc_counter_active());
    CHECK(parsed_ok == 102'000);
    // One frame in 20 crosses PH for its symbol's 2 slots: 100000/20 × 2 closes.
    CHECK(sink.closes - closes_before == 10'000);
    CHECK(sink.frames == sink.closes);
    // Every order the socket took has its latency in the segment block (recorded allocation-free).
    const shm::latency_summary lat = ts.seg->read_latency();
    INFO("tick→order p50 " << lat.p50_ns << " ns");
    CHECK(lat.count == static_cast<std::uint64_t>(sink.closes));
    CHECK(lat.p50_ns <= lat.p99_ns);
    CHECK(lat.p99_ns <= lat.max_ns);
}
