// The tick path (tick_guard) against a real segment and a recording sink: PH and max-hold
// verdicts take the claim once and write one market close frame; further ticks, stale slot
// references, claims held by another live role and OCO-fired slots send nothing.
#include "guard_proc/guard.hpp"
#include "guard_proc/oco_levels.hpp"

#include "common/okx/ws_parser.hpp"
#include "tests/guard_proc/fixtures.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using scalpel::test::make_position;
using scalpel::test::open_position;

namespace {

okx::ticker tick(std::string_view inst, double last) {
    okx::ticker t;
    t.inst_id = inst;
    t.last = last;
    t.bid_px = last - 0.1;
    t.ask_px = last + 0.1;
    t.ts_ms = wall_now_ms();
    return t;
}

struct rig {
    test::temp_segment ts;
    test::recording_sink sink;
    guard::tick_guard core{*ts.seg, sink, guard::tick_settings{}};
    rig() {
        REQUIRE(ts.seg->publish_params(shm::default_params(scalpel::regime::ranging)).ok());
        REQUIRE(core.add_symbol("BTC-USDT") >= 0);
        core.set_increments("BTC-USDT", decimal(1, 8), decimal(1, 1));
        core.set_inst_id_code("BTC-USDT", 100001);
    }
};

// LONG 0.01 BTC at 50000, entry fee 0.5 USD: net at 50200 ≈ +1.0 (PH at 0.28), at 50050 < 0.
shm::position btc_long(epoch_ms entry_ms = wall_now_ms()) {
    return make_position("BTC-USDT", scalpel::side::long_side, 0.01, 50000, 0.5, entry_ms);
}

} // namespace

TEST_CASE("guard_tick: PH sends one sell for the held size, once", "[unit]") {
    rig r;
    const auto ref = open_position(*r.ts.seg, btc_long());
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50050), monotonic_now_ns());
    CHECK(r.sink.frames.empty());
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    REQUIRE(r.sink.frames.size() == 1);
    REQUIRE(r.sink.closes.size() == 1);
    const auto& c = r.sink.closes[0].req;
    CHECK(c.ref == ref);
    CHECK(c.reason == shm::close_reason::ph);
    CHECK(c.size.str() == "0.01");
    const std::string& f = r.sink.frames[0];
    CHECK(f.find("\"op\":\"order\"") != std::string::npos);
    CHECK(f.find("\"instIdCode\":100001,") != std::string::npos);
    CHECK(f.find("\"instId\":") == std::string::npos); // delisted from the WS order ops
    CHECK(f.find("\"side\":\"sell\"") != std::string::npos);
    CHECK(f.find("\"ordType\":\"market\"") != std::string::npos);
    CHECK(f.find("\"tdMode\":\"cash\"") != std::string::npos);
    CHECK(f.find("\"tgtCcy\":\"base_ccy\"") != std::string::npos);
    CHECK(f.find("\"sz\":\"0.01\"") != std::string::npos);
    CHECK(f.find(std::string("\"clOrdId\":\"") + std::string(c.cl_ord_id.view()) + "\"") !=
          std::string::npos);
    CHECK(c.cl_ord_id == r.ts.seg->cl_ord_id(ref, shm::intent::close, 0));
    const auto s = r.ts.seg->snapshot(ref.index);
    CHECK(s.snap.state == shm::slot_state::closing);
    CHECK(s.snap.pending_reason == shm::close_reason::ph); // stated for a possible adopter
    // The order handed to the socket has its frame-receive → order time in the segment.
    const auto lat = r.ts.seg->read_latency();
    CHECK(lat.count == 1);
    CHECK(lat.max_ns > 0);
    CHECK(lat.p50_ns <= lat.max_ns);

    // The claim is ours now: more ticks never send again.
    for (int i = 0; i < 100; ++i)
        r.core.on_ticker(tick("BTC-USDT", 50300 + i), monotonic_now_ns());
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50500), monotonic_now_ns());
    CHECK(r.sink.frames.size() == 1);
    CHECK(r.ts.seg->snapshot(ref.index).snap.attempts[2] == 1);
    // The live price went into the segment.
    const auto idx = r.ts.seg->find_symbol("BTC-USDT");
    REQUIRE(idx.ok);
    CHECK(r.ts.seg->read_price(idx.index).q.last == 50500);
}

