// scalpelctl status: processes (alive, heartbeat age), feed (price age per symbol), regime, halt,
// every position (entry, size, live net PnL, OCO state, age) and totals — read-only, lock-free,
// from the segment alone (it works while the exchange or a process is down).
#include "common/json_out.hpp"
#include "scalpelctl/commands.hpp"
#include "shm_layout/money_view.hpp"

#include <fmt/format.h>

namespace scalpel::ctl {
namespace {

constexpr shm::role shown_roles[] = {shm::role::guard, shm::role::signal};

double ms_of(mono_ns ns) {
    return static_cast<double>(ns) / 1e6;
}

struct position_line {
    std::uint32_t index = 0;
    shm::slot_snapshot snap;
    bool has_price = false;
    double price = 0, net = 0, age_s = 0;
    std::string oco;
};

std::string oco_state(const shm::slot_snapshot& s) {
    if (s.state == shm::slot_state::closing)
        return fmt::format("closing ({})", shm::to_string(s.pending_reason));
    if (s.state == shm::slot_state::opening)
        return "entry in flight";
    return s.pos.oco_algo_id.view().empty() ? "none" : "armed";
}

std::vector<position_line> positions(const shm::segment& seg, double taker, mono_ns now) {
    std::vector<position_line> out;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (!s.ok || s.snap.state == shm::slot_state::free)
            continue;
        position_line p;
        p.index = i;
        p.snap = s.snap;
        p.oco = oco_state(s.snap);
        if (const auto idx = seg.find_symbol(s.snap.pos.symbol.view()); idx.ok) {
            const auto q = seg.read_price(idx.index, now);
            if (q.status == shm::price_status::ok && q.q.last > 0) {
                p.has_price = true;
                p.price = q.q.last;
                p.net = strategy::unrealised_net_pnl(shm::view_of(s.snap.pos), q.q.last, taker);
            }
        }
        if (s.snap.pos.entry_time_ms > 0)
            p.age_s = static_cast<double>(wall_now_ms() - s.snap.pos.entry_time_ms) / 1000.0;
        out.push_back(p);
    }
    return out;
}

double realised_in_journal(const shm::segment& seg, std::uint64_t& count) {
    double sum = 0;
    count = 0;
    const auto head = seg.journal_head();
    for (std::uint64_t n = head > shm::journal_capacity ? head - shm::journal_capacity : 0;
         n < head; ++n) {
        shm::journal_record rec;
        if (seg.read_journal(n, rec)) {
            sum += rec.pos.net_pnl_usd;
            ++count;
        }
    }
    return sum;
}

} // namespace

int run_status(ctl_context& c) {
    const auto seg = c.read_only();
    const mono_ns now = monotonic_now_ns();
    const auto params = seg->read_params();
    const double taker = params.ok ? params.params.taker_fee_rate : c.cfg().exchange.taker_fee;
    const auto halt = seg->halt();
    const auto lines = positions(*seg, taker, now);
    std::uint64_t closed = 0;
    const double realised = realised_in_journal(*seg, closed);
    double unrealised = 0;
    for (const auto& p : lines)
        unrealised += p.net;
    const double stale_ms = static_cast<double>(c.cfg().guard.stale_feed_ms);

    json_out j;
    std::string t;
    if (c.json())
        j.begin_object()
            .str("segment", seg->name())
            .boolean("halted", halt.halted)
            .integer("halt_changed_ms", halt.changed_ms)
            .str("regime", params.ok ? shm::to_string(params.params.current) : "unknown")
            .begin_array("processes");
    else
        t += fmt::format("scalpel {}  regime {}  entries {}\n", seg->name(),
                         params.ok ? shm::to_string(params.params.current) : "unknown",
                         halt.halted ? "HALTED" : "allowed");
    for (const auto r : shown_roles) {
        const auto v = seg->liveness(r, now);
        const double age = v.status == shm::process_status::absent ? 0 : ms_of(v.heartbeat_age_ns);
        if (c.json())
            j.begin_object()
                .str("role", shm::to_string(r))
                .str("verdict", shm::to_string(v.verdict))
                .boolean("alive", v.verdict == shm::liveness_verdict::alive)
                .integer("pid", v.pid)
                .num("heartbeat_age_ms", age)
                .end_object();
        else
            t += fmt::format("  {:<7} {:<8} pid {:<7} heartbeat {:.0f} ms ago\n", shm::to_string(r),
                             shm::to_string(v.verdict), v.pid, age);
    }
    if (c.json())
        j.end_array().begin_array("feed");
    else
        t += "feed:\n";
    for (std::uint32_t i = 0; i < seg->price_count(); ++i) {
        const auto p = seg->read_price(i, now);
        const bool ok = p.status == shm::price_status::ok;
        const bool fresh = ok && ms_of(p.age_ns) < stale_ms;
        if (c.json()) {
            j.begin_object().str("symbol", p.symbol.view()).boolean("fresh", fresh);
            if (ok)
                j.num("last", p.q.last).num("age_ms", ms_of(p.age_ns));
            j.end_object();
        } else if (ok) {
            t += fmt::format("  {:<10} {:<6} last {}  {:.0f} ms ago\n", p.symbol.view(),
                             fresh ? "live" : "STALE", p.q.last, ms_of(p.age_ns));
        } else {
            t += fmt::format("  {:<10} no price yet\n", p.symbol.view());
        }
    }
    if (c.json())
        j.end_array().begin_array("positions");
    else
        t += lines.empty() ? "positions: none\n" : "positions:\n";
    for (const auto& p : lines) {
        const auto& pos = p.snap.pos;
        if (c.json()) {
            j.begin_object()
                .integer("slot", p.index)
                .integer("generation", p.snap.generation)
                .str("state", shm::to_string(p.snap.state))
                .str("symbol", pos.symbol.view())
                .str("side", shm::to_string(pos.pos_side))
                .num("entry_price", pos.entry_price)
                .num("size", pos.size)
                .str("oco", p.oco)
                .num("age_s", p.age_s);
            if (p.has_price)
                j.num("price", p.price).num("net_pnl_usd", p.net);
            j.end_object();
        } else {
            t += fmt::format("  [{}] {} {} {} @ {}  {}  OCO {}  age {:.0f} s\n", p.index,
                             pos.symbol.view(), shm::to_string(pos.pos_side), pos.size,
                             pos.entry_price,
                             p.has_price ? fmt::format("now {} net {:+.4f} USD", p.price, p.net)
                                         : std::string("no live price"),
                             p.oco, p.age_s);
        }
    }
    if (c.json()) {
        j.end_array()
            .begin_object("totals")
            .integer("open_positions", lines.size())
            .num("unrealised_net_usd", unrealised)
            .integer("closed_in_journal", closed)
            .num("realised_net_usd_in_journal", realised)
            .end_object()
            .end_object();
        c.print(j.text());
    } else {
        t += fmt::format("totals: {} open, unrealised net {:+.4f} USD; journal {} closed, "
                         "realised net {:+.4f} USD",
                         lines.size(), unrealised, closed, realised);
        c.print(t);
    }
    return exit_ok;
}

} // namespace scalpel::ctl
