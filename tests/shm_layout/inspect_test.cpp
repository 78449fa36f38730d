// shm_inspect as a real binary: against a populated segment (text and --json, parsed with
// simdjson), its exit codes for a missing segment and a foreign version, and while a live
// process hangs holding the mutex (it must neither block nor lock).
#include "shm_layout/segment.hpp"
#include "tests/shm_layout/test_util.hpp"
#include "tests/support/child_process.hpp"

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace scalpel;
using namespace scalpel::shm;
using scalpel::test::run_capture;
using namespace std::chrono_literals;

namespace {

void populate(const testing::temp_segment& ts) {
    const auto r =
        run_capture({testing::shm_child_path(), "populate", ts.name, ts.dir.path()}, 20s);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
}

std::string json_part(const std::string& out) {
    const auto b = out.find('{');
    return b == std::string::npos ? std::string{} : out.substr(b);
}

} // namespace

TEST_CASE("shm_inspect prints a populated segment as text", "[shm]") {
    testing::temp_segment ts;
    populate(ts);
    const auto r = run_capture(
        {testing::shm_inspect_path(), "--name", ts.name, "--rundir", ts.dir.path(), "--once"}, 20s);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto& o = r.output;
    CHECK(o.find("version " + std::to_string(layout_version)) != std::string::npos);
    CHECK(o.find("signal stopped") != std::string::npos);
    CHECK(o.find("guard  absent") != std::string::npos);
    CHECK(o.find("mutex: free") != std::string::npos);
    CHECK(o.find("regime TRENDING") != std::string::npos);
    CHECK(o.find("BTC-USDT") != std::string::npos);
    CHECK(o.find("last 50100") != std::string::npos);
    CHECK(o.find("open    gen 3 BTC-USDT LONG") != std::string::npos);
    CHECK(o.find("closing gen 1 ETH-USDT SHORT") != std::string::npos);
    CHECK(o.find("opening gen 1 XRP-USDT") != std::string::npos);
    CHECK(o.find("signal#1 (dead: stealable)") != std::string::npos);
    CHECK(o.find("attempts e1 o0 c1  (close sent ") != std::string::npos); // ETH's close
    CHECK(o.find("journal (2 closed trades") != std::string::npos);
    CHECK(o.find("order log (1 guard order outcomes") != std::string::npos);
    CHECK(o.find("popc0001 ETH-USDT close buy refused sz 0.5 rest sCode 51008") !=
          std::string::npos);
    CHECK(o.find("SOL-USDT LONG ph") != std::string::npos);
    CHECK(o.find("ticks=12345") != std::string::npos);
    CHECK(o.find("ATR 120.5") != std::string::npos);
    CHECK(o.find("claim signal#1 (dead: stealable) for manual") != std::string::npos);
    CHECK(o.find("tick→order latency: no close orders recorded") != std::string::npos);
    CHECK(o.find("reconciliation: never (identity not recorded)") != std::string::npos);
    CHECK(o.find("feeds: ") != std::string::npos);
}

