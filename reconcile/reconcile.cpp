// reconcile: see the header. Per open slot: find its OCOs (by id or by the slot key inside our
// algoClOrdId), compare the coins held with the position, decide. Then every live OCO nobody owns
// is cancelled; with no usable segment, positions are rebuilt from our entry fills first.
#include "reconcile/reconcile.hpp"

#include "shm_layout/order_ids.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace scalpel::reconcile {
namespace {

// (epoch mod 36^6, slot, generation) of one of our client order ids.
using slot_key = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;

bool key_of(std::string_view id, std::string_view tag, slot_key& out, shm::intent* what = nullptr) {
    shm::order_id_parts p;
    if (!shm::parse_cl_ord_id(id, p) || p.tag.view() != tag)
        return false;
    out = {p.epoch % shm::epoch_modulus, p.slot, p.generation};
    if (what)
        *what = p.what;
    return true;
}

std::string base_of(std::string_view inst) {
    return std::string(inst.substr(0, inst.find('-')));
}

// Units below this are dust: the position is gone.
double dust(const segment_slot& s) {
    return std::max(s.min_sz, 1e-12);
}

bool below(double held, double size, double lot) {
    return held + std::max(lot * 0.5, size * 1e-9) < size;
}

struct sells {
    double px = 0, fee = 0, sz = 0;
    std::int64_t last_ms = 0;
};

// What the exchange reports for the coins of `pos` leaving after its entry: VWAP and fees of the
// closing-side fills, up to the position's size.
sells exit_fills(const exchange_snapshot& ex, const shm::position& pos) {
    const bool long_pos = pos.pos_side != side::short_side;
    sells out;
    double notional = 0;
    for (const auto& f : ex.fills) {
        if (f.inst_id != pos.symbol.view() || f.buy == long_pos || f.time_ms < pos.entry_time_ms)
            continue;
        const double take = std::min(f.sz, pos.size - out.sz);
        if (take <= 0)
            break;
        notional += take * f.px;
        out.fee += f.sz > 0 ? f.fee_usd * take / f.sz : 0;
        out.sz += take;
        out.last_ms = f.time_ms;
    }
    out.px = out.sz > 0 ? notional / out.sz : 0;
    return out;
}

struct slot_ocos {
    const exchange_algo* live = nullptr;     // the one kept
    std::vector<const exchange_algo*> extra; // further live ones (cancelled)
    bool fired = false;                      // one is effective: the guard's OCO flow records it
};

slot_ocos ocos_of(const exchange_snapshot& ex, const segment_slot& s, std::string_view tag,
                  std::uint32_t epoch) {
    slot_ocos out;
    const slot_key mine{epoch % shm::epoch_modulus, s.index, s.generation};
    for (const auto& a : ex.algos) {
        slot_key k;
        const bool by_id =
            (!a.algo_id.empty() && a.algo_id == s.pos.oco_algo_id.view()) ||
            (!a.algo_cl_ord_id.empty() && a.algo_cl_ord_id == s.pos.oco_algo_cl_ord_id.view());
        if (!by_id && !(key_of(a.algo_cl_ord_id, tag, k) && k == mine))
            continue;
        if (a.state == algo_status::effective)
            out.fired = true;
        if (a.state != algo_status::live)
            continue;
        if (out.live == nullptr)
            out.live = &a;
        else if (a.algo_id == s.pos.oco_algo_id.view()) {
            out.extra.push_back(out.live);
            out.live = &a;
        } else
            out.extra.push_back(&a);
    }
    return out;
}

void decide_slot(const exchange_snapshot& ex, const segment_slot& s, const slot_ocos& o,
                 const options& opt, std::vector<action>& out) {
    action a;
    a.slot = s.index;
    a.generation = s.generation;
    a.inst_id = std::string(s.pos.symbol.view());
    for (const exchange_algo* x : o.extra) {
        action c = a;
        c.kind = action_kind::cancel_oco;
        c.algo_id = x->algo_id;
        c.algo_cl_ord_id = x->algo_cl_ord_id;
        c.reason = "a second live OCO for the same position";
        out.push_back(std::move(c));
    }
    if (o.fired)
        return; // TP/SL fired: the guard records it from the child's fill
    // Spot longs hold the base currency; a short's coins are not visible this way.
    const bool long_pos = s.pos.pos_side != side::short_side;
    const double held = long_pos ? ex.held_of(s.base_ccy) : s.pos.size;
    if (held < dust(s)) {
        if (o.live) { // sold by hand with the OCO left behind: it must go too
            action c = a;
            c.kind = action_kind::cancel_oco;
            c.algo_id = o.live->algo_id;
            c.algo_cl_ord_id = o.live->algo_cl_ord_id;
            c.reason = "its position's coins are gone";
            out.push_back(std::move(c));
        }
        const sells x = exit_fills(ex, s.pos);
        a.kind = action_kind::close_external;
        a.exit_px = x.px;
        a.exit_fee_usd = x.fee;
        a.exit_time_ms = x.last_ms ? x.last_ms : opt.now_ms;
        const double gross =
            x.sz > 0 ? (long_pos ? x.px - s.pos.entry_price : s.pos.entry_price - x.px) * x.sz : 0;
        a.net_pnl_usd = gross - s.pos.entry_fee_usd - x.fee;
        a.reason = x.sz > 0 ? "coins sold outside the bot" : "coins gone, no sale found";
        out.push_back(std::move(a));
        return;
    }
    if (below(held, s.pos.size, s.lot_sz)) {
        a.kind = action_kind::shrink;
        a.size = held;
        if (o.live) {
            a.algo_id = o.live->algo_id;
            a.algo_cl_ord_id = o.live->algo_cl_ord_id;
        }
        a.reason = "held balance is smaller than the position";
        out.push_back(std::move(a));
        return;
    }
    if (o.live || opt.now_ms - s.pos.entry_time_ms < opt.oco_grace_ms)
        return;
    a.kind = opt.unprotected == unprotected_policy::protect ? action_kind::protect
                                                            : action_kind::close_at_market;
    a.size = s.pos.size;
    a.reason = "coins held without a live OCO";
    out.push_back(std::move(a));
}

// Entries of ours without a close and with coins still held, newest first per symbol, sized to
// what is held. Their live OCO (same slot key) comes along.
// Only called for a segment without slots (new or discarded): every entry of ours without a
// close is a position nobody tracks. (An in-flight entry of this segment has a reserved slot, so
// its segment is not rebuilt.)
void rebuild(const exchange_snapshot& ex, std::string_view tag,
             std::vector<const exchange_algo*>& owned, std::vector<action>& out) {
    struct entry {
        slot_key key;
        double bought = 0;
        shm::position pos;
        std::string cl;
    };
    std::map<slot_key, entry> entries;
    std::vector<slot_key> closed;
    for (const auto& f : ex.fills) {
        slot_key k;
        shm::intent what = shm::intent::entry;
        if (!key_of(f.cl_ord_id, tag, k, &what))
            continue;
        if (what == shm::intent::close) {
            closed.push_back(k);
            continue;
        }
        if (what != shm::intent::entry)
            continue;
        entry& e = entries[k];
        e.key = k;
        shm::position& p = e.pos;
        if (e.bought == 0) {
            p.symbol.assign_truncated(f.inst_id);
            p.pos_side = f.buy ? side::long_side : side::short_side;
            p.entry_time_ms = f.time_ms;
            p.entry_cl_ord_id.assign_truncated(f.cl_ord_id);
            p.entry_ord_id.assign_truncated(f.ord_id);
        }
        // VWAP over what was bought; a buyer's base-currency fee is not held.
        const double bought = e.bought + f.sz;
        p.entry_price = (p.entry_price * e.bought + f.px * f.sz) / bought;
        e.bought = bought;
        p.size += f.sz - f.fee_base;
        p.entry_fee_usd += f.fee_usd;
    }
    for (const auto& a : ex.algos) {
        slot_key k;
        if (a.state == algo_status::effective && key_of(a.algo_cl_ord_id, tag, k))
            closed.push_back(k);
    }
    std::vector<entry> open;
    for (auto& [k, e] : entries)
        if (std::find(closed.begin(), closed.end(), k) == closed.end())
            open.push_back(e);
    std::sort(open.begin(), open.end(), [](const entry& a, const entry& b) {
        return a.pos.entry_time_ms > b.pos.entry_time_ms;
    });
    std::map<std::string, double> left; // base units still to hand out per currency
    for (auto& e : open) {
        const std::string base = base_of(e.pos.symbol.view());
        if (!left.count(base))
            left[base] = ex.held_of(base);
        const double take =
            e.pos.pos_side == side::long_side ? std::min(e.pos.size, left[base]) : e.pos.size;
        if (take <= 0)
            continue; // closed outside the bot before we looked: nothing to protect
        left[base] -= e.pos.pos_side == side::long_side ? take : 0;
        action a;
        a.kind = action_kind::adopt_position;
        a.inst_id = std::string(e.pos.symbol.view());
        a.pos = e.pos;
        a.pos.size = take;
        a.size = take;
        for (const auto& x : ex.algos) {
            slot_key k;
            if (x.state == algo_status::live && key_of(x.algo_cl_ord_id, tag, k) && k == e.key) {
                a.pos.oco_algo_id.assign_truncated(x.algo_id);
                a.pos.oco_algo_cl_ord_id.assign_truncated(x.algo_cl_ord_id);
                a.pos.tp_price = x.tp_trigger;
                a.pos.sl_price = x.sl_trigger;
                owned.push_back(&x);
                break;
            }
        }
        a.reason = a.pos.oco_algo_id.empty() ? "entry fill of ours without a close, no live OCO"
                                             : "entry fill of ours with its live OCO";
        out.push_back(std::move(a));
    }
}

} // namespace

