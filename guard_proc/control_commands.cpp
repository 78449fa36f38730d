// control_commands: the guard's side of the operator mailbox (shm control block). From the
// heartbeat timer — never the tick path — it takes posted commands (scalpelctl exit / flatten),
// wins the closing claim of each position meant, states reason `manual`, takes the close attempt
// and hands the slot's close tracker a `manual` verdict (tick_guard::request_exit): the tracker
// cancels the OCO, closes at market with deterministic ids and records the close, exactly once.
// A command whose taker died is taken over; a slot whose claim a dead incarnation held is taken
// over by the tracker (its earlier attempts resolved first), so a position is closed exactly once.
#include "guard_proc/service_impl.hpp"

#include <spdlog/spdlog.h>

namespace scalpel::guard {
namespace {

using shm::command_result;

bool open_or_closing(const shm::slot_snapshot& s) noexcept {
    return s.state == shm::slot_state::open || s.state == shm::slot_state::closing;
}

} // namespace

// What a manual close of one slot gave; `retry`: look again on the next poll (an earlier close
// flow of this slot is still running or being adopted).
struct guard_service::impl::manual_outcome {
    command_result result = command_result::pending;
    bool retry = false;
};

guard_service::impl::manual_outcome guard_service::impl::manual_close(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok)
        return {command_result::pending, true};
    if (s.snap.generation != ref.generation || !open_or_closing(s.snap))
        return {command_result::no_position, false};
    core.refresh_slots(); // binds a new slot's tracker (and takes over a dead incarnation's claim)
    const close_tracker* t = core.tracker(ref);
    if (t == nullptr)
        return {command_result::busy, true}; // not bound yet: its instrument sizes are loading
    if (!t->judging())
        return {command_result::close_sent, false}; // its exit is already under way: one close
    if (core.request_exit(ref, shm::close_reason::manual, monotonic_now_ns()))
        return {command_result::close_sent, false};
    return {command_result::busy, true}; // a live signal_proc holds the claim: look again
}

void guard_service::impl::poll_commands() {
    for (std::uint32_t i = 0; i < shm::segment::command_slots(); ++i) {
        const auto c = seg.read_command(i);
        if (c.state != shm::command_state::posted && c.state != shm::command_state::taken)
            continue;
        if (!seg.take_command(i))
            continue;
        if (c.state == shm::command_state::posted) {
            command_closes[i] = 0;
            spdlog::warn("operator command {}: {} slot {} gen {}", c.request_id,
                         shm::to_string(c.kind), c.target.index, c.target.generation);
        }
        run_command(i, c);
    }
}

void guard_service::impl::run_command(std::uint32_t entry, const shm::command_view& c) {
    manual_outcome total{command_result::no_position, false};
    auto fold = [&](manual_outcome o) {
        if (o.result == command_result::close_sent)
            ++command_closes[entry];
        total.retry = total.retry || o.retry;
        if (o.result == command_result::failed ||
            (o.result != command_result::no_position && total.result != command_result::failed))
            total.result = o.result;
    };
    if (c.kind == shm::command_kind::exit_position) {
        fold(manual_close(c.target));
    } else if (c.kind == shm::command_kind::flatten) {
        std::array<shm::slot_ref, shm::slot_capacity> refs{};
        const std::size_t n = seg.open_slots({}, refs);
        for (std::size_t k = 0; k < n; ++k)
            fold(manual_close(refs[k]));
    } else {
        total.result = command_result::failed;
    }
    if (total.retry)
        return; // stays taken: the next poll looks again
    if (command_closes[entry] > 0 && total.result != command_result::failed)
        total.result = command_result::close_sent;
    seg.finish_command(entry, total.result, command_closes[entry]);
    spdlog::warn("operator command {}: {} -> {} ({} close(s) sent)", c.request_id,
                 shm::to_string(c.kind), shm::to_string(total.result), command_closes[entry]);
}

} // namespace scalpel::guard
