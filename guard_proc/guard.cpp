// The hot path, top to bottom: on_ticker → publish price → each cached slot of the symbol whose
// tracker is watching → snapshot → decide_exit → claim → pending reason → tracker verdict → (WS
// close: next_attempt → frame with expTime → sink → latency into the segment; anything else: the
// sink's execute). Nothing here allocates, locks or logs; counters and the latency histogram go to
// the segment (relaxed atomics). Below the hot path: binding trackers to slots at refresh.
#include "guard_proc/guard.hpp"

#include "common/clock.hpp"
#include "common/okx/requests.hpp"
#include "shm_layout/money_view.hpp"
#include "shm_layout/order_ids.hpp"
#include "strategy/money.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace scalpel::guard {

tick_guard::tick_guard(shm::segment& seg, order_sink& sink, tick_settings settings) noexcept
    : seg_(seg), sink_(sink), settings_(settings) {}

int tick_guard::on_ticker(const okx::ticker& t, mono_ns rx_ns) noexcept {
    const int si = find_symbol(t.inst_id.view());
    if (si < 0)
        return si;
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
        return si;
    seg_.add(shm::counter::ticks);
    refresh_params();
    const std::int64_t now_ms = wall_now_ms();
    for (std::uint32_t i = 0; i < sym.slot_count; ++i)
        judge_slot(sym.slots[i], t.last, rx_ns, now_ms);
    return si;
}

void tick_guard::refresh_params() noexcept {
    const shm::params_read pr = seg_.read_params();
    if (pr.ok) {
        params_ = pr.params;
        have_params_ = true;
    }
}

void tick_guard::judge_slot(shm::slot_ref ref, double price, mono_ns rx_ns,
                            std::int64_t now_ms) noexcept {
    exit_slot& x = exits_[ref.index];
    // Only a watching tracker of this generation judges: an exit in progress (ours, or an OCO
    // that fired) owns the slot until it ends.
    if (!x.bound || x.generation != ref.generation || !x.tracker.judging())
        return;
    const shm::snapshot_result s = seg_.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        return;
    const bool watched =
        s.snap.state == shm::slot_state::open ||
        (s.snap.state == shm::slot_state::opening && shm::entry_filled(s.snap.pos));
    if (!watched)
        return;
    const shm::position& pos = s.snap.pos;
    const strategy::exit_decision d =
        strategy::decide_exit(view_of(pos), price, params_for(pos), now_ms);
    if (d.action == strategy::exit_action::hold)
        return;
    (void)request_exit(ref,
                       d.action == strategy::exit_action::max_hold_close
                           ? shm::close_reason::time_limit
                           : shm::close_reason::ph,
                       rx_ns);
}

bool tick_guard::request_exit(shm::slot_ref ref, shm::close_reason reason, mono_ns now) noexcept {
    if (tracker(ref) == nullptr)
        return false; // not bound yet (instrument sizes unknown): no claim without an owner
    const shm::claim_result c = seg_.try_claim_closing(ref, seg_.self());
    if (c != shm::claim_result::claimed && c != shm::claim_result::already_mine)
        return false; // a live signal_proc is closing it (or the slot moved on)
    // Before any attempt: an adopter of this claim must know the reason without guessing.
    (void)seg_.set_pending_reason(ref, seg_.self(), reason);
    feed(ref, event{.kind = ev::verdict, .now = std::chrono::nanoseconds(now), .reason = reason});
    return true;
}

void tick_guard::forget_exit(shm::slot_ref ref) noexcept {
    if (ref.index < exits_.size() && exits_[ref.index].generation == ref.generation)
        exits_[ref.index].bound = false;
}

void tick_guard::feed(shm::slot_ref ref, event e) noexcept {
    if (ref.index >= exits_.size())
        return;
    exit_slot& x = exits_[ref.index];
    if (!x.bound || x.generation != ref.generation)
        return;
    // Copied out: carrying a command out may feed this tracker again (a refused WS frame).
    std::array<command, close_tracker::max_commands> cmds{};
    std::size_t n = 0;
    for (const command& c : x.tracker.on(e))
        cmds[n++] = c;
    for (std::size_t i = 0; i < n; ++i) {
        if (cmds[i].kind == cmd::send_close_ws)
            send_ws_close(ref, cmds[i], e.now.count());
        else
            sink_.execute(ref, cmds[i]);
    }
}

