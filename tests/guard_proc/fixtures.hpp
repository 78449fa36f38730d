// Test fixtures for guard_proc: a real segment with a unique name (removed at the end), positions
// opened the way signal_proc opens them (reserve_slot + publish_open), ticker frames in the exact
// OKX push format, and a recording order_sink. Test helper only.
#pragma once

#include "guard_proc/guard.hpp"
#include "shm_layout/segment.hpp"
#include "tests/support/net_util.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalpel::test {

struct temp_segment {
    temp_dir dir;
    std::string name = unique_name("scalpel.gtest");
    std::unique_ptr<shm::segment> seg;

    explicit temp_segment(shm::role who = shm::role::guard) { seg = open(who); }
    ~temp_segment() { shm::segment::remove(name); }
    [[nodiscard]] std::unique_ptr<shm::segment> open(shm::role who) const {
        shm::open_options o;
        o.rundir = dir.path();
        o.account_tag = "gt";
        auto r = shm::segment::create_or_attach(name, who, o);
        if (!r.ok())
            throw std::runtime_error("segment: " + r.message);
        return std::move(r.seg);
    }
};

inline shm::position make_position(std::string_view symbol, scalpel::side s, double size,
                                   double entry, double entry_fee_usd, epoch_ms entry_ms,
                                   scalpel::regime regime = scalpel::regime::ranging) {
    shm::position p;
    p.symbol = symbol;
    p.pos_side = s;
    p.size = size;
    p.entry_price = entry;
    p.entry_fee_usd = entry_fee_usd;
    p.entry_time_ms = entry_ms;
    p.regime_at_entry = regime;
    const auto d = shm::default_params(regime);
    p.ph_enabled = 1;
    p.ph_threshold_usd = d.ph_threshold_usd;
    p.ph_time_limit_s = static_cast<std::uint32_t>(d.ph_time_limit_s);
    p.max_hold_s = static_cast<std::uint32_t>(d.max_hold_s);
    return p;
}

// reserve_slot + publish_open, as signal_proc does once the entry filled.
inline shm::slot_ref open_position(shm::segment& seg, const shm::position& p,
                                   bool one_per_symbol = true) {
    const auto r = seg.reserve_slot(p, one_per_symbol);
    if (r.status != shm::slot_result::ok)
        throw std::runtime_error(std::string("reserve: ") + shm::to_string(r.status));
    if (seg.publish_open(r.ref, p) != shm::slot_result::ok)
        throw std::runtime_error("publish_open");
    return r.ref;
}

inline std::string ticker_frame(std::string_view inst, double last,
                                std::int64_t ts_ms = 1700000000000) {
    char buf[512];
    const int n = std::snprintf(
        buf, sizeof buf,
        "{\"arg\":{\"channel\":\"tickers\",\"instId\":\"%.*s\"},\"data\":[{\"instType\":"
        "\"SPOT\",\"instId\":\"%.*s\",\"last\":\"%.2f\",\"lastSz\":\"0.01\",\"askPx\":\"%.2f\","
        "\"askSz\":\"1\",\"bidPx\":\"%.2f\",\"bidSz\":\"1\",\"ts\":\"%lld\"}]}",
        static_cast<int>(inst.size()), inst.data(), static_cast<int>(inst.size()), inst.data(),
        last, last + 0.1, last - 0.1, static_cast<long long>(ts_ms));
    return std::string(buf, static_cast<std::size_t>(n));
}

// Records frames into preallocated storage (no allocation after construction).
struct recording_sink final : guard::order_sink {
    struct sent_close {
        guard::close_request req;
        bool sent = false;
    };
    explicit recording_sink(std::size_t cap = 16) {
        closes.reserve(cap);
        frames.reserve(cap);
        commands.reserve(cap);
    }
    bool accept = true;
    std::vector<std::string> frames;
    std::vector<sent_close> closes;
    std::vector<std::pair<shm::slot_ref, guard::command>> commands; // everything but WS closes
    bool send_order_frame(std::string_view f) noexcept override {
        if (!accept)
            return false;
        if (frames.size() < frames.capacity())
            frames.emplace_back(f);
        return true;
    }
    void close_started(const guard::close_request& r, bool sent) noexcept override {
        if (closes.size() < closes.capacity())
            closes.push_back({r, sent});
    }
    void execute(shm::slot_ref ref, const guard::command& c) noexcept override {
        if (commands.size() < commands.capacity())
            commands.emplace_back(ref, c);
    }
    [[nodiscard]] std::size_t count(guard::cmd k) const {
        std::size_t n = 0;
        for (const auto& [ref, c] : commands)
            n += c.kind == k;
        return n;
    }
};

} // namespace scalpel::test
