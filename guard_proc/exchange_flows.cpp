// The close trackers' commands carried out over REST, one small coroutine per command (off the
// tick path): a close or compensation over REST, an order / OCO-child lookup, an OCO lookup,
// cancel or placement, and the two synchronous ones (record the close in the segment, alert).
// Each executor decides nothing: it maps the exchange's answer onto one tracker event and feeds
// it back. Plus REST price polling and the instrument sizes the tracker needs before judging.
#include "guard_proc/service_impl.hpp"

#include "common/log.hpp"
#include "guard_proc/oco_levels.hpp"
#include "guard_proc/order_notes.hpp"
#include "strategy/money.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

namespace scalpel::guard {

using okx::error_kind;

namespace {

// The fee of an order as a quote cost (strategy/money: positive = paid, a rebate is negative).
double fee_usd(const okx::order_detail& o) {
    return strategy::fee_cost_quote(o.fee.to_double(), o.fee_ccy.view(), o.inst_id.view(),
                                    o.avg_px.to_double());
}

order_side closing_side(const shm::position& pos) {
    return closing_order_side(pos.pos_side);
}

// An answer that proves the order was never placed (the id is terminal) versus one that leaves
// the outcome open (the order must be looked up: it may be live or filled).
bool definitely_refused(error_kind k) {
    switch (k) {
    case error_kind::insufficient_funds:
    case error_kind::invalid_order:
    case error_kind::bad_request:
    case error_kind::rate_limit:
    case error_kind::auth:
    case error_kind::config:
    case error_kind::network: // failed before anything was sent
    case error_kind::exchange:
        return true;
    default:
        return false; // timeout, unknown_outcome, transient, duplicate_id, bad_response …
    }
}

order_status status_of(okx::order_state s) {
    switch (s) {
    case okx::order_state::filled:
        return order_status::filled;
    case okx::order_state::canceled:
    case okx::order_state::mmp_canceled:
        return order_status::canceled;
    case okx::order_state::partially_filled:
        return order_status::partially_filled;
    default:
        return order_status::live;
    }
}

} // namespace

event guard_service::impl::order_event(shm::slot_ref ref, const okx::order_detail& o,
                                       std::uint32_t attempt, bool child) const {
    event e = now_event(ev::order, attempt);
    e.child = child;
    e.status = status_of(o.state);
    const auto s = seg.snapshot(ref.index);
    const decimal lot = core.lot_of(o.inst_id.view());
    e.filled_lots = lots_in(o.acc_fill_sz, lot);
    e.avg_px = o.avg_px.to_double();
    e.fee_usd = fee_usd(o);
    // A compensation trades the other way round from the position's close.
    e.reverse = !child && s.ok && o.side.view() != okx::to_string(closing_side(s.snap.pos));
    return e;
}

event guard_service::impl::algo_event(const okx::algo_order& a, std::uint32_t k) const {
    event e = now_event(ev::algo, k);
    switch (a.state) {
    case okx::algo_state::effective:
    case okx::algo_state::partially_effective:
        e.algo = algo_status::fired;
        e.reason = a.actual_side == "tp"   ? shm::close_reason::tp
                   : a.actual_side == "sl" ? shm::close_reason::sl
                                           : shm::close_reason::none;
        break;
    case okx::algo_state::canceled:
    case okx::algo_state::order_failed:
    case okx::algo_state::partially_failed:
        e.algo = algo_status::gone;
        break;
    default:
        e.algo = algo_status::live;
        break;
    }
    return e;
}

// ---- closes
// --------------------------------------------------------------------------------------

// A close (or a compensation: the other side) over REST with the attempt's deterministic id.
net::awaitable<void> guard_service::impl::rest_close(shm::slot_ref ref, command c) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const auto a = seg.next_attempt(ref, shm::intent::close);
    if (a.status != shm::slot_result::ok || a.attempt != c.attempt) {
        seg.add(shm::counter::errors);
        core.feed(ref, now_event(ev::close_unknown, c.attempt)); // the id may be in use: look it up
        co_return;
    }
    const shm::position& pos = s.snap.pos;
    const bool reverse = c.kind == cmd::compensate;
    const std::string inst(pos.symbol.view()), cl(a.cl_ord_id.view());
    okx::place_order_req req;
    req.inst_id = inst;
    req.td_mode = td_mode;
    // A compensation undoes an excess close: it trades like the entry did.
    req.side = reverse ? entry_order_side(pos.pos_side) : closing_side(pos);
    req.sz = size_of(c.lots, core.lot_of(inst));
    req.tgt_ccy = okx::tgt_ccy::base_ccy;
    req.cl_ord_id = cl;
    // expTime = the tracker's deadline for this attempt: OKX discards the order if it gets to it
    // later, so "not found after deadline + lookup lag" proves it absent.
    req.exp_time_ms = wall_now_ms() + (c.deadline.count() - monotonic_now_ns()) / 1'000'000;
    spdlog::info("slot {} gen {}: {} {} {} over REST, clOrdId {}", ref.index, ref.generation,
                 reverse ? "COMPENSATING" : "close", inst, req.sz.str(), cl);
    const auto placed = co_await rest.place_order(req);
    const std::string sz = req.sz.str();
    note_args note;
    note.cl_ord_id = cl;
    note.symbol = inst;
    note.sz = sz;
    note.kind = reverse ? shm::order_kind::compensate : shm::order_kind::close;
    note.outcome = shm::order_outcome::placed;
    note.channel = shm::order_channel::rest;
    note.side = req.side;
    if (placed.ok()) {
        seg.add(shm::counter::orders_sent);
        note.ord_id = placed.value.ord_id.view();
        note_order(seg, note);
        core.feed(ref, now_event(ev::close_acked, c.attempt));
        co_return;
    }
    spdlog::warn("slot {}: REST close {} failed: {} {}", ref.index, cl, placed.err.code,
                 placed.err.message.view());
    const bool refused = definitely_refused(placed.err.kind);
    note.outcome = refused ? refusal_of(placed.err) : shm::order_outcome::unknown;
    note.error_code = placed.err.code;
    note_order(seg, note);
    event e = now_event(refused ? ev::close_rejected : ev::close_unknown, c.attempt);
    e.insufficient = placed.err.kind == error_kind::insufficient_funds;
    core.feed(ref, e);
}

