// scalpelctl trades / profit: the operator's questions answered from the SQLite ledger in the run
// directory (ledger/ledger.hpp), read-only: never creates a ledger the bot did not write.
#include "common/json_out.hpp"
#include "ledger/ledger.hpp"
#include "scalpelctl/commands.hpp"

#include <fmt/format.h>

#include <charconv>
#include <ctime>
#include <filesystem>

namespace scalpel::ctl {
namespace {

constexpr std::int64_t day_ms = 86'400'000;

std::unique_ptr<ledger::ledger> open_ledger(const ctl_context& c) {
    const auto path =
        (std::filesystem::path(c.cfg().segment.run_dir) / ledger::default_file_name).string();
    if (!std::filesystem::exists(path))
        throw ctl_error(exit_no_segment, "no ledger at " + path + " (the bot never traded here)");
    auto r = ledger::ledger::open(path);
    if (!r.db)
        throw ctl_error(exit_unconfirmed, "ledger " + path + ": " + r.error.message);
    return std::move(r.db);
}

// epoch ms | YYYY-MM-DD (UTC) | <n>m / <n>h / <n>d ago | "" (today, UTC).
std::int64_t parse_since(const std::string& s, std::int64_t now_ms) {
    if (s.empty())
        return now_ms / day_ms * day_ms;
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc{} && end == s.data() + s.size())
        return n;
    if (ec == std::errc{} && end + 1 == s.data() + s.size()) {
        switch (*end) {
        case 'm':
            return now_ms - n * 60'000;
        case 'h':
            return now_ms - n * 3'600'000;
        case 'd':
            return now_ms - n * day_ms;
        default:
            break;
        }
    }
    std::tm tm{};
    if (s.size() == 10 && ::strptime(s.c_str(), "%Y-%m-%d", &tm) != nullptr)
        return static_cast<std::int64_t>(::timegm(&tm)) * 1000;
    throw ctl_error(exit_config, "--since '" + s + "': want epoch ms, YYYY-MM-DD, or 90m/24h/7d");
}

} // namespace

int run_trades(ctl_context& c, const std::string& since) {
    const auto db = open_ledger(c);
    const std::int64_t from = parse_since(since, wall_now_ms());
    const auto rows = db->trades_since(from);
    json_out j;
    std::string t = fmt::format("trades since {} ms: {}\n", from, rows.size());
    double net = 0, fees = 0;
    int wins = 0;
    if (c.json())
        j.begin_object().integer("since_ms", from).begin_array("trades");
    for (const auto& r : rows) {
        net += r.net_pnl_usd;
        fees += r.entry_fee_usd + r.exit_fee_usd;
        wins += r.net_pnl_usd > 0 ? 1 : 0;
        if (c.json())
            j.begin_object()
                .str("symbol", r.symbol)
                .str("side", r.side)
                .str("reason", r.reason)
                .num("size", r.size)
                .num("entry_price", r.entry_price)
                .num("exit_price", r.exit_price)
                .integer("entry_time_ms", r.entry_time_ms)
                .integer("exit_time_ms", r.exit_time_ms)
                .num("fees_usd", r.entry_fee_usd + r.exit_fee_usd)
                .num("net_pnl_usd", r.net_pnl_usd)
                .str("entry_cl_ord_id", r.entry_cl_ord_id)
                .str("close_cl_ord_id", r.close_cl_ord_id)
                .end_object();
        else
            t += fmt::format("  {} {} {} {} @ {} -> {}  {}  fees {:.4f}  net {:+.4f} USD\n",
                             r.exit_time_ms, r.symbol, r.side, r.size, r.entry_price, r.exit_price,
                             r.reason, r.entry_fee_usd + r.exit_fee_usd, r.net_pnl_usd);
    }
    const double win_rate = rows.empty() ? 0 : static_cast<double>(wins) / rows.size();
    if (c.json()) {
        j.end_array()
            .integer("count", rows.size())
            .num("win_rate", win_rate)
            .num("fees_usd", fees)
            .num("net_pnl_usd", net)
            .end_object();
        c.print(j.text());
    } else {
        c.print(t + fmt::format("total: {} trades, win rate {:.0f} %, fees {:.4f} USD, net "
                                "{:+.4f} USD",
                                rows.size(), win_rate * 100, fees, net));
    }
    return exit_ok;
}

int run_profit(ctl_context& c, profit_period p) {
    const auto db = open_ledger(c);
    const std::int64_t now = wall_now_ms();
    // Windows: the last 14 days, 8 weeks or 12 months.
    const std::int64_t span = p == profit_period::day    ? 14 * day_ms
                              : p == profit_period::week ? 56 * day_ms
                                                         : 366 * day_ms;
    const auto lp = p == profit_period::day    ? ledger::period::day
                    : p == profit_period::week ? ledger::period::week
                                               : ledger::period::month;
    const auto buckets = db->profit(lp, now - span, now + 1);
    const auto reasons = db->profit_by_reason(now - span, now + 1);
    json_out j;
    std::string t = "period       trades  win %     fees USD      net USD\n";
    if (c.json())
        j.begin_object().begin_array("periods");
    for (const auto& b : buckets) {
        if (c.json())
            j.begin_object()
                .str("period", b.key)
                .integer("trades", b.trades)
                .integer("wins", b.wins)
                .num("win_rate", b.win_rate)
                .num("gross_pnl_usd", b.gross_pnl_usd)
                .num("fees_usd", b.fees_usd)
                .num("net_pnl_usd", b.net_pnl_usd)
                .end_object();
        else
            t += fmt::format("{:<12} {:>6}  {:>5.0f}  {:>11.4f}  {:>+11.4f}\n", b.key, b.trades,
                             b.win_rate * 100, b.fees_usd, b.net_pnl_usd);
    }
    if (c.json())
        j.end_array().begin_array("by_reason");
    else
        t += "by close reason:\n";
    for (const auto& r : reasons) {
        if (c.json())
            j.begin_object()
                .str("reason", r.reason)
                .integer("trades", r.trades)
                .integer("wins", r.wins)
                .num("net_pnl_usd", r.net_pnl_usd)
                .end_object();
        else
            t += fmt::format("  {:<11} {:>6} trades  {:>4} wins  net {:+.4f} USD\n", r.reason,
                             r.trades, r.wins, r.net_pnl_usd);
    }
    if (c.json()) {
        j.end_array().end_object();
        c.print(j.text());
    } else {
        c.print(t);
    }
    return exit_ok;
}

} // namespace scalpel::ctl
