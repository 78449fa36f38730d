// The guard's REST flows, each a named coroutine run sequentially on the io_context thread (off the
// tick path): a bot-initiated close (fill → cancel OCO → journal, with the double-close repair when
// the OCO fired too), the OCO fill record, adoption of a dead incarnation's close (its
// deterministic clOrdIds are looked up before anything is sent), the periodic reconcile with the
// missing-OCO re-placement, and REST price polling. Every journal write goes through the slot's
// closing claim, so one slot generation is recorded exactly once whatever races.
#include "guard_proc/service_impl.hpp"

#include "common/log.hpp"
#include "guard_proc/oco_levels.hpp"

#include <cmath>

namespace scalpel::guard {

using namespace std::chrono_literals;
using okx::error_kind;

namespace {

bool is_quote_ccy(std::string_view ccy) {
    return ccy == "USDT" || ccy == "USDC" || ccy == "USD";
}

// The fee of an order in quote USD (positive = paid). A buyer pays in base: × the fill price.
double fee_usd(const okx::order_detail& o) {
    const double fee = -o.fee.to_double();
    return is_quote_ccy(o.fee_ccy.view()) ? fee : fee * o.avg_px.to_double();
}

// Net PnL of a position closed at `exit_px` for `sold` base units, both fees counted.
double net_pnl(const shm::position& pos, double exit_px, double sold, double exit_fee_usd) {
    const double move =
        pos.pos_side == shm::side::short_ ? pos.entry_price - exit_px : exit_px - pos.entry_price;
    return move * sold - pos.entry_fee_usd - exit_fee_usd;
}

okx::side closing_side(const shm::position& pos) {
    return pos.pos_side == shm::side::short_ ? okx::side::buy : okx::side::sell;
}

bool oco_ids_empty(const shm::position& pos) {
    return pos.oco_algo_id.empty() && pos.oco_algo_cl_ord_id.empty();
}

} // namespace

net::awaitable<void> guard_service::impl::sleep_for(std::chrono::milliseconds d) {
    net::steady_timer t(ioc, d);
    boost::system::error_code ec;
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
}

void guard_service::impl::finish_work(shm::slot_ref ref, bool closing_flow) {
    slot_work& w = work_for(ref);
    (closing_flow ? w.closing : w.aux) = false;
    core.refresh_slots();
    if (!closing_flow && w.oco_pending && !w.closing) {
        w.oco_pending = false;
        w.aux = true;
        spawn(oco_flow(ref), "oco", ref);
    }
}

// ---- bot-initiated close -----------------------------------------------------------------------

net::awaitable<void> guard_service::impl::close_flow(close_request r, bool sent_over_ws) {
    const std::string inst(r.symbol.view()), cl(r.cl_ord_id.view());
    spdlog::info("slot {} gen {}: {} close of {} {} at {} (est. net {:.4f}) clOrdId {} via {}",
                 r.ref.index, r.ref.generation, shm::to_string(r.reason), inst, r.size.str(),
                 r.trigger_price, r.decided_net_pnl, cl, sent_over_ws ? "ws" : "rest");
    if (!sent_over_ws) {
        okx::place_order_req req;
        req.inst_id = inst;
        req.side = r.pos_side == shm::side::short_ ? okx::side::buy : okx::side::sell;
        req.sz = r.size;
        req.tgt_ccy = okx::tgt_ccy::base_ccy;
        req.cl_ord_id = cl;
        const auto placed = co_await rest.place_order(req);
        if (placed.ok())
            seg.add(shm::counter::orders_sent);
        else {
            spdlog::warn("slot {}: REST close {} failed: {} {}", r.ref.index, cl, placed.err.code,
                         placed.err.message.view());
            if (!is_retryable(placed.err.kind))
                op_rejects[cl] = placed.err;
        }
    }
    const fill_outcome f = co_await await_fill(inst, cl, {});
    if (f.what == fill_outcome::kind::filled)
        co_await finish_after_fill(r.ref, r.reason, f.order);
    else if (f.what == fill_outcome::kind::failed)
        co_await close_failed(r.ref);
    else {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: outcome of close {} unknown; claim kept, reconcile will resume",
                      r.ref.index, cl);
    }
    finish_work(r.ref, true);
}

