// Clocks used across scalpel. Two kinds of time, never mixed:
//  * monotonic nanoseconds (CLOCK_MONOTONIC, system-wide, so comparable across processes) for
//    heartbeats, ages and latencies;
//  * wall-clock milliseconds since the Unix epoch (UTC) for anything the exchange sees.
// Pure strategy code never calls these: time is passed in as a parameter.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>

namespace scalpel {

using mono_ns = std::int64_t;  // CLOCK_MONOTONIC nanoseconds
using epoch_ms = std::int64_t; // Unix epoch milliseconds, UTC

[[nodiscard]] inline mono_ns monotonic_now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<mono_ns>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

[[nodiscard]] inline epoch_ms wall_now_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

[[nodiscard]] inline std::int64_t wall_now_ns() noexcept {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace scalpel
