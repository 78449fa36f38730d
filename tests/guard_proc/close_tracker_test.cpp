// close_tracker, the pure exit state machine: one test per transition-table row (tagged [row]),
// one per invariant (named after it), and an exhaustive interleaving test that runs a PH close
// against a small exchange model with an OCO fire and a kill (takeover by a new tracker) injected
// before, between and after every step, auditing the model's fills, never the tracker's view.
#include "guard_proc/close_tracker.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <functional>
#include <map>
#include <vector>

using namespace scalpel;
using namespace scalpel::guard;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

namespace {

constexpr std::int64_t lots = 100;

tracker_settings settings(close_order order = close_order::cancel_first) {
    tracker_settings s;
    s.order = order;
    return s;
}

// A tracker plus the clock and the commands of the last event.
struct rig {
    close_tracker t;
    nanoseconds now = 1s;
    std::vector<command> out;
    explicit rig(tracker_settings s = settings()) : t(s) {}

    const std::vector<command>& feed(event e) {
        e.now = now;
        const auto c = t.on(e);
        out.assign(c.begin(), c.end());
        return out;
    }
    const std::vector<command>& open(std::uint32_t ocos = 1, std::uint32_t closes = 0) {
        return feed({.kind = ev::open,
                     .attempt = ocos > 0 ? ocos - 1 : no_stored_oco,
                     .lots = lots,
                     .close_attempts = closes,
                     .oco_attempts = ocos});
    }
    const std::vector<command>& verdict(shm::close_reason r = shm::close_reason::ph) {
        return feed({.kind = ev::verdict, .reason = r});
    }
    const std::vector<command>& advance(nanoseconds d) {
        now += d;
        return feed({.kind = ev::timer});
    }
    const std::vector<command>& fill(std::uint32_t n, std::int64_t l = lots, bool reverse = false) {
        return feed({.kind = ev::order,
                     .attempt = n,
                     .reverse = reverse,
                     .status = order_status::filled,
                     .filled_lots = l,
                     .avg_px = 100,
                     .fee_usd = 0.1});
    }
    const std::vector<command>& child_fill(std::int64_t l = lots) {
        return feed({.kind = ev::order,
                     .child = true,
                     .status = order_status::filled,
                     .filled_lots = l,
                     .avg_px = 101,
                     .fee_usd = 0.1});
    }
    const std::vector<command>& algo(std::uint32_t k, algo_status s,
                                     shm::close_reason r = shm::close_reason::tp) {
        return feed({.kind = ev::algo, .attempt = k, .algo = s, .reason = r});
    }
    const std::vector<command>& simple(ev kind, std::uint32_t n = 0) {
        return feed({.kind = kind, .attempt = n});
    }
    // PH verdict, OCO 0 canceled, close 0 sent over WS.
    void to_closing() {
        open();
        verdict();
        REQUIRE(t.state() == exit_state::cancelling);
        simple(ev::cancel_ok, 0);
        REQUIRE(t.state() == exit_state::closing);
    }
};

bool has(const std::vector<command>& v, cmd k, std::uint32_t attempt = 0xffffffffu) {
    for (const auto& c : v)
        if (c.kind == k && (attempt == 0xffffffffu || c.attempt == attempt))
            return true;
    return false;
}

std::size_t count(const std::vector<command>& v, cmd k) {
    std::size_t n = 0;
    for (const auto& c : v)
        n += c.kind == k;
    return n;
}

} // namespace

// ---- rows ---------------------------------------------------------------------------------------

TEST_CASE("tracker row: idle + open → watching, nothing sent", "[unit][row]") {
    rig r;
    CHECK(r.t.state() == exit_state::idle);
    CHECK(r.advance(1s).empty()); // events before open are ignored
    CHECK(r.open().empty());
    CHECK(r.t.state() == exit_state::watching);
    CHECK(r.t.judging());
}

TEST_CASE("tracker row: open with earlier OCO attempts looks them up", "[unit][row]") {
    rig r;
    r.open(2); // attempt 1 stored, attempt 0 unknown
    CHECK(r.t.state() == exit_state::checking_oco);
    CHECK(has(r.out, cmd::lookup_algo, 0));
    r.algo(0, algo_status::gone);
    CHECK(r.t.state() == exit_state::watching);
}

TEST_CASE("tracker row: watching + verdict (cancel_first) → cancel_oco", "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    CHECK(r.t.state() == exit_state::cancelling);
    CHECK(r.out.size() == 1);
    CHECK(has(r.out, cmd::cancel_oco, 0));
    CHECK(!r.t.judging());
    CHECK(r.t.exit_reason() == shm::close_reason::ph);
}

TEST_CASE("tracker row: watching + verdict (sell_first) → send_close_ws", "[unit][row]") {
    rig r(settings(close_order::sell_first));
    r.open();
    r.verdict(shm::close_reason::time_limit);
    CHECK(r.t.state() == exit_state::closing);
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::send_close_ws);
    CHECK(r.out[0].attempt == 0);
    CHECK(r.out[0].lots == lots);
    CHECK(r.out[0].deadline == r.now + 3s);
}

