// End-to-end tests of the production setup: okx_sim + guard_proc + signal_proc under supervisord.
// Entries come from signal_proc's real strategy on a seeded random walk, with a permissive config
// (low min score, wide OCO) so positions open within seconds; the tests then script prices through
// the simulator and audit the segment's journal and the simulator's order log.
#include "tests/e2e/bot_fixture.hpp"
#include "tests/e2e/bot_scenario.hpp"

#include "ledger/ledger.hpp"
#include "shm_layout/order_ids.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <thread>

using namespace scalpel;
using namespace std::chrono_literals;
using e2e::bot_fixture;
using namespace e2e; // bot_scenario helpers

namespace {

bool is_intent(const std::string& cl_ord_id, shm::intent what) {
    shm::order_id_parts parts;
    return shm::parse_cl_ord_id(cl_ord_id, parts) && parts.what == what;
}

// Is this client id a close order of exactly this slot generation?
bool is_close_of(const std::string& cl_ord_id, const shm::journal_record& rec) {
    shm::order_id_parts parts;
    return shm::parse_cl_ord_id(cl_ord_id, parts) && parts.what == shm::intent::close &&
           parts.slot == rec.slot && parts.generation == rec.generation;
}

// Is this client id (order or algo) one of exactly this slot generation's?
bool is_of(const std::string& cl_ord_id, const shm::journal_record& rec) {
    shm::order_id_parts parts;
    return shm::parse_cl_ord_id(cl_ord_id, parts) && parts.slot == rec.slot &&
           parts.generation == rec.generation;
}

// Closes the bot's first position by PH (it may open before any fault is set), then makes the
// exchange process the next OCO placement `delay_ms` late.
void hold_next_oco_placement(bot_fixture& bot, int delay_ms) {
    const auto first = wait_for_position(bot, 120s);
    REQUIRE(first);
    bot.set_price(std::string(first->pos.symbol.view()), ph_spike_price(first->pos, 0.001));
    REQUIRE(wait_for_close(bot, *first, 20s));
    REQUIRE(bot.sim("POST", "/sim/fault",
                    fmt::format(R"({{"path_prefix":"/api/v5/trade/order-algo","method":"POST",)"
                                R"("mode":"delay","delay_ms":{},"count":1}})",
                                delay_ms))
                .status == 200);
}

// Filled closing orders (sells of a LONG, buys of a SHORT) the simulator executed for the
// position's instrument after its entry, from the guard, signal_proc or an OCO trigger.
int filled_closes(const std::vector<e2e::sim_request>& reqs, const shm::position& p,
                  std::int64_t after_ns) {
    const std::string close_side = is_long(p) ? "sell" : "buy";
    int n = 0;
    for (const auto& r : reqs)
        if (r.inst_id == p.symbol.view() && r.recv_mono_ns > after_ns && r.side == close_side &&
            ((r.kind == "place_order" && r.state == "filled") ||
             (r.kind == "algo_trigger" &&
              r.s_code == "0"))) // the OCO's child filled (else failCode)
            ++n;
    return n;
}

// Base units the simulator actually filled on the closing side after the position's entry
// order: a close must trade the whole position (a buy-back sized in USDT would not).
double closing_fill_size(bot_fixture& bot, const shm::position& p) {
    const std::string close_side = is_long(p) ? "sell" : "buy";
    bool after_entry = false;
    double filled = 0;
    for (const auto& o : bot.sim_orders()) {
        if (o.cl_ord_id == p.entry_cl_ord_id.view())
            after_entry = true;
        else if (after_entry && o.inst_id == p.symbol.view() && o.side == close_side &&
                 o.state == "filled")
            filled += o.acc_fill_sz;
    }
    return filled;
}

std::int64_t entry_recv_ns(const std::vector<e2e::sim_request>& reqs, const shm::position& p) {
    for (const auto& r : reqs)
        if (r.kind == "place_order" && r.cl_ord_id == p.entry_cl_ord_id.view())
            return r.recv_mono_ns;
    return 0;
}

} // namespace