TEST_CASE("shm_inspect --json is one parsable object with every block", "[shm]") {
    testing::temp_segment ts;
    populate(ts);
    const auto r = run_capture(
        {testing::shm_inspect_path(), "--name", ts.name, "--rundir", ts.dir.path(), "--json"}, 20s);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(json_part(r.output)).get(doc) == simdjson::SUCCESS);

    CHECK(doc["header"]["version"].get_uint64().value() == layout_version);
    CHECK(doc["header"]["init"].get_string().value() == "ready");
    CHECK(doc["header"]["mode"].get_string().value() == "0600");
    CHECK(doc["mutex"]["held"].get_bool().value() == false);
    CHECK(doc["params"]["regime"].get_string().value() == "TRENDING");
    CHECK(doc["params"]["ph_threshold_usd"].get_double().value() == 0.35);
    CHECK(doc["params"]["taker_fee_rate"].get_double().value() == 0.001);

    std::size_t procs = 0;
    for (auto p : doc["processes"].get_array()) {
        ++procs;
        if (p["role"].get_string().value() == "signal") {
            CHECK(p["verdict"].get_string().value() == "stopped");
            CHECK(p["incarnation"].get_uint64().value() == 1);
        }
    }
    CHECK(procs == 3);

    std::size_t prices = 0;
    for (auto p : doc["prices"].get_array()) {
        ++prices;
        CHECK(p["status"].get_string().value() == "ok");
    }
    CHECK(prices == 2);
    CHECK(doc["reconcile"]["reconciled_ms"].get_int64().value() == 0);
    CHECK(doc["reconcile"]["uid"].get_string().value().empty());
    std::size_t feeds = 0;
    for (auto f : doc["reconcile"]["feeds"].get_object()) {
        ++feeds;
        CHECK(f.value.get_string().value() == "unknown");
    }
    CHECK(feeds == 2);

    std::size_t slots = 0;
    bool saw_btc = false, saw_eth = false;
    for (auto s : doc["slots"].get_array()) {
        ++slots;
        const std::string_view sym = s["symbol"].get_string().value();
        if (sym == "BTC-USDT") {
            saw_btc = true;
            CHECK(s["state"].get_string().value() == "open");
            CHECK(s["side"].get_string().value() == "LONG");
            // (50100 − 50000)·0.002 − 0.1 − 0.001·50100·0.002
            CHECK(s["net_pnl_usd"].get_double().value() == Approx(0.2 - 0.1 - 0.1002));
            CHECK(s["oco_algo_id"].get_string().value() == "712345678901234567");
            CHECK(s["closing_owner"].get_string().value() == "none");
            CHECK(s["atr"].get_double().value() == 120.5);
            CHECK(s["pending_reason"].get_string().value() == "none");
        }
        if (sym == "ETH-USDT") {
            saw_eth = true;
            CHECK(s["state"].get_string().value() == "closing");
            CHECK(s["side"].get_string().value() == "SHORT");
            // (3000 − 2990)·0.05 − 0.1 − 0.001·2990·0.05
            CHECK(s["net_pnl_usd"].get_double().value() == Approx(0.5 - 0.1 - 0.1495));
            CHECK(s["close_attempts"].get_uint64().value() == 1);
            CHECK(s["close_sent_age_ms"].get_int64().value() >= 0); // stamped by next_attempt
            CHECK(s["oco_sent_age_ms"].get_int64().value() == -1);  // none sent
            CHECK(s["pending_reason"].get_string().value() == "manual");
            CHECK(s["atr"].get_double().value() == 120.5);
        }
    }
    CHECK(slots == 3);
    CHECK(saw_btc);
    CHECK(saw_eth);

    CHECK(doc["journal"]["head"].get_uint64().value() == 2);
    CHECK(doc["order_log"]["head"].get_uint64().value() == 1);
    for (auto n : doc["order_log"]["notes"].get_array()) {
        CHECK(n["cl_ord_id"].get_string().value() == "popc0001");
        CHECK(n["outcome"].get_string().value() == "refused");
        CHECK(n["error_code"].get_int64().value() == 51008);
        CHECK(n["side"].get_string().value() == "buy");
    }
    std::size_t recs = 0;
    for (auto j : doc["journal"]["records"].get_array()) {
        ++recs;
        CHECK(j["symbol"].get_string().value() == "SOL-USDT");
    }
    CHECK(recs == 2);
    CHECK(doc["counters"]["signal"]["ticks"].get_uint64().value() == 12345);
    CHECK(doc["counters"]["signal"]["ph_closes"].get_uint64().value() == 2); // 1 recorded + 1 added
    CHECK(doc["counters"]["signal"]["sl_closes"].get_uint64().value() == 1);
    CHECK(doc["latency"]["count"].get_uint64().value() == 0);
    CHECK(doc["latency"]["p99_ns"].get_uint64().value() == 0);
}

