// The segment's order log (layout v5): the guard's order outcomes round-trip to a read-only
// reader in order with their sequence stamped, a fresh segment has none, and a ring that wrapped
// keeps the newest order_log_capacity notes and refuses the overwritten ones.
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace scalpel;
using namespace scalpel::shm;

namespace {
order_note make_note(std::uint64_t i) {
    order_note n;
    n.cl_ord_id.assign_truncated("tagc" + std::to_string(i));
    n.ord_id.assign_truncated(std::to_string(1000 + i));
    n.symbol.assign_truncated("BTC-USDT");
    n.sz.assign_truncated("0.01");
    n.at_ms = static_cast<epoch_ms>(i);
    n.error_code = i % 2 ? 51008 : 0;
    n.kind = order_kind::close;
    n.outcome = i % 2 ? order_outcome::refused : order_outcome::filled;
    n.channel = order_channel::ws;
    n.flags = note_flag_sell;
    return n;
}
} // namespace

TEST_CASE("order notes round-trip in order; a wrapped ring keeps the newest", "[unit][shm]") {
    testing::temp_segment ts;
    auto g = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(g.ok());
    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    CHECK(ro.seg->order_log_head() == 0);
    order_note out;
    CHECK_FALSE(ro.seg->read_order_note(0, out));

    g.seg->append_order_note(make_note(0));
    g.seg->append_order_note(make_note(1));
    REQUIRE(ro.seg->order_log_head() == 2);
    REQUIRE(ro.seg->read_order_note(1, out));
    CHECK(out.note_seq == 2);
    CHECK(out.cl_ord_id.view() == "tagc1");
    CHECK(out.ord_id.view() == "1001");
    CHECK(out.outcome == order_outcome::refused);
    CHECK(out.error_code == 51008);
    CHECK(out.channel == order_channel::ws);
    CHECK(out.flags == note_flag_sell);
    CHECK(std::string(to_string(out.kind)) == "close");
    CHECK(std::string(to_string(out.outcome)) == "refused");

    ro.seg->append_order_note(make_note(9)); // a read-only mapping never writes
    CHECK(ro.seg->order_log_head() == 2);

    const std::uint64_t total = order_log_capacity + 10;
    for (std::uint64_t i = 2; i < total; ++i)
        g.seg->append_order_note(make_note(i));
    CHECK(ro.seg->order_log_head() == total);
    CHECK_FALSE(ro.seg->read_order_note(0, out)); // overwritten
    CHECK_FALSE(ro.seg->read_order_note(9, out));
    REQUIRE(ro.seg->read_order_note(10, out));
    CHECK(out.cl_ord_id.view() == "tagc10");
    REQUIRE(ro.seg->read_order_note(total - 1, out));
    CHECK(out.note_seq == total);
    CHECK_FALSE(ro.seg->read_order_note(total, out)); // not written yet
}
