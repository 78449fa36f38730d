// Scenario: the synthetic uptrend makes signal_proc (real binary, real okx_sim, real segment)
// enter LONG: one market buy sized by the decision, the fill read back, an OCO at fill ± ATR ×
// multiplier rounded to the tick, and the slot published open with every field. Then no second
// entry for the symbol, and SIGTERM exits 0.
#include "common/decimal.hpp"
#include "ledger/ledger.hpp"
#include "tests/signal_proc/scenario_common.hpp"

#include <cmath>
#include <cstdio>
#include <sys/wait.h>
#include <thread>

using namespace scalpel;
using namespace scalpel::test;

namespace {

double log_value(const std::string& line, const std::string& key) {
    const auto at = line.find(" " + key + "=");
    REQUIRE(at != std::string::npos);
    return std::stod(line.substr(at + key.size() + 2));
}

std::string log_word(const std::string& line, const std::string& key) {
    const auto at = line.find(" " + key + "=");
    REQUIRE(at != std::string::npos);
    const auto from = at + key.size() + 2;
    return line.substr(from, line.find(' ', from) - from);
}

} // namespace

TEST_CASE("signal_proc enters LONG with an OCO at the spec's prices", "[sim]") {
    scenario sc(
        scenario_options{}.with_regime("    tp_atr_multiplier: 0.9\n    sl_atr_multiplier: 0.7\n"));
    sc.start_signal();
    REQUIRE(wait_protected(sc, "BTC-USDT", std::chrono::seconds(40)));

    const auto enters = sc.log_lines("decision=ENTER_LONG");
    REQUIRE(enters.size() == 1);
    const std::string& line = enters.front();
    CHECK(line.find("symbol=BTC-USDT") != std::string::npos);
    const double atr = log_value(line, "atr");
    const std::string size = log_word(line, "size");
    REQUIRE(atr > 0);

    auto o = sc.orders();
    const auto c = count_orders(o);
    CHECK(c.place_orders == 1);
    CHECK(c.filled_buys == 1);
    CHECK(c.place_algos == 1);
    CHECK(c.live_algos == 1);

    simdjson::dom::element entry = o["orders"].at(0);
    simdjson::dom::element oco = o["algos"].at(0);
    CHECK(field(entry, "side") == "buy");
    CHECK(field(entry, "ordType") == "market");
    CHECK(field(entry, "state") == "filled");
    CHECK(*decimal::parse(field(entry, "accFillSz")) ==
          *decimal::parse(size)); // sz = decision size, base units
    const double fill = std::stod(field(entry, "avgPx"));
    const double fee = std::fabs(std::stod(field(entry, "fee")));
    CHECK(field(entry, "feeCcy") == "BTC");
    const decimal held =
        decimal::floor_to(std::stod(field(entry, "accFillSz")) - fee, decimal(1, 8));
    const decimal tick(1, 1);

    CHECK(field(oco, "side") == "sell");
    CHECK(field(oco, "ordType") == "oco");
    CHECK(*decimal::parse(field(oco, "sz")) == held);
    CHECK(*decimal::parse(field(oco, "tpTriggerPx")) == decimal::round_to(fill + atr * 0.9, tick));
    CHECK(*decimal::parse(field(oco, "slTriggerPx")) == decimal::round_to(fill - atr * 0.7, tick));
    CHECK(field(oco, "tpOrdPx") == "-1");
    CHECK(field(oco, "slOrdPx") == "-1");

    const auto slot = find_slot(sc.seg(), "BTC-USDT", shm::slot_state::open);
    REQUIRE(slot);
    const auto& p = slot->pos;
    CHECK(p.pos_side == scalpel::side::long_side);
    CHECK(p.entry_cl_ord_id == field(entry, "clOrdId"));
    CHECK(p.entry_ord_id == field(entry, "ordId"));
    CHECK(p.entry_price == fill);
    CHECK(decimal::floor_to(p.size, decimal(1, 8)) == held);
    CHECK(p.entry_fee_usd == Approx(fee * fill));
    CHECK(p.oco_algo_id == field(oco, "algoId"));
    CHECK(p.oco_algo_cl_ord_id == field(oco, "algoClOrdId"));
    CHECK(decimal::round_to(p.tp_price, tick) == *decimal::parse(field(oco, "tpTriggerPx")));
    CHECK(decimal::round_to(p.sl_price, tick) == *decimal::parse(field(oco, "slTriggerPx")));
    CHECK(p.max_hold_s == 3600);
    CHECK(p.ph_enabled == 1);
    CHECK(p.entry_time_ms > 0);

    // ARM block published at startup; heartbeat alive.
    const auto params = sc.seg().read_params();
    CHECK(params.ok);
    CHECK(params.params.min_score == 3);
    CHECK(sc.seg().liveness(shm::role::signal).verdict == shm::liveness_verdict::alive);

    // A few more cycles: no second entry for the symbol.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    CHECK(count_orders(sc.orders()).place_orders == 1);

    // The ledger holds the entry: its fill with the fee as OKX reports it, and the order row.
    auto db = ledger::ledger::open(sc.run_dir() + "/" + std::string(ledger::default_file_name));
    REQUIRE(db.db);
    const auto fills = db.db->fills_of(field(entry, "ordId"));
    REQUIRE(fills.size() >= 1);
    CHECK(fills[0].fee_ccy == "BTC");
    CHECK(std::stod(fills[0].fee) < 0); // OKX sign: charged
    CHECK(fills[0].cl_ord_id == field(entry, "clOrdId"));
    const auto order = db.db->order(field(entry, "clOrdId"));
    REQUIRE(order);
    CHECK(order->kind == "entry");
    CHECK(order->state == "filled");
    CHECK(*decimal::parse(order->sz) == *decimal::parse(field(entry, "accFillSz")));

    sc.signal_child().kill(SIGTERM);
    const auto st = sc.signal_child().wait_for(std::chrono::seconds(10));
    REQUIRE(st);
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);
    // The warm cycles fetch only what can have changed (figure for the report).
    const auto cycles = sc.log_lines(" done: ");
    for (std::size_t i = 0; i < cycles.size() && i < 5; ++i)
        std::printf("%s\n", cycles[i].c_str());
}

