// final_exit: holds config/version exits under supervisord. See final_exit.hpp.
#include "common/final_exit.hpp"

#include <cstdlib>
#include <string>
#include <thread>

namespace scalpel {

int final_exit(int code, std::chrono::steady_clock::time_point started) noexcept {
    if (code != exit_config_error && code != exit_version_mismatch)
        return code;
    const char* env = std::getenv("SCALPEL_FINAL_EXIT_HOLD_S");
    if (env == nullptr || *env == '\0')
        return code;
    char* end = nullptr;
    const double hold_s = std::strtod(env, &end);
    if (end == env || hold_s <= 0 || hold_s > 60)
        return code;
    const auto until = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(hold_s));
    std::this_thread::sleep_until(until);
    return code;
}

} // namespace scalpel
