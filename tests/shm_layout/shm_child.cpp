// shm_child: the tiny helper the shm integration tests fork+exec, so every race runs between real
// processes through the real attach path, and SIGKILL hits a real process at a real instruction.
// Usage: shm_child <command> <segment> <rundir> [args...]; see the dispatch in main. It prints
// short progress lines on stdout (the test's log file) and exits 0 on success, 10/11 for
// created/attached (create), 1 on failure. Never use it outside tests.
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"
#include "tests/shm_layout/race_protocols.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <vector>

using namespace scalpel;
using namespace scalpel::shm;

namespace {

role parse_role(const char* s) {
    const std::string r = s;
    if (r == "signal")
        return role::signal;
    if (r == "guard")
        return role::guard;
    if (r == "aux")
        return role::aux;
    return role::none;
}

open_options options(const char* rundir) {
    open_options o;
    o.rundir = rundir;
    o.account_tag = "sctest";
    o.init_timeout = std::chrono::milliseconds(3000);
    o.lock_timeout = std::chrono::milliseconds(5000);
    o.populate = false;
    return o;
}

std::unique_ptr<segment> attach(const char* name, const char* rundir, role who) {
    auto r = segment::create_or_attach(name, who, options(rundir));
    if (!r.ok()) {
        std::printf("attach failed: %s: %s\n", to_string(r.status), r.message.c_str());
        std::fflush(stdout);
        std::exit(1);
    }
    return std::move(r.seg);
}

[[noreturn]] void hang(segment* seg) {
    for (;;) {
        if (seg)
            seg->heartbeat();
        ::usleep(20'000);
    }
}

void say(const char* what) {
    std::printf("%s\n", what);
    std::fflush(stdout);
}

// create <name> <rundir> <start_mono_ns>: both racers sleep until the same instant, then race.
int cmd_create(const char* name, const char* rundir, const char* start) {
    timespec ts{};
    const long long at = std::atoll(start);
    ts.tv_sec = at / 1'000'000'000;
    ts.tv_nsec = at % 1'000'000'000;
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    auto r = segment::create_or_attach(name, role::none, options(rundir));
    if (r.status == open_status::created)
        return 10;
    if (r.status == open_status::attached)
        return 11;
    std::printf("create: %s: %s\n", to_string(r.status), r.message.c_str());
    return 1;
}

// die-initializing <name>: what a creator SIGKILLed mid-init leaves: full size, init lock taken,
// state initializing, no magic. Exiting releases the init lock like a death would.
int cmd_die_initializing(const char* name) {
    const std::string path = std::string("/") + name;
    const int fd = ::shm_open(path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0)
        return 1;
    ::flock(fd, LOCK_EX);
    if (::ftruncate(fd, sizeof(segment_layout)) != 0)
        return 1;
    void* p = ::mmap(nullptr, sizeof(segment_layout), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    auto* h = static_cast<segment_header*>(p);
    h->init.store(static_cast<std::uint32_t>(init_state::initializing));
    h->creator_pid.store(::getpid());
    ::_exit(0);
}

// lock-and-hang <name> <rundir> <mode> [slot]: attach as guard, take the mutex and hang holding it.
// mode plain: nothing else; torn: start a slot-0 payload write (odd seq, half the words) first;
// closed: the slot (claimed by this guard beforehand) is marked closed, as record_close does
// right before its journal append.
int cmd_lock_and_hang(const char* name, const char* rundir, const std::string& mode, int slot) {
    auto seg = attach(name, rundir, role::guard);
    auto& raw = seg->raw_for_testing();
    if (mode == "closed") {
        const auto snap = seg->snapshot(static_cast<std::uint32_t>(slot));
        if (!snap.ok || seg->try_claim_closing(snap.snap.ref(static_cast<std::uint32_t>(slot)),
                                               seg->self()) != claim_result::claimed) {
            say("claim failed");
            return 1;
        }
    }
    auto lk = seg->lock();
    if (!lk.locked())
        return 1;
    if (mode == "torn") {
        auto& s = raw.slots[0];
        s.seq.store(s.seq.load() + 1);
        for (std::size_t i = 0; i < word_count<position> / 2; ++i)
            s.words[i].store(0xdeadbeefdeadbeefULL);
    } else if (mode == "closed") {
        auto& s = raw.slots[slot];
        position p = load_words<position>(s.words);
        p.reason = close_reason::tp;
        p.exit_price = 123.5;
        p.net_pnl_usd = 1.25;
        seqlock_write(s.seq, s.words, p);
        s.state.store(static_cast<std::uint32_t>(slot_state::closed));
    }
    say("locked");
    hang(seg.get());
}

// hold-role <name> <rundir> <role>: attach, heartbeat every 20 ms, forever.
int cmd_hold_role(const char* name, const char* rundir, role who) {
    auto seg = attach(name, rundir, who);
    say("holding");
    hang(seg.get());
}

// claim-hold <name> <rundir> <slot> <gen>: attach as guard, claim the slot, report, hang.
int cmd_claim_hold(const char* name, const char* rundir, std::uint32_t slot, std::uint32_t gen) {
    auto seg = attach(name, rundir, role::guard);
    const auto r = seg->try_claim_closing({slot, gen}, seg->self());
    std::printf("claim %s\n", to_string(r));
    std::fflush(stdout);
    if (!claim_won(r))
        return 1;
    hang(seg.get());
}

// claim <name> <rundir> <role> <peer> <slot> <g0> <rounds> <wins-file>: the claim race.
int cmd_claim(const char* name, const char* rundir, role who, role peer, std::uint32_t slot,
              std::uint32_t g0, std::uint32_t rounds, const char* wins_file) {
    auto seg = attach(name, rundir, who);
    std::vector<std::uint8_t> wins;
    const auto anomalies =
        testing::run_claim_rounds(*seg, seg->self(), peer, slot, g0, rounds, wins);
    FILE* f = std::fopen(wins_file, "wb");
    if (!f)
        return 1;
    std::fwrite(wins.data(), 1, wins.size(), f);
    std::fclose(f);
    std::size_t won = 0;
    for (auto w : wins)
        won += w;
    std::printf("%s won %zu of %u rounds, anomalies %llu\n", to_string(who), won, rounds,
                static_cast<unsigned long long>(anomalies));
    return anomalies == 0 ? 0 : 1;
}

// write-params-forever <name> <rundir> <role> <k0> <step>: publish k0, k0+step, ... until killed.
int cmd_write_params(const char* name, const char* rundir, role who, std::uint64_t k0,
                     std::uint64_t step) {
    auto seg = attach(name, rundir, who);
    say("writing");
    for (std::uint64_t k = k0;; k += step) {
        if (!seg->publish_params(testing::make_test_params(k)).ok())
            say("publish failed");
        if ((k / step) % 64 == 0)
            seg->heartbeat();
    }
}

// populate <name> <rundir>: a realistic segment for shm_inspect: params, prices, an open, a
// closing and an opening position, journal entries and counters. Registers as signal and exits.
int cmd_populate(const char* name, const char* rundir) {
    auto seg = attach(name, rundir, role::signal);
    auto params = default_params(regime::trending);
    params.taker_fee_rate = 0.001;
    if (!seg->publish_params(params).ok())
        return 1;
    const auto btc = seg->register_symbol("BTC-USDT");
    const auto eth = seg->register_symbol("ETH-USDT");
    if (!btc.ok || !eth.ok)
        return 1;
    quote q;
    q.last = 50100;
    q.bid = 50099.5;
    q.ask = 50100.5;
    q.exchange_ts_ms = wall_now_ms();
    q.receive_ns = monotonic_now_ns();
    seg->publish_price(btc.index, q);
    q.last = 2990;
    q.bid = 2989.9;
    q.ask = 2990.1;
    seg->publish_price(eth.index, q);

    // Two closed trades for the journal.
    for (int i = 0; i < 2; ++i) {
        position p;
        p.symbol.assign_truncated("SOL-USDT");
        p.pos_side = scalpel::side::long_side;
        p.size = 1.5;
        p.entry_price = 100;
        p.entry_time_ms = wall_now_ms() - 60'000;
        const auto r = seg->reserve_slot(p);
        if (r.status != slot_result::ok || seg->publish_open(r.ref, p) != slot_result::ok)
            return 1;
        if (!claim_won(seg->try_claim_closing(r.ref, seg->self())))
            return 1;
        close_info ci;
        ci.reason = i == 0 ? close_reason::ph : close_reason::sl;
        ci.exit_price = i == 0 ? 100.5 : 99.0;
        ci.exit_time_ms = wall_now_ms();
        ci.exit_fee_usd = 0.15;
        ci.net_pnl_usd = i == 0 ? 0.45 : -1.8;
        if (seg->record_close(r.ref, seg->self(), ci) != slot_result::ok)
            return 1;
    }
    // Open BTC long.
    position p;
    p.symbol.assign_truncated("BTC-USDT");
    p.pos_side = scalpel::side::long_side;
    p.size = 0.002;
    p.entry_price = 50000;
    p.entry_fee_usd = 0.1;
    p.entry_time_ms = wall_now_ms() - 30'000;
    p.tp_price = 50500;
    p.sl_price = 49600;
    p.regime_at_entry = regime::trending;
    p.ph_enabled = 1;
    p.ph_threshold_usd = 0.35;
    p.ph_time_limit_s = 300;
    p.max_hold_s = 3600;
    p.atr = 120.5;
    const auto r1 = seg->reserve_slot(p);
    if (r1.status != slot_result::ok)
        return 1;
    p.entry_ord_id.assign_truncated("612345678901234567");
    p.oco_algo_id.assign_truncated("712345678901234567");
    p.oco_algo_cl_ord_id = seg->cl_ord_id(r1.ref, intent::oco, 0);
    if (seg->publish_open(r1.ref, p) != slot_result::ok)
        return 1;
    // ETH short, being closed by this process.
    position e = p;
    e.symbol.assign_truncated("ETH-USDT");
    e.pos_side = scalpel::side::short_side;
    e.size = 0.05;
    e.entry_price = 3000;
    e.tp_price = 2950;
    e.sl_price = 3030;
    const auto r2 = seg->reserve_slot(e);
    if (r2.status != slot_result::ok)
        return 1;
    e.oco_algo_cl_ord_id = seg->cl_ord_id(r2.ref, intent::oco, 0);
    if (seg->publish_open(r2.ref, e) != slot_result::ok)
        return 1;
    if (seg->try_claim_closing(r2.ref, seg->self()) != claim_result::claimed)
        return 1;
    if (seg->set_pending_reason(r2.ref, seg->self(), close_reason::manual) != slot_result::ok)
        return 1;
    (void)seg->next_attempt(r2.ref, intent::close);
    // XRP opening (entry order in flight).
    position x;
    x.symbol.assign_truncated("XRP-USDT");
    x.pos_side = scalpel::side::long_side;
    x.size = 100;
    if (seg->reserve_slot(x).status != slot_result::ok)
        return 1;
    // One order outcome in the order log (the guard's, as signal_proc's drain reads them).
    order_note note;
    note.cl_ord_id.assign_truncated("popc0001");
    note.symbol.assign_truncated("ETH-USDT");
    note.sz.assign_truncated("0.5");
    note.kind = order_kind::close;
    note.outcome = order_outcome::refused;
    note.channel = order_channel::rest;
    note.error_code = 51008;
    note.flags = note_flag_buy;
    seg->append_order_note(note);
    seg->add(counter::ticks, 12345);
    seg->add(counter::ph_closes, 1);
    seg->add(counter::sl_closes, 0);
    seg->add(counter::reconnects, 2);
    say("populated");
    return 0;
}

// record-latency <name> <rundir> <ns> [<count>] ...: attach as guard (the block's one writer),
// record each ns value <count> times (default 1), report, exit.
int cmd_record_latency(const char* name, const char* rundir, int argc, char** argv) {
    auto seg = attach(name, rundir, role::guard);
    for (int i = 0; i < argc; i += 2) {
        const long long ns = std::atoll(argv[i]);
        const long long n = i + 1 < argc ? std::atoll(argv[i + 1]) : 1;
        for (long long k = 0; k < n; ++k)
            seg->record_latency(ns);
    }
    std::printf("recorded, count %llu\n",
                static_cast<unsigned long long>(seg->read_latency().count));
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: shm_child <command> <segment> [rundir] [args...]\n");
        return 2;
    }
    const std::string cmd = argv[1];
    const char* name = argv[2];
    const char* rundir = argc > 3 ? argv[3] : "/tmp";
    if (cmd == "create" && argc == 5)
        return cmd_create(name, rundir, argv[4]);
    if (cmd == "die-initializing")
        return cmd_die_initializing(name);
    if (cmd == "lock-and-hang" && argc >= 5)
        return cmd_lock_and_hang(name, rundir, argv[4], argc > 5 ? std::atoi(argv[5]) : 0);
    if (cmd == "hold-role" && argc == 5)
        return cmd_hold_role(name, rundir, parse_role(argv[4]));
    if (cmd == "claim-hold" && argc == 6)
        return cmd_claim_hold(name, rundir, static_cast<std::uint32_t>(std::atoi(argv[4])),
                              static_cast<std::uint32_t>(std::atoll(argv[5])));
    if (cmd == "claim" && argc == 10)
        return cmd_claim(name, rundir, parse_role(argv[4]), parse_role(argv[5]),
                         static_cast<std::uint32_t>(std::atoi(argv[6])),
                         static_cast<std::uint32_t>(std::atoll(argv[7])),
                         static_cast<std::uint32_t>(std::atoll(argv[8])), argv[9]);
    if (cmd == "write-params-forever" && argc == 7)
        return cmd_write_params(name, rundir, parse_role(argv[4]),
                                std::strtoull(argv[5], nullptr, 10),
                                std::strtoull(argv[6], nullptr, 10));
    if (cmd == "populate")
        return cmd_populate(name, rundir);
    if (cmd == "record-latency" && argc >= 5)
        return cmd_record_latency(name, rundir, argc - 4, argv + 4);
    std::fprintf(stderr, "shm_child: unknown command or arguments: %s\n", cmd.c_str());
    return 2;
}
