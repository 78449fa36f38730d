// decimal: parsing, rounding onto an increment, and exact formatting. See decimal.hpp.
#include "common/decimal.hpp"

#include <cmath>
#include <cstring>

namespace scalpel {
namespace {

// 128-bit intermediates so aligning scales can never overflow silently. __extension__ keeps
// -Wpedantic quiet about the GNU type.
__extension__ using int128 = __int128;

constexpr std::int64_t pow10(int n) noexcept {
    std::int64_t p = 1;
    for (int i = 0; i < n; ++i)
        p *= 10;
    return p;
}

// Brings both mantissas to the larger scale, using 128-bit so no overflow can lie to us.
struct aligned {
    int128 a, b;
};
aligned align(decimal a, decimal b) noexcept {
    int128 x = a.mantissa(), y = b.mantissa();
    for (int s = a.scale(); s < b.scale(); ++s)
        x *= 10;
    for (int s = b.scale(); s < a.scale(); ++s)
        y *= 10;
    return {x, y};
}

enum class rounding { nearest, down, up };

decimal snap(double value, decimal step, rounding mode) noexcept {
    if (step.mantissa() <= 0 || !std::isfinite(value))
        return decimal(0, step.scale());
    const double step_value = step.to_double();
    const double steps = value / step_value;
    constexpr double tolerance = 1e-9;
    double whole = 0;
    switch (mode) {
    case rounding::nearest:
        whole = std::nearbyint(steps);
        break;
    case rounding::down:
        whole = std::floor(steps + tolerance);
        break;
    case rounding::up:
        whole = std::ceil(steps - tolerance);
        break;
    }
    const double mantissa = whole * static_cast<double>(step.mantissa());
    if (std::fabs(mantissa) > 9.0e18)
        return decimal(0, step.scale());
    return decimal(static_cast<std::int64_t>(whole) * step.mantissa(), step.scale());
}

} // namespace

std::optional<decimal> decimal::parse(std::string_view text) noexcept {
    if (text.empty())
        return std::nullopt;
    bool negative = false;
    std::size_t i = 0;
    if (text[0] == '-' || text[0] == '+') {
        negative = text[0] == '-';
        i = 1;
    }
    int128 mantissa = 0;
    int scale = 0;
    bool seen_point = false, seen_digit = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.') {
            if (seen_point)
                return std::nullopt;
            seen_point = true;
            continue;
        }
        if (c < '0' || c > '9')
            return std::nullopt;
        seen_digit = true;
        if (seen_point && ++scale > max_scale)
            return std::nullopt;
        mantissa = mantissa * 10 + (c - '0');
        if (mantissa > static_cast<int128>(INT64_MAX))
            return std::nullopt;
    }
    if (!seen_digit)
        return std::nullopt;
    const auto m = static_cast<std::int64_t>(mantissa);
    return decimal(negative ? -m : m, scale);
}

decimal decimal::round_to(double value, decimal step) noexcept {
    return snap(value, step, rounding::nearest);
}
decimal decimal::floor_to(double value, decimal step) noexcept {
    return snap(value, step, rounding::down);
}
decimal decimal::ceil_to(double value, decimal step) noexcept {
    return snap(value, step, rounding::up);
}

double decimal::to_double() const noexcept {
    return static_cast<double>(mantissa_) / static_cast<double>(pow10(scale_));
}

std::size_t decimal::format(char* out, std::size_t cap) const noexcept {
    char buf[48];
    std::size_t n = 0;
    std::uint64_t m = mantissa_ < 0 ? 0 - static_cast<std::uint64_t>(mantissa_)
                                    : static_cast<std::uint64_t>(mantissa_);
    int scale = scale_;
    while (scale > 0 && m % 10 == 0) { // trim trailing fractional zeros
        m /= 10;
        --scale;
    }
    char digits[24];
    int d = 0;
    do {
        digits[d++] = static_cast<char>('0' + m % 10);
        m /= 10;
    } while (m != 0);
    while (d <= scale)
        digits[d++] = '0'; // at least one digit before the point
    if (mantissa_ < 0 && !(d == 1 && digits[0] == '0'))
        buf[n++] = '-';
    for (int k = d - 1; k >= 0; --k) {
        buf[n++] = digits[k];
        if (k == scale && scale > 0)
            buf[n++] = '.';
    }
    const std::size_t w = n < cap ? n : cap;
    std::memcpy(out, buf, w);
    return w;
}

std::string decimal::str() const {
    char buf[48];
    return std::string(buf, format(buf, sizeof buf));
}

int compare(decimal a, decimal b) noexcept {
    const auto [x, y] = align(a, b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

bool decimal::is_multiple_of(decimal step) const noexcept {
    if (step.mantissa_ <= 0)
        return false;
    const auto [x, y] = align(*this, step);
    return x % y == 0;
}

} // namespace scalpel
