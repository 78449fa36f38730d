// guard_bench: how fast the guard turns a ticker frame into close-order bytes. Part 1 runs the real
// tick handler in process (ws_frame_parser on real OKX ticker frames → tick_guard::on_ticker →
// segment snapshot/params/claim/next_attempt → write_ws_order → a fake socket sink) for 100 000
// orders and prints p50/p99/p99.9 (receive timestamp taken before parsing, as the WS client does).
// Part 2 (when okx_sim and guard_proc are built) measures the PH reaction end to end against the
// simulator: the sim's receive time of the close order minus the time the triggering price was
// set (taken just before the /sim/price call, so it includes that control request: an upper bound).
#include "common/okx/ws_parser.hpp"
#include "guard_proc/guard.hpp"
#include "shm_layout/segment.hpp"

#ifdef SCALPEL_GUARD_BENCH_E2E
#include "tests/guard_proc/sim_rig.hpp"
#endif

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace scalpel;

namespace {

struct releasing_sink final : guard::order_sink {
    shm::segment* seg = nullptr;
    guard::tick_guard* core = nullptr;
    long frames = 0;
    bool send_order_frame(std::string_view) noexcept override { return ++frames, true; }
    void close_started(const guard::close_request& r, bool) noexcept override {
        (void)seg->release_claim(r.ref, seg->self());
        core->reset_exit_for_testing(r.ref);
    }
    void execute(shm::slot_ref, const guard::command&) noexcept override {}
};

std::string frame(std::string_view inst, double last) {
    char buf[400];
    const int n = std::snprintf(
        buf, sizeof buf,
        "{\"arg\":{\"channel\":\"tickers\",\"instId\":\"%.*s\"},\"data\":[{\"instType\":\"SPOT\","
        "\"instId\":\"%.*s\",\"last\":\"%.4f\",\"lastSz\":\"0.01\",\"askPx\":\"%.4f\",\"askSz\":"
        "\"1\",\"bidPx\":\"%.4f\",\"bidSz\":\"1\",\"ts\":\"1700000000000\"}]}",
        static_cast<int>(inst.size()), inst.data(), static_cast<int>(inst.size()), inst.data(),
        last, last * 1.0001, last * 0.9999);
    return std::string(buf, static_cast<std::size_t>(n));
}

void in_process(int orders) {
    const std::string name = "scalpel.gbench." + std::to_string(::getpid());
    shm::open_options o;
    o.rundir = "/tmp";
    o.account_tag = "gb";
    auto opened = shm::segment::create_or_attach(name, shm::role::guard, o);
    if (!opened.ok()) {
        std::printf("segment: %s\n", opened.message.c_str());
        return;
    }
    auto& seg = *opened.seg;
    (void)seg.publish_params(shm::default_params(scalpel::regime::ranging));
    releasing_sink sink;
    sink.seg = &seg;
    guard::tick_guard core(seg, sink, guard::tick_settings{});
    sink.core = &core;
    const char* syms[] = {"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"};
    const double entry[] = {50000, 3000, 100, 0.5};
    std::vector<std::string> frames;
    for (int i = 0; i < 4; ++i) {
        (void)core.add_symbol(syms[i]);
        core.set_increments(syms[i], decimal(1, 8), decimal(1, 4));
        core.set_inst_id_code(syms[i], 100001 + i); // WS closes need the instrument's code
        shm::position p;
        p.symbol = std::string_view(syms[i]);
        p.pos_side = scalpel::side::long_side;
        p.size = 500.0 / entry[i];
        p.entry_price = entry[i];
        p.entry_fee_usd = 0.5;
        p.entry_time_ms = wall_now_ms();
        const auto r = seg.reserve_slot(p);
        (void)seg.publish_open(r.ref, p);
        for (int k = 0; k < 8; ++k)
            frames.push_back(frame(syms[i], entry[i] * (1.01 + 0.001 * k))); // all cross PH
    }
    core.refresh_slots();
    okx::ws_frame_parser parser;
    okx::ticker t;
    std::vector<std::int64_t> handler_ns;
    handler_ns.reserve(static_cast<std::size_t>(orders));
    const auto run = [&](int n, bool keep) {
        for (int i = 0; i < n; ++i) {
            const std::string& f = frames[static_cast<std::size_t>(i) % frames.size()];
            const mono_ns rx = monotonic_now_ns();
            if (parser.parse_ticker(f, t).ok())
                core.on_ticker(t, rx);
            if (keep)
                handler_ns.push_back(monotonic_now_ns() - rx);
        }
    };
    run(2000, false);
    seg.reset_latency(); // the figures below are the segment's own block, as shm_inspect shows it
    const long before = sink.frames;
    run(orders, true);
    const shm::latency_summary h = seg.read_latency();
    std::sort(handler_ns.begin(), handler_ns.end());
    const auto pct = [&](double q) {
        return handler_ns[static_cast<std::size_t>(q * (handler_ns.size() - 1))];
    };
    std::printf(
        "guard tick→order (in process, %ld orders, frames parsed, real segment, fake socket):\n",
        sink.frames - before);
    std::printf(
        "  frame rx → order bytes out (segment block, %llu orders): p50 %llu ns  p99 %llu ns  "
        "p99.9 %llu ns"
        "  max %llu ns  mean %llu ns\n",
        static_cast<unsigned long long>(h.count), static_cast<unsigned long long>(h.p50_ns),
        static_cast<unsigned long long>(h.p99_ns), static_cast<unsigned long long>(h.p999_ns),
        static_cast<unsigned long long>(h.max_ns), static_cast<unsigned long long>(h.mean_ns));
    std::printf("  whole handler (incl. sink hand-off): p50 %lld ns  p99 %lld ns  p99.9 %lld ns\n",
                static_cast<long long>(pct(0.5)), static_cast<long long>(pct(0.99)),
                static_cast<long long>(pct(0.999)));
    opened.seg.reset();
    shm::segment::remove(name);
}

#ifdef SCALPEL_GUARD_BENCH_E2E
void against_sim(int rounds) {
    using namespace std::chrono_literals;
    try {
        test::sim_rig rig;
        rig.set_price("BTC-USDT", 50000);
        rig.start_guard();
        rig.wait_guard_ready("BTC-USDT");
        std::vector<std::int64_t> reaction;
        for (int i = 0; i < rounds; ++i) {
            rig.set_price("BTC-USDT", 50000);
            (void)rig.open_long("BTC-USDT", 0.01, 50600, 49500);
            std::this_thread::sleep_for(
                300ms); // the guard's slot cache refresh (50 ms) and a quiet feed
            const mono_ns t0 = monotonic_now_ns();
            rig.set_price("BTC-USDT", 50200);
            if (!rig.wait_journal(static_cast<std::uint64_t>(i + 1), 10s))
                break;
            const auto s = rig.orders();
            (void)s;
            // The newest close order is the last request with intent 'c': scan via the summary
            // helper.
            reaction.push_back(s.close_recv_mono_ns); // first close in the log; replaced below
            reaction.back() = 0;
            // Re-read the full log for this round's close (the summary keeps only the first one).
            const std::string body = test::http_request(rig.port(), "GET", "/sim/orders");
            const auto p = body.rfind("\"kind\":\"place_order\"");
            if (p == std::string::npos)
                continue;
            const auto q = body.find("\"recv_mono_ns\":", p);
            if (q == std::string::npos)
                continue;
            std::size_t k = q + 15;
            if (body[k] == '"')
                ++k;
            reaction.back() = std::stoll(body.substr(k, 24)) - t0;
        }
        std::sort(reaction.begin(), reaction.end());
        if (reaction.empty()) {
            std::printf("PH reaction against okx_sim: no rounds completed\n");
            return;
        }
        std::printf("PH reaction against okx_sim (%zu rounds; /sim/price call → sim receives the "
                    "close order):\n",
                    reaction.size());
        std::printf("  min %.3f ms  p50 %.3f ms  max %.3f ms\n", reaction.front() / 1e6,
                    reaction[reaction.size() / 2] / 1e6, reaction.back() / 1e6);
        (void)rig.stop_guard();
    } catch (const std::exception& e) {
        std::printf("PH reaction against okx_sim: skipped (%s)\n", e.what());
    }
}
#endif

} // namespace

int main(int argc, char** argv) {
    const int orders = argc > 1 ? std::max(100'000, std::atoi(argv[1])) : 100'000;
    in_process(orders);
#ifdef SCALPEL_GUARD_BENCH_E2E
    against_sim(10);
#endif
    return 0;
}
