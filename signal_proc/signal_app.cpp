// signal_app: the cycle and the heartbeat of signal_proc. See the header.
#include "signal_proc/signal_app.hpp"

#include "common/clock.hpp"
#include "common/net/exchange_endpoint.hpp"
#include "signal_proc/decision_log.hpp"
#include "signal_proc/entry_gate.hpp"
#include "signal_proc/param_map.hpp"
#include "strategy/engine.hpp"
#include "strategy/scoring.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace scalpel::signal {

namespace {

constexpr std::int64_t instrument_refresh_ms = 60 * 60'000;

executor_config make_executor_config(const config::bot_config& c) {
    executor_config e;
    e.order_timeout_ms = c.signal.order_timeout_ms;
    e.oco_retries = c.signal.oco_retries;
    e.poll_ms = c.signal.order_poll_ms;
    e.oco_lookups = c.signal.oco_lookups;
    e.oco_land_lag_ms = c.guard.oco_grace_ms; // the guard's oco_land_lag (guard_service.cpp)
    e.taker_fee_rate = c.exchange.taker_fee;
    e.move_past_pct = c.entry.sizing.move_past_pct;
    return e;
}

regime initial_regime(const shm::segment& seg) {
    const auto p = seg.read_params();
    return p.ok ? checked(p.params.current) : regime::ranging;
}

std::string base_of(std::string_view inst) {
    return std::string(inst.substr(0, inst.find('-')));
}

} // namespace

net_client::endpoint_config endpoint_for(const config::exchange_config& x) {
    return net_client::endpoint_for(x);
}

signal_app::signal_app(net::io_context& ioc, config::bot_config cfg,
                       std::optional<net_client::credentials> creds, shm::segment& seg)
    : ioc_(ioc), cfg_(std::move(cfg)), seg_(seg),
      client_(ioc.get_executor(), endpoint_for(cfg_.exchange), std::move(creds)),
      feed_(client_, cfg_.symbols, cfg_.entry.entry_bar_ms,
            feed_windows{static_cast<std::size_t>(cfg_.entry.entry_bars),
                         static_cast<std::size_t>(cfg_.entry.mtf_bars),
                         static_cast<std::size_t>(cfg_.entry.volume_profile_bars), 10, 10}),
      exec_(client_, seg_, make_executor_config(cfg_)), arm_(cfg_.arm, initial_regime(seg)),
      risk_(cfg_.risk),
      ledger_(seg_, risk_,
              (std::filesystem::path(cfg_.segment.run_dir) / ledger::default_file_name).string()),
      fills_(client_, cfg_.segment.account_tag), cycle_timer_(ioc) {
    exec_.set_order_queue(&ledger_.orders());
}

void signal_app::start() {
    auto on_done = [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                spdlog::critical("signal loop died: {}", x.what());
            }
        }
    };
    net::co_spawn(ioc_, heartbeat_loop(), on_done);
    net::co_spawn(ioc_, main_loop(), on_done);
}

void signal_app::request_stop() {
    if (stopping_)
        return;
    stopping_ = true;
    seg_.set_status(shm::process_status::stopping);
    cycle_timer_.cancel();
}

