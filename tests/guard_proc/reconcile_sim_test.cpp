// The guard's account reconciliation against the real simulator, one case per outcome of issue
// 10: coins sold by hand with the OCO cancelled → closed as `external` and never re-protected; an
// orphan OCO of ours → cancelled; coins sold down by hand → the position shrinks and its OCO is
// replaced; unprotected coins with `unprotected: close` → sold; the segment removed (reboot) →
// the position rebuilt with its live OCO; a segment of another simulator run → not adopted,
// phantom discarded, the real position rebuilt. Each case prints its recovery time.
#include "shm_layout/order_ids.hpp"
#include "tests/guard_proc/sim_rig.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

using namespace scalpel;
using namespace std::chrono_literals;

namespace {

constexpr double entry_px = 50000, tp_px = 50600, sl_px = 49500;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

using clock_type = std::chrono::steady_clock;

void report(const char* what, clock_type::time_point from) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - from).count();
    std::printf("recovery [%s]: %lld ms\n", what, static_cast<long long>(ms));
}

// A market order by hand: no clOrdId of ours.
void sell_by_hand(test::sim_rig& rig, const std::string& inst, decimal sz) {
    okx::place_order_req sell;
    sell.inst_id = inst;
    sell.side = okx::side::sell;
    sell.sz = sz;
    sell.tgt_ccy = okx::tgt_ccy::base_ccy;
    const auto ack = rig.rest().run(rig.rest().client().place_order(sell));
    REQUIRE(ack.ok());
}

void cancel_by_hand(test::sim_rig& rig, const std::string& inst, const std::string& algo_id) {
    const std::vector<okx::cancel_algo_req> reqs(1, okx::cancel_algo_req{inst, algo_id, {}});
    REQUIRE(rig.rest().run(rig.rest().client().cancel_algos(reqs)).ok());
}

std::size_t open_count(shm::segment& seg) {
    std::array<shm::slot_ref, 8> refs{};
    return seg.open_slots({}, refs);
}

} // namespace

TEST_CASE("reconcile_sim: coins sold by hand, OCO cancelled → closed as external, never "
          "re-protected",
          "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    const auto t0 = clock_type::now();
    cancel_by_hand(rig, "BTC-USDT", std::string(seeded.pos.oco_algo_id.view()));
    sell_by_hand(rig, "BTC-USDT", decimal::floor_to(rig.balance("BTC"), decimal(1, 8)));
    REQUIRE(rig.wait_journal(1, 30s));
    report("closed by hand → external", t0);
    shm::journal_record rec;
    REQUIRE(rig.seg().read_journal(0, rec));
    CHECK(rec.pos.reason == shm::close_reason::external);
    CHECK(rec.pos.exit_price == Approx(entry_px).epsilon(0.01)); // the hand sale's price
    CHECK(rec.pos.exit_fee_usd > 0);
    CHECK(rec.pos.net_pnl_usd == Approx((rec.pos.exit_price - rec.pos.entry_price) * rec.pos.size -
                                        rec.pos.entry_fee_usd - rec.pos.exit_fee_usd)
                                     .margin(0.01));
    CHECK(open_count(rig.seg()) == 0);
    std::this_thread::sleep_for(3s); // several reconcile rounds: nothing may be re-placed
    const auto s = rig.orders();
    CHECK(s.algos_live == 0);
    CHECK(s.algos_canceled == 1);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("51008") == std::string::npos);
    CHECK(log.find("OCO was missing; placed") == std::string::npos);
    CHECK(log.find("closed as external") != std::string::npos);
}

TEST_CASE("reconcile_sim: a live OCO of ours that no position owns is cancelled", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    // Coins bought by hand, then an OCO named for slot 40 gen 3 of this segment: nobody's.
    okx::place_order_req buy;
    buy.inst_id = "BTC-USDT";
    buy.side = okx::side::buy;
    buy.sz = decimal::floor_to(0.01, decimal(1, 8));
    buy.tgt_ccy = okx::tgt_ccy::base_ccy;
    REQUIRE(rig.rest().run(rig.rest().client().place_order(buy)).ok());
    shm::order_id_parts parts;
    parts.tag.assign_truncated("gt");
    parts.epoch = rig.seg().id_epoch();
    parts.slot = 40;
    parts.generation = 3;
    parts.what = shm::intent::oco;
    shm::id_string cl;
    REQUIRE(shm::make_cl_ord_id(parts, cl));
    okx::algo_order_req oco;
    oco.inst_id = "BTC-USDT";
    oco.side = okx::side::sell;
    oco.sz = decimal::floor_to(0.009, decimal(1, 8));
    oco.has_tp = oco.has_sl = true;
    oco.tp_trigger_px = decimal::round_to(tp_px, decimal(1, 1));
    oco.sl_trigger_px = decimal::round_to(sl_px, decimal(1, 1));
    const std::string cl_s(cl.view());
    oco.algo_cl_ord_id = cl_s;
    REQUIRE(rig.rest().run(rig.rest().client().place_algo(oco)).ok());
    REQUIRE(rig.orders().algos_live == 1);
    const auto t0 = clock_type::now();
    rig.start_guard();
    REQUIRE(test::wait_until([&] { return rig.orders().algos_canceled == 1; }, 30s));
    report("orphan OCO cancelled (from guard start)", t0);
    CHECK(rig.orders().algos_live == 0);
    CHECK(rig.seg().journal_head() == 0);
}

