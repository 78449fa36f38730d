// ledger_link: see the header.
#include "signal_proc/ledger_link.hpp"

#include "signal_proc/risk_restore.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace scalpel::signal {

ledger_link::ledger_link(const shm::segment& seg, strategy::risk_controller& risk, std::string file)
    : seg_(seg), risk_(risk), file_(std::move(file)) {}

bool ledger_link::adopt(std::int64_t now_ms) {
    auto opened = ledger::ledger::open(file_);
    if (!opened.db) {
        spdlog::error("ledger {}: {} (trades are kept in the segment's journal only)", file_,
                      opened.error.message);
        journal_seen_ = seg_.journal_head(); // the caller replays what the ring holds
        return false;
    }
    db_ = std::move(opened.db);
    drain_.emplace(seg_, *db_);
    order_drain_.emplace(seg_, *db_);
    const std::uint64_t from = drain_->position();
    const auto d = drain_->drain(); // committed before the replay reads them
    const auto r = restore_risk(*db_, risk_, now_ms);
    spdlog::info("ledger {}: journal {} → {} ({} drained, {} lost), risk restored from {} "
                 "trades (day net {:.4f}, loss streak {}{})",
                 file_, from, drain_->position(), d.drained, d.lost, r.trades_replayed,
                 risk_.day_net_pnl_usd(), risk_.loss_streak(),
                 r.start_balance_restored ? ", day start balance kept" : "");
    if (d.lost) {
        spdlog::warn("ledger: journal records {}..{} were overwritten before they were drained; "
                     "refilling from the exchange's fills",
                     d.first_lost, d.end_lost - 1);
        gap_pending_ = true;
    }
    if (r.start_balance_restored)
        saved_day_ = utc_day_of(now_ms);
    return true;
}

std::uint64_t ledger_link::feed(std::int64_t now_ms) {
    std::uint64_t fed = 0;
    const auto on_new = [&](const shm::journal_record& rec) {
        risk_.on_trade_closed(rec.pos.symbol.view(), rec.pos.net_pnl_usd, rec.pos.exit_time_ms);
        log_closed(rec);
        ++fed;
    };
    if (!drain_) {
        const std::uint64_t head = seg_.journal_head();
        if (head - journal_seen_ > shm::journal_capacity)
            journal_seen_ = head - shm::journal_capacity;
        for (; journal_seen_ < head; ++journal_seen_) {
            shm::journal_record rec;
            if (seg_.read_journal(journal_seen_, rec))
                on_new(rec);
        }
        own_orders_.clear(); // no ledger: nowhere to keep them
        return fed;
    }
    const auto d = drain_->drain(on_new);
    if (!d.ok)
        spdlog::error("ledger {}: write failed; the drain retries next cycle", file_);
    if (d.lost) {
        spdlog::warn("ledger: journal records {}..{} were overwritten before they were drained; "
                     "refilling from the exchange's fills",
                     d.first_lost, d.end_lost - 1);
        gap_pending_ = true;
    }
    if (fed) {
        if (const auto st = save_risk_day(*db_, risk_, now_ms); !st.ok())
            spdlog::error("ledger {}: {}", file_, st.message);
    }
    drain_orders();
    return fed;
}

void ledger_link::drain_orders() {
    const auto r = order_drain_->drain(own_orders_);
    if (!r.ok)
        spdlog::error("ledger {}: order write failed; retried next cycle", file_);
    if (r.lost)
        spdlog::warn("ledger: {} order-log notes were overwritten before they were drained "
                     "(their fills still reach the ledger from the exchange)",
                     r.lost);
}

void ledger_link::after_balance(std::int64_t now_ms) {
    if (!db_ || saved_day_ == utc_day_of(now_ms))
        return;
    if (const auto st = save_risk_day(*db_, risk_, now_ms); !st.ok()) {
        spdlog::error("ledger {}: {}", file_, st.message);
        return;
    }
    saved_day_ = utc_day_of(now_ms);
}

int ledger_link::refill(std::vector<ledger::trade_row> trades, std::int64_t now_ms) {
    if (!db_)
        return 0;
    std::sort(trades.begin(), trades.end(),
              [](const auto& a, const auto& b) { return a.exit_time_ms < b.exit_time_ms; });
    int added = 0;
    bool ok = true;
    for (const auto& t : trades) {
        bool inserted = false;
        if (!db_->record_trade(t, &inserted).ok()) {
            ok = false;
            continue;
        }
        if (!inserted)
            continue;
        ++added;
        risk_.on_trade_closed(t.symbol, t.net_pnl_usd, t.exit_time_ms);
        spdlog::info("closed trade {} {} reason {} net {:.4f} (refilled from the exchange)",
                     t.symbol, t.side, t.reason, t.net_pnl_usd);
    }
    if (added > 0)
        (void)save_risk_day(*db_, risk_, now_ms);
    gap_pending_ = !ok;
    return added;
}

void ledger_link::log_closed(const shm::journal_record& rec) const {
    spdlog::info("closed trade {} {} reason {} net {:.4f} (day net {:.4f}, loss streak {})",
                 rec.pos.symbol.view(), shm::to_string(rec.pos.pos_side),
                 shm::to_string(rec.pos.reason), rec.pos.net_pnl_usd, risk_.day_net_pnl_usd(),
                 risk_.loss_streak());
}

} // namespace scalpel::signal
