// report: fixed-format text, JSON and CSV writers over run summaries.
#include "backtest/report.hpp"

#include "strategy/engine.hpp"
#include "strategy/risk_controller.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace scalpel::backtest {
namespace {

constexpr const char* regime_names[] = {"TRENDING", "RANGING", "CHOPPY"};

void add_trade(summary_row& row, const trade_record& t) {
    ++row.trades;
    if (t.net > 0)
        ++row.wins;
    ++row.exits[static_cast<int>(t.reason)];
    row.exit_net[static_cast<int>(t.reason)] += t.net;
    row.gross += t.gross;
    row.fees += t.fees;
    row.net += t.net;
}

void drawdown(summary_row& row, double start, const std::vector<const trade_record*>& trades) {
    double equity = start, peak = start;
    for (const trade_record* t : trades) {
        equity += t->net;
        peak = std::max(peak, equity);
        if (peak - equity > row.max_drawdown_usd) {
            row.max_drawdown_usd = peak - equity;
            row.max_drawdown_pct = 100.0 * (peak - equity) / peak;
        }
    }
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", c);
            continue;
        }
        out += c;
    }
    return out;
}

std::string json_opt(const std::optional<double>& v) {
    return v ? fmt::format("{:.6f}", *v) : "null";
}

std::string row_json(const summary_row& r, std::string_view indent) {
    std::string exits, exit_net;
    for (int i = 0; i < exit_reason_count; ++i) {
        const char* name = exit_reason_name(static_cast<exit_reason>(i));
        exits += fmt::format("{}\"{}\": {}", i ? ", " : "", name, r.exits[i]);
        exit_net += fmt::format("{}\"{}\": {:.6f}", i ? ", " : "", name, r.exit_net[i]);
    }
    return fmt::format(
        "{{\n{0}  \"name\": \"{1}\",\n{0}  \"trades\": {2},\n{0}  \"wins\": {3},\n{0}  "
        "\"win_rate_pct\": {4:.2f},\n"
        "{0}  \"exits\": {{{5}}},\n{0}  \"exit_net_pnl\": {{{11}}},\n{0}  \"gross_pnl\": "
        "{6:.6f},\n{0}  \"fees\": {7:.6f},\n{0}  \"net_pnl\": {8:.6f},\n"
        "{0}  \"max_drawdown_usd\": {9:.6f},\n{0}  \"max_drawdown_pct\": {10:.4f}\n{0}}}",
        indent, json_escape(r.name), r.trades, r.wins, r.win_rate(), exits, r.gross, r.fees, r.net,
        r.max_drawdown_usd, r.max_drawdown_pct, exit_net);
}

template <class Enum> std::string named_counts(const std::array<std::uint64_t, 16>& counts) {
    std::string out;
    for (std::size_t i = 0; i < counts.size(); ++i)
        if (counts[i] > 0)
            out += fmt::format("{}\"{}\": {}", out.empty() ? "" : ", ",
                               to_string(static_cast<Enum>(i)), counts[i]);
    return out;
}

std::string table_row(const summary_row& r, std::string_view name) {
    return fmt::format("{:<34} {:>6} {:>6.1f} {:>5} {:>5} {:>5} {:>5} {:>4} {:>10.2f} {:>9.2f} "
                       "{:>10.2f} {:>8.2f}\n",
                       name, r.trades, r.win_rate(), r.exits[0], r.exits[1], r.exits[2], r.exits[3],
                       r.exits[4], r.gross, r.fees, r.net, r.max_drawdown_usd);
}

} // namespace

run_summary summarize(const run_result& run) {
    run_summary s;
    s.total.name = run.config.label;
    std::vector<const trade_record*> all;
    for (const auto& t : run.trades) {
        add_trade(s.total, t);
        all.push_back(&t);
    }
    drawdown(s.total, run.config.start_balance_usd, all);
    for (const char* regime : regime_names) {
        summary_row row;
        row.name = regime;
        std::vector<const trade_record*> mine;
        for (const auto& t : run.trades)
            if (t.regime == regime) {
                add_trade(row, t);
                mine.push_back(&t);
            }
        drawdown(row, run.config.start_balance_usd, mine);
        s.per_regime.push_back(row);
    }
    return s;
}

