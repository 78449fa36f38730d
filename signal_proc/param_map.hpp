// param_map: the one translation from the strategy's regime parameter set to the segment's ARM
// block (shm::arm_params) that guard_proc reads every tick.
// Pure and noexcept; units change here only (ms → s, bar ms → minutes), values never.
#pragma once

#include "common/side.hpp"
#include "shm_layout/types.hpp"
#include "strategy/regime.hpp"

namespace scalpel::signal {

// The whole parameter block for regime `r` with parameters `p`; publish stamps left zero
// (segment::publish_params sets them).
[[nodiscard]] shm::arm_params to_arm_params(regime r, const strategy::regime_params& p,
                                            double taker_fee_rate) noexcept;

} // namespace scalpel::signal