TEST_CASE("tracker row: watching + verdict without an OCO → send at once", "[unit][row]") {
    rig r;
    r.open(0);
    r.verdict(shm::close_reason::manual);
    CHECK(r.t.state() == exit_state::closing);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("tracker row: watching + algo fired → oco_fill, child looked up", "[unit][row]") {
    rig r;
    r.open();
    r.algo(0, algo_status::fired, shm::close_reason::sl);
    CHECK(r.t.state() == exit_state::oco_fill);
    CHECK(has(r.out, cmd::lookup_order));
    CHECK(r.out[0].child);
    CHECK(!r.t.judging());
}

TEST_CASE("tracker row: watching + algo gone → OCO re-placed after the grace", "[unit][row]") {
    rig r;
    r.open();
    r.algo(0, algo_status::gone);
    CHECK(r.t.state() == exit_state::watching);
    CHECK(r.out.empty());
    CHECK(r.t.next_wakeup() == 1s + 10s);
    r.advance(10s);
    CHECK(r.t.state() == exit_state::placing_oco);
    REQUIRE(has(r.out, cmd::place_oco, 1)); // attempt 0 was resolved (gone): the next id
}

TEST_CASE("tracker row: watching + timer places the OCO a fresh fill still lacks", "[unit][row]") {
    rig r;
    r.open(0); // entry filled, signal_proc still placing its OCO
    CHECK(r.t.state() == exit_state::watching);
    r.advance(5s);
    CHECK(r.out.empty());
    r.advance(5s);
    CHECK(has(r.out, cmd::place_oco, 0));
}

TEST_CASE("tracker row: open refresh brings signal_proc's OCO in, no placement", "[unit][row]") {
    rig r;
    r.open(0);
    r.advance(2s);
    r.open(1); // the slot now stores OCO attempt 0
    r.advance(10s);
    CHECK(r.out.empty());
    CHECK(r.t.state() == exit_state::watching);
}

TEST_CASE("tracker row: cancelling + cancel_ok → close over WS", "[unit][row]") {
    rig r;
    r.to_closing();
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::send_close_ws);
    CHECK(r.out[0].attempt == 0);
}

TEST_CASE("tracker row: cancelling + cancel_ambiguous / oco_unknown → lookup_algo", "[unit][row]") {
    for (const ev kind : {ev::cancel_ambiguous, ev::oco_unknown}) {
        rig r;
        r.open();
        r.verdict();
        r.simple(kind, 0);
        CHECK(r.t.state() == exit_state::checking_oco);
        CHECK(has(r.out, cmd::lookup_algo, 0));
        CHECK(!has(r.out, cmd::send_close_ws));
    }
}

TEST_CASE("tracker row: checking_oco + algo live → cancel again after cancel_retry",
          "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    r.simple(ev::oco_unknown, 0);
    r.algo(0, algo_status::live);
    CHECK(r.out.empty());
    CHECK(r.t.state() == exit_state::checking_oco);
    r.advance(500ms);
    CHECK(has(r.out, cmd::cancel_oco, 0));
    CHECK(r.t.state() == exit_state::cancelling);
}

TEST_CASE("tracker row: checking_oco + algo fired → oco_fill, no sell", "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    r.simple(ev::cancel_ambiguous, 0);
    r.algo(0, algo_status::fired, shm::close_reason::tp);
    CHECK(r.t.state() == exit_state::oco_fill);
    CHECK(!has(r.out, cmd::send_close_ws));
    r.child_fill();
    REQUIRE(has(r.out, cmd::record_close));
    CHECK(r.out[0].reason == shm::close_reason::tp);
    CHECK(r.t.state() == exit_state::closed);
}

