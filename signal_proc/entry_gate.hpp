// entry_gate: no entry without protection (issue 10). Before signal_proc evaluates a symbol it
// asks the segment whether the guard could protect a new position right now: the guard process
// is alive with a fresh heartbeat, the guard's account reconciliation has finished since it last
// attached, and the guard's feed for that symbol is live (or REST-polled). The first failing
// check is the verdict; signal_proc logs it as the symbol's decision line and sends nothing.
#pragma once

#include "shm_layout/segment.hpp"
#include "strategy/regime.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace scalpel::signal {

enum class protection_block : std::uint8_t {
    none = 0,
    guard_absent,        // no guard ever attached, or it stopped / died
    guard_stale,         // its heartbeat is older than the segment's stale_after
    not_reconciled,      // the running guard has not finished reconciling with the exchange
    feed_unknown,        // the guard has no feed for this symbol (not subscribed)
    feed_down,           // the guard's feed for this symbol is down and not polled
    feed_not_subscribed, // OKX refused the guard's subscription to this symbol's tickers
};
[[nodiscard]] const char* to_string(protection_block b) noexcept;

struct protection_verdict {
    protection_block reason = protection_block::none;
    std::int64_t heartbeat_age_ms = 0;
    [[nodiscard]] bool ok() const noexcept { return reason == protection_block::none; }
};

// Pure reading of the segment (lock-free). `now` is CLOCK_MONOTONIC.
[[nodiscard]] protection_verdict check_protection(const shm::segment& seg, std::string_view symbol,
                                                  mono_ns now = monotonic_now_ns()) noexcept;

// "decision symbol=… regime=… decision=NO_PROTECTION:<reason> guard_heartbeat_age_ms=…"
[[nodiscard]] std::string format_protection_block(std::string_view symbol, regime r,
                                                  const protection_verdict& v);

} // namespace scalpel::signal
