// Unit tests of the chaos audit: synthetic simulator records, one per failure the audit must
// find (and a clean lifecycle that must show none), so a zero from a chaos run means something.
#include "tests/chaos/audit.hpp"

#include "shm_layout/order_ids.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using namespace scalpel::chaos;

namespace {

constexpr std::int64_t ms_ns = 1'000'000;
constexpr std::int64_t s_ns = 1'000 * ms_ns;

std::string id(std::uint32_t slot, shm::intent what, std::uint32_t attempt = 0,
               std::uint32_t generation = 1) {
    shm::order_id_parts p;
    p.tag = shm::symbol_string(std::string_view("chaos"));
    p.epoch = 12345;
    p.slot = slot;
    p.generation = generation;
    p.what = what;
    p.attempt = attempt;
    shm::id_string out;
    REQUIRE(shm::make_cl_ord_id(p, out));
    return std::string(out.view());
}

// Builds records the way okx_sim logs them.
struct records_builder {
    sim_records r;
    std::int64_t seq = 0, next_ord = 1;

    std::string order(const std::string& cl, const std::string& side, double filled,
                      std::int64_t at_ns, double fee = 0, const std::string& fee_ccy = "USDT") {
        const std::string ord = std::to_string(next_ord++);
        r.log.push_back({++seq, "place_order", "rest", "/api/v5/trade/order", "BTC-USDT", side,
                         "market", "1", cl, ord, "", "", "", "", "0", "", "filled", at_ns});
        r.orders.push_back(
            {"BTC-USDT", ord, cl, side, "filled", fee_ccy, "", "", filled, 50000, fee});
        return ord;
    }
    std::string algo(const std::string& algo_cl, std::int64_t at_ns, const std::string& end_state) {
        const std::string algo_id = std::to_string(1'000'000 + next_ord++);
        r.log.push_back({++seq, "place_algo", "rest", "/api/v5/trade/order-algo", "BTC-USDT",
                         "sell", "oco", "1", "", "", algo_cl, algo_id, "51000", "49000", "0", "",
                         end_state, at_ns});
        r.algos.push_back({"BTC-USDT", algo_id, algo_cl, "sell", end_state});
        return algo_id;
    }
    void cancel(const std::string& algo_id, const std::string& algo_cl, std::int64_t at_ns) {
        r.log.push_back({++seq, "cancel_algo", "rest", "/api/v5/trade/cancel-algos", "BTC-USDT", "",
                         "", "", "", "", algo_cl, algo_id, "", "", "0", "", "", at_ns});
    }
    void trigger(const std::string& algo_id, const std::string& algo_cl, double filled,
                 std::int64_t at_ns) {
        const std::string ord = std::to_string(next_ord++);
        r.log.push_back({++seq, "algo_trigger", "engine", "", "BTC-USDT", "sell", "tp", "1", "",
                         ord, algo_cl, algo_id, "", "", "0", "", "effective", at_ns});
        r.orders.push_back({"BTC-USDT", ord, "", "sell", "filled", "USDT", algo_id, algo_cl, filled,
                            51000, -0.05});
    }
};

audit_options at(std::int64_t end_ns) {
    audit_options o;
    o.end_mono_ns = end_ns;
    return o;
}

// A LONG of 0.001 BTC whose buy fee (in BTC) leaves 0.000999 to close.
constexpr double gross = 0.001, base_fee = -0.000001, net = gross + base_fee;

} // namespace

