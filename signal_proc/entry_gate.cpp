// entry_gate: see the header.
#include "signal_proc/entry_gate.hpp"

#include <fmt/format.h>

namespace scalpel::signal {

const char* to_string(protection_block b) noexcept {
    switch (b) {
    case protection_block::none:
        return "none";
    case protection_block::guard_absent:
        return "guard_absent";
    case protection_block::guard_stale:
        return "guard_stale";
    case protection_block::not_reconciled:
        return "not_reconciled";
    case protection_block::feed_unknown:
        return "feed_unknown";
    case protection_block::feed_down:
        return "feed_down";
    case protection_block::feed_not_subscribed:
        return "feed_not_subscribed";
    }
    return "?";
}

protection_verdict check_protection(const shm::segment& seg, std::string_view symbol,
                                    mono_ns now) noexcept {
    protection_verdict v;
    const auto g = seg.liveness(shm::role::guard, now);
    v.heartbeat_age_ms = g.heartbeat_age_ns / 1'000'000;
    if (g.verdict == shm::liveness_verdict::hung) {
        v.reason = protection_block::guard_stale;
        return v;
    }
    if (g.verdict != shm::liveness_verdict::alive) {
        v.reason = protection_block::guard_absent;
        return v;
    }
    // Reconciled by THIS guard incarnation: a stamp left by a predecessor proves nothing now.
    const auto stamp = seg.reconciled();
    if (stamp.at_ms == 0 || stamp.incarnation != g.incarnation) {
        v.reason = protection_block::not_reconciled;
        return v;
    }
    const auto idx = seg.find_symbol(symbol);
    const shm::feed_state f = idx.ok ? seg.feed(idx.index) : shm::feed_state::unknown;
    if (f == shm::feed_state::unknown)
        v.reason = protection_block::feed_unknown;
    else if (f == shm::feed_state::down)
        v.reason = protection_block::feed_down;
    else if (f == shm::feed_state::not_subscribed)
        v.reason = protection_block::feed_not_subscribed;
    return v;
}

std::string format_protection_block(std::string_view symbol, regime r,
                                    const protection_verdict& v) {
    return fmt::format("decision symbol={} regime={} decision=NO_PROTECTION:{} "
                       "guard_heartbeat_age_ms={}",
                       symbol, strategy::to_string(r), to_string(v.reason), v.heartbeat_age_ms);
}

} // namespace scalpel::signal
