// order_log_drain: see the header.
#include "signal_proc/order_log_drain.hpp"

namespace scalpel::signal {

namespace {
constexpr std::size_t batch_size = 64; // notes per transaction
}

ledger::order_row to_order_row(const shm::order_note& n) {
    ledger::order_row o;
    o.cl_ord_id = std::string(n.cl_ord_id.view());
    const bool child = (n.flags & shm::note_flag_child) != 0;
    (child ? o.child_ord_id : o.ord_id) = std::string(n.ord_id.view());
    o.symbol = std::string(n.symbol.view());
    o.side = (n.flags & shm::note_flag_buy) ? "buy" : (n.flags & shm::note_flag_sell) ? "sell" : "";
    o.kind = shm::to_string(n.kind);
    o.ord_type = n.kind == shm::order_kind::oco ? "oco" : "market";
    o.sz = child ? std::string() : std::string(n.sz.view());
    o.state = shm::to_string(n.outcome);
    o.error_code = n.error_code != 0 ? std::to_string(n.error_code) : std::string();
    o.sent_ms = n.at_ms;
    o.updated_ms = n.at_ms;
    o.channel = shm::to_string(n.channel);
    return o;
}

order_log_drain::order_log_drain(const shm::segment& seg, ledger::ledger& db)
    : seg_(seg), db_(db), cursor_name_("orders:" + std::to_string(seg.header().created_ms)) {
    next_ = static_cast<std::uint64_t>(db_.cursor(cursor_name_).value_or(0));
}

order_drain_result order_log_drain::drain(order_queue& queue) {
    order_drain_result r;
    if (!queue.empty()) {
        if (!db_.record_orders(queue, {}, 0).ok()) {
            r.ok = false;
            return r;
        }
        r.queued = queue.size();
        queue.clear();
    }
    const std::uint64_t head = seg_.order_log_head();
    if (head > next_ + shm::order_log_capacity) {
        r.lost = head - shm::order_log_capacity - next_;
        next_ = head - shm::order_log_capacity;
    }
    while (next_ < head) {
        std::vector<ledger::order_row> rows;
        std::uint64_t end = next_;
        for (; end < head && rows.size() < batch_size; ++end) {
            shm::order_note note;
            if (!seg_.read_order_note(end, note))
                break; // overwritten while we read: the next call counts it as lost
            rows.push_back(to_order_row(note));
        }
        if (end == next_)
            break;
        if (!db_.record_orders(rows, cursor_name_, static_cast<std::int64_t>(end)).ok()) {
            r.ok = false;
            break;
        }
        r.drained += end - next_;
        next_ = end;
    }
    return r;
}

} // namespace scalpel::signal