TEST_CASE("guard_tick: a symbol without instIdCode writes no WS frame: the close goes to REST",
          "[unit]") {
    test::temp_segment ts;
    test::recording_sink sink;
    guard::tick_guard core{*ts.seg, sink, guard::tick_settings{}};
    REQUIRE(ts.seg->publish_params(shm::default_params(scalpel::regime::ranging)).ok());
    REQUIRE(core.add_symbol("BTC-USDT") >= 0);
    core.set_increments("BTC-USDT", decimal(1, 8), decimal(1, 1));
    core.set_inst_id_code("BTC-USDT", 0); // unknown: ignored, stays 0
    open_position(*ts.seg, btc_long());
    core.refresh_slots();
    core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(sink.frames.empty());
    REQUIRE(sink.closes.size() == 1);
    CHECK_FALSE(sink.closes[0].sent); // close_started(…, false): the shell places it over REST
}

TEST_CASE("guard_tick: SHORT buys back the base size; size is floored onto lotSz", "[unit]") {
    rig r;
    r.core.set_increments("BTC-USDT", decimal(1, 5), decimal(1, 1));
    auto p =
        make_position("BTC-USDT", scalpel::side::short_side, 0.0123456, 50000, 0.6, wall_now_ms());
    open_position(*r.ts.seg, p);
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 49800), monotonic_now_ns());
    REQUIRE(r.sink.frames.size() == 1);
    CHECK(r.sink.frames[0].find("\"side\":\"buy\"") != std::string::npos);
    CHECK(r.sink.frames[0].find("\"tgtCcy\":\"base_ccy\"") != std::string::npos);
    CHECK(r.sink.closes[0].req.size.str() == "0.01234");
}

TEST_CASE("guard_tick: a stale reference (wrong generation) is ignored", "[unit]") {
    rig r;
    const auto ref = open_position(*r.ts.seg, btc_long());
    r.core.refresh_slots();
    // The slot is closed and reused (new generation) behind the cache's back.
    REQUIRE(shm::claim_won(r.ts.seg->try_claim_closing(ref, r.ts.seg->self())));
    shm::close_info ci;
    ci.reason = shm::close_reason::manual;
    REQUIRE(r.ts.seg->record_close(ref, r.ts.seg->self(), ci) == shm::slot_result::ok);
    const auto ref2 = open_position(*r.ts.seg, btc_long());
    REQUIRE(ref2.index == ref.index);
    REQUIRE(ref2.generation != ref.generation);
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns()); // cache still holds the old ref
    CHECK(r.sink.frames.empty());
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    REQUIRE(r.sink.closes.size() == 1);
    CHECK(r.sink.closes[0].req.ref == ref2);
}

TEST_CASE("guard_tick: a claim held by a live signal_proc, or a fired OCO, blocks the sell",
          "[unit]") {
    rig r;
    auto sig = r.ts.open(shm::role::signal);
    const auto ref = open_position(*sig, btc_long());
    r.core.refresh_slots();
    REQUIRE(sig->try_claim_closing(ref, sig->self()) == shm::claim_result::claimed);
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(r.sink.frames.empty());
    REQUIRE(sig->release_claim(ref, sig->self()) == shm::slot_result::ok);
    // The OCO fired: the tracker follows its child and the tick path stops judging the slot.
    r.core.feed(ref, guard::event{.kind = guard::ev::algo,
                                  .now = std::chrono::nanoseconds(monotonic_now_ns()),
                                  .attempt = 0,
                                  .algo = guard::algo_status::fired,
                                  .reason = shm::close_reason::tp});
    REQUIRE(r.core.tracker(ref) != nullptr);
    CHECK(r.core.tracker(ref)->state() == guard::exit_state::oco_fill);
    CHECK(r.sink.count(guard::cmd::lookup_order) == 1);
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(r.sink.frames.empty());
}

