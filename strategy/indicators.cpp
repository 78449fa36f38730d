// indicators: straightforward single-pass loops over the series; no buffers, no allocation.
// Wilder smoothing and EMA seeding follow indicators.hpp exactly so the reference tests can
// recompute them independently.
#include "strategy/indicators.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace scalpel::strategy {
namespace {

struct close_view {
    candle_span c;
    [[nodiscard]] std::size_t size() const noexcept { return c.size(); }
    [[nodiscard]] double operator[](std::size_t i) const noexcept { return c[i].close; }
};

template <class V> std::optional<double> sma_impl(const V& v, int n) noexcept {
    if (n < 1 || v.size() < static_cast<std::size_t>(n))
        return std::nullopt;
    double sum = 0;
    for (std::size_t i = v.size() - static_cast<std::size_t>(n); i < v.size(); ++i)
        sum += v[i];
    return sum / n;
}

template <class V> std::optional<double> ema_impl(const V& v, int n) noexcept {
    if (n < 1 || v.size() < static_cast<std::size_t>(n))
        return std::nullopt;
    const auto un = static_cast<std::size_t>(n);
    double e = 0;
    for (std::size_t i = 0; i < un; ++i)
        e += v[i];
    e /= n;
    const double alpha = 2.0 / (n + 1);
    for (std::size_t i = un; i < v.size(); ++i)
        e += alpha * (v[i] - e);
    return e;
}

template <class V> std::optional<double> rsi_impl(const V& v, int n) noexcept {
    if (n < 1 || v.size() < static_cast<std::size_t>(n) + 1)
        return std::nullopt;
    const auto un = static_cast<std::size_t>(n);
    double gain = 0, loss = 0;
    for (std::size_t i = 1; i <= un; ++i) {
        const double d = v[i] - v[i - 1];
        if (d > 0)
            gain += d;
        else
            loss -= d;
    }
    gain /= n;
    loss /= n;
    for (std::size_t i = un + 1; i < v.size(); ++i) {
        const double d = v[i] - v[i - 1];
        gain = (gain * (n - 1) + (d > 0 ? d : 0)) / n;
        loss = (loss * (n - 1) + (d < 0 ? -d : 0)) / n;
    }
    if (loss <= 0)
        return gain <= 0 ? 50.0 : 100.0; // flat → neutral by convention
    return 100.0 - 100.0 / (1.0 + gain / loss);
}

template <class V>
std::optional<macd_value> macd_impl(const V& v, int fast, int slow, int signal_n) noexcept {
    if (fast < 1 || slow < 1 || signal_n < 1 || fast > slow)
        return std::nullopt;
    const auto need = static_cast<std::size_t>(slow + signal_n - 1);
    if (v.size() < need)
        return std::nullopt;
    const double af = 2.0 / (fast + 1), as = 2.0 / (slow + 1), ag = 2.0 / (signal_n + 1);
    double ef = 0, es = 0, sig = 0, line = 0;
    int line_count = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double x = v[i];
        const auto k = static_cast<int>(i) + 1; // values seen so far
        if (k < fast)
            ef += x;
        else if (k == fast)
            ef = (ef + x) / fast;
        else
            ef += af * (x - ef);
        if (k < slow)
            es += x;
        else if (k == slow)
            es = (es + x) / slow;
        else
            es += as * (x - es);
        if (k < slow)
            continue;
        line = ef - es;
        ++line_count;
        if (line_count < signal_n)
            sig += line;
        else if (line_count == signal_n)
            sig = (sig + line) / signal_n;
        else
            sig += ag * (line - sig);
    }
    return macd_value{line, sig, line - sig};
}

double true_range(const candle& cur, double prev_close) noexcept {
    return std::max(
        {cur.high - cur.low, std::abs(cur.high - prev_close), std::abs(cur.low - prev_close)});
}

template <class V>
std::optional<bollinger_value> bollinger_impl(const V& v, int n, double k) noexcept {
    const auto mid = sma_impl(v, n);
    if (!mid)
        return std::nullopt;
    double ss = 0;
    for (std::size_t i = v.size() - static_cast<std::size_t>(n); i < v.size(); ++i)
        ss += (v[i] - *mid) * (v[i] - *mid);
    const double sigma = std::sqrt(ss / n);
    return bollinger_value{*mid + k * sigma, *mid, *mid - k * sigma, sigma};
}

} // namespace

