// audit: exchange-side judgement of a chaos run. See audit.hpp.
#include "tests/chaos/audit.hpp"

#include "shm_layout/order_ids.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

namespace scalpel::chaos {
namespace {

struct parsed_id {
    std::string key;
    shm::intent what = shm::intent::entry;
};

std::optional<parsed_id> parse_id(const std::string& id) {
    shm::order_id_parts p;
    if (id.empty() || !shm::parse_cl_ord_id(id, p))
        return std::nullopt;
    // The id without its intent and attempt is the position's key.
    return parsed_id{id.substr(0, id.size() - 4), p.what};
}

std::string base_of(const std::string& inst_id) {
    return inst_id.substr(0, inst_id.find('-'));
}

struct algo_life {
    std::string algo_id, algo_cl_ord_id;
    interval live;
};

// Per position, what the order log says, before judging.
struct position_facts {
    position_audit a;
    std::vector<algo_life> algos;
    std::vector<std::string> entry_ids; // filled ones
    int oco_fires = 0;
    struct close_fill {
        std::int64_t at_ns;
        bool by_oco;
        std::string id; // clOrdId, or the OCO's algoClOrdId
    };
    std::vector<close_fill> close_fills;
};

double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

std::int64_t overlap(interval a, interval b) {
    return std::max<std::int64_t>(0, std::min(a.to_ns, b.to_ns) - std::max(a.from_ns, b.from_ns));
}

class auditor {
public:
    auditor(const sim_records& r, const audit_options& o) : rec_(r), opt_(o) {
        for (const auto& o2 : rec_.orders)
            orders_[o2.ord_id] = &o2;
        for (const auto& a : rec_.algos)
            algos_[a.algo_id] = &a;
    }

    audit_report run() {
        collect();
        for (auto& [key, f] : positions_)
            judge(f);
        for (auto& [key, f] : positions_)
            report_.detail.push_back(f.a);
        report_.positions = static_cast<int>(
            std::count_if(report_.detail.begin(), report_.detail.end(),
                          [](const position_audit& p) { return p.entries_filled > 0; }));
        return std::move(report_);
    }

private:
    const order_row* order(const std::string& ord_id) const {
        const auto it = orders_.find(ord_id);
        return it == orders_.end() ? nullptr : it->second;
    }

    void collect() {
        std::unordered_map<std::string, std::string> algo_key; // algoId → position key
        for (const auto& l : rec_.log) {
            if (l.kind == "algo_trigger") {
                on_trigger(l, algo_key);
                continue;
            }
            const std::string& id = l.kind == "place_algo" ? l.algo_cl_ord_id : l.cl_ord_id;
            const auto pid = parse_id(id);
            if (l.s_code != "0") {
                const std::string what = pid ? shm::to_string(pid->what) : "-";
                ++report_.rejects[fmt::format("{}/{} {}", l.kind, what, l.s_code)];
                continue;
            }
            if (l.kind == "place_order" && !pid) {
                ++report_.foreign_orders;
                continue;
            }
            if (!pid)
                continue;
            auto& f = positions_[pid->key];
            f.a.key = pid->key;
            if (l.kind == "place_order")
                on_place(f, l, pid->what);
            else if (l.kind == "place_algo") {
                algo_key[l.algo_id] = pid->key;
                f.algos.push_back(
                    {l.algo_id, l.algo_cl_ord_id, {l.recv_mono_ns, opt_.end_mono_ns}});
                ++f.a.ocos_placed;
            }
        }
        for (const auto& l : rec_.log) // a successful cancel ends an algo's life
            if (l.kind == "cancel_algo" && l.s_code == "0")
                end_algo(l.algo_id, l.recv_mono_ns, algo_key);
        for (auto& [key, f] : positions_)
            for (auto& al : f.algos) {
                const auto it = algos_.find(al.algo_id);
                if (it != algos_.end() && it->second->state == "live")
                    ++f.a.ocos_live_at_end;
            }
    }