TEST_CASE("a scripted spike after an entry is closed by PH exactly once and the OCO is cancelled",
          "[e2e]") {
    bot_fixture bot({permissive()});
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price); // pin the market, then spike between PH and TP
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));

    const auto rec = wait_for_close(bot, *pos, 15s);
    REQUIRE(rec);
    CHECK(rec->pos.reason == shm::close_reason::ph);
    CHECK(rec->closed_by == shm::role::guard);
    const double move = is_long(pos->pos) ? rec->pos.exit_price - pos->pos.entry_price
                                          : pos->pos.entry_price - rec->pos.exit_price;
    CHECK(move > 0);
    const double gross = move * pos->pos.size;
    CHECK(rec->pos.net_pnl_usd ==
          Approx(gross - pos->pos.entry_fee_usd - rec->pos.exit_fee_usd).margin(0.01));
    CHECK(rec->pos.exit_fee_usd > 0);

    const auto reqs = bot.sim_requests();
    int close_orders = 0, cancels_ok = 0, triggers = 0;
    for (const auto& r : reqs) {
        if (r.inst_id != sym)
            continue;
        if (r.kind == "place_order" && is_close_of(r.cl_ord_id, *rec))
            ++close_orders;
        if (r.kind == "cancel_algo" && r.algo_id == pos->pos.oco_algo_id.view() && r.s_code == "0")
            ++cancels_ok;
        if (r.kind == "algo_trigger" && r.algo_id == pos->pos.oco_algo_id.view())
            ++triggers;
    }
    CHECK(close_orders == 1);
    CHECK(cancels_ok == 1);
    CHECK(triggers == 0);
    CHECK(filled_closes(reqs, pos->pos, entry_recv_ns(reqs, pos->pos)) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
}

TEST_CASE("PH and the OCO firing on the same tick end in exactly one close", "[e2e]") {
    bot_fixture bot({permissive(1.0, 8)});
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price);
    bot.set_price(
        sym, through_tp_price(pos->pos, 0.02)); // through TP and far past the PH threshold at once

    const auto rec = wait_for_close(bot, *pos, 15s);
    REQUIRE(rec);
    CHECK((rec->pos.reason == shm::close_reason::ph || rec->pos.reason == shm::close_reason::tp));
    std::this_thread::sleep_for(3s); // let any late OCO fill or reconcile surface
    int records = 0;
    for (const auto& j : bot.journal())
        if (j.generation == pos->generation && j.pos.entry_cl_ord_id == pos->pos.entry_cl_ord_id)
            ++records;
    CHECK(records == 1);
    const auto reqs = bot.sim_requests();
    CHECK(filled_closes(reqs, pos->pos, entry_recv_ns(reqs, pos->pos)) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
    std::cout << "race: " << (is_long(pos->pos) ? "LONG" : "SHORT") << " " << sym << " closed by "
              << (rec->pos.reason == shm::close_reason::ph ? "PH" : "TP") << "\n";
}

