// final_exit: makes a "cannot heal by restarting" exit (2 config, 3 segment version mismatch)
// final under supervisord. supervisord treats any exit before `startsecs` as a failed spawn and
// retries it whatever the exit code; so when SCALPEL_FINAL_EXIT_HOLD_S is set (the rendered
// supervisord.conf sets it to startsecs + 1), such an exit is held until the process has lived
// that long, and supervisord records it as an expected EXITED instead of spawning it again.
// Crashes (any other code) return at once: supervisord backs them off. Outside supervisord it
// never waits.
#pragma once

#include <chrono>

namespace scalpel {

inline constexpr int exit_config_error = 2;
inline constexpr int exit_version_mismatch = 3;

// Returns `code` unchanged; sleeps first (see above) when code is 2 or 3 and the hold is set.
// `started`: steady_clock time at the top of main.
int final_exit(int code, std::chrono::steady_clock::time_point started) noexcept;

} // namespace scalpel
