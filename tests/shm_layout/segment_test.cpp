// The segment API in one process: create/attach/read-only, the slot life cycle with generations
// and claims, deterministic ids, parameters, prices, journal, counters and liveness bookkeeping.
#include "shm_layout/money_view.hpp"
#include "shm_layout/segment.hpp"

#include "shm_layout/order_ids.hpp"
#include "tests/shm_layout/test_util.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace scalpel;
using namespace scalpel::shm;

namespace {

position btc_long() {
    position p;
    p.symbol.assign_truncated("BTC-USDT");
    p.pos_side = scalpel::side::long_side;
    p.size = 0.002;
    p.entry_price = 50000;
    p.entry_fee_usd = 0.1;
    p.entry_time_ms = 1'700'000'000'000;
    p.ph_threshold_usd = 0.35;
    p.ph_time_limit_s = 300;
    p.regime_at_entry = regime::trending;
    return p;
}

// A fresh segment with signal_proc's and the guard's roles attached.
struct both_roles {
    testing::temp_segment ts;
    open_result sig = segment::create_or_attach(ts.name, role::signal, ts.options());
    open_result grd = segment::create_or_attach(ts.name, role::guard, ts.options());
    both_roles() {
        REQUIRE(sig.ok());
        REQUIRE(grd.ok());
    }
};

} // namespace

TEST_CASE("create, attach, read-only attach; 0600; ready exactly once", "[unit][shm]") {
    testing::temp_segment ts;
    auto a = segment::create_or_attach(ts.name, role::signal, ts.options());
    REQUIRE(a.status == open_status::created);
    CHECK(a.header.file_mode == 0600);
    CHECK(a.header.init == init_state::ready);
    CHECK(a.seg->self().who == role::signal);
    CHECK(a.seg->self().incarnation == 1);
    CHECK(a.seg->account_tag() == "sctest");

    auto b = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(b.status == open_status::attached);
    CHECK(b.seg->self().incarnation == 1);

    // One process per role.
    auto c = segment::create_or_attach(ts.name, role::guard, ts.options());
    CHECK(c.status == open_status::role_taken);
    CHECK(c.message.find("guard") != std::string::npos);

    // Re-attaching after the guard left bumps its incarnation.
    b.seg.reset();
    auto d = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(d.status == open_status::attached);
    CHECK(d.seg->self().incarnation == 2);

    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    CHECK(ro.seg->read_only());
    CHECK(ro.seg->reserve_slot(btc_long()).status == slot_result::read_only);
    CHECK(ro.seg->read_params().ok); // creator published RANGING defaults

    CHECK(segment::attach_read_only(ts.name + ".nope", ts.options()).status ==
          open_status::no_such_segment);
}

