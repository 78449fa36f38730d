// scalpelctl halt / resume / exit / flatten. halt and resume flip the segment's halt flag (and its
// persisted copy). exit and flatten never send an order themselves: they post a command in the
// segment's mailbox, the guard claims each position and closes it at market exactly once (and
// cancels its OCO) through its close path, and scalpelctl then asks the exchange over REST what
// really happened: the close order's state and fill, the OCO's state, and (flatten) that no OCO
// of ours is left pending — canceling any stray one it finds.
#include "common/json_out.hpp"
#include "scalpelctl/commands.hpp"
#include "shm_layout/order_ids.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <vector>

namespace scalpel::ctl {
namespace {

constexpr auto poll_every = std::chrono::milliseconds(100);

bool live_slot(const shm::slot_snapshot& s) noexcept {
    return s.state == shm::slot_state::open || s.state == shm::slot_state::closing ||
           s.state == shm::slot_state::opening;
}

struct target_pos {
    shm::slot_ref ref;
    shm::position pos;
};

std::vector<target_pos> live_positions(const shm::segment& seg) {
    std::vector<target_pos> out;
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (s.ok && live_slot(s.snap))
            out.push_back({s.snap.ref(i), s.snap.pos});
    }
    return out;
}

bool still_live(const shm::segment& seg, shm::slot_ref ref) {
    const auto s = seg.snapshot(ref.index);
    return !s.ok || (s.snap.generation == ref.generation && live_slot(s.snap));
}

std::optional<shm::journal_record> journal_of(const shm::segment& seg, shm::slot_ref ref) {
    const auto head = seg.journal_head();
    for (std::uint64_t n = head; n-- > 0 && head - n <= shm::journal_capacity;) {
        shm::journal_record rec;
        if (seg.read_journal(n, rec) && rec.slot == ref.index && rec.generation == ref.generation)
            return rec;
    }
    return std::nullopt;
}

// What the exchange says about one position we asked to close.
struct confirmation {
    target_pos target;
    std::optional<shm::journal_record> record;
    std::string close_state = "unknown", close_avg_px, close_fee, close_fee_ccy, oco_state = "none";
    bool confirmed = false;
};

confirmation confirm(ctl_context& c, const shm::segment& seg, const target_pos& t) {
    confirmation out;
    out.target = t;
    out.record = journal_of(seg, t.ref);
    auto& rest = c.rest();
    const std::string inst(t.pos.symbol.view());
    bool closed = false;
    if (out.record && !out.record->pos.close_cl_ord_id.view().empty()) {
        const auto o = rest.run(
            rest.client().order(inst, {}, std::string(out.record->pos.close_cl_ord_id.view())));
        if (o.ok()) {
            out.close_state = std::string(okx::to_string(o.value.state));
            out.close_avg_px = o.value.avg_px.str();
            out.close_fee = o.value.fee.str();
            out.close_fee_ccy = std::string(o.value.fee_ccy.view());
            closed = o.value.state == okx::order_state::filled;
        }
    }
    bool oco_done = t.pos.oco_algo_id.view().empty();
    if (!t.pos.oco_algo_id.view().empty()) {
        const auto a = rest.run(rest.client().algo_order(std::string(t.pos.oco_algo_id.view())));
        if (a.ok()) {
            out.oco_state = std::string(okx::to_string(a.value.state));
            // canceled by us, or it fired itself (then the OCO closed the position)
            oco_done = a.value.state == okx::algo_state::canceled ||
                       a.value.state == okx::algo_state::effective;
            closed = closed || a.value.state == okx::algo_state::effective;
        }
    }
    out.confirmed = closed && oco_done;
    return out;
}

void write_confirmation(json_out& j, const confirmation& x) {
    const auto& p = x.target.pos;
    j.begin_object()
        .integer("slot", x.target.ref.index)
        .integer("generation", x.target.ref.generation)
        .str("symbol", p.symbol.view())
        .str("side", shm::to_string(p.pos_side))
        .num("size", p.size)
        .num("entry_price", p.entry_price)
        .str("close_order_state", x.close_state)
        .str("close_avg_px", x.close_avg_px)
        .str("close_fee", x.close_fee)
        .str("close_fee_ccy", x.close_fee_ccy)
        .str("oco_state", x.oco_state)
        .boolean("confirmed", x.confirmed);
    if (x.record)
        j.str("reason", shm::to_string(x.record->pos.reason))
            .num("exit_price", x.record->pos.exit_price)
            .num("net_pnl_usd", x.record->pos.net_pnl_usd)
            .str("close_cl_ord_id", x.record->pos.close_cl_ord_id.view());
    j.end_object();
}

std::string confirmation_text(const confirmation& x) {
    const auto& p = x.target.pos;
    std::string t = fmt::format("  [{}] {} {} {} @ {}: ", x.target.ref.index, p.symbol.view(),
                                shm::to_string(p.pos_side), p.size, p.entry_price);
    if (x.record)
        t += fmt::format("{} at {} net {:+.4f} USD; ", shm::to_string(x.record->pos.reason),
                         x.record->pos.exit_price, x.record->pos.net_pnl_usd);
    t += fmt::format("exchange: close {} avg {} fee {} {}, OCO {} -> {}", x.close_state,
                     x.close_avg_px, x.close_fee, x.close_fee_ccy, x.oco_state,
                     x.confirmed ? "CONFIRMED" : "NOT CONFIRMED");
    return t;
}

// Waits until the command is done and none of `targets` is live any more (or the deadline).
bool wait_done(const shm::segment& seg, std::uint32_t entry, const std::vector<target_pos>& targets,
               std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        const bool cmd_done = seg.read_command(entry).state == shm::command_state::done;
        const bool all_gone = std::none_of(targets.begin(), targets.end(),
                                           [&](const auto& t) { return still_live(seg, t.ref); });
        if (cmd_done && all_gone)
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(poll_every);
    }
}

