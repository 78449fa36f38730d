// journal_drain: moves the segment's closed-trade journal into the ledger, off the guard's hot
// path. The ledger keeps a cursor per segment ("journal:<created_ms>" → records drained); each
// record is committed together with its cursor, so a crash between records never loses or
// doubles one. A ring that wrapped past the cursor is a gap: the drain counts the lost records
// and says so; the caller refills them from the exchange's fills. Never writes the segment.
#pragma once

#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace scalpel::signal {

// The ledger's row for a journal record (reason by shm::to_string, side "long"/"short").
[[nodiscard]] ledger::trade_row to_trade_row(const shm::journal_record& rec);

struct drain_result {
    std::uint64_t drained = 0; // records newly committed to the ledger
    std::uint64_t lost = 0;    // records overwritten in the ring before they were drained
    std::uint64_t first_lost = 0, end_lost = 0; // journal indexes [first, end) of the gap
    bool ok = true;                             // false: a ledger write failed (retried later)
};

class journal_drain {
public:
    // Contract: `seg` and `db` outlive the drain.
    journal_drain(const shm::segment& seg, ledger::ledger& db);

    // Commits every record after the cursor; `on_new` sees each record the ledger did not hold
    // yet (in journal order, after its commit), e.g. to feed the risk controller.
    drain_result drain(const std::function<void(const shm::journal_record&)>& on_new = {});

    [[nodiscard]] const std::string& cursor_name() const noexcept { return cursor_name_; }
    [[nodiscard]] std::uint64_t position() const noexcept { return next_; }

private:
    const shm::segment& seg_;
    ledger::ledger& db_;
    std::string cursor_name_;
    std::uint64_t next_ = 0; // index of the next record to drain
};

} // namespace scalpel::signal
