// Telling a live process from a dead one without trusting a bare pid: the kernel start time of a
// pid (/proc/<pid>/stat field 22) detects pid reuse, and a life-long OFD lock on
// <rundir>/<segment>.<role>.lock (iceoryx2 pattern) both proves liveness and keeps one process per
// role. OFD locks, not classic fcntl locks: those drop when any fd to the file is closed. Queries
// use F_OFD_GETLK, which never takes the lock, so probing cannot block a starting process.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace scalpel::shm {

// Start time of `pid` in clock ticks since boot; 0 when the process does not exist.
[[nodiscard]] std::uint64_t process_start_ticks(pid_t pid) noexcept;

// True when `pid` exists and, if `start_ticks` is non-zero, started at that time.
[[nodiscard]] bool process_alive(pid_t pid, std::uint64_t start_ticks) noexcept;

enum class lock_probe : std::uint8_t { held, free, unknown };

// Takes an exclusive OFD lock on `path` (created 0600 if missing) and returns the fd to keep for
// the life of the process; -1 with errno EWOULDBLOCK/EAGAIN when another process holds it, or
// another errno on I/O failure.
[[nodiscard]] int acquire_role_lock(const std::string& path) noexcept;

// Blocks until no other open file description holds the lock on `path` (a hot standby waiting for
// the active process of its role to die), then returns without holding it: the caller attaches
// normally and may lose a race to another waiter, in which case it waits again. False on I/O
// failure (errno set).
[[nodiscard]] bool wait_role_lock_free(const std::string& path) noexcept;

// Whether some open file description holds a lock on `path`; free when the file does not exist,
// unknown when it cannot be opened.
[[nodiscard]] lock_probe probe_role_lock(const std::string& path) noexcept;

// How many lock requests on `path` the kernel holds blocked (hot standbys in wait_role_lock_free),
// read from /proc/locks ("->" rows of the file's device and inode); 0 when the file does not
// exist, -1 when it cannot be told.
[[nodiscard]] int count_lock_waiters(const std::string& path) noexcept;

} // namespace scalpel::shm