net::awaitable<void> signal_app::heartbeat_loop() {
    net::steady_timer t(ioc_);
    while (!stopping_) {
        seg_.heartbeat();
        t.expires_after(std::chrono::milliseconds(50));
        boost::system::error_code ec;
        co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

net::awaitable<void> signal_app::wait_ms(std::int64_t ms) {
    cycle_timer_.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(ms, 0)));
    boost::system::error_code ec;
    co_await cycle_timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> signal_app::main_loop() {
    seg_.set_status(shm::process_status::starting);
    while (!stopping_ && !co_await load_instruments())
        co_await wait_ms(2000);
    while (!stopping_ && !co_await load_account_mode())
        co_await wait_ms(2000);
    if (stopping_) {
        seg_.set_status(shm::process_status::stopped);
        ioc_.stop();
        co_return;
    }
    adopt_segment();
    publish_params("startup");
    seg_.set_status(shm::process_status::running);
    while (!stopping_) {
        const auto started = std::chrono::steady_clock::now();
        co_await cycle();
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        if (!stopping_)
            co_await wait_ms(cfg_.signal.cycle_ms - took.count());
    }
    seg_.set_status(shm::process_status::stopped);
    spdlog::info("signal_proc stopped after {} cycles", cycles_);
    ioc_.stop();
}

net::awaitable<bool> signal_app::load_instruments() {
    auto r = co_await client_.instruments("SPOT");
    if (!r.ok()) {
        spdlog::error("instruments: {} {} {}", okx::to_string(r.err.kind), r.err.code,
                      r.err.message.view());
        co_return false;
    }
    for (const auto& i : r.value) {
        const std::string id(i.inst_id.view());
        if (std::find(cfg_.symbols.begin(), cfg_.symbols.end(), id) == cfg_.symbols.end())
            continue;
        instrument_info info;
        info.spec.lot_sz = i.lot_sz;
        info.spec.min_sz = i.min_sz;
        info.spec.tick_sz = i.tick_sz;
        info.base_ccy = std::string(i.base_ccy.view());
        if (info.base_ccy.empty())
            info.base_ccy = base_of(id);
        instruments_[id] = info;
    }
    std::vector<std::string> missing;
    for (const auto& s : cfg_.symbols)
        if (!instruments_.count(s))
            missing.push_back(s);
    if (!missing.empty() && instruments_loaded_ms_ == 0) {
        // At start-up a configured symbol OKX does not list is a config error: exit 2 naming all.
        spdlog::critical("config error: symbols not listed by public/instruments (SPOT): {}",
                         fmt::join(missing, ", "));
        exit_code_ = 2;
        request_stop();
        co_return true;
    }
    for (const auto& s : missing)
        spdlog::error("instrument {} no longer listed by the exchange: it will not trade", s);
    instruments_loaded_ms_ = wall_now_ms();
    spdlog::info("instruments loaded: {} of {} configured", instruments_.size(),
                 cfg_.symbols.size());
    co_return true;
}

net::awaitable<bool> signal_app::load_account_mode() {
    auto r = co_await client_.account_config();
    if (!r.ok()) {
        spdlog::error("account/config: {} {} {}", okx::to_string(r.err.kind), r.err.code,
                      r.err.message.view());
        co_return false;
    }
    const okx::td_mode m = okx::spot_td_mode(r.value.acct_lv);
    exec_.set_td_mode(m);
    spdlog::info("account uid {} acctLv {} perm {}: SPOT orders use tdMode {}", r.value.uid.view(),
                 r.value.acct_lv, r.value.perm.view(), okx::to_string(m));
    co_return true;
}

void signal_app::publish_params(const char* why) {
    const auto r = arm_.current();
    const auto p = to_arm_params(r, cfg_.regimes[r], cfg_.exchange.taker_fee);
    const auto res = seg_.publish_params(p);
    spdlog::info("ARM params published ({}): regime {} seq {} min_score {} tp {} sl {} ph {}/{} "
                 "usd/{} s max_hold {} s{}",
                 why, strategy::to_string(r), res.seq, p.min_score, p.tp_atr_mult, p.sl_atr_mult,
                 p.ph_enabled, p.ph_threshold_usd, p.ph_time_limit_s, p.max_hold_s,
                 res.ok() ? "" : " (LOCK FAILED)");
}

// Restart: risk state from the ledger (or, without one, from the journal ring), then count what
// the segment already holds; opening slots are reconciled in the cycle.
void signal_app::adopt_segment() {
    const bool from_ledger = ledger_.adopt(wall_now_ms());
    int open = 0, opening = 0;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg_.snapshot(i);
        if (!s.ok || s.snap.state == shm::slot_state::free)
            continue;
        if (s.snap.state == shm::slot_state::opening)
            ++opening;
        else
            ++open;
        risk_.on_position_restored(s.snap.pos.symbol.view());
    }
    // Closed trades of the last hour count towards the hourly limit; all feed today's PnL.
    const std::uint64_t head = seg_.journal_head();
    const std::uint64_t first = head > shm::journal_capacity ? head - shm::journal_capacity : 0;
    const std::int64_t now = wall_now_ms();
    for (std::uint64_t n = first; n < head && !from_ledger; ++n) {
        shm::journal_record rec;
        if (!seg_.read_journal(n, rec))
            continue;
        const auto sym = rec.pos.symbol.view();
        const bool held = symbol_busy(sym);
        if (rec.pos.entry_time_ms >= now - cfg_.risk.trade_window_ms && !held)
            risk_.on_trade_opened(sym, rec.pos.entry_time_ms);
        if (!held)
            risk_.on_trade_closed(sym, rec.pos.net_pnl_usd, rec.pos.exit_time_ms);
    }
    spdlog::info("segment adopted: {} open/closing, {} opening (to reconcile), {} journal records",
                 open, opening, head - first);
}