// Chaos suite: signal_proc's last-resort market close left a late OCO live 15 s (until the next
// account reconcile). A position leaving the open set, whoever closed it, triggers the OCO sweep.
TEST_CASE("guard_tick: a position closed by another process is reported once for the OCO sweep",
          "[unit]") {
    rig r;
    auto sig = r.ts.open(shm::role::signal);
    const auto ref = open_position(*sig, btc_long());
    r.core.refresh_slots();
    CHECK(!r.core.take_positions_left());
    REQUIRE(sig->try_claim_closing(ref, sig->self()) == shm::claim_result::claimed);
    r.core.refresh_slots(); // closing by a live signal_proc: still listed, not the guard's
    CHECK(!r.core.take_positions_left());
    shm::close_info ci;
    ci.reason = shm::close_reason::reconcile;
    REQUIRE(sig->record_close(ref, sig->self(), ci) == shm::slot_result::ok);
    r.core.refresh_slots();
    CHECK(r.core.take_positions_left());
    CHECK(!r.core.take_positions_left()); // once
    r.core.refresh_slots();
    CHECK(!r.core.take_positions_left());
}

TEST_CASE("guard_tick: no judging before the instrument's real lot size is known", "[unit]") {
    test::temp_segment ts;
    test::recording_sink sink;
    REQUIRE(ts.seg->publish_params(shm::default_params(scalpel::regime::ranging)).ok());
    guard::tick_guard core(*ts.seg, sink, guard::tick_settings{});
    REQUIRE(core.add_symbol("BTC-USDT") >= 0);
    const auto ref = open_position(*ts.seg, btc_long());
    core.refresh_slots();
    core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns()); // through PH, sizes unknown
    CHECK(sink.frames.empty());
    CHECK(core.tracker(ref) == nullptr);
    // Sizes loaded: the slot is bound and judged against the latest price at once, no tick needed.
    core.set_increments("BTC-USDT", decimal(1, 8), decimal(1, 1));
    core.refresh_slots();
    REQUIRE(sink.closes.size() == 1);
    CHECK(sink.closes[0].req.size.str() == "0.01");
}

TEST_CASE("guard_tick: a newly bound slot is not judged on a price quoted before its entry",
          "[unit]") {
    rig r;
    auto old = tick("BTC-USDT", 50200); // a spike quoted a second before the entry
    old.ts_ms = wall_now_ms() - 1000;
    r.core.on_ticker(old, monotonic_now_ns());
    open_position(*r.ts.seg, btc_long());
    r.core.refresh_slots();
    CHECK(r.sink.frames.empty());
    CHECK(r.sink.commands.empty());
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns()); // a fresh quote: PH
    CHECK(r.sink.frames.size() == 1);
}

