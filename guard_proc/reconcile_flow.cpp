// reconcile_flow: the guard's account reconciliation (issue 10) — at start and every
// guard.account_reconcile_s. Fetches the exchange's side (account uid, simulator run, our OCOs
// pending and recent, recent fills per symbol, balances), snapshots the segment, asks the pure
// reconcile::decide what to do and does it: cancels orphan OCOs, closes slots whose coins are gone
// as `external` (journaled, never re-protected), protects or sells unprotected coins, shrinks
// positions to what is held, rebuilds positions when the segment is new or foreign. Then it
// records the segment's identity and stamps the reconciliation for signal_proc's entry gate.
// Acts on nothing when any fetch failed: a partial picture must never cancel or close anything.
#include "guard_proc/service_impl.hpp"

#include "reconcile/reconcile.hpp"
#include "shm_layout/order_ids.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace scalpel::guard {

using namespace std::chrono_literals;

namespace {

bool quote_ccy(std::string_view ccy) {
    return ccy == "USDT" || ccy == "USDC" || ccy == "USD";
}

// `key` of the first data row of an OKX envelope (or of a /sim reply's top level).
std::string json_string(const std::string& body, const char* key, bool in_data) {
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(body).get(doc))
        return {};
    simdjson::dom::element row = doc;
    if (in_data) {
        simdjson::dom::array data;
        if (doc["data"].get(data) || data.size() == 0)
            return {};
        row = data.at(0);
    }
    std::string_view v;
    if (row[key].get(v))
        return {};
    return std::string(v);
}

reconcile::algo_status status_of(okx::algo_state s) {
    switch (s) {
    case okx::algo_state::live:
    case okx::algo_state::pause:
        return reconcile::algo_status::live;
    case okx::algo_state::effective:
    case okx::algo_state::partially_effective:
        return reconcile::algo_status::effective;
    case okx::algo_state::canceled:
        return reconcile::algo_status::canceled;
    case okx::algo_state::order_failed:
    case okx::algo_state::partially_failed:
        return reconcile::algo_status::failed;
    default:
        return reconcile::algo_status::other;
    }
}

std::string_view base_of(std::string_view inst) {
    return inst.substr(0, inst.find('-'));
}

} // namespace

bool guard_service::impl::ours(std::string_view cl_ord_id) const {
    shm::order_id_parts p;
    return shm::parse_cl_ord_id(cl_ord_id, p) && p.tag.view() == seg.account_tag();
}

net::awaitable<std::optional<reconcile::exchange_snapshot>>
guard_service::impl::fetch_exchange_snapshot() {
    reconcile::exchange_snapshot ex;
    ex.who.target = config::to_string(cfg.exchange.target);
    const auto acct = co_await rest.get("/api/v5/account/config", true);
    if (!acct.err.ok() || acct.status != 200) {
        spdlog::warn("account reconcile: account/config: {} {}", acct.err.code,
                     acct.err.message.view());
        co_return std::nullopt;
    }
    ex.who.uid = json_string(acct.body, "uid", true);
    if (cfg.exchange.target == config::exchange_target::sim) {
        const auto st = co_await rest.get("/sim/state", false);
        if (st.status == 200)
            ex.who.run_id = json_string(st.body, "run_id", false);
    }
    const auto add_algos = [&](const okx::result<std::vector<okx::algo_order>>& r) {
        for (const auto& a : r.value) {
            if (!ours(a.algo_cl_ord_id.view()))
                continue;
            reconcile::exchange_algo x;
            x.algo_id = std::string(a.algo_id.view());
            x.algo_cl_ord_id = std::string(a.algo_cl_ord_id.view());
            x.inst_id = std::string(a.inst_id.view());
            x.state = status_of(a.state);
            x.sz = a.sz.to_double();
            x.tp_trigger = a.tp_trigger_px.to_double();
            x.sl_trigger = a.sl_trigger_px.to_double();
            x.child_ord_id = std::string(a.ord_id.view());
            ex.algos.push_back(std::move(x));
        }
    };
    const auto pending = co_await rest.algos_pending("oco");
    const auto fired = co_await rest.algos_history("oco", "effective");
    const auto canceled = co_await rest.algos_history("oco", "canceled");
    if (!pending.ok() || !fired.ok() || !canceled.ok()) {
        spdlog::warn("account reconcile: algo orders unavailable");
        co_return std::nullopt;
    }
    add_algos(pending);
    add_algos(fired);
    add_algos(canceled);
    for (std::size_t i = 0; i < core.symbol_count(); ++i) {
        const std::string inst(core.symbol(i).inst_id.view());
        const auto f = co_await rest.fills(inst);
        if (!f.ok()) {
            spdlog::warn("account reconcile: fills of {} unavailable", inst);
            co_return std::nullopt;
        }
        for (const auto& row : f.value) {
            reconcile::exchange_fill x;
            x.inst_id = inst;
            x.ord_id = std::string(row.ord_id.view());
            x.cl_ord_id = std::string(row.cl_ord_id.view());
            x.trade_id = std::string(row.trade_id.view());
            x.buy = row.side == "buy";
            x.px = row.fill_px.to_double();
            x.sz = row.fill_sz.to_double();
            // OKX: fee < 0 is charged. A buyer pays in base: × price for USD.
            const double fee = -row.fee.to_double();
            x.fee_usd = quote_ccy(row.fee_ccy.view()) ? fee : fee * x.px;
            x.fee_base = quote_ccy(row.fee_ccy.view()) ? 0 : fee;
            x.time_ms = row.fill_time_ms ? row.fill_time_ms : row.ts_ms;
            ex.fills.push_back(std::move(x));
        }
    }
    std::sort(ex.fills.begin(), ex.fills.end(),
              [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; });
    const auto bal = co_await rest.balance();
    if (!bal.ok()) {
        spdlog::warn("account reconcile: balance unavailable");
        co_return std::nullopt;
    }
    for (const auto& d : bal.value.details)
        ex.held.emplace_back(std::string(d.ccy.view()), d.cash_bal.to_double());
    co_return ex;
}

