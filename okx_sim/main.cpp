// okx_sim: the OKX v5 spot exchange simulator executable. Parses the CLI (see README.md), loads
// the market data, and serves REST + WS + /sim control on one loopback port until SIGTERM.
// Config errors exit 2 with a readable message; secrets are never printed.
#include "okx_sim/exchange.hpp"
#include "okx_sim/server.hpp"

#include "common/clock.hpp"
#include "common/final_exit.hpp"
#include "common/log.hpp"
#include "common/market_data.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace {

using namespace scalpel;
using namespace scalpel::sim;

std::map<std::string, amount> parse_balances(const std::string& text) {
    std::map<std::string, amount> out;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos)
            throw std::invalid_argument("--balance wants CCY=AMOUNT[,CCY=AMOUNT], got '" +
                                        std::string(item) + "'");
        const auto a = amount::parse(item.substr(eq + 1));
        if (!a || a->negative())
            throw std::invalid_argument("bad amount in --balance: '" + std::string(item) + "'");
        out[std::string(item.substr(0, eq))] = *a;
    }
    return out;
}

// A replay needs its data: a missing folder is a deploy error (exit 2), never a silent random walk.
void require_data_dir(const market_config& mcfg) {
    if (mcfg.random_walk)
        return;
    const auto dir = market_data_dir() / mcfg.source / "1m";
    if (!std::filesystem::is_directory(dir))
        throw market_data_error("market data folder " + dir.string() +
                                " does not exist (--data-dir / $SCALPEL_DATA_DIR, --source); "
                                "pass --random-walk for synthetic prices");
}

std::string default_run_id() {
    return "sim-" + std::to_string(::getpid()) + "-" + std::to_string(wall_now_ms());
}

