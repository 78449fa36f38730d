// amount: the simulator's exact fixed-point number (a signed 128-bit count of 10^-12 units) for
// balances, prices, sizes and fees. OKX fees reach 11 decimals (0.1 % of one BTC lot), so 12 is
// enough; 128 bits keep price × size (≈1e17 × 1e13) exact. Parsing goes through common/decimal, so
// a wire string is read exactly; it must never round silently on the way in (more than 12
// fractional digits is a parse failure) and is formatted with trailing zeros trimmed.
#pragma once

#include "common/decimal.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scalpel::sim {

__extension__ typedef __int128 i128;

class amount {
public:
    static constexpr int scale = 12;
    static constexpr std::int64_t one_raw = 1'000'000'000'000;

    constexpr amount() noexcept = default;
    [[nodiscard]] static constexpr amount from_raw(i128 raw) noexcept {
        amount a;
        a.raw_ = raw;
        return a;
    }
    [[nodiscard]] static constexpr amount from_int(std::int64_t v) noexcept {
        return from_raw(i128(v) * one_raw);
    }

    // Exact conversion of a decimal; nullopt when it has more than 12 fractional digits.
    [[nodiscard]] static std::optional<amount> from_decimal(decimal d) noexcept {
        if (d.scale() > scale)
            return std::nullopt;
        i128 r = d.mantissa();
        for (int s = d.scale(); s < scale; ++s)
            r *= 10;
        return from_raw(r);
    }
    // Parses a wire string ("0.001", "52000", "-1"); nullopt on anything else.
    [[nodiscard]] static std::optional<amount> parse(std::string_view text) noexcept {
        const auto d = decimal::parse(text);
        if (!d)
            return std::nullopt;
        return from_decimal(*d);
    }

    [[nodiscard]] constexpr i128 raw() const noexcept { return raw_; }
    [[nodiscard]] double to_double() const noexcept {
        return static_cast<double>(raw_) / static_cast<double>(one_raw);
    }
    [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
    [[nodiscard]] constexpr bool positive() const noexcept { return raw_ > 0; }
    [[nodiscard]] constexpr bool negative() const noexcept { return raw_ < 0; }

    friend constexpr amount operator+(amount a, amount b) noexcept {
        return from_raw(a.raw_ + b.raw_);
    }
    friend constexpr amount operator-(amount a, amount b) noexcept {
        return from_raw(a.raw_ - b.raw_);
    }
    constexpr amount operator-() const noexcept { return from_raw(-raw_); }
    amount& operator+=(amount b) noexcept {
        raw_ += b.raw_;
        return *this;
    }
    amount& operator-=(amount b) noexcept {
        raw_ -= b.raw_;
        return *this;
    }
    friend constexpr auto operator<=>(amount a, amount b) noexcept = default;

    // a × b truncated toward zero to 12 decimals.
    [[nodiscard]] friend constexpr amount mul(amount a, amount b) noexcept {
        return from_raw(a.raw_ * b.raw_ / one_raw);
    }
    // a ÷ b truncated toward zero; b must be non-zero (returns 0 otherwise).
    [[nodiscard]] friend constexpr amount div(amount a, amount b) noexcept {
        return b.raw_ == 0 ? amount{} : from_raw(a.raw_ * one_raw / b.raw_);
    }
    // Largest multiple of step that is <= this (for non-negative values); step must be positive.
    [[nodiscard]] constexpr amount floor_to(amount step) const noexcept {
        if (step.raw_ <= 0)
            return *this;
        return from_raw(raw_ / step.raw_ * step.raw_);
    }
    [[nodiscard]] constexpr amount round_to(amount step) const noexcept {
        if (step.raw_ <= 0)
            return *this;
        const i128 half = step.raw_ / 2;
        return from_raw((raw_ >= 0 ? (raw_ + half) : (raw_ - half)) / step.raw_ * step.raw_);
    }
    [[nodiscard]] constexpr bool multiple_of(amount step) const noexcept {
        return step.raw_ > 0 && raw_ % step.raw_ == 0;
    }

    // Nearest multiple of step to a double (market data comes as doubles from the CSV files).
    [[nodiscard]] static amount from_double(double v, amount step) noexcept {
        const double units = v * static_cast<double>(one_raw);
        const auto r = from_raw(static_cast<i128>(units >= 0 ? units + 0.5 : units - 0.5));
        return r.round_to(step);
    }

    // "0.00000192834", "-1", "0": no exponent, trailing zeros trimmed.
    [[nodiscard]] std::string str() const {
        i128 v = raw_;
        const bool neg = v < 0;
        if (neg)
            v = -v;
        const i128 whole = v / one_raw;
        i128 frac = v % one_raw;
        std::string w;
        i128 x = whole;
        do {
            w.insert(w.begin(), static_cast<char>('0' + static_cast<int>(x % 10)));
            x /= 10;
        } while (x != 0);
        std::string out = neg ? "-" + w : w;
        if (frac != 0) {
            char digits[scale];
            for (int i = scale - 1; i >= 0; --i) {
                digits[i] = static_cast<char>('0' + static_cast<int>(frac % 10));
                frac /= 10;
            }
            int n = scale;
            while (n > 0 && digits[n - 1] == '0')
                --n;
            out += '.';
            out.append(digits, static_cast<std::size_t>(n));
        }
        return out;
    }

private:
    i128 raw_ = 0;
};

} // namespace scalpel::sim
