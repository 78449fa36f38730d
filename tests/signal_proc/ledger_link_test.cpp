// signal_proc's ledger side on a real segment and a real ledger file: the journal drain commits
// each closed trade once (cursor per segment, restart-safe), counts a wrapped ring as a gap, and
// the risk controller comes back from the ledger after a restart with the same day net, loss
// streak, open count and day start balance as the live one had.
#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/journal_drain.hpp"
#include "signal_proc/ledger_link.hpp"
#include "signal_proc/risk_restore.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

namespace {

using namespace scalpel;

struct rig {
    test::temp_dir dir;
    std::string name = test::unique_name("ledger.link");
    std::unique_ptr<shm::segment> seg;
    rig() {
        shm::segment::remove(name);
        shm::open_options o;
        o.rundir = dir.path();
        o.account_tag = "ldg";
        o.populate = false;
        auto r = shm::segment::create_or_attach(name, shm::role::signal, o);
        REQUIRE(r.ok());
        seg = std::move(r.seg);
    }
    ~rig() { shm::segment::remove(name); }
    [[nodiscard]] std::string ledger_file() const { return dir.path() + "/ledger.sqlite"; }

    // Opens and closes one position through the real slot protocol; the journal gets a record.
    void trade(std::string_view symbol, double net, std::int64_t exit_ms) {
        shm::position p;
        p.symbol.assign_truncated(symbol);
        p.pos_side = shm::side::long_;
        auto r = seg->reserve_slot(p);
        REQUIRE(r.status == shm::slot_result::ok);
        p.size = 1;
        p.entry_price = 100;
        p.entry_fee_usd = 0.1;
        p.entry_time_ms = exit_ms - 60'000;
        REQUIRE(seg->publish_open(r.ref, p) == shm::slot_result::ok);
        REQUIRE(shm::claim_won(seg->try_claim_closing(r.ref, seg->self())));
        shm::close_info ci;
        ci.reason = net < 0 ? shm::close_reason::sl : shm::close_reason::tp;
        ci.exit_price = 100 + net;
        ci.exit_time_ms = exit_ms;
        ci.exit_fee_usd = 0.1;
        ci.net_pnl_usd = net;
        REQUIRE(seg->record_close(r.ref, seg->self(), ci) == shm::slot_result::ok);
    }
};

constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t today_ms = 1'795'392'000'000 + 12 * 3'600'000; // 2026-11-23 12:00 UTC

} // namespace

TEST_CASE("the journal drain commits each record once and survives a restart", "[ledger]") {
    rig r;
    r.trade("BTC-USDT", 1.5, today_ms - 1000);
    r.trade("ETH-USDT", -0.5, today_ms - 500);
    {
        auto db = ledger::ledger::open(r.ledger_file());
        REQUIRE(db.db);
        signal::journal_drain drain(*r.seg, *db.db);
        int seen = 0;
        const auto d = drain.drain([&](const shm::journal_record&) { ++seen; });
        CHECK(d.ok);
        CHECK(d.drained == 2);
        CHECK(d.lost == 0);
        CHECK(seen == 2);
        CHECK(drain.drain().drained == 0); // nothing new
        r.trade("BTC-USDT", 0.25, today_ms);
        CHECK(drain.drain().drained == 1);
    }
    // A new process: the cursor comes from the file, nothing is drained twice.
    auto db = ledger::ledger::open(r.ledger_file());
    REQUIRE(db.db);
    signal::journal_drain drain(*r.seg, *db.db);
    CHECK(drain.position() == 3);
    CHECK(drain.drain().drained == 0);
    const auto trades = db.db->trades_since(0);
    REQUIRE(trades.size() == 3);
    CHECK(trades[0].symbol == "BTC-USDT");
    CHECK(trades[0].reason == "tp");
    CHECK(trades[0].side == "long");
    CHECK(trades[0].entry_fee_usd == Approx(0.1));
    CHECK(trades[0].net_pnl_usd == Approx(1.5));
    CHECK(trades[1].reason == "sl");
    CHECK(trades[1].journal_seq == 2);
    CHECK_FALSE(trades[0].entry_cl_ord_id.empty());
    CHECK(trades[0].entry_cl_ord_id != trades[2].entry_cl_ord_id);
}