reconcile::segment_snapshot
guard_service::impl::segment_snapshot(const reconcile::identity& exchange_who) const {
    reconcile::segment_snapshot s;
    const shm::segment_identity id = seg.identity();
    s.exists = id.recorded_ms != 0;
    s.who = {std::string(id.target.view()), std::string(id.uid.view()),
             std::string(id.run_id.view())};
    s.account_tag = std::string(seg.account_tag());
    s.id_epoch = seg.id_epoch();
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto r = seg.snapshot(i);
        if (!r.ok || r.snap.state == shm::slot_state::free)
            continue;
        reconcile::segment_slot x;
        x.index = i;
        x.generation = r.snap.generation;
        x.state = r.snap.state;
        x.pos = r.snap.pos;
        x.base_ccy = std::string(base_of(r.snap.pos.symbol.view()));
        if (const int si = core.find_symbol(r.snap.pos.symbol.view()); si >= 0) {
            x.lot_sz = core.symbol(static_cast<std::size_t>(si)).lot_sz.to_double();
            x.min_sz = x.lot_sz; // below one lot nothing can be sold: dust
        }
        s.slots.push_back(std::move(x));
    }
    // Never reconciled yet but holding slots: made by a process of this bot that has not met the
    // exchange yet (signal_proc started first): its slots are ours, not a foreign run's.
    if (!s.exists && !s.slots.empty()) {
        s.exists = true;
        s.who = exchange_who;
    }
    return s;
}

void guard_service::impl::request_account_reconcile(const char* why) {
    if (account_reconcile_running) {
        // Its snapshot may predate what prompted this request (a close just recorded): once more.
        account_reconcile_again = true;
        return;
    }
    account_reconcile_running = true;
    spawn(account_reconcile(why), "account reconcile");
}

// An OCO of a closed position must be canceled within seconds (issue 9), not at the next
// account_reconcile_s round: one that landed late (order-algo has no expTime) or that another
// incarnation placed is live with nobody owning it. The sweep is reconcile::decide's "live OCO
// of ours that no open position owns". Coalesced: closes within the delay share one sweep.
void guard_service::impl::sweep_after_close() {
    if (sweep_armed || stopping)
        return;
    sweep_armed = true;
    sweep_timer.expires_after(post_close_sweep_delay);
    sweep_timer.async_wait([this](const boost::system::error_code& ec) {
        sweep_armed = false;
        if (ec || stopping)
            return;
        request_account_reconcile("close recorded");
        // An OCO attempt still held by the exchange may land after this sweep: one more once
        // oco_grace (the tracker's land lag) has passed.
        if (late_sweep_armed)
            return;
        late_sweep_armed = true;
        late_sweep_timer.expires_after(std::chrono::milliseconds(cfg.guard.oco_grace_ms));
        late_sweep_timer.async_wait([this](const boost::system::error_code& ec2) {
            late_sweep_armed = false;
            if (!ec2 && !stopping)
                request_account_reconcile("late OCO sweep");
        });
    });
}

void guard_service::impl::arm_account_reconcile() {
    account_timer.expires_after(std::chrono::milliseconds(cfg.guard.account_reconcile_ms));
    account_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        request_account_reconcile("timer");
        arm_account_reconcile();
    });
}

