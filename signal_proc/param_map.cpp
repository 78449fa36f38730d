// param_map: strategy::regime_params → shm::arm_params. See the header.
#include "signal_proc/param_map.hpp"

namespace scalpel::signal {

shm::arm_params to_arm_params(regime r, const strategy::regime_params& p,
                              double taker_fee_rate) noexcept {
    shm::arm_params a{};
    a.current = r;
    a.ph_enabled = p.ph_enabled ? 1 : 0;
    a.min_score = p.min_score;
    a.max_trades_per_hour = p.max_trades_per_hour;
    a.size_multiplier = p.size_multiplier;
    a.tp_atr_mult = p.tp_atr_multiplier;
    a.sl_atr_mult = p.sl_atr_multiplier;
    a.max_hold_s = static_cast<double>(p.max_holding_ms) / 1000.0;
    a.ph_threshold_usd = p.ph_threshold_usd;
    a.ph_time_limit_s = static_cast<double>(p.ph_time_limit_ms) / 1000.0;
    a.rsi_overbought = p.rsi_overbought;
    a.rsi_oversold = p.rsi_oversold;
    a.volume_ratio_threshold = p.volume_ratio_threshold;
    a.mtf_timeframe_min = static_cast<double>(p.mtf_bar_ms) / 60'000.0;
    a.mtf_bonus = p.mtf_bonus;
    a.mtf_block_opposite = p.mtf_block_opposite ? 1 : 0;
    a.corr_threshold = p.correlation_threshold;
    a.corr_max = p.max_correlated;
    a.corr_same_direction_only = p.correlation_same_direction_only ? 1 : 0;
    a.adx_min = p.adx_min;
    a.di_difference = p.di_difference;
    a.pivot_bonus = p.pivot_multiplier;
    a.volume_profile_multiplier = p.volume_profile_multiplier;
    a.taker_fee_rate = taker_fee_rate;
    return a;
}

} // namespace scalpel::signal
