// sessions: UTC hour and weekday from epoch ms (1970-01-01 was a Thursday), then the windows.
#include "strategy/sessions.hpp"

namespace scalpel::strategy {

namespace {
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
} // namespace

session_verdict session_filter(const session_config& cfg, std::int64_t now_ms) noexcept {
    session_verdict v{};
    const std::int64_t days = floor_div(now_ms, 86'400'000);
    v.utc_hour = static_cast<int>(floor_div(now_ms - days * 86'400'000, 3'600'000));
    v.weekday = static_cast<int>(((days % 7) + 7 + 4) % 7); // 0 = Sunday
    const int h = v.utc_hour;
    v.open_sessions = (cfg.asia && h < 9 ? 1 : 0) + (cfg.europe && h >= 7 && h < 16 ? 1 : 0) +
                      (cfg.america && h >= 13 && h < 22 ? 1 : 0);
    v.verdict.reason = filter_reason::pass;
    if (cfg.weekend_block && (v.weekday == 0 || (v.weekday == 6 && h >= 22))) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::weekend;
        return v;
    }
    if (!cfg.enabled) {
        v.verdict.reason = filter_reason::disabled;
        return v;
    }
    if (v.open_sessions == 0) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::outside_sessions;
    } else if (cfg.overlap_only && v.open_sessions < 2) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::not_overlap;
    }
    return v;
}

} // namespace scalpel::strategy
