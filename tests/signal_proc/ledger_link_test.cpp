// signal_proc's ledger side on a real segment and a real ledger file: the journal drain commits
// each closed trade once (cursor per segment, restart-safe), counts a wrapped ring as a gap, and
// the risk controller comes back from the ledger after a restart with the same day net, loss
// streak, open count and day start balance as the live one had.
#include "ledger/ledger.hpp"
#include "shm_layout/order_ids.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/journal_drain.hpp"
#include "signal_proc/ledger_link.hpp"
#include "signal_proc/risk_restore.hpp"
#include "signal_proc/trade_refill.hpp"
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

namespace {

std::string our_id(std::uint32_t slot, std::uint32_t gen, shm::intent what) {
    shm::order_id_parts p;
    p.tag.assign_truncated("ldg");
    p.epoch = 1'795'000'000;
    p.slot = slot;
    p.generation = gen;
    p.what = what;
    shm::id_string out;
    REQUIRE(shm::make_cl_ord_id(p, out));
    return std::string(out.view());
}

} // namespace

TEST_CASE("trades lost from the ring are rebuilt from the exchange's fills", "[ledger]") {
    using signal::refill_fill;
    const std::string e1 = our_id(1, 1, shm::intent::entry), c1 = our_id(1, 1, shm::intent::close);
    const std::string e2 = our_id(2, 5, shm::intent::entry), o2 = our_id(2, 5, shm::intent::oco);
    const std::string e3 = our_id(3, 1, shm::intent::entry);
    std::vector<refill_fill> fills{
        // slot 1: bought 1.0 (fee 0.001 BTC = 0.1 USD), sold by the guard's close at 102.
        {"a", e1, "BTC-USDT", true, 100, 1.0, 0.1, 0.001, today_ms - 9000},
        {"b", c1, "BTC-USDT", false, 102, 0.999, 0.102, 0, today_ms - 8000},
        // slot 2: bought in two fills, its OCO's SL child (no clOrdId) sold at 97.
        {"c", e2, "ETH-USDT", true, 100, 0.5, 0.05, 0.0005, today_ms - 7000},
        {"c", e2, "ETH-USDT", true, 102, 0.5, 0.05, 0.0005, today_ms - 6900},
        {"k", "", "ETH-USDT", false, 97, 0.999, 0.0969, 0, today_ms - 5000},
        // slot 3: still open. A stranger's fill is ignored.
        {"d", e3, "BTC-USDT", true, 100, 1.0, 0.1, 0.001, today_ms - 4000},
        {"z", "", "BTC-USDT", false, 100, 5.0, 0.5, 0, today_ms - 3000},
    };
    const std::vector<signal::refill_algo> algos{{o2, "k", "sl"}};
    const auto trades = signal::rebuild_trades(fills, algos, "ldg");
    REQUIRE(trades.size() == 2);
    const auto& t1 = trades[0].entry_cl_ord_id == e1 ? trades[0] : trades[1];
    const auto& t2 = trades[0].entry_cl_ord_id == e2 ? trades[0] : trades[1];
    CHECK(t1.reason == "close");
    CHECK(t1.close_cl_ord_id == c1);
    CHECK(t1.size == Approx(0.999));
    CHECK(t1.net_pnl_usd == Approx(2 * 0.999 - 0.1 - 0.102));
    CHECK(t1.source == "exchange");
    CHECK(t2.reason == "sl");
    CHECK(t2.entry_price == Approx(101));
    CHECK(t2.exit_price == Approx(97));
    CHECK(t2.net_pnl_usd == Approx(-4 * 0.999 - 0.1 - 0.0969));
    CHECK(t2.exit_time_ms == today_ms - 5000);

    // Into the ledger: new trades feed the risk controller once, known ones are ignored.
    rig r;
    strategy::risk_controller risk;
    signal::ledger_link link(*r.seg, risk, r.ledger_file());
    REQUIRE(link.adopt(today_ms));
    CHECK(link.refill(trades, today_ms) == 2);
    CHECK(risk.day_net_pnl_usd() == Approx(t1.net_pnl_usd + t2.net_pnl_usd));
    CHECK(link.refill(trades, today_ms) == 0);
    CHECK(risk.loss_streak() == 1);
}
