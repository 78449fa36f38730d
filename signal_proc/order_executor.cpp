// order_executor: entry → fill → OCO → publish_open, and the reconcile of opening slots. See the
// header for the guarantees; the why of each step is commented where it happens.
#include "signal_proc/order_executor.hpp"

#include "common/clock.hpp"
#include "signal_proc/param_map.hpp"
#include "strategy/money.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace scalpel::signal {

const char* to_string(open_status s) noexcept {
    switch (s) {
    case open_status::opened:
        return "opened";
    case open_status::rejected:
        return "rejected";
    case open_status::not_filled:
        return "not_filled";
    case open_status::slot_refused:
        return "slot_refused";
    case open_status::unresolved:
        return "unresolved";
    case open_status::closed_no_oco:
        return "closed_no_oco";
    case open_status::guard_exit:
        return "guard_exit";
    case open_status::failed:
        return "failed";
    }
    return "?";
}

struct order_executor::fill_info {
    std::string ord_id;
    double avg_px = 0;
    decimal acc_fill_sz;
    double fee = 0; // as OKX reports it (negative = charged)
    std::string fee_ccy;
    std::int64_t time_ms = 0;
};

namespace {

constexpr int fill_filled = 1, fill_none = 0, fill_unknown = -1;

// An entry answer that proves the order was not accepted (nothing to look up).
bool definitive_reject(okx::error_kind k) noexcept {
    using okx::error_kind;
    return k == error_kind::insufficient_funds || k == error_kind::invalid_order ||
           k == error_kind::bad_request || k == error_kind::auth || k == error_kind::rate_limit ||
           k == error_kind::config || k == error_kind::exchange;
}

// What is actually held after the fill (strategy/money: a buy's fee is taken in base), on the
// lot grid.
decimal held_size(const decimal& filled, double okx_fee, std::string_view fee_ccy,
                  std::string_view inst_id, const strategy::instrument_spec& inst) noexcept {
    const strategy::fee_currency ccy = strategy::classify_fee_ccy(fee_ccy, inst_id);
    return decimal::floor_to(strategy::held_after_fee(filled.to_double(), okx_fee, ccy),
                             inst.lot_sz);
}

std::int64_t deadline_ms(const net_client::rest_client& c) noexcept {
    return c.config().order_deadline.count();
}

// A place-algo answer that says an OCO under this algoClOrdId already exists (the sim's 51065;
// OKX refuses a duplicate algoClOrdId while the first one exists): look it up, do not give up.
bool duplicate_algo(const okx::error& e) noexcept {
    return e.kind == okx::error_kind::duplicate_id || e.code == 51065;
}

} // namespace

void order_executor::report(std::string_view cl_ord_id, std::string_view ord_id,
                            std::string_view symbol, order_side s, const char* kind,
                            const decimal& sz, const char* state, std::int64_t sent_ms,
                            int error_code) {
    if (orders_ == nullptr)
        return;
    ledger::order_row o;
    o.cl_ord_id = std::string(cl_ord_id);
    o.ord_id = std::string(ord_id);
    o.symbol = std::string(symbol);
    o.side = okx::to_string(s);
    o.kind = kind;
    o.ord_type = std::string_view(kind) == "oco" ? "oco" : "market";
    o.sz = sz.str();
    o.state = state;
    o.error_code = error_code != 0 ? std::to_string(error_code) : std::string();
    o.sent_ms = sent_ms;
    o.updated_ms = wall_now_ms();
    o.channel = "rest"; // signal_proc sends everything over REST
    orders_->push_back(std::move(o));
}

order_executor::order_executor(net_client::rest_client& client, shm::segment& seg,
                               executor_config cfg)
    : client_(client), seg_(seg), cfg_(cfg) {}

