// The reconciliation decision, one case per outcome: foreign segment → discard + rebuild, missing
// segment → rebuild (entry fill + live OCO), coins gone → close external (never re-protected),
// orphan OCO → cancel, unprotected coins → protect or close per policy, held < position → shrink,
// plus the cases that must do nothing (protected, fired OCO, grace period, flows in progress).
#include "reconcile/reconcile.hpp"
#include "shm_layout/order_ids.hpp"

#include <catch2/catch.hpp>

namespace {

using namespace scalpel;
using namespace scalpel::reconcile;

constexpr std::uint32_t epoch = 1'795'000'000;
constexpr std::int64_t now = 1'795'392'000'000;
const identity sim_a{"sim", "1001", "runA"};

std::string id(std::uint32_t slot, std::uint32_t gen, shm::intent what, std::uint32_t attempt = 0,
               std::uint32_t ep = epoch) {
    shm::order_id_parts p;
    p.tag.assign_truncated("bot");
    p.epoch = ep;
    p.slot = slot;
    p.generation = gen;
    p.what = what;
    p.attempt = attempt;
    shm::id_string out;
    REQUIRE(shm::make_cl_ord_id(p, out));
    return std::string(out.view());
}

segment_slot open_slot(std::uint32_t index, std::uint32_t gen, double size, std::string algo_id) {
    segment_slot s;
    s.index = index;
    s.generation = gen;
    s.state = shm::slot_state::open;
    s.pos.symbol.assign_truncated("BTC-USDT");
    s.pos.pos_side = side::long_side;
    s.pos.size = size;
    s.pos.entry_price = 100;
    s.pos.entry_fee_usd = 0.1;
    s.pos.entry_time_ms = now - 60'000;
    s.pos.entry_cl_ord_id.assign_truncated(id(index, gen, shm::intent::entry));
    s.pos.oco_algo_id.assign_truncated(algo_id);
    s.pos.oco_algo_cl_ord_id.assign_truncated(id(index, gen, shm::intent::oco));
    s.base_ccy = "BTC";
    s.lot_sz = 0.0001;
    s.min_sz = 0.0001;
    return s;
}

exchange_algo oco(std::string algo_id, std::string cl, algo_status st, double sz = 1) {
    exchange_algo a;
    a.algo_id = std::move(algo_id);
    a.algo_cl_ord_id = std::move(cl);
    a.inst_id = "BTC-USDT";
    a.state = st;
    a.sz = sz;
    a.tp_trigger = 101;
    a.sl_trigger = 99;
    return a;
}

segment_snapshot segment_with(std::vector<segment_slot> slots) {
    segment_snapshot s;
    s.exists = true;
    s.who = sim_a;
    s.account_tag = "bot";
    s.id_epoch = epoch;
    s.slots = std::move(slots);
    return s;
}

exchange_snapshot exchange_with(std::vector<exchange_algo> algos, double btc_held) {
    exchange_snapshot e;
    e.who = sim_a;
    e.algos = std::move(algos);
    e.held = {{"BTC", btc_held}, {"USDT", 1000}};
    return e;
}

options opts(unprotected_policy p = unprotected_policy::protect) {
    options o;
    o.now_ms = now;
    o.unprotected = p;
    return o;
}

} // namespace

TEST_CASE("a protected position held in full needs nothing", "[reconcile]") {
    const auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live)}, 1.0);
    CHECK(decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts()).empty());
}

TEST_CASE("coins gone and OCO canceled: closed as external with the exchange's sale",
          "[reconcile]") {
    auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::canceled)}, 0);
    // A sale by hand (no clOrdId of ours) after the entry, in two fills.
    ex.fills.push_back({"BTC-USDT", "m1", "", "t1", false, 102, 0.4, 0.04, now - 30'000});
    ex.fills.push_back({"BTC-USDT", "m1", "", "t2", false, 104, 0.6, 0.06, now - 29'000});
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::close_external);
    CHECK(acts[0].slot == 3);
    CHECK(acts[0].generation == 7);
    CHECK(acts[0].exit_px == Approx(103.2));
    CHECK(acts[0].exit_fee_usd == Approx(0.1));
    CHECK(acts[0].exit_time_ms == now - 29'000);
    CHECK(acts[0].net_pnl_usd == Approx(3.2 - 0.1 - 0.1));
}

TEST_CASE("coins gone and OCO absent, no sale found: closed as external at unknown price",
          "[reconcile]") {
    const auto ex = exchange_with({}, 0);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::close_external);
    CHECK(acts[0].exit_px == 0);
    CHECK(acts[0].net_pnl_usd == Approx(-0.1));
    CHECK(acts[0].exit_time_ms == now);
}

TEST_CASE("coins gone but the OCO still live: the OCO is cancelled and the slot closed",
          "[reconcile]") {
    const auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live)}, 0);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 2);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "A1");
    CHECK(acts[1].kind == action_kind::close_external);
}

