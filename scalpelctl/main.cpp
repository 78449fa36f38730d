// scalpelctl: the operator's control CLI for a running scalpel bot. `scalpelctl --config FILE
// [--json] <command>`: status, halt, resume, exit SYMBOL|SLOT, flatten, trades [--since],
// profit [--day|--week|--month]. Exit codes: 0 done (and, for exit/flatten, confirmed by the
// exchange), 1 failed or not confirmed, 2 config error, 4 no segment / ledger (bot never ran).
// It never prints a secret and never sends an order itself: closes are the guard's.
#include "scalpelctl/commands.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    using namespace scalpel::ctl;
    CLI::App app{"scalpelctl: status, halt/resume, exit one position, flatten, trades, profit"};
    app.require_subcommand(1);
    std::string config_file;
    bool json = false;
    app.add_option("--config", config_file, "The bot's YAML config (deploy/run/scalpel.yaml)")
        ->required();
    app.add_flag("--json", json, "One JSON object instead of text");
    int timeout_s = 60;

    auto* status = app.add_subcommand("status", "Processes, feed, regime, positions, totals");
    auto* halt = app.add_subcommand("halt", "Stop new entries (persists across restarts)");
    auto* resume = app.add_subcommand("resume", "Allow new entries again");
    std::string target;
    auto* exit_cmd = app.add_subcommand("exit", "Close one position at market and cancel its OCO");
    exit_cmd->add_option("target", target, "SYMBOL (BTC-USDT) or slot index")->required();
    exit_cmd->add_option("--timeout", timeout_s, "Seconds to wait for the close")
        ->capture_default_str();
    auto* flatten =
        app.add_subcommand("flatten", "Halt, close every position, cancel every OCO of ours");
    flatten->add_option("--timeout", timeout_s, "Seconds to wait for every close")
        ->capture_default_str();
    std::string since;
    auto* trades = app.add_subcommand("trades", "Closed trades from the ledger");
    trades->add_option("--since", since, "epoch ms, YYYY-MM-DD or 90m/24h/7d (default: today)");
    auto* profit = app.add_subcommand("profit", "Profit per day/week/month and by close reason");
    bool by_week = false, by_month = false, by_day = false;
    profit->add_flag("--day", by_day, "Per UTC day (default)");
    profit->add_flag("--week", by_week, "Per ISO week");
    profit->add_flag("--month", by_month, "Per month");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? exit_ok : exit_config;
    }
    try {
        ctl_context c(config_file, json);
        const auto timeout = std::chrono::seconds(timeout_s);
        if (*status)
            return run_status(c);
        if (*halt)
            return run_halt(c, true);
        if (*resume)
            return run_halt(c, false);
        if (*exit_cmd)
            return run_exit(c, target, timeout);
        if (*flatten)
            return run_flatten(c, timeout);
        if (*trades)
            return run_trades(c, since);
        return run_profit(c, by_month  ? profit_period::month
                             : by_week ? profit_period::week
                                       : profit_period::day);
    } catch (const ctl_error& e) {
        std::fprintf(stderr, "scalpelctl: %s\n", e.what());
        return e.code;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scalpelctl: %s\n", e.what());
        return exit_unconfirmed;
    }
}
