// control_commands: the guard's side of the operator mailbox (shm control block). From the
// heartbeat timer — never the tick path — it takes posted commands (scalpelctl exit / flatten),
// wins the closing claim of each position meant, states reason `manual`, takes the close attempt
// and hands the close to the existing close path through ONE call (start_manual_close →
// close_started(r, false)): a REST market close with a deterministic clOrdId, then fill → cancel
// OCO → journal. A command whose taker died is taken over; a slot whose claim a dead incarnation
// held is adopted first (its earlier attempts looked up), so a position is closed exactly once.
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
    if (work_for(ref).closing)
        return {command_result::busy, true}; // a close flow of ours runs: wait for its verdict
    switch (seg.try_claim_closing(ref, seg.self())) {
    case shm::claim_result::claimed:
        break;
    case shm::claim_result::stolen:
    case shm::claim_result::already_mine:
        // Held without a live flow (a dead incarnation's, or an unknown outcome): look up its
        // earlier close attempts before anything is sent.
        claim_stolen(ref);
        return {command_result::busy, true};
    case shm::claim_result::held_by_other:
        return {command_result::busy, true};
    case shm::claim_result::generation_changed:
    case shm::claim_result::not_claimable:
        return {command_result::no_position, false};
    case shm::claim_result::bad_index:
    case shm::claim_result::read_only:
        return {command_result::failed, false};
    }
    return start_manual_close(ref, s.snap.pos);
}

// We hold the claim: reason, attempt, and the one call into the close path.
guard_service::impl::manual_outcome
guard_service::impl::start_manual_close(shm::slot_ref ref, const shm::position& pos) {
    const int si = core.find_symbol(pos.symbol.view());
    (void)seg.set_pending_reason(ref, seg.self(), shm::close_reason::manual);
    const shm::attempt_result a = seg.next_attempt(ref, shm::intent::close);
    const decimal size = si >= 0 ? decimal::floor_to(pos.size, core.symbol(si).lot_sz)
                                 : decimal::floor_to(pos.size, decimal(1, 8));
    if (a.status != shm::slot_result::ok || !size.is_positive()) {
        seg.add(shm::counter::errors);
        (void)seg.release_claim(ref, seg.self());
        spdlog::error("slot {} gen {}: manual close not started ({})", ref.index, ref.generation,
                      shm::to_string(a.status));
        return {command_result::failed, false};
    }
    close_request r;
    r.ref = ref;
    r.reason = shm::close_reason::manual;
    r.cl_ord_id = a.cl_ord_id;
    r.symbol = pos.symbol;
    r.pos_side = pos.pos_side;
    r.size = size;
    if (si >= 0)
        if (const auto p = seg.read_price(core.symbol(si).price_index);
            p.status == shm::price_status::ok)
            r.trigger_price = p.q.last;
    r.rx_ns = monotonic_now_ns();
    close_started(r, false); // the existing close path: REST close, fill, OCO cancel, journal
    return {command_result::close_sent, false};
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