TEST_CASE("reconcile_sim: held less than the position → shrink, OCO replaced", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    const auto t0 = clock_type::now();
    sell_by_hand(rig, "BTC-USDT", decimal::floor_to(0.004, decimal(1, 8)));
    shm::position p;
    REQUIRE(test::wait_until(
        [&] {
            const auto s = rig.seg().snapshot(seeded.ref.index);
            p = s.snap.pos;
            return s.ok && p.size < seeded.pos.size - 0.003 && !p.oco_algo_id.empty() &&
                   p.oco_algo_id != seeded.pos.oco_algo_id;
        },
        30s));
    report("held < position → shrink + new OCO", t0);
    CHECK(p.size == Approx(rig.balance("BTC")).margin(1e-8));
    const auto s = rig.orders();
    CHECK(s.algos_live == 1);
    CHECK(s.algos_canceled == 1);
    CHECK(rig.seg().journal_head() == 0);
    const std::string log = slurp(rig.guard_log());
    CHECK(log.find("held balance is smaller than the position") != std::string::npos);
}

TEST_CASE("reconcile_sim: unprotected coins are sold when guard.unprotected is close", "[sim]") {
    test::sim_rig rig("  unprotected: close\n");
    rig.set_price("BTC-USDT", entry_px);
    rig.open_long_unprotected("BTC-USDT", 0.01, 200, 30'000);
    const auto t0 = clock_type::now();
    rig.start_guard();
    REQUIRE(rig.wait_journal(1, 30s));
    report("unprotected → closed at market (from guard start)", t0);
    shm::journal_record rec;
    REQUIRE(rig.seg().read_journal(0, rec));
    CHECK(rec.pos.reason == shm::close_reason::reconcile);
    CHECK(rig.balance("BTC") < 1e-6);
    CHECK(rig.orders().algos_live == 0);
}

TEST_CASE("reconcile_sim: reboot — segment removed, the position is rebuilt with its live OCO",
          "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    rig.kill_guard();
    REQUIRE(shm::segment::remove(rig.segment_name())); // tmpfs gone: the bot forgot everything
    const auto t0 = clock_type::now();
    rig.start_guard();
    std::unique_ptr<shm::segment> fresh;
    shm::position p;
    REQUIRE(test::wait_until(
        [&] {
            if (!fresh) {
                shm::open_options o;
                o.rundir = rig.run_dir();
                auto r = shm::segment::attach_read_only(rig.segment_name(), o);
                if (!r.ok())
                    return false;
                fresh = std::move(r.seg);
            }
            for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
                const auto s = fresh->snapshot(i);
                if (s.ok && s.snap.state == shm::slot_state::open) {
                    p = s.snap.pos;
                    return fresh->reconciled().at_ms != 0;
                }
            }
            return false;
        },
        30s));
    report("reboot: segment rebuilt from the exchange", t0);
    CHECK(p.oco_algo_id == seeded.pos.oco_algo_id); // adopted, not re-placed
    CHECK(p.size == Approx(seeded.pos.size).margin(1e-8));
    CHECK(p.entry_price == Approx(seeded.pos.entry_price));
    CHECK(p.entry_fee_usd == Approx(seeded.pos.entry_fee_usd).margin(1e-6));
    CHECK(open_count(*fresh) == 1);
    CHECK(fresh->journal_head() == 0);
    CHECK(fresh->identity().target.view() == "sim");
    CHECK_FALSE(fresh->identity().uid.empty());
    CHECK_FALSE(fresh->identity().run_id.empty());
    const auto s = rig.orders();
    CHECK(s.algos_live == 1); // no duplicate protection
}

TEST_CASE("reconcile_sim: a segment of another simulator run is not adopted", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    // A phantom left by an earlier run: no coins, no order on this exchange.
    shm::position phantom;
    phantom.symbol = std::string_view("BTC-USDT");
    phantom.pos_side = shm::side::long_;
    const auto r = rig.seg().reserve_slot(phantom, false);
    REQUIRE(r.status == shm::slot_result::ok);
    phantom.size = 3;
    phantom.entry_price = 40000;
    phantom.entry_time_ms = wall_now_ms() - 3'600'000;
    REQUIRE(rig.seg().publish_open(r.ref, phantom) == shm::slot_result::ok);
    shm::segment_identity old;
    old.target.assign_truncated("sim");
    old.uid.assign_truncated("100000001");
    old.run_id.assign_truncated("run-of-yesterday");
    old.recorded_ms = wall_now_ms() - 3'600'000;
    REQUIRE(rig.seg().record_identity(old));
    const auto t0 = clock_type::now();
    rig.start_guard();
    REQUIRE(test::wait_until(
        [&] {
            return rig.seg().identity().run_id.view() != "run-of-yesterday" &&
                   rig.seg().reconciled().at_ms != 0;
        },
        30s));
    report("foreign segment: discarded and rebuilt", t0);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("is not adopted") != std::string::npos);
    CHECK(rig.seg().snapshot(r.ref.index).snap.state == shm::slot_state::free);
    CHECK(rig.seg().journal_head() == 0); // the phantom is not a trade
    REQUIRE(open_count(rig.seg()) == 1);
    std::array<shm::slot_ref, 8> refs{};
    REQUIRE(rig.seg().open_slots({}, refs) == 1);
    const auto s = rig.seg().snapshot(refs[0].index);
    CHECK(s.snap.pos.oco_algo_id == seeded.pos.oco_algo_id);
    CHECK(s.snap.pos.size == Approx(seeded.pos.size).margin(1e-8));
    CHECK(rig.orders().algos_live == 1);
}