void signal_app::feed_journal() {
    if (ledger_.feed(wall_now_ms()) > 0)
        fills_dirty_ = true;
}

// The exchange's fills (both processes' orders) into the ledger: after an entry or a close, and
// every fill_sync_cycles cycles.
net::awaitable<void> signal_app::sync_fills() {
    constexpr std::uint64_t fill_sync_cycles = 60;
    const bool gap = ledger_.gap_pending();
    if (ledger_.db() == nullptr || !(gap || fills_dirty_ || cycles_ % fill_sync_cycles == 0))
        co_return;
    const auto r = co_await fills_.run(*ledger_.db(), cfg_.symbols);
    fills_dirty_ = !r.ok;
    if (!r.ok)
        spdlog::warn("ledger: fill sync incomplete ({} fills, {} orders); retried next cycle",
                     r.fills, r.orders);
    if (!gap || !r.ok)
        co_return;
    // Journal records were lost: rebuild the closed trades from the fills and our fired OCOs.
    const auto fired = co_await client_.algos_history("oco", "effective");
    if (!fired.ok())
        co_return; // gap stays pending
    std::vector<refill_algo> algos;
    for (const auto& a : fired.value)
        algos.push_back({std::string(a.algo_cl_ord_id.view()), std::string(a.ord_id.view()),
                         std::string(a.actual_side.view())});
    const int added =
        ledger_.refill(rebuild_trades(r.seen, algos, cfg_.segment.account_tag), wall_now_ms());
    spdlog::info("ledger: gap refilled from the exchange: {} trades added", added);
}

void signal_app::update_arm(std::int64_t now_ms) {
    std::array<strategy::arm_symbol_input, strategy::arm_update::max_symbols> in{};
    std::size_t n = 0;
    for (auto& m : feed_.markets()) {
        if (n == in.size())
            break;
        in[n++] = {m.symbol, m.entry.last(static_cast<std::size_t>(cfg_.entry.entry_bars))};
    }
    const auto u = arm_.update(std::span<const strategy::arm_symbol_input>(in.data(), n), now_ms);
    if (!u.switched)
        return;
    std::string why;
    for (std::size_t i = 0; i < u.symbol_count && i < n; ++i) {
        const auto& m = u.per_symbol[i];
        why += fmt::format(" {}:[atr%={:.4f} dev%={:.3f} rev={} adx={:.2f} -> {} by {}]",
                           in[i].symbol, m.atr_pct, m.trend_deviation_pct, m.reversals, m.adx,
                           strategy::to_string(m.detected), strategy::to_string(m.rule));
    }
    spdlog::warn(
        "ARM switch {} -> {} (agreeing {} confidence {:.2f} dwell_skipped {} in_regime {} s){}",
        strategy::to_string(u.previous), strategy::to_string(u.current), u.agreeing, u.confidence,
        u.dwell_skipped, u.in_regime_ms / 1000, why);
    publish_params("switch");
}

bool signal_app::symbol_busy(std::string_view symbol) const {
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg_.snapshot(i);
        if (s.ok && s.snap.state != shm::slot_state::free && s.snap.pos.symbol == symbol)
            return true;
    }
    return false;
}