// The tracker's WS close: persist the attempt number, write the op:order frame with its expTime,
// hand it to the socket. A frame the socket refused goes back as "rejected" (it never left), so
// the tracker sends its successor over REST at once.
void tick_guard::send_ws_close(shm::slot_ref ref, const command& c, mono_ns now) noexcept {
    const shm::snapshot_result s = seg_.snapshot(ref.index);
    const int si = s.ok ? find_symbol(s.snap.pos.symbol.view()) : -1;
    const shm::attempt_result a =
        si >= 0 ? seg_.next_attempt(ref, shm::intent::close) : shm::attempt_result{};
    if (a.status != shm::slot_result::ok || a.attempt != c.attempt) {
        // Someone else took this id (or none could be made): it may be in use, so look it up.
        seg_.add(shm::counter::errors);
        feed(ref, event{.kind = ev::close_unknown,
                        .now = std::chrono::nanoseconds(now),
                        .attempt = c.attempt});
        return;
    }
    const shm::position& pos = s.snap.pos;
    const symbol_entry& sym = symbols_[static_cast<std::size_t>(si)];
    close_request r;
    r.ref = ref;
    r.reason = s.snap.pending_reason;
    r.cl_ord_id = a.cl_ord_id;
    r.symbol = pos.symbol;
    r.pos_side = pos.pos_side;
    r.size = size_of(c.lots, sym.lot_sz);
    r.rx_ns = now;
    okx::place_order_req req;
    req.inst_id = pos.symbol.view();
    req.inst_id_code = sym.inst_id_code; // 0: the writer refuses and the shell closes over REST
    req.td_mode = td_mode_;
    req.side = closing_order_side(pos.pos_side);
    req.ord_type = okx::ord_type::market;
    req.sz = r.size;
    req.tgt_ccy = okx::tgt_ccy::base_ccy;
    req.cl_ord_id = a.cl_ord_id.view();
    const std::int64_t exp_ms = wall_now_ms() + (c.deadline.count() - now) / 1'000'000;
    req.exp_time_ms = exp_ms; // the op's expTime: OKX discards the order if it gets to it later
    const std::size_t n =
        okx::write_ws_order(a.cl_ord_id.view(), req, frame_.data(), frame_.size());
    const bool sent = n > 0 && sink_.send_order_frame(std::string_view(frame_.data(), n));
    if (sent) {
        // Only orders the socket took: a refused frame goes over REST, not a tick→order time.
        seg_.record_latency(monotonic_now_ns() - now);
        seg_.add(shm::counter::orders_sent);
    }
    sink_.close_started(r, sent);
    if (!sent)
        feed(ref, event{.kind = ev::close_rejected,
                        .now = std::chrono::nanoseconds(now),
                        .attempt = c.attempt});
}

void tick_guard::poll_timers(mono_ns now) noexcept {
    for (std::uint32_t i = 0; i < exits_.size(); ++i) {
        exit_slot& x = exits_[i];
        if (x.bound && x.tracker.next_wakeup().count() <= now)
            feed({i, x.generation}, event{.kind = ev::timer, .now = std::chrono::nanoseconds(now)});
    }
}

const close_tracker* tick_guard::tracker(shm::slot_ref ref) const noexcept {
    if (ref.index >= exits_.size())
        return nullptr;
    const exit_slot& x = exits_[ref.index];
    return x.bound && x.generation == ref.generation ? &x.tracker : nullptr;
}

decimal tick_guard::lot_of(std::string_view inst_id) const noexcept {
    const int i = find_symbol(inst_id);
    return i < 0 ? decimal{1, 8} : symbols_[static_cast<std::size_t>(i)].lot_sz;
}

// A fresh watching tracker for the slot at once, its earlier close ids declared terminal, so a
// benchmark can drive the same slot through the close path again and again.
void tick_guard::reset_exit_for_testing(shm::slot_ref ref) noexcept {
    const shm::snapshot_result s = seg_.snapshot(ref.index);
    const int si = s.ok ? find_symbol(s.snap.pos.symbol.view()) : -1;
    if (si < 0 || ref.index >= exits_.size())
        return;
    exit_slot& x = exits_[ref.index];
    x.bound = true;
    x.generation = ref.generation;
    x.close_seen = s.snap.attempts[static_cast<std::size_t>(shm::intent::close)];
    x.oco_seen = s.snap.attempts[static_cast<std::size_t>(shm::intent::oco)];
    x.tracker = close_tracker(settings_.exits);
    (void)x.tracker.on(
        event{.kind = ev::open,
              .attempt = no_stored_oco,
              .lots = lots_in(s.snap.pos.size, symbols_[static_cast<std::size_t>(si)].lot_sz),
              .close_attempts = x.close_seen,
              .oco_attempts = 0,
              .settled = true});
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
    if (i < 0 || !lot_sz.is_positive() || !tick_sz.is_positive())
        return;
    symbol_entry& e = symbols_[static_cast<std::size_t>(i)];
    e.lot_sz = lot_sz;
    e.tick_sz = tick_sz;
    e.increments_known = true;
}

