// The segment's lock-free data blocks: the ARM parameter latch (published under the mutex, read by
// the guard every tick), the live-price table (single writer per entry, seqlock), per-role
// counters and the guard's latency histogram (single writer, relaxed) and the names of every enum.
// Readers here never write, so they run on a read-only mapping; writers here never block the
// guard's tick path.
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"

#include <bit>

namespace scalpel::shm {

namespace {
constexpr int read_tries = 64;

symbol_string load_symbol(const price_entry& e) noexcept {
    std::array<std::uint64_t, 2> w{e.symbol[0].load(std::memory_order_relaxed),
                                   e.symbol[1].load(std::memory_order_relaxed)};
    return std::bit_cast<symbol_string>(w);
}
} // namespace

publish_result segment::publish_params(const arm_params& p) noexcept {
    publish_result r;
    if (read_only_)
        return r;
    auto guard = lock();
    r.lock = guard.status();
    if (!guard.locked())
        return r;
    arm_params v = p;
    auto& b = l_->params;
    v.publish_seq = b.seq.load(std::memory_order_relaxed) + 1;
    v.publish_time_ms = wall_now_ms();
    r.seq = latch_write(b.seq, b.copy0, b.copy1, v);
    return r;
}

params_read segment::read_params() const noexcept {
    params_read r;
    const auto& b = l_->params;
    r.ok = latch_read(b.seq, b.copy0, b.copy1, r.params, read_tries, &r.seq);
    return r;
}

index_result segment::find_symbol(std::string_view symbol) const noexcept {
    const auto& t = l_->prices;
    const auto n = std::min<std::uint32_t>(t.count.load(std::memory_order_acquire), price_capacity);
    for (std::uint32_t i = 0; i < n; ++i)
        if (load_symbol(t.entries[i]).view() == symbol)
            return {true, i};
    return {};
}

index_result segment::register_symbol(std::string_view symbol) noexcept {
    if (auto f = find_symbol(symbol); f.ok)
        return f;
    symbol_string s;
    if (read_only_ || symbol.empty() || !s.assign(symbol))
        return {};
    auto guard = lock();
    if (!guard.locked())
        return {};
    if (auto f = find_symbol(symbol); f.ok)
        return f; // registered while we waited
    auto& t = l_->prices;
    const auto n = t.count.load(std::memory_order_relaxed);
    if (n >= price_capacity)
        return {};
    const auto w = std::bit_cast<std::array<std::uint64_t, 2>>(s);
    t.entries[n].symbol[0].store(w[0], std::memory_order_relaxed);
    t.entries[n].symbol[1].store(w[1], std::memory_order_relaxed);
    t.count.store(n + 1, std::memory_order_release); // publishes the symbol words
    return {true, n};
}

void segment::publish_price(std::uint32_t index, const quote& q) noexcept {
    if (read_only_ || index >= price_capacity)
        return;
    auto& e = l_->prices.entries[index];
    quote v = q;
    v.update_seq = e.seq.load(std::memory_order_relaxed) / 2 + 1;
    seqlock_write(e.seq, e.words, v);
}

price_read segment::read_price(std::uint32_t index, mono_ns now) const noexcept {
    price_read r;
    if (index >=
        std::min<std::uint32_t>(l_->prices.count.load(std::memory_order_acquire), price_capacity))
        return r;
    const auto& e = l_->prices.entries[index];
    r.symbol = load_symbol(e);
    if (e.seq.load(std::memory_order_acquire) == 0) {
        r.status = price_status::empty;
        return r;
    }
    if (!seqlock_read(e.seq, e.words, r.q, read_tries)) {
        r.status = price_status::busy; // writer active or died mid-write: treat as stale
        return r;
    }
    r.status = price_status::ok;
    r.age_ns = now - r.q.receive_ns;
    return r;
}

std::uint32_t segment::price_count() const noexcept {
    return std::min<std::uint32_t>(l_->prices.count.load(std::memory_order_acquire),
                                   price_capacity);
}

void segment::add(role r, counter c, std::uint64_t n) noexcept {
    const auto ri = static_cast<std::size_t>(r);
    const auto ci = static_cast<std::size_t>(c);
    if (read_only_ || ri >= role_count || ci >= counter_count)
        return;
    auto& v = l_->counters[ri].values[ci];
    // Single writer per role: a plain load+store, no locked RMW on the tick path.
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

counter_values segment::counters(role r) const noexcept {
    counter_values out{};
    const auto ri = static_cast<std::size_t>(r);
    if (ri >= role_count)
        return out;
    for (std::size_t i = 0; i < counter_count; ++i)
        out[i] = l_->counters[ri].values[i].load(std::memory_order_relaxed);
    return out;
}

void segment::record_latency(mono_ns ns) noexcept {
    if (read_only_ || self_.who != role::guard)
        return; // single writer: the guard
    const auto v = static_cast<std::uint64_t>(ns > 0 ? ns : 0);
    auto& b = l_->latency;
    // Single writer: plain load+store per word, no locked RMW on the tick path.
    const auto bump = [](std::atomic<std::uint64_t>& w, std::uint64_t n) {
        w.store(w.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    };
    bump(b.buckets[latency_index_of(v)], 1);
    bump(b.count, 1);
    bump(b.sum_ns, v);
    if (v > b.max_ns.load(std::memory_order_relaxed))
        b.max_ns.store(v, std::memory_order_relaxed);
}

latency_buckets segment::read_latency_buckets() const noexcept {
    const auto& b = l_->latency;
    latency_buckets r;
    for (std::size_t i = 0; i < latency_bucket_count; ++i)
        r.counts[i] = b.buckets[i].load(std::memory_order_relaxed);
    r.sum_ns = b.sum_ns.load(std::memory_order_relaxed);
    return r;
}

latency_summary segment::read_latency() const noexcept {
    const auto& b = l_->latency;
    std::array<std::uint64_t, latency_bucket_count> copy;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < latency_bucket_count; ++i) {
        copy[i] = b.buckets[i].load(std::memory_order_relaxed);
        total += copy[i];
    }
    latency_summary r;
    r.count = b.count.load(std::memory_order_relaxed);
    r.max_ns = b.max_ns.load(std::memory_order_relaxed);
    const std::uint64_t sum = b.sum_ns.load(std::memory_order_relaxed);
    if (r.count == 0 || total == 0)
        return latency_summary{};
    r.mean_ns = sum / r.count;
    // Percentiles over the copied buckets' own total, so the copy is self-consistent even when a
    // concurrent record made `count` differ by one.
    r.p50_ns = latency_percentile_of(copy, total, r.max_ns, 0.50);
    r.p99_ns = latency_percentile_of(copy, total, r.max_ns, 0.99);
    r.p999_ns = latency_percentile_of(copy, total, r.max_ns, 0.999);
    return r;
}

void segment::reset_latency() noexcept {
    if (read_only_ || self_.who != role::guard)
        return;
    auto& b = l_->latency;
    for (auto& w : b.buckets)
        w.store(0, std::memory_order_relaxed);
    b.count.store(0, std::memory_order_relaxed);
    b.sum_ns.store(0, std::memory_order_relaxed);
    b.max_ns.store(0, std::memory_order_relaxed);
}

arm_params default_params(regime r) noexcept {
    arm_params p; // member defaults are RANGING
    p.current = r;
    if (r == regime::trending) {
        p.min_score = 5;
        p.max_trades_per_hour = 20;
        p.size_multiplier = 1.2;
        p.tp_atr_mult = 1.2;
        p.sl_atr_mult = 0.9;
        p.max_hold_s = 3600;
        p.ph_threshold_usd = 0.35;
        p.ph_time_limit_s = 300;
        p.rsi_overbought = 70;
        p.rsi_oversold = 30;
        p.volume_ratio_threshold = 1.10;
        p.mtf_timeframe_min = 30;
        p.mtf_bonus = 1;
        p.mtf_block_opposite = 0;
        p.corr_threshold = 0.8;
        p.corr_max = 3;
        p.corr_same_direction_only = 0;
        p.adx_min = 22;
        p.di_difference = 4.0;
        p.pivot_bonus = 1.5;
        p.volume_profile_multiplier = 1.0;
    } else if (r == regime::choppy) {
        p.min_score = 7;
        p.max_trades_per_hour = 4;
        p.size_multiplier = 0.8;
        p.tp_atr_mult = 0.7;
        p.sl_atr_mult = 0.5;
        p.max_hold_s = 1800;
        p.ph_threshold_usd = 0.35;
        p.ph_time_limit_s = 150;
        p.rsi_overbought = 65;
        p.rsi_oversold = 35;
        p.volume_ratio_threshold = 1.25;
        p.mtf_timeframe_min = 15;
        p.mtf_bonus = 2;
        p.mtf_block_opposite = 1;
        p.corr_threshold = 0.6;
        p.corr_max = 1;
        p.corr_same_direction_only = 1;
        p.adx_min = 10;
        p.di_difference = 1.0;
        p.pivot_bonus = 2.0;
        p.volume_profile_multiplier = 2.0;
    }
    return p;
}

const char* to_string(intent i) noexcept {
    switch (i) {
    case intent::entry:
        return "entry";
    case intent::oco:
        return "oco";
    case intent::close:
        return "close";
    }
    return "?";
}

const char* to_string(role r) noexcept {
    switch (r) {
    case role::none:
        return "none";
    case role::signal:
        return "signal";
    case role::guard:
        return "guard";
    case role::aux:
        return "aux";
    }
    return "?";
}

const char* to_string(close_reason r) noexcept {
    switch (r) {
    case close_reason::none:
        return "none";
    case close_reason::ph:
        return "ph";
    case close_reason::tp:
        return "tp";
    case close_reason::sl:
        return "sl";
    case close_reason::time_limit:
        return "time_limit";
    case close_reason::manual:
        return "manual";
    case close_reason::reconcile:
        return "reconcile";
    case close_reason::external:
        return "external";
    }
    return "?";
}

const char* to_string(feed_state s) noexcept {
    switch (s) {
    case feed_state::unknown:
        return "unknown";
    case feed_state::live:
        return "live";
    case feed_state::polling:
        return "polling";
    case feed_state::down:
        return "down";
    case feed_state::not_subscribed:
        return "not_subscribed";
    }
    return "?";
}

const char* to_string(slot_state s) noexcept {
    switch (s) {
    case slot_state::free:
        return "free";
    case slot_state::opening:
        return "opening";
    case slot_state::open:
        return "open";
    case slot_state::closing:
        return "closing";
    case slot_state::closed:
        return "closed";
    }
    return "?";
}

const char* to_string(counter c) noexcept {
    static constexpr const char* names[counter_count] = {
        "ticks",         "price_updates",    "ph_closes",
        "tp_closes",     "sl_closes",        "time_limit_closes",
        "manual_closes", "reconcile_closes", "orders_sent",
        "errors",        "reconnects",       "lock_repairs",
        "claims_won",    "claims_lost",      "claims_stolen",
        "lock_timeouts"};
    const auto i = static_cast<std::size_t>(c);
    return i < counter_count ? names[i] : "?";
}

} // namespace scalpel::shm