double signal_app::atr_of(std::string_view symbol) {
    symbol_market* m = feed_.find(symbol);
    if (m == nullptr)
        return 0;
    return strategy::compute_indicators(
               m->entry.last(static_cast<std::size_t>(cfg_.entry.entry_bars)))
        .atr;
}

const strategy::instrument_spec* signal_app::spec_of(std::string_view symbol) const {
    const auto it = instruments_.find(symbol);
    return it == instruments_.end() ? nullptr : &it->second.spec;
}

net::awaitable<void> signal_app::reconcile_opening_slots() {
    for (std::uint32_t i = 0; i < shm::segment::capacity() && !stopping_; ++i) {
        const auto s = seg_.snapshot(i);
        if (!s.ok || s.snap.state != shm::slot_state::opening)
            continue;
        const auto st = co_await exec_.reconcile_opening(
            i, [this](std::string_view sym) { return atr_of(sym); },
            [this](std::string_view sym) { return spec_of(sym); }, &cfg_.regimes);
        spdlog::info("reconcile slot {}: {}", i, to_string(st));
        if (st == open_status::opened)
            risk_.on_position_restored(s.snap.pos.symbol.view());
    }
}

net::awaitable<void> signal_app::cycle() {
    ++cycles_;
    const auto t0 = std::chrono::steady_clock::now();
    std::int64_t now = wall_now_ms();
    if (now - instruments_loaded_ms_ > instrument_refresh_ms)
        (void)co_await load_instruments(); // on failure (logged) the loaded table stays in use
    const fetch_stats fs = co_await feed_.refresh(now);
    const auto t1 = std::chrono::steady_clock::now();
    auto bal = co_await client_.balance();
    if (bal.ok()) {
        account_.ok = true;
        account_.avail.clear();
        account_.liabilities = 0;
        double usdt_eq = 0;
        for (const auto& d : bal.value.details) {
            account_.avail[std::string(d.ccy.view())] = d.avail_bal.to_double();
            // Units are mixed across currencies, but the rule only asks whether any debt exists.
            account_.liabilities += std::abs(d.liab.to_double());
            if (d.ccy == "USDT")
                usdt_eq = d.eq.to_double();
        }
        if (account_.liabilities > 0)
            spdlog::warn("balance: account has liabilities: entries blocked");
        account_.free_usdt = account_.avail.count("USDT") ? account_.avail["USDT"] : 0;
        account_.total_usd =
            bal.value.total_eq.is_positive() ? bal.value.total_eq.to_double() : usdt_eq;
    } else {
        account_.ok = false;
        spdlog::warn("balance: {} {} {}", okx::to_string(bal.err.kind), bal.err.code,
                     bal.err.message.view());
    }
    now = wall_now_ms();
    update_arm(now);
    feed_journal();
    // Positions the guard adopted from the exchange (reconciliation) count as open too. Not
    // opening slots: those are ours, and one abandoned would never be closed in the journal.
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i)
        if (const auto sl = seg_.snapshot(i); sl.ok && (sl.snap.state == shm::slot_state::open ||
                                                        sl.snap.state == shm::slot_state::closing))
            risk_.on_position_restored(sl.snap.pos.symbol.view());
    co_await sync_fills();
    co_await reconcile_opening_slots();
    if (account_.ok) {
        risk_.on_balance(account_.total_usd, now);
        ledger_.after_balance(now);
    }
    for (auto& m : feed_.markets()) {
        if (stopping_)
            break;
        co_await evaluate_symbol(m, wall_now_ms());
    }
    const auto t2 = std::chrono::steady_clock::now();
    using ms = std::chrono::duration<double, std::milli>;
    spdlog::info("cycle {} done: {:.1f} ms (candles {:.1f} ms: {} requests, {} skipped, {} bars "
                 "added, {} gaps, {} failed)",
                 cycles_, ms(t2 - t0).count(), ms(t1 - t0).count(), fs.requests, fs.skipped,
                 fs.bars_added, fs.gaps, fs.failures);
}

