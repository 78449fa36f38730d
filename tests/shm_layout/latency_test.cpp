// The layout v2 additions, single process: the latency bucket math against a hand-computed
// distribution (pure functions and through a real segment's block), who may write the block, the
// claim holder's pending close reason (set, read back, reset by release and reuse, kept across a
// steal), the signal's ATR in the position and the refusal of a v1 segment.
#include "shm_layout/latency.hpp"
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace scalpel;
using namespace scalpel::shm;

namespace {

// 1000 values: 900 × 100 ns, 90 × 1 µs, 9 × 10 µs, 1 × 1 ms. By hand (16 sub-buckets per octave):
//   100 = 0b1100100: msb 6, shift 2, bucket 3·16 + (25 & 15) = 57, values 100..103 → bound 103
//   1000: msb 9, shift 5, bucket 6·16 + (31 & 15) = 111, values 992..1023 → bound 1023
//   10000: msb 13, shift 9, bucket 10·16 + (19 & 15) = 163, values 9728..10239 → bound 10239
// p50 → the 500th value (100 ns bucket) = 103; p99 → 990th = the last 1 µs value = 1023;
// p99.9 → 999th = the last 10 µs value = 10239; mean = (90000 + 90000 + 90000 + 1e6) / 1000 = 1270.
struct hand_distribution {
    std::vector<std::int64_t> values;
    hand_distribution() {
        values.insert(values.end(), 900, 100);
        values.insert(values.end(), 90, 1000);
        values.insert(values.end(), 9, 10'000);
        values.push_back(1'000'000);
    }
};

std::unique_ptr<segment> open_as(const testing::temp_segment& ts, role who) {
    auto r = segment::create_or_attach(ts.name, who, ts.options());
    REQUIRE(r.ok());
    return std::move(r.seg);
}

} // namespace

TEST_CASE("latency math: bucket placement and percentiles of a hand-computed distribution",
          "[unit]") {
    CHECK(latency_index_of(100) == 57);
    CHECK(latency_upper_bound_of(57) == 103);
    CHECK(latency_index_of(1000) == 111);
    CHECK(latency_upper_bound_of(111) == 1023);
    CHECK(latency_index_of(10'000) == 163);
    CHECK(latency_upper_bound_of(163) == 10239);
    // Every value lies in its bucket, within 1/16 of the bound.
    for (std::uint64_t v : {0ull, 1ull, 31ull, 32ull, 33ull, 999ull, 123'456'789ull, ~0ull}) {
        const auto i = latency_index_of(v);
        REQUIRE(i < latency_bucket_count);
        CHECK(v <= latency_upper_bound_of(i));
        if (i > 0)
            CHECK(v > latency_upper_bound_of(i - 1));
    }

    std::vector<std::uint64_t> buckets(latency_bucket_count, 0);
    const hand_distribution d;
    for (auto v : d.values)
        ++buckets[latency_index_of(static_cast<std::uint64_t>(v))];
    CHECK(latency_percentile_of(buckets, 1000, 1'000'000, 0.50) == 103);
    CHECK(latency_percentile_of(buckets, 1000, 1'000'000, 0.99) == 1023);
    CHECK(latency_percentile_of(buckets, 1000, 1'000'000, 0.999) == 10239);
    CHECK(latency_percentile_of(buckets, 1000, 1'000'000, 1.0) == 1'000'000); // capped by max
    CHECK(latency_percentile_of(buckets, 0, 0, 0.5) == 0);

    // Small exact values: 1..10 ns once each → p50 is the 5th value.
    std::vector<std::uint64_t> small(latency_bucket_count, 0);
    for (int v = 1; v <= 10; ++v)
        ++small[latency_index_of(static_cast<std::uint64_t>(v))];
    CHECK(latency_percentile_of(small, 10, 10, 0.5) == 5);
    CHECK(latency_percentile_of(small, 10, 10, 0.999) == 10);
    // One value: every percentile is that value (bucket bound capped by max).
    std::vector<std::uint64_t> one(latency_bucket_count, 0);
    ++one[latency_index_of(1000)];
    CHECK(latency_percentile_of(one, 1, 1000, 0.5) == 1000);
}

TEST_CASE("segment latency block: the guard records, anyone reads the same figures",
          "[unit][shm]") {
    testing::temp_segment ts;
    auto guard = open_as(ts, role::guard);
    auto sig = open_as(ts, role::signal);
    CHECK(guard->read_latency().count == 0);
    CHECK(guard->read_latency().p99_ns == 0);

    const hand_distribution d;
    for (auto v : d.values)
        guard->record_latency(v);
    sig->record_latency(5);    // not the guard: ignored (single writer)
    guard->record_latency(-7); // a clock step backwards counts as 0 ns, never as a huge value
    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    ro.seg->reset_latency(); // read-only: ignored
    for (const segment* s : {guard.get(), sig.get(), ro.seg.get()}) {
        const latency_summary l = s->read_latency();
        CHECK(l.count == 1001);
        CHECK(l.max_ns == 1'000'000);
        CHECK(l.mean_ns == 1'270'000 / 1001);
        CHECK(l.p50_ns == 103);
        CHECK(l.p99_ns == 1023);
        CHECK(l.p999_ns == 10239);
    }
    const auto& raw = guard->raw().latency;
    CHECK(raw.buckets[0].load() == 1); // the clamped negative
    CHECK(raw.buckets[57].load() == 900);
    CHECK(raw.sum_ns.load() == 1'270'000);

    sig->reset_latency(); // not the guard: ignored
    CHECK(guard->read_latency().count == 1001);
    guard->reset_latency();
    CHECK(guard->read_latency().count == 0);
    CHECK(ro.seg->read_latency().max_ns == 0);
}

TEST_CASE("pending close reason: only the claim holder states it; release and reuse clear it",
          "[unit][shm]") {
    testing::temp_segment ts;
    auto guard = open_as(ts, role::guard);
    auto sig = open_as(ts, role::signal);
    position p;
    p.symbol.assign_truncated("BTC-USDT");
    p.pos_side = scalpel::side::long_side;
    p.size = 0.01;
    p.entry_price = 50000;
    const auto r = sig->reserve_slot(p);
    REQUIRE(r.status == slot_result::ok);
    REQUIRE(sig->publish_open(r.ref, p) == slot_result::ok);
    CHECK(guard->snapshot(r.ref.index).snap.pending_reason == close_reason::none);

    CHECK(guard->set_pending_reason(r.ref, guard->self(), close_reason::ph) ==
          slot_result::not_owner);
    REQUIRE(guard->try_claim_closing(r.ref, guard->self()) == claim_result::claimed);
    CHECK(sig->set_pending_reason(r.ref, sig->self(), close_reason::manual) ==
          slot_result::not_owner);
    CHECK(guard->set_pending_reason({r.ref.index, r.ref.generation + 1}, guard->self(),
                                    close_reason::ph) == slot_result::generation_changed);
    REQUIRE(guard->set_pending_reason(r.ref, guard->self(), close_reason::time_limit) ==
            slot_result::ok);
    CHECK(sig->snapshot(r.ref.index).snap.pending_reason == close_reason::time_limit);

    // Released (the close did not happen): the next claimer starts without a stated reason.
    REQUIRE(guard->release_claim(r.ref, guard->self()) == slot_result::ok);
    CHECK(sig->snapshot(r.ref.index).snap.pending_reason == close_reason::none);

    // A steal keeps the dead holder's statement: that is what the adopter needs.
    REQUIRE(guard->try_claim_closing(r.ref, guard->self()) == claim_result::claimed);
    REQUIRE(guard->set_pending_reason(r.ref, guard->self(), close_reason::ph) == slot_result::ok);
    guard.reset();                          // the guard goes away holding the claim
    auto guard2 = open_as(ts, role::guard); // a new incarnation supersedes it
    REQUIRE(guard2->try_claim_closing(r.ref, guard2->self()) == claim_result::stolen);
    CHECK(guard2->snapshot(r.ref.index).snap.pending_reason == close_reason::ph);

    // Recorded and reused: a new generation starts clean.
    close_info ci;
    ci.reason = guard2->snapshot(r.ref.index).snap.pending_reason;
    REQUIRE(guard2->record_close(r.ref, guard2->self(), ci) == slot_result::ok);
    journal_record rec;
    REQUIRE(sig->read_journal(0, rec));
    CHECK(rec.pos.reason == close_reason::ph);
    const auto r2 = sig->reserve_slot(p);
    REQUIRE(r2.ref.index == r.ref.index);
    CHECK(sig->snapshot(r2.ref.index).snap.pending_reason == close_reason::none);
}

TEST_CASE("position::atr travels through open, update, snapshot and journal", "[unit][shm]") {
    testing::temp_segment ts;
    auto sig = open_as(ts, role::signal);
    position p;
    p.symbol.assign_truncated("ETH-USDT");
    p.pos_side = scalpel::side::short_side;
    p.size = 0.5;
    p.entry_price = 3000;
    p.atr = 12.75;
    const auto r = sig->reserve_slot(p);
    REQUIRE(sig->publish_open(r.ref, p) == slot_result::ok);
    CHECK(sig->snapshot(r.ref.index).snap.pos.atr == 12.75);
    p.atr = 13.5;
    REQUIRE(sig->update_position(r.ref, p) == slot_result::ok);
    CHECK(sig->snapshot(r.ref.index).snap.pos.atr == 13.5);
    REQUIRE(claim_won(sig->try_claim_closing(r.ref, sig->self())));
    REQUIRE(sig->record_close(r.ref, sig->self(), close_info{}) == slot_result::ok);
    journal_record rec;
    REQUIRE(sig->read_journal(0, rec));
    CHECK(rec.pos.atr == 13.5);
}

TEST_CASE("a layout v1 segment (no latency block) is refused as a version mismatch, untouched",
          "[unit][shm]") {
    STATIC_REQUIRE(layout_version >= 2);
    testing::temp_segment ts;
    // What a v1 creator left: its magic, version 1, ready, and the smaller v1 size.
    const std::size_t v1_size = offsetof(segment_layout, latency);
    const int fd = ::shm_open(("/" + ts.name).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    std::vector<unsigned char> bytes(v1_size, 0x5a);
    const std::uint64_t magic = segment_magic, total = v1_size;
    const std::uint32_t version = 1, header_size = 64, ready = 2;
    std::memcpy(bytes.data(), &magic, 8);
    std::memcpy(bytes.data() + 8, &version, 4);
    std::memcpy(bytes.data() + 12, &header_size, 4);
    std::memcpy(bytes.data() + 16, &total, 8);
    std::memcpy(bytes.data() + 24, &ready, 4);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    ::close(fd);
    for (const role who : {role::guard, role::signal}) {
        auto r = segment::create_or_attach(ts.name, who, ts.options());
        CHECK(r.status == open_status::version_mismatch);
        CHECK(r.message.find("layout version 1") != std::string::npos);
        CHECK(r.message.find("version " + std::to_string(layout_version)) != std::string::npos);
    }
    auto ro = segment::attach_read_only(ts.name, ts.options());
    CHECK(ro.status == open_status::version_mismatch);
    CHECK(ro.header.version == 1);
    std::vector<unsigned char> after(v1_size);
    const int rfd = ::shm_open(("/" + ts.name).c_str(), O_RDONLY, 0);
    REQUIRE(rfd >= 0);
    REQUIRE(::read(rfd, after.data(), after.size()) == static_cast<ssize_t>(after.size()));
    ::close(rfd);
    CHECK(after == bytes);
}
