// candle_cache: one symbol × timeframe series of CONFIRMED candles, oldest first, kept across
// cycles so a warm cycle asks the exchange only for the bars it lacks. OKX answers newest first
// with the forming bar (confirm "0") on top; merge() drops unconfirmed rows, reverses, appends
// only bars newer than the cache and reports a gap (fetch did not reach the cached bars) so the
// caller refetches in full. Pure: no I/O, no clock (now_ms is an argument), never throws.
#pragma once

#include "common/candle.hpp"
#include "common/okx/types.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace scalpel::signal {

enum class merge_outcome : std::uint8_t {
    unchanged, // nothing newer than the cache (or only unconfirmed rows)
    appended,  // new confirmed bars joined the cache without a hole
    replaced,  // the cache was empty (cold) and now holds the fetched bars
    gap,       // the fetched bars do not reach the cache: nothing merged, refetch in full
};
[[nodiscard]] const char* to_string(merge_outcome m) noexcept;

struct merge_result {
    merge_outcome outcome = merge_outcome::unchanged;
    std::size_t added = 0; // confirmed bars added
    std::size_t dropped_unconfirmed = 0;
};

class candle_series {
public:
    // bar: OKX bar name ("5m", "1H", "1Dutc"); capacity: confirmed bars kept (oldest trimmed).
    candle_series(std::string bar, std::size_t capacity);

    [[nodiscard]] const std::string& bar() const noexcept { return bar_; }
    [[nodiscard]] std::int64_t bar_ms() const noexcept { return bar_ms_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    [[nodiscard]] candle_span bars() const noexcept { return {bars_.data(), bars_.size()}; }
    [[nodiscard]] bool empty() const noexcept { return bars_.empty(); }
    // The newest `n` confirmed bars (fewer when the cache holds fewer).
    [[nodiscard]] candle_span last(std::size_t n) const noexcept;

    // True when a bar newer than the cache may have closed by now_ms: the bar after the newest
    // cached one ends at newest + 2·bar_ms. Always true when empty.
    [[nodiscard]] bool needs_fetch(std::int64_t now_ms) const noexcept;
    // The `limit` to ask for: the full capacity (+1 for the forming row) when cold or when more
    // bars are missing than that; else the missing bars + 2 (overlap with the cache + forming row).
    [[nodiscard]] int fetch_limit(std::int64_t now_ms, int max_limit = 300) const noexcept;

    // Merges an OKX answer (newest first). Rows must be of this series' bar.
    merge_result merge(std::span<const okx::candle_row> rows_newest_first);
    void clear() noexcept { bars_.clear(); }

private:
    std::string bar_;
    std::int64_t bar_ms_;
    std::size_t capacity_;
    std::vector<candle> bars_;
};

} // namespace scalpel::signal