void tick_guard::set_inst_id_code(std::string_view inst_id, std::int64_t code) noexcept {
    if (const int i = find_symbol(inst_id); i >= 0 && code > 0)
        symbols_[static_cast<std::size_t>(i)].inst_id_code = code;
}

bool tick_guard::take_positions_left() noexcept {
    const bool was = positions_left_;
    positions_left_ = false;
    return was;
}

bool tick_guard::take_symbols_added() noexcept {
    const bool was = symbols_added_;
    symbols_added_ = false;
    return was;
}

void tick_guard::refresh_slots() noexcept {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg_.guarded_slots(refs);
    for (std::size_t i = 0; i < n_symbols_; ++i)
        symbols_[i].slot_count = 0;
    std::array<bool, shm::slot_capacity> seen{};
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
        seen[refs[k].index] = true;
        track_slot(refs[k], s.snap, si);
    }
    for (std::size_t i = 0; i < exits_.size(); ++i)
        if (!seen[i]) {
            positions_left_ = positions_left_ || listed_[i];
            exits_[i].bound = false; // closed or freed: the exit is over (or never ours)
        }
    listed_ = seen;
}

// One open/closing slot at refresh: bind its tracker (fresh, or as a takeover of a dead owner's
// claim), feed it the slot's new attempt counters, or let it go when a live other owner closes it.
void tick_guard::track_slot(shm::slot_ref ref, const shm::slot_snapshot& s, int si) noexcept {
    exit_slot& x = exits_[ref.index];
    if (x.bound && x.generation != ref.generation)
        x.bound = false;
    const symbol_entry& sym = symbols_[static_cast<std::size_t>(si)];
    if (!sym.increments_known)
        return; // never judged or closed with a guessed lot (51121)
    const std::uint64_t w = s.closing_owner;
    const auto rb = shm::owner_role_bits(w);
    const bool mine = rb == static_cast<std::uint8_t>(seg_.self().who) &&
                      shm::owner_incarnation(w) == seg_.self().incarnation;
    // Someone else's claim, whatever the state: an opening slot's exit is claimed without the
    // state moving (the OCO is not published yet), and its claim is taken over like any other.
    const bool claimed = shm::owner_claimed(w);
    if ((s.state == shm::slot_state::closing || claimed) && !mine) {
        x.bound = false; // someone else's exit: theirs unless they are dead
        if (claimed && seg_.owner_dead(static_cast<shm::role>(rb), shm::owner_incarnation(w)) &&
            seg_.try_claim_closing(ref, seg_.self()) == shm::claim_result::stolen)
            bind(ref, s, sym, true);
        return;
    }
    if (!x.bound) {
        bind(ref, s, sym, false);
        judge_now(ref, sym, s.pos.entry_time_ms);
        return;
    }
    const auto closes = s.attempts[static_cast<std::size_t>(shm::intent::close)];
    const auto ocos = s.attempts[static_cast<std::size_t>(shm::intent::oco)];
    const mono_ns oco_sent = s.sent_ns[static_cast<std::size_t>(shm::intent::oco)];
    const bool opening = s.state == shm::slot_state::opening;
    if (closes == x.close_seen && ocos == x.oco_seen && oco_sent == x.oco_sent_seen &&
        opening == x.opening)
        return;
    x.close_seen = closes;
    x.oco_seen = ocos;
    x.oco_sent_seen = oco_sent;
    x.opening = opening;
    feed(ref, event{.kind = ev::open,
                    .now = std::chrono::nanoseconds(monotonic_now_ns()),
                    .attempt = stored_oco(ref, s),
                    .lots = lots_in(s.pos.size, sym.lot_sz),
                    .close_attempts = closes,
                    .oco_attempts = ocos,
                    .oco_sent = std::chrono::nanoseconds(oco_sent),
                    .close_sent = std::chrono::nanoseconds(
                        s.sent_ns[static_cast<std::size_t>(shm::intent::close)])});
}

