// events: what the notifier tells the operator, found by polling the segment read-only — a new
// position (entry), a closed trade (close, with net PnL), halt/resume, the guard down or a feed
// stale for longer than a threshold (and back), and a burst of errors. Pure state over
// successive snapshots: no I/O, no clock of its own (callers pass the times).
#pragma once

#include "shm_layout/segment.hpp"

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace scalpel::notify {

struct event {
    std::string kind; // entry | close | halt | resume | guard_down | guard_up | feed_stale |
                      // feed_ok | errors
    std::string text; // one human line
};

struct detector_settings {
    std::chrono::milliseconds guard_down_after{5000};
    std::chrono::milliseconds feed_stale_after{10000};
    std::uint64_t error_burst = 5; // errors (all roles) within error_window
    std::chrono::milliseconds error_window{60000};
};

class event_detector {
public:
    explicit event_detector(detector_settings s) : s_(s) {}
    // Everything new since the last poll. The first poll only learns the current state (no
    // flood of old trades at start).
    [[nodiscard]] std::vector<event> poll(const shm::segment& seg, mono_ns now);

private:
    void slots(const shm::segment& seg, std::vector<event>& out);
    void journal(const shm::segment& seg, std::vector<event>& out);
    void health(const shm::segment& seg, mono_ns now, std::vector<event>& out);

    detector_settings s_;
    bool primed_ = false;
    std::array<std::uint32_t, shm::slot_capacity> seen_gen_{};
    std::uint64_t journal_head_ = 0;
    bool halted_ = false;
    mono_ns guard_bad_since_ = 0;
    bool guard_down_ = false;
    std::map<std::string, mono_ns> stale_since_;
    std::map<std::string, bool> stale_reported_;
    std::uint64_t errors_at_window_ = 0;
    mono_ns window_start_ = 0;
};

} // namespace scalpel::notify