int run(int argc, char** argv) {
    CLI::App app{"okx_sim: OKX v5 spot exchange simulator (REST + WS + /sim control on one port)"};
    server_options sopt;
    exchange_config xcfg;
    market_config mcfg;
    std::string data_dir, symbols = "BTC-USDT,ETH-USDT,SOL-USDT", fee = "0.001",
                          maker_fee = "0.0008", balances = "USDT=10000", log_level = "info";
    app.add_option("--host", sopt.host, "Listen address")->capture_default_str();
    app.add_option("--port", sopt.port, "Listen port (0 = any free port)")->capture_default_str();
    app.add_option("--data-dir", data_dir,
                   "Market data folder (default $SCALPEL_DATA_DIR or the built-in path)");
    app.add_option("--source", mcfg.source, "Data source folder under the data dir")
        ->capture_default_str();
    app.add_option("--symbols", symbols, "Comma-separated SPOT pairs")->capture_default_str();
    app.add_option("--speed", xcfg.speed,
                   "Market-time speed-up (60 = one minute of data per second)")
        ->capture_default_str();
    bool no_shift = false;
    app.add_flag("--no-shift", no_shift,
                 "Replay on the data's own dates (default: shift the replay by whole weeks so it "
                 "starts now)");
    app.add_flag("--random-walk", mcfg.random_walk,
                 "Seeded random walk for every symbol instead of the replay");
    app.add_option("--seed", mcfg.seed, "Random-walk seed")->capture_default_str();
    app.add_option("--history-bars", mcfg.history_bars,
                   "1m bars of history before the replay start")
        ->capture_default_str();
    app.add_option("--ticks-per-bar", mcfg.ticks_per_bar, "Ticks generated per 1m bar (>= 4)")
        ->capture_default_str();
    app.add_option("--fee", fee, "Taker fee rate (0.001 = 0.1 %)")->capture_default_str();
    app.add_option("--maker-fee", maker_fee, "Maker fee rate")->capture_default_str();
    app.add_option("--balance", balances, "Starting balances CCY=AMOUNT[,CCY=AMOUNT...]")
        ->capture_default_str();
    app.add_option("--half-spread-ticks", xcfg.half_spread_ticks,
                   "bid/ask = last -/+ this many ticks")
        ->capture_default_str();
    app.add_option("--api-key", xcfg.api_key, "API key clients must send")
        ->envname("OKX_SIM_API_KEY")
        ->capture_default_str();
    app.add_option("--secret", xcfg.secret, "API secret")->envname("OKX_SIM_SECRET");
    app.add_option("--passphrase", xcfg.passphrase, "API passphrase")
        ->envname("OKX_SIM_PASSPHRASE");
    app.add_flag("--rate-limits", xcfg.rate_limits,
                 "Enforce OKX per-endpoint rate limits from the start");
    app.add_option("--ws-idle-ms", xcfg.ws_idle_ms,
                   "Close a WS to which nothing was pushed this long (code 4004)")
        ->capture_default_str();
    app.add_option("--acct-lv", xcfg.acct_lv,
                   "account/config acctLv: 1 Spot, 2 Futures, 3 Multi-currency margin, 4 Portfolio "
                   "margin (SPOT tdMode must then be cash for 1/2, cross for 3/4)")
        ->check(CLI::Range(1, 4))
        ->capture_default_str();
    app.add_option("--key-perm", xcfg.key_perm,
                   "account/config perm of the key; without 'trade' every trade request is "
                   "refused (50120)")
        ->capture_default_str();
    app.add_option("--clock-skew-ms", xcfg.clock_skew_ms,
                   "Run the exchange clock this far ahead (negative: behind) of the host clock")
        ->capture_default_str();
    app.add_flag("--refuse-ws-login", xcfg.refuse_ws_login,
                 "Answer every WS login with 60009 Login failed");
    app.add_option("--uid", xcfg.uid, "Account uid served by /api/v5/account/config")
        ->capture_default_str();
    app.add_option("--run-id", xcfg.run_id,
                   "Identity served on /sim/identity and the X-Sim-Run-Id header (default: "
                   "sim-PID-EPOCHMS); deploy/run.sh passes one and the bot refuses any other");
    app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    scalpel::log::init("okx_sim", log_level);
    try {
        if (!data_dir.empty())
            ::setenv("SCALPEL_DATA_DIR", data_dir.c_str(), 1); // before any thread exists
        if (xcfg.run_id.empty())
            xcfg.run_id = default_run_id();
        require_data_dir(mcfg);
        if (xcfg.speed <= 0)
            throw std::invalid_argument("--speed must be positive");
        if (xcfg.half_spread_ticks < 0)
            throw std::invalid_argument("--half-spread-ticks must be >= 0");
        engine_config ecfg;
        const auto t = amount::parse(fee), m = amount::parse(maker_fee);
        if (!t || !m || t->negative() || m->negative())
            throw std::invalid_argument("--fee/--maker-fee must be decimals like 0.001");
        ecfg.taker_fee = *t;
        ecfg.maker_fee = *m;
        ecfg.balances = parse_balances(balances);
        ecfg.acct_lv = xcfg.acct_lv;
        auto insts = parse_symbols(symbols);
        mcfg.walk_end_ms = wall_now_ms();
        if (!no_shift)
            mcfg.align_start_ms = mcfg.walk_end_ms;
        market mkt(insts, mcfg);
        for (std::size_t i = 0; i < mkt.size(); ++i)
            spdlog::info("{}", mkt.describe(i));
        spdlog::info("run id {}", xcfg.run_id);
        spdlog::info("api key {}, speed {}x, fee {} / maker {}, time shift {} days",
                     scalpel::log::redact(xcfg.api_key), xcfg.speed, fee, maker_fee,
                     mkt.time_shift_ms() / 86'400'000);
        // Real-time mode: start the market clock at the wall clock (not at the minute the feed
        // starts): back-date the monotonic origin by the lead, in real time at this speed.
        std::int64_t lead_ns = 0;
        if (!no_shift)
            lead_ns = static_cast<std::int64_t>(
                static_cast<double>(std::max<std::int64_t>(0, wall_now_ms() - mkt.start_ms())) *
                1e6 / xcfg.speed);
        exchange ex(std::move(mkt), engine(insts, ecfg), xcfg, monotonic_now_ns() - lead_ns);
        return run_server(ex, sopt);
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "okx_sim: config error: %s\n", e.what());
        return 2;
    } catch (const market_data_error& e) {
        std::fprintf(stderr, "okx_sim: market data error: %s\n", e.what());
        return 2;
    } catch (const port_in_use& e) {
        std::fprintf(stderr, "okx_sim: config error: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "okx_sim: %s\n", e.what());
        return 1;
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    return scalpel::final_exit(run(argc, argv), started);
}
