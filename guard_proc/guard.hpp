// tick_guard: the guard's hot path. A ticker (WS push or REST poll) comes in; the price goes into
// the segment's live price table; every open slot of that symbol is snapshotted and judged by
// strategy::decide_exit with the current regime's parameters (strategy::judging_regime); a PH or
// max-hold verdict takes the slot's closing claim (CAS), states the close reason in the slot, and
// writes one market close order frame into a fixed buffer for the order_sink; the frame-receive →
// order-handed-over time goes into the segment's latency block. It never allocates, never locks,
// never logs and never waits for the network: what happens after the order left (fill, OCO cancel,
// journal) belongs to the shell (guard_service). It never sends a second close for a slot
// generation: the segment's claim is the only gate.
#pragma once

#include "common/decimal.hpp"
#include "common/okx/types.hpp"
#include "shm_layout/segment.hpp"
#include "strategy/exit_decision.hpp"
#include "strategy/regime.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scalpel::guard {

// One close the hot path started (claim won, next_attempt taken, frame written).
struct close_request {
    shm::slot_ref ref;
    shm::close_reason reason = shm::close_reason::none;
    shm::id_string cl_ord_id;
    shm::symbol_string symbol;
    side pos_side = side::none;
    decimal size; // what the order asks for (floored onto lotSz, never above held)
    double trigger_price = 0;
    double decided_net_pnl = 0; // decide_exit's estimate at the trigger price
    mono_ns rx_ns = 0;          // frame receive time of the triggering tick
};

// Where the hot path's orders go. Implementations must not block; the guard_service sends on the
// private WebSocket, tests and the benchmark on a fake.
class order_sink {
public:
    virtual ~order_sink() = default;
    // One complete op:order frame. Returns false when it could not be queued (socket down): the
    // close is then placed over REST by close_started(…, false).
    virtual bool send_order_frame(std::string_view frame) noexcept = 0;
    // Called right after the frame was handed over (or refused). Off the latency path.
    virtual void close_started(const close_request& r, bool sent) noexcept = 0;
    // The claim of a dead incarnation was taken over on this slot: its earlier close attempts must
    // be looked up on the exchange before anything is sent.
    virtual void claim_stolen(shm::slot_ref ref) noexcept = 0;
};

// The configured fallback for a segment whose parameter block was not read yet (the entry
// regime's set then judges, strategy::judging_regime), and the taker rate if the block has none.
struct tick_settings {
    double taker_fee_rate = 0.001;
    strategy::regime_table regimes;
    std::int64_t hold_off_ms = 2000; // after a failed close, wait this long before trying again
};

struct symbol_entry {
    okx::inst_id_t inst_id;
    std::uint32_t price_index = 0; // segment live-price table index
    decimal lot_sz{1, 8};
    decimal tick_sz{1, 2};
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
    [[nodiscard]] std::size_t symbol_count() const noexcept { return n_symbols_; }
    [[nodiscard]] const symbol_entry& symbol(std::size_t i) const noexcept { return symbols_[i]; }
    [[nodiscard]] int find_symbol(std::string_view inst_id) const noexcept;

    // Rebuilds the per-symbol slot caches from segment.open_slots() (call every ~50 ms and after
    // any own change). Symbols of open positions not yet known are added (symbols_added() says so).
    // Closing slots held by a dead owner are taken over here (claim_stolen), never per tick.
    void refresh_slots() noexcept;
    [[nodiscard]] bool take_symbols_added() noexcept;

    // THE hot path: one ticker whose frame was received at rx_ns (CLOCK_MONOTONIC, taken right
    // after the read completed, before parsing). Allocation-free, lock-free.
    void on_ticker(const okx::ticker& t, mono_ns rx_ns) noexcept;

    // OCO state as the guard has seen it (orders-algo / child orders / reconcile): a slot whose OCO
    // fired is not sold by the hot path ("confirm the position is still held").
    void mark_oco_fired(shm::slot_ref ref) noexcept;
    void clear_oco_fired(shm::slot_ref ref) noexcept;
    [[nodiscard]] bool oco_fired(shm::slot_ref ref) const noexcept;
    // No close attempt on this slot generation before `until_ns` (after a failed close).
    void hold_off(shm::slot_ref ref, mono_ns until_ns) noexcept;

    // The exit parameters a position is judged with (see guard.cpp for the rule).
    [[nodiscard]] strategy::exit_params params_for(const shm::position& pos) const noexcept;

    [[nodiscard]] std::uint64_t ticks() const noexcept { return ticks_; }

private:
    void judge_slot(shm::slot_ref ref, const okx::ticker& t, mono_ns rx_ns,
                    std::int64_t now_ms) noexcept;
    void send_close(shm::slot_ref ref, const shm::position& pos, const symbol_entry& sym,
                    const strategy::exit_decision& d, double price, mono_ns rx_ns) noexcept;
    void refresh_params() noexcept;

    shm::segment& seg_;
    order_sink& sink_;
    tick_settings settings_;
    std::array<symbol_entry, max_symbols> symbols_{};
    std::size_t n_symbols_ = 0;
    bool symbols_added_ = false;
    shm::arm_params params_{}; // last good copy of the latch
    bool have_params_ = false;
    std::array<std::uint32_t, shm::slot_capacity>
        oco_fired_gen_{}; // generation whose OCO fired (0: none)
    std::array<mono_ns, shm::slot_capacity> hold_until_{};
    std::array<std::uint32_t, shm::slot_capacity> hold_gen_{};
    std::array<char, 512> frame_{};
    std::uint64_t ticks_ = 0;
};

} // namespace scalpel::guard
