// The segment's one robust, process-shared pthread mutex (design.md §1.2). Boost 1.74's
// interprocess_mutex cannot recover from a holder's death, so this wraps a raw pthread_mutex_t
// with PTHREAD_MUTEX_ROBUST | PTHREAD_PROCESS_SHARED: EOWNERDEAD runs the caller's repair, marks
// the mutex consistent, counts and logs. It keeps a holder record the inspect tool reads without
// touching the mutex. It must never be initialised twice, held across I/O, or locked by a reader
// on a read-only mapping.
#pragma once

#include "common/clock.hpp"
#include "shm_layout/layout.hpp"

#include <chrono>
#include <sys/types.h>

namespace scalpel::shm {

enum class [[nodiscard]] lock_status : std::uint8_t{
    ok,              // locked
    repaired,        // locked after the previous holder died; repair ran, mutex consistent
    timeout,         // a live holder kept it past the timeout (hung process?)
    not_recoverable, // ENOTRECOVERABLE: fatal, the segment needs an operator
    error            // any other pthread error
};
[[nodiscard]] const char* to_string(lock_status s) noexcept;
[[nodiscard]] constexpr bool is_locked(lock_status s) noexcept {
    return s == lock_status::ok || s == lock_status::repaired;
}

// Repair hook run under the mutex after EOWNERDEAD, before pthread_mutex_consistent. Must be
// idempotent and quick (no I/O): it may run again if this process dies inside it.
using repair_fn = void (*)(void* ctx) noexcept;

// Creator only, on fresh memory. Returns false if any pthread call fails.
[[nodiscard]] bool init_robust_mutex(mutex_block& b) noexcept;

// Locks within `timeout`. On EOWNERDEAD: repair(ctx), pthread_mutex_consistent, owner_died_count
// bump, one warning log line; returns repaired. The holder record names `who`.
[[nodiscard]] lock_status lock_robust(mutex_block& b, role who, std::chrono::nanoseconds timeout,
                                      repair_fn repair, void* ctx) noexcept;

// Clears the holder record, then unlocks. Call only after a successful lock_robust.
void unlock_robust(mutex_block& b) noexcept;

// What the holder record says, read without touching the mutex (works on a read-only mapping).
struct holder_view {
    bool held = false;
    role who = role::none;
    pid_t pid = 0;
    mono_ns held_for_ns = 0;
    int glibc_owner_tid = 0;     // non-portable diagnostic (__data.__owner), 0 when free
    bool owner_died_bit = false; // FUTEX_OWNER_DIED set in the lock word
};
[[nodiscard]] holder_view read_holder(const mutex_block& b, mono_ns now) noexcept;

} // namespace scalpel::shm
