// guard_service wiring: feeds and timers (callback style, Beast-example shape) on one
// io_context{1}. The WebSocket ticker callback goes straight into tick_guard::on_ticker; the
// after-close work is started from the order_sink callbacks and runs as the REST flows of
// exchange_flows.cpp. Logging happens here and in the flows, never on the tick path.
#include "guard_proc/service_impl.hpp"

#include "common/log.hpp"

#include <csignal>

namespace scalpel::guard {

using namespace std::chrono_literals;

net_client::endpoint_config endpoint_for(const config::exchange_config& e) {
    net_client::endpoint_config c;
    if (e.target == config::exchange_target::okx_live)
        c = net_client::endpoint_config::okx_live();
    if (e.target == config::exchange_target::okx_demo)
        c = net_client::endpoint_config::okx_demo();
    c.rest = net_client::parse_url(e.rest_url);
    c.ws = net_client::parse_url(e.ws_url);
    c.request_timeout = std::chrono::milliseconds(e.request_timeout_ms);
    c.reconnect_min = 200ms;
    c.reconnect_max = 5000ms;
    net_client::validate(c);
    return c;
}

net_client::credentials credentials_for(const config::exchange_config& e) {
    if (auto env = net_client::credentials_from_env())
        return *env;
    if (!e.keys_file.empty())
        return net_client::credentials_from_file(e.keys_file);
    if (e.target == config::exchange_target::sim)
        return {"sim-key", "sim-secret", "sim-pass"};
    throw net_client::config_error("no API keys: set SCALPEL_OKX_API_KEY, SCALPEL_OKX_SECRET, "
                                   "SCALPEL_OKX_PASSPHRASE or exchange.keys_file");
}

guard_service::impl::impl(const config::bot_config& c, net_client::endpoint_config ep,
                          net_client::credentials k, shm::segment& s)
    : cfg(c), endpoint(std::move(ep)), creds(std::move(k)), seg(s),
      rest(ioc.get_executor(), endpoint, creds),
      core(seg, *this, tick_settings{c.exchange.taker_fee, c.regimes, 2000}), heartbeat_timer(ioc),
      refresh_timer(ioc), reconcile_timer(ioc), poll_timer(ioc), stats_timer(ioc),
      account_timer(ioc), signals(ioc, SIGINT, SIGTERM) {
    endpoint.ws_stale_after = std::chrono::milliseconds(cfg.guard.stale_feed_ms);
}

guard_service::guard_service(const config::bot_config& cfg, net_client::endpoint_config endpoint,
                             net_client::credentials creds, shm::segment& seg)
    : impl_(std::make_unique<impl>(cfg, std::move(endpoint), std::move(creds), seg)) {}

guard_service::~guard_service() = default;

int guard_service::run() {
    return impl_->run();
}

void guard_service::stop() {
    net::post(impl_->ioc, [p = impl_.get()] { p->stop(); });
}

// ---- order_sink: the hot path's outlets
// ----------------------------------------------------------

bool guard_service::impl::send_order_frame(std::string_view frame) noexcept {
    return private_ws && private_ws->send_text(frame);
}

void guard_service::impl::close_started(const close_request& r, bool sent) noexcept {
    slot_work& w = work_for(r.ref);
    w.closing = true;
    spawn(close_flow(r, sent), "close", r.ref);
}

void guard_service::impl::claim_stolen(shm::slot_ref ref) noexcept {
    slot_work& w = work_for(ref);
    if (w.closing)
        return;
    w.closing = true;
    spawn(resume_close(ref), "adopt", ref);
}

// ---- lifecycle
// ------------------------------------------------------------------------------------

int guard_service::impl::run() {
    seg.set_status(shm::process_status::starting);
    seg.heartbeat();
    for (const auto& s : cfg.symbols)
        if (core.add_symbol(s) < 0)
            spdlog::error("cannot register symbol {} in the price table", s);
    core.refresh_slots(); // adopted positions are protected from the first tick on
    (void)core.take_symbols_added();
    log_adopted();
    start_feeds();
    spawn(load_instruments(), "instruments");
    reconcile_all();                      // start-up reconcile of every adopted slot
    request_account_reconcile("startup"); // the exchange against the segment (issue 10)
    signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (!ec) {
            spdlog::info("signal {}: stopping", sig);
            stop();
        }
    });
    arm_heartbeat();
    arm_refresh();
    arm_reconcile();
    arm_account_reconcile();
    arm_poll();
    arm_stats();
    seg.set_status(shm::process_status::running);
    spdlog::info("guard_proc running: segment {} incarnation {}, {} symbols", seg.name(),
                 seg.self().incarnation, core.symbol_count());
    for (;;) {
        try {
            ioc.run();
            break;
        } catch (const std::exception& e) {
            seg.add(shm::counter::errors);
            spdlog::error("unexpected exception in the event loop: {}", e.what());
        }
    }
    log_latency();
    seg.set_status(shm::process_status::stopped);
    spdlog::info("guard_proc stopped");
    return 0;
}

