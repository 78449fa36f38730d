// The hot path, top to bottom: on_ticker → publish price → each cached slot of the symbol →
// snapshot → decide_exit → claim → pending reason → next_attempt → write the market close frame →
// sink → latency into the segment. Nothing here allocates, locks or logs; counters and the latency
// histogram go to the segment (relaxed atomics).
#include "guard_proc/guard.hpp"

#include "common/clock.hpp"
#include "common/okx/requests.hpp"
#include "shm_layout/money_view.hpp"
#include "strategy/money.hpp"

#include <cmath>

namespace scalpel::guard {

tick_guard::tick_guard(shm::segment& seg, order_sink& sink, tick_settings settings) noexcept
    : seg_(seg), sink_(sink), settings_(settings) {}

void tick_guard::on_ticker(const okx::ticker& t, mono_ns rx_ns) noexcept {
    const int si = find_symbol(t.inst_id.view());
    if (si < 0)
        return;
    const symbol_entry& sym = symbols_[static_cast<std::size_t>(si)];
    shm::quote q;
    q.last = t.last;
    q.bid = t.bid_px;
    q.ask = t.ask_px;
    q.exchange_ts_ms = t.ts_ms;
    q.receive_ns = rx_ns;
    seg_.publish_price(sym.price_index, q);
    seg_.add(shm::counter::price_updates);
    ++ticks_;
    if (sym.slot_count == 0)
        return;
    seg_.add(shm::counter::ticks);
    refresh_params();
    const std::int64_t now_ms = wall_now_ms();
    for (std::uint32_t i = 0; i < sym.slot_count; ++i)
        judge_slot(sym.slots[i], t, rx_ns, now_ms);
}

void tick_guard::refresh_params() noexcept {
    const shm::params_read pr = seg_.read_params();
    if (pr.ok) {
        params_ = pr.params;
        have_params_ = true;
    }
}

void tick_guard::judge_slot(shm::slot_ref ref, const okx::ticker& t, mono_ns rx_ns,
                            std::int64_t now_ms) noexcept {
    const shm::snapshot_result s = seg_.snapshot(ref.index);
    // Closing slots are someone's (ours: the shell follows it up; a dead owner's: refresh_slots).
    if (!s.ok || s.snap.generation != ref.generation || s.snap.state != shm::slot_state::open)
        return;
    if (oco_fired(ref))
        return; // the OCO sold it already: the OCO flow records it
    if (hold_gen_[ref.index] == ref.generation && rx_ns < hold_until_[ref.index])
        return;
    const shm::position& pos = s.snap.pos;
    const strategy::exit_decision d =
        strategy::decide_exit(view_of(pos), t.last, params_for(pos), now_ms);
    if (d.action == strategy::exit_action::hold)
        return;
    const shm::claim_result c = seg_.try_claim_closing(ref, seg_.self());
    if (c == shm::claim_result::claimed) {
        const int si = find_symbol(pos.symbol.view());
        if (si >= 0)
            send_close(ref, pos, symbols_[static_cast<std::size_t>(si)], d, t.last, rx_ns);
    } else if (c == shm::claim_result::stolen) {
        sink_.claim_stolen(ref); // a dead incarnation may have sent one already
    }
}

void tick_guard::send_close(shm::slot_ref ref, const shm::position& pos, const symbol_entry& sym,
                            const strategy::exit_decision& d, double price,
                            mono_ns rx_ns) noexcept {
    close_request r;
    r.ref = ref;
    r.reason = d.action == strategy::exit_action::max_hold_close ? shm::close_reason::time_limit
                                                                 : shm::close_reason::ph;
    r.symbol = pos.symbol;
    r.pos_side = pos.pos_side;
    const strategy::market_close order =
        strategy::build_market_close(shm::view_of(pos).pos_side, pos.size, sym.lot_sz);
    r.size = order.size;
    r.trigger_price = price;
    r.decided_net_pnl = d.net_pnl_usd;
    r.rx_ns = rx_ns;
    // Before the attempt is taken: an adopter of this claim must know PH from max-hold without
    // guessing. We hold the claim, so only a reuse could refuse this, and next_attempt sees that.
    (void)seg_.set_pending_reason(ref, seg_.self(), r.reason);
    const shm::attempt_result a = seg_.next_attempt(ref, shm::intent::close);
    if (a.status != shm::slot_result::ok || !r.size.is_positive()) {
        seg_.add(shm::counter::errors);
        // Refused only if another incarnation took the claim over: it is then theirs to resolve.
        (void)seg_.release_claim(ref, seg_.self());
        hold_off(ref, rx_ns + settings_.hold_off_ms * 1'000'000);
        return;
    }
    r.cl_ord_id = a.cl_ord_id;
    okx::place_order_req req;
    req.inst_id = pos.symbol.view();
    req.side = order.side;
    req.ord_type = okx::ord_type::market;
    req.sz = order.size;
    req.tgt_ccy = okx::tgt_ccy::base_ccy; // market_close counts base, also for a buy-back
    req.cl_ord_id = a.cl_ord_id.view();
    const std::size_t n =
        okx::write_ws_order(a.cl_ord_id.view(), req, frame_.data(), frame_.size());
    const bool sent = n > 0 && sink_.send_order_frame(std::string_view(frame_.data(), n));
    if (sent) {
        // Only orders the socket took: a refused frame goes over REST later, not a tick→order time.
        seg_.record_latency(monotonic_now_ns() - rx_ns);
        seg_.add(shm::counter::orders_sent);
    }
    sink_.close_started(r, sent);
}

// The position's exit parameters, by strategy::judging_regime (money.hpp says why): the regime in
// force now judges every open position. The segment's block is the current regime's whole set as
// signal_proc published it (retuned values apply at once); before the first block was read, the
// configured set of the position's entry regime stands in. The taker rate comes from the block
// when published, else from the config.
strategy::exit_params tick_guard::params_for(const shm::position& pos) const noexcept {
    const regime judge = strategy::judging_regime(have_params_, checked(params_.current),
                                                  checked(pos.regime_at_entry));
    strategy::exit_params p =
        strategy::make_exit_params(settings_.regimes[judge], settings_.taker_fee_rate);
    if (have_params_) {
        p.ph_enabled = params_.ph_enabled != 0;
        p.ph_threshold_usd = params_.ph_threshold_usd;
        p.ph_time_limit_ms = static_cast<std::int64_t>(params_.ph_time_limit_s * 1000.0);
        p.max_holding_ms = static_cast<std::int64_t>(params_.max_hold_s * 1000.0);
        if (params_.taker_fee_rate > 0)
            p.taker_rate = params_.taker_fee_rate;
    }
    return p;
}

// ---- off the hot path: symbol table, slot caches, local OCO view ------------------------------

int tick_guard::find_symbol(std::string_view inst_id) const noexcept {
    for (std::size_t i = 0; i < n_symbols_; ++i)
        if (symbols_[i].inst_id.view() == inst_id)
            return static_cast<int>(i);
    return -1;
}

int tick_guard::add_symbol(std::string_view inst_id) noexcept {
    if (const int i = find_symbol(inst_id); i >= 0)
        return i;
    if (n_symbols_ == max_symbols || inst_id.empty() || inst_id.size() > 15)
        return -1;
    const shm::index_result r = seg_.register_symbol(inst_id);
    if (!r.ok)
        return -1;
    symbol_entry& e = symbols_[n_symbols_];
    e = symbol_entry{};
    e.inst_id.assign_truncated(inst_id);
    e.price_index = r.index;
    symbols_added_ = true;
    return static_cast<int>(n_symbols_++);
}

void tick_guard::set_increments(std::string_view inst_id, decimal lot_sz,
                                decimal tick_sz) noexcept {
    const int i = find_symbol(inst_id);
    if (i < 0)
        return;
    if (lot_sz.is_positive())
        symbols_[static_cast<std::size_t>(i)].lot_sz = lot_sz;
    if (tick_sz.is_positive())
        symbols_[static_cast<std::size_t>(i)].tick_sz = tick_sz;
}

bool tick_guard::take_symbols_added() noexcept {
    const bool was = symbols_added_;
    symbols_added_ = false;
    return was;
}

void tick_guard::refresh_slots() noexcept {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg_.open_slots({}, refs);
    for (std::size_t i = 0; i < n_symbols_; ++i)
        symbols_[i].slot_count = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const shm::snapshot_result s = seg_.snapshot(refs[k].index);
        if (!s.ok || s.snap.generation != refs[k].generation)
            continue;
        const int si = add_symbol(s.snap.pos.symbol.view());
        if (si < 0)
            continue;
        symbol_entry& e = symbols_[static_cast<std::size_t>(si)];
        if (e.slot_count < e.slots.size())
            e.slots[e.slot_count++] = refs[k];
        // A closing claim of a dead incarnation (ours or another role's) is taken over here.
        const std::uint64_t w = s.snap.closing_owner;
        const auto rb = shm::owner_role_bits(w);
        if (s.snap.state == shm::slot_state::closing && rb != 0 && rb != shm::owner_role_retired &&
            !(rb == static_cast<std::uint8_t>(seg_.self().who) &&
              shm::owner_incarnation(w) == seg_.self().incarnation) &&
            seg_.owner_dead(static_cast<shm::role>(rb), shm::owner_incarnation(w))) {
            if (seg_.try_claim_closing(refs[k], seg_.self()) == shm::claim_result::stolen)
                sink_.claim_stolen(refs[k]);
        }
    }
}

void tick_guard::mark_oco_fired(shm::slot_ref ref) noexcept {
    if (ref.index < oco_fired_gen_.size())
        oco_fired_gen_[ref.index] = ref.generation;
}
void tick_guard::clear_oco_fired(shm::slot_ref ref) noexcept {
    if (ref.index < oco_fired_gen_.size() && oco_fired_gen_[ref.index] == ref.generation)
        oco_fired_gen_[ref.index] = 0;
}
bool tick_guard::oco_fired(shm::slot_ref ref) const noexcept {
    return ref.index < oco_fired_gen_.size() && ref.generation != 0 &&
           oco_fired_gen_[ref.index] == ref.generation;
}
void tick_guard::hold_off(shm::slot_ref ref, mono_ns until_ns) noexcept {
    if (ref.index >= hold_until_.size())
        return;
    hold_gen_[ref.index] = ref.generation;
    hold_until_[ref.index] = until_ns;
}

} // namespace scalpel::guard
