// order_log_drain: files the orders of both processes in the ledger, off every latency-critical
// path. The guard's outcomes come through the segment's order log (shm order_note ring, guard
// writer) and are committed in batches together with a cursor per segment ("orders:<created_ms>"
// → notes drained), so a crash between batches never loses or doubles one. signal_proc's own
// orders (entries, OCO placements, last-resort closes) are queued in memory by the executor
// (order_queue: no SQLite there) and written by the same call. A ring that wrapped past the
// cursor loses notes: counted and logged (the exchange's fills still fill their rows).
#pragma once

#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalpel::signal {

// signal_proc's own order reports, written by the next drain.
using order_queue = std::vector<ledger::order_row>;

// The ledger's row for one note (state = outcome, error_code as text, ord_id → child_ord_id for
// an OCO's note about the order it fired).
[[nodiscard]] ledger::order_row to_order_row(const shm::order_note& n);

struct order_drain_result {
    std::uint64_t drained = 0; // notes committed
    std::uint64_t queued = 0;  // own reports committed
    std::uint64_t lost = 0;    // notes overwritten before they were drained
    bool ok = true;            // false: a write failed (retried next call)
};

class order_log_drain {
public:
    // Contract: `seg` and `db` outlive the drain.
    order_log_drain(const shm::segment& seg, ledger::ledger& db);
    // Writes `queue` (cleared once committed) and every note after the cursor.
    order_drain_result drain(order_queue& queue);
    [[nodiscard]] std::uint64_t position() const noexcept { return next_; }

private:
    const shm::segment& seg_;
    ledger::ledger& db_;
    std::string cursor_name_;
    std::uint64_t next_ = 0;
};

} // namespace scalpel::signal
