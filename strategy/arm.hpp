// ARM — Adaptive Regime Manager: one per account. Each update measures every symbol's
// entry-timeframe bars (ATR%, trend deviation vs SMA50, reversals over the last 18 moves, ADX),
// detects a regime per symbol, combines them into one account detection and applies hysteresis
// (2 consecutive agreeing detections AND >= 5 min in the current regime; a CHOPPY detection with
// confidence >= 0.8 skips the wait). Starts in RANGING. Pure state machine: now_ms is an argument,
// nothing is logged — the returned arm_update carries the measures and the rule so the caller can.
#pragma once

#include "common/candle.hpp"
#include "strategy/regime.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace scalpel::strategy {

struct arm_config {
    int choppy_min_reversals = 11;        // CHOPPY if reversals > 10 …
    double choppy_min_atr_pct = 0.05;     // … and ATR% > 0.05
    double trend_min_deviation_pct = 1.0; // TRENDING if deviation > 1.0 …
    double trend_min_adx = 20;            // … and ADX > 20
    int confirmations = 2;                // consecutive agreeing detections needed to switch
    std::int64_t min_dwell_ms = 5 * 60'000;
    double choppy_skip_confidence = 0.8;
    int sma_period = 50;
    int atr_period = 14;
    int adx_period = 14;
    int reversal_moves = 18;
};

// Which rule a detection came from.
enum class arm_rule : std::uint8_t { not_enough_data = 0, choppy, trending, ranging };
[[nodiscard]] const char* to_string(arm_rule r) noexcept;

struct regime_measures {
    bool valid =
        false; // false: too few bars (needs max(sma_period, 2·adx_period, reversal_moves+1))
    double price = 0;               // last close
    double atr_pct = 0;             // ATR/price·100
    double trend_deviation_pct = 0; // |price − SMA50|/SMA50·100
    int reversals = 0; // sign changes between consecutive non-zero moves (max moves−1)
    double adx = 0;
    regime detected = regime::ranging;
    arm_rule rule = arm_rule::not_enough_data;
    // How clearly CHOPPY this symbol is, in [0,1]; 0 unless detected CHOPPY. Half from the
    // reversal excess ((rev−10)/(max−10)), half from the ATR% excess over the threshold
    // ((ATR% − 0.05)/0.05, capped at 1).
    double choppy_confidence = 0;
};

// Measures and per-symbol detection for one symbol's bars. Pure.
[[nodiscard]] regime_measures measure_regime(candle_span c, const arm_config& cfg = {}) noexcept;

struct arm_symbol_input {
    std::string_view symbol;
    candle_span candles; // confirmed entry-timeframe bars, oldest first
};

struct arm_update {
    static constexpr std::size_t max_symbols = 8;

    regime current = regime::ranging;  // after this update
    regime previous = regime::ranging; // before this update
    bool switched = false;
    bool has_detection = false;        // false: no symbol had enough data
    bool new_bar = false;              // false: same bars as the last counted update (not counted)
    regime detected = regime::ranging; // the combined account detection
    int agreeing = 0;                  // consecutive detections of `detected` (when != current)
    double confidence = 0;             // account CHOPPY confidence (see the class comment)
    bool dwell_skipped = false;        // switched to CHOPPY before min_dwell by confidence
    std::int64_t in_regime_ms = 0;     // time spent in `previous` up to now
    std::size_t symbol_count = 0;
    std::array<regime_measures, max_symbols> per_symbol{}; // same order as the input (first 8)
};

// Combination over symbols: majority vote of the valid symbols' detections; a tie goes to the
// more defensive regime (CHOPPY > RANGING > TRENDING). Account confidence = the mean over valid
// symbols of choppy_confidence (non-CHOPPY symbols count 0), so the skip needs most symbols
// clearly choppy.
// Counting: a detection counts once per new bar — an update whose newest bar time (max over
// symbols) is not later than the last counted one returns the state unchanged (new_bar = false),
// because indicators on the same confirmed bars cannot bring new evidence.
class adaptive_regime_manager {
public:
    explicit adaptive_regime_manager(arm_config cfg = {},
                                     regime initial = regime::ranging) noexcept;

    arm_update update(std::span<const arm_symbol_input> symbols, std::int64_t now_ms) noexcept;

    [[nodiscard]] regime current() const noexcept { return current_; }
    // When the current regime was entered (the first update's time for the initial regime).
    [[nodiscard]] std::int64_t regime_since_ms() const noexcept { return since_ms_; }
    [[nodiscard]] const arm_config& config() const noexcept { return cfg_; }

private:
    arm_config cfg_;
    regime current_;
    bool started_ = false;
    std::int64_t since_ms_ = 0;
    std::int64_t last_bar_ms_ = std::numeric_limits<std::int64_t>::min();
    regime pending_ = regime::ranging;
    int pending_count_ = 0;
};

} // namespace scalpel::strategy
