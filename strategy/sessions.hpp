// trading sessions filter (off by default): UTC Asia [0,9), Europe [7,16), America [13,22).
// Optional weekend block (Saturday from 22:00 UTC and all Sunday) and overlap-only mode (at least
// two sessions open). Time is the now_ms argument (UTC epoch ms); nothing here reads a clock.
#pragma once

#include "strategy/filter_verdict.hpp"

#include <cstdint>

namespace scalpel::strategy {

struct session_config {
    bool enabled = false;       // session-window check on/off
    bool weekend_block = false; // independent of `enabled`
    bool overlap_only = false;  // with `enabled`: require two sessions open at once
    bool asia = true, europe = true, america = true; // which sessions count as open
};

struct session_verdict {
    filter_verdict verdict;
    int open_sessions = 0; // how many enabled sessions are open now
    int utc_hour = 0;
    int weekday = 0; // 0 = Sunday … 6 = Saturday
};

[[nodiscard]] session_verdict session_filter(const session_config& cfg,
                                             std::int64_t now_ms) noexcept;

} // namespace scalpel::strategy
