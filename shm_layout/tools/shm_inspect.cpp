// shm_inspect: prints a scalpel segment the way AeronStat prints Aeron's counters — header,
// process liveness, the mutex holder record, ARM parameters, live prices, every non-free slot with
// its PnL at the live price, the journal, the counters and the guard's tick→order latency. It maps
// the segment READ-ONLY, never locks and only reads through seqlocks with bounded retries, so it
// works while a process is hung holding the mutex and cannot corrupt anything. Exit codes: 0 ok, 1
// error, 3 version/layout mismatch (the frozen header is still printed), 4 no such segment, 5
// segment not ready.
#include "common/json_out.hpp"
#include "shm_layout/money_view.hpp"
#include "shm_layout/segment.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace scalpel;
using namespace scalpel::shm;
using scalpel::json_out;

namespace {

constexpr role shown_roles[] = {role::signal, role::guard, role::aux};

const char* status_text(process_status s) {
    switch (s) {
    case process_status::absent:
        return "absent";
    case process_status::starting:
        return "starting";
    case process_status::running:
        return "running";
    case process_status::stopping:
        return "stopping";
    case process_status::stopped:
        return "stopped";
    }
    return "?";
}

double ms(mono_ns ns) {
    return static_cast<double>(ns) / 1e6;
}

std::string owner_text(const segment& seg, std::uint64_t w) {
    const auto rb = owner_role_bits(w);
    if (rb == 0)
        return "none";
    if (rb == owner_role_retired)
        return "retired";
    const auto r = static_cast<role>(rb);
    return fmt::format("{}#{}{}", to_string(r), owner_incarnation(w),
                       seg.owner_dead(r, owner_incarnation(w)) ? " (dead: stealable)" : "");
}

// How long ago the slot's latest request of `what` went out (-1: none yet). An OCO attempt that
// was never seen on the exchange counts as absent only oco_land_lag after it.
std::int64_t sent_age_ms(const slot_snapshot& s, intent what, mono_ns now) {
    const mono_ns sent = s.sent_ns[static_cast<std::size_t>(what)];
    return sent > 0 ? (now - sent) / 1'000'000 : -1;
}

std::string sent_ages_text(const slot_snapshot& s, mono_ns now) {
    std::string t;
    for (const intent what : {intent::oco, intent::close})
        if (const auto age = sent_age_ms(s, what, now); age >= 0)
            t += fmt::format("{}{} sent {:.1f} s ago", t.empty() ? "  (" : ", ",
                             what == intent::oco ? "oco" : "close", static_cast<double>(age) / 1e3);
    return t.empty() ? t : t + ")";
}

std::string init_text(init_state s) {
    switch (s) {
    case init_state::empty:
        return "empty";
    case init_state::initializing:
        return "initializing";
    case init_state::ready:
        return "ready";
    }
    return fmt::format("unknown({})", static_cast<unsigned>(s));
}

void header_json(json_out& j, const std::string& name, const header_view& h) {
    j.begin_object("header")
        .str("name", name)
        .str("magic", fmt::format("{:#018x}", h.magic))
        .integer("version", h.version)
        .integer("expected_version", layout_version)
        .integer("header_size", h.header_size)
        .integer("total_size", h.total_size)
        .integer("file_size", h.file_size)
        .str("init", init_text(h.init))
        .integer("creator_pid", h.creator_pid)
        .integer("created_ms", h.created_ms)
        .str("layout_hash", fmt::format("{:#018x}", h.layout_hash))
        .str("expected_layout_hash", fmt::format("{:#018x}", layout_hash))
        .integer("owner_uid", h.owner_uid)
        .str("mode", fmt::format("{:04o}", h.file_mode))
        .end_object();
}

void header_text(std::string& o, const std::string& name, const header_view& h) {
    fmt::format_to(
        std::back_inserter(o),
        "segment {}  magic {:#018x}  version {} (this build {})  size {} (file {})  init {}\n"
        "  creator pid {}  created {} ms  hash {:#018x} (this build {:#018x})  uid {} mode "
        "{:04o}\n",
        name, h.magic, h.version, layout_version, h.total_size, h.file_size, init_text(h.init),
        h.creator_pid, h.created_ms, h.layout_hash, layout_hash, h.owner_uid, h.file_mode);
}

void control_json(json_out& j, const segment& seg) {
    const auto halt = seg.halt();
    j.begin_object("control")
        .boolean("halted", halt.halted)
        .integer("halt_changed_ms", halt.changed_ms)
        .integer("halt_seq", halt.seq)
        .begin_array("commands");
    for (std::uint32_t i = 0; i < segment::command_slots(); ++i) {
        const auto c = seg.read_command(i);
        if (c.state == command_state::free)
            continue;
        j.begin_object()
            .integer("entry", i)
            .str("state", to_string(c.state))
            .str("kind", to_string(c.kind))
            .integer("slot", c.target.index)
            .integer("generation", c.target.generation)
            .integer("request_id", c.request_id)
            .str("result", to_string(c.result))
            .integer("closes_sent", c.closes_sent)
            .integer("posted_ms", c.posted_ms)
            .integer("done_ms", c.done_ms)
            .end_object();
    }
    j.end_array().end_object();
}

void control_text(std::string& o, const segment& seg) {
    const auto halt = seg.halt();
    if (halt.halted)
        fmt::format_to(std::back_inserter(o), "control: HALTED (no new entries) since {} ms\n",
                       halt.changed_ms);
    else
        o += "control: entries allowed\n";
    for (std::uint32_t i = 0; i < segment::command_slots(); ++i) {
        const auto c = seg.read_command(i);
        if (c.state == command_state::free)
            continue;
        fmt::format_to(std::back_inserter(o),
                       "  command [{}] {} {} slot {} gen {} -> {} ({} close(s) sent)\n", i,
                       to_string(c.kind), to_string(c.state), c.target.index, c.target.generation,
                       to_string(c.result), c.closes_sent);
    }
}

// The guard's order outcomes (the last 20 notes), as signal_proc files them in the ledger.
void print_order_log(const segment& seg, bool as_json, json_out& j, std::string& o) {
    const std::uint64_t head = seg.order_log_head();
    const std::uint64_t from = head > 20 ? head - 20 : 0;
    if (as_json)
        j.begin_object("order_log").integer("head", head).begin_array("notes");
    else
        fmt::format_to(std::back_inserter(o), "order log ({} guard order outcomes, last {}):\n",
                       head, head - from);
    for (std::uint64_t n = from; n < head; ++n) {
        order_note note;
        if (!seg.read_order_note(n, note))
            continue;
        if (as_json)
            j.begin_object()
                .integer("seq", note.note_seq)
                .str("cl_ord_id", note.cl_ord_id.view())
                .str("ord_id", note.ord_id.view())
                .str("symbol", note.symbol.view())
                .str("kind", to_string(note.kind))
                .str("outcome", to_string(note.outcome))
                .str("channel", to_string(note.channel))
                .str("side", (note.flags & note_flag_buy)    ? "buy"
                             : (note.flags & note_flag_sell) ? "sell"
                                                             : "")
                .boolean("child", (note.flags & note_flag_child) != 0)
                .str("sz", note.sz.view())
                .integer("error_code", note.error_code)
                .integer("at_ms", note.at_ms)
                .end_object();
        else
            fmt::format_to(
                std::back_inserter(o), "  #{} {} {} {} {} {} sz {} {}{} at {}\n", note.note_seq,
                note.cl_ord_id.view(), note.symbol.view(), to_string(note.kind),
                (note.flags & note_flag_buy)    ? "buy"
                : (note.flags & note_flag_sell) ? "sell"
                                                : "",
                to_string(note.outcome), note.sz.view(), to_string(note.channel),
                note.error_code ? fmt::format(" sCode {}", note.error_code) : "", note.at_ms);
    }
    if (as_json)
        j.end_array().end_object();
}

struct price_lookup {
    bool ok = false;
    double last = 0;
    double age_ms = 0;
};

price_lookup live_price(const segment& seg, std::string_view symbol, mono_ns now) {
    const auto idx = seg.find_symbol(symbol);
    if (!idx.ok)
        return {};
    const auto p = seg.read_price(idx.index, now);
    if (p.status != price_status::ok)
        return {};
    return {true, p.q.last, ms(p.age_ns)};
}

std::string render(const segment& seg, bool as_json) {
    const mono_ns now = monotonic_now_ns();
    const auto h = seg.header();
    const auto params = seg.read_params();
    const double taker = params.ok ? params.params.taker_fee_rate : 0.001;
    const auto mx = seg.mutex_info(now);
    const auto lat = seg.read_latency();
    json_out j;
    std::string o;
    if (as_json) {
        j.begin_object();
        header_json(j, seg.name(), h);
        control_json(j, seg);
        j.begin_array("processes");
        for (const role r : shown_roles) {
            const auto v = seg.liveness(r, now);
            j.begin_object()
                .str("role", to_string(r))
                .str("verdict", to_string(v.verdict))
                .boolean("alive", v.verdict == liveness_verdict::alive)
                .integer("pid", v.pid)
                .integer("incarnation", v.incarnation)
                .num("heartbeat_age_ms",
                     v.status == process_status::absent ? 0.0 : ms(v.heartbeat_age_ns))
                .str("lock", v.lock == lock_probe::held   ? "held"
                             : v.lock == lock_probe::free ? "free"
                                                          : "unknown")
                .str("status", status_text(v.status))
                .integer("attached_ms", v.attached_ms)
                .integer("standbys_waiting", seg.standbys_waiting(r))
                .end_object();
        }
        j.end_array();
        j.begin_object("mutex")
            .boolean("held", mx.holder.held)
            .str("holder_role", mx.holder.held ? to_string(mx.holder.who) : "none")
            .integer("holder_pid", mx.holder.held ? mx.holder.pid : 0)
            .num("held_for_ms", ms(mx.holder.held_for_ns))
            .integer("glibc_owner_tid", mx.holder.glibc_owner_tid)
            .boolean("owner_died_bit", mx.holder.owner_died_bit)
            .integer("lock_count", mx.lock_count)
            .integer("owner_died_count", mx.owner_died_count)
            .integer("torn_repairs", mx.torn_repairs)
            .integer("last_repair_ms", mx.last_repair_ms)
            .boolean("not_recoverable", mx.not_recoverable)
            .end_object();
        j.begin_object("params").boolean("ok", params.ok).integer("seq", params.seq);
        if (params.ok) {
            const auto& p = params.params;
            j.str("regime", to_string(p.current))
                .boolean("ph_enabled", p.ph_enabled != 0)
                .num("min_score", p.min_score)
                .num("max_trades_per_hour", p.max_trades_per_hour)
                .num("size_multiplier", p.size_multiplier)
                .num("tp_atr_mult", p.tp_atr_mult)
                .num("sl_atr_mult", p.sl_atr_mult)
                .num("max_hold_s", p.max_hold_s)
                .num("ph_threshold_usd", p.ph_threshold_usd)
                .num("ph_time_limit_s", p.ph_time_limit_s)
                .num("rsi_overbought", p.rsi_overbought)
                .num("rsi_oversold", p.rsi_oversold)
                .num("volume_ratio_threshold", p.volume_ratio_threshold)
                .num("mtf_timeframe_min", p.mtf_timeframe_min)
                .num("mtf_bonus", p.mtf_bonus)
                .num("mtf_block_opposite", p.mtf_block_opposite)
                .num("corr_threshold", p.corr_threshold)
                .num("corr_max", p.corr_max)
                .num("corr_same_direction_only", p.corr_same_direction_only)
                .num("adx_min", p.adx_min)
                .num("di_difference", p.di_difference)
                .num("pivot_bonus", p.pivot_bonus)
                .num("volume_profile_multiplier", p.volume_profile_multiplier)
                .num("taker_fee_rate", p.taker_fee_rate)
                .integer("publish_time_ms", p.publish_time_ms);
        }
        j.end_object();
        j.begin_array("prices");
        for (std::uint32_t i = 0; i < seg.price_count(); ++i) {
            const auto p = seg.read_price(i, now);
            j.begin_object()
                .integer("index", i)
                .str("symbol", p.symbol.view())
                .str("status", p.status == price_status::ok      ? "ok"
                               : p.status == price_status::empty ? "empty"
                                                                 : "busy");
            if (p.status == price_status::ok)
                j.num("last", p.q.last)
                    .num("bid", p.q.bid)
                    .num("ask", p.q.ask)
                    .integer("exchange_ts_ms", p.q.exchange_ts_ms)
                    .num("age_ms", ms(p.age_ns))
                    .integer("updates", p.q.update_seq);
            j.end_object();
        }
        j.end_array();
        j.begin_array("slots");
    } else {
        header_text(o, seg.name(), h);
        control_text(o, seg);
        o += "processes:\n";
        for (const role r : shown_roles) {
            const auto v = seg.liveness(r, now);
            const int standbys = seg.standbys_waiting(r);
            const std::string waiting =
                standbys > 0 ? fmt::format(", {} standby waiting", standbys) : std::string();
            if (v.status == process_status::absent) {
                fmt::format_to(std::back_inserter(o), "  {:<6} absent{}\n", to_string(r), waiting);
                continue;
            }
            fmt::format_to(
                std::back_inserter(o),
                "  {:<6} {:<7} pid {} incarnation {} heartbeat {:.1f} ms ago, lock {}{}\n",
                to_string(r), to_string(v.verdict), v.pid, v.incarnation, ms(v.heartbeat_age_ns),
                v.lock == lock_probe::held   ? "held"
                : v.lock == lock_probe::free ? "free"
                                             : "unknown",
                waiting);
        }
        if (mx.holder.held)
            fmt::format_to(std::back_inserter(o), "mutex: held by {} (pid {}) for {:.1f} ms",
                           to_string(mx.holder.who), mx.holder.pid, ms(mx.holder.held_for_ns));
        else
            o += "mutex: free";
        fmt::format_to(std::back_inserter(o),
                       "  [locks {}, owner-died repairs {}, torn repairs {}{}]\n", mx.lock_count,
                       mx.owner_died_count, mx.torn_repairs,
                       mx.not_recoverable ? ", NOT RECOVERABLE" : "");
        if (params.ok) {
            const auto& p = params.params;
            fmt::format_to(
                std::back_inserter(o),
                "params (seq {}): regime {}  PH {} {:.2f} USD / {:.0f} s  max hold {:.0f} s  TP/SL "
                "ATR x {:.2f}/{:.2f}\n"
                "  min score {:.0f}  max trades/h {:.0f}  size x {:.2f}  RSI {:.0f}/{:.0f}  vol "
                "ratio {:.2f}"
                "  MTF {:.0f}m +{:.0f}{}  corr {:.2f}/{:.0f}{}  ADX {:.0f}/{:.1f}  pivot {:.1f}  "
                "VP x {:.1f}  taker {}\n",
                params.seq, to_string(p.current), p.ph_enabled ? "on" : "off", p.ph_threshold_usd,
                p.ph_time_limit_s, p.max_hold_s, p.tp_atr_mult, p.sl_atr_mult, p.min_score,
                p.max_trades_per_hour, p.size_multiplier, p.rsi_overbought, p.rsi_oversold,
                p.volume_ratio_threshold, p.mtf_timeframe_min, p.mtf_bonus,
                p.mtf_block_opposite != 0 ? " block-opposite" : "", p.corr_threshold, p.corr_max,
                p.corr_same_direction_only != 0 ? " same-dir" : "", p.adx_min, p.di_difference,
                p.pivot_bonus, p.volume_profile_multiplier, p.taker_fee_rate);
        } else {
            o += "params: unreadable (never published or writer busy)\n";
        }
        o += "prices:\n";
        for (std::uint32_t i = 0; i < seg.price_count(); ++i) {
            const auto p = seg.read_price(i, now);
            if (p.status == price_status::ok)
                fmt::format_to(std::back_inserter(o),
                               "  {:<10} last {} bid {} ask {}  age {:.1f} ms  updates {}\n",
                               p.symbol.view(), p.q.last, p.q.bid, p.q.ask, ms(p.age_ns),
                               p.q.update_seq);
            else
                fmt::format_to(std::back_inserter(o), "  {:<10} {}\n", p.symbol.view(),
                               p.status == price_status::empty ? "no price yet"
                                                               : "busy/torn (stale)");
        }
        o += "slots:\n";
    }

    std::size_t shown = 0;
    for (std::uint32_t i = 0; i < segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (!s.ok) {
            if (as_json)
                j.begin_object().integer("index", i).str("state", "unreadable").end_object();
            else
                fmt::format_to(std::back_inserter(o), "  [{}] unreadable (writer mid-copy)\n", i);
            continue;
        }
        if (s.snap.state == slot_state::free)
            continue;
        ++shown;
        const auto& p = s.snap.pos;
        const auto px = live_price(seg, p.symbol.view(), now);
        const double pnl = px.ok ? strategy::unrealised_net_pnl(view_of(p), px.last, taker) : 0.0;
        if (as_json) {
            j.begin_object()
                .integer("index", i)
                .str("state", to_string(s.snap.state))
                .integer("generation", s.snap.generation)
                .str("symbol", p.symbol.view())
                .str("side", to_string(p.pos_side))
                .num("size", p.size)
                .num("entry_price", p.entry_price)
                .num("entry_fee_usd", p.entry_fee_usd)
                .integer("entry_time_ms", p.entry_time_ms)
                .num("tp_price", p.tp_price)
                .num("sl_price", p.sl_price)
                .num("atr", p.atr)
                .str("entry_cl_ord_id", p.entry_cl_ord_id.view())
                .str("entry_ord_id", p.entry_ord_id.view())
                .str("oco_algo_id", p.oco_algo_id.view())
                .str("oco_algo_cl_ord_id", p.oco_algo_cl_ord_id.view())
                .str("regime_at_entry", to_string(p.regime_at_entry))
                .boolean("ph_enabled", p.ph_enabled != 0)
                .num("ph_threshold_usd", p.ph_threshold_usd)
                .integer("ph_time_limit_s", p.ph_time_limit_s)
                .integer("max_hold_s", p.max_hold_s)
                .str("closing_owner", owner_text(seg, s.snap.closing_owner))
                .str("pending_reason", to_string(s.snap.pending_reason))
                .integer("entry_attempts", s.snap.attempts[0])
                .integer("oco_attempts", s.snap.attempts[1])
                .integer("close_attempts", s.snap.attempts[2])
                .integer("oco_sent_age_ms", sent_age_ms(s.snap, intent::oco, now))
                .integer("close_sent_age_ms", sent_age_ms(s.snap, intent::close, now))
                .boolean("torn_repaired", (s.snap.flags & slot_flag_torn_repaired) != 0)
                .boolean("has_price", px.ok);
            if (px.ok)
                j.num("live_price", px.last).num("net_pnl_usd", pnl);
            j.end_object();
        } else {
            fmt::format_to(std::back_inserter(o),
                           "  [{}] {:<7} gen {} {} {} {} @ {} fee {:.4f}  TP {} SL {} ATR {}  "
                           "regime {} PH {:.2f}/{}s  claim {}{}\n"
                           "       entry {} ord {} oco {} / {}  attempts e{} o{} c{}{}{}",
                           i, to_string(s.snap.state), s.snap.generation, p.symbol.view(),
                           to_string(p.pos_side), p.size, p.entry_price, p.entry_fee_usd,
                           p.tp_price, p.sl_price,
                           p.atr > 0 ? fmt::format("{}", p.atr) : std::string("?"),
                           to_string(p.regime_at_entry), p.ph_threshold_usd, p.ph_time_limit_s,
                           owner_text(seg, s.snap.closing_owner),
                           s.snap.pending_reason != close_reason::none
                               ? fmt::format(" for {}", to_string(s.snap.pending_reason))
                               : std::string(),
                           p.entry_cl_ord_id.view(), p.entry_ord_id.view(), p.oco_algo_id.view(),
                           p.oco_algo_cl_ord_id.view(), s.snap.attempts[0], s.snap.attempts[1],
                           s.snap.attempts[2], sent_ages_text(s.snap, now),
                           (s.snap.flags & slot_flag_torn_repaired) ? "  TORN-REPAIRED" : "");
            if (px.ok)
                fmt::format_to(std::back_inserter(o), "\n       live {} -> net PnL {:+.4f} USD\n",
                               px.last, pnl);
            else
                o += "\n       no live price\n";
        }
    }
    if (!as_json && shown == 0)
        o += "  (none)\n";

    const std::uint64_t head = seg.journal_head();
    const std::uint64_t from = head > 20 ? head - 20 : 0;
    if (as_json) {
        j.end_array();
        j.begin_object("journal").integer("head", head).begin_array("records");
    } else {
        fmt::format_to(std::back_inserter(o), "journal ({} closed trades, last {}):\n", head,
                       head - from);
    }
    for (std::uint64_t n = from; n < head; ++n) {
        journal_record rec;
        if (!seg.read_journal(n, rec))
            continue;
        const auto& p = rec.pos;
        if (as_json)
            j.begin_object()
                .integer("seq", rec.journal_seq)
                .integer("slot", rec.slot)
                .integer("generation", rec.generation)
                .str("symbol", p.symbol.view())
                .str("side", to_string(p.pos_side))
                .str("reason", to_string(p.reason))
                .num("size", p.size)
                .num("entry_price", p.entry_price)
                .num("exit_price", p.exit_price)
                .num("net_pnl_usd", p.net_pnl_usd)
                .integer("exit_time_ms", p.exit_time_ms)
                .str("closed_by", to_string(rec.closed_by))
                .end_object();
        else
            fmt::format_to(std::back_inserter(o),
                           "  #{} slot {} gen {} {} {} {} {} -> {} net {:+.4f} USD by {}\n",
                           rec.journal_seq, rec.slot, rec.generation, p.symbol.view(),
                           to_string(p.pos_side), to_string(p.reason), p.entry_price, p.exit_price,
                           p.net_pnl_usd, to_string(rec.closed_by));
    }
    if (as_json)
        j.end_array().end_object();
    print_order_log(seg, as_json, j, o);
    if (as_json) {
        j.begin_object("counters");
        for (const role r : shown_roles) {
            const auto c = seg.counters(r);
            j.begin_object(to_string(r));
            for (std::size_t i = 0; i < counter_count; ++i)
                j.integer(to_string(static_cast<counter>(i)), c[i]);
            j.end_object();
        }
        j.end_object();
        const auto id = seg.identity();
        const auto rec = seg.reconciled();
        j.begin_object("reconcile")
            .str("target", id.target.view())
            .str("uid", id.uid.view())
            .str("run_id", id.run_id.view())
            .integer("identity_recorded_ms", id.recorded_ms)
            .integer("reconciled_ms", rec.at_ms)
            .integer("reconciled_by_incarnation", rec.incarnation);
        j.begin_object("feeds");
        for (std::uint32_t i = 0; i < seg.price_count(); ++i)
            j.str(seg.read_price(i, now).symbol.view(), to_string(seg.feed(i)));
        j.end_object().end_object();
        j.begin_object("latency")
            .integer("count", lat.count)
            .integer("p50_ns", lat.p50_ns)
            .integer("p99_ns", lat.p99_ns)
            .integer("p999_ns", lat.p999_ns)
            .integer("max_ns", lat.max_ns)
            .integer("mean_ns", lat.mean_ns)
            .end_object();
        j.end_object();
        return j.text() + "\n";
    }
    o += "counters:\n";
    for (const role r : shown_roles) {
        const auto c = seg.counters(r);
        fmt::format_to(std::back_inserter(o), "  {:<6}", to_string(r));
        for (std::size_t i = 0; i < counter_count; ++i)
            if (c[i] != 0)
                fmt::format_to(std::back_inserter(o), " {}={}", to_string(static_cast<counter>(i)),
                               c[i]);
        o += '\n';
    }
    const auto id = seg.identity();
    const auto rec = seg.reconciled();
    if (id.recorded_ms == 0)
        o += "reconciliation: never (identity not recorded)\n";
    else
        fmt::format_to(std::back_inserter(o),
                       "reconciliation: target {} uid {} run {}; last {} ms ago by guard "
                       "incarnation {}\n",
                       id.target.view(), id.uid.view(), id.run_id.empty() ? "-" : id.run_id.view(),
                       rec.at_ms ? wall_now_ms() - rec.at_ms : -1, rec.incarnation);
    o += "feeds:";
    for (std::uint32_t i = 0; i < seg.price_count(); ++i)
        fmt::format_to(std::back_inserter(o), " {}={}", seg.read_price(i, now).symbol.view(),
                       to_string(seg.feed(i)));
    o += '\n';
    if (lat.count == 0)
        o += "tick→order latency: no close orders recorded\n";
    else
        fmt::format_to(std::back_inserter(o),
                       "tick→order latency ({} orders, frame receive → order to socket):\n"
                       "  p50 {} ns  p99 {} ns  p99.9 {} ns  max {} ns  mean {} ns\n",
                       lat.count, lat.p50_ns, lat.p99_ns, lat.p999_ns, lat.max_ns, lat.mean_ns);
    return o;
}

std::atomic<bool> g_stop{false};
extern "C" void on_sigint(int) {
    g_stop.store(true);
}

int exit_code_for(open_status s) {
    switch (s) {
    case open_status::no_such_segment:
        return 4;
    case open_status::version_mismatch:
        return 3;
    case open_status::init_timeout:
        return 5;
    default:
        return 1;
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"shm_inspect: read-only view of a scalpel shared-memory segment"};
    std::string name;
    std::string rundir;
    bool as_json = false, watch = false, once = false;
    int stale_ms = 500;
    app.add_option("--name", name, "segment name (as in /dev/shm), e.g. scalpel.main")->required();
    app.add_option("--rundir", rundir,
                   "folder of the role lock files (better liveness); empty: pid + heartbeat");
    app.add_option("--stale-ms", stale_ms, "heartbeat age that makes a process hung")
        ->capture_default_str();
    app.add_flag("--json", as_json, "one JSON object (per refresh)");
    app.add_flag("--watch", watch, "refresh every second until SIGINT");
    app.add_flag("--once", once, "print once and exit (the default)");
    CLI11_PARSE(app, argc, argv);
    if (once)
        watch = false;

    open_options o;
    o.rundir = rundir;
    o.init_timeout = std::chrono::milliseconds(200);
    o.stale_after = std::chrono::milliseconds(stale_ms);
    auto r = segment::attach_read_only(name, o);
    if (!r.ok()) {
        if (as_json) {
            json_out j;
            j.begin_object().str("error", to_string(r.status)).str("message", r.message);
            if (r.header.valid)
                header_json(j, name, r.header);
            j.end_object();
            std::printf("%s\n", j.text().c_str());
        } else {
            if (r.header.valid) {
                std::string h;
                header_text(h, name, r.header);
                std::fputs(h.c_str(), stdout);
            }
            std::fprintf(stderr, "shm_inspect: %s\n", r.message.c_str());
        }
        return exit_code_for(r.status);
    }
    std::signal(SIGINT, on_sigint);
    std::signal(SIGTERM, on_sigint);
    do {
        const std::string out = render(*r.seg, as_json);
        if (watch && !as_json)
            std::fputs("\033[H\033[2J", stdout);
        std::fputs(out.c_str(), stdout);
        std::fflush(stdout);
        for (int i = 0; watch && i < 10 && !g_stop.load(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } while (watch && !g_stop.load());
    return 0;
}
