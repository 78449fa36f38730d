// audit: judges a chaos run from the exchange's side only. Input: the simulator's records (order
// log, order rows, algo rows) plus the intervals in which guard_proc had no process (taken from
// the process table, not from the bot). A position is an entry fill; everything else of it is
// found through the deterministic client ids (tag, epoch, slot, generation). Pure: no I/O, no
// clock — the caller says when the records were taken.
#pragma once

#include "tests/chaos/sim_records.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace scalpel::chaos {

struct interval {
    std::int64_t from_ns = 0, to_ns = 0; // CLOCK_MONOTONIC, half open
};

struct audit_options {
    std::int64_t end_mono_ns = 0;     // when the records were taken
    std::vector<interval> guard_down; // guard_proc had no process
    std::chrono::nanoseconds orphan_grace{
        3'000'000'000};                             // an OCO may outlive its position this long
    std::chrono::nanoseconds young{10'000'000'000}; // newer entries are not judged "lost"
    std::chrono::nanoseconds unprotected_limit{1'000'000'000}; // the bar (max < 1 s)
    double size_tolerance = 0.003; // |closed − entry| / entry allowed (fees in base, lot floors)
};

// Everything the audit found about one position.
struct position_audit {
    std::string key; // <tag><epoch><slot><generation> prefix shared by all its ids
    std::string inst_id, entry_side;
    std::int64_t entry_ns = 0, close_ns = 0; // close_ns 0: no close fill
    int entries_filled = 0, closes_filled = 0;
    double entry_size = 0, closed_size = 0; // base units (entry net of a base fee)
    std::int64_t two_oco_ns = 0, unprotected_ns = 0, orphan_ns = 0;
    int ocos_placed = 0, ocos_live_at_end = 0;
    bool lost = false;
    std::vector<std::string> closes; // "<id or algo tp|sl> +<ms after entry> via"
};

struct audit_report {
    int positions = 0, closed = 0, open_protected = 0, young_open = 0;
    int double_closes = 0;   // ≥ 2 close fills
    int size_mismatches = 0; // closed, but Σ close fills ≠ entry size
    int multi_oco = 0;       // > 1 live OCO at some moment
    int unprotected = 0;     // unprotected ≥ unprotected_limit
    // OCOs live > orphan_grace while their position was closed (or without an entry): the time
    // counts from the close, or from the OCO's placement when a late request landed after it.
    int orphan_ocos = 0;
    int late_ocos = 0; // OCO placements the exchange processed after their position had closed
    int lost = 0;      // no close, no live OCO, older than `young`
    int duplicate_entries = 0; // > 1 entry fill for one position
    std::int64_t max_unprotected_ns = 0, max_orphan_ns = 0, max_two_oco_ns = 0;
    std::int64_t max_late_oco_live_ns = 0; // the longest a late-landing OCO stayed live
    int foreign_orders = 0;                // orders whose id is not ours
    std::map<std::string, int> rejects;    // "<kind>/<intent> <sCode>" → count
    // "<audit>: <mechanism>" → count: which pattern in the records each failure showed.
    std::map<std::string, int> mechanisms;
    std::vector<position_audit> detail;
    std::vector<std::string> findings; // one readable line per failure

    // Sum of every count that must be zero.
    [[nodiscard]] int failures() const noexcept {
        return double_closes + size_mismatches + multi_oco + unprotected + orphan_ocos + lost +
               duplicate_entries;
    }
};

[[nodiscard]] audit_report audit(const sim_records& records, const audit_options& options);

// Length of `window` not covered by any of `cover` (which need not be sorted or disjoint).
[[nodiscard]] std::int64_t uncovered_ns(interval window, std::vector<interval> cover);

} // namespace scalpel::chaos
