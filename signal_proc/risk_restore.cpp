// risk_restore: see the header.
#include "signal_proc/risk_restore.hpp"

namespace scalpel::signal {

risk_restore_result restore_risk(ledger::ledger& db, strategy::risk_controller& risk,
                                 std::int64_t now_ms) {
    risk_restore_result r;
    const std::int64_t window_start = now_ms - risk.config().trade_window_ms;
    constexpr std::size_t max_rows = 100'000; // a week of scalping is far below this
    for (const auto& t : db.trades_since(now_ms - risk_replay_window_ms, max_rows)) {
        if (t.entry_time_ms >= window_start)
            risk.on_trade_opened(t.symbol, t.entry_time_ms);
        risk.on_trade_closed(t.symbol, t.net_pnl_usd, t.exit_time_ms);
        ++r.trades_replayed;
    }
    if (const auto day = db.risk_day(utc_day_of(now_ms)); day && day->start_balance_usd > 0) {
        risk.on_balance(day->start_balance_usd, now_ms);
        r.start_balance_restored = true;
    }
    return r;
}

ledger::status save_risk_day(ledger::ledger& db, const strategy::risk_controller& risk,
                             std::int64_t now_ms) {
    constexpr std::int64_t day_ms = 86'400'000;
    ledger::risk_day_row row;
    row.day = utc_day_of(now_ms);
    row.start_balance_usd = risk.day_start_balance_usd();
    row.net_pnl_usd = risk.day_net_pnl_usd();
    row.loss_streak = risk.loss_streak();
    const auto today = db.profit(ledger::period::day, row.day * day_ms, (row.day + 1) * day_ms);
    row.trades = today.empty() ? 0 : today.front().trades;
    row.updated_ms = now_ms;
    return db.save_risk_day(row);
}

} // namespace scalpel::signal