TEST_CASE("tracker row: checking_oco + algo gone / absent after lag → close", "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    r.simple(ev::oco_unknown, 0);
    r.simple(ev::algo_absent, 0); // too early: OKX may not show it yet
    CHECK(r.t.state() == exit_state::checking_oco);
    r.advance(500ms);
    CHECK(has(r.out, cmd::lookup_algo, 0));
    r.now += 2s; // a stored OCO was acknowledged: "not found" is no late landing, lookup_lag
    r.simple(ev::algo_absent, 0);
    CHECK(r.t.state() == exit_state::closing);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

// Chaos suite, seed 7: signal_proc's o000 was held by the exchange 5.5–8 s (no expTime on
// order-algo); the guard saw the id, found it absent 2 s later, sold at +3.3 s, and the late OCO
// fired at +6.9 s — a double close. An OCO id is absent only after oco_land_lag.
TEST_CASE("invariant: an OCO attempt found absent may still land — no close before oco_land_lag",
          "[unit][invariant]") {
    rig r;
    r.feed({.kind = ev::open, .attempt = no_stored_oco, .lots = lots, .oco_attempts = 1});
    CHECK(r.t.state() == exit_state::checking_oco); // o000 handed out, outcome unknown
    r.verdict();
    for (int i = 0; i < 19; ++i) { // 9.5 s of lookups, every one "not found"
        r.now += 500ms;
        r.simple(ev::algo_absent, 0);
        REQUIRE(!has(r.out, cmd::send_close_ws));
        REQUIRE(!has(r.out, cmd::send_close_rest));
        REQUIRE(r.t.state() == exit_state::checking_oco);
    }
    r.algo(0, algo_status::live); // it landed late: cancel it, then sell
    CHECK(has(r.out, cmd::cancel_oco, 0));
    CHECK(!has(r.out, cmd::send_close_ws));
    r.simple(ev::cancel_ok, 0);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

// Chaos suite, 1000 kills, seed 7: o000 of an opening slot was handed out (and never sent); the
// guard claimed its exit and was killed every few seconds; each takeover restarted the land-lag
// clock, so the exit waited 70 s with no OCO. The clock runs from the segment's send stamp.
TEST_CASE("invariant: a takeover keeps an OCO attempt's land-lag clock (the segment's send stamp)",
          "[unit][invariant]") {
    rig r;
    const nanoseconds sent = r.now;
    r.now += 9s; // the first guard died; this one takes its claim 9 s after o000 went out
    r.feed({.kind = ev::takeover,
            .attempt = no_stored_oco,
            .reason = shm::close_reason::ph,
            .lots = lots,
            .oco_attempts = 1,
            .oco_sent = sent});
    CHECK(r.t.state() == exit_state::checking_oco);
    r.simple(ev::algo_absent, 0);
    CHECK(!has(r.out, cmd::send_close_ws)); // 9 s after its send: it may still land
    r.now += 1s;
    r.simple(ev::algo_absent, 0); // 10 s after its send (not after the takeover): gone
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("invariant: a re-send under an unresolved OCO id restarts its land-lag clock",
          "[unit][invariant]") {
    rig r;
    r.feed({.kind = ev::open,
            .attempt = no_stored_oco,
            .lots = lots,
            .oco_attempts = 1,
            .oco_sent = r.now});
    r.verdict();
    r.now += 8s; // signal_proc places o000 again under the same id (its first send unresolved)
    const nanoseconds resent = r.now;
    r.feed({.kind = ev::open,
            .attempt = no_stored_oco,
            .lots = lots,
            .oco_attempts = 1,
            .oco_sent = resent});
    r.now += 3s; // 11 s after the first send, 3 s after the second
    r.simple(ev::algo_absent, 0);
    CHECK(!has(r.out, cmd::send_close_ws));
    CHECK(r.t.state() == exit_state::checking_oco);
    r.now = resent + 10s;
    r.simple(ev::algo_absent, 0);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("tracker row: checking_oco + an OCO known landed (51412) absent after lookup_lag → close",
          "[unit][row]") {
    rig r;
    r.open(); // o000 stored: acknowledged, so it reached the book
    r.verdict();
    r.simple(ev::cancel_ambiguous, 0);
    r.now += 2s;
    r.simple(ev::algo_absent, 0);
    CHECK(r.t.state() == exit_state::closing);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("invariant: an OCO attempt absent past oco_land_lag is gone — the close goes out",
          "[unit][invariant]") {
    rig r;
    r.feed({.kind = ev::open, .attempt = no_stored_oco, .lots = lots, .oco_attempts = 1});
    r.verdict();
    r.now += 10s;
    r.simple(ev::algo_absent, 0);
    CHECK(r.t.state() == exit_state::closing);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("tracker row: checking_oco + lookup_failed → looked up again next interval",
          "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    r.simple(ev::oco_unknown, 0);
    r.simple(ev::lookup_failed, 0);
    CHECK(r.out.empty());
    CHECK(r.t.next_wakeup() == r.now + 500ms);
    r.advance(500ms);
    CHECK(has(r.out, cmd::lookup_algo, 0));
}

TEST_CASE("tracker row: closing + acked waits for the fill", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_acked, 0);
    CHECK(r.out.empty());
    CHECK(r.t.state() == exit_state::closing);
    CHECK(r.t.next_wakeup() == r.now + 3s);
}

TEST_CASE("tracker row: closing + filled (cancel_first) → record", "[unit][row]") {
    rig r;
    r.to_closing();
    r.fill(0);
    REQUIRE(r.out.size() == 1);
    const command& c = r.out[0];
    CHECK(c.kind == cmd::record_close);
    CHECK(c.reason == shm::close_reason::ph);
    CHECK(c.lots == lots);
    CHECK(c.avg_px == 100);
    CHECK(c.fee_usd == Approx(0.1));
    CHECK(c.comp_lots == 0);
    CHECK(r.t.state() == exit_state::closed);
}

TEST_CASE("tracker row: closing + filled (sell_first) → cancel, then record", "[unit][row]") {
    rig r(settings(close_order::sell_first));
    r.open();
    r.verdict();
    r.fill(0);
    CHECK(r.t.state() == exit_state::cancelling);
    CHECK(has(r.out, cmd::cancel_oco, 0));
    r.simple(ev::cancel_ok, 0);
    CHECK(has(r.out, cmd::record_close));
    CHECK(r.t.state() == exit_state::closed);
}

TEST_CASE("tracker row: closing + partially_filled stays", "[unit][row]") {
    rig r;
    r.to_closing();
    r.feed({.kind = ev::order,
            .attempt = 0,
            .status = order_status::partially_filled,
            .filled_lots = 40});
    CHECK(r.out.empty());
    CHECK(r.t.state() == exit_state::closing);
}

TEST_CASE("tracker row: closing + canceled with a part filled → remainder on REST", "[unit][row]") {
    rig r;
    r.to_closing();
    r.feed({.kind = ev::order, .attempt = 0, .status = order_status::canceled, .filled_lots = 40});
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::send_close_rest);
    CHECK(r.out[0].attempt == 1);
    CHECK(r.out[0].lots == 60);
}

TEST_CASE("tracker row: closing + close_unknown → resolving, lookup", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_unknown, 0);
    CHECK(r.t.state() == exit_state::resolving);
    CHECK(has(r.out, cmd::lookup_order, 0));
}

TEST_CASE("tracker row: closing + deadline passes → resolving, lookup", "[unit][row]") {
    rig r;
    r.to_closing();
    r.advance(2999ms);
    CHECK(r.out.empty());
    r.advance(1ms);
    CHECK(r.t.state() == exit_state::resolving);
    CHECK(has(r.out, cmd::lookup_order, 0));
}

TEST_CASE("tracker row: resolving + live → looked up again; + filled → record", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_unknown, 0);
    r.feed({.kind = ev::order, .attempt = 0, .status = order_status::live});
    CHECK(r.out.empty());
    CHECK(r.t.state() == exit_state::resolving);
    r.advance(500ms);
    CHECK(has(r.out, cmd::lookup_order, 0));
    r.fill(0);
    CHECK(has(r.out, cmd::record_close));
}

TEST_CASE("tracker row: resolving + canceled unfilled → next attempt on REST", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_unknown, 0);
    r.feed({.kind = ev::order, .attempt = 0, .status = order_status::canceled});
    CHECK(has(r.out, cmd::send_close_rest, 1));
}

TEST_CASE("tracker row: resolving + lookup_failed → again next interval", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_unknown, 0);
    r.simple(ev::lookup_failed, 0);
    CHECK(r.out.empty());
    r.advance(500ms);
    CHECK(has(r.out, cmd::lookup_order, 0));
}

