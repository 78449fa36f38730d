// The ledger crash test against the simulator (issue 10): okx_sim produces fills (market orders
// of ours placed by this test between and during the rounds), signal_proc's real fill path
// (ledger_fill_sync: signal::fill_sync) files them and is SIGKILLed mid-write, round after round;
// then one pass as after a restart. Afterwards PRAGMA integrity_check is ok and the ledger's fills
// are exactly the simulator's fills of our orders: same count, same set of trade ids, and each
// fill's size and fee as the simulator reported them. Also: the same path files our OCOs' outcomes
// from the exchange's algo history, and a fired OCO's fill counts as an oco fill.
#include "ledger/ledger.hpp"
#include "shm_layout/order_ids.hpp"
#include "tests/okx_sim/sim_client.hpp"
#include "tests/support/child_process.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

using namespace scalpel;
using namespace std::chrono_literals;

namespace {

constexpr const char* inst = "BTC-USDT";
constexpr int rounds = 9;
constexpr int orders_per_round = 10; // the fills endpoint's page is 100: stay under it

// Lines of the writer's log: how many passes began and ended, and whether the last line is a
// pass begun and not finished (killed mid-pass).
struct writer_progress {
    int begun = 0, done = 0;
    bool mid_pass = false;
};
writer_progress progress(const std::string& log) {
    std::ifstream in(log);
    std::string line;
    writer_progress p;
    while (std::getline(in, line)) {
        if (line.starts_with("writing"))
            ++p.begun;
        else if (line.starts_with("synced"))
            ++p.done;
        p.mid_pass = line.starts_with("writing");
    }
    return p;
}

// One market order of ours (clOrdId "lk…"); alternating sides keep the balances steady.
void place_market(std::uint16_t port, int n) {
    const auto body = fmt::format(
        R"({{"instId":"{}","tdMode":"cash","side":"{}","ordType":"market","sz":"0.001",)"
        R"("tgtCcy":"base_ccy","clOrdId":"lk{}n{}"}})",
        inst, n % 2 ? "sell" : "buy", ::getpid() % 100000, n);
    const auto r = test::signed_call(port, "POST", "/api/v5/trade/order", body);
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.body.find(R"("sCode":"0")") != std::string::npos);
}

struct sim_fill {
    std::string fill_sz, fee;
};

// The simulator's fills of our orders, straight from its REST answer (not through our parser).
std::map<std::string, sim_fill> sim_fills(std::uint16_t port) {
    const auto r = test::signed_call(port, "GET",
                                     fmt::format("/api/v5/trade/fills?instType=SPOT&instId={}"
                                                 "&limit=100",
                                                 inst));
    REQUIRE(r.status == 200);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(r.body).get(doc) == simdjson::SUCCESS);
    std::map<std::string, sim_fill> out;
    for (auto row : doc["data"].get_array()) {
        const std::string cl(row["clOrdId"].get_string().value());
        if (!cl.starts_with("lk"))
            continue;
        out[std::string(row["tradeId"].get_string().value())] = {
            std::string(row["fillSz"].get_string().value()),
            std::string(row["fee"].get_string().value())};
    }
    return out;
}

} // namespace

TEST_CASE("SIGKILL while the ledger files the simulator's fills: exactly the simulator's fills",
          "[ledger][kill][sim]") {
    namespace fs = std::filesystem;
    test::sim_process sim({"--speed", "1", "--balance", "USDT=100000,BTC=10"});
    const fs::path dir =
        fs::temp_directory_path() / ("ledger-fill-kill-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string file = (dir / "ledger.sqlite").string();
    const std::string log = (dir / "writer.log").string();
    const std::string port = std::to_string(sim.port());

    std::mt19937 rng(7);
    int placed = 0, mid_pass_kills = 0;
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < orders_per_round / 2; ++i)
            place_market(sim.port(), placed++);
        const int before = progress(log).done;
        test::child_process writer({SCALPEL_LEDGER_FILL_SYNC, file, port, inst}, log);
        // New fills arrive while it writes; it is killed somewhere in a later pass.
        REQUIRE(test::wait_until([&] { return progress(log).done >= before + 1; }, 20s));
        for (int i = 0; i < orders_per_round / 2; ++i)
            place_market(sim.port(), placed++);
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
        writer.kill(SIGKILL);
        (void)writer.wait_for(10s);
        mid_pass_kills += progress(log).mid_pass ? 1 : 0;
    }
    // The restart: one pass to the end.
    test::child_process last({SCALPEL_LEDGER_FILL_SYNC, file, port, inst, "--once"}, log);
    const auto st = last.wait_for(30s);
    REQUIRE(st.has_value());
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);

    const auto expected = sim_fills(sim.port());
    auto opened = ledger::ledger::open(file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    CHECK(db.integrity_check() == "ok");
    const auto fills = db.all_fills();
    std::set<std::string> got_ids, want_ids;
    for (const auto& [id, f] : expected)
        want_ids.insert(id);
    for (const auto& f : fills) {
        got_ids.insert(f.trade_id);
        const auto it = expected.find(f.trade_id);
        if (it == expected.end())
            continue;
        INFO(f.trade_id);
        CHECK(f.fill_sz == it->second.fill_sz);
        CHECK(f.fee == it->second.fee);
    }
    CHECK(placed == rounds * orders_per_round);
    CHECK(static_cast<int>(want_ids.size()) >= placed); // every market order filled at least once
    CHECK(fills.size() == expected.size());
    CHECK(got_ids == want_ids);
    CHECK(mid_pass_kills >= 1); // the kills did land while it was writing
    std::cout << fmt::format("ledger fill kill: {} rounds, {} kills mid-pass, {} orders, {} fills "
                             "on the simulator, {} in the ledger, integrity {}\n",
                             rounds, mid_pass_kills, placed, expected.size(), fills.size(),
                             db.integrity_check());
    fs::remove_all(dir);
}

