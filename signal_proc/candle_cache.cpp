// candle_cache: merge of newest-first OKX rows into an oldest-first confirmed series. See the
// header.
#include "signal_proc/candle_cache.hpp"

#include <algorithm>

namespace scalpel::signal {

const char* to_string(merge_outcome m) noexcept {
    switch (m) {
    case merge_outcome::unchanged:
        return "unchanged";
    case merge_outcome::appended:
        return "appended";
    case merge_outcome::replaced:
        return "replaced";
    case merge_outcome::gap:
        return "gap";
    }
    return "?";
}

candle_series::candle_series(std::string bar, std::size_t capacity)
    : bar_(std::move(bar)), bar_ms_(bar_duration_ms(bar_)),
      capacity_(std::max<std::size_t>(capacity, 1)) {
    bars_.reserve(capacity_ + 1);
}

candle_span candle_series::last(std::size_t n) const noexcept {
    const std::size_t k = std::min(n, bars_.size());
    return {bars_.data() + (bars_.size() - k), k};
}

bool candle_series::needs_fetch(std::int64_t now_ms) const noexcept {
    if (bars_.empty() || bar_ms_ <= 0)
        return true;
    return now_ms >= bars_.back().open_time_ms + 2 * bar_ms_;
}

int candle_series::fetch_limit(std::int64_t now_ms, int max_limit) const noexcept {
    const int full =
        static_cast<int>(std::min<std::size_t>(capacity_ + 1, static_cast<std::size_t>(max_limit)));
    if (bars_.empty() || bar_ms_ <= 0)
        return full;
    const std::int64_t missing =
        (now_ms - bars_.back().open_time_ms) / bar_ms_; // includes the forming bar
    if (missing + 2 >= full)
        return full;
    return static_cast<int>(std::max<std::int64_t>(missing + 2, 2));
}

merge_result candle_series::merge(std::span<const okx::candle_row> rows) {
    merge_result r;
    std::vector<candle> fresh; // oldest first, confirmed only
    fresh.reserve(rows.size());
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        if (!it->confirmed) {
            ++r.dropped_unconfirmed;
            continue;
        }
        if (!fresh.empty() && it->bar.open_time_ms <= fresh.back().open_time_ms)
            continue; // unordered/dup rows
        fresh.push_back(it->bar);
    }
    if (fresh.empty())
        return r;
    if (bars_.empty()) {
        bars_ = std::move(fresh);
        r.outcome = merge_outcome::replaced;
        r.added = bars_.size();
    } else {
        const std::int64_t newest = bars_.back().open_time_ms;
        const auto first_new =
            std::upper_bound(fresh.begin(), fresh.end(), newest,
                             [](std::int64_t t, const candle& c) { return t < c.open_time_ms; });
        if (first_new == fresh.end())
            return r;
        // The fetch must overlap the cache or continue it exactly; otherwise bars are missing.
        const bool overlaps = first_new != fresh.begin();
        if (!overlaps && first_new->open_time_ms != newest + bar_ms_) {
            r.outcome = merge_outcome::gap;
            return r;
        }
        r.added = static_cast<std::size_t>(fresh.end() - first_new);
        bars_.insert(bars_.end(), first_new, fresh.end());
        r.outcome = merge_outcome::appended;
    }
    if (bars_.size() > capacity_)
        bars_.erase(bars_.begin(),
                    bars_.begin() + static_cast<std::ptrdiff_t>(bars_.size() - capacity_));
    return r;
}

} // namespace scalpel::signal
