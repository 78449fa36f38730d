// tick_guard: the guard's hot path and the owner of every position's exit. A ticker (WS push or
// REST poll) comes in; the price goes into the segment's live price table; every open slot of that
// symbol whose close_tracker is watching is judged by strategy::decide_exit; a PH or max-hold
// verdict takes the slot's closing claim (CAS), states the reason in the slot and goes to the
// slot's close_tracker, whose WS close is written into a fixed buffer for the order_sink at once
// (expTime included); its other commands go to the sink's execute() (the service's REST flows),
// whose results come back through feed(). The tick path never allocates, locks, logs or waits.
// A slot is judged only once its instrument's real lot and tick sizes are loaded.
#pragma once

#include "common/decimal.hpp"
#include "common/okx/requests.hpp"
#include "common/okx/types.hpp"
#include "guard_proc/close_tracker.hpp"
#include "shm_layout/segment.hpp"
#include "strategy/exit_decision.hpp"
#include "strategy/regime.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scalpel::guard {

// One close attempt written by the hot path (WS frame), for the sink's log line.
struct close_request {
    shm::slot_ref ref;
    shm::close_reason reason = shm::close_reason::none;
    shm::id_string cl_ord_id;
    shm::symbol_string symbol;
    side pos_side = side::none;
    decimal size;      // what the order asks for (whole lots, never above held)
    mono_ns rx_ns = 0; // frame receive time of the triggering tick (or the event time)
};

// Where the exit's commands go. Implementations must not block; the guard_service sends on the
// private WebSocket and runs the REST flows, tests and the benchmark record or drop them.
class order_sink {
public:
    virtual ~order_sink() = default;
    // One complete op:order frame. Returns false when it could not be queued (socket down): the
    // tracker then sends the attempt's successor over REST at once.
    virtual bool send_order_frame(std::string_view frame) noexcept = 0;
    // Called right after a WS close frame was handed over (or refused). Off the latency path.
    virtual void close_started(const close_request& r, bool sent) noexcept = 0;
    // Every other command of a slot's tracker (REST close, lookups, cancel/place OCO, record,
    // compensate, alert). The result comes back through tick_guard::feed.
    virtual void execute(shm::slot_ref ref, const command& c) noexcept = 0;
};

// The configured fallback for a segment whose parameter block was not read yet (the entry
// regime's set then judges, strategy::judging_regime), and the taker rate if the block has none.
struct tick_settings {
    double taker_fee_rate = 0.001;
    strategy::regime_table regimes;
    tracker_settings exits; // close order, deadlines, lookups (config guard.*)
};

struct symbol_entry {
    okx::inst_id_t inst_id;
    std::uint32_t price_index = 0; // segment live-price table index
    decimal lot_sz{1, 8};
    decimal tick_sz{1, 2};
    bool increments_known = false; // real lotSz/tickSz loaded: only then are slots judged
    std::int64_t inst_id_code = 0; // WS order ops need it; 0 (unknown) → the close goes over REST
    std::uint32_t slot_count = 0;
    std::array<shm::slot_ref, 8> slots{};
};

class tick_guard {
public:
    static constexpr std::size_t max_symbols = 32;

    // seg must be attached as role::guard and outlive this object; sink likewise.
    tick_guard(shm::segment& seg, order_sink& sink, tick_settings settings) noexcept;

    // Adds a symbol (registering it in the segment's price table, under the mutex). Returns its
    // index, or -1 when the table is full / registration failed. Idempotent. Not for the hot path.
    int add_symbol(std::string_view inst_id) noexcept;
    void set_increments(std::string_view inst_id, decimal lot_sz, decimal tick_sz) noexcept;
    void set_inst_id_code(std::string_view inst_id, std::int64_t code) noexcept;
    // tdMode of the hot path's close (from account/config acctLv; cash until read).
    void set_td_mode(okx::td_mode m) noexcept { td_mode_ = m; }
    [[nodiscard]] std::size_t symbol_count() const noexcept { return n_symbols_; }
    [[nodiscard]] const symbol_entry& symbol(std::size_t i) const noexcept { return symbols_[i]; }
    [[nodiscard]] int find_symbol(std::string_view inst_id) const noexcept;

    // Rebuilds the per-symbol slot caches from segment.open_slots() (call every refresh_ms and
    // after any change seen in a push). Binds a close_tracker to every open slot whose instrument
    // sizes are known (and judges it against the latest price at once), feeds slot changes (new
    // OCO / close ids) to bound trackers, takes over closing claims of dead incarnations, and
    // unbinds trackers whose slot went away. Symbols of unknown positions are added
    // (symbols_added() says so).
    void refresh_slots() noexcept;
    [[nodiscard]] bool take_symbols_added() noexcept;
    // True once since the last call when a watched position left the open set (closed by anyone:
    // this guard, signal_proc's last-resort close, a reconcile): its OCOs must be swept.
    [[nodiscard]] bool take_positions_left() noexcept;