TEST_CASE("tracker row: backoff + timer → the third attempt after retry_interval", "[unit][row]") {
    rig r;
    r.to_closing();
    r.simple(ev::close_rejected, 0);
    CHECK(has(r.out, cmd::send_close_rest, 1)); // first retry at once
    r.simple(ev::close_rejected, 1);
    CHECK(r.t.state() == exit_state::backoff);
    CHECK(r.out.empty());
    r.advance(1s);
    CHECK(has(r.out, cmd::send_close_ws, 2));
}

TEST_CASE("tracker row: oco_fill + timer looks the child up; child canceled → exit again",
          "[unit][row]") {
    rig r;
    r.open();
    r.algo(0, algo_status::fired);
    r.advance(500ms);
    CHECK(has(r.out, cmd::lookup_order));
    r.feed({.kind = ev::order, .child = true, .status = order_status::canceled});
    // The OCO is spent and the position is still held: a new OCO after the grace.
    CHECK(r.t.state() == exit_state::watching);
    r.advance(10s);
    CHECK(has(r.out, cmd::place_oco, 1));
}

TEST_CASE("tracker row: placing_oco + placed → watching", "[unit][row]") {
    rig r;
    r.open(0);
    r.advance(10s);
    REQUIRE(r.t.state() == exit_state::placing_oco);
    r.simple(ev::oco_placed, 0);
    CHECK(r.t.state() == exit_state::watching);
    r.advance(60s);
    CHECK(r.out.empty());
}

TEST_CASE("tracker row: placing_oco + rejected → next id after the grace", "[unit][row]") {
    rig r;
    r.open(0);
    r.advance(10s);
    r.simple(ev::oco_rejected, 0);
    CHECK(r.t.state() == exit_state::watching);
    r.advance(10s);
    CHECK(has(r.out, cmd::place_oco, 1));
}

TEST_CASE("tracker row: placing_oco + unknown → looked up; absent after lag → SAME id reused",
          "[unit][row]") {
    rig r;
    r.open(0);
    r.advance(10s);
    r.simple(ev::oco_unknown, 0);
    CHECK(r.t.state() == exit_state::checking_oco);
    CHECK(has(r.out, cmd::lookup_algo, 0));
    r.now += 2s;
    r.simple(ev::algo_absent, 0); // the placement may still land: not re-placed yet
    CHECK(r.t.state() == exit_state::checking_oco);
    CHECK(!has(r.out, cmd::place_oco));
    r.now += 8s;
    r.simple(ev::algo_absent, 0);
    CHECK(r.t.state() == exit_state::placing_oco);
    CHECK(has(r.out, cmd::place_oco, 0));
    CHECK(r.t.oco_attempts() == 1);
}

TEST_CASE("tracker row: a second verdict while exiting changes nothing", "[unit][row]") {
    rig r;
    r.to_closing();
    r.verdict(shm::close_reason::time_limit);
    CHECK(r.out.empty());
    CHECK(r.t.exit_reason() == shm::close_reason::ph);
}

TEST_CASE("tracker row: closed ignores everything", "[unit][row]") {
    rig r;
    r.to_closing();
    r.fill(0);
    REQUIRE(r.t.state() == exit_state::closed);
    CHECK(r.fill(0).empty());
    CHECK(r.algo(0, algo_status::fired).empty());
    CHECK(r.advance(1h).empty());
    CHECK(r.t.next_wakeup() == nanoseconds::max());
}

