// Robust pthread mutex in shared memory. See robust_mutex.hpp.
#include "shm_layout/robust_mutex.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <linux/futex.h>
#include <unistd.h>

namespace scalpel::shm {

const char* to_string(lock_status s) noexcept {
    switch (s) {
    case lock_status::ok:
        return "ok";
    case lock_status::repaired:
        return "repaired";
    case lock_status::timeout:
        return "timeout";
    case lock_status::not_recoverable:
        return "not_recoverable";
    case lock_status::error:
        return "error";
    }
    return "?";
}

bool init_robust_mutex(mutex_block& b) noexcept {
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return false;
    const bool ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
                    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
                    pthread_mutex_init(&b.mutex, &attr) == 0;
    pthread_mutexattr_destroy(&attr);
    return ok;
}

namespace {

timespec realtime_deadline(std::chrono::nanoseconds timeout) noexcept {
    // timedlock takes CLOCK_REALTIME; pthread_mutex_clocklock would take MONOTONIC but is not
    // intercepted by g++ 12's TSan, which would then miss the lock and report false races.
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    const auto total = static_cast<std::int64_t>(ts.tv_nsec) + timeout.count();
    ts.tv_sec += static_cast<time_t>(total / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(total % 1'000'000'000);
    return ts;
}

void set_holder(mutex_block& b, role who) noexcept {
    b.holder_role.store(static_cast<std::uint32_t>(who), std::memory_order_relaxed);
    b.holder_pid.store(static_cast<std::int32_t>(::getpid()), std::memory_order_relaxed);
    b.held_since_ns.store(monotonic_now_ns(), std::memory_order_release);
    b.lock_count.store(b.lock_count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

} // namespace

lock_status lock_robust(mutex_block& b, role who, std::chrono::nanoseconds timeout,
                        repair_fn repair, void* ctx) noexcept {
    const timespec deadline = realtime_deadline(timeout);
    const int rc = pthread_mutex_timedlock(&b.mutex, &deadline);
    if (rc == 0) {
        set_holder(b, who);
        return lock_status::ok;
    }
    if (rc == EOWNERDEAD) {
        const auto dead_role = b.holder_role.load(std::memory_order_relaxed);
        const auto dead_pid = b.holder_pid.load(std::memory_order_relaxed);
        b.last_dead_role.store(dead_role, std::memory_order_relaxed);
        if (repair)
            repair(ctx);
        if (pthread_mutex_consistent(&b.mutex) != 0) {
            pthread_mutex_unlock(&b.mutex);
            b.not_recoverable.store(1, std::memory_order_relaxed);
            spdlog::critical("shm mutex: pthread_mutex_consistent failed after owner death");
            return lock_status::not_recoverable;
        }
        set_holder(b, who);
        b.owner_died_count.store(b.owner_died_count.load(std::memory_order_relaxed) + 1,
                                 std::memory_order_relaxed);
        b.last_repair_ms.store(wall_now_ms(), std::memory_order_relaxed);
        spdlog::warn("shm mutex: previous holder ({} pid {}) died holding it; segment repaired",
                     to_string(static_cast<role>(dead_role)), dead_pid);
        return lock_status::repaired;
    }
    if (rc == ETIMEDOUT)
        return lock_status::timeout;
    if (rc == ENOTRECOVERABLE) {
        b.not_recoverable.store(1, std::memory_order_relaxed);
        spdlog::critical("shm mutex: ENOTRECOVERABLE");
        return lock_status::not_recoverable;
    }
    return lock_status::error;
}

void unlock_robust(mutex_block& b) noexcept {
    b.held_since_ns.store(0, std::memory_order_release);
    b.holder_pid.store(0, std::memory_order_relaxed);
    b.holder_role.store(0, std::memory_order_relaxed);
    pthread_mutex_unlock(&b.mutex);
}

holder_view read_holder(const mutex_block& b, mono_ns now) noexcept {
    holder_view v;
    const auto since = b.held_since_ns.load(std::memory_order_acquire);
    v.held = since != 0;
    v.who = static_cast<role>(b.holder_role.load(std::memory_order_relaxed));
    v.pid = b.holder_pid.load(std::memory_order_relaxed);
    v.held_for_ns = v.held ? now - since : 0;
    // glibc internals, read atomically so a read-only mapping and TSan are both fine.
    v.glibc_owner_tid = __atomic_load_n(&b.mutex.__data.__owner, __ATOMIC_RELAXED);
    const int word = __atomic_load_n(&b.mutex.__data.__lock, __ATOMIC_RELAXED);
    v.owner_died_bit = (static_cast<unsigned>(word) & FUTEX_OWNER_DIED) != 0;
    return v;
}

} // namespace scalpel::shm
