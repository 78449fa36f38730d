// Runs the real `backtest` binary: byte-identical JSON on a repeated run, sweep-grid rows equal
// to the same configurations run alone, and clear refusals of bad arguments (exit code 2).
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string binary = std::string(SCALPEL_BINARY_DIR) + "/backtest/backtest";
// Two days of OKX 1m after a day of warm-up history, few path steps: well under a second a run.
const std::vector<std::string> window = {"--from", "2022-01-12",   "--days",
                                         "2",      "--path-steps", "5"};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

scalpel::test::run_result run(std::vector<std::string> args) {
    args.insert(args.begin(), binary);
    return scalpel::test::run_capture(args, std::chrono::seconds(120));
}

// The text of the run object labelled `label` in a report, from its label to its closing brace.
std::string run_block(const std::string& json, const std::string& label) {
    const auto at = json.find("\"label\": \"" + label + "\"");
    if (at == std::string::npos)
        return {};
    const auto end = json.find("\n    }", at);
    return json.substr(at, end - at);
}

} // namespace

TEST_CASE("backtest CLI: the same input and config give a byte-identical JSON report", "[unit]") {
    scalpel::test::temp_dir dir;
    const std::string a = dir.path() + "/a.json", b = dir.path() + "/b.json";
    auto args = window;
    args.insert(args.end(), {"--compare", "--quiet", "--json"});
    auto first = args, second = args;
    first.push_back(a);
    second.push_back(b);
    const auto r1 = run(first);
    const auto r2 = run(second);
    INFO(r1.output);
    REQUIRE(r1.exit_code == 0);
    REQUIRE(r2.exit_code == 0);
    const std::string ja = slurp(a), jb = slurp(b);
    CHECK(ja.size() > 500);
    CHECK(ja == jb);
    CHECK(ja.find("\"label\": \"tick\"") != std::string::npos);
    CHECK(ja.find("\"label\": \"poll 5s\"") != std::string::npos);
}

TEST_CASE("backtest CLI: every sweep-grid row equals the same configuration run alone", "[unit]") {
    scalpel::test::temp_dir dir;
    const std::string grid_json = dir.path() + "/grid.json";
    auto args = window;
    args.insert(args.end(), {"--sizes", "70,150", "--ph-thresholds", "0.10,0.35", "--compare",
                             "--quiet", "--json", grid_json});
    const auto g = run(args);
    INFO(g.output);
    REQUIRE(g.exit_code == 0);
    const std::string grid = slurp(grid_json);
    int rows = 0;
    for (const char* size : {"70", "150"})
        for (const char* ph : {"0.10", "0.35"})
            for (const char* cadence : {"tick", "5"}) {
                const std::string single_json = dir.path() + "/single.json";
                auto one = window;
                one.insert(one.end(), {"--sizes", size, "--ph-thresholds", ph, "--exit-cadence",
                                       cadence, "--quiet", "--json", single_json});
                const auto s = run(one);
                REQUIRE(s.exit_code == 0);
                const std::string label =
                    std::string(cadence == std::string("tick") ? "tick" : "poll 5s") + " $" + size +
                    " ph=" + ph;
                const std::string from_grid = run_block(grid, label);
                INFO(label);
                REQUIRE_FALSE(from_grid.empty());
                CHECK(from_grid == run_block(slurp(single_json), label));
                ++rows;
            }
    CHECK(rows == 8);
}

TEST_CASE("backtest CLI: bad arguments are refused with a clear message and exit code 2",
          "[unit]") {
    struct bad_case {
        std::vector<std::string> args;
        std::string expect; // a fragment of the message
    };
    const std::vector<bad_case> cases = {
        {{"--source", "kraken_2019"},
         "--source: 'kraken_2019' is not okx_spot_2022 or binance_spot_2023"},
        {{"--sizes", "70,-5"}, "--sizes: -5 is not a positive order value"},
        {{"--exit-cadence", "fast"}, "'fast' is not 'tick' or a number of seconds"},
        {{"--from", "2022-13-01"}, "--from: '2022-13-01' is not a UTC date"},
        {{"--days", "0"}, "--days must be in (0, 400]"},
        {{"--ticks", "magic"}, "--ticks: 'magic' is not 'path' or 'trades'"},
        {{"--no-such-flag"}, "--no-such-flag"},
        {{"--symbols", "BTC-USDT,BTC-USDT"}, "'BTC-USDT' given twice"},
        {{"--from", "2023-06-01"}, "empty replay window"},
    };
    for (const auto& c : cases) {
        const auto r = run(c.args);
        INFO(c.args.front() << " → " << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find("backtest: error:") != std::string::npos);
        CHECK(r.output.find(c.expect) != std::string::npos);
    }
    const auto missing = run({"--symbols", "XRP-USDT"}); // no OKX XRP file
    CHECK(missing.exit_code == 4);
    CHECK(missing.output.find("no candle file") != std::string::npos);
}