// Waits for the order's outcome: the `orders` push (or a WS refusal) first; after ~2 s without one,
// REST lookups by clOrdId (or ordId) every 500 ms. Never sends anything.
net::awaitable<fill_outcome>
guard_service::impl::await_fill(std::string inst_id, std::string cl_ord_id, std::string ord_id) {
    const auto start = std::chrono::steady_clock::now();
    auto next_rest = start + 2s;
    for (;;) {
        const auto& cache = cl_ord_id.empty() ? orders_by_id : orders_by_cl;
        if (auto it = cache.find(cl_ord_id.empty() ? ord_id : cl_ord_id); it != cache.end()) {
            if (it->second.state == okx::order_state::filled)
                co_return fill_outcome{fill_outcome::kind::filled, it->second};
            if (it->second.state == okx::order_state::canceled ||
                it->second.state == okx::order_state::mmp_canceled)
                co_return fill_outcome{fill_outcome::kind::failed, it->second};
        }
        if (!cl_ord_id.empty() && op_rejects.count(cl_ord_id))
            co_return fill_outcome{fill_outcome::kind::failed, {}};
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_rest) {
            next_rest = now + 500ms;
            const auto o = co_await rest.order(inst_id, ord_id, cl_ord_id);
            if (o.ok()) {
                if (o.value.state == okx::order_state::filled)
                    co_return fill_outcome{fill_outcome::kind::filled, o.value};
                if (o.value.state == okx::order_state::canceled ||
                    o.value.state == okx::order_state::mmp_canceled)
                    co_return fill_outcome{fill_outcome::kind::failed, o.value};
            } else if (o.err.kind == error_kind::not_found && now - start > 5s) {
                co_return fill_outcome{fill_outcome::kind::failed, {}}; // it never landed
            }
        }
        if (now - start > 30s || stopping)
            co_return fill_outcome{};
        co_await sleep_for(10ms);
    }
}

// Our close filled: cancel the OCO, repair a double close if the OCO fired as well, journal.
net::awaitable<void> guard_service::impl::finish_after_fill(shm::slot_ref ref,
                                                            shm::close_reason reason,
                                                            okx::order_detail fill) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {} gen {}: moved on before its close could be recorded", ref.index,
                      ref.generation);
        co_return;
    }
    const shm::position pos = s.snap.pos;
    const std::string inst(pos.symbol.view());
    double compensation = 0;
    for (int attempt = 0; attempt < 6 && !oco_ids_empty(pos); ++attempt) {
        std::vector<okx::cancel_algo_req> reqs{
            {inst, pos.oco_algo_id.view(), pos.oco_algo_cl_ord_id.view()}};
        const auto c = co_await rest.cancel_algos(reqs);
        if (c.ok() || c.err.kind == error_kind::already_done || c.err.kind == error_kind::not_found)
            break;
        if (c.err.kind == error_kind::already_triggered) {
            compensation = co_await undo_double_close(ref, pos);
            break;
        }
        spdlog::warn("slot {}: cancel of OCO {} failed ({} {}), retrying", ref.index,
                     pos.oco_algo_id.view(), c.err.code, c.err.message.view());
        if (attempt == 5) {
            seg.add(shm::counter::errors);
            spdlog::error("slot {}: OCO {} could not be cancelled; recording the close anyway",
                          ref.index, pos.oco_algo_id.view());
        }
        co_await sleep_for(500ms);
    }
    shm::close_info info;
    info.reason = reason;
    info.exit_price = fill.avg_px.to_double();
    info.exit_time_ms = wall_now_ms();
    info.exit_fee_usd = fee_usd(fill);
    const double sold = fill.acc_fill_sz.is_positive() ? fill.acc_fill_sz.to_double() : pos.size;
    info.net_pnl_usd = net_pnl(pos, info.exit_price, sold, info.exit_fee_usd) + compensation;
    info.close_cl_ord_id = fill.cl_ord_id.view();
    const auto rc = seg.record_close(ref, seg.self(), info);
    if (rc != shm::slot_result::ok) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: record_close failed: {}", ref.index, shm::to_string(rc));
        co_return;
    }
    spdlog::info("slot {} gen {}: closed {} {} at {} fee {:.6f} net {:.4f} USD", ref.index,
                 ref.generation, shm::to_string(reason), inst, info.exit_price, info.exit_fee_usd,
                 info.net_pnl_usd);
}