double exchange_snapshot::held_of(std::string_view ccy) const noexcept {
    for (const auto& [c, v] : held)
        if (c == ccy)
            return v;
    return 0;
}

const char* to_string(action_kind k) noexcept {
    switch (k) {
    case action_kind::discard_segment:
        return "discard_segment";
    case action_kind::close_external:
        return "close_external";
    case action_kind::cancel_oco:
        return "cancel_oco";
    case action_kind::protect:
        return "protect";
    case action_kind::close_at_market:
        return "close_at_market";
    case action_kind::shrink:
        return "shrink";
    case action_kind::adopt_position:
        return "adopt_position";
    }
    return "?";
}

std::vector<action> decide(const exchange_snapshot& ex, const segment_snapshot& seg,
                           const options& opt) {
    std::vector<action> out;
    std::vector<const exchange_algo*> owned;
    const bool usable = seg.exists && seg.who == ex.who;
    if (seg.exists && !usable) {
        action d;
        d.kind = action_kind::discard_segment;
        d.reason = "segment made for target '" + seg.who.target + "' uid '" + seg.who.uid +
                   "' run '" + seg.who.run_id + "', the exchange is target '" + ex.who.target +
                   "' uid '" + ex.who.uid + "' run '" + ex.who.run_id + "'";
        out.push_back(std::move(d));
    }
    if (usable) {
        for (const auto& s : seg.slots) {
            if (s.state != shm::slot_state::open)
                continue; // opening: signal_proc's; closing: a close flow's
            const slot_ocos o = ocos_of(ex, s, seg.account_tag, seg.id_epoch);
            if (o.live)
                owned.push_back(o.live);
            decide_slot(ex, s, o, opt, out);
        }
        // OCOs of opening/closing slots belong to flows in progress: never cancel those. A
        // closed slot (recorded, awaiting signal_proc's journal) has no flow left: its recorder
        // resolved every OCO it knew of, so a live one landed late and is an orphan.
        for (const auto& s : seg.slots) {
            if (s.state != shm::slot_state::opening && s.state != shm::slot_state::closing)
                continue;
            for (const auto& a : ex.algos) {
                slot_key k;
                if (key_of(a.algo_cl_ord_id, seg.account_tag, k) &&
                    k == slot_key{seg.id_epoch % shm::epoch_modulus, s.index, s.generation})
                    owned.push_back(&a);
            }
        }
    } else {
        rebuild(ex, seg.account_tag, owned, out);
    }
    for (const auto& a : ex.algos) {
        if (a.state != algo_status::live ||
            std::find(owned.begin(), owned.end(), &a) != owned.end())
            continue;
        bool listed = false; // already cancelled by a slot decision (extra or coins gone)
        for (const auto& x : out)
            listed |= x.kind == action_kind::cancel_oco && x.algo_id == a.algo_id;
        if (listed)
            continue;
        action c;
        c.kind = action_kind::cancel_oco;
        c.inst_id = a.inst_id;
        c.algo_id = a.algo_id;
        c.algo_cl_ord_id = a.algo_cl_ord_id;
        c.reason = "live OCO of ours that no open position owns";
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace scalpel::reconcile