TEST_CASE(
    "restarting signal_proc 20 times never leaves a position unguarded nor duplicates an entry",
    "[e2e]") {
    bot_fixture bot({permissive()});
    REQUIRE(wait_for_position(bot, 120s));
    REQUIRE(bot.segment());

    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> worst_guard_age_ns{0};
    std::atomic<int> unguarded_samples{0};
    std::thread sampler([&] {
        while (!stop) {
            const auto l = bot.segment()->liveness(shm::role::guard);
            if (!bot.open_positions().empty()) {
                if (l.verdict != shm::liveness_verdict::alive)
                    ++unguarded_samples;
                worst_guard_age_ns = std::max<std::int64_t>(worst_guard_age_ns, l.heartbeat_age_ns);
            }
            std::this_thread::sleep_for(20ms);
        }
    });

    int ph_checked = 0;
    for (int i = 0; i < 20; ++i) {
        const auto r = bot.ctl({"restart", "signal_proc"});
        INFO(r.output);
        REQUIRE(r.exit_code == 0);
        REQUIRE(bot.wait_running("signal_proc", 10s));
        if (i % 5 == 4) { // an exit that must still happen on time while signal_proc churns
            if (auto pos = wait_for_position(bot, 30s)) {
                const std::string sym(pos->pos.symbol.view());
                bot.set_price(sym, pos->pos.entry_price);
                bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
                const auto t0 = std::chrono::steady_clock::now();
                const auto rec = wait_for_close(bot, *pos, 10s);
                CHECK(rec);
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - t0);
                std::cout << "restart " << i + 1 << ": PH close observed after " << ms.count()
                          << " ms\n";
                bot.sim("POST", "/sim/resume", fmt::format(R"({{"instId":"{}"}})", sym));
                ++ph_checked;
            }
        }
        // One position per symbol, always.
        std::map<std::string, int> per_symbol;
        for (const auto& s : bot.open_positions())
            CHECK(++per_symbol[std::string(s.pos.symbol.view())] == 1);
    }
    stop = true;
    sampler.join();
    CHECK(ph_checked >= 3);
    CHECK(unguarded_samples == 0);

    // No duplicate entries: every entry client id was placed once.
    std::map<std::string, int> entries;
    for (const auto& r : bot.sim_requests())
        if (r.kind == "place_order" && is_intent(r.cl_ord_id, shm::intent::entry))
            ++entries[r.cl_ord_id];
    for (const auto& [id, n] : entries) {
        INFO(id);
        CHECK(n == 1);
    }
    std::cout << fmt::format(
        "signal restarts: 20, entries {}, worst guard heartbeat age {:.1f} ms, "
        "samples with an open position and no live guard: {}\n",
        entries.size(), worst_guard_age_ns.load() / 1e6, unguarded_samples.load());
}

TEST_CASE("a SIGKILLed guard_proc is restarted, adopts the open position and closes it by PH",
          "[e2e]") {
    bot_fixture bot({permissive()});
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price);

    const int old_pid = bot.pid_of("guard_proc");
    REQUIRE(old_pid > 0);
    const auto t_kill = std::chrono::steady_clock::now();
    REQUIRE(::kill(old_pid, SIGKILL) == 0);
    // During the gap the exchange-side OCO is what protects the position.
    bool oco_live_in_gap = false;
    for (const auto& r : bot.sim_requests())
        if (r.kind == "place_algo" && r.algo_cl_ord_id == pos->pos.oco_algo_cl_ord_id.view())
            oco_live_in_gap = r.state == "live";
    CHECK(oco_live_in_gap);

    REQUIRE(test::wait_until(
        [&] {
            const int p = bot.pid_of("guard_proc");
            return p > 0 && p != old_pid;
        },
        20s));
    REQUIRE(test::wait_until(
        [&] {
            return bot.segment()->liveness(shm::role::guard).verdict ==
                   shm::liveness_verdict::alive;
        },
        20s));
    const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t_kill);
    std::cout << "guard SIGKILL: protection gap (kill → live guard heartbeat) " << gap.count()
              << " ms\n";

    // A PH condition that arises after the restart is acted on by the new incarnation.
    std::this_thread::sleep_for(1s);
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    const auto rec = wait_for_close(bot, *pos, 15s);
    REQUIRE(rec);
    CHECK(rec->pos.reason == shm::close_reason::ph);
    CHECK(rec->closed_by == shm::role::guard);
    const auto reqs = bot.sim_requests();
    CHECK(filled_closes(reqs, pos->pos, entry_recv_ns(reqs, pos->pos)) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
}