TEST_CASE("a live OCO of ours that no open position owns is cancelled", "[reconcile]") {
    const auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live),
                                   oco("B9", id(9, 2, shm::intent::oco), algo_status::live),
                                   oco("C5", id(5, 1, shm::intent::oco), algo_status::canceled)},
                                  1.0);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "B9");
}

TEST_CASE("OCOs of opening or closing slots are left to their flows", "[reconcile]") {
    auto opening = open_slot(4, 1, 1.0, "");
    opening.state = shm::slot_state::opening;
    auto closing = open_slot(5, 3, 1.0, "");
    closing.state = shm::slot_state::closing;
    const auto ex = exchange_with({oco("X4", id(4, 1, shm::intent::oco), algo_status::live),
                                   oco("X5", id(5, 3, shm::intent::oco), algo_status::live)},
                                  2.0);
    CHECK(decide(ex, segment_with({opening, closing}), opts()).empty());
}

// Chaos suite, seed 7: an OCO that landed late (order-algo has no expTime) after its position's
// close was recorded stayed live while the slot waited, `closed`, for signal_proc's journal — and
// a closed slot counted as a flow in progress. A recorded close has no flow left to own an OCO.
TEST_CASE("a live OCO of a slot whose close is recorded is cancelled, as are its second attempts",
          "[reconcile]") {
    auto closed = open_slot(6, 2, 1.0, "A6");
    closed.state = shm::slot_state::closed;
    const auto ex = exchange_with({oco("A6", id(6, 2, shm::intent::oco, 0), algo_status::live),
                                   oco("B6", id(6, 2, shm::intent::oco, 1), algo_status::live)},
                                  0.0);
    const auto acts = decide(ex, segment_with({closed}), opts());
    REQUIRE(acts.size() == 2);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "A6");
    CHECK(acts[0].reason == "live OCO of ours that no open position owns");
    CHECK(acts[1].kind == action_kind::cancel_oco);
    CHECK(acts[1].algo_id == "B6");
}

TEST_CASE("a late OCO of a freed or reused slot is cancelled, the new position's kept",
          "[reconcile]") {
    // Slot 6 was reused (generation 3) after generation 2 closed; gen 2's o000 landed late.
    const auto ex = exchange_with({oco("OLD", id(6, 2, shm::intent::oco, 0), algo_status::live),
                                   oco("NEW", id(6, 3, shm::intent::oco, 0), algo_status::live)},
                                  1.0);
    auto reused = open_slot(6, 3, 1.0, "NEW");
    const auto acts = decide(ex, segment_with({reused}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "OLD");
}

TEST_CASE("a second live OCO for one position is cancelled, the recorded one kept", "[reconcile]") {
    const auto ex = exchange_with({oco("A0", id(3, 7, shm::intent::oco, 0), algo_status::live),
                                   oco("A1", id(3, 7, shm::intent::oco, 1), algo_status::live)},
                                  1.0);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "A0");
}

TEST_CASE("coins of ours without a live OCO are protected, or closed, as configured",
          "[reconcile]") {
    const auto ex =
        exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::canceled)}, 1.0);
    const auto seg = segment_with({open_slot(3, 7, 1.0, "A1")});
    auto acts = decide(ex, seg, opts(unprotected_policy::protect));
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::protect);
    CHECK(acts[0].size == 1.0);
    acts = decide(ex, seg, opts(unprotected_policy::close));
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::close_at_market);
    // Within the grace period signal_proc may still be placing the first OCO.
    auto young = open_slot(3, 7, 1.0, "");
    young.pos.entry_time_ms = now - 2000;
    CHECK(decide(exchange_with({}, 1.0), segment_with({young}), opts()).empty());
}

TEST_CASE("a fired OCO is left to the guard's OCO flow", "[reconcile]") {
    const auto ex =
        exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::effective)}, 0);
    CHECK(decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts()).empty());
}

TEST_CASE("held less than the position: shrink to what is held, replacing the OCO", "[reconcile]") {
    const auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live)}, 0.6);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::shrink);
    CHECK(acts[0].size == Approx(0.6));
    CHECK(acts[0].algo_id == "A1"); // the OCO to cancel before the new one
    // Less than half a lot short is rounding, not a shrink.
    const auto near =
        exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live)}, 1.0 - 0.00004);
    CHECK(decide(near, segment_with({open_slot(3, 7, 1.0, "A1")}), opts()).empty());
}