void guard_service::impl::stop() {
    if (stopping)
        return;
    stopping = true;
    seg.set_status(shm::process_status::stopping);
    for (auto* t : {&heartbeat_timer, &refresh_timer, &reconcile_timer, &poll_timer, &stats_timer,
                    &account_timer})
        t->cancel();
    signals.cancel();
    if (public_ws)
        public_ws->stop();
    if (private_ws)
        private_ws->stop();
    if (business_ws)
        business_ws->stop();
    ioc.stop();
}

void guard_service::impl::log_adopted() {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg.open_slots({}, refs);
    for (std::size_t i = 0; i < n; ++i) {
        const auto s = seg.snapshot(refs[i].index);
        if (!s.ok)
            continue;
        spdlog::info("adopting slot {} gen {}: {} {} size {} entry {} state {}", refs[i].index,
                     refs[i].generation, s.snap.pos.symbol.view(),
                     shm::to_string(s.snap.pos.pos_side), s.snap.pos.size, s.snap.pos.entry_price,
                     shm::to_string(s.snap.state));
    }
}

// ---- feeds
// -----------------------------------------------------------------------------------------

void guard_service::impl::start_feeds() {
    start_public();
    net_client::ws_handlers ph;
    ph.on_orders = [this](std::span<const okx::order_detail> rows) { on_orders(rows); };
    ph.on_op_reply = [this](const okx::ws_message& m) { on_op_reply(m); };
    ph.on_state = [this](net_client::ws_state s) { on_ws_state("private", s, private_live); };
    private_ws = std::make_unique<net_client::ws_client>(
        ioc, endpoint, net_client::ws_kind::private_channel,
        std::vector<okx::ws_sub>{{"orders", "", "SPOT"}}, ph, creds);
    private_ws->start();
    net_client::ws_handlers bh;
    bh.on_algo_orders = [this](std::span<const okx::algo_order> rows) { on_algo_orders(rows); };
    bh.on_state = [this](net_client::ws_state s) { on_ws_state("business", s, business_live); };
    business_ws = std::make_unique<net_client::ws_client>(
        ioc, endpoint, net_client::ws_kind::business_channel,
        std::vector<okx::ws_sub>{{"orders-algo", "", "SPOT"}}, bh, creds);
    business_ws->start();
}

// (Re)creates the public socket with a tickers subscription for every known symbol.
void guard_service::impl::start_public() {
    std::vector<okx::ws_sub> subs;
    for (std::size_t i = 0; i < core.symbol_count(); ++i)
        subs.push_back({"tickers", std::string(core.symbol(i).inst_id.view()), ""});
    net_client::ws_handlers h;
    h.on_ticker = [this](const okx::ticker& t, mono_ns rx_ns) { core.on_ticker(t, rx_ns); };
    h.on_stale = [this](bool stale) {
        feed_stale = stale;
        spdlog::warn("public feed {}", stale ? "stale: REST polling" : "flowing again");
    };
    h.on_state = [this](net_client::ws_state s) { on_ws_state("public", s, public_live); };
    if (public_ws)
        public_ws->stop();
    public_live = false;
    public_ws = std::make_unique<net_client::ws_client>(
        ioc, endpoint, net_client::ws_kind::public_channel, std::move(subs), h);
    public_ws->start();
}

void guard_service::impl::on_ws_state(const char* which, net_client::ws_state s, bool& live) {
    const bool now_live = s == net_client::ws_state::live;
    if (live && !now_live) {
        seg.add(shm::counter::reconnects);
        spdlog::warn("{} WebSocket lost ({}), reconnecting", which, net_client::to_string(s));
    }
    if (!live && now_live)
        spdlog::info("{} WebSocket live", which);
    live = now_live;
}

void guard_service::impl::on_orders(std::span<const okx::order_detail> rows) {
    if (orders_by_cl.size() > 4096)
        orders_by_cl.clear();
    if (orders_by_id.size() > 4096)
        orders_by_id.clear();
    for (const auto& o : rows) {
        if (!o.cl_ord_id.empty())
            orders_by_cl[std::string(o.cl_ord_id.view())] = o;
        if (!o.ord_id.empty())
            orders_by_id[std::string(o.ord_id.view())] = o;
        if (!o.algo_id.empty() && o.state == okx::order_state::filled)
            on_oco_signal(o.algo_id.view(), o.algo_cl_ord_id.view());
        else if (o.state == okx::order_state::filled && !ours(o.cl_ord_id.view()))
            request_account_reconcile("a fill outside the bot"); // e.g. coins sold by hand
    }
}

void guard_service::impl::on_op_reply(const okx::ws_message& m) {
    for (std::size_t i = 0; i < m.n_rows; ++i) {
        if (m.ack_errs[i].ok())
            continue;
        const std::string key(m.acks[i].cl_ord_id.empty() ? m.id.view()
                                                          : m.acks[i].cl_ord_id.view());
        op_rejects[key] = m.ack_errs[i];
        spdlog::warn("order {} refused over WS: {} {}", key, m.ack_errs[i].code,
                     m.ack_errs[i].message.view());
    }
    if (m.n_rows == 0 && !m.err.ok() && !m.id.empty())
        op_rejects[std::string(m.id.view())] = m.err;
}