TEST_CASE("tracker row: stuck after max attempts; a late fill still records", "[unit][row]") {
    tracker_settings s = settings();
    s.max_close_attempts = 2;
    rig r(s);
    r.to_closing();
    r.simple(ev::close_rejected, 0);
    r.simple(ev::close_rejected, 1);
    CHECK(r.t.state() == exit_state::stuck);
    CHECK(has(r.out, cmd::alert));
    CHECK(r.advance(1h).empty());
    r.fill(1); // the exchange's word wins over a rejection we misread
    CHECK(has(r.out, cmd::record_close));
}

TEST_CASE("tracker row: takeover → every earlier attempt resolved before anything", "[unit][row]") {
    rig r;
    r.feed({.kind = ev::takeover,
            .reason = shm::close_reason::ph,
            .lots = lots,
            .close_attempts = 2,
            .oco_attempts = 1});
    CHECK(r.t.state() == exit_state::resolving);
    CHECK(has(r.out, cmd::lookup_order, 0));
    CHECK(has(r.out, cmd::lookup_order, 1));
    CHECK(!has(r.out, cmd::send_close_ws));
    CHECK(!has(r.out, cmd::send_close_rest));
}

// ---- invariants ---------------------------------------------------------------------------------

TEST_CASE("invariant: every close request carries a deadline", "[unit][invariant]") {
    rig r(settings(close_order::sell_first));
    r.open();
    r.verdict();
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].deadline == r.now + 3s);
    r.simple(ev::close_rejected, 0);
    REQUIRE(has(r.out, cmd::send_close_rest));
    CHECK(r.out[0].deadline == r.now + 3s);
}

TEST_CASE("invariant: a rejected close goes out on the other channel at once with the next id",
          "[unit][invariant]") {
    rig r;
    r.to_closing(); // attempt 0 over WS
    r.simple(ev::close_rejected, 0);
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::send_close_rest);
    CHECK(r.out[0].attempt == 1);
    CHECK(r.t.close_attempts() == 2);
}

TEST_CASE("invariant: an unanswered close is resolved before the next, which uses the other "
          "channel",
          "[unit][invariant]") {
    rig r;
    r.to_closing();
    r.advance(3s); // deadline passed, no answer
    REQUIRE(has(r.out, cmd::lookup_order, 0));
    // "not found" before deadline + lag is not "never sent".
    r.simple(ev::order_absent, 0);
    CHECK(r.out.empty());
    r.advance(500ms);
    r.simple(ev::order_absent, 0);
    CHECK(!has(r.out, cmd::send_close_rest));
    r.advance(1500ms); // deadline + lag reached
    r.simple(ev::order_absent, 0);
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::send_close_rest);
    CHECK(r.out[0].attempt == 1);
}

TEST_CASE("invariant: not found never means never sent after a takeover", "[unit][invariant]") {
    rig r;
    r.feed({.kind = ev::takeover,
            .reason = shm::close_reason::ph,
            .lots = lots,
            .close_attempts = 1,
            .oco_attempts = 1});
    for (int i = 0; i < 10; ++i) { // until takeover + exp_time + lag (5 s)
        r.simple(ev::order_absent, 0);
        CHECK(!has(r.out, cmd::send_close_rest));
        CHECK(!has(r.out, cmd::send_close_ws));
        CHECK(!has(r.out, cmd::cancel_oco));
        r.advance(500ms);
    }
    r.simple(ev::order_absent, 0);
    r.algo(0, algo_status::live);
    CHECK(has(r.out, cmd::cancel_oco, 0)); // cancel_first, then the next id (1)
    r.simple(ev::cancel_ok, 0);
    CHECK(has(r.out, cmd::send_close_ws, 1));
}

// A predecessor's close attempt is past its deadline at the slot's close stamp + the longest
// deadline any process uses — not at takeover + exp_time, which kill after kill would postpone.
TEST_CASE("invariant: a takeover dates a predecessor's close from the slot's send stamp",
          "[unit][invariant]") {
    tracker_settings st = settings();
    st.peer_exp_time = 5s; // signal_proc's order deadline
    rig r(st);
    const nanoseconds sent = r.now;
    r.now += 4s; // the sender died; a new guard takes its claim 4 s after the close went out
    r.feed({.kind = ev::takeover,
            .attempt = no_stored_oco,
            .reason = shm::close_reason::ph,
            .lots = lots,
            .close_attempts = 1,
            .close_sent = sent});
    CHECK(r.t.state() == exit_state::resolving);
    r.now = sent + 6900ms; // before stamp + 5 s + lookup_lag (2 s): it may still land
    r.simple(ev::order_absent, 0);
    CHECK(!has(r.out, cmd::send_close_ws));
    CHECK(!has(r.out, cmd::send_close_rest));
    r.now = sent + 7s; // past it (takeover + exp_time + lag would say 9 s)
    r.simple(ev::order_absent, 0);
    CHECK(has(r.out, cmd::send_close_ws, 1));
    // Without a stamp: from the takeover, as before.
    rig old(st);
    old.now += 4s;
    old.feed({.kind = ev::takeover,
              .attempt = no_stored_oco,
              .reason = shm::close_reason::ph,
              .lots = lots,
              .close_attempts = 1});
    old.now += 4s + 900ms; // takeover + exp_time (3 s) + lag (2 s) − 100 ms
    old.simple(ev::order_absent, 0);
    CHECK(!has(old.out, cmd::send_close_ws));
    old.now += 100ms;
    old.simple(ev::order_absent, 0);
    CHECK(has(old.out, cmd::send_close_ws, 1));
}