net::awaitable<void> guard_service::impl::lookup_order(shm::slot_ref ref, command c) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const auto cl = seg.cl_ord_id(ref, shm::intent::close, c.attempt);
    const auto o =
        co_await rest.order(std::string(s.snap.pos.symbol.view()), {}, std::string(cl.view()));
    if (o.ok()) {
        const event e = order_event(ref, o.value, c.attempt, false);
        note_order_row(seg, o.value,
                       e.reverse ? shm::order_kind::compensate : shm::order_kind::close);
        core.feed(ref, e);
    } else {
        // Not found past its deadline + the lookup lag: it can no longer land (the tracker judges
        // it the same way) — the ledger files it absent.
        const bool absent =
            o.err.kind == error_kind::not_found &&
            monotonic_now_ns() >= c.deadline.count() + cfg.guard.lookup_lag_ms * 1'000'000;
        if (absent && c.deadline.count() > 0)
            note_outcome(seg, cl.view(), shm::order_kind::close, shm::order_outcome::absent,
                         shm::order_channel::unknown, 0, {}, s.snap.pos.symbol.view());
        core.feed(ref, now_event(o.err.kind == error_kind::not_found ? ev::order_absent
                                                                     : ev::lookup_failed,
                                 c.attempt));
    }
}

// The fired OCO's child: the OCO attempts are looked up for the one that triggered, then its
// child order by ordId.
net::awaitable<void> guard_service::impl::lookup_child(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const std::uint32_t n = s.snap.attempts[static_cast<std::size_t>(shm::intent::oco)];
    for (std::uint32_t k = n; k-- > 0;) {
        const auto cl = seg.cl_ord_id(ref, shm::intent::oco, k);
        const auto a = co_await rest.algo_order({}, std::string(cl.view()));
        if (!a.ok() || a.value.ord_id.empty())
            continue;
        const auto o = co_await rest.order(std::string(s.snap.pos.symbol.view()),
                                           std::string(a.value.ord_id.view()));
        if (o.ok()) {
            note_oco_child(seg, cl.view(), o.value);
            core.feed(ref, order_event(ref, o.value, 0, true));
            co_return;
        }
    }
    event e = now_event(ev::lookup_failed);
    e.child = true;
    core.feed(ref, e);
}