net::awaitable<void> signal_app::evaluate_symbol(symbol_market& m, std::int64_t now_ms) {
    const regime reg = arm_.current();
    if (const auto h = seg_.halt(); h.halted) { // every symbol says so, held or not
        spdlog::info("{}", format_halted(m.symbol, reg, h.changed_ms));
        co_return;
    }
    if (symbol_busy(m.symbol))
        co_return; // one position per symbol; open slots are the guard's
    if (const auto p = check_protection(seg_, m.symbol); !p.ok()) {
        spdlog::info("{}", format_protection_block(m.symbol, reg, p)); // no entry unprotected
        co_return;
    }
    const strategy::regime_params& params = cfg_.regimes[reg];
    const auto inst = instruments_.find(m.symbol);
    if (inst == instruments_.end() || m.entry.empty() || !account_.ok)
        co_return;
    if (const auto v = risk_.can_open(m.symbol, now_ms, params.max_trades_per_hour); !v.allowed) {
        spdlog::info("{}", format_risk_block(m.symbol, reg, v));
        co_return;
    }
    // Current price: the guard's live price when fresh, else the last confirmed close.
    double price = m.entry.bars().back().close;
    const char* src = "close";
    if (const auto idx = seg_.find_symbol(m.symbol); idx.ok) {
        const auto pr = seg_.read_price(idx.index);
        if (pr.status == shm::price_status::ok && pr.q.last > 0 &&
            pr.age_ns < cfg_.signal.price_stale_ms * 1'000'000) {
            price = pr.q.last;
            src = "live";
        }
    }
    // The other open positions, for the correlation filter.
    std::vector<std::pair<std::string, side>> others;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg_.snapshot(i);
        if (!s.ok || s.snap.state == shm::slot_state::free)
            continue;
        others.emplace_back(std::string(s.snap.pos.symbol.view()),
                            s.snap.pos.pos_side == side::short_side ? side::short_side
                                                                    : side::long_side);
    }
    std::vector<strategy::open_position_ref> refs;
    for (const auto& [name, side] : others) {
        symbol_market* other = feed_.find(name);
        refs.push_back({name, side,
                        other ? other->entry.last(static_cast<std::size_t>(cfg_.entry.entry_bars))
                              : candle_span{}});
    }
    const auto& w = feed_.windows();
    strategy::market_snapshot snap;
    snap.symbol = m.symbol;
    snap.entry = m.entry.last(w.entry);
    snap.m5 = snap.entry;
    snap.m15 = m.m15.last(w.mtf);
    snap.m30 = m.m30.last(w.mtf);
    snap.h1 = m.h1.last(w.h1);
    snap.d1 = m.d1.last(w.d1);
    snap.price = price;
    const auto held = account_.avail.find(inst->second.base_ccy);
    const strategy::account_view acct{account_.free_usdt,
                                      held == account_.avail.end() ? 0.0 : held->second,
                                      account_.liabilities};
    const auto d =
        strategy::evaluate_entry(snap, refs, acct, params, inst->second.spec, cfg_.entry, now_ms);
    spdlog::info("{}", format_decision(m.symbol, reg, price, src, d));
    if (!d.enter() || stopping_)
        co_return;
    if (const auto h = seg_.halt(); h.halted) { // halted while this symbol was evaluated
        spdlog::info("{}", format_halted(m.symbol, reg, h.changed_ms));
        co_return;
    }
    open_request req;
    req.symbol = m.symbol;
    req.base_ccy = inst->second.base_ccy;
    req.pos_side = d.dir;
    req.size = d.size.size;
    req.atr = d.atr;
    req.regime = reg;
    req.params = params;
    req.inst = inst->second.spec;
    const auto out = co_await exec_.open(req);
    spdlog::info("entry {} result: {} (slot {} gen {})", m.symbol, to_string(out.status),
                 out.ref.index, out.ref.generation);
    if (out.status == open_status::opened || out.status == open_status::guard_exit)
        risk_.on_trade_opened(m.symbol, wall_now_ms());
    fills_dirty_ = true; // whatever happened, the exchange's fills say it
}

} // namespace scalpel::signal
