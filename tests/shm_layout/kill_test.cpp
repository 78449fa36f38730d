// Multi-process tests with real fork+exec (shm_child) and real SIGKILL: robust-mutex recovery and
// its repairs, the closing-claim race, the parameter latch under killed writers, concurrent
// creators, a creator dying mid-init, role liveness. Figures are printed, never asserted tightly.
#include "shm_layout/process_probe.hpp"
#include "shm_layout/segment.hpp"

#include "shm_layout/seqlock.hpp"
#include "tests/shm_layout/race_protocols.hpp"
#include "tests/shm_layout/test_util.hpp"
#include "tests/support/child_process.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sys/wait.h>
#include <thread>

using namespace scalpel;
using namespace scalpel::shm;
using scalpel::test::child_process;
using scalpel::test::wait_until;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<segment> open_seg(const testing::temp_segment& ts, role who) {
    auto r = segment::create_or_attach(ts.name, who, ts.options());
    INFO(r.message);
    REQUIRE(r.ok());
    return std::move(r.seg);
}

child_process spawn(const testing::temp_segment& ts, std::vector<std::string> args) {
    std::vector<std::string> argv{testing::shm_child_path(), args.at(0), ts.name, ts.dir.path()};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    return child_process(argv, ts.dir.path() + "/child.log");
}

std::string child_log(const testing::temp_segment& ts) {
    std::ifstream f(ts.dir.path() + "/child.log");
    return {std::istreambuf_iterator<char>(f), {}};
}

position test_position(const char* symbol) {
    position p;
    p.symbol.assign_truncated(symbol);
    p.pos_side = scalpel::side::long_side;
    p.size = 1;
    p.entry_price = 100;
    return p;
}

// A child process attached as the guard that holds the closing claim of `ref`'s (opened) slot.
child_process guard_holding_claim(const testing::temp_segment& ts, segment& seg, slot_ref ref) {
    REQUIRE(seg.publish_open(ref, test_position("BTC-USDT")) == slot_result::ok);
    auto child =
        spawn(ts, {"claim-hold", std::to_string(ref.index), std::to_string(ref.generation)});
    REQUIRE(wait_until(
        [&] { return owner_role_bits(seg.snapshot(ref.index).snap.closing_owner) == 2; }, 5000ms));
    return child;
}

double us_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

TEST_CASE("holder SIGKILLed mid-write: lock comes back repaired, slot readable again",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::signal);
    const auto r = seg->reserve_slot(test_position("BTC-USDT"));
    REQUIRE(r.ref.index == 0);
    REQUIRE(seg->publish_open(r.ref, test_position("BTC-USDT")) == slot_result::ok);

    auto child = spawn(ts, {"lock-and-hang", "torn"});
    REQUIRE(wait_until([&] { return seg->raw().slots[0].seq.load() & 1; }, 5000ms));
    const auto held = seg->mutex_info();
    CHECK(held.holder.held);
    CHECK(held.holder.who == role::guard);
    CHECK(held.holder.pid == child.pid());
    CHECK_FALSE(seg->snapshot(0).ok); // torn payload: lock-free readers refuse it

    const auto t0 = std::chrono::steady_clock::now();
    child.kill(SIGKILL);
    auto lk = seg->lock();
    const double recovery_us = us_since(t0);
    std::cout << "[shm kill] mutex recovery after SIGKILL of the holder: " << recovery_us << " us ("
              << to_string(lk.status()) << ")\n";
    REQUIRE(lk.status() == lock_status::repaired);
    CHECK(recovery_us < 2'000'000);
    const auto info = seg->mutex_info();
    CHECK(info.owner_died_count == 1);
    CHECK(info.torn_repairs == 1);
    CHECK(info.last_dead_role == role::guard);
    CHECK(info.holder.pid == ::getpid());
    const auto snap = seg->snapshot(0);
    REQUIRE(snap.ok);
    CHECK((snap.snap.flags & slot_flag_torn_repaired) != 0);
    CHECK(snap.snap.state == slot_state::open); // only the exchange can settle the payload
    CHECK(seg->counters(role::signal)[static_cast<std::size_t>(counter::lock_repairs)] == 1);
    { auto drop = std::move(lk); }
    // The mutex is healthy afterwards.
    auto again = seg->lock();
    CHECK(again.status() == lock_status::ok);
}

