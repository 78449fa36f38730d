// scalpel-preflight, the REAL binary against the REAL okx_sim standing in for OKX (target okx-demo
// on a loopback URL under the test override SCALPEL_ALLOW_INSECURE_EXCHANGE_URL=1): every check
// passes on a healthy account, including the demo round trip (buy, OCO, cancel, sell, all seen in
// the simulator's order log), and each failure is a FAIL row with its reason and exit 1: wrong
// passphrase, clock skew, read-only key, unknown symbol, too little balance, refused WS login.
// A config error is exit 2.
#include "tests/okx_sim/sim_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include "shm_layout/segment.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace scalpel;
using scalpel::test::run_capture;
using scalpel::test::sim_process;

namespace {

const std::string preflight_bin =
    std::string(SCALPEL_BINARY_DIR) + "/signal_proc/scalpel-preflight";

struct keys_env {
    explicit keys_env(const std::string& pass = test::sim_pass) {
        ::setenv("SCALPEL_OKX_API_KEY", test::sim_key.c_str(), 1);
        ::setenv("SCALPEL_OKX_SECRET", test::sim_secret.c_str(), 1);
        ::setenv("SCALPEL_OKX_PASSPHRASE", pass.c_str(), 1);
        ::setenv("SCALPEL_ALLOW_INSECURE_EXCHANGE_URL", "1", 1);
    }
    ~keys_env() {
        for (const char* k : {"SCALPEL_OKX_API_KEY", "SCALPEL_OKX_SECRET", "SCALPEL_OKX_PASSPHRASE",
                              "SCALPEL_ALLOW_INSECURE_EXCHANGE_URL"})
            ::unsetenv(k);
    }
};

std::string write_config(std::uint16_t port, const std::string& symbols = "[BTC-USDT, ETH-USDT]") {
    const std::string path = "/tmp/" + test::unique_name("okxreal_preflight") + ".yaml";
    std::ofstream out(path);
    out << "account: pf\nsymbols: " << symbols << "\nexchange:\n  target: okx-demo\n"
        << "  rest_url: http://127.0.0.1:" << port << "\n  ws_url: ws://127.0.0.1:" << port
        << "/ws/v5\n  request_timeout_s: 2\n";
    return path;
}

test::run_result preflight(const std::string& config) {
    return run_capture({preflight_bin, "--config", config}, std::chrono::seconds(60));
}

// The table line of check `name`, "" when absent.
std::string row(const std::string& out, const std::string& name) {
    std::size_t at = 0;
    while ((at = out.find(name, at)) != std::string::npos) {
        const auto start = out.rfind('\n', at);
        const auto line_start = start == std::string::npos ? 0 : start + 1;
        const auto end = out.find('\n', at);
        const std::string line = out.substr(line_start, end - line_start);
        if (line.rfind("PASS", 0) == 0 || line.rfind("FAIL", 0) == 0)
            return line;
        at += name.size();
    }
    return {};
}

} // namespace

TEST_CASE("preflight: every check passes on a healthy demo account, round trip included", "[sim]") {
    sim_process sim({"--speed", "1"});
    keys_env env;
    const auto r = preflight(write_config(sim.port()));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(r.output.find("INSECURE-EXCHANGE-URL") != std::string::npos); // the override is shown
    CHECK(r.output.find(test::sim_secret) == std::string::npos);
    CHECK(r.output.find(test::sim_pass) == std::string::npos);
    for (const char* name :
         {"clock", "key", "account mode", "instrument BTC-USDT", "instrument ETH-USDT", "balance",
          "ws login private", "ws login business", "demo round trip"})
        CHECK(row(r.output, name).rfind("PASS", 0) == 0);
    CHECK(row(r.output, "instrument BTC-USDT").find("instIdCode 100001") != std::string::npos);
    CHECK(row(r.output, "account mode").find("tdMode cash") != std::string::npos);
    // The round trip really happened: buy, OCO placed and canceled, sell, all accepted.
    const auto log = test::http_call(sim.port(), "GET", "/sim/orders").body;
    CHECK(log.find("\"kind\":\"place_algo\"") != std::string::npos);
    CHECK(log.find("\"kind\":\"cancel_algo\"") != std::string::npos);
    CHECK(log.find("\"side\":\"sell\"") != std::string::npos);
}