net::awaitable<void> guard_service::impl::account_reconcile(const char* why) {
    struct running_flag { // cleared however the flow ends; a request meanwhile runs it again
        guard_service::impl& s;
        ~running_flag() {
            s.account_reconcile_running = false;
            if (s.account_reconcile_again && !s.stopping) {
                s.account_reconcile_again = false;
                // Posted: never start a flow from inside this one's frame teardown.
                net::post(s.ioc, [p = &s] { p->request_account_reconcile("requested meanwhile"); });
            }
        }
    } flag{*this};
    const auto t0 = std::chrono::steady_clock::now();
    if (!reconcile_instruments_loaded) { // lot sizes before any order
        co_await load_instruments();
        reconcile_instruments_loaded = true;
    }
    auto ex = co_await fetch_exchange_snapshot();
    if (!ex)
        co_return; // nothing acted on; the next round retries
    reconcile::options opt;
    opt.now_ms = wall_now_ms();
    opt.unprotected = cfg.guard.close_unprotected ? reconcile::unprotected_policy::close
                                                  : reconcile::unprotected_policy::protect;
    const auto actions = reconcile::decide(*ex, segment_snapshot(ex->who), opt);
    int done = 0;
    for (const auto& a : actions)
        done += co_await apply(a, *ex) ? 1 : 0;
    if (seg.identity().recorded_ms == 0 || !actions.empty()) {
        shm::segment_identity id;
        id.target.assign_truncated(ex->who.target);
        id.uid.assign_truncated(ex->who.uid);
        id.run_id.assign_truncated(ex->who.run_id);
        id.recorded_ms = wall_now_ms();
        if (!seg.record_identity(id))
            spdlog::error("account reconcile: could not record the segment identity");
    }
    seg.mark_reconciled(wall_now_ms());
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    if (!actions.empty() || std::string_view(why) != "timer")
        spdlog::info("account reconcile ({}): {} OCOs, {} fills, {} actions ({} done) in {} ms",
                     why, ex->algos.size(), ex->fills.size(), actions.size(), done, ms);
}

net::awaitable<bool> guard_service::impl::apply(const reconcile::action& a,
                                                const reconcile::exchange_snapshot& ex) {
    using reconcile::action_kind;
    const shm::slot_ref ref{a.slot, a.generation};
    switch (a.kind) {
    case action_kind::discard_segment:
        spdlog::warn("segment {} is not adopted: {}; rebuilding from the exchange", seg.name(),
                     a.reason);
        co_return discard_all_slots();
    case action_kind::cancel_oco: {
        spdlog::warn("reconcile: cancel OCO {} ({}) on {}: {}", a.algo_id, a.algo_cl_ord_id,
                     a.inst_id, a.reason);
        // Not `{req}`: g++ 12 rejects an initializer_list inside a coroutine.
        const std::vector<okx::cancel_algo_req> reqs(
            1, okx::cancel_algo_req{a.inst_id, a.algo_id, {}});
        const auto r = co_await rest.cancel_algos(reqs);
        co_return r.ok() || r.err.kind == okx::error_kind::already_done ||
            r.err.kind == okx::error_kind::not_found;
    }
    case action_kind::close_external:
        co_return close_external(ref, a);
    case action_kind::protect: {
        spdlog::warn("reconcile: slot {} {}: {}: its tracker places an OCO", a.slot, a.inst_id,
                     a.reason);
        core.forget_exit(
            ref); // rebound with no live OCO: the tracker places one (close_tracker D7)
        core.refresh_slots();
        co_return core.tracker(ref) != nullptr;
    }
    case action_kind::close_at_market:
        co_return start_reconcile_close(ref, a);
    case action_kind::shrink:
        co_return co_await shrink(ref, a);
    case action_kind::adopt_position:
        co_return co_await adopt(a);
    }
    (void)ex;
    co_return false;
}

bool guard_service::impl::discard_all_slots() {
    bool all = true;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (!s.ok || s.snap.state == shm::slot_state::free)
            continue;
        const shm::slot_ref ref{i, s.snap.generation};
        const auto c = seg.try_claim_closing(ref, seg.self());
        all &= (shm::claim_won(c) || c == shm::claim_result::already_mine) &&
               seg.discard_slot(ref, seg.self()) == shm::slot_result::ok;
    }
    return all;
}

