// risk_restore: brings the risk controller back from the ledger after a restart, and saves its
// state per UTC day. Restoring replays the ledger's recent closed trades through the controller
// in exit order (so the daily net, the account-wide and per-symbol loss streaks, the cooldowns
// and the hourly window come out exactly as the live controller had them), then fixes today's
// start balance from the saved risk day so a restart cannot reset the daily loss limit.
#pragma once

#include "ledger/ledger.hpp"
#include "strategy/risk_controller.hpp"

#include <cstdint>

namespace scalpel::signal {

// How far back the replay reads. A loss streak older than this (with no trade since) restarts.
inline constexpr std::int64_t risk_replay_window_ms = 7LL * 86'400'000;

struct risk_restore_result {
    int trades_replayed = 0;
    bool start_balance_restored = false; // today's risk day was in the ledger
};

// Call on a freshly constructed controller, before positions are restored and before the first
// on_balance of the process. Contract: now_ms is wall UTC.
risk_restore_result restore_risk(ledger::ledger& db, strategy::risk_controller& risk,
                                 std::int64_t now_ms);

// Saves the controller's figures as today's risk day, with today's trade count from the ledger
// (call after each closed trade and once per UTC day after the first balance).
ledger::status save_risk_day(ledger::ledger& db, const strategy::risk_controller& risk,
                             std::int64_t now_ms);

[[nodiscard]] constexpr std::int64_t utc_day_of(std::int64_t epoch_ms) noexcept {
    return epoch_ms >= 0 ? epoch_ms / 86'400'000 : (epoch_ms - 86'399'999) / 86'400'000;
}

} // namespace scalpel::signal
