// guard_proc end to end: a real okx_sim, a real segment (this test plays signal_proc: it buys,
// places the OCO and publishes the slot) and a real guard_proc child. Prices are scripted through
// /sim/price; outcomes are checked in the segment's journal, the simulator's order log and the
// account balances — never by timing.
#include "tests/guard_proc/sim_rig.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>

using namespace scalpel;
using namespace std::chrono_literals;

namespace {

// LONG 0.01 BTC bought at ~50000.1 (ask); OCO TP 50600 / SL 49500. PH (RANGING, 0.28 USD net)
// fires from ~50080 on.
constexpr double entry_px = 50000, tp_px = 50600, sl_px = 49500;

// The slot's position once the guard has placed an OCO for it (oco_algo_id empty on timeout).
shm::position wait_for_oco(test::sim_rig& rig, shm::slot_ref ref) {
    shm::position p;
    test::wait_until(
        [&] {
            const auto s = rig.seg().snapshot(ref.index);
            p = s.snap.pos;
            return s.ok && !p.oco_algo_id.empty();
        },
        15s);
    return p;
}

shm::journal_record last_record(shm::segment& seg) {
    shm::journal_record r;
    REQUIRE(seg.journal_head() >= 1);
    REQUIRE(seg.read_journal(seg.journal_head() - 1, r));
    return r;
}

std::size_t open_count(shm::segment& seg) {
    std::array<shm::slot_ref, 8> refs{};
    return seg.open_slots({}, refs);
}

void check_net_pnl(const shm::position& p) {
    // net = gross − entry fee − exit fee; a seller pays the taker fee in USDT.
    const double gross = (p.exit_price - p.entry_price) * p.size;
    CHECK(p.exit_fee_usd == Approx(0.001 * p.exit_price * p.size).epsilon(0.02));
    CHECK(p.net_pnl_usd == Approx(gross - p.entry_fee_usd - p.exit_fee_usd).margin(1e-3));
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("guard_sim: a price spike closes by PH, the OCO is cancelled, the journal says PH",
          "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    rig.set_price("BTC-USDT", 50050); // net < 0.28: hold
    std::this_thread::sleep_for(500ms);
    CHECK(rig.seg().journal_head() == 0);
    rig.set_price("BTC-USDT", 50200); // net ≈ +1.0: PH
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    CHECK(rec.slot == seeded.ref.index);
    CHECK(rec.generation == seeded.ref.generation);
    CHECK(rec.closed_by == shm::role::guard);
    CHECK(rec.pos.exit_price == Approx(50199.9));
    check_net_pnl(rec.pos);
    CHECK(open_count(rig.seg()) == 0);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(s.child_orders == 0);
    CHECK(s.algos_canceled == 1);
    CHECK(s.algos_live == 0);
    // The PH close went over the private WS and was accepted: the simulator, like OKX, refuses a
    // WS order op without instIdCode, so this proves the guard's frame carries the code.
    const std::string log = rig.sim("/sim/orders");
    CHECK(log.find(R"("kind":"place_order","via":"ws")") != std::string::npos);
    CHECK(log.find("instIdCode can not be empty") == std::string::npos);
    CHECK(rig.balance("BTC") < 1e-9);
    CHECK(rig.stop_guard() == 0);
    CHECK(rig.seg().liveness(shm::role::guard).status == shm::process_status::stopped);
    if (s.close_recv_mono_ns > 0) {
        // The close's arrival minus the price-set time is not asserted (a loaded box); see
        // guard_bench.
    }
}

TEST_CASE("guard_sim: the OCO fires first (SL) — recorded from the child fill, no guard sell",
          "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    rig.set_price("BTC-USDT", 49400);
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::sl);
    CHECK(rec.slot == seeded.ref.index);
    CHECK(rec.pos.exit_price == Approx(49399.9));
    check_net_pnl(rec.pos);
    CHECK(rec.pos.net_pnl_usd < 0);
    std::this_thread::sleep_for(1500ms); // a reconcile pass: nothing more may happen
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 0);
    CHECK(s.child_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(s.algos_effective == 1);
    CHECK(rig.seg().journal_head() == 1);
    CHECK(open_count(rig.seg()) == 0);
}

TEST_CASE("guard_sim: PH and the OCO's TP on the same tick end in exactly one close", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    rig.set_price("BTC-USDT", 50900); // through TP, and PH is deep in the money too
    REQUIRE(rig.wait_journal(1, 15s));
    std::this_thread::sleep_for(2500ms); // every flow and a reconcile pass settle
    CHECK(rig.seg().journal_head() == 1);
    const auto rec = last_record(rig.seg());
    CHECK((rec.pos.reason == shm::close_reason::tp || rec.pos.reason == shm::close_reason::ph));
    const auto s = rig.orders();
    CHECK(s.filled_sells == 1);
    CHECK(s.filled_buys == 1); // the entry only: no compensation was needed
    CHECK(rig.balance("BTC") < 1e-9);
    CHECK(open_count(rig.seg()) == 0);
}

TEST_CASE("guard_sim: a SIGKILLed guard is replaced; the new one adopts and closes by PH",
          "[sim][kill]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    const auto first_incarnation = rig.seg().liveness(shm::role::guard).incarnation;
    rig.kill_guard();
    CHECK(rig.seg().journal_head() == 0);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    CHECK(rig.seg().liveness(shm::role::guard).incarnation != first_incarnation);
    rig.set_price("BTC-USDT", 50200);
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    CHECK(rec.slot == seeded.ref.index);
    check_net_pnl(rec.pos);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(s.algos_canceled == 1);
}

TEST_CASE("guard_sim: a guard killed holding a claim — the successor looks up the sent close",
          "[sim][kill]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    rig.kill_guard();
    // What a guard killed right after sending leaves behind: its claim, close attempt 0 taken, the
    // order filled on the exchange, nothing journalled. Forged by a guard-role handle of this
    // process that then goes away (the next guard_proc's attach supersedes its incarnation).
    auto forged = rig.open_role(shm::role::guard);
    REQUIRE(forged->try_claim_closing(seeded.ref, forged->self()) == shm::claim_result::claimed);
    const auto cl = forged->next_attempt(seeded.ref, shm::intent::close);
    REQUIRE(cl.status == shm::slot_result::ok);
    okx::place_order_req sell;
    sell.inst_id = "BTC-USDT";
    sell.side = order_side::sell;
    sell.sz = decimal::floor_to(seeded.pos.size, decimal(1, 8));
    sell.tgt_ccy = okx::tgt_ccy::base_ccy;
    const std::string cl_id(cl.cl_ord_id.view());
    sell.cl_ord_id = cl_id;
    rig.set_price("BTC-USDT", 50200);
    REQUIRE(rig.rest().run(rig.rest().client().place_order(sell)).ok());
    forged.reset();
    rig.start_guard();
    REQUIRE(rig.wait_journal(1, 20s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    CHECK(rec.pos.close_cl_ord_id == cl.cl_ord_id);
    check_net_pnl(rec.pos);
    std::this_thread::sleep_for(1500ms);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1); // the successor sent nothing new
    CHECK(s.filled_sells == 1);
    CHECK(s.algos_canceled == 1);
}

TEST_CASE("guard_sim: with the public feed dropped, REST polling keeps PH working", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    CHECK(rig.sim("/sim/ws/drop", R"({"close_frame":false})").find("\"ok\":true") !=
          std::string::npos);
    // Keep knocking the public socket down (first for a while, then with the PH price set) so the
    // price can only arrive by REST polling (or a snapshot squeezed between two drops).
    const auto knock = [&] {
        (void)rig.sim("/sim/ws/drop", R"({"close_frame":false,"path":"/ws/v5/public"})");
        std::this_thread::sleep_for(20ms);
    };
    for (auto t = std::chrono::steady_clock::now() + 800ms; std::chrono::steady_clock::now() < t;)
        knock();
    CHECK(rig.seg().journal_head() == 0);
    rig.set_price("BTC-USDT", 50200);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (rig.seg().journal_head() == 0 && std::chrono::steady_clock::now() < deadline)
        knock();
    REQUIRE(rig.seg().journal_head() == 1);
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    check_net_pnl(rec.pos);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("polling REST tickers") != std::string::npos);
    CHECK(rig.seg().counters(
              shm::role::guard)[static_cast<std::size_t>(shm::counter::reconnects)] >= 1);
}

TEST_CASE("guard_sim: an adopted close is recorded with the reason its dead claimer stated",
          "[sim][kill]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    // A guard that claimed the slot for max holding, stated it, sent the sell and died before the
    // journal. The position is young, so the old age rule would have said PH.
    auto forged = rig.open_role(shm::role::guard);
    REQUIRE(forged->try_claim_closing(seeded.ref, forged->self()) == shm::claim_result::claimed);
    REQUIRE(forged->set_pending_reason(seeded.ref, forged->self(), shm::close_reason::time_limit) ==
            shm::slot_result::ok);
    const auto cl = forged->next_attempt(seeded.ref, shm::intent::close);
    REQUIRE(cl.status == shm::slot_result::ok);
    CHECK(rig.seg().snapshot(seeded.ref.index).snap.pending_reason ==
          shm::close_reason::time_limit);
    okx::place_order_req sell;
    sell.inst_id = "BTC-USDT";
    sell.side = order_side::sell;
    sell.sz = decimal::floor_to(seeded.pos.size, decimal(1, 8));
    sell.tgt_ccy = okx::tgt_ccy::base_ccy;
    const std::string cl_id(cl.cl_ord_id.view());
    sell.cl_ord_id = cl_id;
    REQUIRE(rig.rest().run(rig.rest().client().place_order(sell)).ok());
    forged.reset();
    rig.start_guard();
    REQUIRE(rig.wait_journal(1, 20s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::time_limit);
    CHECK(rec.pos.close_cl_ord_id == cl.cl_ord_id);
    check_net_pnl(rec.pos);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1); // the successor sent nothing new
    CHECK(s.filled_sells == 1);
}

TEST_CASE("guard_sim: a missing OCO is re-placed from the signal's ATR at entry", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    // No OCO, no TP/SL prices, ATR 200, opened 30 s ago (past the 10 s grace period).
    const auto seeded = rig.open_long_unprotected("BTC-USDT", 0.01, 200, 30'000);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    const shm::position p = wait_for_oco(rig, seeded.ref);
    REQUIRE_FALSE(p.oco_algo_id.empty());
    // RANGING multipliers (0.9 / 0.7) × ATR 200 around the fill, on the 0.1 tick.
    CHECK(p.tp_price == Approx(seeded.pos.entry_price + 180).margin(0.051));
    CHECK(p.sl_price == Approx(seeded.pos.entry_price - 140).margin(0.051));
    CHECK(p.atr == 200);
    CHECK(p.oco_algo_cl_ord_id == rig.seg().cl_ord_id(seeded.ref, shm::intent::oco, 0));
    const auto s = rig.orders();
    CHECK(s.algos_live == 1);
    CHECK(rig.seg().journal_head() == 0);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("levels from atr") != std::string::npos);
}

TEST_CASE("guard_sim: a SHORT's re-placed OCO buys back exactly the position size", "[sim]") {
    // OKX reads a spot BUY algo's sz as USDT unless tgtCcy says base_ccy: a buy-back OCO sized in
    // base without it would buy back a few dollars' worth and leave the SHORT open.
    test::sim_rig rig;
    auto no_ph = shm::default_params(scalpel::regime::ranging);
    no_ph.ph_enabled = 0; // only the exchange-side OCO may close this position
    REQUIRE(rig.seg().publish_params(no_ph).ok());
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_short_unprotected("BTC-USDT", 0.01, 200, 30'000);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    const shm::position p = wait_for_oco(rig, seeded.ref);
    REQUIRE_FALSE(p.oco_algo_id.empty());
    CHECK(p.tp_price ==
          Approx(seeded.pos.entry_price - 180).margin(0.051)); // below entry for a SHORT
    CHECK(p.sl_price == Approx(seeded.pos.entry_price + 140).margin(0.051));
    const double btc_before = rig.balance("BTC");
    rig.set_price("BTC-USDT", p.tp_price - 50); // through TP: the OCO buys the coin back
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::tp);
    // The buy-back's fee is taken in BTC, so the account gets size × (1 − fee) back.
    CHECK(rig.balance("BTC") - btc_before == Approx(seeded.pos.size * (1 - 0.001)).epsilon(0.002));
}

// ---- the close tracker against the simulator's faults (audited from the sim's order log) -------

namespace {

// Requests in the sim's log that carry this clOrdId (any kind, any outcome).
int requests_with(test::sim_rig& rig, std::string_view cl_ord_id) {
    const std::string body = test::http_request(rig.port(), "GET", "/sim/orders");
    const std::string key = "\"clOrdId\":\"" + std::string(cl_ord_id) + "\"";
    int n = 0;
    for (auto p = body.find(key); p != std::string::npos; p = body.find(key, p + 1))
        ++n;
    return n; // each request and each order row names it once
}

} // namespace

TEST_CASE("guard_sim: a close refused over the WebSocket goes out over REST with the next id",
          "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    REQUIRE(rig.sim("/sim/fault", R"({"path_prefix":"/ws/op/order","mode":"fail","code":"50001",)"
                                  R"("msg":"Service temporarily unavailable"})")
                .find("\"ok\":true") != std::string::npos);
    rig.set_price("BTC-USDT", 50200);
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    const auto c0 = rig.seg().cl_ord_id(seeded.ref, shm::intent::close, 0);
    const auto c1 = rig.seg().cl_ord_id(seeded.ref, shm::intent::close, 1);
    CHECK(rec.pos.close_cl_ord_id == c1); // the refused id is terminal: the next one filled
    check_net_pnl(rec.pos);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(s.algos_canceled == 1);
    CHECK(requests_with(rig, c0.view()) == 0); // refused before the engine: never an order
    CHECK(requests_with(rig, c1.view()) >= 1);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("refused over WS") != std::string::npos);
    CHECK(log.find("over REST") != std::string::npos);
}