TEST_CASE("signal_proc opens nothing without a live, reconciled guard; the line says why",
          "[sim]") {
    {
        scenario sc(scenario_options{}.without_guard());
        sc.start_signal();
        REQUIRE(sc.wait_log("decision=NO_PROTECTION:guard_absent", std::chrono::seconds(40)));
        CHECK(sc.log_lines("decision=ENTER").empty());
        CHECK(count_orders(sc.orders()).place_orders == 0);
    }
    {
        scenario sc;
        sc.stop_guard(); // attached but silent: a hung guard
        // Past the 500 ms stale_after: a heartbeat younger than that still counts as alive.
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        sc.start_signal();
        const bool stale =
            sc.wait_log("decision=NO_PROTECTION:guard_stale", std::chrono::seconds(40));
        INFO(sc.log());
        REQUIRE(stale);
        CHECK(sc.log_lines("decision=ENTER").empty());
        CHECK(count_orders(sc.orders()).place_orders == 0);
    }
}

namespace {

// Buy orders (LONG entries) of `inst` that reached the simulator, whatever their answer.
int entries_of(simdjson::dom::element orders, std::string_view inst) {
    int n = 0;
    for (auto req : orders["requests"].get_array())
        if (field(req, "kind") == "place_order" && field(req, "instId") == inst &&
            field(req, "side") == "buy")
            ++n;
    return n;
}

shm::feed_state feed_of(scenario& sc, std::string_view inst) {
    try {
        const auto idx = sc.seg().find_symbol(inst);
        return idx.ok ? sc.seg().feed(idx.index) : shm::feed_state::unknown;
    } catch (const std::exception&) {
        return shm::feed_state::unknown; // the segment is not created yet
    }
}

} // namespace