TEST_CASE("with a hot standby, a guard SIGKILLed while its OCO cancel is held is replaced by the "
          "standby at once: one close, the position bare far less than a restart",
          "[e2e]") {
    bot_fixture bot({.extra_yaml = permissive(), .guard_standbys = 1});
    REQUIRE(bot.wait_running("guard_standby", 20s));
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string sym(pos->pos.symbol.view());
    const pid_t active = bot.segment()->liveness(shm::role::guard).pid;
    const int standby = bot.pid_of("guard_standby") == active ? bot.pid_of("guard_proc")
                                                              : bot.pid_of("guard_standby");
    REQUIRE(active > 0);
    REQUIRE(standby > 0);
    REQUIRE(standby != active);

    // cancel_first: the PH verdict cancels the OCO first; the exchange holds that cancel 400 ms
    // and the active guard dies meanwhile, so the cancel lands with no guard of that pid alive.
    REQUIRE(bot.sim("POST", "/sim/fault",
                    R"({"path_prefix":"/api/v5/trade/cancel-algos","method":"POST",)"
                    R"("mode":"delay","delay_ms":400,"count":1})")
                .status == 200);
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    REQUIRE(test::wait_until(
        [&] {
            return bot.sim("POST", "/sim/orders/since", R"({"after_seq":0,"after_arrival":0})")
                       .body.find("/api/v5/trade/cancel-algos") != std::string::npos;
        },
        10s));
    REQUIRE(::kill(active, SIGKILL) == 0);

    const auto rec = wait_for_close(bot, *pos, 20s);
    REQUIRE(rec);
    // The standby took the role: it is the guard now (no supervisord restart was needed).
    CHECK(bot.segment()->liveness(shm::role::guard).pid == standby);
    const auto reqs = bot.sim_requests();
    const std::int64_t entry_ns = entry_recv_ns(reqs, pos->pos);
    CHECK(filled_closes(reqs, pos->pos, entry_ns) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
    // Bare time on the exchange: from the OCO's cancel taking effect to the close order's fill.
    std::int64_t canceled_ns = 0, closed_ns = 0;
    for (const auto& r : reqs) {
        if (r.recv_mono_ns <= entry_ns || r.inst_id != sym)
            continue;
        if (r.kind == "cancel_algo" && r.s_code == "0" && canceled_ns == 0)
            canceled_ns = r.recv_mono_ns;
        if (r.kind == "place_order" && r.state == "filled" && closed_ns == 0)
            closed_ns = r.recv_mono_ns;
    }
    for (const auto& r : reqs) { // no OCO of the position is left live
        INFO(r.algo_cl_ord_id);
        CHECK_FALSE((r.kind == "place_algo" && r.inst_id == sym && r.state == "live"));
    }
    if (canceled_ns > 0 && closed_ns > canceled_ns)
        std::cout << fmt::format("standby takeover during a held OCO cancel: position bare {:.2f} "
                                 "ms (first effective OCO cancel → close fill)\n",
                                 (closed_ns - canceled_ns) / 1e6);
    for (const auto& r : reqs)
        if (r.recv_mono_ns > entry_ns && r.inst_id == sym)
            std::cout << fmt::format("  {:+9.2f} ms {} {} {} {} sCode {} {}\n",
                                     (r.recv_mono_ns - entry_ns) / 1e6, r.kind, r.via, r.side,
                                     r.cl_ord_id + r.algo_cl_ord_id, r.s_code, r.state);
}

// Chaos suite, 1000 kills: signal_proc died with o000 in flight, the guard claimed the PH exit, and
// the restarted signal_proc, seeing the claim, placed no OCO — the position went without one until
// the guard could call o000 absent (oco_land_lag), through a burst of guard kills. Now the
// restarted signal_proc places it again under the same algoClOrdId until the guard's close is out.
TEST_CASE("a filled entry is watched from its fill on: signal_proc dies while its OCO placement is "
          "held, PH fires; the restarted signal_proc protects it until the guard's close, which "
          "fills exactly once",
          "[e2e]") {
    bot_fixture bot({permissive()});
    hold_next_oco_placement(bot, 8000); // the next OCO placement reaches the exchange 8 s late
    std::optional<shm::slot_snapshot> pos;
    REQUIRE(test::wait_until(
        [&] {
            for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
                const auto s = bot.segment() ? bot.segment()->snapshot(i) : shm::snapshot_result{};
                if (s.ok && s.snap.state == shm::slot_state::opening &&
                    shm::entry_filled(s.snap.pos) && s.snap.pos.tp_price > 0 &&
                    s.snap.attempts[static_cast<std::size_t>(shm::intent::oco)] > 0) {
                    pos = s.snap;
                    return true;
                }
            }
            return false;
        },
        120s));
    // signal_proc dies with its OCO placement in flight (a graceful stop would wait for it).
    REQUIRE(bot.pid_of("signal_proc") > 0);
    REQUIRE(::kill(bot.pid_of("signal_proc"), SIGKILL) == 0);
    const mono_ns killed_ns = monotonic_now_ns();
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    // The guard judges the opening slot and claims its exit while the OCO is still held (8 s):
    // from then on no other process may close it.
    const std::uint32_t index = [&]() -> std::uint32_t {
        for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i)
            if (bot.segment()->snapshot(i).snap.pos.entry_cl_ord_id == pos->pos.entry_cl_ord_id)
                return i;
        return shm::segment::capacity();
    }();
    REQUIRE(index < shm::segment::capacity());
    CHECK(test::wait_until(
        [&] {
            const auto s = bot.segment()->snapshot(index);
            return s.ok && s.snap.state == shm::slot_state::opening &&
                   shm::owner_role_bits(s.snap.closing_owner) ==
                       static_cast<std::uint8_t>(shm::role::guard);
        },
        2s));

    const auto rec = wait_for_close(bot, *pos, 40s);
    REQUIRE(rec);
    CHECK(rec->closed_by == shm::role::guard);
    CHECK(rec->pos.reason == shm::close_reason::ph);
    auto reqs = bot.sim_requests();
    const std::int64_t entry_ns = entry_recv_ns(reqs, pos->pos);
    CHECK(filled_closes(reqs, pos->pos, entry_ns) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
    // The held placement lands 8 s after it was sent, after the close: cancelled on its push.
    const auto accepted_ocos = [&] {
        int n = 0;
        for (const auto& r : bot.sim_requests())
            n += r.kind == "place_algo" && is_of(r.algo_cl_ord_id, *rec) && r.s_code == "0";
        return n;
    };
    CHECK(test::wait_until([&] { return accepted_ocos() >= 2; }, 15s));
    std::this_thread::sleep_for(1s); // its cancel
    reqs = bot.sim_requests();
    // Every OCO of the position: live from its accepted placement to its accepted cancel.
    struct live_span {
        std::string algo_id;
        std::int64_t from = 0, to = std::numeric_limits<std::int64_t>::max();
    };
    std::vector<live_span> spans;
    std::int64_t close_filled_ns = 0;
    for (const auto& r : reqs) {
        if (r.recv_mono_ns <= entry_ns || r.inst_id != sym)
            continue;
        if (r.kind == "place_algo" && is_of(r.algo_cl_ord_id, *rec) && r.s_code == "0") {
            spans.push_back({r.algo_id, r.recv_mono_ns});
            INFO(r.algo_cl_ord_id);
            CHECK(r.state != "live"); // none is left live
        }
        if (r.kind == "cancel_algo" && r.s_code == "0")
            for (auto& sp : spans)
                if (sp.algo_id == r.algo_id)
                    sp.to = std::min(sp.to, r.recv_mono_ns);
        if (r.kind == "place_order" && r.state == "filled" && is_close_of(r.cl_ord_id, *rec) &&
            close_filled_ns == 0)
            close_filled_ns = r.recv_mono_ns;
    }
    REQUIRE_FALSE(spans.empty());
    // Protected again soon after signal_proc's restart — not 8 s later when the held one lands.
    CHECK(spans.front().from - killed_ns < 5'000'000'000);
    for (std::size_t i = 1; i < spans.size(); ++i) // never two live at once
        CHECK(spans[i].from >= spans[i - 1].to);
    std::cout << fmt::format(
        "filled entry, exit claimed before its OCO: OCO live {:.0f} ms after "
        "signal_proc's kill, PH close filled {:.0f} ms after it; {} OCO "
        "placement(s) accepted, none live at once; the last one live "
        "{:.1f} ms\n",
        (spans.front().from - killed_ns) / 1e6, (close_filled_ns - killed_ns) / 1e6, spans.size(),
        (std::min(spans.back().to, monotonic_now_ns()) - spans.back().from) / 1e6);
    CHECK(spans.back().to < std::numeric_limits<std::int64_t>::max()); // cancelled
}

TEST_CASE("an OCO placement the exchange processes after its position closed is cancelled on its "
          "push, not at the next sweep",
          "[e2e]") {
    bot_fixture bot({permissive()});
    // The next OCO placement is processed 7 s late: signal_proc's client gives up after 5 s and
    // sends it again under the same algoClOrdId, which lands at once.
    hold_next_oco_placement(bot, 7000);
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    // Closed by PH while the first request is still held.
    bot.set_price(std::string(pos->pos.symbol.view()), ph_spike_price(pos->pos, 0.001));
    const auto rec = wait_for_close(bot, *pos, 20s);
    REQUIRE(rec);
    std::this_thread::sleep_for(10s); // the held request lands meanwhile

    int placed = 0;
    for (const auto& r : bot.sim_requests()) {
        if (r.kind != "place_algo" || r.s_code != "0" || !is_of(r.algo_cl_ord_id, *rec))
            continue;
        ++placed;
        INFO(r.algo_cl_ord_id << " algoId " << r.algo_id);
        CHECK(r.state == "canceled"); // none is left live
    }
    CHECK(placed == 2); // the retry and the late original
    // The late one was cancelled within a second of landing (before: at the next sweep, seconds).
    std::int64_t landed_ns = 0, cancelled_ns = 0;
    std::string late_algo_id;
    for (const auto& r : bot.sim_requests()) {
        if (!is_of(r.algo_cl_ord_id, *rec))
            continue;
        if (r.kind == "place_algo" && r.s_code == "0") {
            landed_ns = r.recv_mono_ns; // the last placement is the late one
            late_algo_id = r.algo_id;
        }
        if (r.kind == "cancel_algo" && r.algo_id == late_algo_id && r.s_code == "0")
            cancelled_ns = r.recv_mono_ns;
    }
    REQUIRE(cancelled_ns > landed_ns);
    std::cout << fmt::format("late OCO landing: cancelled {:.1f} ms after it landed\n",
                             (cancelled_ns - landed_ns) / 1e6);
    CHECK(cancelled_ns - landed_ns < 1'000'000'000);
}

TEST_CASE("with the WebSocket feed down, REST polling keeps PH working until the feed returns",
          "[e2e]") {
    bot_fixture bot({permissive()});
    const auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price);
    // Refuse new WebSocket connections for 20 s and drop the live ones without a close frame.
    REQUIRE(bot.sim("POST", "/sim/ws/refuse", R"({"ms":20000})").status == 200);
    REQUIRE(bot.sim("POST", "/sim/ws/drop", R"({"close_frame":false})").status == 200);
    std::this_thread::sleep_for(2500ms); // past stale_feed_s: the guard is polling REST now
    const auto t0 = std::chrono::steady_clock::now();
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    const auto rec = wait_for_close(bot, *pos, 10s);
    REQUIRE(rec);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    CHECK(rec->pos.reason == shm::close_reason::ph);
    CHECK(ms < 15s);
    std::cout << "WS down: PH close via REST polling after " << ms.count() << " ms\n";
    const auto reqs = bot.sim_requests();
    CHECK(filled_closes(reqs, pos->pos, entry_recv_ns(reqs, pos->pos)) == 1);
    CHECK(closing_fill_size(bot, pos->pos) == Approx(pos->pos.size).epsilon(0.001));
}

TEST_CASE("reboot: both processes stopped, segment removed → the position is known and protected, "
          "no duplicate entry, history intact",
          "[e2e]") {
    bot_fixture bot({permissive()});
    // History: one trade closed by PH and drained into the ledger.
    const auto first = wait_for_position(bot, 120s);
    REQUIRE(first);
    const std::string first_sym(first->pos.symbol.view());
    bot.set_price(first_sym, first->pos.entry_price);
    bot.set_price(first_sym, ph_spike_price(first->pos, 0.001));
    REQUIRE(wait_for_close(bot, *first, 15s));
    const std::string ledger_file = bot.run_dir() + "/" + std::string(ledger::default_file_name);
    const auto ledger_has = [&](std::string_view entry_cl_ord_id) {
        auto db = ledger::ledger::open(ledger_file);
        return db.db && db.db->trade(entry_cl_ord_id).has_value();
    };
    REQUIRE(test::wait_until([&] { return ledger_has(first->pos.entry_cl_ord_id.view()); }, 15s));

    // A position open and protected at the moment of the "reboot".
    std::optional<shm::slot_snapshot> held;
    REQUIRE(test::wait_until(
        [&] {
            for (const auto& s : bot.open_positions())
                if (s.state == shm::slot_state::open && !s.pos.oco_algo_id.empty() &&
                    s.pos.entry_cl_ord_id != first->pos.entry_cl_ord_id)
                    held = s;
            return held.has_value();
        },
        120s));
    const std::string sym(held->pos.symbol.view());
    bot.set_price(sym, held->pos.entry_price); // keep it away from its OCO and PH
    REQUIRE(bot.ctl({"stop", "signal_proc"}).exit_code == 0);
    REQUIRE(bot.ctl({"stop", "guard_proc"}).exit_code == 0);
    bot.forget_segment();
    REQUIRE(shm::segment::remove(bot.segment_name())); // tmpfs is gone after a reboot

    const mono_ns restart_ns = monotonic_now_ns();
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(bot.ctl({"start", "guard_proc"}).exit_code == 0);
    REQUIRE(bot.ctl({"start", "signal_proc"}).exit_code == 0);
    std::optional<shm::slot_snapshot> rebuilt;
    REQUIRE(test::wait_until(
        [&] {
            auto* seg = bot.segment();
            if (seg == nullptr || seg->reconciled().at_ms == 0)
                return false;
            for (const auto& s : bot.open_positions())
                if (s.pos.oco_algo_id == held->pos.oco_algo_id)
                    rebuilt = s;
            return rebuilt.has_value();
        },
        30s));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - t0);
    std::cout << "reboot: segment rebuilt, position adopted with its live OCO in " << took.count()
              << " ms\n";
    CHECK(rebuilt->pos.size == Approx(held->pos.size).margin(1e-8));
    CHECK(rebuilt->pos.entry_price == Approx(held->pos.entry_price));
    CHECK(rebuilt->pos.pos_side == held->pos.pos_side);

    // Several signal cycles later: no second entry on that symbol, still one live OCO for it.
    std::this_thread::sleep_for(6s);
    int entries_after = 0;
    for (const auto& r : bot.sim_requests())
        if (r.kind == "place_order" && r.inst_id == sym && r.recv_mono_ns > restart_ns &&
            is_intent(r.cl_ord_id, shm::intent::entry))
            ++entries_after;
    CHECK(entries_after == 0);
    int live_ocos = 0;
    for (const auto& s : bot.open_positions())
        if (s.pos.symbol == sym)
            ++live_ocos;
    CHECK(live_ocos == 1);
    CHECK(ledger_has(first->pos.entry_cl_ord_id.view())); // history survived
    const std::string signal_log = bot.log_of("signal_proc");
    CHECK(signal_log.find("risk restored from") != std::string::npos);
}
