// metrics: segment → Prometheus text. See metrics.hpp.
#include "exporter/metrics.hpp"
#include "shm_layout/money_view.hpp"

#include <fmt/format.h>

#include <iterator>

namespace scalpel::exporter {
namespace {

constexpr shm::role roles[] = {shm::role::signal, shm::role::guard};

// Histogram bounds (seconds): Prometheus wants a few cumulative buckets, not the segment's 976.
constexpr double latency_bounds_s[] = {1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5,
                                       1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2};

class writer {
public:
    void family(const char* name, const char* type, const char* help) {
        fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                       type);
    }
    void sample(std::string_view name, std::string_view labels, double v) {
        if (labels.empty())
            fmt::format_to(std::back_inserter(out_), "{} {}\n", name, v);
        else
            fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, v);
    }
    void raw(const std::string& text) { out_ += text; }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

double seconds(mono_ns ns) {
    return static_cast<double>(ns) / 1e9;
}

void processes(writer& w, const shm::segment& seg, mono_ns now) {
    w.family("scalpel_process_alive", "gauge",
             "1 when the role's process is alive (lock + heartbeat)");
    for (const auto r : roles)
        w.sample("scalpel_process_alive", fmt::format("role=\"{}\"", shm::to_string(r)),
                 seg.liveness(r, now).verdict == shm::liveness_verdict::alive ? 1 : 0);
    w.family("scalpel_heartbeat_age_seconds", "gauge", "Age of the role's last heartbeat");
    for (const auto r : roles) {
        const auto v = seg.liveness(r, now);
        if (v.status != shm::process_status::absent)
            w.sample("scalpel_heartbeat_age_seconds", fmt::format("role=\"{}\"", shm::to_string(r)),
                     seconds(v.heartbeat_age_ns));
    }
    w.family("scalpel_halted", "gauge", "1 when the operator halted new entries");
    w.sample("scalpel_halted", {}, seg.halt().halted ? 1 : 0);
}

void feed(writer& w, const shm::segment& seg, mono_ns now, double stale_s) {
    w.family("scalpel_feed_age_seconds", "gauge", "Age of the symbol's last live price");
    w.family("scalpel_feed_stale", "gauge", "1 when the symbol's price is older than stale_feed_s");
    for (std::uint32_t i = 0; i < seg.price_count(); ++i) {
        const auto p = seg.read_price(i, now);
        if (p.status != shm::price_status::ok)
            continue;
        const auto labels = fmt::format("symbol=\"{}\"", p.symbol.view());
        w.sample("scalpel_feed_age_seconds", labels, seconds(p.age_ns));
        w.sample("scalpel_feed_stale", labels, seconds(p.age_ns) > stale_s ? 1 : 0);
    }
}

void positions(writer& w, const shm::segment& seg, mono_ns now) {
    const auto params = seg.read_params();
    const double taker = params.ok ? params.params.taker_fee_rate : 0.001;
    writer per;
    double total = 0;
    int open = 0;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (!s.ok ||
            (s.snap.state != shm::slot_state::open && s.snap.state != shm::slot_state::closing))
            continue;
        ++open;
        const auto idx = seg.find_symbol(s.snap.pos.symbol.view());
        const auto q = idx.ok ? seg.read_price(idx.index, now) : shm::price_read{};
        if (q.status != shm::price_status::ok || q.q.last <= 0)
            continue;
        const double net = strategy::unrealised_net_pnl(shm::view_of(s.snap.pos), q.q.last, taker);
        total += net;
        per.sample("scalpel_position_unrealised_net_usd",
                   fmt::format("slot=\"{}\",symbol=\"{}\",side=\"{}\"", i, s.snap.pos.symbol.view(),
                               shm::to_string(s.snap.pos.pos_side)),
                   net);
    }
    w.family("scalpel_positions_open", "gauge", "Open (or closing) positions");
    w.sample("scalpel_positions_open", {}, open);
    w.family("scalpel_unrealised_net_usd", "gauge",
             "Net PnL of every open position at the live price, both fees included");
    w.sample("scalpel_unrealised_net_usd", {}, total);
    w.family("scalpel_position_unrealised_net_usd", "gauge",
             "Net PnL of one open position at the live price, both fees included");
    w.raw(per.take());
}

void journal(writer& w, const shm::segment& seg) {
    const auto head = seg.journal_head();
    double net = 0;
    for (std::uint64_t n = head > shm::journal_capacity ? head - shm::journal_capacity : 0;
         n < head; ++n) {
        shm::journal_record rec;
        if (seg.read_journal(n, rec))
            net += rec.pos.net_pnl_usd;
    }
    w.family("scalpel_closed_trades_total", "counter", "Trades closed since the segment was made");
    w.sample("scalpel_closed_trades_total", {}, static_cast<double>(head));
    w.family("scalpel_realised_net_usd", "gauge",
             "Net PnL of the closed trades still in the segment's journal ring (fees included)");
    w.sample("scalpel_realised_net_usd", {}, net);
}