// ---- the OCO
// -------------------------------------------------------------------------------------

net::awaitable<void> guard_service::impl::lookup_algo(shm::slot_ref ref, std::uint32_t k) {
    const auto cl = seg.cl_ord_id(ref, shm::intent::oco, k);
    const auto a = co_await rest.algo_order({}, std::string(cl.view()));
    if (a.ok()) {
        note_algo_row(seg, a.value);
        core.feed(ref, algo_event(a.value, k));
    } else
        core.feed(ref, now_event(a.err.kind == error_kind::not_found ? ev::algo_absent
                                                                     : ev::lookup_failed,
                                 k));
}

// 51412 means "cancellation timed out" OR "already triggered" on OKX: the tracker looks the OCO
// up before concluding (https://www.okx.com/docs-v5/en/#error-code, trade section).
net::awaitable<void> guard_service::impl::cancel_oco(shm::slot_ref ref, std::uint32_t k) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const auto cl = seg.cl_ord_id(ref, shm::intent::oco, k);
    const bool stored = s.snap.pos.oco_algo_cl_ord_id.view() == cl.view();
    const std::string inst(s.snap.pos.symbol.view());
    const std::string algo_id(stored ? s.snap.pos.oco_algo_id.view() : std::string_view{});
    std::vector<okx::cancel_algo_req> reqs{{inst, algo_id, cl.view()}};
    const auto c = co_await rest.cancel_algos(reqs);
    if (c.ok()) {
        spdlog::info("slot {}: OCO {} cancelled", ref.index, cl.view());
        note_outcome(seg, cl.view(), shm::order_kind::oco, shm::order_outcome::canceled,
                     shm::order_channel::rest, 0, algo_id, inst);
        core.feed(ref, now_event(ev::cancel_ok, k));
        co_return;
    }
    spdlog::warn("slot {}: cancel of OCO {}: {} {} — looking it up", ref.index, cl.view(),
                 c.err.code, c.err.message.view());
    core.feed(ref, now_event(c.err.kind == error_kind::already_triggered ? ev::cancel_ambiguous
                                                                         : ev::oco_unknown,
                             k));
}