TEST_CASE("guard_tick: cancel_first — a PH verdict with an OCO cancels it before any sell",
          "[unit]") {
    rig r;
    auto p = btc_long();
    const auto ref = open_position(*r.ts.seg, p);
    // The OCO signal_proc placed (attempt 0), stored in the slot.
    REQUIRE(r.ts.seg->next_attempt(ref, shm::intent::oco).status == shm::slot_result::ok);
    p.oco_algo_id = std::string_view("A1");
    p.oco_algo_cl_ord_id = r.ts.seg->cl_ord_id(ref, shm::intent::oco, 0).view();
    REQUIRE(r.ts.seg->update_position(ref, p) == shm::slot_result::ok);
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(r.sink.frames.empty());
    REQUIRE(r.sink.count(guard::cmd::cancel_oco) == 1);
    // Cancelled: the close goes out over WS at once, with its expTime.
    r.core.feed(ref, guard::event{.kind = guard::ev::cancel_ok,
                                  .now = std::chrono::nanoseconds(monotonic_now_ns()),
                                  .attempt = 0});
    REQUIRE(r.sink.frames.size() == 1);
    CHECK(r.sink.frames[0].find(R"("op":"order","expTime":")") != std::string::npos);
    CHECK(r.sink.frames[0].find("\"op\":\"order\"") != std::string::npos);
}

TEST_CASE("guard_tick: the tick time is the frame's receive time, measured to the order hand-over",
          "[unit]") {
    rig r;
    open_position(*r.ts.seg, btc_long());
    r.core.refresh_slots();
    // A frame received 5 ms ago (e.g. parsed late): its latency counts from the receive time.
    const mono_ns rx = monotonic_now_ns() - 5'000'000;
    r.core.on_ticker(tick("BTC-USDT", 50200), rx);
    REQUIRE(r.sink.closes.size() == 1);
    CHECK(r.sink.closes[0].req.rx_ns == rx);
    const auto lat = r.ts.seg->read_latency();
    REQUIRE(lat.count == 1);
    CHECK(lat.max_ns >= 5'000'000);
    CHECK(lat.p50_ns >= 4'700'000); // a bucket bound within ~6 % below the true value at worst
}

TEST_CASE("guard_tick: max holding closes with reason time_limit; PH stops after its time limit",
          "[unit]") {
    rig r;
    // 400 s old: past the 300 s PH limit, below the 60 min max hold → hold even in profit.
    const auto ref = open_position(*r.ts.seg, btc_long(wall_now_ms() - 400'000));
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(r.sink.frames.empty());
    (void)ref;
    rig r2;
    const auto ref2 = open_position(*r2.ts.seg, btc_long(wall_now_ms() - 3'700'000));
    r2.core.refresh_slots();
    // Old and without an OCO: the guard is placing one; the verdict waits for that answer, then
    // cancels it before selling (cancel_first).
    REQUIRE(r2.sink.count(guard::cmd::place_oco) == 1);
    r2.core.on_ticker(tick("BTC-USDT", 49000), monotonic_now_ns());
    CHECK(r2.sink.closes.empty());
    const auto at = [] { return std::chrono::nanoseconds(monotonic_now_ns()); };
    r2.core.feed(ref2, guard::event{.kind = guard::ev::oco_placed, .now = at(), .attempt = 0});
    REQUIRE(r2.sink.count(guard::cmd::cancel_oco) == 1);
    r2.core.feed(ref2, guard::event{.kind = guard::ev::cancel_ok, .now = at(), .attempt = 0});
    REQUIRE(r2.sink.closes.size() == 1);
    CHECK(r2.sink.closes[0].req.reason == shm::close_reason::time_limit);
    CHECK(r2.ts.seg->snapshot(r2.sink.closes[0].req.ref.index).snap.pending_reason ==
          shm::close_reason::time_limit);
}

TEST_CASE("guard_tick: parameters — the current regime judges every position (judging_regime)",
          "[unit]") {
    rig r; // publishes the RANGING block, read on the first tick
    auto p = btc_long();
    p.regime_at_entry = scalpel::regime::choppy;
    p.ph_threshold_usd = 5.0; // stored at entry: a record, never a judge
    p.ph_time_limit_s = 60;
    // No block read yet: the configured set of the entry regime stands in (CHOPPY 0.35 / 150 s).
    auto e = r.core.params_for(p);
    CHECK(e.ph_threshold_usd == 0.35);
    CHECK(e.ph_time_limit_ms == 150'000);
    open_position(*r.ts.seg, p);
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50050), monotonic_now_ns()); // net ≈ −0.50: hold
    CHECK(r.sink.frames.empty());
    e = r.core.params_for(p);
    CHECK(e.ph_threshold_usd == 0.28); // the current block (RANGING), not the entry's CHOPPY
    CHECK(e.ph_time_limit_ms == 300'000);
    CHECK(e.max_holding_ms == 3'600'000);
    auto block = shm::default_params(scalpel::regime::choppy);
    block.ph_threshold_usd = 0.9; // a retuned current block applies at once
    REQUIRE(r.ts.seg->publish_params(block).ok());
    r.core.on_ticker(tick("BTC-USDT", 50100), monotonic_now_ns()); // net ≈ −0.001 < 0.9
    CHECK(r.sink.frames.empty());
    e = r.core.params_for(p);
    CHECK(e.ph_threshold_usd == 0.9);
    CHECK(e.ph_time_limit_ms == 150'000);
    CHECK(e.max_holding_ms == 1'800'000);
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns()); // ≈ 0.998 ≥ 0.9 (5.0 would hold)
    CHECK(r.sink.frames.size() == 1);
}

TEST_CASE(
    "guard_tick: socket down → the close is still started (REST fallback), not counted as sent",
    "[unit]") {
    rig r;
    r.sink.accept = false;
    open_position(*r.ts.seg, btc_long());
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    REQUIRE(r.sink.closes.size() == 1);
    CHECK_FALSE(r.sink.closes[0].sent);
    // The frame never left: its successor (attempt 1) goes over REST at once.
    REQUIRE(r.sink.count(guard::cmd::send_close_rest) == 1);
    CHECK(r.sink.commands[0].second.attempt == 1);
    CHECK(r.ts.seg->counters(
              shm::role::guard)[static_cast<std::size_t>(shm::counter::orders_sent)] == 0);
    CHECK(r.ts.seg->read_latency().count == 0); // not a tick→order time: it goes over REST later
}

TEST_CASE("guard_tick: a dead incarnation's claim is taken over at refresh, its attempt looked up",
          "[unit]") {
    test::temp_segment ts;
    test::recording_sink sink;
    const auto ref = open_position(*ts.seg, btc_long());
    REQUIRE(ts.seg->try_claim_closing(ref, ts.seg->self()) == shm::claim_result::claimed);
    REQUIRE(ts.seg->next_attempt(ref, shm::intent::close).status == shm::slot_result::ok);
    ts.seg.reset();                        // the old guard goes away holding the claim
    auto seg2 = ts.open(shm::role::guard); // new incarnation supersedes it
    guard::tick_guard core(*seg2, sink, guard::tick_settings{});
    REQUIRE(core.add_symbol("BTC-USDT") >= 0);
    core.set_increments("BTC-USDT", decimal(1, 8), decimal(1, 1));
    core.refresh_slots();
    REQUIRE(core.tracker(ref) != nullptr);
    CHECK(core.tracker(ref)->state() == guard::exit_state::resolving);
    REQUIRE(sink.count(guard::cmd::lookup_order) == 1);
    CHECK(sink.commands[0].second.attempt == 0);
    core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns());
    CHECK(sink.frames.empty()); // never sent before the earlier attempt is resolved
}

TEST_CASE(
    "guard_tick: replacement OCO levels — stored prices, else the entry ATR, else 0.5 % of entry",
    "[unit]") {
    strategy::regime_params rp; // RANGING: TP 0.9 ATR, SL 0.7 ATR
    rp.tp_atr_multiplier = 0.9;
    rp.sl_atr_multiplier = 0.7;
    const decimal tick(1, 1);
    auto p = btc_long();
    p.atr = 200;
    // No stored prices: ATR 200 → TP 50000 + 180, SL 50000 − 140.
    auto l = guard::replacement_oco_levels(p, 50010, rp, tick, 0.5);
    REQUIRE(l.levels.ok);
    CHECK(l.source == guard::oco_level_source::atr);
    CHECK(l.levels.tp.to_double() == Approx(50180));
    CHECK(l.levels.sl.to_double() == Approx(49860));
    // SHORT mirrors it.
    auto sh = p;
    sh.pos_side = scalpel::side::short_side;
    l = guard::replacement_oco_levels(sh, 49990, rp, tick, 0.5);
    CHECK(l.levels.tp.to_double() == Approx(49820));
    CHECK(l.levels.sl.to_double() == Approx(50140));
    // Price already past TP: TP moves 0.5 % beyond the current price (compute_tp_sl's rule).
    l = guard::replacement_oco_levels(p, 50300, rp, tick, 0.5);
    CHECK(l.levels.tp_moved);
    CHECK(l.levels.tp.to_double() == Approx(50551.5));
    // ATR unknown (0): 0.5 % of entry = 250 stands in → TP +225, SL −175.
    p.atr = 0;
    l = guard::replacement_oco_levels(p, 50010, rp, tick, 0.5);
    CHECK(l.source == guard::oco_level_source::fallback);
    CHECK(l.levels.tp.to_double() == Approx(50225));
    CHECK(l.levels.sl.to_double() == Approx(49825));
    // Stored prices win over the ATR.
    p.atr = 200;
    p.tp_price = 50400;
    p.sl_price = 49700;
    l = guard::replacement_oco_levels(p, 50010, rp, tick, 0.5);
    CHECK(l.source == guard::oco_level_source::stored);
    CHECK(l.levels.tp.to_double() == Approx(50400));
    CHECK(l.levels.sl.to_double() == Approx(49700));
}

TEST_CASE("guard_tick: a filled entry is judged from its fill on, while still opening; an unfilled "
          "one is not",
          "[unit]") {
    rig r;
    // signal_proc's order: reserve_slot (intent, no fill) ... update_position (the fill) ... OCO.
    shm::position intent = btc_long();
    intent.entry_ord_id = {};
    const auto rsv = r.ts.seg->reserve_slot(intent, true);
    REQUIRE(rsv.status == shm::slot_result::ok);
    r.core.refresh_slots();
    r.core.on_ticker(tick("BTC-USDT", 50200), monotonic_now_ns()); // past PH: not filled yet
    CHECK(r.sink.frames.empty());
    CHECK(shm::owner_role_bits(r.ts.seg->snapshot(rsv.ref.index).snap.closing_owner) == 0);

    shm::position filled = btc_long();
    filled.entry_ord_id.assign_truncated("600000000000000001");
    REQUIRE(r.ts.seg->update_position(rsv.ref, filled) == shm::slot_result::ok);
    REQUIRE(r.ts.seg->snapshot(rsv.ref.index).snap.state == shm::slot_state::opening);
    r.core.refresh_slots();
    REQUIRE(r.core.tracker(rsv.ref) != nullptr); // watched from the fill on
    r.core.on_ticker(tick("BTC-USDT", 50210), monotonic_now_ns());
    // PH: the guard claims the exit at once (signal_proc places no further OCO for it); with no
    // OCO attempt handed out the close goes out now.
    const auto s = r.ts.seg->snapshot(rsv.ref.index);
    CHECK(shm::owner_role_bits(s.snap.closing_owner) ==
          static_cast<std::uint8_t>(shm::role::guard));
    CHECK(s.snap.pending_reason == shm::close_reason::ph);
    REQUIRE(r.sink.closes.size() == 1);
    CHECK(r.sink.closes[0].req.size.str() == "0.01");
}

TEST_CASE("guard_tick: an opening slot's OCO attempt is looked up before its PH close: it may land",
          "[unit]") {
    rig r;
    shm::position filled = btc_long();
    filled.entry_ord_id.assign_truncated("600000000000000001");
    const auto rsv = r.ts.seg->reserve_slot(filled, true);
    REQUIRE(rsv.status == shm::slot_result::ok);
    const auto oco = r.ts.seg->next_attempt(rsv.ref, shm::intent::oco); // signal_proc sending it
    REQUIRE(oco.status == shm::slot_result::ok);
    filled.oco_algo_cl_ord_id = oco.cl_ord_id; // stored before sending: not acknowledged
    REQUIRE(r.ts.seg->update_position(rsv.ref, filled) == shm::slot_result::ok);
    r.core.refresh_slots();
    REQUIRE(r.core.tracker(rsv.ref) != nullptr);
    CHECK(r.sink.count(guard::cmd::lookup_algo) == 1); // not presumed live: looked up
    r.core.on_ticker(tick("BTC-USDT", 50210), monotonic_now_ns());
    CHECK(shm::owner_role_bits(r.ts.seg->snapshot(rsv.ref.index).snap.closing_owner) ==
          static_cast<std::uint8_t>(shm::role::guard));
    CHECK(r.sink.frames.empty()); // no sell while the OCO attempt is unresolved
}

// Chaos suite, 1000 kills, seed 7: the guard claimed the PH exit of an opening slot and was killed;
// its successors bound the slot as a fresh one (only a `closing` slot's claim was taken over), so
// the exit stalled for a minute while signal_proc, seeing the guard's claim, placed no OCO.
TEST_CASE("guard_tick: a dead incarnation's claim on an opening slot is taken over at refresh, "
          "with its reason and its OCO attempt's send stamp",
          "[unit]") {
    test::temp_segment ts;
    test::recording_sink sink;
    shm::position filled = btc_long();
    filled.entry_ord_id.assign_truncated("600000000000000001");
    const auto rsv = ts.seg->reserve_slot(filled, true);
    REQUIRE(rsv.status == shm::slot_result::ok);
    const mono_ns sent = monotonic_now_ns() - 9'000'000'000; // o000 went out 9 s ago
    REQUIRE(ts.seg->next_attempt(rsv.ref, shm::intent::oco, sent).status == shm::slot_result::ok);
    REQUIRE(ts.seg->try_claim_closing(rsv.ref, ts.seg->self()) == shm::claim_result::claimed);
    REQUIRE(ts.seg->set_pending_reason(rsv.ref, ts.seg->self(), shm::close_reason::ph) ==
            shm::slot_result::ok);
    REQUIRE(ts.seg->snapshot(rsv.ref.index).snap.state == shm::slot_state::opening);
    ts.seg.reset();                        // the guard dies holding the claim of an opening slot
    auto seg2 = ts.open(shm::role::guard); // its successor
    guard::tick_guard core(*seg2, sink, guard::tick_settings{});
    REQUIRE(core.add_symbol("BTC-USDT") >= 0);
    core.set_increments("BTC-USDT", decimal(1, 8), decimal(1, 1));
    core.set_inst_id_code("BTC-USDT", 100001);
    core.refresh_slots();
    const auto s = seg2->snapshot(rsv.ref.index);
    CHECK(shm::owner_incarnation(s.snap.closing_owner) == seg2->self().incarnation);
    REQUIRE(core.tracker(rsv.ref) != nullptr);
    CHECK(core.tracker(rsv.ref)->exit_reason() == shm::close_reason::ph); // the exit goes on
    CHECK(core.tracker(rsv.ref)->state() == guard::exit_state::checking_oco);
    CHECK(sink.count(guard::cmd::lookup_algo) == 1);
    CHECK(sink.frames.empty());
    // o000 is absent 10 s after its send, not 10 s after this takeover: 1 s from now.
    const auto later = std::chrono::nanoseconds(monotonic_now_ns() + 1'100'000'000);
    core.feed(rsv.ref, guard::event{.kind = guard::ev::algo_absent, .now = later, .attempt = 0});
    REQUIRE(sink.closes.size() == 1); // the PH close went out, for the held size
    CHECK(sink.closes[0].req.size.str() == "0.01");
}
