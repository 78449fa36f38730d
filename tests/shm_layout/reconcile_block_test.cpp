// The segment's reconciliation block (layout v3): the identity a segment was made for round-trips
// and starts empty, the reconciled stamp carries the guard's incarnation, per-symbol feed states
// are kept per price index, and discard_slot frees a phantom slot without a journal record.
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::shm;

TEST_CASE("identity, reconciled stamp and feed states", "[unit][shm]") {
    testing::temp_segment ts;
    auto g = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(g.ok());
    auto& seg = *g.seg;
    CHECK(seg.identity().recorded_ms == 0); // fresh: nothing recorded
    CHECK(seg.reconciled().at_ms == 0);
    segment_identity id;
    id.target.assign_truncated("sim");
    id.uid.assign_truncated("44012345");
    id.run_id.assign_truncated("run-7f3a");
    id.recorded_ms = 1234;
    REQUIRE(seg.record_identity(id));
    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    const auto back = ro.seg->identity();
    CHECK(back.target.view() == "sim");
    CHECK(back.uid.view() == "44012345");
    CHECK(back.run_id.view() == "run-7f3a");
    CHECK(back.recorded_ms == 1234);

    seg.mark_reconciled(5678);
    CHECK(ro.seg->reconciled().at_ms == 5678);
    CHECK(ro.seg->reconciled().incarnation == seg.self().incarnation);

    CHECK(ro.seg->feed(3) == feed_state::unknown);
    seg.set_feed_state(3, feed_state::live);
    seg.set_feed_state(4, feed_state::polling);
    seg.set_feed_state(price_capacity, feed_state::live); // out of range: ignored
    CHECK(ro.seg->feed(3) == feed_state::live);
    CHECK(ro.seg->feed(4) == feed_state::polling);
    CHECK(ro.seg->feed(price_capacity) == feed_state::unknown);
    CHECK(std::string(to_string(close_reason::external)) == "external");
}

TEST_CASE("discard_slot frees a claimed slot without journaling it", "[unit][shm]") {
    testing::temp_segment ts;
    auto g = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(g.ok());
    auto& seg = *g.seg;
    position p;
    p.symbol.assign_truncated("BTC-USDT");
    p.pos_side = side::long_;
    const auto r = seg.reserve_slot(p);
    REQUIRE(r.status == slot_result::ok);
    p.size = 1;
    REQUIRE(seg.publish_open(r.ref, p) == slot_result::ok);
    CHECK(seg.discard_slot(r.ref, seg.self()) == slot_result::not_owner); // claim first
    REQUIRE(claim_won(seg.try_claim_closing(r.ref, seg.self())));
    REQUIRE(seg.discard_slot(r.ref, seg.self()) == slot_result::ok);
    CHECK(seg.snapshot(r.ref.index).snap.state == slot_state::free);
    CHECK(seg.journal_head() == 0);
    CHECK(seg.discard_slot(r.ref, seg.self()) != slot_result::ok);
}