TEST_CASE("shm_inspect shows the guard's tick→order latency (text and --json)", "[shm]") {
    testing::temp_segment ts;
    populate(ts);
    // The hand distribution of latency_test.cpp, written by a real guard-role process:
    // 900 × 100 ns, 90 × 1 µs, 9 × 10 µs, 1 × 1 ms → p50 103, p99 1023, p99.9 10239, max 1e6, mean
    // 1270.
    const auto rec =
        run_capture({testing::shm_child_path(), "record-latency", ts.name, ts.dir.path(), "100",
                     "900", "1000", "90", "10000", "9", "1000000", "1"},
                    20s);
    INFO(rec.output);
    REQUIRE(rec.exit_code == 0);
    const auto r = run_capture(
        {testing::shm_inspect_path(), "--name", ts.name, "--rundir", ts.dir.path()}, 20s);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.output.find("tick→order latency (1000 orders, frame receive → order to socket):\n"
                      "  p50 103 ns  p99 1023 ns  p99.9 10239 ns  max 1000000 ns  mean 1270 ns") !=
        std::string::npos);
    const auto j = run_capture({testing::shm_inspect_path(), "--name", ts.name, "--json"}, 20s);
    REQUIRE(j.exit_code == 0);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(json_part(j.output)).get(doc) == simdjson::SUCCESS);
    const auto lat = doc["latency"];
    CHECK(lat["count"].get_uint64().value() == 1000);
    CHECK(lat["p50_ns"].get_uint64().value() == 103);
    CHECK(lat["p99_ns"].get_uint64().value() == 1023);
    CHECK(lat["p999_ns"].get_uint64().value() == 10239);
    CHECK(lat["max_ns"].get_uint64().value() == 1'000'000);
    CHECK(lat["mean_ns"].get_uint64().value() == 1270);
}

TEST_CASE("shm_inspect exit codes: 4 for no segment, 3 for a foreign version (header printed)",
          "[shm]") {
    testing::temp_segment ts;
    const auto missing = run_capture({testing::shm_inspect_path(), "--name", ts.name}, 20s);
    CHECK(missing.exit_code == 4);

    const int fd = ::shm_open(("/" + ts.name).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    REQUIRE(fd >= 0);
    std::vector<unsigned char> bytes(4096, 0);
    const std::uint64_t magic = segment_magic;
    const std::uint32_t version = 77, ready = 2;
    std::memcpy(bytes.data(), &magic, 8);
    std::memcpy(bytes.data() + 8, &version, 4);
    std::memcpy(bytes.data() + 24, &ready, 4);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == 4096);
    ::close(fd);
    const auto foreign = run_capture({testing::shm_inspect_path(), "--name", ts.name}, 20s);
    INFO(foreign.output);
    CHECK(foreign.exit_code == 3);
    CHECK(foreign.output.find("version 77 (this build " + std::to_string(layout_version) + ")") !=
          std::string::npos);
    const auto fj = run_capture({testing::shm_inspect_path(), "--name", ts.name, "--json"}, 20s);
    CHECK(fj.exit_code == 3);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE(parser.parse(json_part(fj.output)).get(doc) == simdjson::SUCCESS);
    CHECK(doc["error"].get_string().value() == "version_mismatch");
    CHECK(doc["header"]["version"].get_uint64().value() == 77);
}

TEST_CASE("shm_inspect works while a live process hangs holding the mutex", "[shm][kill]") {
    testing::temp_segment ts;
    populate(ts);
    scalpel::test::child_process hung(
        {testing::shm_child_path(), "lock-and-hang", ts.name, ts.dir.path(), "plain"},
        ts.dir.path() + "/child.log");
    auto ro = segment::attach_read_only(ts.name, ts.options());
    REQUIRE(ro.ok());
    REQUIRE(scalpel::test::wait_until([&] { return ro.seg->mutex_info().holder.held; }, 5000ms));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_capture(
        {testing::shm_inspect_path(), "--name", ts.name, "--rundir", ts.dir.path()}, 20s);
    const auto took =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("mutex: held by guard (pid " + std::to_string(hung.pid()) + ")") !=
          std::string::npos);
    CHECK(r.output.find("guard  alive") != std::string::npos);
    CHECK(r.output.find("BTC-USDT") != std::string::npos);
    CHECK(took < 10'000);
    CHECK(hung.running()); // inspect neither blocked on nor disturbed the holder
}