TEST_CASE("invariant: a late fill found by the lookup closes without a second attempt",
          "[unit][invariant]") {
    rig r;
    r.to_closing();
    r.advance(3s);
    r.simple(ev::order_absent, 0);
    r.advance(500ms);
    r.fill(0); // it landed after all
    CHECK(has(r.out, cmd::record_close));
    CHECK(r.t.close_attempts() == 1);
}

TEST_CASE("invariant: 51412 on cancel-algos is looked up before concluding", "[unit][invariant]") {
    rig r;
    r.open();
    r.verdict();
    r.simple(ev::cancel_ambiguous, 0);
    CHECK(has(r.out, cmd::lookup_algo, 0));
    CHECK(!has(r.out, cmd::send_close_ws));
    r.algo(0, algo_status::live); // "cancellation timed out": still live → cancel again
    r.advance(500ms);
    CHECK(has(r.out, cmd::cancel_oco, 0));
    r.simple(ev::cancel_ok, 0);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}

TEST_CASE("invariant: a double fill is compensated by exactly the excess", "[unit][invariant]") {
    rig r(settings(close_order::sell_first));
    r.open();
    r.verdict();
    r.fill(0); // ours
    r.simple(ev::cancel_ambiguous, 0);
    r.algo(0, algo_status::fired, shm::close_reason::sl);
    r.child_fill(); // the OCO sold it too
    REQUIRE(r.out.size() == 1);
    CHECK(r.out[0].kind == cmd::compensate);
    CHECK(r.out[0].lots == lots);
    CHECK(r.out[0].attempt == 1);
    r.fill(1, lots, true);
    REQUIRE(has(r.out, cmd::record_close));
    CHECK(r.out[0].lots == 2 * lots);
    CHECK(r.out[0].comp_lots == lots);
    CHECK(r.out[0].reason == shm::close_reason::ph);
    CHECK(r.t.sold_lots() == lots);
}

TEST_CASE("invariant: an insufficient-balance rejection looks the OCO up before selling again",
          "[unit][invariant]") {
    rig r(settings(close_order::sell_first));
    r.open();
    r.verdict();
    r.feed({.kind = ev::close_rejected, .attempt = 0, .insufficient = true});
    CHECK(has(r.out, cmd::lookup_algo, 0));
    CHECK(!has(r.out, cmd::send_close_rest));
    r.algo(0, algo_status::fired, shm::close_reason::tp);
    r.child_fill();
    REQUIRE(has(r.out, cmd::record_close));
    CHECK(r.out[0].reason == shm::close_reason::tp);
    CHECK(r.t.close_attempts() == 1);
}

TEST_CASE("invariant: nothing is recorded while an OCO may be live", "[unit][invariant]") {
    rig r(settings(close_order::sell_first));
    r.open(2);                    // attempt 1 stored, attempt 0 unknown
    r.algo(0, algo_status::live); // a delayed earlier placement: two live OCOs
    r.verdict();
    r.fill(0);
    CHECK(count(r.out, cmd::cancel_oco) == 2);
    r.simple(ev::cancel_ok, 0);
    CHECK(!has(r.out, cmd::record_close));
    r.simple(ev::cancel_ok, 1);
    CHECK(has(r.out, cmd::record_close));
}

// ---- interleavings ------------------------------------------------------------------------------
// A small exchange: base balance, one OCO, orders by attempt number. Requests land when delivered;
// answers go to the tracker incarnation that sent them (dropped after a kill). A kill replaces the
// tracker by a new one that gets `takeover` with the attempt counts the segment would hold.

namespace {

struct exchange_model {
    std::int64_t base = lots;
    enum class oco { live, fired, canceled } oco_state = oco::live;
    bool child_filled = false, child_failed = false;
    struct order {
        bool reverse = false;
        bool filled = false;
    };
    std::map<std::uint32_t, order> orders; // landed orders
    std::int64_t sold = 0;                 // net base left the account (all sells − buys)
    int our_fills = 0;

    void fire() {
        if (oco_state != oco::live)
            return;
        oco_state = oco::fired;
        if (base >= lots) {
            base -= lots;
            sold += lots;
            child_filled = true;
        } else {
            child_failed = true; // spot: nothing left to sell
        }
    }
};

struct world {
    tracker_settings s;
    exchange_model x;
    std::unique_ptr<close_tracker> t;
    int incarnation = 0;
    nanoseconds now = 1s;
    std::uint32_t attempts_handed = 0; // the segment's close counter (persisted before sending)
    bool claimed = false, recorded = false, killed_after_record = false;
    int records = 0;
    command record;
    bool alert = false;
    std::deque<std::function<void()>> q;

    explicit world(tracker_settings st, std::int64_t extra_base) : s(st) {
        x.base += extra_base;
        t = std::make_unique<close_tracker>(s);
    }