// The real guard_proc, whose ETH tickers subscription the simulator refuses (60018, as OKX answers
// an instId it does not list): ETH's feed is not_subscribed, signal_proc's decision line for ETH
// names it and no ETH entry reaches the exchange, while BTC (acked, ticking) is live and entered.
// A dropped connection voids the acks until the new one acks again. Lifted, the guard's next
// resubscribe is acked and ETH goes live.
TEST_CASE("no entry for a symbol whose feed subscription OKX refused; live once acked", "[sim]") {
    scenario sc(scenario_options{}
                    .with_symbols("[BTC-USDT, ETH-USDT]")
                    .with_segment_prefix("feed_refused")
                    // One tick per 5 s per symbol at speed 1: the staleness bound must cover it.
                    .with_real_guard(
                        "  stale_feed_s: 20\n  resubscribe_s: 1\n  ws_reconnect_min_ms: 500\n"));
    sc.control("/sim/ws/refuse-subscribe", R"({"instId":"ETH-USDT"})");
    sc.start_guard();
    REQUIRE(wait_until([&] { return feed_of(sc, "ETH-USDT") == shm::feed_state::not_subscribed; },
                       std::chrono::seconds(30)));
    REQUIRE(wait_until([&] { return feed_of(sc, "BTC-USDT") == shm::feed_state::live; },
                       std::chrono::seconds(30)));
    sc.start_signal();
    const bool blocked = wait_until(
        [&] {
            for (const auto& l : sc.log_lines("decision=NO_PROTECTION:feed_not_subscribed"))
                if (l.find("symbol=ETH-USDT") != std::string::npos)
                    return true;
            return false;
        },
        std::chrono::seconds(40));
    INFO(sc.log());
    INFO(sc.guard_log());
    REQUIRE(blocked);
    for (const auto& line : sc.log_lines("decision=NO_PROTECTION"))
        CHECK(line.find("symbol=ETH-USDT") != std::string::npos); // BTC is never blocked
    // BTC is entered meanwhile; ETH stays refused: its decision says why, no order for it.
    // (Counted as orders: the real guard may already have closed it again, PH.)
    REQUIRE(wait_until([&] { return entries_of(sc.orders(), "BTC-USDT") >= 1; },
                       std::chrono::seconds(40)));
    CHECK(feed_of(sc, "ETH-USDT") == shm::feed_state::not_subscribed);
    CHECK(entries_of(sc.orders(), "ETH-USDT") == 0);

    // A reconnect voids every ack: BTC leaves live until the new connection acks it again; the
    // refusal of ETH stands (the new connection's subscribe is refused again).
    sc.control("/sim/ws/drop", R"({"path":"/ws/v5/public"})");
    REQUIRE(wait_until(
        [&] { return sc.guard_log().find("feed BTC-USDT: live -> ") != std::string::npos; },
        std::chrono::seconds(10)));
    REQUIRE(wait_until([&] { return feed_of(sc, "BTC-USDT") == shm::feed_state::live; },
                       std::chrono::seconds(20)));
    CHECK(feed_of(sc, "ETH-USDT") == shm::feed_state::not_subscribed);
    CHECK(entries_of(sc.orders(), "ETH-USDT") == 0);

    // Lifted: the guard asks again (resubscribe_s), OKX acks, the snapshot tick makes it live.
    sc.control("/sim/ws/refuse-subscribe", R"({"instId":"ETH-USDT","lift":true})");
    REQUIRE(wait_until([&] { return feed_of(sc, "ETH-USDT") == shm::feed_state::live; },
                       std::chrono::seconds(20)));
    CHECK(sc.guard_log().find("tickers ETH-USDT subscribed after a refusal") != std::string::npos);
    CHECK(wait_until([&] { return entries_of(sc.orders(), "ETH-USDT") >= 1; },
                     std::chrono::seconds(40)));
}
