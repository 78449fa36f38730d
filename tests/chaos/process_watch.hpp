// process_watch: which of the bot's processes exist, sampled from the process table (supervisord's
// children and their command lines), never from the bot's own records. Records, per program, the
// intervals in which it had no process — the chaos audit's notion of "no live guard" — and lets
// the driver SIGKILL the current process of a program. A background thread samples every few ms.
// With a guard role lock path, the guard is the guard_proc process that holds that OFD lock (from
// /proc/<pid>/fdinfo): a hot standby waiting for the role guards nothing and is not counted.
#pragma once

#include "tests/chaos/audit.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace scalpel::chaos {

enum class program { guard = 0, signal = 1 };
inline constexpr int program_count = 2;
[[nodiscard]] const char* program_name(program p) noexcept;

class process_watch {
public:
    // `supervisord_pidfile`: the run dir's supervisord.pid.
    // `guard_lock`: <run_dir>/<segment>.guard.lock, or empty to count any guard_proc process.
    explicit process_watch(std::string supervisord_pidfile, std::string guard_lock = {},
                           std::chrono::milliseconds period = std::chrono::milliseconds(5));
    ~process_watch();
    process_watch(const process_watch&) = delete;
    process_watch& operator=(const process_watch&) = delete;

    // The program's current pid, 0 when it has none.
    [[nodiscard]] pid_t pid(program p) const;
    // SIGKILLs the program's current process and opens a down interval at once (before the
    // sampler notices). Returns false when it had no process.
    bool kill(program p);
    // Waits until the program has a process (at most `timeout`).
    bool wait_up(program p, std::chrono::milliseconds timeout) const;

    // Down intervals so far; an open one ends at `now_ns`.
    [[nodiscard]] std::vector<interval> down(program p, std::int64_t now_ns) const;
    // Process changes the driver did not cause (crashes, exits).
    [[nodiscard]] int unexpected_exits(program p) const;

private:
    struct state {
        pid_t pid = 0;
        std::int64_t down_since = -1; // -1: up
        std::vector<interval> down;
        int unexpected = 0;
        pid_t killed = 0; // the pid we killed, until it is gone
    };
    void loop();
    void sample();

    std::string pidfile_;
    std::string guard_lock_;
    std::chrono::milliseconds period_;
    mutable std::mutex mu_;
    state st_[program_count];
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

[[nodiscard]] std::int64_t mono_now_ns() noexcept;

} // namespace scalpel::chaos