    void to_tracker(event e) {
        const int inc = incarnation;
        q.push_back([this, e, inc]() mutable {
            if (inc != incarnation)
                return; // sent to a process that died
            feed(e);
        });
    }
    void feed(event e) {
        e.now = now;
        const auto cmds = t->on(e);
        const std::vector<command> copy(cmds.begin(), cmds.end());
        for (const auto& c : copy)
            carry_out(c);
    }
    void land(const command& c) {
        const bool reverse = c.kind == cmd::compensate;
        exchange_model::order o{reverse, false};
        event e{.kind = ev::order, .attempt = c.attempt, .reverse = reverse};
        if (reverse) {
            x.base += c.lots;
            x.sold -= c.lots;
            o.filled = true;
        } else if (x.base >= c.lots) {
            x.base -= c.lots;
            x.sold += c.lots;
            o.filled = true;
            ++x.our_fills;
        }
        if (!o.filled) {
            to_tracker({.kind = ev::close_rejected, .attempt = c.attempt, .insufficient = true});
            return; // a rejected request leaves no order on the exchange
        }
        x.orders[c.attempt] = o;
        e.status = order_status::filled;
        e.filled_lots = c.lots;
        e.avg_px = 100;
        to_tracker({.kind = ev::close_acked, .attempt = c.attempt});
        to_tracker(e);
    }
    void carry_out(const command& c) {
        switch (c.kind) {
        case cmd::send_close_ws:
        case cmd::send_close_rest:
        case cmd::compensate:
            attempts_handed = std::max(attempts_handed, c.attempt + 1);
            q.push_back([this, c] { land(c); });
            break;
        case cmd::lookup_order:
            q.push_back([this, c] { answer_lookup(c); });
            break;
        case cmd::lookup_algo:
            q.push_back([this, c] { answer_algo(c.attempt); });
            break;
        case cmd::cancel_oco:
            q.push_back([this, c] {
                if (x.oco_state == exchange_model::oco::live) {
                    x.oco_state = exchange_model::oco::canceled;
                    to_tracker({.kind = ev::cancel_ok, .attempt = c.attempt});
                } else if (x.oco_state == exchange_model::oco::fired) {
                    to_tracker({.kind = ev::cancel_ambiguous, .attempt = c.attempt}); // 51412
                } else {
                    to_tracker({.kind = ev::cancel_ok, .attempt = c.attempt});
                }
            });
            break;
        case cmd::record_close:
            ++records;
            record = c;
            recorded = true;
            break;
        case cmd::place_oco:
        case cmd::alert:
            alert = true;
            break;
        }
    }
    void answer_lookup(const command& c) {
        if (c.child) {
            if (x.child_filled || x.child_failed)
                to_tracker(
                    {.kind = ev::order,
                     .child = true,
                     .status = x.child_filled ? order_status::filled : order_status::canceled,
                     .filled_lots = x.child_filled ? lots : 0,
                     .avg_px = 101});
            else
                to_tracker({.kind = ev::order_absent, .child = true});
            return;
        }
        const auto it = x.orders.find(c.attempt);
        if (it == x.orders.end()) {
            to_tracker({.kind = ev::order_absent, .attempt = c.attempt});
            return;
        }
        to_tracker({.kind = ev::order,
                    .attempt = c.attempt,
                    .reverse = it->second.reverse,
                    .status = order_status::filled,
                    .filled_lots = lots,
                    .avg_px = 100});
    }
    void answer_algo(std::uint32_t k) {
        using o = exchange_model::oco;
        const algo_status st = x.oco_state == o::live    ? algo_status::live
                               : x.oco_state == o::fired ? algo_status::fired
                                                         : algo_status::gone;
        to_tracker({.kind = ev::algo, .attempt = k, .algo = st, .reason = shm::close_reason::tp});
        if (x.oco_state == o::fired && (x.child_filled || x.child_failed))
            to_tracker({.kind = ev::order,
                        .child = true,
                        .status = x.child_filled ? order_status::filled : order_status::canceled,
                        .filled_lots = x.child_filled ? lots : 0,
                        .avg_px = 101});
    }
    void fire() {
        const bool was_live = x.oco_state == exchange_model::oco::live;
        x.fire();
        if (!was_live)
            return;
        // The pushes: the algo fired, and its child's outcome.
        to_tracker({.kind = ev::algo,
                    .attempt = 0,
                    .algo = algo_status::fired,
                    .reason = shm::close_reason::tp});
        to_tracker({.kind = ev::order,
                    .child = true,
                    .status = x.child_filled ? order_status::filled : order_status::canceled,
                    .filled_lots = x.child_filled ? lots : 0,
                    .avg_px = 101});
    }
    void kill() {
        ++incarnation;
        t = std::make_unique<close_tracker>(s);
        killed_after_record = recorded;
        if (recorded)
            return;  // the slot is closed: the new guard never sees it
        if (claimed) // the claim is stolen: the earlier attempts are looked up first
            feed({.kind = ev::takeover,
                  .reason = shm::close_reason::ph,
                  .lots = lots,
                  .close_attempts = attempts_handed,
                  .oco_attempts = 1});
        else { // nobody claimed yet: the new guard discovers the open slot and judges it
            feed({.kind = ev::open, .attempt = 0, .lots = lots, .oco_attempts = 1});
            claimed = true;
            feed({.kind = ev::verdict, .reason = shm::close_reason::ph});
        }
    }

