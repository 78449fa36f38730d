// child_process: a real child process for integration tests (fork + exec, never a bare fork, so the
// child runs the real attach/startup path and inherits no Catch2 state). RAII: the destructor
// SIGKILLs and reaps a child that is still running, so a failed assertion never leaks a process.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace scalpel::test {

class child_process {
public:
    // Starts argv[0] with the given arguments; stdout/stderr go to `log_file` when not empty
    // (appended), else are inherited. Extra environment entries are "KEY=VALUE".
    explicit child_process(std::vector<std::string> argv, std::string log_file = {},
                           std::vector<std::string> extra_env = {});
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running();

    void kill(int signal); // sends the signal; does not wait
    // Waits up to `timeout` for exit; returns the raw wait status, or nullopt on timeout.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    // SIGKILL + reap. Returns the wait status.
    int kill_and_wait();

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// Polls `pred` every 5 ms until it returns true or `timeout` passes. Returns the last value.
template <class Pred> bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pred())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        struct timespec ts {
            0, 5'000'000
        };
        ::nanosleep(&ts, nullptr);
    }
}

// Runs a command to completion and returns {exit status, captured stdout+stderr}.
struct run_result {
    int exit_code = -1;
    std::string output;
};
run_result run_capture(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace scalpel::test