// The position is open and no OCO is live: place one (stored TP/SL, moved past the current price
// when already crossed) under attempt k's algoClOrdId (a reused id when k never landed), and
// store its ids in the slot.
net::awaitable<void> guard_service::impl::place_oco(shm::slot_ref ref, command c) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const shm::position pos = s.snap.pos;
    const int si = core.find_symbol(pos.symbol.view());
    if (si < 0)
        co_return;
    if (cfg.guard.close_unprotected && s.snap.state == shm::slot_state::open) {
        // guard.unprotected = close: coins of ours without a live OCO are sold, not re-protected.
        // The id never goes out (terminal for the tracker), the exit goes through the tracker.
        spdlog::warn("slot {} {}: no live OCO and guard.unprotected = close: closing at market",
                     ref.index, pos.symbol.view());
        core.feed(ref, now_event(ev::oco_rejected, c.attempt));
        (void)core.request_exit(ref, shm::close_reason::reconcile, monotonic_now_ns());
        co_return;
    }
    const symbol_entry& sym = core.symbol(static_cast<std::size_t>(si));
    if (c.attempt < s.snap.attempts[static_cast<std::size_t>(shm::intent::oco)])
        seg.note_sent(ref, shm::intent::oco); // a re-send under an unresolved id: its clock again
    else if (seg.next_attempt(ref, shm::intent::oco).attempt != c.attempt) {
        core.feed(ref, now_event(ev::oco_unknown, c.attempt)); // someone else took the id
        co_return;
    }
    const auto price = seg.read_price(sym.price_index);
    const double current =
        price.status == shm::price_status::ok && price.q.last > 0 ? price.q.last : pos.entry_price;
    const auto& rp = cfg.regimes.by_regime[static_cast<std::size_t>(pos.regime_at_entry) % 3];
    const oco_levels chosen =
        replacement_oco_levels(pos, current, rp, sym.tick_sz, cfg.entry.sizing.move_past_pct);
    if (!chosen.levels.ok) {
        core.feed(ref, now_event(ev::oco_rejected, c.attempt));
        co_return;
    }
    const auto cl = seg.cl_ord_id(ref, shm::intent::oco, c.attempt);
    okx::algo_order_req req;
    const std::string inst(pos.symbol.view());
    req.inst_id = inst;
    req.td_mode = td_mode;
    req.side = closing_side(pos);
    req.sz = size_of(c.lots, sym.lot_sz);
    req.has_tp = req.has_sl = true;
    req.tp_trigger_px = chosen.levels.tp;
    req.sl_trigger_px = chosen.levels.sl;
    req.algo_cl_ord_id = cl.view();
    const auto placed = co_await rest.place_algo(req);
    const std::string sz = req.sz.str();
    note_args note;
    note.cl_ord_id = cl.view();
    note.ord_id = placed.ok() ? placed.value.algo_id.view() : std::string_view{};
    note.symbol = inst;
    note.sz = sz;
    note.kind = shm::order_kind::oco;
    note.outcome = shm::order_outcome::placed;
    note.channel = shm::order_channel::rest;
    note.side = req.side;
    if (!placed.ok()) {
        note.outcome = definitely_refused(placed.err.kind) ? refusal_of(placed.err)
                                                           : shm::order_outcome::unknown;
        note.error_code = placed.err.code;
    }
    note_order(seg, note);
    if (!placed.ok()) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: placing OCO {} failed: {} {}", ref.index, cl.view(),
                      placed.err.code, placed.err.message.view());
        if (placed.err.kind == error_kind::insufficient_funds)
            request_account_reconcile("OCO refused: the coins are not held"); // sold by hand?
        core.feed(
            ref, now_event(definitely_refused(placed.err.kind) ? ev::oco_rejected : ev::oco_unknown,
                           c.attempt));
        co_return;
    }
    if (auto s2 = seg.snapshot(ref.index); s2.ok && s2.snap.generation == ref.generation) {
        shm::position p2 = s2.snap.pos;
        p2.oco_algo_id = placed.value.algo_id.view();
        p2.oco_algo_cl_ord_id = cl.view();
        p2.tp_price = chosen.levels.tp.to_double();
        p2.sl_price = chosen.levels.sl.to_double();
        (void)seg.update_position(ref, p2);
    }
    spdlog::warn("slot {}: OCO was missing; placed {} (tp {} sl {}, levels from {})", ref.index,
                 placed.value.algo_id.view(), chosen.levels.tp.str(), chosen.levels.sl.str(),
                 to_string(chosen.source));
    core.feed(ref, now_event(ev::oco_placed, c.attempt));
}

// ---- record and alert
// ----------------------------------------------------------------------------

// The tracker saw the position leave the account exactly once (any excess compensated): journal
// it under the claim (taken now when only the OCO sold). Net PnL counts both fees and the
// compensation's round trip.
void guard_service::impl::record_close(shm::slot_ref ref, const command& c) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        return;
    const shm::position& pos = s.snap.pos;
    if (!shm::claim_won(seg.try_claim_closing(ref, seg.self()))) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: closed on the exchange but the claim is held by a live owner",
                      ref.index);
        return;
    }
    const decimal lot = core.lot_of(pos.symbol.view());
    const double sold = size_of(c.lots, lot).to_double();
    const double bought = size_of(c.comp_lots, lot).to_double();
    shm::close_info info;
    info.exit_price = c.avg_px;
    info.exit_time_ms = wall_now_ms();
    info.exit_fee_usd = c.fee_usd + c.comp_fee_usd;
    // What the closes sold minus what a compensation bought back, both against the entry.
    const double gross = strategy::gross_pnl(pos.pos_side, pos.entry_price, c.avg_px, sold) -
                         strategy::gross_pnl(pos.pos_side, pos.entry_price, c.comp_avg_px, bought);
    info.net_pnl_usd = gross - pos.entry_fee_usd - info.exit_fee_usd;
    info.reason = c.reason != shm::close_reason::none         ? c.reason
                  : info.net_pnl_usd + pos.entry_fee_usd >= 0 ? shm::close_reason::tp
                                                              : shm::close_reason::sl;
    if (!c.child)
        info.close_cl_ord_id = seg.cl_ord_id(ref, shm::intent::close, c.attempt);
    const auto rc = seg.record_close(ref, seg.self(), info);
    if (rc != shm::slot_result::ok) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: record_close failed: {}", ref.index, shm::to_string(rc));
        return;
    }
    if (c.comp_lots > 0) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {} gen {}: DOUBLE CLOSE repaired: {} sold twice, {} bought back at {}",
                      ref.index, ref.generation, pos.symbol.view(), size_of(c.comp_lots, lot).str(),
                      c.comp_avg_px);
    }
    spdlog::info("slot {} gen {}: closed {} {} at {} fee {:.6f} net {:.4f} USD", ref.index,
                 ref.generation, shm::to_string(info.reason), pos.symbol.view(), info.exit_price,
                 info.exit_fee_usd, info.net_pnl_usd);
    net::post(ioc, [this] { core.refresh_slots(); });
    sweep_after_close();
}