TEST_CASE("a ring that wrapped past the cursor is reported as a gap", "[ledger]") {
    rig r;
    auto db = ledger::ledger::open(r.ledger_file());
    REQUIRE(db.db);
    signal::journal_drain drain(*r.seg, *db.db);
    r.trade("BTC-USDT", 1, today_ms - 10'000'000);
    REQUIRE(drain.drain().drained == 1);
    const std::size_t extra = shm::journal_capacity + 5;
    for (std::size_t i = 0; i < extra; ++i)
        r.trade("BTC-USDT", 0.01, today_ms - 5'000'000 + static_cast<std::int64_t>(i));
    const auto d = drain.drain();
    CHECK(d.lost == 5);
    CHECK(d.first_lost == 1);
    CHECK(d.end_lost == 6);
    CHECK(d.drained == shm::journal_capacity);
    CHECK(db.db->counts().trades == static_cast<std::int64_t>(1 + shm::journal_capacity));
}

TEST_CASE("the risk controller comes back from the ledger after a restart", "[ledger]") {
    rig r;
    strategy::risk_config cfg;
    cfg.max_consecutive_losses = 3;
    // Yesterday: a win then two losses (the streak carries over midnight); today: one loss.
    r.trade("BTC-USDT", 2.0, today_ms - day_ms);
    r.trade("ETH-USDT", -1.0, today_ms - day_ms + 1000);
    r.trade("BTC-USDT", -1.0, today_ms - day_ms + 2000);
    r.trade("ETH-USDT", -0.75, today_ms - 1000);

    // The first process: drains the four trades, fixes today's start balance at 1000.
    {
        strategy::risk_controller live(cfg);
        signal::ledger_link link(*r.seg, live, r.ledger_file());
        REQUIRE(link.adopt(today_ms));
        live.on_balance(1000, today_ms);
        link.after_balance(today_ms);
        CHECK(live.loss_streak() == 3);
    }
    strategy::risk_controller before(cfg);
    {
        signal::ledger_link link(*r.seg, before, r.ledger_file());
        REQUIRE(link.adopt(today_ms));
    }
    CHECK(before.loss_streak() == 3);
    CHECK(before.day_net_pnl_usd() == Approx(-0.75));
    CHECK(before.day_start_balance_usd() == Approx(1000));
    const auto v = before.can_open("SOL-USDT", today_ms, 10);
    CHECK_FALSE(v.allowed);
    CHECK(v.reason == strategy::risk_block::consecutive_losses);
    // The same-day balance after a restart does not move the day's start (the loss stays counted).
    before.on_balance(900, today_ms + 1000);
    CHECK(before.day_start_balance_usd() == Approx(1000));

    // A restarted process with a new trade: feed() adds it to the ledger and the controller once.
    strategy::risk_controller after(cfg);
    signal::ledger_link link2(*r.seg, after, r.ledger_file());
    REQUIRE(link2.adopt(today_ms + 1500));
    CHECK(after.loss_streak() == 3);
    r.trade("BTC-USDT", 0.5, today_ms + 2000);
    CHECK(link2.feed(today_ms + 3000) == 1);
    CHECK(after.loss_streak() == 0);
    CHECK(after.day_net_pnl_usd() == Approx(-0.25));
    CHECK(link2.feed(today_ms + 3000) == 0);
    auto db = ledger::ledger::open(r.ledger_file());
    REQUIRE(db.db);
    const auto day = db.db->risk_day(signal::utc_day_of(today_ms));
    REQUIRE(day);
    CHECK(day->start_balance_usd == Approx(1000));
    CHECK(day->loss_streak == 0);
    CHECK(day->trades == 2);
}
