// feed_health: the guard's per-symbol view of its public tickers feed, published into the segment
// (shm::feed_state) for signal_proc's entry gate. A symbol is `live` only while OKX has acked its
// tickers subscription on the current connection AND one of its WS ticks is younger than the
// staleness bound; `not_subscribed` once OKX refused it (60018) until a later ack; `polling` while
// REST polls give it fresh prices instead; `down` otherwise. Pure (time comes in as arguments, no
// sockets, no logging, no allocation): the tick path only stores a timestamp through on_ws_tick.
#pragma once

#include "common/clock.hpp"
#include "shm_layout/types.hpp"

#include <array>
#include <chrono>
#include <cstddef>

namespace scalpel::guard {

class feed_health {
public:
    static constexpr std::size_t capacity = 32; // tick_guard::max_symbols

    // stale_after: a symbol's last tick older than this is not fresh (guard.stale_feed_s);
    // resubscribe_after: how long after a refusal (or its last retry) the symbol is asked again.
    feed_health(std::chrono::nanoseconds stale_after,
                std::chrono::nanoseconds resubscribe_after) noexcept
        : stale_after_(stale_after.count()), resubscribe_after_(resubscribe_after.count()) {}

    // Symbol index si (tick_guard's); out-of-range indexes are ignored everywhere.
    void on_ws_tick(std::size_t si, mono_ns now) noexcept {
        if (si < capacity)
            sym_[si].ws_tick_ns = now;
    }
    void on_poll_tick(std::size_t si, mono_ns now) noexcept {
        if (si < capacity)
            sym_[si].poll_tick_ns = now;
    }
    void on_acked(std::size_t si) noexcept {
        if (si >= capacity)
            return;
        sym_[si].acked = true;
        sym_[si].refused = false;
    }
    void on_refused(std::size_t si, mono_ns now) noexcept {
        if (si >= capacity)
            return;
        sym_[si].acked = false;
        sym_[si].refused = true;
        sym_[si].asked_ns = now;
    }
    // A new connection (or none): no ack of the old one counts. A refusal stands until an ack
    // (the new connection asks for every symbol again).
    void on_connection_lost() noexcept {
        for (auto& s : sym_)
            s.acked = false;
    }

    [[nodiscard]] bool acked(std::size_t si) const noexcept {
        return si < capacity && sym_[si].acked;
    }
    [[nodiscard]] bool refused(std::size_t si) const noexcept {
        return si < capacity && sym_[si].refused;
    }

    [[nodiscard]] shm::feed_state state(std::size_t si, mono_ns now) const noexcept {
        if (si >= capacity)
            return shm::feed_state::unknown;
        const sym& s = sym_[si];
        if (s.refused)
            return shm::feed_state::not_subscribed;
        if (s.acked && fresh(s.ws_tick_ns, now))
            return shm::feed_state::live;
        return fresh(s.poll_tick_ns, now) ? shm::feed_state::polling : shm::feed_state::down;
    }
    // Not live: REST must stand in for its prices (a refused symbol too: open positions of it are
    // still judged).
    [[nodiscard]] bool wants_poll(std::size_t si, mono_ns now) const noexcept {
        return si < capacity && !(sym_[si].acked && fresh(sym_[si].ws_tick_ns, now));
    }
    // Refused and not asked again for resubscribe_after: true, and the ask is stamped now.
    [[nodiscard]] bool take_resubscribe(std::size_t si, mono_ns now) noexcept {
        if (si >= capacity || !sym_[si].refused || now - sym_[si].asked_ns < resubscribe_after_)
            return false;
        sym_[si].asked_ns = now;
        return true;
    }

private:
    struct sym {
        bool acked = false, refused = false;
        mono_ns ws_tick_ns = 0, poll_tick_ns = 0;
        mono_ns asked_ns = 0; // the refusal, or the last resubscribe sent
    };
    [[nodiscard]] bool fresh(mono_ns at, mono_ns now) const noexcept {
        return at != 0 && now - at < stale_after_;
    }

    mono_ns stale_after_, resubscribe_after_;
    std::array<sym, capacity> sym_{};
};

} // namespace scalpel::guard
