// progress: a one-line progress bar on stderr for long runs. Shown only when stderr is a
// terminal or the user forced it, and only once the run has lasted a second, so short runs and
// pipes stay silent. It reads the wall clock for display only; nothing it sees reaches a report.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace scalpel::backtest {

class progress_bar {
public:
    // `enabled` false → every call is a no-op. `total` units; `label` prefixes the bar.
    progress_bar(bool enabled, std::uint64_t total, std::FILE* out = stderr);
    ~progress_bar();
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;

    // Sets the current label (e.g. the run's name) shown beside the bar.
    void set_label(std::string label);
    // Reports absolute progress; redraws at most every 100 ms.
    void update(std::uint64_t done);
    // Clears the line if anything was drawn.
    void finish();

private:
    bool enabled_;
    std::uint64_t total_;
    std::FILE* out_;
    std::string label_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

// True when stderr is a terminal.
[[nodiscard]] bool stderr_is_tty() noexcept;

} // namespace scalpel::backtest
