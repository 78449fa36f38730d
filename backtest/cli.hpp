// cli: the `backtest` command line — options, validation with readable errors, the variant grid
// (sizes × PH thresholds × cadences) and the outputs. main() is only `return run_cli(...)`.
// Exit codes: 0 ok, 2 bad arguments/config, 4 data could not be loaded, 5 an output file could
// not be written. It never prints wall-clock values unless --timing is given.
#pragma once

#include "backtest/market.hpp"
#include "backtest/replay.hpp"

#include <optional>
#include <string>
#include <vector>

namespace scalpel::backtest {

inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 2;
inline constexpr int exit_data = 4;
inline constexpr int exit_output = 5;

// Builds the grid: for each size (or the strategy's sizing), each PH threshold (or the regimes'),
// each cadence. Labels name the cadence and whichever dimensions were swept.
[[nodiscard]] std::vector<run_config> make_grid(const run_config& base,
                                                const std::vector<double>& cadences_s,
                                                const std::vector<double>& sizes,
                                                const std::vector<double>& ph_thresholds);

// Label of a cadence: "tick" for 0, else "poll 5s".
[[nodiscard]] std::string cadence_label(double cadence_s);

// Parses and runs. Writes the table to stdout, errors to stderr as "backtest: error: ...".
[[nodiscard]] int run_cli(int argc, char** argv);

} // namespace scalpel::backtest