TEST_CASE("holder SIGKILLed between 'closed' and the journal: repair journals and frees it",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::signal);
    const auto r = seg->reserve_slot(test_position("ETH-USDT"));
    REQUIRE(seg->publish_open(r.ref, test_position("ETH-USDT")) == slot_result::ok);
    auto child = spawn(ts, {"lock-and-hang", "closed", std::to_string(r.ref.index)});
    REQUIRE(wait_until([&] { return seg->snapshot(r.ref.index).snap.state == slot_state::closed; },
                       5000ms));
    child.kill(SIGKILL);
    {
        auto lk = seg->lock();
        REQUIRE(lk.status() == lock_status::repaired);
    }
    CHECK(seg->snapshot(r.ref.index).snap.state == slot_state::free);
    REQUIRE(seg->journal_head() == 1);
    journal_record rec;
    REQUIRE(seg->read_journal(0, rec));
    CHECK(rec.slot == r.ref.index);
    CHECK(rec.generation == r.ref.generation);
    CHECK(rec.pos.reason == close_reason::tp);
    CHECK(rec.pos.exit_price == 123.5);
    CHECK(rec.closed_by == role::guard);
    // The freed slot's old generation can no longer be claimed.
    CHECK(seg->try_claim_closing(r.ref, seg->self()) == claim_result::not_claimable);
}

TEST_CASE("two processes race for the closing claim: exactly one winner per round", "[shm][kill]") {
#ifdef SCALPEL_ASAN
    constexpr std::uint32_t rounds = 20'000; // instrumented: ~5x slower per round
#else
    constexpr std::uint32_t rounds = 100'000;
#endif
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::none);
    const auto r = seg->reserve_slot(test_position("RACE-USDT"));
    REQUIRE(seg->publish_open(r.ref, test_position("RACE-USDT")) == slot_result::ok);
    const std::string g0 = std::to_string(r.ref.generation);
    const std::string wins_a = ts.dir.path() + "/signal.wins";
    const std::string wins_b = ts.dir.path() + "/guard.wins";
    const auto t0 = std::chrono::steady_clock::now();
    auto a = spawn(ts, {"claim", "signal", "guard", "0", g0, std::to_string(rounds), wins_a});
    auto b = spawn(ts, {"claim", "guard", "signal", "0", g0, std::to_string(rounds), wins_b});
    const auto sa = a.wait_for(120s); // generous: a loaded 2-core box runs them in turns
    const auto sb = b.wait_for(120s);
    const double secs = us_since(t0) / 1e6;
    INFO(child_log(ts));
    REQUIRE(sa);
    REQUIRE(sb);
    CHECK(WIFEXITED(*sa));
    CHECK(WEXITSTATUS(*sa) == 0);
    CHECK(WEXITSTATUS(*sb) == 0);

    auto read_wins = [](const std::string& path) {
        std::ifstream f(path, std::ios::binary);
        return std::vector<char>(std::istreambuf_iterator<char>(f), {});
    };
    const auto wa = read_wins(wins_a);
    const auto wb = read_wins(wins_b);
    REQUIRE(wa.size() == rounds);
    REQUIRE(wb.size() == rounds);
    std::uint32_t both = 0, none = 0, won_a = 0;
    for (std::uint32_t i = 0; i < rounds; ++i) {
        both += wa[i] && wb[i];
        none += !wa[i] && !wb[i];
        won_a += wa[i] != 0;
    }
    std::cout << "[shm kill] claim race: " << rounds << " rounds in " << secs << " s ("
              << static_cast<long>(rounds / secs) << " rounds/s), signal won " << won_a
              << ", guard won " << rounds - won_a << "\n";
    CHECK(both == 0);
    CHECK(none == 0);
    const auto cs = seg->counters(role::signal);
    const auto cg = seg->counters(role::guard);
    const auto won = [](const counter_values& c) {
        return c[static_cast<std::size_t>(counter::claims_won)];
    };
    const auto lost = [](const counter_values& c) {
        return c[static_cast<std::size_t>(counter::claims_lost)];
    };
    CHECK(won(cs) + won(cg) == rounds);
    CHECK(lost(cs) + lost(cg) == rounds);
    CHECK(seg->journal_head() == rounds);
    CHECK(seg->snapshot(0).snap.generation == r.ref.generation + rounds - 1);
}

