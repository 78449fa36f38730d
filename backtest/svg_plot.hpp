// svg_plot: a self-contained SVG (no scripts, no external fonts or files) with the realised
// equity curve of every run on top and its drawdown below, shared time axis, labelled axes and
// a legend. One colour per run, in run order. Deterministic text for deterministic input.
#pragma once

#include "backtest/replay.hpp"

#include <string>
#include <vector>

namespace scalpel::backtest {

// Renders the runs over [from_ms, to_ms]. Runs without trades draw a flat line.
[[nodiscard]] std::string render_equity_svg(const std::vector<run_result>& runs,
                                            std::int64_t from_ms, std::int64_t to_ms,
                                            const std::string& title);

} // namespace scalpel::backtest