void counters(writer& w, const shm::segment& seg) {
    struct per_role {
        const char* name;
        shm::counter c;
        const char* help;
    };
    constexpr per_role simple[] = {
        {"scalpel_orders_sent_total", shm::counter::orders_sent, "Orders sent, by role"},
        {"scalpel_errors_total", shm::counter::errors, "Errors counted, by role"},
        {"scalpel_reconnects_total", shm::counter::reconnects, "WebSocket reconnects, by role"},
        {"scalpel_ticks_total", shm::counter::ticks, "Tickers judged, by role"},
        {"scalpel_price_updates_total", shm::counter::price_updates, "Live prices published"}};
    for (const auto& k : simple) {
        w.family(k.name, "counter", k.help);
        for (const auto r : roles)
            w.sample(k.name, fmt::format("role=\"{}\"", shm::to_string(r)),
                     static_cast<double>(seg.counters(r)[static_cast<std::size_t>(k.c)]));
    }
    struct reason {
        const char* label;
        shm::counter c;
    };
    constexpr reason reasons[] = {
        {"ph", shm::counter::ph_closes},         {"tp", shm::counter::tp_closes},
        {"sl", shm::counter::sl_closes},         {"time_limit", shm::counter::time_limit_closes},
        {"manual", shm::counter::manual_closes}, {"reconcile", shm::counter::reconcile_closes}};
    w.family("scalpel_closes_total", "counter", "Positions closed, by reason (every role)");
    for (const auto& k : reasons) {
        std::uint64_t n = 0;
        for (const auto r : roles)
            n += seg.counters(r)[static_cast<std::size_t>(k.c)];
        w.sample("scalpel_closes_total", fmt::format("reason=\"{}\"", k.label),
                 static_cast<double>(n));
    }
}

void latency(writer& w, const shm::segment& seg) {
    const auto b = seg.read_latency_buckets();
    constexpr const char* name = "scalpel_guard_tick_to_order_seconds";
    w.family(name, "histogram",
             "Guard close orders: ticker frame received to order handed to the socket");
    std::uint64_t cumulative = 0;
    std::size_t i = 0;
    for (const double bound : latency_bounds_s) {
        const auto bound_ns = static_cast<std::uint64_t>(bound * 1e9);
        for (; i < shm::latency_bucket_count && shm::latency_upper_bound_of(i) <= bound_ns; ++i)
            cumulative += b.counts[i];
        w.sample("scalpel_guard_tick_to_order_seconds_bucket", fmt::format("le=\"{}\"", bound),
                 static_cast<double>(cumulative));
    }
    for (; i < shm::latency_bucket_count; ++i)
        cumulative += b.counts[i];
    w.sample("scalpel_guard_tick_to_order_seconds_bucket", "le=\"+Inf\"",
             static_cast<double>(cumulative));
    w.sample("scalpel_guard_tick_to_order_seconds_sum", {}, static_cast<double>(b.sum_ns) / 1e9);
    w.sample("scalpel_guard_tick_to_order_seconds_count", {}, static_cast<double>(cumulative));
}

// A label value from the ledger: its vocabulary is ours ([a-z_]); anything else is shown as "?"
// rather than risk a broken exposition.
std::string label_value(std::string_view v) {
    if (v.empty())
        return "none";
    for (const char c : v)
        if (!((c >= 'a' && c <= 'z') || c == '_'))
            return "?";
    return std::string(v);
}

void ledger_counts(writer& w, const ledger_figures& l) {
    w.family("scalpel_ledger_up", "gauge", "1 when the ledger (SQLite) could be read");
    w.sample("scalpel_ledger_up", {}, l.ok ? 1 : 0);
    w.family("scalpel_orders_total", "counter",
             "Orders the bot sent, from the ledger, by kind and outcome (state)");
    for (const auto& o : l.orders)
        w.sample(
            "scalpel_orders_total",
            fmt::format("kind=\"{}\",outcome=\"{}\"", label_value(o.kind), label_value(o.state)),
            static_cast<double>(o.n));
    w.family("scalpel_fills_total", "counter",
             "Fills in the ledger by the kind of their order (other: not an order of the bot)");
    for (const auto& f : l.fills)
        w.sample("scalpel_fills_total", fmt::format("kind=\"{}\"", label_value(f.kind)),
                 static_cast<double>(f.n));
}

} // namespace

ledger_figures read_ledger(ledger::ledger& db) {
    ledger_figures f;
    f.orders = db.orders_by_kind();
    f.fills = db.fills_by_kind();
    f.ok = true;
    return f;
}

std::string render_metrics(const shm::segment* seg, double stale_feed_s,
                           const ledger_figures& ledger) {
    writer w;
    w.family("scalpel_up", "gauge", "1 when the bot's segment could be read");
    w.sample("scalpel_up", {}, seg != nullptr ? 1 : 0);
    ledger_counts(w, ledger);
    if (seg == nullptr)
        return w.take();
    const mono_ns now = monotonic_now_ns();
    processes(w, *seg, now);
    feed(w, *seg, now, stale_feed_s);
    positions(w, *seg, now);
    journal(w, *seg);
    counters(w, *seg);
    latency(w, *seg);
    return w.take();
}

} // namespace scalpel::exporter