TEST_CASE("guard_sim: an unanswered close is looked up until its deadline passed, then retried "
          "exactly once",
          "[sim]") {
    test::sim_rig rig(
        "  close_deadline_ms: 1000\n  lookup_lag_ms: 500\n  lookup_interval_ms: 200\n");
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    // The WS close is lost: never applied, never answered.
    REQUIRE(rig.sim("/sim/fault", R"({"path_prefix":"/ws/op/order","mode":"drop"})")
                .find("\"ok\":true") != std::string::npos);
    rig.set_price("BTC-USDT", 50200);
    REQUIRE(rig.wait_journal(1, 20s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    const auto c1 = rig.seg().cl_ord_id(seeded.ref, shm::intent::close, 1);
    CHECK(rec.pos.close_cl_ord_id == c1);
    std::this_thread::sleep_for(1500ms); // nothing more may go out
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(rig.seg().snapshot(seeded.ref.index).snap.attempts[2] == 2); // c000 lost, c001 filled
    CHECK(rig.balance("BTC") < 1e-9);
}

TEST_CASE("guard_sim: 51412 on the OCO cancel is looked up before anything is concluded", "[sim]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    // "Cancellation failed as the order is already triggered" — but it is not: it is still live.
    REQUIRE(
        rig.sim("/sim/fault",
                R"({"path_prefix":"/api/v5/trade/cancel-algos","mode":"fail","status":200,)"
                R"("code":"51412","msg":"Cancellation failed as the order is already triggered"})")
            .find("\"ok\":true") != std::string::npos);
    rig.set_price("BTC-USDT", 50200);
    REQUIRE(rig.wait_journal(1, 15s));
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    const auto s = rig.orders();
    CHECK(s.bot_close_orders == 1);
    CHECK(s.filled_sells == 1);
    CHECK(s.child_orders == 0);
    CHECK(s.algos_canceled == 1);
    CHECK(s.algos_live == 0);
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("51412") != std::string::npos);
    CHECK(log.find("looking it up") != std::string::npos);
}

TEST_CASE("guard_sim: a guard killed while its close is in flight — exactly one fill",
          "[sim][kill]") {
    test::sim_rig rig;
    rig.set_price("BTC-USDT", entry_px);
    const auto seeded = rig.open_long("BTC-USDT", 0.01, tp_px, sl_px);
    rig.start_guard();
    rig.wait_guard_ready("BTC-USDT");
    // The WS close is refused, so its successor goes over REST — and lands 2.5 s late (inside its
    // 3 s deadline): the guard dies meanwhile, and its successor must find it, not send another.
    REQUIRE(rig.sim("/sim/fault", R"({"path_prefix":"/ws/op/order","mode":"fail"})")
                .find("\"ok\":true") != std::string::npos);
    REQUIRE(rig.sim("/sim/fault",
                    R"({"path_prefix":"/api/v5/trade/order","mode":"delay","delay_ms":2500})")
                .find("\"ok\":true") != std::string::npos);
    rig.set_price("BTC-USDT", 50200);
    std::this_thread::sleep_for(700ms);
    rig.kill_guard();
    rig.start_guard();
    REQUIRE(rig.wait_journal(1, 30s));
    std::this_thread::sleep_for(1500ms);
    const auto rec = last_record(rig.seg());
    CHECK(rec.pos.reason == shm::close_reason::ph);
    CHECK(rec.slot == seeded.ref.index);
    check_net_pnl(rec.pos);
    // The audit, from the simulator's records only.
    const auto s = rig.orders();
    CHECK(s.filled_sells == 1);
    CHECK(s.filled_buys == 1); // the entry: no compensation was needed
    CHECK(s.bot_close_orders == 1);
    CHECK(s.algos_live == 0);
    CHECK(rig.balance("BTC") < 1e-9);
    CHECK(rig.seg().journal_head() == 1);
    // The successor took the claim over and found the delayed c001 instead of sending c002.
    const std::string log = slurp(rig.guard_log());
    INFO(log);
    CHECK(log.find("taken over") != std::string::npos);
    CHECK(rec.pos.close_cl_ord_id == rig.seg().cl_ord_id(seeded.ref, shm::intent::close, 1));
    CHECK(rig.seg().snapshot(seeded.ref.index).snap.attempts[2] == 2);
}
