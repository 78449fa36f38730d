// order_notes: the guard's side of "every order sent and its outcome" (issue 10). guard_proc never
// opens the ledger (no SQLite, no file I/O in the process that owns the hot path): its service
// code appends one order_note to the segment's order log whenever it learns something about an
// order of ours — a close sent over WS or REST, an op reply, an order or algo push, a lookup, an
// OCO placed, refused or canceled — and signal_proc's drain files the notes in the ledger. Never
// called on the tick path (tick → decision → order bytes); close_started runs after the bytes left.
#pragma once

#include "common/okx/error.hpp"
#include "common/okx/types.hpp"
#include "common/side.hpp"
#include "shm_layout/segment.hpp"

#include <optional>
#include <string_view>

namespace scalpel::guard {

// What an order-state answer means as an outcome (live → placed).
[[nodiscard]] shm::order_outcome outcome_of(okx::order_state s) noexcept;
// What an algo-state answer means for the OCO: triggered → filled, canceled / failed → canceled.
[[nodiscard]] shm::order_outcome outcome_of(okx::algo_state s) noexcept;
// A refusal: an expired request (51149 / expTime passed) never landed → absent, else refused.
[[nodiscard]] shm::order_outcome refusal_of(const okx::error& e) noexcept;

struct note_args {
    std::string_view cl_ord_id, ord_id, symbol, sz;
    shm::order_kind kind = shm::order_kind::close;
    shm::order_outcome outcome = shm::order_outcome::sent;
    shm::order_channel channel = shm::order_channel::unknown;
    std::optional<order_side> side; // unset: not known where the note is made
    bool child = false; // an OCO's note about the order it fired (ord_id = the child's ordId)
    int error_code = 0;
};

// An OKX side word ("buy" / "sell") as an order side; unset for anything else.
[[nodiscard]] std::optional<order_side> side_of(std::string_view okx_side) noexcept;

// Appends one note (wall time now). Lock-free; does nothing on a read-only segment.
void note_order(shm::segment& seg, const note_args& a) noexcept;

// An answer that carries only the outcome of one of our ids (a WS op reply, a cancel answer).
void note_outcome(shm::segment& seg, std::string_view cl_ord_id, shm::order_kind kind,
                  shm::order_outcome outcome, shm::order_channel channel, int error_code = 0,
                  std::string_view ord_id = {}, std::string_view symbol = {}) noexcept;
// The order an OCO of ours fired (push or lookup), once it traded: that OCO's fill.
void note_oco_child(shm::segment& seg, std::string_view algo_cl_ord_id,
                    const okx::order_detail& child) noexcept;

// One order or algo row as the exchange reported it (push or lookup).
void note_order_row(shm::segment& seg, const okx::order_detail& o, shm::order_kind kind) noexcept;
void note_algo_row(shm::segment& seg, const okx::algo_order& a) noexcept;

} // namespace scalpel::guard
