// cli: CLI11 options → data request + run grid → runs → table / JSON / CSV / SVG.
#include "backtest/cli.hpp"

#include "backtest/progress.hpp"
#include "backtest/report.hpp"
#include "backtest/svg_plot.hpp"
#include "common/market_data.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace scalpel::backtest {
namespace {

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "0", "tick" → 0; "5", "5s" → 5; anything else is a usage error.
double parse_cadence(const std::string& text) {
    if (text == "tick" || text == "0")
        return 0;
    std::string num = text;
    if (!num.empty() && num.back() == 's')
        num.pop_back();
    std::size_t used = 0;
    double v = -1;
    try {
        v = std::stod(num, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != num.size() || num.empty() || !(v >= 0) || !std::isfinite(v) || v > 3600)
        throw usage_error("--exit-cadence/--compare: '" + text +
                          "' is not 'tick' or a number of seconds in [0, 3600]");
    return v;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw std::runtime_error("cannot open '" + path + "' for writing");
    out << text;
    out.close();
    if (!out)
        throw std::runtime_error("cannot write '" + path + "'");
}

} // namespace

std::string cadence_label(double cadence_s) {
    if (cadence_s <= 0)
        return "tick";
    return fmt::format("poll {}s", cadence_s == std::floor(cadence_s)
                                       ? fmt::format("{:.0f}", cadence_s)
                                       : fmt::format("{:g}", cadence_s));
}

std::vector<run_config> make_grid(const run_config& base, const std::vector<double>& cadences_s,
                                  const std::vector<double>& sizes,
                                  const std::vector<double>& ph_thresholds) {
    std::vector<std::optional<double>> size_axis, ph_axis;
    for (double s : sizes)
        size_axis.emplace_back(s);
    if (size_axis.empty())
        size_axis.emplace_back(base.order_value_usd);
    for (double p : ph_thresholds)
        ph_axis.emplace_back(p);
    if (ph_axis.empty())
        ph_axis.emplace_back(base.ph_threshold_usd);
    std::vector<run_config> grid;
    for (const auto& size : size_axis)
        for (const auto& ph : ph_axis)
            for (double cadence : cadences_s) {
                run_config c = base;
                c.order_value_usd = size;
                c.ph_threshold_usd = ph;
                c.exit_cadence_s = cadence;
                c.label = cadence_label(cadence);
                if (size)
                    c.label += fmt::format(" ${:g}", *size);
                if (ph)
                    c.label += fmt::format(" ph={:.2f}", *ph);
                grid.push_back(std::move(c));
            }
    return grid;
}

int run_cli(int argc, char** argv) {
    CLI::App app{
        "backtest: replay real OKX/Binance market data through scalpel's strategy and exit code"};
    data_request req;
    run_config base;
    std::string symbols_csv = "BTC-USDT,ETH-USDT", from_text, to_text, ticks_text = "path",
                cadence_text = "tick", compare_text, json_path, csv_path, plot_path;
    std::optional<double> days;
    std::vector<double> sizes, ph_thresholds;
    bool progress_flag = false, timing = false, quiet = false;

    app.add_option("--source", req.source,
                   "candle source: okx_spot_2022 (default) or binance_spot_2023");
    app.add_option("--symbols", symbols_csv,
                   "comma-separated symbols, OKX style (BTC-USDT,ETH-USDT)");
    app.add_option("--from", from_text,
                   "replay start, UTC (2022-01-10, 2022-01-10T08:00 or epoch ms)");
    app.add_option("--to", to_text, "replay end (exclusive), UTC");
    app.add_option("--days", days, "replay length in days when --to is not given (default 30)");
    app.add_option(
        "--ticks", ticks_text,
        "tick source: path (model inside 1m bars) or trades (Binance 2024-08-08 prints)");
    app.add_option("--path-steps", base.path_steps,
                   "intermediate moves per leg of the path model (default 19 → 61 ticks/min)");
    app.add_option("--exit-cadence", cadence_text,
                   "exit decision cadence: 'tick' (guard) or seconds (REST polling)");
    app.add_option("--compare", compare_text,
                   "also run the exit decision every N seconds (e.g. 5) beside per-tick")
        ->expected(0, 1)
        ->default_str("5");
    app.add_option("--sizes", sizes, "fixed order values in USD to sweep, e.g. 70,150")
        ->delimiter(',');
    app.add_option("--ph-thresholds", ph_thresholds,
                   "PH thresholds in USD (net) to sweep, e.g. 0.10,0.20")
        ->delimiter(',');
    app.add_option("--fee", base.exchange.taker_fee, "taker fee rate per leg (default 0.001)");
    app.add_option("--slippage-bps", base.exchange.slippage_bps,
                   "adverse slippage of every market fill, bps (default 0)");
    app.add_option("--balance", base.start_balance_usd, "starting free USDT (default 1000)");
    app.add_option("--base-usd", base.base_holding_usd,
                   "base asset held per symbol at start, in USD (default 500; 0 = no SHORTs)");
    app.add_option("--signal-interval", base.signal_interval_s,
                   "signal cycle in seconds (default 5)");
    app.add_option("--json", json_path, "write the report as JSON");
    app.add_option("--csv", csv_path, "write one CSV row per trade");
    app.add_option("--plot", plot_path, "write an SVG equity + drawdown plot");
    app.add_flag("--progress", progress_flag,
                 "force the progress bar even when stderr is not a terminal");
    app.add_flag("--timing", timing,
                 "add wall time to the table and JSON (breaks byte-identical reports)");
    app.add_flag("--quiet", quiet, "no table on stdout");

    bool compare_given = false;
    std::vector<double> cadences;
    try {
        app.parse(argc, argv);
        compare_given = app.count("--compare") > 0;
        if (compare_given && compare_text.empty())
            compare_text = "5";
        req.symbols.clear();
        std::string cur;
        for (char c : symbols_csv + ",") {
            if (c == ',') {
                if (!cur.empty())
                    req.symbols.push_back(cur);
                cur.clear();
            } else if (c != ' ') {
                cur += c;
            }
        }
        if (req.symbols.empty())
            throw usage_error("--symbols: no symbol given");
        for (std::size_t i = 0; i < req.symbols.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (req.symbols[i] == req.symbols[j])
                    throw usage_error("--symbols: '" + req.symbols[i] + "' given twice");
        if (req.source != "okx_spot_2022" && req.source != "binance_spot_2023")
            throw usage_error("--source: '" + req.source +
                              "' is not okx_spot_2022 or binance_spot_2023");
        if (!from_text.empty()) {
            req.from_ms = parse_utc_time(from_text);
            if (!req.from_ms)
                throw usage_error("--from: '" + from_text +
                                  "' is not a UTC date (YYYY-MM-DD[THH:MM]) or epoch ms");
        }
        if (!to_text.empty()) {
            req.to_ms = parse_utc_time(to_text);
            if (!req.to_ms)
                throw usage_error("--to: '" + to_text +
                                  "' is not a UTC date (YYYY-MM-DD[THH:MM]) or epoch ms");
        }
        if (req.from_ms && req.to_ms && *req.to_ms <= *req.from_ms)
            throw usage_error("--to must be after --from");
        if (days && !(*days > 0 && *days <= 400))
            throw usage_error("--days must be in (0, 400]");
        if (days && req.to_ms)
            throw usage_error("--days and --to are mutually exclusive");
        req.days = days;
        if (ticks_text == "path") {
            req.ticks = tick_source::path;
        } else if (ticks_text == "trades") {
            req.ticks = tick_source::trades;
        } else {
            throw usage_error("--ticks: '" + ticks_text + "' is not 'path' or 'trades'");
        }
        base.ticks = req.ticks;
        if (base.path_steps < 0 || base.path_steps > 1000)
            throw usage_error("--path-steps must be in [0, 1000]");
        for (double s : sizes)
            if (!(s > 0 && s <= 1e7))
                throw usage_error(fmt::format("--sizes: {} is not a positive order value", s));
        for (double p : ph_thresholds)
            if (!(p >= 0 && p <= 1e6))
                throw usage_error(fmt::format("--ph-thresholds: {} is not a threshold >= 0", p));
        if (!(base.exchange.taker_fee >= 0 && base.exchange.taker_fee < 0.1))
            throw usage_error("--fee must be in [0, 0.1)");
        if (!(base.exchange.slippage_bps >= 0 && base.exchange.slippage_bps < 1000))
            throw usage_error("--slippage-bps must be in [0, 1000)");
        if (!(base.start_balance_usd > 0))
            throw usage_error("--balance must be positive");
        if (!(base.base_holding_usd >= 0))
            throw usage_error("--base-usd must be >= 0");
        if (!(base.signal_interval_s >= 1 && base.signal_interval_s <= 3600))
            throw usage_error("--signal-interval must be in [1, 3600] seconds");
        cadences.push_back(parse_cadence(cadence_text));
        if (compare_given) {
            const double other = parse_cadence(compare_text);
            if (other == cadences.front())
                throw usage_error("--compare: cadence equals --exit-cadence");
            cadences.push_back(other);
        }
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "backtest: error: " << e.what() << "\nRun with --help for more information.\n";
        return exit_usage;
    } catch (const usage_error& e) {
        std::cerr << "backtest: error: " << e.what() << "\n";
        return exit_usage;
    }

    market_data_set data;
    try {
        data = load_market(req);
    } catch (const std::invalid_argument& e) {
        std::cerr << "backtest: error: " << e.what() << "\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "backtest: error: cannot load market data: " << e.what() << "\n";
        return exit_data;
    }

    const auto grid = make_grid(base, cadences, sizes, ph_thresholds);
    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t per_run = progress_units(data);
    progress_bar bar(progress_flag || stderr_is_tty(), per_run * grid.size());
    std::vector<run_result> runs;
    try {
        for (std::size_t i = 0; i < grid.size(); ++i) {
            bar.set_label(grid[i].label);
            const std::uint64_t offset = per_run * i;
            runs.push_back(run_backtest(data, grid[i], [&](std::uint64_t done, std::uint64_t) {
                bar.update(offset + done);
            }));
        }
    } catch (const std::exception& e) {
        bar.finish();
        std::cerr << "backtest: error: " << e.what() << "\n";
        return exit_usage;
    }
    bar.finish();

    report_context ctx;
    ctx.source = data.source;
    ctx.symbols = req.symbols;
    ctx.from_ms = data.from_ms;
    ctx.to_ms = data.to_ms;
    ctx.tick_model = req.ticks == tick_source::trades
                         ? "trades"
                         : fmt::format("path(steps={})", base.path_steps);
    if (timing)
        ctx.wall_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    if (!quiet)
        std::cout << format_table(ctx, runs) << std::flush;
    try {
        if (!json_path.empty())
            write_file(json_path, format_json(ctx, runs));
        if (!csv_path.empty())
            write_file(csv_path, format_trades_csv(runs));
        if (!plot_path.empty())
            write_file(plot_path, render_equity_svg(runs, data.from_ms, data.to_ms,
                                                    fmt::format("{} {} .. {} UTC", data.source,
                                                                format_utc_time(data.from_ms),
                                                                format_utc_time(data.to_ms))));
    } catch (const std::exception& e) {
        std::cerr << "backtest: error: " << e.what() << "\n";
        return exit_output;
    }
    return exit_ok;
}

} // namespace scalpel::backtest