// The cancel said the OCO had triggered. If its child order filled, the position was sold twice:
// buy (or sell) the child's size back at once. Returns the PnL effect of that repair (≤ 0 usually).
net::awaitable<double> guard_service::impl::undo_double_close(shm::slot_ref ref,
                                                              shm::position pos) {
    core.mark_oco_fired(ref);
    okx::algo_order algo;
    for (int i = 0; i < 20; ++i) {
        const auto a = co_await rest.algo_order(std::string(pos.oco_algo_id.view()),
                                                std::string(pos.oco_algo_cl_ord_id.view()));
        if (a.ok() && !a.value.ord_id.empty()) {
            algo = a.value;
            break;
        }
        if (a.ok() && a.value.state == okx::algo_state::order_failed)
            co_return 0.0; // child failed: our close stands
        co_await sleep_for(100ms);
    }
    if (algo.ord_id.empty()) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: OCO triggered but its child order is unknown", ref.index);
        co_return 0.0;
    }
    const std::string inst(pos.symbol.view());
    const fill_outcome child = co_await await_fill(inst, {}, std::string(algo.ord_id.view()));
    if (child.what != fill_outcome::kind::filled) {
        spdlog::info("slot {}: OCO {} triggered but its child {} did not fill: the {} close stands",
                     ref.index, algo.algo_id.view(), algo.ord_id.view(), "bot");
        co_return 0.0;
    }
    seg.add(shm::counter::errors);
    spdlog::error(
        "slot {}: DOUBLE CLOSE: OCO child {} filled {} as well; restoring the position size",
        ref.index, algo.ord_id.view(), child.order.acc_fill_sz.str());
    const auto att = seg.next_attempt(ref, shm::intent::close);
    okx::place_order_req req;
    req.inst_id = inst;
    req.side = closing_side(pos) == okx::side::sell ? okx::side::buy : okx::side::sell;
    req.sz = child.order.acc_fill_sz;
    req.tgt_ccy = okx::tgt_ccy::base_ccy;
    req.cl_ord_id = att.cl_ord_id.view();
    const auto placed = co_await rest.place_order(req);
    if (!placed.ok()) {
        spdlog::error("slot {}: compensating order failed: {} {}", ref.index, placed.err.code,
                      placed.err.message.view());
        co_return 0.0;
    }
    const fill_outcome comp = co_await await_fill(inst, std::string(att.cl_ord_id.view()), {});
    if (comp.what != fill_outcome::kind::filled)
        co_return 0.0;
    const double sz = child.order.acc_fill_sz.to_double();
    const double child_px = child.order.avg_px.to_double(), comp_px = comp.order.avg_px.to_double();
    const double move = req.side == okx::side::buy ? child_px - comp_px : comp_px - child_px;
    co_return move* sz - fee_usd(child.order) - fee_usd(comp.order);
}