std::optional<target_pos> find_target(const shm::segment& seg, const std::string& target) {
    const bool is_index = !target.empty() && std::all_of(target.begin(), target.end(), [](char ch) {
        return ch >= '0' && ch <= '9';
    });
    for (const auto& t : live_positions(seg))
        if (is_index ? t.ref.index == static_cast<std::uint32_t>(std::stoul(target))
                     : t.pos.symbol.view() == target)
            return t;
    return std::nullopt;
}

// Our OCOs still pending on the exchange (algoClOrdId made by this segment's id scheme).
std::vector<okx::algo_order> our_pending_ocos(ctl_context& c, const shm::segment& seg) {
    std::vector<okx::algo_order> ours;
    auto& rest = c.rest();
    const auto pending = rest.run(rest.client().algos_pending("oco"));
    if (!pending.ok())
        throw ctl_error(exit_unconfirmed,
                        "cannot list pending OCOs: " + std::string(pending.err.message.view()));
    for (const auto& a : pending.value) {
        shm::order_id_parts parts;
        if (shm::parse_cl_ord_id(a.algo_cl_ord_id.view(), parts) &&
            parts.tag.view() == seg.account_tag())
            ours.push_back(a);
    }
    return ours;
}

// After a timeout: withdraw the command if no guard took it (so a guard that comes back later does
// not act on a request the operator saw fail), and say which it was.
std::string give_up(shm::segment& seg, const shm::post_result& posted) {
    if (seg.cancel_command(posted.entry, posted.request_id))
        return "no guard took the command (is guard_proc running?); withdrawn";
    const auto cmd = seg.read_command(posted.entry);
    if (cmd.state == shm::command_state::done)
        (void)seg.release_command(posted.entry, posted.request_id);
    return fmt::format("the guard took it ({}, {}); it carries on, check `scalpelctl status`",
                       shm::to_string(cmd.state), shm::to_string(cmd.result));
}

} // namespace

int run_halt(ctl_context& c, bool halt) {
    const auto seg = c.read_write();
    if (!seg->set_halted(halt))
        throw ctl_error(exit_unconfirmed, "cannot write the halt flag file " + seg->halt_file());
    const auto h = seg->halt();
    if (c.json())
        c.print(json_out()
                    .begin_object()
                    .boolean("halted", h.halted)
                    .integer("changed_ms", h.changed_ms)
                    .str("persisted", h.halted ? seg->halt_file() : "")
                    .end_object()
                    .text());
    else
        c.print(h.halted ? "halted: no new entries (open positions stay guarded); resume with "
                           "`scalpelctl resume`"
                         : "resumed: entries allowed");
    return h.halted == halt ? exit_ok : exit_unconfirmed;
}