TEST_CASE("parameter latch: concurrent writers, SIGKILLed writers, reader never torn",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::none);
    // Writer A publishes even k, writer B odd k; A is killed and restarted several times.
    auto b = spawn(ts, {"write-params-forever", "guard", "1", "2"});
    std::optional<child_process> a;
    a.emplace(spawn(ts, {"write-params-forever", "signal", "0", "2"}));
    std::mt19937 rng(12345);
    std::uint64_t reads = 0, torn = 0, failed = 0, kills = 0, hidden_torn = 0;
    std::uint64_t last_seq = 0;
    bool monotonic = true;
    const auto t0 = std::chrono::steady_clock::now();
    auto next_kill = t0 + 150ms;
    while (std::chrono::steady_clock::now() - t0 < 1500ms) {
        const auto p = seg->read_params();
        if (!p.ok) {
            ++failed;
            continue;
        }
        ++reads;
        if (p.seq > 1 && testing::test_params_k(p.params) < 0)
            ++torn;
        if (p.seq < last_seq)
            monotonic = false;
        last_seq = p.seq;
        if (std::chrono::steady_clock::now() >= next_kill && kills < 6) {
            a->kill(SIGKILL);
            a->wait_for(2000ms);
            ++kills;
            // Was it mid-write? Then the hidden copy is half-written, and must stay unread.
            const auto& pb = seg->raw().params;
            const auto s = pb.seq.load();
            const auto hidden = load_words<arm_params>(s & 1 ? pb.copy0 : pb.copy1);
            if (testing::test_params_k(hidden) < 0)
                ++hidden_torn;
            a.emplace(spawn(ts, {"write-params-forever", "signal",
                                 std::to_string(kills * 1'000'000'000ull), "2"}));
            next_kill =
                std::chrono::steady_clock::now() + std::chrono::milliseconds(100 + rng() % 100);
        }
    }
    const auto seq_before = seg->read_params().seq;
    REQUIRE(wait_until([&] { return seg->read_params().seq > seq_before + 10; }, 5000ms));
    const auto info = seg->mutex_info();
    std::cout << "[shm kill] params latch: " << reads << " reads, " << torn << " torn, " << failed
              << " retries exhausted, " << kills << " writer kills (" << hidden_torn
              << " left a half-written hidden copy), " << info.owner_died_count
              << " EOWNERDEAD repairs, seq " << last_seq << "\n";
    CHECK(torn == 0);
    CHECK(monotonic);
    CHECK(reads > 1000);
    CHECK(kills == 6);
    INFO(child_log(ts));
    CHECK(child_log(ts).find("publish failed") == std::string::npos);
}

TEST_CASE("two processes create at once: exactly one initialises", "[shm][kill]") {
    constexpr int iterations = 25;
    int created = 0, attached = 0;
    for (int i = 0; i < iterations; ++i) {
        testing::temp_segment ts;
        const auto start = std::to_string(monotonic_now_ns() + 40'000'000);
        auto a = spawn(ts, {"create", start});
        auto b = spawn(ts, {"create", start});
        const auto sa = a.wait_for(10s);
        const auto sb = b.wait_for(10s);
        REQUIRE(sa);
        REQUIRE(sb);
        const int ea = WEXITSTATUS(*sa), eb = WEXITSTATUS(*sb);
        INFO("iteration " << i << ": " << ea << "/" << eb << " " << child_log(ts));
        REQUIRE(((ea == 10 && eb == 11) || (ea == 11 && eb == 10)));
        created += (ea == 10) + (eb == 10);
        attached += (ea == 11) + (eb == 11);
        auto ro = segment::attach_read_only(ts.name, ts.options());
        REQUIRE(ro.ok());
        CHECK(ro.header.init == init_state::ready);
    }
    CHECK(created == iterations);
    CHECK(attached == iterations);
}

TEST_CASE("a creator that died while initialising is detected and the segment recreated",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto dead = spawn(ts, {"die-initializing"});
    REQUIRE(dead.wait_for(5s));
    auto o = ts.options();
    o.init_timeout = 200ms;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = segment::create_or_attach(ts.name, role::signal, o);
    std::cout << "[shm kill] recovery from a creator dead mid-init: " << us_since(t0) / 1000
              << " ms\n";
    INFO(r.message);
    REQUIRE(r.status == open_status::created);
    CHECK(r.seg->read_params().ok);
}

TEST_CASE("liveness: alive, hung (SIGSTOP), dead (SIGKILL); a dead owner's claim is stolen",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::signal);
    const auto r = seg->reserve_slot(test_position("BTC-USDT"));
    auto child = guard_holding_claim(ts, *seg, r.ref);
    CHECK(seg->liveness(role::guard).verdict == liveness_verdict::alive);
    CHECK(seg->try_claim_closing(r.ref, seg->self()) == claim_result::held_by_other);
    CHECK(segment::create_or_attach(ts.name, role::guard, ts.options()).status ==
          open_status::role_taken);

    child.kill(SIGSTOP);
    REQUIRE(wait_until([&] { return seg->liveness(role::guard).verdict == liveness_verdict::hung; },
                       3000ms));
    CHECK(seg->try_claim_closing(r.ref, seg->self()) ==
          claim_result::held_by_other); // hung is not dead

    child.kill(SIGKILL);
    child.wait_for(2000ms);
    CHECK(seg->liveness(role::guard).verdict == liveness_verdict::dead);
    CHECK(seg->try_claim_closing(r.ref, seg->self()) == claim_result::stolen);
    CHECK(seg->counters(role::signal)[static_cast<std::size_t>(counter::claims_stolen)] == 1);
}

TEST_CASE("a standby waiting for the guard role takes it the moment the holder is SIGKILLed",
          "[shm][kill]") {
    testing::temp_segment ts;
    auto seg = open_seg(ts, role::signal);
    const auto r = seg->reserve_slot(test_position("BTC-USDT"));
    auto child = guard_holding_claim(ts, *seg, r.ref);

    const std::string lock = segment::role_lock_path(ts.options().rundir, ts.name, role::guard);
    std::atomic<bool> free{false}, waited_ok{false};
    std::atomic<std::int64_t> freed_at_ns{0};
    std::thread standby([&] {
        waited_ok = wait_role_lock_free(lock);
        freed_at_ns = monotonic_now_ns();
        free = true;
    });
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(free.load());             // the holder is alive: the standby keeps waiting
    CHECK(count_lock_waiters(lock) == 1); // the kernel's view, as shm_inspect shows it
    CHECK(seg->standbys_waiting(role::guard) == 1);

    const std::int64_t killed_at_ns = monotonic_now_ns();
    child.kill(SIGKILL);
    REQUIRE(wait_until([&] { return free.load(); }, 5000ms));
    standby.join();
    CHECK(waited_ok.load());
    CHECK(count_lock_waiters(lock) == 0);
    auto taken = segment::create_or_attach(ts.name, role::guard, ts.options());
    INFO(taken.message);
    CHECK(taken.ok());
    std::cout << "standby: guard role free " << (freed_at_ns - killed_at_ns) / 1000
              << " us after the holder's SIGKILL\n";
}