// Our close did not happen (refused, e.g. 51008 because the OCO already sold the base, or
// cancelled). If the OCO fired, record it (we hold the claim); else give the claim back.
net::awaitable<void> guard_service::impl::close_failed(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return;
    const auto a = co_await fetch_algo(ref, s.snap.pos);
    if (a.ok() && (a.value.state == okx::algo_state::effective ||
                   a.value.state == okx::algo_state::partially_effective)) {
        core.mark_oco_fired(ref);
        if (co_await record_oco(ref, a.value))
            co_return;
    }
    seg.add(shm::counter::errors);
    core.hold_off(ref, monotonic_now_ns() + 2'000'000'000);
    const auto rc = seg.release_claim(ref, seg.self());
    spdlog::warn("slot {}: close did not fill; claim released ({}), retry after hold-off",
                 ref.index, shm::to_string(rc));
}

// The reason an adopted close is recorded with: what the claim holder stated in the slot before it
// sent (set_pending_reason); for a claim taken by a holder that did not state one, max holding if
// the age says so, else PH.
shm::close_reason guard_service::impl::adopted_reason(const shm::slot_snapshot& snap) const {
    if (snap.pending_reason != shm::close_reason::none)
        return snap.pending_reason;
    const auto p = core.params_for(snap.pos);
    return wall_now_ms() - snap.pos.entry_time_ms >= p.max_holding_ms
               ? shm::close_reason::time_limit
               : shm::close_reason::ph;
}

// A claim we hold without a live flow (stolen from a dead incarnation, or an unknown outcome):
// look up every close attempt of this generation before deciding anything.
net::awaitable<void> guard_service::impl::resume_close(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation) {
        finish_work(ref, true);
        co_return;
    }
    const shm::position pos = s.snap.pos;
    const std::string inst(pos.symbol.view());
    const std::uint32_t attempts = s.snap.attempts[static_cast<std::size_t>(shm::intent::close)];
    spdlog::warn("slot {} gen {}: resuming a close claim; {} earlier close attempt(s) to look up",
                 ref.index, ref.generation, attempts);
    for (std::uint32_t a = attempts; a-- > 0;) {
        const auto cl = seg.cl_ord_id(ref, shm::intent::close, a);
        if (cl.empty())
            continue;
        const auto o = co_await rest.order(inst, {}, std::string(cl.view()));
        if (!o.ok() || o.value.side.view() != okx::to_string(closing_side(pos)))
            continue;
        fill_outcome f{fill_outcome::kind::unknown, o.value};
        if (o.value.state == okx::order_state::filled)
            f.what = fill_outcome::kind::filled;
        else if (o.value.state == okx::order_state::live ||
                 o.value.state == okx::order_state::partially_filled)
            f = co_await await_fill(inst, std::string(cl.view()), {});
        if (f.what != fill_outcome::kind::filled)
            continue;
        co_await finish_after_fill(ref, adopted_reason(s.snap), f.order);
        finish_work(ref, true);
        co_return;
    }
    co_await close_failed(
        ref); // nothing landed: record the OCO if it fired, else release the claim
    finish_work(ref, true);
}

// ---- OCO fills
// ------------------------------------------------------------------------------------

net::awaitable<okx::result<okx::algo_order>>
guard_service::impl::fetch_algo(shm::slot_ref ref, const shm::position& pos) {
    if (!oco_ids_empty(pos))
        co_return co_await rest.algo_order(std::string(pos.oco_algo_id.view()),
                                           std::string(pos.oco_algo_cl_ord_id.view()));
    // No ids stored yet: the OCO may still be known by its deterministic algoClOrdId.
    const auto s = seg.snapshot(ref.index);
    const std::uint32_t n = s.ok ? s.snap.attempts[static_cast<std::size_t>(shm::intent::oco)] : 0;
    for (std::uint32_t a = n; a-- > 0;) {
        const auto cl = seg.cl_ord_id(ref, shm::intent::oco, a);
        auto r = co_await rest.algo_order({}, std::string(cl.view()));
        if (r.ok())
            co_return r;
    }
    co_return okx::make_error(error_kind::not_found, "no OCO id stored for the slot");
}

net::awaitable<void> guard_service::impl::oco_flow(shm::slot_ref ref) {
    const auto c = seg.try_claim_closing(ref, seg.self());
    if (c == shm::claim_result::claimed || c == shm::claim_result::stolen ||
        c == shm::claim_result::already_mine) {
        const auto s = seg.snapshot(ref.index);
        bool recorded = false;
        if (s.ok && s.snap.generation == ref.generation) {
            for (int i = 0; i < 5 && !recorded; ++i) {
                const auto a = co_await fetch_algo(ref, s.snap.pos);
                if (a.ok() && (a.value.state == okx::algo_state::effective ||
                               a.value.state == okx::algo_state::partially_effective)) {
                    recorded = co_await record_oco(ref, a.value);
                    break;
                }
                co_await sleep_for(200ms);
            }
        }
        if (!recorded) {
            core.clear_oco_fired(ref);
            (void)seg.release_claim(ref, seg.self());
        }
    }
    finish_work(ref, false);
}

