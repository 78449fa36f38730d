// guard_service wiring: feeds and timers (callback style, Beast-example shape) on one
// io_context{1}. The WebSocket ticker callback goes straight into tick_guard::on_ticker; pushes
// (orders, op replies, algo orders) are mapped by their deterministic ids onto slot trackers as
// events; the trackers' commands run as the REST executors of exchange_flows.cpp. Logging happens
// here and in the executors, never on the tick path.
#include "guard_proc/service_impl.hpp"

#include "common/log.hpp"
#include "common/net/exchange_endpoint.hpp"
#include "guard_proc/order_notes.hpp"
#include "shm_layout/order_ids.hpp"

#include <csignal>

namespace scalpel::guard {

using namespace std::chrono_literals;

constexpr auto guard_reconnect_min = 200ms, guard_reconnect_max = 5000ms;

// The guard reconnects sooner than the client's default: its feed is what PH runs on.
net_client::endpoint_config endpoint_for(const config::exchange_config& e) {
    net_client::endpoint_config c = net_client::endpoint_for(e);
    c.reconnect_min = guard_reconnect_min;
    c.reconnect_max = guard_reconnect_max;
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
      core(seg, *this, tick_settings{c.exchange.taker_fee, c.regimes, exit_settings(c)}),
      heartbeat_timer(ioc), refresh_timer(ioc), reconcile_timer(ioc), poll_timer(ioc),
      stats_timer(ioc), burst_timer(ioc), account_timer(ioc), sweep_timer(ioc),
      late_sweep_timer(ioc), signals(ioc, SIGINT, SIGTERM),
      feeds(std::chrono::milliseconds(c.guard.stale_feed_ms),
            std::chrono::milliseconds(c.guard.resubscribe_ms)) {
    static_assert(feed_health::capacity == tick_guard::max_symbols);
    endpoint.ws_stale_after = std::chrono::milliseconds(cfg.guard.stale_feed_ms);
    endpoint.reconnect_min = std::chrono::milliseconds(cfg.guard.ws_reconnect_min_ms);
    endpoint.reconnect_max = std::chrono::milliseconds(cfg.guard.ws_reconnect_max_ms);
}

tracker_settings exit_settings(const config::bot_config& c) {
    const config::guard_config& g = c.guard;
    tracker_settings t;
    t.exp_time = std::chrono::milliseconds(g.close_deadline_ms);
    // signal_proc's last-resort close carries the exchange's order deadline.
    t.peer_exp_time =
        std::chrono::milliseconds(std::max(g.close_deadline_ms, c.exchange.order_deadline_ms));
    t.lookup_lag = std::chrono::milliseconds(g.lookup_lag_ms);
    t.lookup_interval = std::chrono::milliseconds(g.lookup_interval_ms);
    t.retry_interval = std::chrono::milliseconds(g.close_retry_ms);
    t.cancel_retry = std::chrono::milliseconds(g.cancel_retry_ms);
    t.oco_grace = std::chrono::milliseconds(g.oco_grace_ms);
    // signal_proc's OCO gets oco_grace before the guard places one: the same bound is how long
    // an OCO placement may still land after a lookup found nothing (no expTime on order-algo).
    t.oco_land_lag = std::chrono::milliseconds(g.oco_grace_ms);
    t.max_close_attempts = static_cast<std::uint32_t>(g.max_close_attempts);
    t.order = g.order == config::close_order::sell_first ? close_order::sell_first
                                                         : close_order::cancel_first;
    return t;
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
    spdlog::info("slot {} gen {}: {} close of {} {} clOrdId {} {}", r.ref.index, r.ref.generation,
                 shm::to_string(r.reason), r.symbol.view(), r.size.str(), r.cl_ord_id.view(),
                 sent ? "sent over ws" : "NOT sent (socket down): REST next");
    // After the bytes left (or did not): the order log, for the ledger. A frame the socket did
    // not take never reached the exchange: absent.
    const std::string sz = r.size.str();
    note_args n;
    n.cl_ord_id = r.cl_ord_id.view();
    n.symbol = r.symbol.view();
    n.sz = sz;
    n.kind = shm::order_kind::close;
    n.outcome = sent ? shm::order_outcome::sent : shm::order_outcome::absent;
    n.channel = shm::order_channel::ws;
    n.side = closing_order_side(r.pos_side);
    note_order(seg, n);
}

// The trackers' commands other than WS closes. Each executor feeds its result back.
void guard_service::impl::execute(shm::slot_ref ref, const command& c) noexcept {
    switch (c.kind) {
    case cmd::send_close_ws: // carried out by tick_guard itself
        break;
    case cmd::send_close_rest:
    case cmd::compensate:
        spawn(rest_close(ref, c), "close");
        break;
    case cmd::lookup_order:
        spawn(c.child ? lookup_child(ref) : lookup_order(ref, c), "lookup");
        break;
    case cmd::lookup_algo:
        spawn(lookup_algo(ref, c.attempt), "lookup-algo");
        break;
    case cmd::cancel_oco:
        spawn(cancel_oco(ref, c.attempt), "cancel-oco");
        break;
    case cmd::place_oco:
        spawn(place_oco(ref, c), "place-oco");
        break;
    case cmd::record_close:
        record_close(ref, c);
        break;
    case cmd::alert:
        alert(ref, c);
        break;
    }
}

event guard_service::impl::now_event(ev kind, std::uint32_t attempt) const {
    return event{
        .kind = kind, .now = std::chrono::nanoseconds(monotonic_now_ns()), .attempt = attempt};
}

// ---- lifecycle
// ------------------------------------------------------------------------------------

int guard_service::impl::run() {
    seg.set_status(shm::process_status::starting);
    seg.heartbeat();
    for (const auto& s : cfg.symbols)
        if (core.add_symbol(s) < 0)
            spdlog::error("cannot register symbol {} in the price table", s);
    core.refresh_slots(); // symbols of adopted positions; judged once their sizes are loaded
    (void)core.take_symbols_added();
    log_adopted();
    start_feeds();
    next_instruments_ns = monotonic_now_ns() + cfg.guard.instruments_retry_ms * 1'000'000;
    spawn(load_instruments(), "instruments");
    spawn(load_account_mode(), "account mode");
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
    return exit_code;
}

void guard_service::impl::stop() {
    if (stopping)
        return;
    stopping = true;
    seg.set_status(shm::process_status::stopping);
    for (auto* t : {&heartbeat_timer, &refresh_timer, &reconcile_timer, &poll_timer, &stats_timer,
                    &burst_timer, &account_timer, &sweep_timer, &late_sweep_timer})
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
    h.on_ticker = [this](const okx::ticker& t, mono_ns rx_ns) {
        const int si = core.on_ticker(t, rx_ns); // the order (if any) is out: then the stamp
        if (si >= 0)
            feeds.on_ws_tick(static_cast<std::size_t>(si), rx_ns);
    };
    h.on_subscription = [this](const okx::ws_message& m) { on_subscription(m); };
    h.on_stale = [this](bool stale) {
        feed_stale = stale;
        spdlog::warn("public feed {}", stale ? "stale: REST polling" : "flowing again");
    };
    h.on_state = [this](net_client::ws_state s) {
        // Acks belong to one connection: a new one (or none) must ack every symbol again.
        if (s != net_client::ws_state::subscribing && s != net_client::ws_state::live)
            feeds.on_connection_lost();
        on_ws_state("public", s, public_live);
    };
    if (public_ws)
        public_ws->stop();
    public_live = false;
    feeds.on_connection_lost();
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

// OKX answers each tickers argument: an ack makes the symbol subscribed on this connection, a
// refusal (60018) marks it not subscribed until a later ack (resubscribe_refused asks again).
void guard_service::impl::on_subscription(const okx::ws_message& m) {
    if (m.channel != "tickers")
        return;
    const int si = core.find_symbol(m.inst_id.view());
    if (si < 0)
        return;
    const auto i = static_cast<std::size_t>(si);
    if (m.kind == okx::ws_msg::subscribe) {
        if (feeds.refused(i))
            spdlog::info("tickers {} subscribed after a refusal", m.inst_id.view());
        feeds.on_acked(i);
        return;
    }
    if (!feeds.refused(i))
        spdlog::warn("tickers {} subscription refused: {} {}: no entries for it, REST prices "
                     "stand in; asking again every {} ms",
                     m.inst_id.view(), m.err.code, m.err.message.view(), cfg.guard.resubscribe_ms);
    feeds.on_refused(i, monotonic_now_ns());
}

void guard_service::impl::resubscribe_refused(mono_ns now) {
    for (std::size_t i = 0; i < core.symbol_count(); ++i) {
        if (!public_ws || !feeds.take_resubscribe(i, now))
            continue;
        const okx::ws_sub sub{"tickers", std::string(core.symbol(i).inst_id.view()), ""};
        if (!public_ws->resubscribe(sub))
            spdlog::warn("tickers {}: resubscribe not sent (public socket not connected)",
                         sub.inst_id);
    }
}

// Our ids name their slot, generation, intent and attempt (shm/order_ids.hpp): anything else
// (another account tag or segment epoch, hand-placed orders) is not ours.
std::optional<id_target> guard_service::impl::target_of(std::string_view cl_ord_id) const {
    shm::order_id_parts p;
    if (cl_ord_id.empty() || !shm::parse_cl_ord_id(cl_ord_id, p) ||
        p.tag.view() != seg.account_tag() || p.epoch != seg.id_epoch() % shm::epoch_modulus)
        return std::nullopt;
    return id_target{{p.slot, p.generation}, p.what, p.attempt};
}

// An order push of ours into the order log: its kind from the id's intent (a close that trades
// the entry's way is a compensation); an OCO's child as that OCO's fill (its ordId kept, so the
// ledger knows the child's fills as the OCO's).
void guard_service::impl::note_pushed_order(const okx::order_detail& o) {
    if (!o.algo_cl_ord_id.empty()) {
        if (ours(o.algo_cl_ord_id.view()))
            note_oco_child(seg, o.algo_cl_ord_id.view(), o);
        return;
    }
    shm::order_id_parts p;
    if (!shm::parse_cl_ord_id(o.cl_ord_id.view(), p) || p.tag.view() != seg.account_tag())
        return;
    note_order_row(seg, o, kind_of(p.what, o));
}

shm::order_kind guard_service::impl::kind_of(shm::intent what, const okx::order_detail& o) const {
    if (what == shm::intent::entry)
        return shm::order_kind::entry;
    if (what == shm::intent::oco)
        return shm::order_kind::oco;
    const auto t = target_of(o.cl_ord_id.view());
    const auto s = t ? seg.snapshot(t->ref.index) : shm::snapshot_result{};
    const bool reverse = s.ok && s.snap.generation == t->ref.generation &&
                         o.side.view() != okx::to_string(closing_order_side(s.snap.pos.pos_side));
    return reverse ? shm::order_kind::compensate : shm::order_kind::close;
}

void guard_service::impl::on_orders(std::span<const okx::order_detail> rows) {
    bool entry_filled = false;
    for (const auto& o : rows) {
        note_pushed_order(o);
        if (!o.algo_cl_ord_id.empty()) { // an OCO's child order
            if (const auto t = target_of(o.algo_cl_ord_id.view()); t && t->what == shm::intent::oco)
                core.feed(t->ref, order_event(t->ref, o, t->attempt, true));
            continue;
        }
        const auto t = target_of(o.cl_ord_id.view());
        if (!t) {
            if (o.state == okx::order_state::filled && !ours(o.cl_ord_id.view()))
                request_account_reconcile("a fill outside the bot"); // e.g. coins sold by hand
            continue;
        }
        if (t->what == shm::intent::close)
            core.feed(t->ref, order_event(t->ref, o, t->attempt, false));
        entry_filled |= t->what == shm::intent::entry && o.state == okx::order_state::filled;
    }
    // A filled entry: signal_proc places the OCO and publishes the slot next.
    if (entry_filled)
        refresh_burst();
}

// A position is about to be published (its entry filled, or its OCO just appeared): refresh the
// slot caches every new_slot_poll_ms for new_slot_window_ms, so the tick path judges it within
// milliseconds of publish_open instead of up to one refresh period later.
void guard_service::impl::refresh_burst() {
    burst_until_ns = monotonic_now_ns() + cfg.guard.new_slot_window_ms * 1'000'000;
    arm_burst();
}

void guard_service::impl::arm_burst() {
    if (burst_armed || stopping)
        return;
    burst_armed = true;
    burst_timer.expires_after(std::chrono::milliseconds(cfg.guard.new_slot_poll_ms));
    burst_timer.async_wait([this](const boost::system::error_code& ec) {
        burst_armed = false;
        if (ec || stopping)
            return;
        core.refresh_slots();
        if (monotonic_now_ns() < burst_until_ns)
            arm_burst();
    });
}

void guard_service::impl::on_op_reply(const okx::ws_message& m) {
    for (std::size_t i = 0; i < m.n_rows || (i == 0 && m.n_rows == 0); ++i) {
        const bool row = i < m.n_rows;
        const std::string_view cl = row && !m.acks[i].cl_ord_id.empty()
                                        ? m.acks[i].cl_ord_id.view()
                                        : m.id.view(); // our op id is the clOrdId
        const okx::error& err = row ? m.ack_errs[i] : m.err;
        const auto t = target_of(cl);
        if (!t || t->what != shm::intent::close)
            continue;
        if (err.ok()) {
            note_outcome(seg, cl, shm::order_kind::close, shm::order_outcome::placed,
                         shm::order_channel::ws);
            core.feed(t->ref, now_event(ev::close_acked, t->attempt));
            continue;
        }
        spdlog::warn("close {} refused over WS: {} {}", cl, err.code, err.message.view());
        note_outcome(seg, cl, shm::order_kind::close, refusal_of(err), shm::order_channel::ws,
                     err.code);
        event e = now_event(ev::close_rejected, t->attempt);
        e.insufficient = err.kind == okx::error_kind::insufficient_funds;
        core.feed(t->ref, e);
    }
}

namespace {
// The slot generation `ref` names has ended (closed, freed or reused): an OCO of it protects
// nothing.
bool position_over(const shm::segment& seg, shm::slot_ref ref) noexcept {
    const auto s = seg.snapshot(ref.index);
    return s.ok && (s.snap.generation != ref.generation || s.snap.state == shm::slot_state::free ||
                    s.snap.state == shm::slot_state::closed);
}
} // namespace

void guard_service::impl::on_algo_orders(std::span<const okx::algo_order> rows) {
    for (const auto& a : rows) {
        if (ours(a.algo_cl_ord_id.view())) // any epoch: a reconcile cancels old ones too
            note_algo_row(seg, a);
        const auto t = target_of(a.algo_cl_ord_id.view());
        if (!t || t->what != shm::intent::oco)
            continue;
        if (a.state == okx::algo_state::live && position_over(seg, t->ref)) {
            // A placement the exchange held past its position's close (order-algo carries no
            // expTime) landed after the post-close sweeps: cancel it now, not at the next round.
            request_account_reconcile("an OCO landed for a closed position");
            continue;
        }
        if (core.tracker(t->ref) == nullptr)
            refresh_burst(); // an OCO of a slot not open yet: publish_open follows
        core.feed(t->ref, algo_event(a, t->attempt));
    }
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
    refresh_timer.expires_after(std::chrono::milliseconds(cfg.guard.refresh_ms));
    refresh_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        core.refresh_slots();
        core.poll_timers(monotonic_now_ns());
        if (core.take_positions_left())
            sweep_after_close(); // whoever closed it, an OCO of it may have landed late
        if (core.take_symbols_added()) {
            spdlog::info("new symbol with an open position: resubscribing tickers");
            start_public();
            instruments_loaded = false;
        }
        if (!instruments_loaded && monotonic_now_ns() >= next_instruments_ns) {
            next_instruments_ns = monotonic_now_ns() + cfg.guard.instruments_retry_ms * 1'000'000;
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

// The pushes can be missed (a socket down): every watching position's stored OCO is looked up, so
// a fired or vanished OCO reaches its tracker within one period.
void guard_service::impl::reconcile_all() {
    std::array<shm::slot_ref, shm::slot_capacity> refs{};
    const std::size_t n = seg.open_slots({}, refs);
    for (std::size_t i = 0; i < n; ++i) {
        const close_tracker* t = core.tracker(refs[i]);
        if (t == nullptr || t->state() != exit_state::watching)
            continue;
        const auto s = seg.snapshot(refs[i].index);
        if (!s.ok)
            continue;
        const auto k = oco_attempt_of(seg, refs[i], s.snap.pos.oco_algo_cl_ord_id.view());
        if (k != no_stored_oco)
            spawn(lookup_algo(refs[i], k), "reconcile");
    }
}

// Every symbol without a live WS feed (socket down, not acked, refused, or its ticks stale) gets
// REST tickers through the same tick path; refused symbols are asked for again.
void guard_service::impl::arm_poll() {
    poll_timer.expires_after(std::chrono::milliseconds(cfg.guard.rest_poll_ms));
    poll_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopping)
            return;
        const mono_ns now = monotonic_now_ns();
        resubscribe_refused(now);
        std::size_t wanted = 0;
        for (std::size_t i = 0; i < core.symbol_count(); ++i) {
            if (!feeds.wants_poll(i, now))
                continue;
            ++wanted;
            if (polls_in_flight >= cfg.guard.max_polls_in_flight)
                continue;
            ++polls_in_flight;
            spawn(poll_ticker(std::string(core.symbol(i).inst_id.view())), "poll");
        }
        if (wanted > 0 && !polling)
            spdlog::warn("{} symbol(s) without a live WS feed: polling REST tickers every {} ms",
                         wanted, cfg.guard.rest_poll_ms);
        if (wanted == 0 && polling)
            spdlog::info("every symbol's WS feed live: REST polling off");
        polling = wanted > 0;
        arm_poll();
    });
}

void guard_service::impl::arm_stats() {
    stats_timer.expires_after(std::chrono::milliseconds(cfg.guard.stats_ms));
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

void guard_service::impl::spawn(net::awaitable<void> flow, const char* what) {
    net::co_spawn(ioc, std::move(flow), [this, what](std::exception_ptr e) {
        if (!e)
            return;
        seg.add(shm::counter::errors);
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
