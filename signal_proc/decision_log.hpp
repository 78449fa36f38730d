// decision_log: the one structured line signal_proc writes per symbol per cycle — symbol, regime,
// price and its source, both scores, every filter's verdict with its reason and bonus, size and
// the decision — as space-separated key=value pairs so tests and operators can grep them.
// Pure formatting: no I/O, no clock. Never includes anything secret (there is none in a decision).
#pragma once

#include "strategy/engine.hpp"
#include "strategy/regime.hpp"
#include "strategy/risk_controller.hpp"

#include <string>
#include <string_view>

namespace scalpel::signal {

// One filter as "PASS+2:near_poc", "BLOCK:adx_too_low", "-:not_run".
[[nodiscard]] std::string format_verdict(const strategy::filter_verdict& v);

// "decision symbol=BTC-USDT regime=RANGING price=50000.1 src=live score_long=6 score_short=2
//  signal=LONG corr=PASS+0:pass vp=... pivot=... mtf=... adx=... session=... balance=... bonus=3
//  confidence=9 atr=... size=0.0014 value=70.02 decision=ENTER_LONG" (one line).
// decision is ENTER_LONG / ENTER_SHORT / NO_SIGNAL / BLOCKED:<stage>.
[[nodiscard]] std::string format_decision(std::string_view symbol, regime r, double price,
                                          std::string_view price_source,
                                          const strategy::entry_decision& d);

// "decision symbol=BTC-USDT regime=RANGING decision=RISK:<reason> value=.. limit=.. until_ms=.."
[[nodiscard]] std::string format_risk_block(std::string_view symbol, regime r,
                                            const strategy::risk_verdict& v);

// "decision symbol=BTC-USDT regime=RANGING decision=HALTED halted_since_ms=..": the operator
// halted new entries (scalpelctl halt); nothing was evaluated.
[[nodiscard]] std::string format_halted(std::string_view symbol, regime r,
                                        std::int64_t halted_since_ms);

} // namespace scalpel::signal
