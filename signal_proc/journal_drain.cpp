// journal_drain: see the header.
#include "signal_proc/journal_drain.hpp"

namespace scalpel::signal {

ledger::trade_row to_trade_row(const shm::journal_record& rec) {
    const shm::position& p = rec.pos;
    ledger::trade_row t;
    t.entry_cl_ord_id = std::string(p.entry_cl_ord_id.view());
    t.close_cl_ord_id = std::string(p.close_cl_ord_id.view());
    t.symbol = std::string(p.symbol.view());
    t.side = p.pos_side == shm::side::short_ ? "short" : "long";
    t.reason = shm::to_string(p.reason);
    t.entry_price = p.entry_price;
    t.exit_price = p.exit_price;
    t.size = p.size;
    t.entry_fee_usd = p.entry_fee_usd;
    t.exit_fee_usd = p.exit_fee_usd;
    t.net_pnl_usd = p.net_pnl_usd;
    t.entry_time_ms = p.entry_time_ms;
    t.exit_time_ms = p.exit_time_ms;
    t.source = "journal";
    t.journal_seq = rec.journal_seq;
    return t;
}

journal_drain::journal_drain(const shm::segment& seg, ledger::ledger& db)
    : seg_(seg), db_(db), cursor_name_("journal:" + std::to_string(seg.header().created_ms)) {
    next_ = static_cast<std::uint64_t>(db_.cursor(cursor_name_).value_or(0));
}

drain_result journal_drain::drain(const std::function<void(const shm::journal_record&)>& on_new) {
    drain_result r;
    const std::uint64_t head = seg_.journal_head();
    if (head > next_ + shm::journal_capacity) {
        r.first_lost = next_;
        r.end_lost = head - shm::journal_capacity;
        r.lost = r.end_lost - r.first_lost;
        next_ = r.end_lost;
    }
    for (; next_ < head; ++next_) {
        shm::journal_record rec;
        if (!seg_.read_journal(next_, rec)) {
            // Overwritten while we read (the ring moved on): the next call counts it as lost.
            break;
        }
        ledger::trade_row row = to_trade_row(rec);
        if (row.entry_cl_ord_id.empty()) // never expected; keep the row unique anyway
            row.entry_cl_ord_id = cursor_name_ + ":" + std::to_string(rec.journal_seq);
        bool inserted = false;
        const auto st = db_.record_trade_and_cursor(
            row, cursor_name_, static_cast<std::int64_t>(next_ + 1), &inserted);
        if (!st.ok()) {
            r.ok = false;
            break;
        }
        ++r.drained;
        if (inserted && on_new)
            on_new(rec);
    }
    return r;
}

} // namespace scalpel::signal