void guard_service::impl::alert(shm::slot_ref ref, const command& c) {
    seg.add(shm::counter::errors);
    spdlog::error("slot {} gen {}: exit STUCK after {} attempts: the claim is kept, the position "
                  "needs an operator (late fills still close it)",
                  ref.index, ref.generation, c.attempt);
}

// ---- prices and instruments
// ----------------------------------------------------------------------

net::awaitable<void> guard_service::impl::poll_ticker(std::string inst_id) {
    const auto t = co_await rest.ticker(inst_id);
    --polls_in_flight;
    const int si = core.find_symbol(inst_id);
    const mono_ns now = monotonic_now_ns();
    // The WS may have come back meanwhile: its prices are newer than this answer.
    if (t.ok() && !stopping && si >= 0 && feeds.wants_poll(static_cast<std::size_t>(si), now)) {
        (void)core.on_ticker(t.value, now);
        feeds.on_poll_tick(static_cast<std::size_t>(si), now);
    }
}

// Until the real lot and tick sizes are in, no slot is judged (the OCO protects it meanwhile):
// a guessed lot floors the close size into 51121. Loaded, every slot is bound and judged at once.
net::awaitable<void> guard_service::impl::load_instruments() {
    const auto r = co_await rest.instruments("SPOT");
    if (!r.ok()) {
        spdlog::warn("instruments unavailable ({}): no judging until they load",
                     r.err.message.view());
        co_return;
    }
    std::vector<std::string> missing;
    for (const auto& s : cfg.symbols) {
        const bool listed = std::any_of(r.value.begin(), r.value.end(),
                                        [&](const okx::instrument& i) { return i.inst_id == s; });
        if (!listed)
            missing.push_back(s);
    }
    if (!missing.empty()) {
        // A configured symbol the exchange does not list is a config error: nothing could guard
        // it (no increments, no instIdCode). Stop with exit 2 naming every bad symbol.
        spdlog::critical("config error: symbols not listed by public/instruments (SPOT): {}",
                         fmt::join(missing, ", "));
        exit_code = 2;
        stop();
        co_return;
    }
    for (const auto& i : r.value) {
        core.set_increments(i.inst_id.view(), i.lot_sz, i.tick_sz);
        core.set_inst_id_code(i.inst_id.view(), i.inst_id_code);
    }
    instruments_loaded = true;
    core.refresh_slots();
}

net::awaitable<void> guard_service::impl::sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(ioc, d);
    boost::system::error_code ec;
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> guard_service::impl::load_account_mode() {
    for (int attempt = 0; !stopping; ++attempt) {
        const auto r = co_await rest.account_config();
        if (r.ok()) {
            td_mode = okx::spot_td_mode(r.value.acct_lv);
            core.set_td_mode(td_mode);
            spdlog::info("account mode acctLv {}: SPOT orders use tdMode {}", r.value.acct_lv,
                         okx::to_string(td_mode));
            co_return;
        }
        spdlog::warn("account/config unavailable ({} {}): tdMode {} until it answers", r.err.code,
                     r.err.message.view(), okx::to_string(td_mode));
        co_await sleep_for(
            std::chrono::milliseconds(std::min(30'000, 1000 << std::min(attempt, 5))));
    }
}

} // namespace scalpel::guard
