// events: segment polling → operator events. See events.hpp.
#include "notifier/events.hpp"

#include <fmt/format.h>

namespace scalpel::notify {
namespace {

std::uint64_t total_errors(const shm::segment& seg) {
    std::uint64_t n = 0;
    for (const auto r : {shm::role::signal, shm::role::guard})
        n += seg.counters(r)[static_cast<std::size_t>(shm::counter::errors)];
    return n;
}

mono_ns ns_of(std::chrono::milliseconds d) {
    return static_cast<mono_ns>(d.count()) * 1'000'000;
}

} // namespace

std::vector<event> event_detector::poll(const shm::segment& seg, mono_ns now) {
    std::vector<event> out;
    slots(seg, out);
    journal(seg, out);
    health(seg, now, out);
    if (!primed_) {
        primed_ = true;
        out.clear(); // the state at start is not news
    }
    return out;
}

void event_detector::slots(const shm::segment& seg, std::vector<event>& out) {
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (!s.ok || s.snap.state != shm::slot_state::open || seen_gen_[i] == s.snap.generation)
            continue;
        seen_gen_[i] = s.snap.generation;
        const auto& p = s.snap.pos;
        out.push_back({"entry", fmt::format("entry {} {} {} @ {} (slot {})", p.symbol.view(),
                                            shm::to_string(p.pos_side), p.size, p.entry_price, i)});
    }
}

void event_detector::journal(const shm::segment& seg, std::vector<event>& out) {
    const auto head = seg.journal_head();
    for (std::uint64_t n = journal_head_; n < head; ++n) {
        shm::journal_record rec;
        if (!seg.read_journal(n, rec))
            continue;
        const auto& p = rec.pos;
        out.push_back({"close", fmt::format("close {} {} {} @ {} -> {} ({}): net {:+.4f} USD",
                                            p.symbol.view(), shm::to_string(p.pos_side), p.size,
                                            p.entry_price, p.exit_price, shm::to_string(p.reason),
                                            p.net_pnl_usd)});
    }
    journal_head_ = head;
}

void event_detector::health(const shm::segment& seg, mono_ns now, std::vector<event>& out) {
    const bool halted = seg.halt().halted;
    if (halted != halted_)
        out.push_back({halted ? "halt" : "resume",
                       halted ? "entries HALTED by the operator" : "entries resumed"});
    halted_ = halted;

    const bool guard_ok =
        seg.liveness(shm::role::guard, now).verdict == shm::liveness_verdict::alive;
    if (guard_ok) {
        if (guard_down_)
            out.push_back({"guard_up", "guard_proc is back"});
        guard_down_ = false;
        guard_bad_since_ = 0;
    } else {
        if (guard_bad_since_ == 0)
            guard_bad_since_ = now;
        if (!guard_down_ && now - guard_bad_since_ >= ns_of(s_.guard_down_after)) {
            guard_down_ = true;
            out.push_back({"guard_down",
                           fmt::format("guard_proc DOWN for {} s: open positions rely on their OCO",
                                       (now - guard_bad_since_) / 1'000'000'000)});
        }
    }

    for (std::uint32_t i = 0; i < seg.price_count(); ++i) {
        const auto p = seg.read_price(i, now);
        if (p.status != shm::price_status::ok)
            continue;
        const std::string sym(p.symbol.view());
        if (p.age_ns >= ns_of(s_.feed_stale_after)) {
            if (!stale_reported_[sym]) {
                stale_reported_[sym] = true;
                out.push_back({"feed_stale", fmt::format("feed {} STALE: last price {} s old", sym,
                                                         p.age_ns / 1'000'000'000)});
            }
        } else if (stale_reported_[sym]) {
            stale_reported_[sym] = false;
            out.push_back({"feed_ok", fmt::format("feed {} live again", sym)});
        }
    }

    const auto errors = total_errors(seg);
    if (window_start_ == 0 || now - window_start_ >= ns_of(s_.error_window)) {
        window_start_ = now;
        errors_at_window_ = errors;
    } else if (errors - errors_at_window_ >= s_.error_burst) {
        out.push_back({"errors", fmt::format("{} errors in the last {} s (see the logs)",
                                             errors - errors_at_window_,
                                             (now - window_start_) / 1'000'000'000)});
        window_start_ = now;
        errors_at_window_ = errors;
    }
}

} // namespace scalpel::notify
