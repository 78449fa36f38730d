// The segment's races as threads on ONE mapping, so ThreadSanitizer can see them (it cannot see
// across processes, and remapped mutexes confuse it): claim race, parameter latch with two writers
// and a reader, price seqlock, journal and slot snapshots against mutex writers. No kills here:
// TSan mishandles EOWNERDEAD (design.md §1.4). Also runs, faster, in the plain build.
#include "shm_layout/segment.hpp"

#include "tests/shm_layout/race_protocols.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

using namespace scalpel;
using namespace scalpel::shm;

namespace {

#ifdef SCALPEL_TSAN
constexpr std::uint32_t claim_rounds = 5'000;
constexpr auto run_for = std::chrono::milliseconds(400);
#else
constexpr std::uint32_t claim_rounds = 20'000;
constexpr auto run_for = std::chrono::milliseconds(300);
#endif

std::unique_ptr<segment> open_seg(const testing::temp_segment& ts) {
    auto r = segment::create_or_attach(ts.name, role::none, ts.options());
    REQUIRE(r.ok());
    return std::move(r.seg);
}

} // namespace

TEST_CASE("threads: closing-claim race has exactly one winner per round", "[shm][tsan]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts);
    position p;
    p.symbol.assign_truncated("RACE-USDT");
    p.size = 1;
    const auto r = seg->reserve_slot(p);
    REQUIRE(seg->publish_open(r.ref, p) == slot_result::ok);
    // Unregistered owners: never judged dead, so nothing is ever stolen.
    const owner_id a{role::signal, 1}, b{role::guard, 1};
    std::vector<std::uint8_t> wa, wb;
    std::uint64_t anomalies_a = 0, anomalies_b = 0;
    const auto t0 = std::chrono::steady_clock::now();
    std::thread ta([&] {
        anomalies_a = testing::run_claim_rounds(*seg, a, role::guard, r.ref.index, r.ref.generation,
                                                claim_rounds, wa);
    });
    std::thread tb([&] {
        anomalies_b = testing::run_claim_rounds(*seg, b, role::signal, r.ref.index,
                                                r.ref.generation, claim_rounds, wb);
    });
    ta.join();
    tb.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(anomalies_a == 0);
    CHECK(anomalies_b == 0);
    REQUIRE(wa.size() == claim_rounds);
    REQUIRE(wb.size() == claim_rounds);
    std::uint32_t both = 0, none = 0;
    for (std::uint32_t i = 0; i < claim_rounds; ++i) {
        both += wa[i] && wb[i];
        none += !wa[i] && !wb[i];
    }
    std::cout << "[shm tsan] thread claim race: " << claim_rounds << " rounds in " << secs
              << " s\n";
    CHECK(both == 0);
    CHECK(none == 0);
    CHECK(seg->journal_head() == claim_rounds);
}

TEST_CASE("threads: parameter latch with two writers and readers is never torn", "[shm][tsan]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> torn{0}, reads{0}, published{0};
    auto writer = [&](std::uint64_t k0) {
        for (std::uint64_t k = k0; !stop.load(std::memory_order_relaxed); k += 2)
            if (seg->publish_params(testing::make_test_params(k)).ok())
                published.fetch_add(1, std::memory_order_relaxed);
    };
    auto reader = [&] {
        std::uint64_t last = 0;
        while (!stop.load(std::memory_order_relaxed)) {
            const auto p = seg->read_params();
            if (!p.ok)
                continue;
            reads.fetch_add(1, std::memory_order_relaxed);
            if (p.seq > 1 && testing::test_params_k(p.params) < 0)
                torn.fetch_add(1);
            if (p.seq < last)
                torn.fetch_add(1);
            last = p.seq;
        }
    };
    std::thread w1(writer, 0), w2(writer, 1), r1(reader);
    std::this_thread::sleep_for(run_for);
    stop = true;
    w1.join();
    w2.join();
    r1.join();
    std::cout << "[shm tsan] params latch: " << published.load() << " publications, "
              << reads.load() << " reads, " << torn.load() << " torn\n";
    CHECK(torn.load() == 0);
    CHECK(reads.load() > 0);
    CHECK(published.load() > 0);
}

TEST_CASE("threads: live price seqlock, one writer, one reader", "[shm][tsan]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts);
    const auto idx = seg->register_symbol("BTC-USDT");
    REQUIRE(idx.ok);
    std::atomic<bool> stop{false};
    std::uint64_t torn = 0, ok = 0;
    std::thread w([&] {
        for (std::uint64_t k = 1; !stop.load(std::memory_order_relaxed); ++k) {
            quote q;
            const auto v = static_cast<double>(k);
            q.last = v;
            q.bid = v - 0.5;
            q.ask = v + 0.5;
            q.exchange_ts_ms = static_cast<epoch_ms>(k);
            q.receive_ns = static_cast<mono_ns>(k);
            seg->publish_price(idx.index, q);
        }
    });
    std::thread r([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            const auto p = seg->read_price(idx.index, 0);
            if (p.status != price_status::ok)
                continue;
            ++ok;
            const auto k = p.q.last;
            if (p.q.bid != k - 0.5 || p.q.ask != k + 0.5 ||
                p.q.exchange_ts_ms != static_cast<epoch_ms>(k) ||
                p.q.update_seq != static_cast<std::uint64_t>(k))
                ++torn;
        }
    });
    std::this_thread::sleep_for(run_for);
    stop = true;
    w.join();
    r.join();
    CHECK(torn == 0);
    CHECK(ok > 0);
}