    // Runs the PH close; injects the OCO fire before delivery `fire_at` and the kill before
    // delivery `kill_at` (−1: never). Returns the number of deliveries made.
    int run(int fire_at, int kill_at) {
        feed({.kind = ev::open, .attempt = 0, .lots = lots, .oco_attempts = 1});
        int step = 0;
        bool verdict_done = false;
        for (int guard_steps = 0; guard_steps < 10000; ++guard_steps) {
            if (step == fire_at)
                fire();
            if (step == kill_at)
                kill();
            if (!verdict_done && !claimed) { // step 0 is the verdict (claim won)
                verdict_done = true;
                claimed = true;
                feed({.kind = ev::verdict, .reason = shm::close_reason::ph});
                ++step;
                continue;
            }
            verdict_done = true;
            if (!q.empty()) {
                auto f = std::move(q.front());
                q.pop_front();
                f();
                ++step;
                continue;
            }
            if (t->state() == exit_state::closed || t->state() == exit_state::stuck)
                break;
            if (t->next_wakeup() == nanoseconds::max())
                break; // nothing due: a deadlock the checks below catch
            now = std::max(now, t->next_wakeup());
            feed({.kind = ev::timer});
            ++step;
        }
        return step;
    }
};

void check_one_close(const world& w, bool compensation_allowed) {
    INFO("records " << w.records << " sold " << w.x.sold << " our fills " << w.x.our_fills
                    << " child " << w.x.child_filled << " state " << to_string(w.t->state()));
    CHECK(!w.alert);
    CHECK(w.x.sold == lots); // exactly the position left the account
    CHECK(w.records == 1);   // recorded exactly once, across incarnations
    CHECK(w.record.lots - w.record.comp_lots == lots);
    CHECK((w.t->state() == exit_state::closed || w.killed_after_record));
    CHECK(w.x.oco_state != exchange_model::oco::live); // no OCO left protecting nothing
    if (!compensation_allowed) {
        CHECK(w.record.comp_lots == 0);
        CHECK(w.x.our_fills + (w.x.child_filled ? 1 : 0) == 1); // one fill, never two
    }
}

} // namespace

TEST_CASE("invariant: at most one close fills — PH × OCO fire × kill, every interleaving "
          "(cancel_first)",
          "[unit][invariant][interleave]") {
    const int n = world(settings(), 0).run(-1, -1);
    REQUIRE(n > 3);
    int runs = 0;
    for (int fire_at = -1; fire_at <= n + 2; ++fire_at)
        for (int kill_at = -1; kill_at <= n + 2; ++kill_at)
            for (const std::int64_t extra : {std::int64_t{0}, lots}) {
                world w(settings(), extra);
                w.run(fire_at, kill_at);
                INFO("fire_at " << fire_at << " kill_at " << kill_at << " extra " << extra);
                check_one_close(w, false);
                ++runs;
            }
    CHECK(runs > 50);
}

TEST_CASE("invariant: a double fill the race still produces is compensated — every interleaving "
          "(sell_first)",
          "[unit][invariant][interleave]") {
    const int n = world(settings(close_order::sell_first), lots).run(-1, -1);
    REQUIRE(n > 3);
    bool saw_double = false;
    for (int fire_at = -1; fire_at <= n + 2; ++fire_at)
        for (int kill_at = -1; kill_at <= n + 2; ++kill_at)
            for (const std::int64_t extra : {std::int64_t{0}, lots}) {
                world w(settings(close_order::sell_first), extra);
                w.run(fire_at, kill_at);
                INFO("fire_at " << fire_at << " kill_at " << kill_at << " extra " << extra);
                check_one_close(w, true);
                saw_double = saw_double || w.record.comp_lots > 0;
                if (extra == 0) // on spot without spare base a second sell cannot fill
                    CHECK(w.record.comp_lots == 0);
            }
    CHECK(saw_double); // the model does produce the race, and it is repaired
}

TEST_CASE("tracker row: cancelling / placing_oco + no answer within exp_time → looked up",
          "[unit][row]") {
    rig r;
    r.open();
    r.verdict();
    REQUIRE(r.t.state() == exit_state::cancelling);
    r.advance(2999ms);
    CHECK(r.out.empty());
    r.advance(1ms);
    CHECK(r.t.state() == exit_state::checking_oco);
    CHECK(has(r.out, cmd::lookup_algo, 0));

    rig p;
    p.open(0);
    p.advance(10s);
    REQUIRE(p.t.state() == exit_state::placing_oco);
    p.advance(3s);
    CHECK(p.t.state() == exit_state::checking_oco);
    CHECK(has(p.out, cmd::lookup_algo, 0));
}

TEST_CASE("tracker row: placing_oco + verdict → waits for the placement, cancels it, sells",
          "[unit][row]") {
    rig r;
    r.open(0);
    r.advance(10s);
    REQUIRE(r.t.state() == exit_state::placing_oco);
    CHECK(r.t.judging());
    r.verdict(shm::close_reason::time_limit);
    CHECK(r.out.empty());
    CHECK(!r.t.judging());
    r.simple(ev::oco_placed, 0);
    CHECK(has(r.out, cmd::cancel_oco, 0));
    r.simple(ev::cancel_ok, 0);
    CHECK(has(r.out, cmd::send_close_ws, 0));
}