int run_exit(ctl_context& c, const std::string& target, std::chrono::seconds timeout) {
    const auto seg = c.read_write();
    const auto t = find_target(*seg, target);
    if (!t)
        throw ctl_error(exit_unconfirmed, "no open position for '" + target + "'");
    const auto posted = seg->post_command(shm::command_kind::exit_position, t->ref);
    if (!posted.ok)
        throw ctl_error(exit_unconfirmed, "the command mailbox is full; try again");
    const bool done =
        wait_done(*seg, posted.entry, {*t}, std::chrono::steady_clock::now() + timeout);
    if (!done)
        throw ctl_error(exit_unconfirmed,
                        fmt::format("slot {} ({}) not closed within {} s: {}", t->ref.index,
                                    t->pos.symbol.view(), timeout.count(), give_up(*seg, posted)));
    const auto cmd = seg->read_command(posted.entry);
    (void)seg->release_command(posted.entry, posted.request_id);
    const auto x = confirm(c, *seg, *t);
    if (c.json()) {
        json_out j;
        j.begin_object().str("command", "exit").str("guard_result", shm::to_string(cmd.result));
        j.begin_array("positions");
        write_confirmation(j, x);
        j.end_array().boolean("confirmed", x.confirmed).end_object();
        c.print(j.text());
    } else {
        c.print("exit:\n" + confirmation_text(x));
    }
    return x.confirmed ? exit_ok : exit_unconfirmed;
}

int run_flatten(ctl_context& c, std::chrono::seconds timeout) {
    const auto seg = c.read_write();
    if (!seg->set_halted(true))
        throw ctl_error(exit_unconfirmed, "cannot halt (flag file " + seg->halt_file() + ")");
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<target_pos> asked;
    // An entry in flight becomes a position after the first pass: loop until none is left.
    for (auto targets = live_positions(*seg); !targets.empty(); targets = live_positions(*seg)) {
        asked.insert(asked.end(), targets.begin(), targets.end());
        const auto posted = seg->post_command(shm::command_kind::flatten);
        if (!posted.ok)
            throw ctl_error(exit_unconfirmed, "the command mailbox is full; try again");
        if (!wait_done(*seg, posted.entry, targets, deadline))
            throw ctl_error(exit_unconfirmed,
                            fmt::format("{} position(s) still open after {} s (entries stay "
                                        "halted): {}",
                                        live_positions(*seg).size(), timeout.count(),
                                        give_up(*seg, posted)));
        (void)seg->release_command(posted.entry, posted.request_id);
    }
    std::sort(asked.begin(), asked.end(), [](const auto& a, const auto& b) {
        return a.ref.index != b.ref.index ? a.ref.index < b.ref.index
                                          : a.ref.generation < b.ref.generation;
    });
    asked.erase(std::unique(asked.begin(), asked.end(),
                            [](const auto& a, const auto& b) { return a.ref == b.ref; }),
                asked.end());
    std::vector<confirmation> results;
    bool all = true;
    for (const auto& t : asked) {
        results.push_back(confirm(c, *seg, t));
        all = all && results.back().confirmed;
    }
    // Every OCO of ours must be gone: cancel strays (an OCO whose position closed another way).
    auto stray = our_pending_ocos(c, *seg);
    std::size_t canceled = 0;
    if (!stray.empty()) {
        std::vector<okx::cancel_algo_req> reqs;
        for (const auto& a : stray)
            reqs.push_back({a.inst_id.view(), a.algo_id.view(), {}});
        auto& rest = c.rest();
        const auto r = rest.run(rest.client().cancel_algos(reqs));
        canceled = r.ok() ? r.value.size() : 0;
    }
    const auto left = our_pending_ocos(c, *seg);
    all = all && left.empty();
    if (c.json()) {
        json_out j;
        j.begin_object().str("command", "flatten").boolean("halted", seg->halt().halted);
        j.begin_array("positions");
        for (const auto& x : results)
            write_confirmation(j, x);
        j.end_array()
            .integer("stray_ocos_canceled", canceled)
            .integer("ocos_left", left.size())
            .boolean("confirmed", all)
            .end_object();
        c.print(j.text());
    } else {
        std::string t =
            fmt::format("flatten: {} position(s) closed, entries HALTED\n", results.size());
        for (const auto& x : results)
            t += confirmation_text(x) + "\n";
        t += fmt::format("  OCOs of ours pending on the exchange: {} (stray canceled: {}) -> {}",
                         left.size(), canceled, all ? "CONFIRMED" : "NOT CONFIRMED");
        c.print(t);
    }
    return all ? exit_ok : exit_unconfirmed;
}

} // namespace scalpel::ctl