// We hold the claim and the OCO is effective: record TP/SL from its child's fill. Returns false
// (nothing recorded) when the child did not fill (order_failed): the OCO is then gone and the
// reconcile re-places one.
net::awaitable<bool> guard_service::impl::record_oco(shm::slot_ref ref, okx::algo_order algo) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation)
        co_return false;
    const shm::position pos = s.snap.pos;
    const std::string inst(pos.symbol.view());
    for (int i = 0; i < 20 && algo.ord_id.empty(); ++i) {
        co_await sleep_for(100ms);
        const auto a = co_await fetch_algo(ref, pos);
        if (a.ok())
            algo = a.value;
    }
    if (algo.ord_id.empty())
        co_return false;
    const fill_outcome child = co_await await_fill(inst, {}, std::string(algo.ord_id.view()));
    if (child.what != fill_outcome::kind::filled) {
        spdlog::warn("slot {}: OCO {} fired but child {} did not fill", ref.index,
                     algo.algo_id.view(), algo.ord_id.view());
        co_return false;
    }
    shm::close_info info;
    const double px = child.order.avg_px.to_double();
    if (algo.actual_side == "tp")
        info.reason = shm::close_reason::tp;
    else if (algo.actual_side == "sl")
        info.reason = shm::close_reason::sl;
    else
        info.reason = (net_pnl(pos, px, pos.size, 0) + pos.entry_fee_usd >= 0)
                          ? shm::close_reason::tp
                          : shm::close_reason::sl;
    info.exit_price = px;
    info.exit_time_ms = wall_now_ms();
    info.exit_fee_usd = fee_usd(child.order);
    const double sold =
        child.order.acc_fill_sz.is_positive() ? child.order.acc_fill_sz.to_double() : pos.size;
    info.net_pnl_usd = net_pnl(pos, px, sold, info.exit_fee_usd);
    info.close_cl_ord_id = child.order.cl_ord_id.view();
    const auto rc = seg.record_close(ref, seg.self(), info);
    if (rc != shm::slot_result::ok) {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: record_close (OCO) failed: {}", ref.index, shm::to_string(rc));
        co_return false;
    }
    spdlog::info("slot {} gen {}: OCO {} filled: {} {} at {} fee {:.6f} net {:.4f} USD", ref.index,
                 ref.generation, algo.algo_id.view(), shm::to_string(info.reason), inst, px,
                 info.exit_fee_usd, info.net_pnl_usd);
    co_return true;
}

// ---- reconcile
// ------------------------------------------------------------------------------------

net::awaitable<void> guard_service::impl::reconcile_slot(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation) {
        finish_work(ref, false);
        co_return;
    }
    const std::uint64_t w = s.snap.closing_owner;
    const bool mine = shm::owner_role_bits(w) == static_cast<std::uint8_t>(seg.self().who) &&
                      shm::owner_incarnation(w) == seg.self().incarnation;
    if (s.snap.state == shm::slot_state::closing) {
        // Our own claim without a flow (outcome unknown earlier), or a dead owner's: resume it.
        slot_work& wk = work_for(ref);
        const auto c =
            mine ? shm::claim_result::already_mine : seg.try_claim_closing(ref, seg.self());
        if ((c == shm::claim_result::already_mine || c == shm::claim_result::stolen) &&
            !wk.closing) {
            wk.closing = true;
            spawn(resume_close(ref), "adopt", ref);
        }
        finish_work(ref, false);
        co_return;
    }
    const auto a = co_await fetch_algo(ref, s.snap.pos);
    const auto state = a.ok() ? a.value.state : okx::algo_state::unknown;
    if (a.ok() &&
        (state == okx::algo_state::effective || state == okx::algo_state::partially_effective)) {
        core.mark_oco_fired(ref);
        slot_work& wk = work_for(ref);
        if (!wk.closing) {
            co_await oco_flow(ref); // finishes the aux work itself
            co_return;
        }
    } else if ((a.ok() &&
                (state == okx::algo_state::canceled || state == okx::algo_state::order_failed ||
                 state == okx::algo_state::partially_failed)) ||
               (!a.ok() && a.err.kind == error_kind::not_found)) {
        // Grace period: signal_proc places the OCO right after the entry fill. Whether the coins
        // are still held (protect) or gone (close as external) is the account reconcile's call.
        if (wall_now_ms() - s.snap.pos.entry_time_ms > 10'000 && !core.oco_fired(ref))
            request_account_reconcile("OCO missing");
    }
    finish_work(ref, false);
}