TEST_CASE("preflight: a multi-currency margin account trades SPOT with tdMode cross", "[sim]") {
    sim_process sim({"--speed", "1", "--acct-lv", "3"});
    keys_env env;
    const auto r = preflight(write_config(sim.port(), "[BTC-USDT]"));
    INFO(r.output);
    CHECK(r.exit_code == 0);
    CHECK(row(r.output, "account mode").find("tdMode cross") != std::string::npos);
    CHECK(row(r.output, "demo round trip").rfind("PASS", 0) == 0);
}

TEST_CASE("preflight: each failure is a FAIL row with its reason and exit 1", "[sim]") {
    struct scenario {
        const char* what;
        std::vector<std::string> sim_args;
        std::string pass;
        std::string symbols;
        const char* failing_row;
        const char* reason;
    };
    const std::vector<scenario> cases = {
        {"wrong passphrase", {}, "wrong-pass", "[BTC-USDT]", "key", "50105"},
        {"clock skew",
         {"--clock-skew-ms", "8000"},
         test::sim_pass,
         "[BTC-USDT]",
         "clock",
         "from ours"},
        {"read-only key",
         {"--key-perm", "read_only"},
         test::sim_pass,
         "[BTC-USDT]",
         "key",
         "cannot trade"},
        {"unknown symbol",
         {},
         test::sim_pass,
         "[BTC-USDT, ADA-USDT]",
         "instrument ADA-USDT",
         "not listed"},
        {"too little balance",
         {"--balance", "USDT=20"},
         test::sim_pass,
         "[BTC-USDT]",
         "balance",
         "too little"},
        {"refused WS login",
         {"--refuse-ws-login"},
         test::sim_pass,
         "[BTC-USDT]",
         "ws login private",
         "60009"},
    };
    for (const auto& c : cases) {
        SECTION(c.what) {
            auto args = c.sim_args;
            args.insert(args.end(), {"--speed", "1"});
            sim_process sim(args);
            keys_env env(c.pass);
            const auto r = preflight(write_config(sim.port(), c.symbols));
            INFO(r.output);
            CHECK(r.exit_code == 1);
            const auto line = row(r.output, c.failing_row);
            CHECK(line.rfind("FAIL", 0) == 0);
            CHECK(line.find(c.reason) != std::string::npos);
            CHECK(r.output.find("wrong-pass") == std::string::npos);
        }
    }
}

TEST_CASE("preflight: a config error is exit 2 (okx target on a loopback URL, no override)",
          "[sim]") {
    sim_process sim;
    keys_env env;
    ::unsetenv("SCALPEL_ALLOW_INSECURE_EXCHANGE_URL");
    const auto r = preflight(write_config(sim.port()));
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("exchange.rest_url") != std::string::npos);
}

// Both processes refuse to start on a symbol public/instruments does not list: exit 2 and the
// list of bad symbols (a typo must not leave a symbol silently unguarded).
TEST_CASE("unknown symbols: signal_proc and guard_proc exit 2 naming them", "[sim]") {
    sim_process sim({"--speed", "1"});
    const std::string seg = test::unique_name("okxreal.badsym");
    const std::string path = "/tmp/" + seg + ".yaml";
    {
        std::ofstream out(path);
        out << "account: badsym\nsymbols: [BTC-USDT, ADA-USDT, XRP-USDT]\nexchange:\n"
            << "  target: sim\n  rest_url: http://127.0.0.1:" << sim.port()
            << "\n  ws_url: ws://127.0.0.1:" << sim.port() << "/ws/v5\nsegment:\n  name: " << seg
            << "\n  run_dir: /tmp\n  account_tag: bad\n";
    }
    for (const char* bin : {"/guard_proc/guard_proc", "/signal_proc/signal_proc"}) {
        const auto r = run_capture({std::string(SCALPEL_BINARY_DIR) + bin, "--config", path},
                                   std::chrono::seconds(60));
        INFO(bin << "\n" << r.output);
        CHECK(r.exit_code == 2);
        CHECK(r.output.find("ADA-USDT, XRP-USDT") != std::string::npos);
    }
    shm::segment::remove(seg);
}