std::optional<double> sma(series v, int n) noexcept {
    return sma_impl(v, n);
}
std::optional<double> sma_close(candle_span c, int n) noexcept {
    return sma_impl(close_view{c}, n);
}
std::optional<double> ema(series v, int n) noexcept {
    return ema_impl(v, n);
}
std::optional<double> ema_close(candle_span c, int n) noexcept {
    return ema_impl(close_view{c}, n);
}
std::optional<double> rsi(series closes, int n) noexcept {
    return rsi_impl(closes, n);
}
std::optional<double> rsi_close(candle_span c, int n) noexcept {
    return rsi_impl(close_view{c}, n);
}
std::optional<macd_value> macd(series closes, int fast, int slow, int signal_n) noexcept {
    return macd_impl(closes, fast, slow, signal_n);
}
std::optional<macd_value> macd_close(candle_span c, int fast, int slow, int signal_n) noexcept {
    return macd_impl(close_view{c}, fast, slow, signal_n);
}
std::optional<bollinger_value> bollinger(series closes, int n, double k) noexcept {
    return bollinger_impl(closes, n, k);
}
std::optional<bollinger_value> bollinger_close(candle_span c, int n, double k) noexcept {
    return bollinger_impl(close_view{c}, n, k);
}

std::optional<double> atr(candle_span c, int n) noexcept {
    if (n < 1 || c.size() < static_cast<std::size_t>(n) + 1)
        return std::nullopt;
    const auto un = static_cast<std::size_t>(n);
    double a = 0;
    for (std::size_t i = 1; i <= un; ++i)
        a += true_range(c[i], c[i - 1].close);
    a /= n;
    for (std::size_t i = un + 1; i < c.size(); ++i)
        a = (a * (n - 1) + true_range(c[i], c[i - 1].close)) / n;
    return a;
}

std::optional<adx_value> adx(candle_span c, int n) noexcept {
    if (n < 1 || c.size() < 2 * static_cast<std::size_t>(n))
        return std::nullopt;
    double s_tr = 0, s_pdm = 0, s_mdm = 0, adx_v = 0, pdi = 0, mdi = 0;
    int dx_count = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
        const double up = c[i].high - c[i - 1].high;
        const double down = c[i - 1].low - c[i].low;
        const double pdm = (up > down && up > 0) ? up : 0;
        const double mdm = (down > up && down > 0) ? down : 0;
        const double tr = true_range(c[i], c[i - 1].close);
        if (i <= static_cast<std::size_t>(n)) {
            s_tr += tr;
            s_pdm += pdm;
            s_mdm += mdm;
            if (i < static_cast<std::size_t>(n))
                continue;
        } else {
            s_tr = s_tr - s_tr / n + tr;
            s_pdm = s_pdm - s_pdm / n + pdm;
            s_mdm = s_mdm - s_mdm / n + mdm;
        }
        pdi = s_tr > 0 ? 100.0 * s_pdm / s_tr : 0;
        mdi = s_tr > 0 ? 100.0 * s_mdm / s_tr : 0;
        const double di_sum = pdi + mdi;
        const double dx = di_sum > 0 ? 100.0 * std::abs(pdi - mdi) / di_sum : 0;
        ++dx_count;
        if (dx_count < n)
            adx_v += dx;
        else if (dx_count == n)
            adx_v = (adx_v + dx) / n;
        else
            adx_v = (adx_v * (n - 1) + dx) / n;
    }
    return adx_value{adx_v, pdi, mdi};
}

std::optional<double> volume_ratio(candle_span c, int n) noexcept {
    if (n < 1 || c.size() < static_cast<std::size_t>(n) + 1)
        return std::nullopt;
    double sum = 0;
    for (std::size_t i = c.size() - 1 - static_cast<std::size_t>(n); i < c.size() - 1; ++i)
        sum += c[i].volume;
    if (!(sum > 0))
        return std::nullopt;
    return c.back().volume / (sum / n);
}

} // namespace scalpel::strategy
