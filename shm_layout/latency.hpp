// Latency bucket math: the one definition of the log-linear nanosecond histogram the guard keeps in
// the segment (16 sub-buckets per power of two, so every bucket is within ~6 % of its values;
// values below 32 ns are exact). index_of/upper_bound_of place a value; percentile_of reads a
// quantile off a bucket array. Pure constexpr functions over plain integers: no atomics, no
// allocation, no clock, so the segment, the inspect tool, tests and benchmarks all compute the same
// figures.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

namespace scalpel::shm {

inline constexpr int latency_sub_bits = 4;
inline constexpr std::size_t latency_sub_count = std::size_t{1} << latency_sub_bits;
inline constexpr std::size_t latency_bucket_count = (64 - latency_sub_bits + 1) * latency_sub_count;

// The bucket of value v (any uint64).
[[nodiscard]] constexpr std::size_t latency_index_of(std::uint64_t v) noexcept {
    if (v < latency_sub_count)
        return static_cast<std::size_t>(v);
    const int msb = 63 - std::countl_zero(v);
    const int shift = msb - latency_sub_bits;
    return static_cast<std::size_t>(shift + 1) * latency_sub_count +
           static_cast<std::size_t>((v >> shift) & (latency_sub_count - 1));
}

// Largest value mapping to bucket i (i < latency_bucket_count).
[[nodiscard]] constexpr std::uint64_t latency_upper_bound_of(std::size_t i) noexcept {
    if (i < latency_sub_count)
        return i;
    const std::size_t shift = i / latency_sub_count - 1;
    const std::uint64_t lo = (latency_sub_count + i % latency_sub_count) << shift;
    return lo + ((std::uint64_t{1} << shift) - 1);
}

// Quantile q (0..1) of the distribution in `buckets`: the upper bound of the bucket holding the
// ⌊q·total + ½⌋-th value (at least the 1st), never above max_ns. total is the sum of the buckets
// (passing it in lets callers reuse a sum they have). 0 when total is 0.
[[nodiscard]] constexpr std::uint64_t latency_percentile_of(std::span<const std::uint64_t> buckets,
                                                            std::uint64_t total,
                                                            std::uint64_t max_ns,
                                                            double q) noexcept {
    if (total == 0)
        return 0;
    auto target = static_cast<std::uint64_t>(q * static_cast<double>(total) + 0.5);
    if (target < 1)
        target = 1;
    if (target > total)
        target = total;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (seen >= target) {
            const std::uint64_t ub = latency_upper_bound_of(i);
            return ub < max_ns ? ub : max_ns;
        }
    }
    return max_ns;
}

static_assert(latency_index_of(15) == 15 && latency_index_of(16) == 16 &&
              latency_index_of(31) == 31 && latency_index_of(32) == 32 &&
              latency_index_of(33) == 32 && latency_index_of(34) == 33);
static_assert(latency_upper_bound_of(32) == 33 && latency_upper_bound_of(31) == 31);
static_assert(latency_index_of(~std::uint64_t{0}) == latency_bucket_count - 1);
static_assert(latency_upper_bound_of(latency_bucket_count - 1) == ~std::uint64_t{0});

} // namespace scalpel::shm