// The position is open but unprotected: place a new OCO (stored TP/SL, moved past the current price
// when already crossed) with the next deterministic algoClOrdId, and store its ids in the slot.
net::awaitable<void> guard_service::impl::replace_oco(shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    if (!s.ok || s.snap.generation != ref.generation || s.snap.state != shm::slot_state::open)
        co_return;
    const shm::position pos = s.snap.pos;
    const int si = core.find_symbol(pos.symbol.view());
    if (si < 0)
        co_return;
    const symbol_entry& sym = core.symbol(static_cast<std::size_t>(si));
    const auto price = seg.read_price(sym.price_index);
    const double current =
        price.status == shm::price_status::ok && price.q.last > 0 ? price.q.last : pos.entry_price;
    const auto& rp = cfg.regimes.by_regime[static_cast<std::size_t>(pos.regime_at_entry) % 3];
    // Stored TP/SL first, else the signal's ATR at entry, else 0.5 % of entry (oco_levels.hpp).
    const oco_levels chosen =
        replacement_oco_levels(pos, current, rp, sym.tick_sz, cfg.entry.sizing.move_past_pct);
    const auto& levels = chosen.levels;
    if (!levels.ok)
        co_return;
    core.hold_off(ref, monotonic_now_ns() + 15'000'000'000); // no PH sell while the ids change
    const auto att = seg.next_attempt(ref, shm::intent::oco);
    okx::algo_order_req req;
    const std::string inst(pos.symbol.view());
    req.inst_id = inst;
    req.side = closing_side(pos);
    req.sz = decimal::floor_to(pos.size, sym.lot_sz);
    req.has_tp = req.has_sl = true;
    req.tp_trigger_px = levels.tp;
    req.sl_trigger_px = levels.sl;
    req.algo_cl_ord_id = att.cl_ord_id.view();
    const auto placed = co_await rest.place_algo(req);
    if (placed.ok()) {
        auto s2 = seg.snapshot(ref.index);
        if (s2.ok && s2.snap.generation == ref.generation) {
            shm::position p2 = s2.snap.pos;
            p2.oco_algo_id = placed.value.algo_id.view();
            p2.oco_algo_cl_ord_id = att.cl_ord_id.view();
            p2.tp_price = levels.tp.to_double();
            p2.sl_price = levels.sl.to_double();
            (void)seg.update_position(ref, p2);
        }
        spdlog::warn("slot {}: OCO was missing; placed {} (tp {} sl {}, levels from {})", ref.index,
                     placed.value.algo_id.view(), levels.tp.str(), levels.sl.str(),
                     to_string(chosen.source));
    } else {
        seg.add(shm::counter::errors);
        spdlog::error("slot {}: re-placing the OCO failed: {} {}", ref.index, placed.err.code,
                      placed.err.message.view());
    }
    core.hold_off(ref, 0);
}

// ---- prices and instruments ---------------------------------------------------------------------

net::awaitable<void> guard_service::impl::poll_ticker(std::string inst_id) {
    const auto t = co_await rest.ticker(inst_id);
    --polls_in_flight;
    if (t.ok() && !stopping && (!public_live || feed_stale))
        core.on_ticker(t.value, monotonic_now_ns());
}

net::awaitable<void> guard_service::impl::load_instruments() {
    const auto r = co_await rest.instruments("SPOT");
    if (!r.ok()) {
        spdlog::warn("instruments unavailable ({}): default increments in use",
                     r.err.message.view());
        co_return;
    }
    for (const auto& i : r.value)
        core.set_increments(i.inst_id.view(), i.lot_sz, i.tick_sz);
}

} // namespace scalpel::guard