TEST_CASE("slot life cycle: reserve, open, claim, close, journal, reuse", "[unit][shm]") {
    both_roles b;
    segment& s = *b.sig.seg;
    segment& g = *b.grd.seg;

    const auto r = s.reserve_slot(btc_long());
    REQUIRE(r.status == slot_result::ok);
    CHECK(r.ref.generation == 1);
    order_id_parts parts;
    REQUIRE(parse_cl_ord_id(r.entry_cl_ord_id.view(), parts));
    CHECK(parts.slot == r.ref.index);
    CHECK(parts.generation == 1);
    CHECK(parts.what == intent::entry);
    CHECK(parts.attempt == 0);

    // One position per symbol; intent is visible lock-free before the order is sent.
    CHECK(s.reserve_slot(btc_long()).status == slot_result::symbol_busy);
    auto snap = g.snapshot(r.ref.index);
    REQUIRE(snap.ok);
    CHECK(snap.snap.state == slot_state::opening);
    CHECK(snap.snap.pos.entry_cl_ord_id == r.entry_cl_ord_id);
    slot_ref open_refs[4];
    CHECK(g.open_slots("BTC-USDT", open_refs) == 0); // opening is not protected yet

    CHECK(g.guarded_slots(open_refs) == 0); // no fill recorded: nothing to guard yet

    position filled = btc_long();
    filled.entry_ord_id.assign_truncated("123");
    // The fill recorded while opening: the guard watches the slot from now on.
    REQUIRE(s.update_position(r.ref, filled) == slot_result::ok);
    CHECK(g.open_slots("BTC-USDT", open_refs) == 0);
    REQUIRE(g.guarded_slots(open_refs) == 1);
    CHECK(open_refs[0] == r.ref);
    filled.oco_algo_id.assign_truncated("456");
    REQUIRE(s.publish_open(r.ref, filled) == slot_result::ok);
    CHECK(g.guarded_slots(open_refs) == 1);
    CHECK(s.publish_open(r.ref, filled) == slot_result::wrong_state);
    REQUIRE(g.open_slots("BTC-USDT", open_refs) == 1);
    CHECK(open_refs[0] == r.ref);
    CHECK(g.open_slots("ETH-USDT", open_refs) == 0);
    snap = g.snapshot(r.ref.index);
    CHECK(snap.snap.pos.entry_cl_ord_id == r.entry_cl_ord_id); // kept from the reservation
    CHECK(snap.snap.pos.oco_algo_id == std::string_view("456"));

    // Claims: exactly one winner, generation-checked.
    CHECK(g.try_claim_closing({r.ref.index, r.ref.generation + 1}, g.self()) ==
          claim_result::generation_changed);
    REQUIRE(g.try_claim_closing(r.ref, g.self()) == claim_result::claimed);
    CHECK(g.try_claim_closing(r.ref, g.self()) == claim_result::already_mine);
    CHECK(s.try_claim_closing(r.ref, s.self()) == claim_result::held_by_other); // guard is alive
    CHECK(g.snapshot(r.ref.index).snap.state == slot_state::closing);
    CHECK(s.record_close(r.ref, s.self(), {}) == slot_result::not_owner);

    // Release and re-claim by the other side.
    REQUIRE(g.release_claim(r.ref, g.self()) == slot_result::ok);
    CHECK(g.snapshot(r.ref.index).snap.state == slot_state::open);
    REQUIRE(s.try_claim_closing(r.ref, s.self()) == claim_result::claimed);

    const auto a1 = s.next_attempt(r.ref, intent::close);
    const auto a2 = s.next_attempt(r.ref, intent::close);
    REQUIRE(a1.status == slot_result::ok);
    CHECK(a1.attempt == 0);
    CHECK(a2.attempt == 1);
    CHECK(a1.cl_ord_id != a2.cl_ord_id);
    CHECK(s.cl_ord_id(r.ref, intent::close, 1) == a2.cl_ord_id);

    close_info ci;
    ci.reason = close_reason::ph;
    ci.exit_price = 50300;
    ci.exit_time_ms = 1'700'000'060'000;
    ci.exit_fee_usd = 0.1;
    ci.net_pnl_usd = strategy::unrealised_net_pnl(view_of(filled), 50300, 0.001);
    ci.close_cl_ord_id = a2.cl_ord_id;
    REQUIRE(s.record_close(r.ref, s.self(), ci) == slot_result::ok);
    CHECK(s.snapshot(r.ref.index).snap.state == slot_state::free);
    CHECK(s.counters(role::signal)[static_cast<std::size_t>(counter::ph_closes)] == 1);

    REQUIRE(g.journal_head() == 1);
    journal_record rec;
    REQUIRE(g.read_journal(0, rec));
    CHECK(rec.slot == r.ref.index);
    CHECK(rec.generation == 1);
    CHECK(rec.closed_by == role::signal);
    CHECK(rec.pos.reason == close_reason::ph);
    CHECK(rec.pos.exit_price == 50300);
    CHECK(rec.pos.net_pnl_usd == Approx(0.6 - 0.1 - 0.1006));
    CHECK_FALSE(g.read_journal(1, rec));

    // A late claim for the old generation can never touch the reused slot.
    CHECK(g.try_claim_closing(r.ref, g.self()) == claim_result::not_claimable);
    const auto r2 = s.reserve_slot(btc_long());
    REQUIRE(r2.status == slot_result::ok);
    CHECK(r2.ref.index == r.ref.index);
    CHECK(r2.ref.generation == 2);
    CHECK(g.try_claim_closing(r.ref, g.self()) == claim_result::generation_changed);
    CHECK(s.next_attempt(r.ref, intent::close).status == slot_result::generation_changed);
    CHECK(s.publish_open(r.ref, filled) == slot_result::generation_changed);

    // Abandon an entry that did not fill.
    CHECK(s.abandon_opening(r2.ref, s.self()) == slot_result::ok);
    CHECK(s.snapshot(r2.ref.index).snap.state == slot_state::free);
    CHECK(g.try_claim_closing(r2.ref, g.self()) == claim_result::not_claimable);
}

