// decision_log: formatting of the per-decision log line. See the header.
#include "signal_proc/decision_log.hpp"

#include <fmt/format.h>

namespace scalpel::signal {

std::string format_verdict(const strategy::filter_verdict& v) {
    if (v.reason == strategy::filter_reason::not_run)
        return "-:not_run";
    if (!v.pass)
        return fmt::format("BLOCK:{}", strategy::to_string(v.reason));
    return fmt::format("PASS+{}:{}", v.bonus, strategy::to_string(v.reason));
}

namespace {

std::string decision_word(const strategy::entry_decision& d) {
    if (d.enter())
        return d.dir == side::long_side ? "ENTER_LONG" : "ENTER_SHORT";
    if (d.blocked_by == strategy::entry_block::no_signal)
        return "NO_SIGNAL";
    return fmt::format("BLOCKED:{}", strategy::to_string(d.blocked_by));
}

} // namespace

std::string format_decision(std::string_view symbol, regime r, double price,
                            std::string_view price_source, const strategy::entry_decision& d) {
    const auto& ind = d.indicators;
    return fmt::format(
        "decision symbol={} regime={} price={:.10g} src={} score_long={} score_short={} signal={} "
        "rsi={:.2f} adx={:.2f} pdi={:.2f} mdi={:.2f} "
        "corr={} vp={} pivot={} mtf={} adx_filter={} session={} balance={} bonus={} confidence={} "
        "atr={:.10g} size={} value={:.2f} decision={}",
        symbol, strategy::to_string(r), price, price_source, d.score.long_score.total(),
        d.score.short_score.total(), strategy::to_string(d.signal), ind.rsi, ind.adx, ind.plus_di,
        ind.minus_di, format_verdict(d.correlation.verdict),
        format_verdict(d.volume_profile.verdict), format_verdict(d.pivot.verdict),
        format_verdict(d.mtf.verdict), format_verdict(d.adx.verdict),
        format_verdict(d.session.verdict), format_verdict(d.balance.verdict), d.bonus, d.confidence,
        d.atr, d.size.ok() ? d.size.size.str() : std::string(strategy::to_string(d.size.error)),
        d.size.order_value_usd, decision_word(d));
}

std::string format_risk_block(std::string_view symbol, regime r, const strategy::risk_verdict& v) {
    return fmt::format(
        "decision symbol={} regime={} decision=RISK:{} value={:.6g} limit={:.6g} until_ms={}",
        symbol, strategy::to_string(r), strategy::to_string(v.reason), v.value, v.limit,
        v.until_ms);
}

std::string format_halted(std::string_view symbol, regime r, std::int64_t halted_since_ms) {
    return fmt::format("decision symbol={} regime={} decision=HALTED halted_since_ms={}", symbol,
                       strategy::to_string(r), halted_since_ms);
}

} // namespace scalpel::signal
