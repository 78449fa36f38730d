// scoring: the point table of strategy.md, applied symmetrically; judgment calls are listed in
// scoring.hpp.
#include "strategy/scoring.hpp"

#include "strategy/indicators.hpp"

namespace scalpel::strategy {

indicator_snapshot compute_indicators(candle_span c) noexcept {
    indicator_snapshot s{};
    s.bars = static_cast<int>(c.size());
    if (c.empty())
        return s;
    s.last_close = c.back().close;
    const auto sma10 = sma_close(c, 10), sma30 = sma_close(c, 30);
    const auto ema8 = ema_close(c, 8), ema21 = ema_close(c, 21);
    const auto r = rsi_close(c, 14);
    const auto m = macd_close(c, 12, 26, 9);
    const auto bb = bollinger_close(c, 20, 2.0);
    const auto a = atr(c, 14);
    const auto x = adx(c, 14);
    const auto vr = volume_ratio(c, 20);
    s.valid = sma10 && sma30 && ema8 && ema21 && r && m && bb && a && x;
    if (!s.valid)
        return s;
    s.sma10 = *sma10;
    s.sma30 = *sma30;
    s.ema8 = *ema8;
    s.ema21 = *ema21;
    s.rsi = *r;
    s.macd_line = m->line;
    s.macd_signal = m->signal;
    s.macd_histogram = m->histogram;
    s.bb_upper = bb->upper;
    s.bb_middle = bb->middle;
    s.bb_lower = bb->lower;
    s.atr = *a;
    s.adx = x->adx;
    s.plus_di = x->plus_di;
    s.minus_di = x->minus_di;
    s.volume_ratio_valid = vr.has_value();
    s.volume_ratio = vr.value_or(0);
    return s;
}

int rsi_long_points(double rsi, double oversold) noexcept {
    if (rsi <= oversold - 5)
        return 4;
    if (rsi <= oversold)
        return 3;
    if (rsi <= oversold + 10)
        return 2;
    if (rsi <= oversold + 20)
        return 1;
    return 0;
}

int rsi_short_points(double rsi, double overbought) noexcept {
    if (rsi >= overbought + 5)
        return 4;
    if (rsi >= overbought)
        return 3;
    if (rsi >= overbought - 10)
        return 2;
    if (rsi >= overbought - 20)
        return 1;
    return 0;
}

score_breakdown score_side(side s, const indicator_snapshot& ind, double price,
                           const regime_params& p) noexcept {
    score_breakdown b{};
    if (!ind.valid)
        return b;
    const bool up = s == side::long_side;
    b.sma = (up ? (price > ind.sma10 && ind.sma10 > ind.sma30)
                : (price < ind.sma10 && ind.sma10 < ind.sma30))
                ? 1
                : 0;
    b.ema = (up ? ind.ema8 > ind.ema21 : ind.ema8 < ind.ema21) ? 2 : 0;
    b.rsi =
        up ? rsi_long_points(ind.rsi, p.rsi_oversold) : rsi_short_points(ind.rsi, p.rsi_overbought);
    b.bollinger = (up ? price <= ind.bb_lower * 1.002 : price >= ind.bb_upper * 0.998) ? 2 : 0;
    // Volume confirms activity, not a direction: both sides get it.
    b.volume = (ind.volume_ratio_valid && ind.volume_ratio >= p.volume_ratio_threshold) ? 2 : 0;
    b.macd = (up ? (ind.macd_line > ind.macd_signal && ind.macd_line > 0)
                 : (ind.macd_line < ind.macd_signal && ind.macd_line < 0))
                 ? 2
                 : 0;
    return b;
}

signal_score score_signal(const indicator_snapshot& ind, double price,
                          const regime_params& p) noexcept {
    signal_score s{};
    if (!ind.valid || !(price > 0))
        return s;
    s.long_score = score_side(side::long_side, ind, price, p);
    s.short_score = score_side(side::short_side, ind, price, p);
    s.dir = choose_direction(s.long_score.total(), s.short_score.total(), p.min_score);
    return s;
}

} // namespace scalpel::strategy