TEST_CASE("a clean lifecycle (entry, OCO, PH close, OCO cancelled) shows no failure", "[unit]") {
    records_builder b;
    b.order(id(1, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a = b.algo(id(1, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "canceled");
    b.order(id(1, shm::intent::close), "sell", net, 5 * s_ns);
    b.cancel(a, id(1, shm::intent::oco), 5 * s_ns + 10 * ms_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.positions == 1);
    CHECK(rep.closed == 1);
    CHECK(rep.failures() == 0);
    CHECK(rep.findings.empty());
}

TEST_CASE("a close order and an OCO fill on one position are a double close", "[unit]") {
    records_builder b;
    b.order(id(2, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a = b.algo(id(2, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "effective");
    b.order(id(2, shm::intent::close), "sell", net, 5 * s_ns);
    b.trigger(a, id(2, shm::intent::oco), net, 5 * s_ns + 3 * ms_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.double_closes == 1);
    CHECK(rep.size_mismatches == 1);
    CHECK(rep.failures() == 2);
    CHECK(rep.mechanisms.at("double close: the OCO fired after a close order filled") == 1);
}

TEST_CASE("a close order sent after the OCO fired is a double close of that kind", "[unit]") {
    records_builder b;
    b.order(id(12, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a = b.algo(id(12, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "effective");
    b.trigger(a, id(12, shm::intent::oco), net, 2 * s_ns);
    b.order(id(12, shm::intent::close, 1), "sell", net, 4 * s_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.double_closes == 1);
    CHECK(rep.mechanisms.at("double close: a close order sent after the OCO had fired") == 1);
}

TEST_CASE("two close attempts of one position that both fill are a double close", "[unit]") {
    records_builder b;
    b.order(id(3, shm::intent::entry), "sell", gross, 1 * s_ns);
    b.order(id(3, shm::intent::close, 0), "buy", gross, 5 * s_ns);
    b.order(id(3, shm::intent::close, 1), "buy", gross, 11 * s_ns);
    auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.double_closes == 1);
    CHECK(rep.mechanisms.at("double close: a newer close attempt after a filled one") == 1);

    records_builder c; // the same close id re-sent after the first had filled
    c.order(id(3, shm::intent::entry), "sell", gross, 1 * s_ns);
    c.order(id(3, shm::intent::close, 0), "buy", gross, 5 * s_ns);
    c.order(id(3, shm::intent::close, 0), "buy", gross, 10 * s_ns);
    rep = audit(c.r, at(60 * s_ns));
    CHECK(rep.double_closes == 1);
    CHECK(rep.mechanisms.at("double close: one close clOrdId filled twice") == 1);
}

TEST_CASE("a close smaller than the entry is a size mismatch", "[unit]") {
    records_builder b;
    b.order(id(4, shm::intent::entry), "sell", gross, 1 * s_ns);
    b.order(id(4, shm::intent::close), "buy", gross / 2, 5 * s_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.size_mismatches == 1);
    CHECK(rep.double_closes == 0);
}

TEST_CASE("two OCOs of one position live at once are found, with their overlap", "[unit]") {
    records_builder b;
    b.order(id(5, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a1 = b.algo(id(5, shm::intent::oco, 1), 2 * s_ns, "canceled");
    const auto a0 = b.algo(id(5, shm::intent::oco, 0), 3 * s_ns, "canceled"); // landed late
    b.cancel(a0, id(5, shm::intent::oco, 0), 7 * s_ns);
    b.order(id(5, shm::intent::close), "sell", net, 9 * s_ns);
    b.cancel(a1, id(5, shm::intent::oco, 1), 9 * s_ns + 5 * ms_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.multi_oco == 1);
    CHECK(rep.max_two_oco_ns == 4 * s_ns); // o000 from 3 s to its cancel at 7 s
    CHECK(rep.mechanisms.at("two live OCOs: an older OCO attempt landed after a newer one") == 1);
}

TEST_CASE("an OCO still live seconds after its position closed is an orphan", "[unit]") {
    records_builder b;
    b.order(id(6, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    b.algo(id(6, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "live");
    b.order(id(6, shm::intent::close), "sell", net, 5 * s_ns);
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.orphan_ocos == 1);
    CHECK(rep.max_orphan_ns == 55 * s_ns);

    auto quick = at(60 * s_ns);
    records_builder c; // cancelled within the grace: fine
    c.order(id(7, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a = c.algo(id(7, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "canceled");
    c.order(id(7, shm::intent::close), "sell", net, 5 * s_ns);
    c.cancel(a, id(7, shm::intent::oco), 7 * s_ns);
    CHECK(audit(c.r, quick).orphan_ocos == 0);
}

TEST_CASE("an OCO placement landing after the close counts from its landing: cancelled at once it "
          "is a late landing, left live it is an orphan",
          "[unit]") {
    records_builder b;
    b.order(id(8, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    b.order(id(8, shm::intent::close), "sell", net, 2 * s_ns);
    const auto late = b.algo(id(8, shm::intent::oco), 7 * s_ns, "canceled"); // held 5 s
    b.cancel(late, id(8, shm::intent::oco), 7 * s_ns + 400 * ms_ns);
    auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.orphan_ocos == 0);
    CHECK(rep.late_ocos == 1);
    CHECK(rep.max_late_oco_live_ns == 400 * ms_ns);

    records_builder c; // the same late landing never cancelled
    c.order(id(9, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    c.order(id(9, shm::intent::close), "sell", net, 2 * s_ns);
    c.algo(id(9, shm::intent::oco), 7 * s_ns, "live");
    rep = audit(c.r, at(60 * s_ns));
    CHECK(rep.orphan_ocos == 1);
    CHECK(rep.max_orphan_ns == 53 * s_ns);
}

TEST_CASE("an old open position with no live OCO is lost; a young one is not judged", "[unit]") {
    records_builder b;
    b.order(id(8, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    CHECK(audit(b.r, at(60 * s_ns)).lost == 1);
    const auto young = audit(b.r, at(5 * s_ns));
    CHECK(young.lost == 0);
    CHECK(young.young_open == 1);

    records_builder c; // open, but its OCO is live: protected
    c.order(id(9, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    c.algo(id(9, shm::intent::oco), 1 * s_ns + 50 * ms_ns, "live");
    const auto rep = audit(c.r, at(60 * s_ns));
    CHECK(rep.lost == 0);
    CHECK(rep.open_protected == 1);
}

TEST_CASE("time with no guard process and no live OCO is unprotected time", "[unit]") {
    records_builder b;
    b.order(id(10, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    const auto a = b.algo(id(10, shm::intent::oco), 3 * s_ns, "canceled");
    b.order(id(10, shm::intent::close), "sell", net, 9 * s_ns);
    b.cancel(a, id(10, shm::intent::oco), 9 * s_ns + 5 * ms_ns);
    auto o = at(60 * s_ns);
    o.guard_down = {{1 * s_ns + 500 * ms_ns, 4 * s_ns}}; // OCO only from 3 s: 1.5 s bare
    auto rep = audit(b.r, o);
    CHECK(rep.unprotected == 1);
    CHECK(rep.max_unprotected_ns == 1500 * ms_ns);
    o.guard_down = {{4 * s_ns, 8 * s_ns}}; // the OCO covers it
    rep = audit(b.r, o);
    CHECK(rep.unprotected == 0);
    CHECK(rep.max_unprotected_ns == 0);
}

TEST_CASE("two entry fills of one position are a duplicate entry", "[unit]") {
    records_builder b;
    b.order(id(11, shm::intent::entry), "buy", gross, 1 * s_ns, base_fee, "BTC");
    b.order(id(11, shm::intent::entry), "buy", gross, 6 * s_ns, base_fee, "BTC");
    b.algo(id(11, shm::intent::oco), 7 * s_ns, "live");
    const auto rep = audit(b.r, at(60 * s_ns));
    CHECK(rep.duplicate_entries == 1);
    CHECK(rep.positions == 1);
}

TEST_CASE("uncovered_ns measures the gaps of a window", "[unit]") {
    CHECK(uncovered_ns({0, 10}, {}) == 10);
    CHECK(uncovered_ns({0, 10}, {{2, 4}, {3, 6}, {8, 20}}) == 4);
    CHECK(uncovered_ns({5, 10}, {{0, 20}}) == 0);
    CHECK(uncovered_ns({5, 10}, {{0, 1}, {11, 20}}) == 5);
}