net::awaitable<void> order_executor::sleep_ms(std::int64_t ms) {
    net::steady_timer t(co_await net::this_coro::executor);
    t.expires_after(std::chrono::milliseconds(ms));
    boost::system::error_code ec;
    co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<double> order_executor::current_price(std::string inst) {
    auto t = co_await client_.ticker(inst);
    co_return t.ok() ? t.value.last : 0.0;
}

// Polls the order by clOrdId until it is terminal or the confirmation deadline passes. `acked`:
// the exchange confirmed the order, so "not found" is lag, not absence. Otherwise "not found"
// proves absence only after `exp_bound_ms` (≥ the order's expTime) + the lookup lag: until then
// the exchange may still be about to execute it.
net::awaitable<int> order_executor::confirm_fill(std::string inst, std::string cl_ord_id,
                                                 bool acked, std::int64_t exp_bound_ms,
                                                 fill_info* out) {
    const auto deadline = monotonic_now_ns() + cfg_.order_timeout_ms * 1'000'000;
    const std::int64_t absent_after = exp_bound_ms + client_.config().order_lookup_lag.count();
    for (;;) {
        auto q = co_await client_.order(inst, {}, cl_ord_id);
        if (q.ok()) {
            const auto& d = q.value;
            const bool done = d.state == okx::order_state::filled ||
                              d.state == okx::order_state::canceled ||
                              d.state == okx::order_state::mmp_canceled;
            if (done) {
                if (!d.acc_fill_sz.is_positive())
                    co_return fill_none;
                out->ord_id = std::string(d.ord_id.view());
                out->avg_px = d.avg_px.to_double();
                out->acc_fill_sz = d.acc_fill_sz;
                out->fee = d.fee.to_double();
                out->fee_ccy = std::string(d.fee_ccy.view());
                out->time_ms = d.fill_time_ms > 0 ? d.fill_time_ms
                                                  : (d.u_time_ms > 0 ? d.u_time_ms : wall_now_ms());
                co_return fill_filled;
            }
        } else if (q.err.kind == okx::error_kind::not_found) {
            if (!acked && wall_now_ms() > absent_after)
                co_return fill_none;
        }
        if (monotonic_now_ns() >= deadline)
            co_return fill_unknown;
        co_await sleep_ms(cfg_.poll_ms);
    }
}

net::awaitable<open_outcome> order_executor::open(open_request req) {
    shm::position intent{};
    intent.symbol.assign_truncated(req.symbol);
    intent.pos_side = req.pos_side == side::long_side ? side::long_side : side::short_side;
    intent.regime_at_entry = req.regime;
    intent.ph_enabled = req.params.ph_enabled ? 1 : 0;
    intent.ph_threshold_usd = req.params.ph_threshold_usd;
    intent.ph_time_limit_s = static_cast<std::uint32_t>(req.params.ph_time_limit_ms / 1000);
    intent.max_hold_s = static_cast<std::uint32_t>(req.params.max_holding_ms / 1000);
    intent.atr = req.atr; // the signal's ATR: a restarted process re-derives the OCO from it
    intent.entry_time_ms = wall_now_ms();
    const auto rsv = seg_.reserve_slot(intent, true);
    if (rsv.status != shm::slot_result::ok) {
        spdlog::warn("entry {}: reserve_slot refused: {}", req.symbol, shm::to_string(rsv.status));
        co_return open_outcome{open_status::slot_refused, {}};
    }
    const std::string cl_id(rsv.entry_cl_ord_id.view());
    const bool is_long = req.pos_side == side::long_side;
    okx::place_order_req po;
    po.inst_id = req.symbol;
    po.td_mode = cfg_.td_mode;
    po.side = entry_order_side(req.pos_side);
    po.ord_type = okx::ord_type::market;
    po.sz = req.size;
    po.tgt_ccy = okx::tgt_ccy::base_ccy; // size is in base for both sides
    po.cl_ord_id = cl_id;
    spdlog::info("entry {} {}: slot {} gen {} clOrdId {} market {} sz {}", req.symbol,
                 strategy::to_string(req.pos_side), rsv.ref.index, rsv.ref.generation, cl_id,
                 is_long ? "buy" : "sell", req.size.str());
    // The deadline comes from the intent's time, so a restarted process can bound it exactly.
    po.exp_time_ms = okx::exp_time_after(intent.entry_time_ms, deadline_ms(client_));
    seg_.add(shm::counter::orders_sent);
    const net_client::order_placement placed = co_await client_.submit_order(po);
    if (placed.state == net_client::placement_state::absent) {
        const bool expired = placed.err.kind == okx::error_kind::expired;
        report(cl_id, {}, req.symbol, po.side, "entry", req.size, expired ? "absent" : "refused",
               intent.entry_time_ms, placed.err.code);
        spdlog::warn("entry {} {}: {} ({} {}); clOrdId {} slot {} abandoned", req.symbol,
                     expired ? "expired unplaced" : "rejected", okx::to_string(placed.err.kind),
                     placed.err.code, placed.err.message.view(), cl_id, rsv.ref.index);
        // Refused only when the slot is no longer ours (taken over): nothing left to abandon.
        (void)seg_.abandon_opening(rsv.ref, seg_.self());
        co_return open_outcome{expired ? open_status::not_filled : open_status::rejected, rsv.ref};
    }
    if (placed.state == net_client::placement_state::unknown) {
        report(cl_id, {}, req.symbol, po.side, "entry", req.size, "unknown", intent.entry_time_ms,
               placed.err.code);
        spdlog::error("entry {}: clOrdId {} outcome unknown ({} {}); slot {} left opening for "
                      "reconcile, no new entry attempt meanwhile",
                      req.symbol, cl_id, okx::to_string(placed.err.kind), placed.err.code,
                      rsv.ref.index);
        co_return open_outcome{open_status::unresolved, rsv.ref};
    }
    fill_info f;
    const int got = co_await confirm_fill(req.symbol, cl_id, true, placed.exp_time_ms, &f);
    report(cl_id, f.ord_id, req.symbol, po.side, "entry", req.size,
           got == fill_filled ? "filled"
           : got == fill_none ? "canceled"
                              : "placed",
           intent.entry_time_ms);
    if (got == fill_none) {
        spdlog::warn("entry {}: clOrdId {} not filled; slot {} abandoned", req.symbol, cl_id,
                     rsv.ref.index);
        // Refused only when the slot is no longer ours (taken over): nothing left to abandon.
        (void)seg_.abandon_opening(rsv.ref, seg_.self());
        co_return open_outcome{open_status::not_filled, rsv.ref};
    }
    if (got == fill_unknown) {
        spdlog::error(
            "entry {}: clOrdId {} still unresolved after {} ms; slot {} left opening for reconcile",
            req.symbol, cl_id, cfg_.order_timeout_ms, rsv.ref.index);
        co_return open_outcome{open_status::unresolved, rsv.ref};
    }
    auto snap = seg_.snapshot(rsv.ref.index);
    shm::position pos = snap.ok ? snap.snap.pos : intent;
    co_return co_await protect(rsv.ref, pos, f, req.atr, req.pos_side, req.params, req.inst);
}

// Filled: record the fill, place the OCO (with retries), publish_open — or close at market.
net::awaitable<open_outcome> order_executor::protect(shm::slot_ref ref, shm::position pos,
                                                     const fill_info& f, double atr, side s,
                                                     strategy::regime_params params,
                                                     strategy::instrument_spec inst,
                                                     std::string first_reuse_id) {
    const std::string sym(pos.symbol.view());
    // An OCO attempt of an earlier run (or one reused below) may still land: algo placement has
    // no expTime. A clear refusal of every attempt of this call leaves nothing in flight.
    const auto before = seg_.snapshot(ref.index);
    bool oco_may_land =
        !first_reuse_id.empty() ||
        (before.ok && before.snap.attempts[static_cast<std::size_t>(shm::intent::oco)] > 0);
    const decimal held = held_size(f.acc_fill_sz, f.fee, f.fee_ccy, sym, inst);
    pos.entry_ord_id.assign_truncated(f.ord_id);
    pos.entry_price = f.avg_px;
    pos.size = held.to_double();
    pos.entry_fee_usd = strategy::fee_cost_quote(f.fee, f.fee_ccy, sym, f.avg_px);
    pos.entry_time_ms = f.time_ms;
    (void)seg_.update_position(ref, pos); // the fill is known even if we die before the OCO
    spdlog::info("entry {} filled: ordId {} avgPx {} filled {} fee {} {} held {}", sym, f.ord_id,
                 f.avg_px, f.acc_fill_sz.str(), f.fee, f.fee_ccy, held.str());
    if (!held.is_positive() || held < inst.min_sz) {
        spdlog::error("entry {}: held size {} below minSz; closing what is there", sym, held.str());
    } else {
        // An unresolved attempt's algoClOrdId: the next try goes out under it.
        std::string reuse = std::move(first_reuse_id);
        for (int attempt = 0; attempt <= cfg_.oco_retries; ++attempt) {
            // The guard may claim the exit while we place: until its close goes out the position
            // is still held, so it stays protected (the guard cancels the OCO before it sells).
            const exit_view v = exit_of(ref);
            if (v.guard_closing) {
                spdlog::info("entry {}: the guard is closing slot {} before its OCO; it resolves "
                             "every OCO attempt",
                             sym, ref.index);
                co_return open_outcome{open_status::guard_exit, ref};
            }
            if (!v.opening) { // closed meanwhile (its OCO fired, the guard sold it)
                spdlog::info("entry {}: slot {} is no longer opening; no OCO", sym, ref.index);
                co_return open_outcome{open_status::failed, ref};
            }
            const oco_result r = co_await place_oco(ref, &pos, atr, s, params, inst, reuse);
            if (r == oco_result::placed) {
                (void)co_await sweep_extra_ocos(ref, sym, std::string(pos.oco_algo_id.view()));
                const auto pr = seg_.publish_open(ref, pos);
                if (pr != shm::slot_result::ok) {
                    spdlog::error("slot {}: publish_open failed: {}", ref.index,
                                  shm::to_string(pr));
                    co_return open_outcome{open_status::failed, ref};
                }
                spdlog::info("position open {} {} slot {} gen {} size {} entry {} tp {} sl {} "
                             "algoId {} algoClOrdId {}",
                             sym, strategy::to_string(s), ref.index, ref.generation, pos.size,
                             pos.entry_price, pos.tp_price, pos.sl_price, pos.oco_algo_id.view(),
                             pos.oco_algo_cl_ord_id.view());
                co_return open_outcome{open_status::opened, ref};
            }
            reuse = r == oco_result::unresolved ? std::string(pos.oco_algo_cl_ord_id.view())
                                                : std::string();
            oco_may_land |= r == oco_result::unresolved;
        }
        if (exit_of(ref).guard_claimed)
            co_return open_outcome{open_status::guard_exit, ref}; // its exit, not our market close
        spdlog::error("entry {}: no OCO after {} attempts; closing at market", sym,
                      cfg_.oco_retries + 1);
    }
    switch (co_await close_at_market(ref, pos, s, inst, oco_may_land)) {
    case market_close::closed:
        co_return open_outcome{open_status::closed_no_oco, ref};
    case market_close::oco_fired: // published open with the fired OCO: the guard records it
        co_return open_outcome{open_status::opened, ref};
    case market_close::failed:
        break;
    }
    co_return open_outcome{open_status::failed, ref};
}

// The guard watches a filled entry from its fill on (segment::guarded_slots) and may claim its exit
// before the OCO exists: the exit is then the guard's (no market close of ours). Until it hands out
// a close attempt it is resolving the OCO attempts, and the position still needs its OCO: one
// placed now is cancelled by the guard before it sells. Once a close is out, no OCO goes out any
// more.
order_executor::exit_view order_executor::exit_of(shm::slot_ref ref) const noexcept {
    const auto s = seg_.snapshot(ref.index);
    if (!s.ok)
        return {}; // no consistent copy: place_oco's own checks decide
    if (s.snap.generation != ref.generation)
        return {.opening = false}; // the slot moved on
    const bool guard =
        shm::owner_role_bits(s.snap.closing_owner) == static_cast<std::uint8_t>(shm::role::guard);
    return {.opening = s.snap.state == shm::slot_state::opening,
            .guard_claimed = guard,
            .guard_closing =
                guard && s.snap.attempts[static_cast<std::size_t>(shm::intent::close)] > 0};
}

net::awaitable<std::optional<okx::algo_order>>
order_executor::find_oco(std::string algo_cl_ord_id) {
    auto q = co_await client_.algo_order({}, algo_cl_ord_id);
    if (q.ok() &&
        (q.value.state == okx::algo_state::live || q.value.state == okx::algo_state::pause ||
         q.value.state == okx::algo_state::effective ||
         q.value.state == okx::algo_state::partially_effective))
        co_return q.value;
    co_return std::nullopt;
}

// One OCO attempt, levels from the fill and the ATR, moved past the current price when it already
// crossed one (compute_tp_sl). Algo placement has no expTime, so an attempt whose outcome is
// unclear is never replaced by a new id here: the caller retries under the same algoClOrdId.
net::awaitable<order_executor::oco_result>
order_executor::place_oco(shm::slot_ref ref, shm::position* pos, double atr, side s,
                          const strategy::regime_params& params,
                          const strategy::instrument_spec& inst, std::string reuse_id) {
    const std::string sym(pos->symbol.view());
    std::string algo_cl = reuse_id;
    std::uint32_t attempt_no = 0;
    if (algo_cl.empty()) {
        const auto att = seg_.next_attempt(ref, shm::intent::oco);
        if (att.status != shm::slot_result::ok) {
            spdlog::error("slot {}: next_attempt(oco) failed: {}", ref.index,
                          shm::to_string(att.status));
            co_return oco_result::rejected;
        }
        algo_cl = std::string(att.cl_ord_id.view());
        attempt_no = att.attempt;
    }
    double px = co_await current_price(sym);
    if (!(px > 0))
        px = pos->entry_price;
    const auto lv =
        strategy::compute_tp_sl(s, pos->entry_price, atr, px, params.tp_atr_multiplier,
                                params.sl_atr_multiplier, inst.tick_sz, cfg_.move_past_pct);
    if (!lv.ok) {
        spdlog::error("slot {}: no usable TP/SL (atr {}, fill {}, price {})", ref.index, atr,
                      pos->entry_price, px);
        co_return reuse_id.empty() ? oco_result::rejected : oco_result::unresolved;
    }
    pos->oco_algo_cl_ord_id.assign_truncated(algo_cl);
    pos->tp_price = lv.tp.to_double();
    pos->sl_price = lv.sl.to_double();
    // Best effort before sending: a refusal means the slot is no longer ours, and the OCO's
    // algoClOrdId is deterministic, so whoever holds the slot finds it without this record.
    (void)seg_.update_position(ref, *pos);
    okx::algo_order_req req;
    req.inst_id = sym;
    req.td_mode = cfg_.td_mode;
    const strategy::market_close exit = strategy::build_market_close(s, pos->size, inst.lot_sz);
    req.side = exit.side; // the OCO's legs are market closes of the held size
    req.sz = exit.size;
    req.has_tp = req.has_sl = true;
    req.tp_trigger_px = lv.tp;
    req.sl_trigger_px = lv.sl;
    req.algo_cl_ord_id = algo_cl;
    seg_.add(shm::counter::orders_sent);
    if (!reuse_id.empty())
        seg_.note_sent(ref, shm::intent::oco); // its land-lag clock restarts for the guard too
    const std::int64_t sent_ms = wall_now_ms();
    auto ack = co_await client_.place_algo(req);
    std::string algo_id(ack.ok() ? ack.value.algo_id.view() : std::string_view{});
    if (!ack.ok()) {
        // The attempt may be (or is) on the exchange: an unclear answer, or "already exists" (the
        // sim's 51065; OKX's code for a duplicate algoClOrdId is not confirmed, so a clear refusal
        // of a REUSED id gets one lookup too: the earlier send under it may be the live one).
        const bool unclear = duplicate_algo(ack.err) || !definitive_reject(ack.err.kind);
        const int lookups = unclear ? cfg_.oco_lookups : (reuse_id.empty() ? 0 : 1);
        for (int i = 0; i < lookups && algo_id.empty(); ++i) {
            if (const auto found = co_await find_oco(algo_cl))
                algo_id = std::string(found->algo_id.view());
            else if (i + 1 < lookups)
                co_await sleep_ms(cfg_.poll_ms);
        }
        if (algo_id.empty())
            report(algo_cl, {}, sym, req.side, "oco", req.sz, unclear ? "unknown" : "refused",
                   sent_ms, ack.err.code);
        if (algo_id.empty() && unclear) {
            spdlog::warn("OCO {} {} unresolved: {} {} {}; retried under the same id", sym, algo_cl,
                         okx::to_string(ack.err.kind), ack.err.code, ack.err.message.view());
            co_return oco_result::unresolved;
        }
        if (algo_id.empty()) {
            spdlog::warn("OCO {} attempt {} ({}) refused: {} {} {} (tp {} sl {} price {})", sym,
                         attempt_no, algo_cl, okx::to_string(ack.err.kind), ack.err.code,
                         ack.err.message.view(), lv.tp.str(), lv.sl.str(), px);
            co_return oco_result::rejected;
        }
    }
    report(algo_cl, algo_id, sym, req.side, "oco", req.sz, "placed", sent_ms);
    pos->oco_algo_id = std::string_view(algo_id);
    (void)seg_.update_position(ref, *pos);
    spdlog::info("OCO {} placed: algoId {} algoClOrdId {} sz {} tp {} sl {}{}{}", sym, algo_id,
                 algo_cl, req.sz.str(), lv.tp.str(), lv.sl.str(), lv.tp_moved ? " (tp moved)" : "",
                 lv.sl_moved ? " (sl moved)" : "");
    co_return oco_result::placed;
}

// Every client id the slot handed out for `what` (attempts 0..n-1 of one snapshot); nullopt when
// the slot is unreadable or no longer this generation.
std::optional<std::vector<std::string>> order_executor::handed_out_ids(shm::slot_ref ref,
                                                                       shm::intent what) const {
    const auto sr = seg_.snapshot(ref.index);
    if (!sr.ok || sr.snap.generation != ref.generation)
        return std::nullopt;
    std::vector<std::string> ids;
    const std::uint32_t n = sr.snap.attempts[static_cast<std::size_t>(what)];
    for (std::uint32_t i = 0; i < n; ++i)
        ids.emplace_back(seg_.cl_ord_id(ref, what, i).view());
    return ids;
}

// Keep exactly one: any other live OCO under one of this slot's algoClOrdIds is canceled (a late
// attempt of a dead incarnation). Returns how many were canceled.
net::awaitable<int> order_executor::sweep_extra_ocos(shm::slot_ref ref, std::string inst,
                                                     std::string keep_algo_id) {
    const auto ours = handed_out_ids(ref, shm::intent::oco);
    if (!ours)
        co_return 0;
    auto live = co_await client_.algos_pending("oco", inst);
    if (!live.ok())
        co_return 0;
    std::vector<okx::cancel_algo_req> extras;
    std::vector<std::string> ids; // keeps the algoIds alive for the request views
    for (const auto& a : live.value)
        if (a.algo_id.view() != keep_algo_id &&
            std::find(ours->begin(), ours->end(), a.algo_cl_ord_id.view()) != ours->end())
            ids.emplace_back(a.algo_id.view());
    for (const auto& id : ids)
        extras.push_back({inst, id, {}});
    if (extras.empty())
        co_return 0;
    const auto r = co_await client_.cancel_algos(extras);
    spdlog::warn("slot {}: {} extra live OCO(s) of ours on {} canceled (kept {}): {}", ref.index,
                 extras.size(), inst, keep_algo_id, r.ok() ? "ok" : okx::to_string(r.err.kind));
    co_return static_cast<int>(extras.size());
}

struct order_executor::oco_resolution {
    enum class verdict : std::uint8_t { none_live, fired, unresolved } what = verdict::unresolved;
    okx::algo_order fired; // verdict fired: the OCO that closed the position
    std::string fired_cl_ord_id;
};

// Every algoClOrdId the slot handed out for an OCO is looked up, and the live OCOs of the
// instrument are listed (two placements under one id can both exist: one lookup shows one of
// them). Live ones of ours are canceled and looked up again; a fired one ends it (the OCO closed
// the position). "Not found" is absence only after oco_land_lag from now when a placement may
// still land: order-algo has no expTime. Gives up (unresolved) when the exchange cannot be asked
// for order_timeout past that.
net::awaitable<order_executor::oco_resolution>
order_executor::resolve_ocos(shm::slot_ref ref, std::string inst, bool may_land) {
    using verdict = oco_resolution::verdict;
    const auto handed_out = handed_out_ids(ref, shm::intent::oco);
    if (!handed_out)
        co_return oco_resolution{};
    const std::vector<std::string>& ids = *handed_out;
    if (ids.empty())
        co_return oco_resolution{verdict::none_live, {}, {}};
    const std::int64_t now0 = wall_now_ms();
    const std::int64_t absent_after = now0 + (may_land ? cfg_.oco_land_lag_ms : 0);
    const std::int64_t give_up = absent_after + cfg_.order_timeout_ms;
    spdlog::warn("slot {}: resolving {} OCO attempt(s) on {} before the market close{}", ref.index,
                 ids.size(), inst,
                 may_land
                     ? fmt::format(" (one may land late: watching {} ms)", cfg_.oco_land_lag_ms)
                     : std::string());
    for (;;) {
        bool known = true; // every lookup answered this round
        std::vector<std::string> live;
        for (const auto& id : ids) {
            auto q = co_await client_.algo_order({}, id);
            if (!q.ok()) {
                known &= q.err.kind == okx::error_kind::not_found;
                continue;
            }
            const auto st = q.value.state;
            if (st == okx::algo_state::effective || st == okx::algo_state::partially_effective)
                co_return oco_resolution{verdict::fired, q.value, id};
            if (st == okx::algo_state::live || st == okx::algo_state::pause)
                live.emplace_back(q.value.algo_id.view());
        }
        auto pending = co_await client_.algos_pending("oco", inst);
        known &= pending.ok();
        if (pending.ok())
            for (const auto& a : pending.value)
                if (std::find(ids.begin(), ids.end(), a.algo_cl_ord_id.view()) != ids.end() &&
                    std::find(live.begin(), live.end(), a.algo_id.view()) == live.end())
                    live.emplace_back(a.algo_id.view());
        if (!live.empty()) {
            std::vector<okx::cancel_algo_req> cancel;
            for (const auto& id : live)
                cancel.push_back({inst, id, {}});
            const auto r = co_await client_.cancel_algos(cancel);
            // 51412 (fired, or a cancel timeout) and unclear answers: the next lookup tells.
            spdlog::warn("slot {}: {} live OCO(s) of ours on {} canceled before the market close: "
                         "{} {}",
                         ref.index, live.size(), inst, r.ok() ? "ok" : okx::to_string(r.err.kind),
                         r.err.code);
        } else if (known && wall_now_ms() > absent_after) {
            co_return oco_resolution{verdict::none_live, {}, {}};
        }
        if (wall_now_ms() > give_up) {
            spdlog::error("slot {}: OCO attempts on {} not resolved after {} ms: no market close",
                          ref.index, inst, wall_now_ms() - now0);
            co_return oco_resolution{};
        }
        co_await sleep_ms(cfg_.poll_ms);
    }
}

// Earlier close attempts of this slot (a last resort that failed, a dead predecessor's): each is
// resolved on the exchange — every one was sent with an expTime no later than now + deadline.
net::awaitable<std::optional<bool>> order_executor::resolve_earlier_closes(shm::slot_ref ref,
                                                                           std::string inst,
                                                                           fill_info* f,
                                                                           std::string* cl_ord_id) {
    const auto ids = handed_out_ids(ref, shm::intent::close);
    if (!ids)
        co_return std::nullopt;
    for (const std::string& id : *ids) {
        const std::int64_t exp_bound = okx::exp_time_after(wall_now_ms(), deadline_ms(client_));
        const auto p = co_await client_.resolve_order(inst, id, exp_bound);
        if (p.state == net_client::placement_state::absent)
            continue;
        if (!p.placed())
            co_return std::nullopt;
        const int got = co_await confirm_fill(inst, id, true, exp_bound, f);
        if (got == fill_unknown)
            co_return std::nullopt;
        if (got == fill_filled) {
            *cl_ord_id = id;
            co_return true;
        }
    }
    co_return false;
}

bool order_executor::record_market_close(shm::slot_ref ref, shm::position pos, side s,
                                         const fill_info& f, std::string_view cl_ord_id) {
    const std::string sym(pos.symbol.view());
    shm::close_info ci;
    ci.reason = shm::close_reason::reconcile;
    ci.exit_price = f.avg_px;
    ci.exit_time_ms = f.time_ms;
    ci.exit_fee_usd = strategy::fee_cost_quote(f.fee, f.fee_ccy, sym, f.avg_px);
    ci.net_pnl_usd =
        strategy::realised_net_pnl(s, pos.entry_price, f.avg_px, f.acc_fill_sz.to_double(),
                                   pos.entry_fee_usd, ci.exit_fee_usd);
    ci.close_cl_ord_id.assign_truncated(cl_ord_id);
    // record_close right after judges ownership and its status is logged.
    (void)seg_.update_position(ref, pos);
    const auto r = seg_.record_close(ref, seg_.self(), ci);
    spdlog::warn("position {} closed at market (no OCO): exit {} net {:.4f} record_close {}", sym,
                 f.avg_px, ci.net_pnl_usd, shm::to_string(r));
    return r == shm::slot_result::ok;
}

// The last resort: every OCO attempt of the slot resolved first (a fired one closed the position:
// it is published for the guard to record), then claim the slot, resolve any earlier close
// attempt, sell (or buy back) the held size at market under a fresh clOrdId with an expTime, and
// resolve that one too; journal it.
net::awaitable<order_executor::market_close>
order_executor::close_at_market(shm::slot_ref ref, shm::position pos, side s,
                                const strategy::instrument_spec& inst, bool oco_may_land) {
    const std::string sym(pos.symbol.view());
    const strategy::market_close mc = strategy::build_market_close(s, pos.size, inst.lot_sz);
    if (!mc.ok()) {
        spdlog::error("slot {}: {} holds {} (under one lot {}): nothing to close at market",
                      ref.index, sym, pos.size, inst.lot_sz.str());
        co_return market_close::failed;
    }
    const oco_resolution oco = co_await resolve_ocos(ref, sym, oco_may_land);
    if (oco.what == oco_resolution::verdict::unresolved)
        co_return market_close::failed; // left opening: the next reconcile resolves it again
    if (oco.what == oco_resolution::verdict::fired) {
        pos.oco_algo_id = std::string_view(oco.fired.algo_id.view());
        pos.oco_algo_cl_ord_id = std::string_view(oco.fired_cl_ord_id);
        pos.tp_price = oco.fired.tp_trigger_px.to_double();
        pos.sl_price = oco.fired.sl_trigger_px.to_double();
        const auto r = seg_.publish_open(ref, pos);
        spdlog::warn("slot {}: OCO {} ({}) fired before the market close: no sell, the guard "
                     "records its close; publish_open {}",
                     ref.index, oco.fired.algo_id.view(), oco.fired_cl_ord_id, shm::to_string(r));
        co_return r == shm::slot_result::ok ? market_close::oco_fired : market_close::failed;
    }
    const auto claim = seg_.try_claim_closing(ref, seg_.self());
    if (!shm::claim_won(claim)) {
        spdlog::error("slot {}: cannot claim for the market close: {}", ref.index,
                      shm::to_string(claim));
        co_return market_close::failed;
    }
    // Say why before sending, so a process adopting this claim records the right reason. We hold
    // the claim: only a reuse could refuse it, and next_attempt below sees that.
    (void)seg_.set_pending_reason(ref, seg_.self(), shm::close_reason::reconcile);
    fill_info f;
    std::string earlier_id;
    const auto earlier = co_await resolve_earlier_closes(ref, sym, &f, &earlier_id);
    if (!earlier) {
        spdlog::error("slot {}: an earlier close of {} is unresolved: no new one", ref.index, sym);
        co_return market_close::failed;
    }
    if (*earlier)
        co_return record_market_close(ref, pos, s, f, earlier_id) ? market_close::closed
                                                                  : market_close::failed;
    const auto att = seg_.next_attempt(ref, shm::intent::close);
    if (att.status != shm::slot_result::ok)
        co_return market_close::failed;
    const std::string cl_id(att.cl_ord_id.view());
    okx::place_order_req po;
    po.inst_id = sym;
    po.td_mode = cfg_.td_mode;
    po.side = mc.side;
    po.ord_type = okx::ord_type::market;
    po.sz = mc.size;
    po.tgt_ccy = okx::tgt_ccy::base_ccy;
    po.cl_ord_id = cl_id;
    // The exchange discards it past this: a late copy cannot sell a second time.
    po.exp_time_ms = okx::exp_time_after(wall_now_ms(), deadline_ms(client_));
    seg_.add(shm::counter::orders_sent);
    // submit_order resolves an unclear answer by clOrdId: placed, absent (after expTime + lag),
    // or unknown — never re-sent; an unknown one is resolved before any later close attempt.
    const std::int64_t sent_ms = wall_now_ms();
    const net_client::order_placement placed = co_await client_.submit_order(po);
    if (!placed.placed()) {
        const bool absent = placed.state == net_client::placement_state::absent;
        const bool expired = placed.err.kind == okx::error_kind::expired;
        report(cl_id, {}, sym, po.side, "close", mc.size,
               !absent   ? "unknown"
               : expired ? "absent"
                         : "refused",
               sent_ms, placed.err.code);
        spdlog::error("market close {} clOrdId {} {}: {} {} {}", sym, cl_id,
                      net_client::to_string(placed.state), okx::to_string(placed.err.kind),
                      placed.err.code, placed.err.message.view());
        co_return market_close::failed;
    }
    const int got = co_await confirm_fill(sym, cl_id, true, placed.exp_time_ms, &f);
    report(cl_id, f.ord_id, sym, po.side, "close", mc.size,
           got == fill_filled ? "filled"
           : got == fill_none ? "canceled"
                              : "placed",
           sent_ms);
    if (got != fill_filled) {
        spdlog::error("market close {} clOrdId {} not confirmed", sym, cl_id);
        co_return market_close::failed;
    }
    co_return record_market_close(ref, pos, s, f, cl_id) ? market_close::closed
                                                         : market_close::failed;
}

net::awaitable<open_status>
order_executor::reconcile_opening(std::uint32_t index, atr_lookup atr_of, spec_lookup spec_of,
                                  const strategy::regime_table* regimes) {
    const auto sr = seg_.snapshot(index);
    if (!sr.ok || sr.snap.state != shm::slot_state::opening)
        co_return open_status::failed;
    const shm::slot_ref ref = sr.snap.ref(index);
    if (exit_of(ref).guard_closing)
        co_return open_status::guard_exit; // the guard closes it (and resolves its OCOs)
    shm::position pos = sr.snap.pos;
    const std::string sym(pos.symbol.view());
    const std::string cl_id(pos.entry_cl_ord_id.view());
    const strategy::instrument_spec* inst = spec_of(sym);
    if (inst == nullptr) {
        spdlog::error("reconcile slot {} ({}): no instrument spec", index, sym);
        co_return open_status::unresolved;
    }
    const side s = pos.pos_side;
    spdlog::warn("reconcile slot {} gen {} {} opening: looking up entry clOrdId {}", index,
                 ref.generation, sym, cl_id);
    // The entry went out with expTime = intent time + deadline (open()); a slot whose fill was
    // not recorded still holds the intent time. Before that, nothing proves it absent.
    const std::int64_t exp_bound =
        pos.entry_time_ms > 0 && pos.entry_ord_id.empty()
            ? okx::exp_time_after(pos.entry_time_ms, deadline_ms(client_))
            : okx::exp_time_after(wall_now_ms(), deadline_ms(client_));
    fill_info f;
    const int got = co_await confirm_fill(sym, cl_id, false, exp_bound, &f);
    if (got == fill_none) {
        const auto r = seg_.abandon_opening(ref, seg_.self());
        spdlog::warn("reconcile slot {}: entry {} not filled on the exchange; abandoned ({})",
                     index, cl_id, shm::to_string(r));
        co_return open_status::not_filled;
    }
    if (got == fill_unknown)
        co_return open_status::unresolved;
    const strategy::regime_params params =
        regimes ? (*regimes)[checked(pos.regime_at_entry)] : strategy::regime_params{};
    // An OCO may already protect it: any attempt handed out so far may have landed, or still be
    // in flight. Look every one up; a second live one is swept when the first is adopted.
    const std::uint32_t attempts = sr.snap.attempts[static_cast<std::size_t>(shm::intent::oco)];
    for (std::uint32_t a = 0; a < attempts; ++a) {
        const auto id = seg_.cl_ord_id(ref, shm::intent::oco, a);
        if (id.empty())
            continue;
        const auto found = co_await find_oco(std::string(id.view()));
        if (!found)
            continue;
        const decimal held = held_size(f.acc_fill_sz, f.fee, f.fee_ccy, sym, *inst);
        pos.entry_ord_id.assign_truncated(f.ord_id);
        pos.entry_price = f.avg_px;
        pos.size = held.to_double();
        pos.entry_fee_usd = strategy::fee_cost_quote(f.fee, f.fee_ccy, sym, f.avg_px);
        pos.entry_time_ms = f.time_ms;
        pos.oco_algo_id = std::string_view(found->algo_id.view());
        pos.oco_algo_cl_ord_id = id;
        pos.tp_price = found->tp_trigger_px.to_double();
        pos.sl_price = found->sl_trigger_px.to_double();
        (void)co_await sweep_extra_ocos(ref, sym, std::string(found->algo_id.view()));
        const auto r = seg_.publish_open(ref, pos);
        spdlog::warn("reconcile slot {}: adopted existing OCO {} ({}, state {}); publish_open {}",
                     index, found->algo_id.view(), id.view(), okx::to_string(found->state),
                     shm::to_string(r));
        co_return r == shm::slot_result::ok ? open_status::opened : open_status::failed;
    }
    // The ATR the entry was decided on, when the intent recorded it; else today's.
    const double atr = pos.atr > 0 ? pos.atr : atr_of(sym);
    // "Not found" is not "absent" for an algo (no expTime): a late attempt may still land. So the
    // placement goes out under the LAST attempt's algoClOrdId (OKX refuses the duplicate while
    // either exists) rather than a new one.
    std::string last_id;
    if (attempts > 0)
        last_id = std::string(seg_.cl_ord_id(ref, shm::intent::oco, attempts - 1).view());
    spdlog::warn("reconcile slot {}: entry filled, no OCO found; placing one under {} (atr {}{})",
                 index, last_id.empty() ? "a new id" : last_id, atr,
                 pos.atr > 0 ? ", from the entry" : ", current");
    const auto out = co_await protect(ref, pos, f, atr, s, params, *inst, last_id);
    co_return out.status;
}

} // namespace scalpel::signal
