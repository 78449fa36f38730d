// arm: per-symbol measures → per-symbol detection → account vote → hysteresis.
// Everything the caller needs to log a switch is returned in arm_update; nothing is logged here.
#include "strategy/arm.hpp"

#include "strategy/indicators.hpp"

#include <algorithm>
#include <cmath>

namespace scalpel::strategy {

const char* to_string(arm_rule r) noexcept {
    switch (r) {
    case arm_rule::not_enough_data:
        return "not_enough_data";
    case arm_rule::choppy:
        return "choppy(reversals>10 && atr%>0.05)";
    case arm_rule::trending:
        return "trending(deviation>1.0 && adx>20)";
    case arm_rule::ranging:
        return "ranging(default)";
    }
    return "?";
}

regime_measures measure_regime(candle_span c, const arm_config& cfg) noexcept {
    regime_measures m{};
    const std::size_t need = static_cast<std::size_t>(std::max(
        {cfg.sma_period, 2 * cfg.adx_period, cfg.reversal_moves + 1, cfg.atr_period + 1, 2}));
    if (c.size() < need)
        return m;
    const auto a = atr(c, cfg.atr_period);
    const auto s = sma_close(c, cfg.sma_period);
    const auto x = adx(c, cfg.adx_period);
    m.price = c.back().close;
    if (!a || !s || !x || !(m.price > 0) || !(*s > 0))
        return m;
    m.valid = true;
    m.atr_pct = *a / m.price * 100.0;
    m.trend_deviation_pct = std::abs(m.price - *s) / *s * 100.0;
    m.adx = x->adx;
    // Sign changes between consecutive non-zero close-to-close moves; a zero move keeps the sign.
    int last_sign = 0;
    for (std::size_t i = c.size() - static_cast<std::size_t>(cfg.reversal_moves); i < c.size();
         ++i) {
        const double d = c[i].close - c[i - 1].close;
        const int sign = d > 0 ? 1 : (d < 0 ? -1 : 0);
        if (sign == 0)
            continue;
        if (last_sign != 0 && sign != last_sign)
            ++m.reversals;
        last_sign = sign;
    }
    if (m.reversals >= cfg.choppy_min_reversals && m.atr_pct > cfg.choppy_min_atr_pct) {
        m.detected = regime::choppy;
        m.rule = arm_rule::choppy;
        const double lo = cfg.choppy_min_reversals - 1; // 10: the rule's "> 10"
        const double hi = cfg.reversal_moves - 1;       // 17: every move reverses
        const double r = hi > lo ? std::clamp((m.reversals - lo) / (hi - lo), 0.0, 1.0) : 1.0;
        const double thr = cfg.choppy_min_atr_pct;
        const double av = thr > 0 ? std::clamp((m.atr_pct - thr) / thr, 0.0, 1.0) : 1.0;
        m.choppy_confidence = 0.5 * r + 0.5 * av;
    } else if (m.trend_deviation_pct > cfg.trend_min_deviation_pct && m.adx > cfg.trend_min_adx) {
        m.detected = regime::trending;
        m.rule = arm_rule::trending;
    } else {
        m.detected = regime::ranging;
        m.rule = arm_rule::ranging;
    }
    return m;
}

adaptive_regime_manager::adaptive_regime_manager(arm_config cfg, regime initial) noexcept
    : cfg_(cfg), current_(initial) {}

arm_update adaptive_regime_manager::update(std::span<const arm_symbol_input> symbols,
                                           std::int64_t now_ms) noexcept {
    if (!started_) {
        started_ = true;
        since_ms_ = now_ms;
    }
    arm_update u{};
    u.previous = current_;
    u.current = current_;
    u.in_regime_ms = now_ms - since_ms_;
    u.symbol_count = std::min(symbols.size(), arm_update::max_symbols);

    std::array<int, 3> votes{};
    int valid = 0;
    double conf_sum = 0;
    std::int64_t newest = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < u.symbol_count; ++i) {
        const regime_measures m = measure_regime(symbols[i].candles, cfg_);
        u.per_symbol[i] = m;
        if (!m.valid)
            continue;
        ++valid;
        ++votes[static_cast<std::size_t>(m.detected)];
        conf_sum += m.choppy_confidence;
        newest = std::max(newest, symbols[i].candles.back().open_time_ms);
    }
    if (valid == 0)
        return u;
    u.has_detection = true;
    // Majority; ties go to the more defensive regime (CHOPPY > RANGING > TRENDING).
    regime det = regime::choppy;
    for (const regime r : {regime::ranging, regime::trending})
        if (votes[static_cast<std::size_t>(r)] > votes[static_cast<std::size_t>(det)])
            det = r;
    u.detected = det;
    u.confidence = conf_sum / valid;

    if (newest <= last_bar_ms_) { // same bars as the last counted detection: no new evidence
        u.agreeing = (det != current_ && pending_ == det) ? pending_count_ : 0;
        return u;
    }
    u.new_bar = true;
    last_bar_ms_ = newest;

    if (det == current_) {
        pending_count_ = 0;
        return u;
    }
    if (pending_ == det && pending_count_ > 0)
        ++pending_count_;
    else {
        pending_ = det;
        pending_count_ = 1;
    }
    u.agreeing = pending_count_;
    if (pending_count_ < cfg_.confirmations)
        return u;
    const bool dwell_ok = now_ms - since_ms_ >= cfg_.min_dwell_ms;
    const bool skip = det == regime::choppy && u.confidence >= cfg_.choppy_skip_confidence;
    if (!dwell_ok && !skip)
        return u;
    u.dwell_skipped = !dwell_ok;
    u.switched = true;
    current_ = det;
    u.current = det;
    since_ms_ = now_ms;
    pending_count_ = 0;
    return u;
}

} // namespace scalpel::strategy
