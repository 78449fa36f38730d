// progress: carriage-return redraws of "[#####.....]  42% label  ETA 3s".
#include "backtest/progress.hpp"

#include <unistd.h>

#include <algorithm>

namespace scalpel::backtest {

bool stderr_is_tty() noexcept {
    return ::isatty(STDERR_FILENO) == 1;
}

progress_bar::progress_bar(bool enabled, std::uint64_t total, std::FILE* out)
    : enabled_(enabled && total > 0), total_(total), out_(out),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

progress_bar::~progress_bar() {
    finish();
}

void progress_bar::set_label(std::string label) {
    label_ = std::move(label);
}

void progress_bar::update(std::uint64_t done) {
    if (!enabled_)
        return;
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::seconds(1) ||
        (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)))
        return;
    last_draw_ = now;
    drawn_ = true;
    const double frac = std::min(1.0, double(done) / double(total_));
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width);
    char bar[width + 1];
    for (int i = 0; i < width; ++i)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = frac > 0 ? elapsed * (1 - frac) / frac : 0;
    std::fprintf(out_, "\r[%s] %3d%% %-34.34s ETA %4.0fs", bar, static_cast<int>(frac * 100),
                 label_.c_str(), eta);
    std::fflush(out_);
}

void progress_bar::finish() {
    if (!drawn_)
        return;
    std::fprintf(out_, "\r%*s\r", 80, "");
    std::fflush(out_);
    drawn_ = false;
}

} // namespace scalpel::backtest
