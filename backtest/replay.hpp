// replay: drives one backtest run. Ticks from the path model (or real trades) play in time
// order across symbols; at each tick the exchange checks the OCO legs, the guard's exit decision
// runs at the configured cadence (every tick, or every N seconds as the old REST bot did), and
// every `signal_interval_s` the entry engine of strategy/ runs for flat symbols on the bars
// closed by then. All strategy rules are the strategy library's; this file only schedules them,
// keeps the account and records trades. It must never read the wall clock or look ahead.
#pragma once

#include "backtest/exchange.hpp"
#include "backtest/market.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::backtest {

struct run_config {
    std::string label; // row name in reports
    exchange_config exchange;
    double exit_cadence_s = 0;              // 0: every tick (guard); N: every N s (REST poll)
    std::optional<double> order_value_usd;  // fixes the order value (size sweep)
    std::optional<double> ph_threshold_usd; // overrides every regime's PH threshold
    int path_steps = 19;                    // intermediate moves per leg of the path model
    double signal_interval_s = 5;           // signal_proc cycle
    double start_balance_usd = 1000;        // free USDT at start
    double base_holding_usd = 500;          // base asset per symbol at start (spot SHORTs)
    tick_source ticks = tick_source::path;
    // Skip evaluate_entry when the cached per-bar indicators score no side at the current price
    // (exact: the engine would stop at no_signal). Off only to test that equivalence.
    bool score_prescreen = true;
};

enum class exit_reason : std::uint8_t {
    profit_hold,
    take_profit,
    stop_loss,
    max_hold,
    end_of_data
};
inline constexpr int exit_reason_count = 5;

[[nodiscard]] const char* exit_reason_name(exit_reason r) noexcept; // "PH", "TP", "SL", ...

struct trade_record {
    std::string symbol;
    std::string regime; // regime at entry
    bool is_long = true;
    std::int64_t entry_ms = 0, exit_ms = 0;
    double entry_px = 0, exit_px = 0;
    double size = 0;        // base held and closed
    double order_value = 0; // quote spent/received by the entry order
    double tp = 0, sl = 0, atr = 0;
    int score = 0;
    double gross = 0, fees = 0, net = 0;
    exit_reason reason = exit_reason::end_of_data;
};

struct equity_point {
    std::int64_t ts_ms = 0;
    double equity = 0; // start balance + cumulative net PnL of closed trades
};

struct run_counters {
    std::uint64_t ticks = 0;
    std::uint64_t signal_cycles = 0;
    std::uint64_t exit_checks = 0;
    std::uint64_t entries_refused = 0; // scored signals a filter, the balance or sizing stopped
    // Index = strategy::entry_block of refused signals / strategy::risk_block of flat-symbol
    // cycles the risk controller stopped.
    std::array<std::uint64_t, 16> entry_blocked{};
    std::array<std::uint64_t, 16> risk_blocked{};
};

struct run_result {
    run_config config;
    std::vector<trade_record> trades;
    std::vector<equity_point> equity;
    run_counters counters;
};

// Called with (done, total) units of work; used for the progress bar. May be empty.
using progress_fn = std::function<void(std::uint64_t, std::uint64_t)>;

// Runs one variant over `data` in [data.from_ms, data.to_ms). Deterministic: the same data and
// config give the same result bit for bit. Throws std::invalid_argument on a config the replay
// cannot honour (e.g. trades mode without trade prints).
[[nodiscard]] run_result run_backtest(const market_data_set& data, const run_config& config,
                                      const progress_fn& progress = {});

// Total progress units run_backtest reports for `data` (one per replayed minute).
[[nodiscard]] std::uint64_t progress_units(const market_data_set& data) noexcept;

} // namespace scalpel::backtest