TEST_CASE("the exchange's algo history files our OCOs' outcomes; a fired OCO's fill is an oco fill",
          "[ledger][sim]") {
    namespace fs = std::filesystem;
    test::sim_process sim({"--speed", "1", "--balance", "USDT=100000,BTC=10"});
    const fs::path dir = fs::temp_directory_path() / ("ledger-oco-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string file = (dir / "ledger.sqlite").string();
    const auto post = [&](const std::string& path, const std::string& body) {
        const auto r = path.starts_with("/sim/")
                           ? test::http_call(sim.port(), "POST", path, body)
                           : test::signed_call(sim.port(), "POST", path, body);
        INFO(path << " " << body << " -> " << r.body);
        REQUIRE(r.status == 200);
        return r.body;
    };
    // Two OCOs under ids of ours (tag "lk", the way the bot names them); one is cancelled, the
    // other fires at TP and its child market order sells.
    const auto oco_id = [](std::uint32_t attempt) {
        shm::order_id_parts p;
        p.tag.assign_truncated("lk");
        p.epoch = 12345;
        p.slot = 3;
        p.generation = 1;
        p.what = shm::intent::oco;
        p.attempt = attempt;
        shm::id_string id;
        REQUIRE(shm::make_cl_ord_id(p, id));
        return std::string(id.view());
    };
    const std::string fired_cl = oco_id(0), canceled_cl = oco_id(1);
    post("/sim/price", fmt::format(R"({{"instId":"{}","last":"50000"}})", inst));
    const auto place = [&](const std::string& cl) {
        const auto body = post("/api/v5/trade/order-algo",
                               fmt::format(R"({{"instId":"{}","tdMode":"cash","side":"sell",)"
                                           R"("ordType":"oco","sz":"0.001","tpTriggerPx":"51000",)"
                                           R"("tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1",)"
                                           R"("algoClOrdId":"{}"}})",
                                           inst, cl));
        REQUIRE(body.find(R"("sCode":"0")") != std::string::npos);
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        REQUIRE(parser.parse(body).get(doc) == simdjson::SUCCESS);
        return std::string(doc["data"].at(0)["algoId"].get_string().value());
    };
    const std::string fired_algo = place(fired_cl);
    const std::string canceled_algo = place(canceled_cl);
    post("/api/v5/trade/cancel-algos",
         fmt::format(R"([{{"instId":"{}","algoId":"{}"}}])", inst, canceled_algo));
    post("/sim/price", fmt::format(R"({{"instId":"{}","last":"51500"}})", inst));

    test::child_process once(
        {SCALPEL_LEDGER_FILL_SYNC, file, std::to_string(sim.port()), inst, "--once"},
        (dir / "writer.log").string());
    const auto st = once.wait_for(30s);
    REQUIRE(st.has_value());
    CHECK(WEXITSTATUS(*st) == 0);

    auto opened = ledger::ledger::open(file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    const auto fired = db.order(fired_cl);
    REQUIRE(fired);
    CHECK(fired->kind == "oco");
    CHECK(fired->state == "filled");
    CHECK(fired->ord_id == fired_algo);
    CHECK_FALSE(fired->child_ord_id.empty());
    const auto canceled = db.order(canceled_cl);
    REQUIRE(canceled);
    CHECK(canceled->state == "canceled");
    CHECK(canceled->ord_id == canceled_algo);
    // The child's fill (no clOrdId of ours on it) is known as the OCO's through its ordId.
    const auto child_fills = db.fills_of(fired->child_ord_id);
    REQUIRE(child_fills.size() >= 1);
    std::map<std::string, std::int64_t> by_kind;
    for (const auto& c : db.fills_by_kind())
        by_kind[c.kind] = c.n;
    CHECK(by_kind["oco"] == static_cast<std::int64_t>(child_fills.size()));
    fs::remove_all(dir);
}
