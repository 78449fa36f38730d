// regime_params / regime_table: the whole parameter set each of the three market regimes
// (common/regime.hpp) selects (strategy.md's per-regime table). Plain fields so config can override
// any of them; the shm parameter block is filled from this struct by signal_proc. No logic beyond
// the defaults lives here, and nothing here depends on time or I/O.
#pragma once

#include "common/regime.hpp"

#include <array>
#include <cstdint>

namespace scalpel::strategy {

using scalpel::to_string; // regime (common/regime.hpp), beside exit_action's and others

struct regime_params {
    int min_score = 4;                         // score a side needs to become a signal
    int max_trades_per_hour = 10;              // rolling 60-min window of opens (risk controller)
    double size_multiplier = 1.0;              // × 5 % of free USDT
    double tp_atr_multiplier = 0.9;            // TP = fill ± ATR × this
    double sl_atr_multiplier = 0.7;            // SL = fill ∓ ATR × this
    std::int64_t max_holding_ms = 60 * 60'000; // then market exit
    bool ph_enabled = true;                    // profit harvest
    double ph_threshold_usd = 0.28;            // net of entry and estimated exit fee
    std::int64_t ph_time_limit_ms = 300'000;   // PH only while the position is younger than this
    double rsi_overbought = 65;
    double rsi_oversold = 35;
    double volume_ratio_threshold = 1.10;
    std::int64_t mtf_bar_ms = 15 * 60'000; // MTF timeframe: 15m or 30m
    int mtf_bonus = 2;
    bool mtf_block_opposite = false;
    double correlation_threshold = 0.7; // |rho| at or above counts as correlated
    int max_correlated = 2;             // block when this many correlated positions are open
    bool correlation_same_direction_only = true;
    double adx_min = 15;
    double di_difference = 1.5;
    double pivot_multiplier = 1.5;          // pivot bonus = round(1 × this)
    double volume_profile_multiplier = 1.5; // VP bonus = round((near POC + in VA) × this)
};

// strategy.md's defaults for one regime.
[[nodiscard]] constexpr regime_params default_params(regime r) noexcept {
    regime_params p{};
    switch (r) {
    case regime::trending:
        p.min_score = 5;
        p.max_trades_per_hour = 20;
        p.size_multiplier = 1.2;
        p.tp_atr_multiplier = 1.2;
        p.sl_atr_multiplier = 0.9;
        p.max_holding_ms = 60 * 60'000;
        p.ph_enabled = true;
        p.ph_threshold_usd = 0.35;
        p.ph_time_limit_ms = 300'000;
        p.rsi_overbought = 70;
        p.rsi_oversold = 30;
        p.volume_ratio_threshold = 1.10;
        p.mtf_bar_ms = 30 * 60'000;
        p.mtf_bonus = 1;
        p.mtf_block_opposite = false;
        p.correlation_threshold = 0.8;
        p.max_correlated = 3;
        p.correlation_same_direction_only = false;
        p.adx_min = 22;
        p.di_difference = 4.0;
        p.pivot_multiplier = 1.5;
        p.volume_profile_multiplier = 1.0;
        break;
    case regime::ranging:
        break; // the member initialisers above are the RANGING row
    case regime::choppy:
        p.min_score = 7;
        p.max_trades_per_hour = 4;
        p.size_multiplier = 0.8;
        p.tp_atr_multiplier = 0.7;
        p.sl_atr_multiplier = 0.5;
        p.max_holding_ms = 30 * 60'000;
        p.ph_enabled = true;
        p.ph_threshold_usd = 0.35;
        p.ph_time_limit_ms = 150'000;
        p.rsi_overbought = 65;
        p.rsi_oversold = 35;
        p.volume_ratio_threshold = 1.25;
        p.mtf_bar_ms = 15 * 60'000;
        p.mtf_bonus = 2;
        p.mtf_block_opposite = true;
        p.correlation_threshold = 0.6;
        p.max_correlated = 1;
        p.correlation_same_direction_only = true;
        p.adx_min = 10;
        p.di_difference = 1.0;
        p.pivot_multiplier = 2.0;
        p.volume_profile_multiplier = 2.0;
        break;
    }
    return p;
}

// The three parameter sets, indexed by regime. Config overrides fields in place.
struct regime_table {
    std::array<regime_params, 3> by_regime{default_params(regime::trending),
                                           default_params(regime::ranging),
                                           default_params(regime::choppy)};

    [[nodiscard]] constexpr const regime_params& operator[](regime r) const noexcept {
        return by_regime[static_cast<std::size_t>(r)];
    }
    [[nodiscard]] constexpr regime_params& operator[](regime r) noexcept {
        return by_regime[static_cast<std::size_t>(r)];
    }
};

} // namespace scalpel::strategy
