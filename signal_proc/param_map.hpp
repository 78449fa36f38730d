// param_map: the one translation from the strategy's regime parameter set to the segment's ARM
// block (shm::arm_params) that guard_proc reads every tick, and between the two regime enums.
// Pure and noexcept; units change here only (ms → s, bar ms → minutes), values never.
#pragma once

#include "shm_layout/types.hpp"
#include "strategy/regime.hpp"
#include "strategy/side.hpp"

namespace scalpel::signal {

[[nodiscard]] shm::regime to_shm(strategy::regime r) noexcept;
[[nodiscard]] strategy::regime from_shm(shm::regime r) noexcept;
[[nodiscard]] shm::side to_shm(strategy::side s) noexcept;

// The whole parameter block for regime `r` with parameters `p`; publish stamps left zero
// (segment::publish_params sets them).
[[nodiscard]] shm::arm_params to_arm_params(strategy::regime r, const strategy::regime_params& p,
                                            double taker_fee_rate) noexcept;

} // namespace scalpel::signal
