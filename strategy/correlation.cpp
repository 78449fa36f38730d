// correlation: walks both series backwards from the newest bar, pairing bars with equal open
// times, and accumulates Pearson sums on the fly (no buffers).
#include "strategy/correlation.hpp"

#include <cmath>
#include <cstddef>

namespace scalpel::strategy {

std::optional<double> log_return_correlation(candle_span a, candle_span b, int returns,
                                             int min_returns) noexcept {
    if (returns < 2)
        return std::nullopt;
    std::size_t i = a.size(), j = b.size();
    bool have_prev = false;
    double prev_a = 0, prev_b = 0;
    int n = 0;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    while (i > 0 && j > 0 && n < returns) {
        const candle& ca = a[i - 1];
        const candle& cb = b[j - 1];
        if (ca.open_time_ms > cb.open_time_ms) {
            --i;
            continue;
        }
        if (cb.open_time_ms > ca.open_time_ms) {
            --j;
            continue;
        }
        --i;
        --j;
        if (!(ca.close > 0) || !(cb.close > 0))
            return std::nullopt;
        if (have_prev) {
            const double x = std::log(prev_a / ca.close);
            const double y = std::log(prev_b / cb.close);
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
            ++n;
        }
        prev_a = ca.close;
        prev_b = cb.close;
        have_prev = true;
    }
    if (n < min_returns || n < 2)
        return std::nullopt;
    const double cov = sxy - sx * sy / n;
    const double vx = sxx - sx * sx / n;
    const double vy = syy - sy * sy / n;
    // Relative floor: a constant return series leaves rounding noise (~1e-16·sxx), not variance.
    if (!(vx > 1e-12 * sxx) || !(vy > 1e-12 * syy))
        return 0.0;
    double r = cov / std::sqrt(vx * vy);
    if (r > 1)
        r = 1;
    if (r < -1)
        r = -1;
    return r;
}

correlation_verdict correlation_filter(side s, candle_span candidate_5m,
                                       std::span<const open_position_ref> positions,
                                       double threshold, int max_correlated,
                                       bool same_direction_only, int returns) noexcept {
    correlation_verdict v{};
    v.verdict.reason = filter_reason::pass;
    for (const open_position_ref& p : positions) {
        if (same_direction_only && p.pos_side != s)
            continue;
        const auto rho = log_return_correlation(candidate_5m, p.candles_5m, returns);
        if (!rho)
            continue;
        const double ar = std::abs(*rho);
        if (ar > v.max_abs_rho)
            v.max_abs_rho = ar;
        if (ar >= threshold)
            ++v.correlated;
    }
    if (v.correlated >= max_correlated && v.correlated > 0) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::correlated_positions;
    }
    return v;
}

} // namespace scalpel::strategy
