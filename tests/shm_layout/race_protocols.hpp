// Race protocols shared by the multi-process tests (run inside shm_child) and their TSan twins
// (run as threads on one mapping): the closing-claim race and the parameter-latch torn-read check.
// They use only the public segment API, so what they prove is what the processes rely on.
#pragma once

#include "shm_layout/segment.hpp"

#include <cstdint>
#include <sched.h>
#include <vector>

namespace scalpel::shm::testing {

// ---- parameter payload whose every word derives from one counter k: tearing is detectable ----
inline arm_params make_test_params(std::uint64_t k) {
    arm_params p;
    p.current = static_cast<regime>(k % 3);
    p.ph_enabled = static_cast<std::uint32_t>(k & 1);
    double* d = &p.min_score;
    for (int i = 0; i < 22; ++i)
        d[i] = static_cast<double>(k) * 32.0 + i;
    return p;
}

// The k a snapshot was built from, or -1 when its words disagree (a torn read).
inline std::int64_t test_params_k(const arm_params& p) {
    const double* d = &p.min_score;
    const double k = (d[0]) / 32.0;
    const auto ki = static_cast<std::uint64_t>(k);
    if (static_cast<double>(ki) != k)
        return -1;
    if (p.current != static_cast<regime>(ki % 3) || p.ph_enabled != (ki & 1))
        return -1;
    for (int i = 0; i < 22; ++i)
        if (d[i] != static_cast<double>(ki) * 32.0 + i)
            return -1;
    return static_cast<std::int64_t>(ki);
}

// ---- closing-claim race ---------------------------------------------------------------------
// Both racers run this. Round r is generation g0 + r of `slot`. Each racer waits for that
// generation, tries the claim once; the winner waits until the peer has tried too (its
// claims_won + claims_lost + claims_stolen counters), records the close and reopens the slot
// (generation + 1). wins[r] = 1 for rounds this racer won. Returns the number of anomalies
// (timeouts, unexpected results); 0 on a clean run. Needs fresh claim counters for both roles.
inline std::uint64_t attempts_of(const segment& seg, role r) {
    const auto c = seg.counters(r);
    return c[static_cast<std::size_t>(counter::claims_won)] +
           c[static_cast<std::size_t>(counter::claims_lost)] +
           c[static_cast<std::size_t>(counter::claims_stolen)];
}

template <class Clock = std::chrono::steady_clock>
std::uint64_t run_claim_rounds(segment& seg, owner_id me, role peer, std::uint32_t slot,
                               std::uint32_t g0, std::uint32_t rounds,
                               std::vector<std::uint8_t>& wins) {
    wins.assign(rounds, 0);
    std::uint64_t anomalies = 0;
    const auto spin_until = [&](auto pred) {
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        for (unsigned n = 0;; ++n) {
            if (pred())
                return true;
            if ((n & 63) == 63 && Clock::now() > deadline)
                return false;
            ::sched_yield();
        }
    };
    for (std::uint32_t r = 0; r < rounds; ++r) {
        const std::uint32_t g = g0 + r;
        const bool ready = spin_until([&] {
            const auto s = seg.snapshot(slot);
            return s.ok && s.snap.generation == g &&
                   (s.snap.state == slot_state::open || s.snap.state == slot_state::closing);
        });
        if (!ready)
            return anomalies + 1;
        const auto res = seg.try_claim_closing({slot, g}, me);
        if (res == claim_result::claimed) {
            wins[r] = 1;
            if (!spin_until([&] { return attempts_of(seg, peer) >= r + 1; }))
                return anomalies + 1;
            close_info ci;
            ci.reason = close_reason::ph;
            ci.exit_price = 100.0 + r;
            ci.exit_time_ms = 1;
            if (seg.record_close({slot, g}, me, ci) != slot_result::ok)
                ++anomalies;
            if (r + 1 < rounds) {
                position p;
                p.symbol.assign_truncated("RACE-USDT");
                p.pos_side = scalpel::side::long_side;
                p.size = 1;
                p.entry_price = 100;
                const auto rr = seg.reserve_slot(p);
                if (rr.status != slot_result::ok || rr.ref.index != slot ||
                    rr.ref.generation != g + 1 || seg.publish_open(rr.ref, p) != slot_result::ok)
                    return anomalies + 1;
            }
        } else if (res != claim_result::held_by_other) {
            ++anomalies;
        }
    }
    return anomalies;
}

} // namespace scalpel::shm::testing
