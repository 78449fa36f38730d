// scalpel_exporter against a real segment: a guard-role test process publishes a price, opens a
// position, records close latencies and halts; the exporter (a real child process on a free
// loopback port) serves /metrics, which must pass `promtool check metrics` and show those values;
// plus orders by kind/outcome and fills by kind from the ledger, read while the writer keeps
// writing (a read-only WAL reader never blocks it).
#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <fstream>
#include <sys/wait.h>

using namespace scalpel;
using namespace std::chrono_literals;

TEST_CASE("exporter /metrics is promtool-clean and shows the segment", "[unit][shm]") {
    test::temp_dir dir;
    const std::string name = test::unique_name("operator.exporter");
    shm::segment::remove(name);
    shm::open_options o;
    o.rundir = dir.path();
    o.populate = false;
    auto opened = shm::segment::create_or_attach(name, shm::role::guard, o);
    REQUIRE(opened.ok());
    auto& seg = *opened.seg;
    seg.heartbeat();
    seg.set_status(shm::process_status::running);
    const auto idx = seg.register_symbol("BTC-USDT");
    REQUIRE(idx.ok);
    shm::quote q;
    q.last = 50100;
    q.bid = 50099;
    q.ask = 50101;
    q.receive_ns = monotonic_now_ns();
    seg.publish_price(idx.index, q);
    shm::position p;
    p.symbol.assign_truncated("BTC-USDT");
    p.pos_side = side::long_side;
    p.size = 0.002;
    p.entry_price = 50000;
    p.entry_fee_usd = 0.1;
    p.entry_time_ms = wall_now_ms();
    const auto r = seg.reserve_slot(p);
    REQUIRE(seg.publish_open(r.ref, p) == shm::slot_result::ok);
    for (const mono_ns ns : {20'000, 35'000, 900'000})
        seg.record_latency(ns);
    REQUIRE(seg.set_halted(true));

    // The ledger signal_proc would have written: a refused entry, a filled entry, a fired OCO
    // (its child's fill), a filled WS close; and a hand trade's fill.
    auto writer = ledger::ledger::open(dir.path() + "/" + std::string(ledger::default_file_name));
    REQUIRE(writer.db);
    auto& db = *writer.db;
    const auto order = [&](std::string cl, std::string kind, std::string state, std::string code,
                           std::string child = {}) {
        REQUIRE(db.record_order({cl, "", "BTC-USDT", "buy", kind, "market", "", "0.002", state,
                                 code, 1, 1, "rest", child})
                    .ok());
    };
    order("e1", "entry", "refused", "51008");
    order("e2", "entry", "filled", "");
    order("o2", "oco", "filled", "", "child2");
    order("c3", "close", "filled", "");
    REQUIRE(
        db.record_fill({"t1", "ord2", "e2", "BTC-USDT", "buy", "50000", "0.002", "-0.1", "USDT", 2})
            .ok());
    REQUIRE(db.record_fill(
                  {"t2", "child2", "", "BTC-USDT", "sell", "50100", "0.002", "-0.1", "USDT", 3})
                .ok());
    REQUIRE(
        db.record_fill({"t3", "hand", "", "BTC-USDT", "sell", "50100", "0.001", "-0.05", "USDT", 4})
            .ok());

    const std::string config = dir.path() + "/scalpel.yaml";
    std::ofstream(config) << fmt::format("segment:\n  name: {}\n  run_dir: {}\n", name, dir.path());
    const auto port = test::free_tcp_port();
    test::child_process exporter({std::string(SCALPEL_BINARY_DIR) + "/exporter/scalpel_exporter",
                                  "--config", config, "--port", std::to_string(port)},
                                 dir.path() + "/exporter.log");
    test::http_response m;
    REQUIRE(test::wait_until(
        [&] {
            m = test::http_request(port, "GET", "/metrics");
            return m.status == 200;
        },
        10s));
    INFO(m.body);
    CHECK(m.body.find("scalpel_up 1\n") != std::string::npos);
    CHECK(m.body.find("scalpel_halted 1\n") != std::string::npos);
    CHECK(m.body.find("scalpel_positions_open 1\n") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_process_alive{role="guard"} 1)") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_feed_age_seconds{symbol="BTC-USDT"})") != std::string::npos);
    // (50100 − 50000)·0.002 − 0.1 entry fee − 0.001·50100·0.002 exit fee = −0.0002
    CHECK(m.body.find(R"(scalpel_position_unrealised_net_usd{slot="0",symbol="BTC-USDT",)"
                      R"(side="LONG"} -0.000200000)") != std::string::npos);
    CHECK(m.body.find("scalpel_guard_tick_to_order_seconds_count 3\n") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_guard_tick_to_order_seconds_bucket{le="5e-05"} 2)") !=
          std::string::npos);
    CHECK(m.body.find(R"(scalpel_closes_total{reason="manual"} 0)") != std::string::npos);
    CHECK(m.body.find("scalpel_ledger_up 1\n") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_orders_total{kind="entry",outcome="refused"} 1)") !=
          std::string::npos);
    CHECK(m.body.find(R"(scalpel_orders_total{kind="entry",outcome="filled"} 1)") !=
          std::string::npos);
    CHECK(m.body.find(R"(scalpel_orders_total{kind="oco",outcome="filled"} 1)") !=
          std::string::npos);
    CHECK(m.body.find(R"(scalpel_fills_total{kind="entry"} 1)") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_fills_total{kind="oco"} 1)") != std::string::npos);
    CHECK(m.body.find(R"(scalpel_fills_total{kind="other"} 1)") != std::string::npos);

    const std::string file = dir.path() + "/metrics.txt";
    std::ofstream(file) << m.body;
    const auto check = test::run_capture(
        {"/bin/sh", "-c", std::string(SCALPEL_PROMTOOL) + " check metrics < " + file});
    INFO(check.output);
    CHECK(check.exit_code == 0);

    // The writer goes on writing with the exporter holding the file; the next scrape sees it.
    order("c4", "close", "filled", "");
    order("e1", "entry", "refused", "51008"); // an upsert, not a second order
    const auto again = test::http_request(port, "GET", "/metrics");
    CHECK(again.body.find(R"(scalpel_orders_total{kind="close",outcome="filled"} 2)") !=
          std::string::npos);
    CHECK(again.body.find(R"(scalpel_orders_total{kind="entry",outcome="refused"} 1)") !=
          std::string::npos);

    CHECK(test::http_request(port, "GET", "/").status == 404);
    exporter.kill(SIGTERM);
    const auto st = exporter.wait_for(10s);
    REQUIRE(st.has_value());
    CHECK(WIFEXITED(*st));
    CHECK(WEXITSTATUS(*st) == 0);
    shm::segment::remove(name);
}
