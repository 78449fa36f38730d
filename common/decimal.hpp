// decimal: an exact base-10 number (mantissa × 10^-scale) for exchange precision.
// OKX sends prices and sizes as decimal strings and requires order sizes to be whole multiples of
// lotSz and prices of tickSz. Doubles cannot say "0.1" exactly, so every value that goes on the
// wire is rounded onto its increment here and formatted from integers, never from a double.
// Strategy math stays in double; this is the boundary where it becomes an order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scalpel {

class decimal {
public:
    static constexpr int max_scale = 18;

    constexpr decimal() noexcept = default;
    constexpr decimal(std::int64_t mantissa, int scale) noexcept
        : mantissa_(mantissa), scale_(scale) {}

    // Parses "0.00000001", "52000", "-1", "1e-8" is rejected (OKX never sends exponents).
    // Returns nullopt on anything else, on more than max_scale fractional digits or overflow.
    [[nodiscard]] static std::optional<decimal> parse(std::string_view text) noexcept;

    // The multiple of `step` nearest to / at or below / at or above `value`. A relative tolerance
    // of 1e-9 step absorbs binary noise (0.3/0.1 = 2.9999999999999996 must floor to 3 steps).
    // `step` must be positive.
    [[nodiscard]] static decimal round_to(double value, decimal step) noexcept;
    [[nodiscard]] static decimal floor_to(double value, decimal step) noexcept;
    [[nodiscard]] static decimal ceil_to(double value, decimal step) noexcept;

    [[nodiscard]] constexpr std::int64_t mantissa() const noexcept { return mantissa_; }
    [[nodiscard]] constexpr int scale() const noexcept { return scale_; }
    [[nodiscard]] double to_double() const noexcept;
    [[nodiscard]] constexpr bool is_zero() const noexcept { return mantissa_ == 0; }
    [[nodiscard]] constexpr bool is_positive() const noexcept { return mantissa_ > 0; }

    // Exact text, trailing fractional zeros trimmed: decimal(150000,4) → "15". Writes at most 42
    // bytes; returns the number written (no terminator).
    std::size_t format(char* out, std::size_t cap) const noexcept;
    [[nodiscard]] std::string str() const;

    // Exact comparison across scales.
    friend int compare(decimal a, decimal b) noexcept;
    friend bool operator==(decimal a, decimal b) noexcept { return compare(a, b) == 0; }
    friend bool operator<(decimal a, decimal b) noexcept { return compare(a, b) < 0; }
    friend bool operator<=(decimal a, decimal b) noexcept { return compare(a, b) <= 0; }
    friend bool operator>(decimal a, decimal b) noexcept { return compare(a, b) > 0; }
    friend bool operator>=(decimal a, decimal b) noexcept { return compare(a, b) >= 0; }

    // True when this value is a whole multiple of step (e.g. sz against lotSz).
    [[nodiscard]] bool is_multiple_of(decimal step) const noexcept;

private:
    std::int64_t mantissa_ = 0;
    int scale_ = 0;
};

} // namespace scalpel
