// order_notes: see the header.
#include "guard_proc/order_notes.hpp"

#include "common/clock.hpp"

namespace scalpel::guard {

shm::order_outcome outcome_of(okx::order_state s) noexcept {
    switch (s) {
    case okx::order_state::filled:
        return shm::order_outcome::filled;
    case okx::order_state::canceled:
    case okx::order_state::mmp_canceled:
        return shm::order_outcome::canceled;
    case okx::order_state::partially_filled:
        return shm::order_outcome::partially_filled;
    case okx::order_state::live:
        return shm::order_outcome::placed;
    default:
        return shm::order_outcome::unknown;
    }
}

shm::order_outcome outcome_of(okx::algo_state s) noexcept {
    switch (s) {
    case okx::algo_state::effective:
    case okx::algo_state::partially_effective:
        return shm::order_outcome::filled;
    case okx::algo_state::canceled:
    case okx::algo_state::order_failed:
    case okx::algo_state::partially_failed:
        return shm::order_outcome::canceled;
    case okx::algo_state::live:
    case okx::algo_state::pause:
        return shm::order_outcome::placed;
    default:
        return shm::order_outcome::unknown;
    }
}

shm::order_outcome refusal_of(const okx::error& e) noexcept {
    // 51149: "Order timed out" — the request reached OKX after its expTime and was discarded.
    if (e.kind == okx::error_kind::expired || e.code == 51149)
        return shm::order_outcome::absent;
    return shm::order_outcome::refused;
}

std::optional<order_side> side_of(std::string_view okx_side) noexcept {
    if (okx_side == "buy")
        return order_side::buy;
    if (okx_side == "sell")
        return order_side::sell;
    return std::nullopt;
}

void note_order(shm::segment& seg, const note_args& a) noexcept {
    shm::order_note n;
    n.cl_ord_id.assign_truncated(a.cl_ord_id);
    n.ord_id.assign_truncated(a.ord_id);
    n.symbol.assign_truncated(a.symbol);
    n.sz.assign_truncated(a.sz);
    n.at_ms = wall_now_ms();
    n.error_code = a.error_code;
    n.kind = a.kind;
    n.outcome = a.outcome;
    n.channel = a.channel;
    const std::uint8_t side_flag = !a.side                      ? 0
                                   : *a.side == order_side::buy ? shm::note_flag_buy
                                                                : shm::note_flag_sell;
    n.flags = static_cast<std::uint8_t>(side_flag | (a.child ? shm::note_flag_child : 0));
    seg.append_order_note(n);
}

void note_outcome(shm::segment& seg, std::string_view cl_ord_id, shm::order_kind kind,
                  shm::order_outcome outcome, shm::order_channel channel, int error_code,
                  std::string_view ord_id, std::string_view symbol) noexcept {
    note_args n;
    n.cl_ord_id = cl_ord_id;
    n.ord_id = ord_id;
    n.symbol = symbol;
    n.kind = kind;
    n.outcome = outcome;
    n.channel = channel;
    n.error_code = error_code;
    note_order(seg, n);
}

void note_oco_child(shm::segment& seg, std::string_view algo_cl_ord_id,
                    const okx::order_detail& child) noexcept {
    if (child.state != okx::order_state::filled &&
        child.state != okx::order_state::partially_filled)
        return;
    note_args n;
    n.cl_ord_id = algo_cl_ord_id;
    n.ord_id = child.ord_id.view();
    n.kind = shm::order_kind::oco;
    n.outcome = outcome_of(child.state);
    n.side = side_of(child.side.view());
    n.child = true;
    note_order(seg, n);
}

void note_order_row(shm::segment& seg, const okx::order_detail& o, shm::order_kind kind) noexcept {
    const std::string sz = o.sz.str();
    {
        note_args n;
        n.cl_ord_id = o.cl_ord_id.view();
        n.ord_id = o.ord_id.view();
        n.symbol = o.inst_id.view();
        n.sz = sz;
        n.kind = kind;
        n.outcome = outcome_of(o.state);
        n.side = side_of(o.side.view());
        note_order(seg, n);
    }
}

void note_algo_row(shm::segment& seg, const okx::algo_order& a) noexcept {
    const std::string sz = a.sz.str();
    {
        note_args n;
        n.cl_ord_id = a.algo_cl_ord_id.view();
        n.ord_id = a.algo_id.view();
        n.symbol = a.inst_id.view();
        n.sz = sz;
        n.kind = shm::order_kind::oco;
        n.outcome = outcome_of(a.state);
        n.side = side_of(a.side.view());
        note_order(seg, n);
    }
}

} // namespace scalpel::guard