void guard_service::impl::on_algo_orders(std::span<const okx::algo_order> rows) {
    for (const auto& a : rows)
        if (a.state == okx::algo_state::effective ||
            a.state == okx::algo_state::partially_effective)
            on_oco_signal(a.algo_id.view(), a.algo_cl_ord_id.view());
}

// An OCO of ours fired: stop the hot path from selling that slot, and record the fill unless a
// bot-initiated close of the same slot is in flight (that flow sees the trigger itself).
void guard_service::impl::on_oco_signal(std::string_view algo_id, std::string_view algo_cl) {
    const auto ref = find_slot_by_algo(algo_id, algo_cl);
    if (!ref)
        return;
    core.mark_oco_fired(*ref);
    slot_work& w = work_for(*ref);
    if (w.closing)
        return;
    if (w.aux) {
        w.oco_pending = true;
        return;
    }
    w.aux = true;
    spawn(oco_flow(*ref), "oco", *ref);
}

std::optional<shm::slot_ref>
guard_service::impl::find_slot_by_algo(std::string_view algo_id, std::string_view algo_cl) const {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg.open_slots({}, refs);
    for (std::size_t i = 0; i < n; ++i) {
        const auto s = seg.snapshot(refs[i].index);
        if (!s.ok || s.snap.generation != refs[i].generation)
            continue;
        const auto& p = s.snap.pos;
        if ((!algo_id.empty() && p.oco_algo_id.view() == algo_id) ||
            (!algo_cl.empty() && p.oco_algo_cl_ord_id.view() == algo_cl))
            return refs[i];
    }
    return std::nullopt;
}

slot_work& guard_service::impl::work_for(shm::slot_ref ref) {
    slot_work& w = work[ref.index % work.size()];
    if (w.generation != ref.generation)
        w = slot_work{ref.generation};
    return w;
}

// ---- timers
// ----------------------------------------------------------------------------------------

void guard_service::impl::arm_heartbeat() {
    heartbeat_timer.expires_after(std::chrono::milliseconds(cfg.guard.heartbeat_ms));
    heartbeat_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        seg.heartbeat();
        publish_feed_state();
        poll_commands();
        arm_heartbeat();
    });
}

void guard_service::impl::arm_refresh() {
    refresh_timer.expires_after(50ms);
    refresh_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        core.refresh_slots();
        if (core.take_symbols_added()) {
            spdlog::info("new symbol with an open position: resubscribing tickers");
            start_public();
            spawn(load_instruments(), "instruments");
        }
        arm_refresh();
    });
}

void guard_service::impl::arm_reconcile() {
    reconcile_timer.expires_after(std::chrono::milliseconds(cfg.guard.reconcile_ms));
    reconcile_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        reconcile_all();
        arm_reconcile();
    });
}

void guard_service::impl::reconcile_all() {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg.open_slots({}, refs);
    for (std::size_t i = 0; i < n; ++i) {
        slot_work& w = work_for(refs[i]);
        if (w.closing || w.aux)
            continue;
        w.aux = true;
        spawn(reconcile_slot(refs[i]), "reconcile", refs[i]);
    }
}

// While the public feed is down or stale, REST tickers feed the same tick path.
void guard_service::impl::arm_poll() {
    poll_timer.expires_after(std::chrono::milliseconds(cfg.guard.rest_poll_ms));
    poll_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        const bool need = !public_live || feed_stale;
        if (need && !polling)
            spdlog::warn("public feed down or stale: polling REST tickers every {} ms",
                         cfg.guard.rest_poll_ms);
        if (!need && polling)
            spdlog::info("public feed back: REST polling off");
        polling = need;
        if (need) {
            for (std::size_t i = 0; i < core.symbol_count(); ++i) {
                if (polls_in_flight >= 8)
                    break;
                ++polls_in_flight;
                spawn(poll_ticker(std::string(core.symbol(i).inst_id.view())), "poll");
            }
        }
        arm_poll();
    });
}

void guard_service::impl::arm_stats() {
    stats_timer.expires_after(60s);
    stats_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        log_latency();
        arm_stats();
    });
}

// The segment's block is the one record (shm_inspect shows the same figures); it spans every guard
// incarnation of this segment.
void guard_service::impl::log_latency() {
    const shm::latency_summary l = seg.read_latency();
    if (l.count == 0)
        return;
    spdlog::info("tick→order latency over {} orders: p50 {} ns, p99 {} ns, p99.9 {} ns, max {} ns, "
                 "mean {} ns",
                 l.count, l.p50_ns, l.p99_ns, l.p999_ns, l.max_ns, l.mean_ns);
}

void guard_service::impl::spawn(net::awaitable<void> flow, const char* what,
                                std::optional<shm::slot_ref> ref) {
    net::co_spawn(ioc, std::move(flow), [this, what, ref](std::exception_ptr e) {
        if (!e)
            return;
        seg.add(shm::counter::errors);
        if (ref)
            work_for(*ref) = slot_work{ref->generation}; // the flow is gone: let reconcile retry
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("{} flow failed: {}", what, ex.what());
        } catch (...) {
            spdlog::error("{} flow failed", what);
        }
    });
}

} // namespace scalpel::guard