    void on_place(position_facts& f, const log_row& l, shm::intent what) {
        const order_row* o = order(l.ord_id);
        if (!o || o->acc_fill_sz <= 0)
            return;
        if (what == shm::intent::entry) {
            ++f.a.entries_filled;
            f.entry_ids.push_back(l.cl_ord_id);
            if (f.a.entries_filled == 1) {
                f.a.entry_ns = l.recv_mono_ns;
                f.a.inst_id = o->inst_id;
                f.a.entry_side = o->side;
            }
            // A buy's fee is taken in the base asset: the position is what remains.
            const bool fee_in_base = o->fee_ccy == base_of(o->inst_id);
            f.a.entry_size += o->acc_fill_sz + (fee_in_base ? o->fee : 0.0);
        } else if (what == shm::intent::close) {
            f.close_fills.push_back({l.recv_mono_ns, false, l.cl_ord_id});
            add_close(f, l.recv_mono_ns, o->acc_fill_sz,
                      fmt::format("{} {}", l.cl_ord_id.substr(l.cl_ord_id.size() - 4), l.via));
        }
    }

    void on_trigger(const log_row& l,
                    const std::unordered_map<std::string, std::string>& algo_key) {
        end_algo(l.algo_id, l.recv_mono_ns, algo_key);
        const auto k = algo_key.find(l.algo_id);
        const order_row* child = order(l.ord_id);
        if (k == algo_key.end() || l.s_code != "0" || !child || child->acc_fill_sz <= 0)
            return;
        ++positions_[k->second].oco_fires;
        positions_[k->second].close_fills.push_back({l.recv_mono_ns, true, l.algo_cl_ord_id});
        add_close(positions_[k->second], l.recv_mono_ns, child->acc_fill_sz,
                  fmt::format("oco-{} {}", l.ord_type,
                              l.algo_cl_ord_id.substr(l.algo_cl_ord_id.size() - 4)));
    }

    void end_algo(const std::string& algo_id, std::int64_t at,
                  const std::unordered_map<std::string, std::string>& algo_key) {
        const auto k = algo_key.find(algo_id);
        if (k == algo_key.end())
            return;
        for (auto& al : positions_[k->second].algos)
            if (al.algo_id == algo_id)
                al.live.to_ns = std::min(al.live.to_ns, at);
    }

    static void add_close(position_facts& f, std::int64_t at, double size, std::string what) {
        ++f.a.closes_filled;
        f.a.closed_size += size;
        if (f.a.close_ns == 0 || at < f.a.close_ns)
            f.a.close_ns = at;
        f.a.closes.push_back(fmt::format("{} at {:+.0f} ms", what, ms(at - f.a.entry_ns)));
    }

    void judge(position_facts& f) {
        auto& a = f.a;
        if (a.entries_filled == 0) {
            judge_orphans(f, 0);
            return;
        }
        const std::string who = fmt::format("{} {} {}", a.key, a.inst_id, a.entry_side);
        if (a.entries_filled > 1) {
            ++report_.duplicate_entries;
            finding(fmt::format("duplicate entry: {} filled {} times", who, a.entries_filled),
                    "duplicate entry",
                    distinct(f.entry_ids) < f.entry_ids.size() ? "one entry clOrdId filled twice"
                                                               : "two entry attempts filled");
        }
        if (a.closes_filled > 1) {
            ++report_.double_closes;
            finding(fmt::format("double close: {} closed {} times: {}", who, a.closes_filled,
                                fmt::join(a.closes, ", ")),
                    "double close", double_close_mechanism(f));
        }
        if (a.closes_filled > 0) {
            ++report_.closed;
            if (std::abs(a.closed_size - a.entry_size) > opt_.size_tolerance * a.entry_size) {
                ++report_.size_mismatches;
                finding(fmt::format("close size: {} entry {:.8f} closed {:.8f}", who, a.entry_size,
                                    a.closed_size),
                        "close size", a.closed_size > a.entry_size ? "closed more" : "closed less");
            }
        } else if (a.ocos_live_at_end > 0) {
            ++report_.open_protected;
        } else if (opt_.end_mono_ns - a.entry_ns < opt_.young.count()) {
            ++report_.young_open;
        } else {
            a.lost = true;
            ++report_.lost;
            finding(fmt::format("lost: {} open {:.1f} s, no close fill, no live OCO ({} placed)",
                                who, ms(opt_.end_mono_ns - a.entry_ns) / 1000, a.ocos_placed),
                    "lost", a.ocos_placed ? "its OCO ended without a close fill" : "no OCO placed");
        }
        judge_two_ocos(f, who);
        judge_unprotected(f, who);
        judge_orphans(f, a.close_ns);
    }

