// engine: the entry pipeline, once, for signal_proc and the backtester alike. Given one symbol's
// market snapshot, the open positions, the account view, the current regime's parameters and
// now_ms, it computes indicators → score → direction → filters (correlation, volume profile,
// pivots, MTF, ADX, sessions, balance, in that order) → size → TP/SL preview, and returns every
// intermediate verdict so the caller can log one complete line. The risk controller and the ARM
// are stateful and run by the caller before this. Pure: no clock, no I/O, no allocation.
#pragma once

#include "common/candle.hpp"
#include "common/decimal.hpp"
#include "common/side.hpp"
#include "strategy/adx_filter.hpp"
#include "strategy/balance_filter.hpp"
#include "strategy/correlation.hpp"
#include "strategy/mtf.hpp"
#include "strategy/pivots.hpp"
#include "strategy/regime.hpp"
#include "strategy/scoring.hpp"
#include "strategy/sessions.hpp"
#include "strategy/sizing.hpp"
#include "strategy/volume_profile.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace scalpel::strategy {

// One symbol's market as of now_ms. Spans are oldest first. Bars that are not yet complete at
// now_ms (open_time + bar length > now_ms) are ignored by the engine, so the backtester may pass
// whole history arrays without look-ahead; the live caller passes confirmed bars only.
struct market_snapshot {
    std::string_view symbol;
    candle_span entry; // entry timeframe (default 5m), >= 34 bars, 200 recommended
    candle_span m5;    // 5m bars for correlation (may be the same span as `entry`)
    candle_span m15;   // MTF when the regime says 15m
    candle_span m30;   // MTF when the regime says 30m
    candle_span h1;    // volume profile
    candle_span d1;    // pivots (UTC daily)
    double price = 0;  // P: live price, or the last close when live is missing/stale
};

struct entry_config {
    std::int64_t entry_bar_ms = 5 * 60'000;
    int entry_bars = 200; // indicators use the newest this many entry bars (EMA seeding
                          // depends on the window, so live and backtest must agree)
    int mtf_bars = 100;   // newest MTF bars used for EMA8/EMA21
    sizing_config sizing;
    session_config sessions;
    int correlation_returns = 100;
    int volume_profile_bars = 100;
    int volume_profile_bins = 50;
    double poc_proximity_pct = 0.5;
    double pivot_proximity_pct = 0.3;
};

// Which stage stopped the entry (none = an entry was decided).
enum class entry_block : std::uint8_t {
    none = 0,
    bad_price,       // P <= 0 / NaN
    not_enough_data, // entry bars too few for the indicators
    no_signal,       // no side met the minimum and beat the other
    correlation,
    mtf,
    adx,
    session,
    balance,
    size,  // sizing failed (min size, ...): see entry_decision::size.error
    tp_sl, // ATR unusable (0 on flat bars) so no TP/SL could be placed
};
[[nodiscard]] const char* to_string(entry_block b) noexcept;

struct entry_decision {
    side dir = side::none;    // none unless blocked_by == none
    side signal = side::none; // the scored direction before filters
    entry_block blocked_by = entry_block::no_signal;
    indicator_snapshot indicators;
    signal_score score;
    int bonus = 0;      // sum of filter bonuses for the signal side
    int confidence = 0; // signal side's score + bonus
    correlation_verdict correlation;
    volume_profile_verdict volume_profile;
    pivot_verdict pivot;
    mtf_verdict mtf;
    adx_verdict adx;
    session_verdict session;
    balance_verdict balance;
    size_result size;   // exact order size (decimal) and order value
    double atr = 0;     // the ATR the TP/SL come from (carry it to the fill)
    tp_sl_levels tp_sl; // preview from P; recompute from the fill with compute_tp_sl
    [[nodiscard]] bool enter() const noexcept { return blocked_by == entry_block::none; }
};

// Contract: `positions` are the OTHER open positions (the caller never evaluates a symbol that
// already has one); `acct.base_held` is this symbol's base asset. Returns a fully filled decision;
// stages after the blocking one keep reason not_run. Never throws.
[[nodiscard]] entry_decision evaluate_entry(const market_snapshot& snap,
                                            std::span<const open_position_ref> positions,
                                            const account_view& acct, const regime_params& params,
                                            const instrument_spec& inst, const entry_config& cfg,
                                            std::int64_t now_ms) noexcept;

// The prefix of `bars` complete at now_ms: open_time_ms + bar_ms <= now_ms (binary search).
[[nodiscard]] candle_span completed_bars(candle_span bars, std::int64_t bar_ms,
                                         std::int64_t now_ms) noexcept;

} // namespace scalpel::strategy