    // THE hot path: one ticker whose frame was received at rx_ns (CLOCK_MONOTONIC, taken right
    // after the read completed, before parsing). Allocation-free, lock-free. Returns the symbol's
    // index (-1: not a symbol of ours), for the caller's per-symbol feed health.
    int on_ticker(const okx::ticker& t, mono_ns rx_ns) noexcept;

    // An exit wanted outside the tick path (reconciliation, an operator's `exit`): takes the
    // slot's closing claim, states the reason and hands the tracker a verdict. False when the
    // claim is someone else's or the slot moved on.
    [[nodiscard]] bool request_exit(shm::slot_ref ref, shm::close_reason reason,
                                    mono_ns now) noexcept;
    // The slot's position changed under its tracker (reconciliation shrank it, its OCO is gone):
    // the next refresh_slots() binds a fresh tracker to it, its earlier attempts unresolved.
    void forget_exit(shm::slot_ref ref) noexcept;

    // One result for the slot's tracker (ignored when ref is not the bound generation); its
    // commands are carried out at once (WS closes here, the rest through the sink).
    void feed(shm::slot_ref ref, event e) noexcept;
    // Feeds a timer event to every tracker whose wakeup is due.
    void poll_timers(mono_ns now) noexcept;
    // The tracker bound to ref (nullptr when none or another generation).
    [[nodiscard]] const close_tracker* tracker(shm::slot_ref ref) const noexcept;
    // The slot's instrument lot, and conversions between sizes and whole lots.
    [[nodiscard]] decimal lot_of(std::string_view inst_id) const noexcept;
    // Benchmarks and tests: forget the slot's exit (a fresh tracker at the next bind).
    void reset_exit_for_testing(shm::slot_ref ref) noexcept;

    // The exit parameters a position is judged with (see guard.cpp for the rule).
    [[nodiscard]] strategy::exit_params params_for(const shm::position& pos) const noexcept;

    [[nodiscard]] std::uint64_t ticks() const noexcept { return ticks_; }

private:
    struct exit_slot {
        bool bound = false;
        std::uint32_t generation = 0;
        std::uint32_t close_seen = 0, oco_seen = 0; // slot attempt counters last fed
        mono_ns oco_sent_seen = 0;                  // the slot's OCO send stamp last fed
        bool opening = false; // entry filled, OCO not yet published (its stored id unconfirmed)
        close_tracker tracker;
    };

    void judge_slot(shm::slot_ref ref, double price, mono_ns rx_ns, std::int64_t now_ms) noexcept;
    void send_ws_close(shm::slot_ref ref, const command& c, mono_ns now) noexcept;
    void refresh_params() noexcept;
    void track_slot(shm::slot_ref ref, const shm::slot_snapshot& s, int si) noexcept;
    void bind(shm::slot_ref ref, const shm::slot_snapshot& s, const symbol_entry& sym,
              bool takeover) noexcept;
    void judge_now(shm::slot_ref ref, const symbol_entry& sym, std::int64_t entry_time_ms) noexcept;
    [[nodiscard]] shm::close_reason adopted_reason(const shm::slot_snapshot& s) const noexcept;
    [[nodiscard]] std::uint32_t stored_oco(shm::slot_ref ref,
                                           const shm::slot_snapshot& s) const noexcept;

    shm::segment& seg_;
    order_sink& sink_;
    tick_settings settings_;
    std::array<symbol_entry, max_symbols> symbols_{};
    std::size_t n_symbols_ = 0;
    bool symbols_added_ = false;
    bool positions_left_ = false;
    std::array<bool, shm::slot_capacity> listed_{}; // open/closing at the last refresh
    shm::arm_params params_{};                      // last good copy of the latch
    bool have_params_ = false;
    std::array<exit_slot, shm::slot_capacity> exits_{};
    std::array<char, 512> frame_{};
    okx::td_mode td_mode_ = okx::td_mode::cash;
    std::uint64_t ticks_ = 0;
};

// Whole lots in `size` (floored), and the size of `lots` lots.
[[nodiscard]] std::int64_t lots_in(decimal size, decimal lot) noexcept;
[[nodiscard]] std::int64_t lots_in(double size, decimal lot) noexcept;
[[nodiscard]] decimal size_of(std::int64_t lots, decimal lot) noexcept;
// The OCO attempt number a stored algoClOrdId names (no_stored_oco when none / foreign).
[[nodiscard]] std::uint32_t oco_attempt_of(const shm::segment& seg, shm::slot_ref ref,
                                           std::string_view algo_cl_ord_id) noexcept;

} // namespace scalpel::guard