    void judge_two_ocos(position_facts& f, const std::string& who) {
        for (std::size_t i = 0; i < f.algos.size(); ++i)
            for (std::size_t j = i + 1; j < f.algos.size(); ++j)
                f.a.two_oco_ns =
                    std::max(f.a.two_oco_ns, overlap(f.algos[i].live, f.algos[j].live));
        if (f.a.two_oco_ns > 0) {
            ++report_.multi_oco;
            report_.max_two_oco_ns = std::max(report_.max_two_oco_ns, f.a.two_oco_ns);
            std::vector<std::string> ids;
            for (const auto& al : f.algos)
                ids.push_back(fmt::format("{} [{:+.0f}, {:+.0f}] ms",
                                          al.algo_cl_ord_id.substr(al.algo_cl_ord_id.size() - 4),
                                          ms(al.live.from_ns - f.a.entry_ns),
                                          ms(al.live.to_ns - f.a.entry_ns)));
            finding(fmt::format("two live OCOs: {} for {:.0f} ms: {}", who, ms(f.a.two_oco_ns),
                                fmt::join(ids, ", ")),
                    "two live OCOs", two_oco_mechanism(f));
        }
    }

    // Unprotected = inside the position's life, guard_proc down, and no live OCO.
    void judge_unprotected(position_facts& f, const std::string& who) {
        const interval life{f.a.entry_ns, f.a.close_ns ? f.a.close_ns : opt_.end_mono_ns};
        std::vector<interval> ocos;
        for (const auto& al : f.algos)
            ocos.push_back(al.live);
        interval worst{};
        for (const auto& d : opt_.guard_down) {
            const interval w{std::max(life.from_ns, d.from_ns), std::min(life.to_ns, d.to_ns)};
            if (w.to_ns <= w.from_ns)
                continue;
            if (const auto bare = uncovered_ns(w, ocos); bare > f.a.unprotected_ns) {
                f.a.unprotected_ns = bare;
                worst = w;
            }
        }
        report_.max_unprotected_ns = std::max(report_.max_unprotected_ns, f.a.unprotected_ns);
        if (f.a.unprotected_ns >= opt_.unprotected_limit.count()) {
            ++report_.unprotected;
            std::int64_t first_oco = std::numeric_limits<std::int64_t>::max();
            for (const auto& o : ocos)
                first_oco = std::min(first_oco, o.from_ns);
            const char* where = ocos.empty()                ? "no OCO ever placed"
                                : worst.from_ns < first_oco ? "guard down before the OCO was live"
                                                            : "guard down after the OCO ended";
            finding(fmt::format("unprotected: {} for {:.0f} ms (no guard process, no live OCO; "
                                "first OCO {})",
                                who, ms(f.a.unprotected_ns),
                                ocos.empty() ? std::string("never")
                                             : fmt::format("{:+.0f} ms after entry",
                                                           ms(first_oco - f.a.entry_ns))),
                    "unprotected", where);
        }
    }

    // An OCO of ours live for `orphan_grace` while its position was closed (or with no position).
    // A placement processed late (after the close) cannot be cancelled before it exists: its time
    // counts from its placement, and it is counted as a late landing.
    void judge_orphans(position_facts& f, std::int64_t close_ns) {
        for (const auto& al : f.algos) {
            const std::int64_t since =
                f.a.entries_filled == 0 ? al.live.from_ns : std::max(close_ns, al.live.from_ns);
            if (close_ns == 0 && f.a.entries_filled != 0)
                continue; // position still open: the OCO protects it
            if (f.a.entries_filled != 0 && al.live.from_ns > close_ns) {
                ++report_.late_ocos;
                report_.max_late_oco_live_ns =
                    std::max(report_.max_late_oco_live_ns, al.live.to_ns - al.live.from_ns);
            }
            const std::int64_t after = al.live.to_ns - since;
            if (after <= opt_.orphan_grace.count())
                continue;
            f.a.orphan_ns = std::max(f.a.orphan_ns, after);
            report_.max_orphan_ns = std::max(report_.max_orphan_ns, after);
            ++report_.orphan_ocos;
            const bool still_live = al.live.to_ns == opt_.end_mono_ns;
            finding(fmt::format("orphan OCO: {} {} of {} live {:.1f} s after {}{}", al.algo_id,
                                al.algo_cl_ord_id, f.a.key, ms(after) / 1000,
                                f.a.entries_filled ? "its position closed" : "placement (no entry)",
                                still_live ? " (still live)" : ""),
                    "orphan OCO",
                    f.a.entries_filled == 0 ? "OCO without an entry fill"
                    : still_live            ? "never cancelled after the close"
                                            : "ended (cancelled or fired) > grace after the close");
        }
    }