TEST_CASE("threads: slot snapshots and journal reads against mutex writers", "[shm][tsan]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts);
    std::atomic<bool> stop{false};
    std::uint64_t bad = 0, snaps = 0, journal_reads = 0, cycles = 0;
    std::thread w([&] {
        const owner_id me{role::signal, 1};
        for (std::uint32_t k = 1; !stop.load(std::memory_order_relaxed); ++k) {
            position p;
            p.symbol.assign_truncated("ETH-USDT");
            p.size = k;
            p.entry_price = 2.0 * k;
            const auto r = seg->reserve_slot(p);
            if (r.status != slot_result::ok)
                continue;
            (void)seg->publish_open(r.ref, p);
            if (seg->try_claim_closing(r.ref, me) != claim_result::claimed)
                continue;
            close_info ci;
            ci.reason = close_reason::tp;
            ci.exit_price = 3.0 * k;
            (void)seg->record_close(r.ref, me, ci);
            ++cycles;
        }
    });
    std::thread r([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            const auto s = seg->snapshot(0);
            if (s.ok && s.snap.state != slot_state::free) {
                ++snaps;
                if (s.snap.pos.entry_price != 2.0 * s.snap.pos.size)
                    ++bad;
            }
            const auto head = seg->journal_head();
            journal_record rec;
            if (head > 0 && seg->read_journal(head - 1, rec)) {
                ++journal_reads;
                if (rec.pos.exit_price != 3.0 * rec.pos.size || rec.journal_seq != head)
                    ++bad;
            }
        }
    });
    std::this_thread::sleep_for(run_for);
    stop = true;
    w.join();
    r.join();
    CHECK(bad == 0);
    CHECK(cycles > 0);
    INFO("snapshots " << snaps << ", journal reads " << journal_reads);
    CHECK(journal_reads > 0);
}

TEST_CASE("threads: two creators at once, exactly one initialises", "[shm][tsan]") {
    for (int i = 0; i < 10; ++i) {
        testing::temp_segment ts;
        std::atomic<int> go{0};
        open_status sa{}, sb{};
        auto racer = [&](open_status& out) {
            go.fetch_add(1);
            while (go.load() < 2) {
            }
            auto r = segment::create_or_attach(ts.name, role::none, ts.options());
            out = r.status;
        };
        std::thread a(racer, std::ref(sa)), b(racer, std::ref(sb));
        a.join();
        b.join();
        CHECK(((sa == open_status::created && sb == open_status::attached) ||
               (sa == open_status::attached && sb == open_status::created)));
    }
}

TEST_CASE("threads: the guard records latencies and states reasons while readers read",
          "[shm][tsan]") {
    testing::temp_segment ts;
    auto r = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(r.ok());
    auto& seg = *r.seg;
    position p;
    p.symbol.assign_truncated("LAT-USDT");
    p.size = 1;
    const auto res = seg.reserve_slot(p);
    REQUIRE(seg.publish_open(res.ref, p) == slot_result::ok);
    std::atomic<bool> stop{false};
    std::uint64_t written = 0, reads = 0, bad = 0;
    std::thread w([&] {
        for (std::int64_t v = 1; !stop.load(std::memory_order_relaxed); ++v) {
            seg.record_latency(1000 + v % 5000); // always within [1001, 5999]
            if (claim_won(seg.try_claim_closing(res.ref, seg.self()))) {
                (void)seg.set_pending_reason(res.ref, seg.self(),
                                             (v & 1) ? close_reason::ph : close_reason::time_limit);
                (void)seg.release_claim(res.ref, seg.self());
            }
            ++written;
        }
    });
    std::thread rd([&] {
        while (!stop.load(std::memory_order_relaxed)) {
            const auto l = seg.read_latency();
            // Fields are read one by one under a live writer: check only what must always hold.
            if (l.count > 0 && l.max_ns > 0 &&
                (l.p50_ns < 1001 || l.p50_ns > l.p999_ns || l.p999_ns > 6143))
                ++bad;
            const auto s = seg.snapshot(res.ref.index);
            const auto pr = s.snap.pending_reason;
            if (s.ok && pr != close_reason::none && pr != close_reason::ph &&
                pr != close_reason::time_limit)
                ++bad;
            ++reads;
        }
    });
    std::this_thread::sleep_for(run_for);
    stop = true;
    w.join();
    rd.join();
    CHECK(bad == 0);
    CHECK(reads > 0);
    CHECK(seg.read_latency().count == written);
}
