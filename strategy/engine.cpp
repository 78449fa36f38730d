// engine: the entry pipeline in strategy.md's order. Each stage fills its verdict; the first
// blocking stage sets blocked_by and the rest stay not_run. Windows are trimmed to bars complete
// at now_ms and to fixed lengths so live and backtest see identical inputs.
#include "strategy/engine.hpp"

#include <algorithm>

namespace scalpel::strategy {

const char* to_string(entry_block b) noexcept {
    switch (b) {
    case entry_block::none:
        return "none";
    case entry_block::bad_price:
        return "bad_price";
    case entry_block::not_enough_data:
        return "not_enough_data";
    case entry_block::no_signal:
        return "no_signal";
    case entry_block::correlation:
        return "correlation";
    case entry_block::mtf:
        return "mtf";
    case entry_block::adx:
        return "adx";
    case entry_block::session:
        return "session";
    case entry_block::balance:
        return "balance";
    case entry_block::size:
        return "size";
    case entry_block::tp_sl:
        return "tp_sl";
    }
    return "?";
}

candle_span completed_bars(candle_span bars, std::int64_t bar_ms, std::int64_t now_ms) noexcept {
    const auto it =
        std::upper_bound(bars.begin(), bars.end(), now_ms - bar_ms,
                         [](std::int64_t t, const candle& c) { return t < c.open_time_ms; });
    return bars.first(static_cast<std::size_t>(it - bars.begin()));
}

namespace {
candle_span newest(candle_span c, int n) noexcept {
    return n > 0 && c.size() > static_cast<std::size_t>(n) ? c.last(static_cast<std::size_t>(n))
                                                           : c;
}
constexpr std::int64_t m5_ms = 5 * 60'000, m15_ms = 15 * 60'000, m30_ms = 30 * 60'000,
                       h1_ms = 60 * 60'000;
} // namespace

entry_decision evaluate_entry(const market_snapshot& snap,
                              std::span<const open_position_ref> positions,
                              const account_view& acct, const regime_params& params,
                              const instrument_spec& inst, const entry_config& cfg,
                              std::int64_t now_ms) noexcept {
    entry_decision d{};
    const double price = snap.price;
    if (!(price > 0)) {
        d.blocked_by = entry_block::bad_price;
        return d;
    }
    const candle_span entry =
        newest(completed_bars(snap.entry, cfg.entry_bar_ms, now_ms), cfg.entry_bars);
    d.indicators = compute_indicators(entry);
    if (!d.indicators.valid) {
        d.blocked_by = entry_block::not_enough_data;
        return d;
    }
    d.atr = d.indicators.atr;
    d.score = score_signal(d.indicators, price, params);
    d.signal = d.score.dir;
    if (d.signal == side::none) {
        d.blocked_by = entry_block::no_signal;
        return d;
    }
    const side s = d.signal;
    const auto block = [&d](entry_block b) noexcept {
        d.blocked_by = b;
        return d;
    };

    // 1. correlation (the open positions' newer bars, if any, find no partner and are skipped)
    d.correlation = correlation_filter(
        s, completed_bars(snap.m5, m5_ms, now_ms), positions, params.correlation_threshold,
        params.max_correlated, params.correlation_same_direction_only, cfg.correlation_returns);
    if (!d.correlation.verdict.pass)
        return block(entry_block::correlation);
    // 2. volume profile (bonus only)
    d.volume_profile = volume_profile_filter(
        completed_bars(snap.h1, h1_ms, now_ms), price, params.volume_profile_multiplier,
        cfg.poc_proximity_pct, cfg.volume_profile_bars, cfg.volume_profile_bins);
    // 3. pivots (bonus only)
    d.pivot =
        pivot_filter(s, snap.d1, price, now_ms, params.pivot_multiplier, cfg.pivot_proximity_pct);
    // 4. MTF
    const bool use_30m = params.mtf_bar_ms == m30_ms;
    const candle_span mtf_src = use_30m ? snap.m30 : snap.m15;
    d.mtf = mtf_filter(
        s, newest(completed_bars(mtf_src, use_30m ? m30_ms : m15_ms, now_ms), cfg.mtf_bars),
        params.mtf_bonus, params.mtf_block_opposite);
    if (!d.mtf.verdict.pass)
        return block(entry_block::mtf);
    // 5. ADX on the entry timeframe (already computed with the indicators)
    d.adx = adx_filter(s, d.indicators.adx, d.indicators.plus_di, d.indicators.minus_di,
                       params.adx_min, params.di_difference);
    if (!d.adx.verdict.pass)
        return block(entry_block::adx);
    // 6. sessions
    d.session = session_filter(cfg.sessions, now_ms);
    if (!d.session.verdict.pass)
        return block(entry_block::session);
    // 7. balance, against the order value the sizing rule asks for
    d.size = compute_size(s, price, acct.free_usdt, acct.base_held, params.size_multiplier, inst,
                          cfg.sizing);
    d.balance = balance_filter(s, acct, price, d.size.target_value_usd, cfg.sizing);
    if (!d.balance.verdict.pass)
        return block(entry_block::balance);
    if (!d.size.ok())
        return block(entry_block::size);
    if (!(d.atr > 0))
        return block(entry_block::tp_sl);
    d.tp_sl = compute_tp_sl(s, price, d.atr, price, params.tp_atr_multiplier,
                            params.sl_atr_multiplier, inst.tick_sz, cfg.sizing.move_past_pct);
    if (!d.tp_sl.ok)
        return block(entry_block::tp_sl);

    d.bonus = d.correlation.verdict.bonus + d.volume_profile.verdict.bonus + d.pivot.verdict.bonus +
              d.mtf.verdict.bonus + d.adx.verdict.bonus + d.session.verdict.bonus +
              d.balance.verdict.bonus;
    const int base =
        s == side::long_side ? d.score.long_score.total() : d.score.short_score.total();
    d.confidence = base + d.bonus;
    d.dir = d.signal;
    d.blocked_by = entry_block::none;
    return d;
}

} // namespace scalpel::strategy