    void finding(std::string s, const char* audit_name, const std::string& mechanism) {
        ++report_.mechanisms[fmt::format("{}: {}", audit_name, mechanism)];
        report_.findings.push_back(fmt::format("{} [{}]", s, mechanism));
    }

    static std::size_t distinct(std::vector<std::string> ids) {
        std::sort(ids.begin(), ids.end());
        return static_cast<std::size_t>(std::unique(ids.begin(), ids.end()) - ids.begin());
    }

    // What each fill after the first one was, in time order; distinct reasons joined by " + ".
    static std::string double_close_mechanism(const position_facts& f) {
        auto fills = f.close_fills;
        std::sort(fills.begin(), fills.end(),
                  [](const auto& x, const auto& y) { return x.at_ns < y.at_ns; });
        std::vector<std::string> reasons;
        bool oco_fired = false;
        for (std::size_t i = 0; i < fills.size(); ++i) {
            const auto& c = fills[i];
            std::string why;
            const bool id_seen = std::any_of(fills.begin(), fills.begin() + i, [&](const auto& e) {
                return !e.by_oco && !c.by_oco && e.id == c.id;
            });
            if (i == 0)
                why.clear();
            else if (c.by_oco)
                why = oco_fired ? "a second OCO fired" : "the OCO fired after a close order filled";
            else if (id_seen)
                why = "one close clOrdId filled twice";
            else if (oco_fired)
                why = "a close order sent after the OCO had fired";
            else
                why = "a newer close attempt after a filled one";
            oco_fired = oco_fired || c.by_oco;
            if (!why.empty() && std::find(reasons.begin(), reasons.end(), why) == reasons.end())
                reasons.push_back(why);
        }
        return fmt::format("{}", fmt::join(reasons, " + "));
    }

    // Attempt numbers are the ids' last three characters: an older attempt going live after a
    // newer one was placed late (in flight across a retry or a restart).
    static std::string two_oco_mechanism(const position_facts& f) {
        auto algos = f.algos;
        std::sort(algos.begin(), algos.end(), [](const algo_life& x, const algo_life& y) {
            return x.live.from_ns < y.live.from_ns;
        });
        for (std::size_t i = 1; i < algos.size(); ++i)
            if (algos[i].algo_cl_ord_id < algos[i - 1].algo_cl_ord_id)
                return "an older OCO attempt landed after a newer one";
        if (distinct([&] {
                std::vector<std::string> ids;
                for (const auto& al : algos)
                    ids.push_back(al.algo_cl_ord_id);
                return ids;
            }()) < algos.size())
            return "one algoClOrdId placed twice";
        return "a newer OCO attempt placed while the older was live";
    }

    const sim_records& rec_;
    const audit_options& opt_;
    std::unordered_map<std::string, const order_row*> orders_;
    std::unordered_map<std::string, const algo_row*> algos_;
    std::map<std::string, position_facts> positions_;
    audit_report report_;
};

} // namespace

std::int64_t uncovered_ns(interval window, std::vector<interval> cover) {
    std::sort(cover.begin(), cover.end(),
              [](const interval& a, const interval& b) { return a.from_ns < b.from_ns; });
    std::int64_t uncovered = 0, at = window.from_ns;
    for (const auto& c : cover) {
        if (c.to_ns <= at)
            continue;
        if (c.from_ns >= window.to_ns)
            break;
        if (c.from_ns > at)
            uncovered += c.from_ns - at;
        at = std::max(at, c.to_ns);
        if (at >= window.to_ns)
            return uncovered;
    }
    return uncovered + std::max<std::int64_t>(0, window.to_ns - at);
}

audit_report audit(const sim_records& records, const audit_options& options) {
    return auditor(records, options).run();
}

} // namespace scalpel::chaos