TEST_CASE("missing segment: positions rebuilt from entry fills and their live OCOs",
          "[reconcile]") {
    auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live),
                             oco("Z0", id(8, 1, shm::intent::oco), algo_status::effective)},
                            1.0);
    ex.held.push_back({"ETH", 2.0});
    // slot 3: an entry in two fills with its live OCO → adopted.
    ex.fills.push_back({"BTC-USDT", "o1", id(3, 7, shm::intent::entry), "t1", true, 100, 0.5, 0.05,
                        now - 60'000, 0.0005});
    ex.fills.push_back({"BTC-USDT", "o1", id(3, 7, shm::intent::entry), "t2", true, 102, 0.5, 0.05,
                        now - 59'000, 0.0005});
    // slot 8: entered, then its OCO fired → closed, not adopted.
    ex.fills.push_back(
        {"BTC-USDT", "o2", id(8, 1, shm::intent::entry), "t3", true, 90, 0.3, 0.01, now - 600'000});
    // slot 9: entered and closed by our close order → not adopted.
    ex.fills.push_back(
        {"ETH-USDT", "o3", id(9, 4, shm::intent::entry), "t4", true, 10, 1, 0.01, now - 500'000});
    ex.fills.push_back(
        {"ETH-USDT", "o4", id(9, 4, shm::intent::close), "t5", false, 11, 1, 0.01, now - 400'000});
    // slot 11: an ETH entry without a close or OCO → adopted, to be protected.
    ex.fills.push_back(
        {"ETH-USDT", "o5", id(11, 2, shm::intent::entry), "t6", true, 12, 2, 0.02, now - 30'000});
    segment_snapshot fresh;
    fresh.account_tag = "bot";
    fresh.id_epoch = epoch + 500; // a new segment: new epoch
    const auto acts = decide(ex, fresh, opts());
    REQUIRE(acts.size() == 2);
    for (const auto& a : acts)
        REQUIRE(a.kind == action_kind::adopt_position);
    const action& eth = acts[0].inst_id == "ETH-USDT" ? acts[0] : acts[1];
    const action& btc = acts[0].inst_id == "BTC-USDT" ? acts[0] : acts[1];
    CHECK(btc.pos.size == Approx(1.0 - 0.001)); // the buyer's base fee is not held
    CHECK(btc.pos.entry_price == Approx(101));
    CHECK(btc.pos.entry_fee_usd == Approx(0.1));
    CHECK(btc.pos.entry_time_ms == now - 60'000);
    CHECK(btc.pos.oco_algo_id.view() == "A1");
    CHECK(btc.pos.tp_price == 101);
    CHECK(btc.pos.entry_cl_ord_id.view() == id(3, 7, shm::intent::entry));
    CHECK(eth.pos.oco_algo_id.empty());
    CHECK(eth.pos.size == Approx(2.0));
    CHECK(eth.pos.pos_side == side::long_side);
}

TEST_CASE("rebuild sizes positions to what is held and skips ones sold by hand", "[reconcile]") {
    auto ex = exchange_with({}, 0.5);
    ex.fills.push_back(
        {"BTC-USDT", "o1", id(1, 1, shm::intent::entry), "t1", true, 100, 1, 0, now - 90'000});
    ex.fills.push_back(
        {"BTC-USDT", "o2", id(2, 1, shm::intent::entry), "t2", true, 100, 0.3, 0, now - 60'000});
    segment_snapshot none;
    none.account_tag = "bot";
    none.id_epoch = epoch + 1;
    const auto acts = decide(ex, none, opts());
    REQUIRE(acts.size() == 2); // newest first gets its 0.3, the older one the 0.2 left
    CHECK(acts[0].pos.size == Approx(0.3));
    CHECK(acts[1].pos.size == Approx(0.2));
    CHECK(decide(exchange_with({}, 0), none, opts()).empty());
}

TEST_CASE("a segment of another account, target or run is discarded and rebuilt", "[reconcile]") {
    auto ex = exchange_with({oco("A1", id(3, 7, shm::intent::oco), algo_status::live)}, 1.0);
    ex.fills.push_back(
        {"BTC-USDT", "o1", id(3, 7, shm::intent::entry), "t1", true, 100, 1, 0.1, now - 60'000});
    for (const identity& other : {identity{"sim", "1002", "runA"}, identity{"okx_demo", "1001", ""},
                                  identity{"sim", "1001", "runB"}}) {
        auto seg = segment_with({open_slot(5, 1, 3.0, "OLD")});
        seg.who = other;
        const auto acts = decide(ex, seg, opts());
        REQUIRE(acts.size() == 2);
        CHECK(acts[0].kind == action_kind::discard_segment);
        CHECK(acts[0].reason.find("uid") != std::string::npos);
        CHECK(acts[1].kind == action_kind::adopt_position);
        CHECK(acts[1].pos.oco_algo_id.view() == "A1");
    }
}

TEST_CASE("a slot from another segment epoch does not own a same-numbered OCO", "[reconcile]") {
    // The OCO names slot 3 gen 7 of an older epoch: the current slot 3 gen 7 is not its owner.
    const auto ex =
        exchange_with({oco("OLD", id(3, 7, shm::intent::oco, 0, epoch - 100), algo_status::live),
                       oco("A1", id(3, 7, shm::intent::oco), algo_status::live)},
                      1.0);
    const auto acts = decide(ex, segment_with({open_slot(3, 7, 1.0, "A1")}), opts());
    REQUIRE(acts.size() == 1);
    CHECK(acts[0].kind == action_kind::cancel_oco);
    CHECK(acts[0].algo_id == "OLD");
}