bool guard_service::impl::close_external(shm::slot_ref ref, const reconcile::action& a) {
    const auto c = seg.try_claim_closing(ref, seg.self());
    if (!shm::claim_won(c) && c != shm::claim_result::already_mine)
        return false; // someone is closing it: their flow records it
    (void)seg.set_pending_reason(ref, seg.self(), shm::close_reason::external);
    shm::close_info info;
    info.reason = shm::close_reason::external;
    info.exit_price = a.exit_px;
    info.exit_time_ms = a.exit_time_ms;
    info.exit_fee_usd = a.exit_fee_usd;
    info.net_pnl_usd = a.net_pnl_usd;
    const auto rc = seg.record_close(ref, seg.self(), info);
    spdlog::warn("reconcile: slot {} gen {} {} closed as external ({}): exit {} fee {:.6f} net "
                 "{:.4f} USD{}",
                 ref.index, ref.generation, a.inst_id, a.reason, a.exit_px, a.exit_fee_usd,
                 a.net_pnl_usd, rc == shm::slot_result::ok ? "" : " — record_close FAILED");
    return rc == shm::slot_result::ok;
}

bool guard_service::impl::start_reconcile_close(shm::slot_ref ref, const reconcile::action& a) {
    core.refresh_slots(); // bind the slot's tracker if it is new
    const bool started = core.request_exit(ref, shm::close_reason::reconcile, monotonic_now_ns());
    if (started)
        spdlog::warn("reconcile: slot {} {}: {}: closing at market (guard.unprotected = close)",
                     ref.index, a.inst_id, a.reason);
    return started;
}

net::awaitable<bool> guard_service::impl::shrink(shm::slot_ref ref, const reconcile::action& a) {
    auto s = seg.snapshot(ref.index);
    const int si = core.find_symbol(a.inst_id);
    if (!s.ok || s.snap.generation != ref.generation || si < 0)
        co_return false;
    const decimal lot = core.symbol(static_cast<std::size_t>(si)).lot_sz;
    shm::position p = s.snap.pos;
    const double before = p.size;
    p.size = decimal::floor_to(a.size, lot).to_double();
    spdlog::warn("reconcile: slot {} {}: {}: position {} → {}, OCO replaced", ref.index, a.inst_id,
                 a.reason, before, p.size);
    if (!a.algo_id.empty()) {
        // Not `{req}`: g++ 12 rejects an initializer_list inside a coroutine.
        const std::vector<okx::cancel_algo_req> reqs(
            1, okx::cancel_algo_req{a.inst_id, a.algo_id, {}});
        const auto r = co_await rest.cancel_algos(reqs);
        if (!r.ok() && r.err.kind != okx::error_kind::already_done &&
            r.err.kind != okx::error_kind::not_found)
            co_return false; // the old OCO may still be live: retry next round
    }
    p.oco_algo_id = {};
    p.oco_algo_cl_ord_id = {};
    if (seg.update_position(ref, p) != shm::slot_result::ok)
        co_return false;
    core.forget_exit(ref); // a fresh tracker with the new size places the new OCO
    core.refresh_slots();
    co_return true;
}

net::awaitable<bool> guard_service::impl::adopt(const reconcile::action& a) {
    if (core.find_symbol(a.inst_id) < 0 && core.add_symbol(a.inst_id) < 0)
        co_return false;
    shm::position p = a.pos;
    // Not one-per-symbol: duplicates left by an earlier failure must be protected too.
    const auto r = seg.reserve_slot(p, false);
    if (r.status != shm::slot_result::ok) {
        spdlog::error("reconcile: cannot adopt {} {}: {}", a.inst_id, p.entry_cl_ord_id.view(),
                      shm::to_string(r.status));
        co_return false;
    }
    if (seg.publish_open(r.ref, p) != shm::slot_result::ok)
        co_return false;
    spdlog::warn("reconcile: adopted {} {} {} at {} (entry {}) into slot {} gen {}: {}", a.inst_id,
                 shm::to_string(p.pos_side), p.size, p.entry_price, a.pos.entry_cl_ord_id.view(),
                 r.ref.index, r.ref.generation, a.reason);
    core.refresh_slots(); // its tracker protects it when no OCO of it is live
    co_return true;
}

void guard_service::impl::publish_feed_state() {
    const mono_ns now = monotonic_now_ns();
    for (std::size_t i = 0; i < core.symbol_count(); ++i) {
        const shm::feed_state st = feeds.state(i, now);
        seg.set_feed_state(core.symbol(i).price_index, st);
        if (st != published_feed[i])
            spdlog::info("feed {}: {} -> {}", core.symbol(i).inst_id.view(),
                         shm::to_string(published_feed[i]), shm::to_string(st));
        published_feed[i] = st;
    }
}

} // namespace scalpel::guard