std::string format_table(const report_context& ctx, const std::vector<run_result>& runs) {
    std::string out;
    std::string symbols;
    for (const auto& s : ctx.symbols)
        symbols += (symbols.empty() ? "" : ",") + s;
    out += fmt::format("backtest {} {} | {} .. {} UTC | ticks: {}\n", ctx.source, symbols,
                       format_utc_time(ctx.from_ms), format_utc_time(ctx.to_ms), ctx.tick_model);
    out += fmt::format(
        "{:<34} {:>6} {:>6} {:>5} {:>5} {:>5} {:>5} {:>4} {:>10} {:>9} {:>10} {:>8}\n", "variant",
        "trades", "win%", "PH", "TP", "SL", "MAXH", "END", "gross", "fees", "net", "maxDD");
    for (const auto& run : runs) {
        const run_summary s = summarize(run);
        out += table_row(s.total, s.total.name);
        for (const auto& r : s.per_regime)
            if (r.trades > 0)
                out += table_row(r, "  " + r.name);
    }
    if (ctx.wall_seconds)
        out += fmt::format("wall time: {:.3f} s\n", *ctx.wall_seconds);
    return out;
}

std::string format_json(const report_context& ctx, const std::vector<run_result>& runs) {
    std::string out = "{\n";
    out += fmt::format("  \"source\": \"{}\",\n  \"symbols\": [", json_escape(ctx.source));
    for (std::size_t i = 0; i < ctx.symbols.size(); ++i)
        out += fmt::format("{}\"{}\"", i ? ", " : "", json_escape(ctx.symbols[i]));
    out += fmt::format(
        "],\n  \"from\": \"{}\",\n  \"to\": \"{}\",\n  \"from_ms\": {},\n  \"to_ms\": {},\n",
        format_utc_time(ctx.from_ms), format_utc_time(ctx.to_ms), ctx.from_ms, ctx.to_ms);
    out += fmt::format("  \"tick_model\": \"{}\",\n", json_escape(ctx.tick_model));
    if (ctx.wall_seconds)
        out += fmt::format("  \"wall_seconds\": {:.3f},\n", *ctx.wall_seconds);
    out += "  \"runs\": [";
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const run_result& run = runs[i];
        const run_config& c = run.config;
        const run_summary s = summarize(run);
        out += i ? ",\n    {\n" : "\n    {\n";
        out += fmt::format("      \"label\": \"{}\",\n", json_escape(c.label));
        out +=
            fmt::format("      \"config\": {{\"exit_cadence_s\": {:.3f}, \"order_value_usd\": {}, "
                        "\"ph_threshold_usd\": {}, "
                        "\"taker_fee\": {:.6f}, \"slippage_bps\": {:.3f}, \"path_steps\": {}, "
                        "\"signal_interval_s\": {:.3f}, "
                        "\"start_balance_usd\": {:.2f}, \"base_holding_usd\": {:.2f}}},\n",
                        c.exit_cadence_s, json_opt(c.order_value_usd), json_opt(c.ph_threshold_usd),
                        c.exchange.taker_fee, c.exchange.slippage_bps, c.path_steps,
                        c.signal_interval_s, c.start_balance_usd, c.base_holding_usd);
        out += fmt::format("      \"counters\": {{\"ticks\": {}, \"signal_cycles\": {}, "
                           "\"exit_checks\": {}, \"entries_refused\": {}, "
                           "\"entry_blocked_by\": {{{}}}, \"risk_blocked_cycles\": {{{}}}}},\n",
                           run.counters.ticks, run.counters.signal_cycles, run.counters.exit_checks,
                           run.counters.entries_refused,
                           named_counts<strategy::entry_block>(run.counters.entry_blocked),
                           named_counts<strategy::risk_block>(run.counters.risk_blocked));
        out += "      \"total\": " + row_json(s.total, "      ") + ",\n      \"per_regime\": [";
        for (std::size_t r = 0; r < s.per_regime.size(); ++r)
            out += (r ? ", " : "") + row_json(s.per_regime[r], "        ");
        out += "]\n    }";
    }
    out += "\n  ]\n}\n";
    return out;
}

std::string format_trades_csv(const std::vector<run_result>& runs) {
    std::string out = "run,symbol,side,regime,entry_time,exit_time,entry_ms,exit_ms,entry_px,exit_"
                      "px,size,order_value,tp,sl,atr,"
                      "score,reason,gross,fees,net\n";
    for (const auto& run : runs)
        for (const auto& t : run.trades)
            out += fmt::format("{},{},{},{},{},{},{},{},{:.8f},{:.8f},{:.8f},{:.6f},{:.8f},{:.8f},{"
                               ":.8f},{},{},{:.6f},{:.6f},{:.6f}\n",
                               run.config.label, t.symbol, t.is_long ? "LONG" : "SHORT", t.regime,
                               format_utc_time(t.entry_ms, true), format_utc_time(t.exit_ms, true),
                               t.entry_ms, t.exit_ms, t.entry_px, t.exit_px, t.size, t.order_value,
                               t.tp, t.sl, t.atr, t.score, exit_reason_name(t.reason), t.gross,
                               t.fees, t.net);
    return out;
}

} // namespace scalpel::backtest