// The OCO attempt whose ids the slot stores, once it is acknowledged: publish_open comes only
// after the placement, but while the slot is opening signal_proc stores the id before sending.
std::uint32_t tick_guard::stored_oco(shm::slot_ref ref,
                                     const shm::slot_snapshot& s) const noexcept {
    return s.state == shm::slot_state::opening
               ? no_stored_oco
               : oco_attempt_of(seg_, ref, s.pos.oco_algo_cl_ord_id.view());
}

void tick_guard::bind(shm::slot_ref ref, const shm::slot_snapshot& s, const symbol_entry& sym,
                      bool takeover) noexcept {
    exit_slot& x = exits_[ref.index];
    x.bound = true;
    x.generation = ref.generation;
    x.close_seen = s.attempts[static_cast<std::size_t>(shm::intent::close)];
    x.oco_seen = s.attempts[static_cast<std::size_t>(shm::intent::oco)];
    x.oco_sent_seen = s.sent_ns[static_cast<std::size_t>(shm::intent::oco)];
    x.opening = s.state == shm::slot_state::opening;
    x.tracker = close_tracker(settings_.exits);
    const mono_ns now = monotonic_now_ns();
    const std::int64_t age_ms = std::max<std::int64_t>(0, wall_now_ms() - s.pos.entry_time_ms);
    event e{.kind = takeover ? ev::takeover : ev::open,
            .now = std::chrono::nanoseconds(now),
            .attempt = stored_oco(ref, s),
            .reason = takeover ? adopted_reason(s) : shm::close_reason::none,
            .lots = lots_in(s.pos.size, sym.lot_sz),
            .close_attempts = x.close_seen,
            .oco_attempts = x.oco_seen,
            .age = std::chrono::milliseconds(age_ms),
            .oco_sent = std::chrono::nanoseconds(x.oco_sent_seen),
            .close_sent =
                std::chrono::nanoseconds(s.sent_ns[static_cast<std::size_t>(shm::intent::close)])};
    feed(ref, e);
}

// A slot the guard just started watching is judged against the latest price at once, not at the
// next tick (the price may already be through the PH threshold) — but only a price quoted after
// the position's entry: an older one describes a market the position never saw (measured: a
// throttled feed still holding the previous spike closed fresh positions by "PH" at a loss).
void tick_guard::judge_now(shm::slot_ref ref, const symbol_entry& sym,
                           std::int64_t entry_time_ms) noexcept {
    const shm::price_read p = seg_.read_price(sym.price_index);
    if (p.status != shm::price_status::ok || !(p.q.last > 0) || p.q.exchange_ts_ms < entry_time_ms)
        return;
    refresh_params();
    judge_slot(ref, p.q.last, monotonic_now_ns(), wall_now_ms());
}

// The reason an adopted close is recorded with: what the claim holder stated in the slot before it
// sent (set_pending_reason); for a claim taken by a holder that did not state one, max holding if
// the age says so, else PH.
shm::close_reason tick_guard::adopted_reason(const shm::slot_snapshot& s) const noexcept {
    if (s.pending_reason != shm::close_reason::none)
        return s.pending_reason;
    return wall_now_ms() - s.pos.entry_time_ms >= params_for(s.pos).max_holding_ms
               ? shm::close_reason::time_limit
               : shm::close_reason::ph;
}

// ---- sizes in lots
// -------------------------------------------------------------------------------

namespace {
__extension__ using wide = __int128; // mantissa × 10^k of two 18-digit decimals fits

wide pow10(int n) {
    wide p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}
} // namespace

std::int64_t lots_in(decimal size, decimal lot) noexcept {
    if (!lot.is_positive() || !size.is_positive())
        return 0;
    const int scale = std::max(size.scale(), lot.scale());
    const wide a = wide{size.mantissa()} * pow10(scale - size.scale());
    const wide b = wide{lot.mantissa()} * pow10(scale - lot.scale());
    return static_cast<std::int64_t>(a / b);
}

std::int64_t lots_in(double size, decimal lot) noexcept {
    return lots_in(decimal::floor_to(size, lot), lot);
}

decimal size_of(std::int64_t lots, decimal lot) noexcept {
    return decimal{lot.mantissa() * lots, lot.scale()};
}

std::uint32_t oco_attempt_of(const shm::segment& seg, shm::slot_ref ref,
                             std::string_view algo_cl_ord_id) noexcept {
    shm::order_id_parts p;
    if (algo_cl_ord_id.empty() || !shm::parse_cl_ord_id(algo_cl_ord_id, p) ||
        p.what != shm::intent::oco || p.slot != ref.index || p.generation != ref.generation ||
        p.tag.view() != seg.account_tag())
        return no_stored_oco;
    return p.attempt;
}

} // namespace scalpel::guard
