// latency_histogram: a fixed, allocation-free log-linear histogram of nanosecond latencies (16
// sub-buckets per power of two, so every bucket is within ~6 % of its values). The guard records
// tick-in → order-bytes-out into it on the hot path and logs p50/p99/p99.9 once a minute. It lives
// in guard memory because the segment (layout v1) has no block for it; see the lead's request in
// the report. Single writer, never locks, never allocates.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace scalpel::guard {

class latency_histogram {
public:
    static constexpr int sub_bits = 4;
    static constexpr std::size_t sub_count = std::size_t{1} << sub_bits;
    static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

    // Records one value (negative values count as 0).
    void record(std::int64_t ns) noexcept {
        const auto v = static_cast<std::uint64_t>(ns > 0 ? ns : 0);
        ++buckets_[index_of(v)];
        ++count_;
        if (v > max_) max_ = v;
    }

    // The smallest recorded bucket bound at or above quantile q (0..1); 0 when empty.
    [[nodiscard]] std::uint64_t percentile(double q) const noexcept {
        if (count_ == 0) return 0;
        auto target = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.5);
        if (target < 1) target = 1;
        if (target > count_) target = count_;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < bucket_count; ++i) {
            seen += buckets_[i];
            if (seen >= target) return upper_bound_of(i) < max_ ? upper_bound_of(i) : max_;
        }
        return max_;
    }

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
    void reset() noexcept { *this = latency_histogram{}; }

    [[nodiscard]] static constexpr std::size_t index_of(std::uint64_t v) noexcept {
        if (v < sub_count) return static_cast<std::size_t>(v);
        const int msb = 63 - std::countl_zero(v);
        const int shift = msb - sub_bits;
        return static_cast<std::size_t>(shift + 1) * sub_count + static_cast<std::size_t>((v >> shift) & (sub_count - 1));
    }
    // Largest value mapping to bucket i.
    [[nodiscard]] static constexpr std::uint64_t upper_bound_of(std::size_t i) noexcept {
        if (i < sub_count) return i;
        const std::size_t shift = i / sub_count - 1;
        const std::uint64_t lo = (sub_count + i % sub_count) << shift;
        return lo + ((std::uint64_t{1} << shift) - 1);
    }

private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

static_assert(latency_histogram::index_of(15) == 15 && latency_histogram::index_of(16) == 16 &&
              latency_histogram::index_of(31) == 31 && latency_histogram::index_of(32) == 32);
static_assert(latency_histogram::upper_bound_of(32) == 33 && latency_histogram::upper_bound_of(31) == 31);
static_assert(latency_histogram::index_of(~std::uint64_t{0}) < latency_histogram::bucket_count);

}  // namespace scalpel::guard
