// The entry gate on a real segment: with a live guard attachment it names, in order, a guard that
// has not reconciled (or whose stamp is a predecessor's), a symbol the guard has no feed for, a
// feed that is down; a polled or live feed passes. A guard that stops heartbeating is stale, and
// one that detaches is absent. The decision line carries the reason.
#include "shm_layout/segment.hpp"
#include "signal_proc/entry_gate.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using signal::protection_block;

TEST_CASE("the entry gate names why a symbol may not be entered", "[unit][shm]") {
    test::temp_dir dir;
    const std::string name = test::unique_name("ledger.gate");
    shm::segment::remove(name);
    shm::open_options o;
    o.rundir = dir.path();
    o.account_tag = "gate";
    o.populate = false;
    o.stale_after = std::chrono::milliseconds(300);
    auto sig = shm::segment::create_or_attach(name, shm::role::signal, o);
    REQUIRE(sig.ok());
    CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason == protection_block::guard_absent);
    {
        auto g = shm::segment::create_or_attach(name, shm::role::guard, o);
        REQUIRE(g.ok());
        g.seg->set_status(shm::process_status::running);
        g.seg->heartbeat();
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason ==
              protection_block::not_reconciled);
        g.seg->mark_reconciled(wall_now_ms());
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason ==
              protection_block::feed_unknown); // not even registered
        const auto idx = g.seg->register_symbol("BTC-USDT");
        REQUIRE(idx.ok);
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason ==
              protection_block::feed_unknown);
        g.seg->set_feed_state(idx.index, shm::feed_state::down);
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason == protection_block::feed_down);
        g.seg->set_feed_state(idx.index, shm::feed_state::not_subscribed);
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason ==
              protection_block::feed_not_subscribed);
        g.seg->set_feed_state(idx.index, shm::feed_state::polling);
        CHECK(signal::check_protection(*sig.seg, "BTC-USDT").ok());
        g.seg->set_feed_state(idx.index, shm::feed_state::live);
        const auto v = signal::check_protection(*sig.seg, "BTC-USDT");
        CHECK(v.ok());
        // No heartbeat for longer than stale_after: hung.
        const auto later = monotonic_now_ns() + 1'000'000'000;
        const auto stale = signal::check_protection(*sig.seg, "BTC-USDT", later);
        CHECK(stale.reason == protection_block::guard_stale);
        CHECK(stale.heartbeat_age_ms >= 1000);
        const std::string line =
            signal::format_protection_block("BTC-USDT", regime::ranging, stale);
        CHECK(line.find("decision=NO_PROTECTION:guard_stale") != std::string::npos);
        CHECK(line.find("symbol=BTC-USDT") != std::string::npos);
    }
    // A new guard incarnation: the predecessor's reconciliation stamp does not count.
    auto g2 = shm::segment::create_or_attach(name, shm::role::guard, o);
    REQUIRE(g2.ok());
    g2.seg->set_status(shm::process_status::running);
    g2.seg->heartbeat();
    CHECK(signal::check_protection(*sig.seg, "BTC-USDT").reason ==
          protection_block::not_reconciled);
    g2.seg.reset();
    sig.seg.reset();
    shm::segment::remove(name);
}
