// The order-log drain on a real segment and a real ledger file: the guard's notes about one order
// (sent → placed → filled, a refusal with its sCode, an OCO's fired child) become one ledger row
// each with the outcome the exchange gave; signal_proc's own queued reports are written and the
// queue emptied; the cursor makes a restarted drain skip what was filed; a wrapped ring counts
// its lost notes.
#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/order_log_drain.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

using namespace scalpel;

shm::order_note note(std::string_view cl, shm::order_outcome outcome, shm::order_kind kind,
                     std::int64_t at_ms, int code = 0, std::string_view ord_id = {},
                     std::uint8_t flags = shm::note_flag_sell) {
    shm::order_note n;
    n.cl_ord_id.assign_truncated(cl);
    n.ord_id.assign_truncated(ord_id);
    n.symbol.assign_truncated("BTC-USDT");
    n.sz.assign_truncated("0.01");
    n.kind = kind;
    n.outcome = outcome;
    n.channel = shm::order_channel::ws;
    n.error_code = code;
    n.at_ms = at_ms;
    n.flags = flags;
    return n;
}

} // namespace

TEST_CASE("the order log drains into the ledger once, outcome by outcome", "[unit][shm]") {
    test::temp_dir dir;
    const std::string name = test::unique_name("orders.drain");
    shm::segment::remove(name);
    shm::open_options o;
    o.rundir = dir.path();
    o.account_tag = "odr";
    o.populate = false;
    auto g = shm::segment::create_or_attach(name, shm::role::guard, o);
    REQUIRE(g.ok());
    auto& seg = *g.seg;
    auto opened = ledger::ledger::open(dir.path() + "/ledger.sqlite");
    REQUIRE(opened.db);
    auto& db = *opened.db;

    using shm::order_kind;
    using shm::order_outcome;
    seg.append_order_note(note("odrc1", order_outcome::sent, order_kind::close, 100));
    seg.append_order_note(note("odrc1", order_outcome::placed, order_kind::close, 110, 0, "77"));
    seg.append_order_note(note("odrc1", order_outcome::filled, order_kind::close, 120, 0, "77"));
    seg.append_order_note(note("odrc2", order_outcome::refused, order_kind::close, 130, 51008));
    seg.append_order_note(note("odro1", order_outcome::placed, order_kind::oco, 140, 0, "algo5"));
    seg.append_order_note(note("odro1", order_outcome::filled, order_kind::oco, 150, 0, "child6",
                               shm::note_flag_sell | shm::note_flag_child));
    signal::order_queue own;
    own.push_back({"odre1", "", "ETH-USDT", "buy", "entry", "market", "", "1", "refused", "51008",
                   90, 90, "rest", ""});

    {
        signal::order_log_drain drain(seg, db);
        const auto r = drain.drain(own);
        CHECK(r.ok);
        CHECK(r.drained == 6);
        CHECK(r.queued == 1);
        CHECK(r.lost == 0);
        CHECK(own.empty());
    }
    const auto c1 = db.order("odrc1");
    REQUIRE(c1);
    CHECK(c1->state == "filled");
    CHECK(c1->ord_id == "77");
    CHECK(c1->kind == "close");
    CHECK(c1->channel == "ws");
    CHECK(c1->side == "sell");
    CHECK(c1->sent_ms == 100);
    CHECK(c1->updated_ms == 120);
    const auto c2 = db.order("odrc2");
    REQUIRE(c2);
    CHECK(c2->state == "refused");
    CHECK(c2->error_code == "51008");
    const auto oco = db.order("odro1");
    REQUIRE(oco);
    CHECK(oco->state == "filled");
    CHECK(oco->ord_id == "algo5");
    CHECK(oco->child_ord_id == "child6");
    CHECK(db.order("odre1")->error_code == "51008");
    CHECK(db.counts().orders == 4);

    // A restarted drain (same segment) resumes after its cursor: nothing twice.
    seg.append_order_note(note("odrc3", order_outcome::absent, order_kind::close, 160, 51149));
    {
        signal::order_log_drain again(seg, db);
        CHECK(again.position() == 6);
        const auto r = again.drain(own);
        CHECK(r.drained == 1);
        CHECK(db.order("odrc3")->state == "absent");
        // The ring wraps past the cursor: the overwritten notes are counted, the rest filed.
        const std::uint64_t burst = shm::order_log_capacity + 5;
        for (std::uint64_t i = 0; i < burst; ++i)
            seg.append_order_note(note("odrw" + std::to_string(i), order_outcome::placed,
                                       order_kind::close, 200 + static_cast<std::int64_t>(i)));
        const auto w = again.drain(own);
        CHECK(w.lost == 5);
        CHECK(w.drained == shm::order_log_capacity);
        CHECK_FALSE(db.order("odrw4"));
        CHECK(db.order("odrw5"));
        CHECK(db.cursor("orders:" + std::to_string(seg.header().created_ms)) ==
              static_cast<std::int64_t>(seg.order_log_head()));
    }
    shm::segment::remove(name);
}
