// report: turns run results into the summary table (stdout), the JSON report and the trades CSV.
// Output is a pure function of the results and the context: fixed number formats, fixed row
// order, no wall-clock, so the same run gives byte-identical files. Timing figures appear only
// when the caller passes them (--timing).
#pragma once

#include "backtest/replay.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::backtest {

struct summary_row {
    std::string name;
    int trades = 0;
    int wins = 0; // trades with net PnL > 0
    std::array<int, exit_reason_count> exits{};
    std::array<double, exit_reason_count> exit_net{}; // net PnL summed per exit reason
    double gross = 0, fees = 0, net = 0;
    double max_drawdown_usd = 0; // peak-to-trough of the realised equity curve
    double max_drawdown_pct = 0; // ... relative to the peak

    [[nodiscard]] double win_rate() const noexcept { return trades ? 100.0 * wins / trades : 0.0; }
};

struct run_summary {
    summary_row total;
    std::vector<summary_row> per_regime; // TRENDING, RANGING, CHOPPY (always all three)
};

// Aggregates one run. Drawdown rows per regime use that regime's trades alone.
[[nodiscard]] run_summary summarize(const run_result& run);

struct report_context {
    std::string source;
    std::vector<std::string> symbols;
    std::int64_t from_ms = 0, to_ms = 0;
    std::string tick_model;             // "path(steps=19)" or "trades"
    std::optional<double> wall_seconds; // only with --timing
};

// The human table: one row per run, then its per-regime rows indented.
[[nodiscard]] std::string format_table(const report_context& ctx,
                                       const std::vector<run_result>& runs);
// The same content as JSON (stable key order, fixed decimals).
[[nodiscard]] std::string format_json(const report_context& ctx,
                                      const std::vector<run_result>& runs);
// One CSV row per trade of every run; the first column names the run.
[[nodiscard]] std::string format_trades_csv(const std::vector<run_result>& runs);

} // namespace scalpel::backtest