TEST_CASE("send stamps: next_attempt and a re-send raise them, reserve resets them; an exit "
          "claimed while opening is published as closing",
          "[unit][shm]") {
    both_roles b;
    segment& s = *b.sig.seg;
    segment& g = *b.grd.seg;
    const auto r = s.reserve_slot(btc_long());
    REQUIRE(r.status == slot_result::ok);
    const auto oco = static_cast<std::size_t>(intent::oco);
    CHECK(g.snapshot(r.ref.index).snap.sent_ns[oco] == 0);
    REQUIRE(s.next_attempt(r.ref, intent::oco, 1'000).status == slot_result::ok);
    CHECK(g.snapshot(r.ref.index).snap.sent_ns[oco] == 1'000);
    s.note_sent(r.ref, intent::oco, 5'000); // o000 placed again under its id
    CHECK(g.snapshot(r.ref.index).snap.sent_ns[oco] == 5'000);
    s.note_sent(r.ref, intent::oco, 4'000);                               // never lowered
    s.note_sent({r.ref.index, r.ref.generation + 1}, intent::oco, 9'000); // not this generation
    CHECK(g.snapshot(r.ref.index).snap.sent_ns[oco] == 5'000);
    CHECK(g.snapshot(r.ref.index).snap.sent_ns[static_cast<std::size_t>(intent::close)] == 0);

    // The guard claims the exit of the filled, still opening slot; the OCO is then published.
    REQUIRE(g.try_claim_closing(r.ref, g.self()) == claim_result::claimed);
    CHECK(g.snapshot(r.ref.index).snap.state == slot_state::opening);
    position filled = btc_long();
    filled.entry_ord_id.assign_truncated("600000000000000001");
    REQUIRE(s.publish_open(r.ref, filled) == slot_result::ok);
    CHECK(g.snapshot(r.ref.index).snap.state == slot_state::closing);
    REQUIRE(g.record_close(r.ref, g.self(), {}) == slot_result::ok);
    const auto r2 = s.reserve_slot(btc_long());
    REQUIRE(r2.ref.index == r.ref.index);
    CHECK(g.snapshot(r2.ref.index).snap.sent_ns[oco] == 0); // a new generation starts clean
}

TEST_CASE("a dead owner's claim is stolen only after its death", "[unit][shm]") {
    testing::temp_segment ts;
    auto sig = segment::create_or_attach(ts.name, role::signal, ts.options());
    REQUIRE(sig.ok());
    segment& s = *sig.seg;
    const auto r = s.reserve_slot(btc_long());
    REQUIRE(s.publish_open(r.ref, btc_long()) == slot_result::ok);
    owner_id old_guard;
    {
        auto grd = segment::create_or_attach(ts.name, role::guard, ts.options());
        REQUIRE(grd.ok());
        old_guard = grd.seg->self();
        REQUIRE(grd.seg->try_claim_closing(r.ref, old_guard) == claim_result::claimed);
        CHECK(s.try_claim_closing(r.ref, s.self()) == claim_result::held_by_other);
        CHECK_FALSE(s.owner_dead(role::guard, old_guard.incarnation));
    } // guard stops: lock file released, status stopped
    CHECK(s.owner_dead(role::guard, old_guard.incarnation));
    CHECK(s.liveness(role::guard).verdict == liveness_verdict::stopped);
    // A restarted guard takes over its predecessor's claim (superseded incarnation).
    auto grd2 = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(grd2.ok());
    CHECK(grd2.seg->try_claim_closing(r.ref, grd2.seg->self()) == claim_result::stolen);
    CHECK(s.try_claim_closing(r.ref, s.self()) == claim_result::held_by_other);
    // Unregistered owners are never judged dead.
    CHECK_FALSE(s.owner_dead(role::aux, 7));
}

TEST_CASE("parameters: defaults, publish, lock-free read", "[unit][shm]") {
    testing::temp_segment ts;
    auto a = segment::create_or_attach(ts.name, role::signal, ts.options());
    REQUIRE(a.ok());
    auto first = a.seg->read_params();
    REQUIRE(first.ok);
    CHECK(first.params.current == regime::ranging);
    CHECK(first.params.ph_threshold_usd == 0.28);
    auto p = default_params(regime::choppy);
    CHECK(p.ph_time_limit_s == 150);
    CHECK(p.max_hold_s == 1800);
    const auto pub = a.seg->publish_params(p);
    REQUIRE(pub.ok());
    CHECK(pub.seq == first.seq + 1);
    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    const auto got = ro.seg->read_params();
    REQUIRE(got.ok);
    CHECK(got.params.current == regime::choppy);
    CHECK(got.params.min_score == 7);
    CHECK(got.params.publish_seq == pub.seq);
    CHECK(got.params.publish_time_ms > 0);
}

TEST_CASE("live prices: register, publish, read with age", "[unit][shm]") {
    testing::temp_segment ts;
    auto a = segment::create_or_attach(ts.name, role::guard, ts.options());
    REQUIRE(a.ok());
    segment& s = *a.seg;
    const auto btc = s.register_symbol("BTC-USDT");
    REQUIRE(btc.ok);
    CHECK(s.register_symbol("BTC-USDT").index == btc.index);
    CHECK_FALSE(s.find_symbol("ETH-USDT").ok);
    CHECK(s.read_price(btc.index).status == price_status::empty);
    quote q;
    q.last = 50000;
    q.bid = 49999;
    q.ask = 50001;
    q.exchange_ts_ms = 1;
    q.receive_ns = monotonic_now_ns() - 5'000'000;
    s.publish_price(btc.index, q);
    s.publish_price(btc.index, q);
    const auto r = s.read_price(btc.index);
    REQUIRE(r.status == price_status::ok);
    CHECK(r.symbol == std::string_view("BTC-USDT"));
    CHECK(r.q.last == 50000);
    CHECK(r.q.update_seq == 2);
    CHECK(r.age_ns >= 5'000'000);
    CHECK(s.read_price(31).status == price_status::bad_index);
    for (int i = 1; i < static_cast<int>(price_capacity); ++i) {
        std::string sym =
            std::to_string(i); // "S" + to_string trips g++ 12's -Wrestrict false positive
        sym.insert(sym.begin(), 'S');
        CHECK(s.register_symbol(sym).ok);
    }
    CHECK_FALSE(s.register_symbol("ONE-TOO-MANY").ok);
}

TEST_CASE("liveness: alive, then stopped; counters are per role", "[unit][shm]") {
    testing::temp_segment ts;
    auto a = segment::create_or_attach(ts.name, role::signal, ts.options());
    REQUIRE(a.ok());
    CHECK(a.seg->liveness(role::guard).verdict == liveness_verdict::absent);
    {
        auto g = segment::create_or_attach(ts.name, role::guard, ts.options());
        REQUIRE(g.ok());
        g.seg->heartbeat();
        g.seg->add(counter::ticks, 5);
        const auto v = a.seg->liveness(role::guard);
        CHECK(v.verdict == liveness_verdict::alive);
        CHECK(v.lock == lock_probe::held);
        CHECK(v.pid == ::getpid());
        CHECK(a.seg->counters(role::guard)[0] == 5);
        CHECK(a.seg->counters(role::signal)[0] == 0);
    }
    CHECK(a.seg->liveness(role::guard).verdict == liveness_verdict::stopped);
}
