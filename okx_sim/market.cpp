// market: replay / random-walk feed, the tick path model and the candle store. See market.hpp.
//
// Path model (one 1m bar → ticks_per_bar ticks, evenly spaced in market time): open → the extreme
// nearer to the open → the other extreme → close, the intervals shared among the three legs in
// proportion to their length (at least one per non-empty leg) so every extreme is hit exactly and
// the 1m candle rebuilt from the ticks equals the source bar.
#include "okx_sim/market.hpp"

#include "common/market_data.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace scalpel::sim {
namespace {

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t hour_ms = 60 * minute_ms;
constexpr std::int64_t day_ms = 24 * hour_ms;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

bar flat_bar(std::int64_t ts, amount px) noexcept {
    bar b;
    b.ts = ts;
    b.o = b.h = b.l = b.c = px;
    return b;
}

} // namespace

std::optional<bar_spec> parse_bar(std::string_view name) {
    struct row {
        std::string_view name;
        std::int64_t ms;
        bool utc8;
        bool weekly;
    };
    static constexpr row table[] = {
        {"1m", minute_ms, false, false},       {"3m", 3 * minute_ms, false, false},
        {"5m", 5 * minute_ms, false, false},   {"15m", 15 * minute_ms, false, false},
        {"30m", 30 * minute_ms, false, false}, {"1H", hour_ms, false, false},
        {"2H", 2 * hour_ms, false, false},     {"4H", 4 * hour_ms, false, false},
        {"6H", 6 * hour_ms, true, false},      {"12H", 12 * hour_ms, true, false},
        {"1D", day_ms, true, false},           {"2D", 2 * day_ms, true, false},
        {"3D", 3 * day_ms, true, false},       {"1W", 7 * day_ms, true, true},
        {"6Hutc", 6 * hour_ms, false, false},  {"12Hutc", 12 * hour_ms, false, false},
        {"1Dutc", day_ms, false, false},       {"2Dutc", 2 * day_ms, false, false},
        {"3Dutc", 3 * day_ms, false, false},   {"1Wutc", 7 * day_ms, false, true},
    };
    for (const auto& r : table)
        if (r.name == name)
            return bar_spec{std::string(r.name), r.ms, r.utc8 ? 8 * hour_ms : 0, r.weekly};
    return std::nullopt;
}

std::int64_t bucket_start(std::int64_t ts, const bar_spec& b) noexcept {
    // The epoch fell on a Thursday; weeks start on Monday (4 days later).
    const std::int64_t shift = b.weekly ? 4 * day_ms : 0;
    return floor_div(ts + b.tz_ms - shift, b.ms) * b.ms + shift - b.tz_ms;
}

market::market(std::vector<instrument> instruments, market_config cfg) : cfg_(std::move(cfg)) {
    if (cfg_.ticks_per_bar < 4)
        cfg_.ticks_per_bar = 4;
    if (cfg_.history_bars < 1)
        cfg_.history_bars = 1;
    syms_.resize(instruments.size());
    std::int64_t anchor = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 0; i < instruments.size(); ++i) {
        auto& s = syms_[i];
        s.inst = std::move(instruments[i]);
        s.rng.seed(cfg_.seed * 1'000'003 + i);
        s.walk = true;
        if (cfg_.random_walk)
            continue;
        std::filesystem::path file;
        try {
            file = find_candle_file(cfg_.source, s.inst.inst_id, "1m");
        } catch (const market_data_error&) {
            continue; // no 1m data for this pair in the source: random walk
        }
        const auto raw = load_candles(file);
        if (raw.size() <= static_cast<std::size_t>(cfg_.history_bars))
            throw market_data_error(file.string() + ": " + std::to_string(raw.size()) +
                                    " bars, need more than " + std::to_string(cfg_.history_bars) +
                                    " (--history-bars)");
        s.walk = false;
        s.feed.reserve(raw.size());
        for (const auto& c : raw) {
            bar b;
            b.ts = c.open_time_ms;
            b.o = amount::from_double(c.open, s.inst.tick_sz);
            b.h = amount::from_double(c.high, s.inst.tick_sz);
            b.l = amount::from_double(c.low, s.inst.tick_sz);
            b.c = amount::from_double(c.close, s.inst.tick_sz);
            b.vol = c.volume;
            b.vol_ccy = c.volume * c.close;
            s.feed.push_back(b);
        }
        anchor = std::min(anchor, floor_div(raw.front().open_time_ms, minute_ms) * minute_ms);
    }
    const bool any_replay = anchor != std::numeric_limits<std::int64_t>::max();
    history_bars_ = cfg_.history_bars;
    if (any_replay) {
        start_ms_ = anchor + cfg_.history_bars * minute_ms;
        if (cfg_.align_start_ms > 0) {
            // Whole weeks keep every bar anchor (UTC, UTC+8, Monday) on the data's own bars; the
            // remaining < 1 week up to the target minute is played as extra history.
            constexpr std::int64_t week_ms = 7 * day_ms;
            const std::int64_t target = floor_div(cfg_.align_start_ms, minute_ms) * minute_ms;
            shift_ms_ = floor_div(target - start_ms_, week_ms) * week_ms;
            anchor += shift_ms_;
            history_bars_ += (target - (start_ms_ + shift_ms_)) / minute_ms;
            start_ms_ = target;
            for (const auto& s : syms_)
                if (!s.walk && s.feed.size() <= static_cast<std::size_t>(history_bars_))
                    throw market_data_error(s.inst.inst_id + ": " + std::to_string(s.feed.size()) +
                                            " bars, real-time alignment needs more than " +
                                            std::to_string(history_bars_) +
                                            " (lower --history-bars or pass --no-shift)");
        }
    } else {
        start_ms_ = floor_div(cfg_.walk_end_ms, minute_ms) * minute_ms;
    }
    const std::int64_t history_start = start_ms_ - history_bars_ * minute_ms;
    for (auto& s : syms_) {
        s.bars.reserve(static_cast<std::size_t>(history_bars_) + 86'400);
        if (!s.walk) {
            // Gaps in the source are closed up: bars are restamped one minute apart, so every
            // bar size aggregates without holes (a gap shows as a jump between two bars).
            for (std::size_t k = 0; k < s.feed.size(); ++k)
                s.feed[k].ts = anchor + static_cast<std::int64_t>(k) * minute_ms;
            s.bars.assign(s.feed.begin(), s.feed.begin() + history_bars_);
            s.cursor = static_cast<std::size_t>(history_bars_);
        } else {
            amount px = amount::from_double(s.inst.walk_start_px, s.inst.tick_sz);
            for (std::int64_t k = 0; k < history_bars_; ++k) {
                s.bars.push_back(walk_bar(s, px, history_start + k * minute_ms));
                px = s.bars.back().c;
            }
        }
        s.last = s.bars.back().c;
        s.last_sz = s.inst.lot_sz;
        s.last_ts = start_ms_ - 1;
    }
    now_ = start_ms_ - 1;
}

std::optional<std::size_t> market::find(std::string_view inst_id) const noexcept {
    for (std::size_t i = 0; i < syms_.size(); ++i)
        if (syms_[i].inst.inst_id == inst_id)
            return i;
    return std::nullopt;
}

std::string market::describe(std::size_t sym) const {
    const auto& s = syms_[sym];
    if (s.walk)
        return s.inst.inst_id + ": random walk (seed " + std::to_string(cfg_.seed) + ")";
    return s.inst.inst_id + ": replay " + cfg_.source + " 1m, " + std::to_string(s.feed.size()) +
           " bars, " + std::to_string(s.feed.size() - s.cursor) + " to play, then random walk";
}

bar market::walk_bar(symbol& s, amount prev_close, std::int64_t ts) {
    std::normal_distribution<double> n01(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.5, 1.5);
    const int n = cfg_.ticks_per_bar;
    const double sigma = cfg_.walk_vol_per_bar / std::sqrt(static_cast<double>(n));
    double p = std::max(prev_close.to_double(), s.inst.tick_sz.to_double());
    double hi = p, lo = p;
    for (int i = 0; i < n; ++i) {
        p *= std::exp(sigma * n01(s.rng));
        hi = std::max(hi, p);
        lo = std::min(lo, p);
    }
    bar b;
    b.ts = ts;
    b.o = prev_close;
    b.c = std::max(amount::from_double(p, s.inst.tick_sz), s.inst.tick_sz);
    b.h = std::max({amount::from_double(hi, s.inst.tick_sz), b.o, b.c});
    b.l = std::max(std::min({amount::from_double(lo, s.inst.tick_sz), b.o, b.c}), s.inst.tick_sz);
    b.vol = 50'000.0 / std::max(p, 1e-9) * u(s.rng);
    b.vol_ccy = b.vol * p;
    return b;
}

bar market::next_feed_bar(symbol& s) {
    const std::int64_t ts = s.playing_bar_ts == 0 ? start_ms_ : s.playing_bar_ts + minute_ms;
    s.playing_bar_ts = ts;
    if (!s.walk && s.cursor < s.feed.size()) {
        bar b = s.feed[s.cursor++];
        b.ts = ts;
        return b;
    }
    return walk_bar(s, s.last, ts);
}

void market::expand(std::size_t idx, const bar& b) {
    auto& s = syms_[idx];
    const int n = cfg_.ticks_per_bar;
    const int intervals = n - 1;
    const bool low_first = (b.o - b.l) <= (b.h - b.o);
    const amount e1 = low_first ? b.l : b.h, e2 = low_first ? b.h : b.l;
    const amount ends[3] = {e1, e2, b.c};
    const amount starts[3] = {b.o, e1, e2};
    double len[3];
    int count[3];
    double total = 0;
    int used = 0;
    for (int i = 0; i < 3; ++i) {
        len[i] = std::fabs((ends[i] - starts[i]).to_double());
        total += len[i];
        count[i] = len[i] > 0 ? 1 : 0;
        used += count[i];
    }
    if (used > 0) {
        const int rest = intervals - used;
        int given = 0;
        for (int i = 0; i < 3; ++i) {
            const int extra = static_cast<int>(std::floor(rest * len[i] / total));
            count[i] += extra;
            given += extra;
        }
        const int longest = static_cast<int>(std::max_element(len, len + 3) - len);
        count[longest] += rest - given;
    }
    std::vector<amount> path;
    path.reserve(static_cast<std::size_t>(n));
    path.push_back(b.o);
    for (int i = 0; i < 3; ++i)
        for (int j = 1; j <= count[i]; ++j) {
            const amount step =
                div(mul(ends[i] - starts[i], amount::from_int(j)), amount::from_int(count[i]));
            path.push_back((starts[i] + step).round_to(s.inst.tick_sz));
        }
    while (static_cast<int>(path.size()) < n)
        path.push_back(path.back());

    const amount vol = amount::from_double(b.vol / n, s.inst.lot_sz);
    const amount sz = vol.positive() ? vol : s.inst.lot_sz;
    s.pending.clear();
    s.pending_pos = 0;
    const std::int64_t spacing = minute_ms / n;
    for (int j = 0; j < n; ++j) {
        tick t;
        t.sym = idx;
        t.ts = b.ts + j * spacing;
        t.px = path[static_cast<std::size_t>(j)];
        t.sz = sz;
        t.buy = j == 0 ? b.c >= b.o
                       : path[static_cast<std::size_t>(j)] >= path[static_cast<std::size_t>(j - 1)];
        s.pending.push_back(t);
    }
}

void market::roll_to(symbol& s, std::int64_t now) {
    const std::int64_t m = floor_div(now, minute_ms) * minute_ms;
    if (!s.has_live) {
        if (m < start_ms_)
            return;
        s.live = flat_bar(start_ms_, s.last);
        s.has_live = true;
        s.live_touched = false;
    }
    while (s.live.ts < m) {
        s.bars.push_back(s.live);
        s.live = flat_bar(s.live.ts + minute_ms, s.live.c);
        s.live_touched = false;
    }
}

void market::apply_tick(symbol& s, const tick& t) {
    roll_to(s, t.ts);
    if (!s.live_touched) {
        s.live.o = s.live.h = s.live.l = s.live.c = t.px;
        s.live_touched = true;
    } else {
        s.live.h = std::max(s.live.h, t.px);
        s.live.l = std::min(s.live.l, t.px);
        s.live.c = t.px;
    }
    s.live.vol += t.sz.to_double();
    s.live.vol_ccy += t.sz.to_double() * t.px.to_double();
    s.last = t.px;
    s.last_sz = t.sz;
    s.last_ts = t.ts;
}

void market::advance(std::int64_t now, std::vector<tick>& out) {
    if (now < now_)
        return;
    now_ = now;
    const std::size_t first = out.size();
    for (std::size_t i = 0; i < syms_.size(); ++i) {
        auto& s = syms_[i];
        for (;;) {
            if (s.pending_pos == s.pending.size()) {
                const std::int64_t next_ts =
                    s.playing_bar_ts == 0 ? start_ms_ : s.playing_bar_ts + minute_ms;
                if (next_ts > now)
                    break;
                expand(i, next_feed_bar(s));
            }
            const tick t = s.pending[s.pending_pos];
            if (t.ts > now)
                break;
            ++s.pending_pos;
            if (s.paused)
                continue;
            apply_tick(s, t);
            out.push_back(t);
        }
        roll_to(s, now);
    }
    std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                     [](const tick& a, const tick& b) { return a.ts < b.ts; });
}

void market::set_price(std::size_t sym, amount px, std::int64_t now, std::vector<tick>& out) {
    auto& s = syms_[sym];
    s.paused = true;
    tick t;
    t.sym = sym;
    t.ts = std::max(now, s.last_ts);
    t.px = std::max(px.round_to(s.inst.tick_sz), s.inst.tick_sz);
    t.sz = s.inst.lot_sz;
    t.buy = t.px >= s.last;
    apply_tick(s, t);
    out.push_back(t);
}

void market::resume(std::size_t sym) noexcept {
    syms_[sym].paused = false;
}

std::vector<candle_row> market::candles(std::size_t sym, const bar_spec& spec,
                                        std::optional<std::int64_t> after,
                                        std::optional<std::int64_t> before, std::size_t limit,
                                        bool recent_only) const {
    std::vector<candle_row> rows;
    const auto& s = syms_[sym];
    const std::size_t n = s.bars.size() + (s.has_live ? 1 : 0);
    if (limit == 0 || n == 0 || spec.ms <= 0)
        return rows;
    auto get = [&](std::size_t i) -> const bar& { return i < s.bars.size() ? s.bars[i] : s.live; };
    const std::int64_t newest_bucket = bucket_start(get(n - 1).ts, spec);
    const std::int64_t min_bucket =
        recent_only ? newest_bucket - 1439 * spec.ms : std::numeric_limits<std::int64_t>::min();
    std::size_t end = n;
    if (after) {
        const std::int64_t b = bucket_start(*after, spec);
        const std::int64_t cutoff = b == *after ? *after : b + spec.ms;
        std::size_t lo = 0, hi = n; // first index with ts >= cutoff
        while (lo < hi) {
            const std::size_t mid = (lo + hi) / 2;
            if (get(mid).ts < cutoff)
                lo = mid + 1;
            else
                hi = mid;
        }
        end = lo;
    }
    std::size_t i = end;
    while (i > 0 && rows.size() < limit) {
        const std::int64_t b0 = bucket_start(get(i - 1).ts, spec);
        if (b0 < min_bucket)
            break;
        if (before && b0 <= *before)
            break;
        candle_row r;
        r.b.ts = b0;
        r.b.c = get(i - 1).c;
        r.b.h = get(i - 1).h;
        r.b.l = get(i - 1).l;
        r.confirmed = !(s.has_live && i == n);
        std::size_t j = i;
        while (j > 0 && bucket_start(get(j - 1).ts, spec) == b0) {
            const bar& x = get(j - 1);
            r.b.h = std::max(r.b.h, x.h);
            r.b.l = std::min(r.b.l, x.l);
            r.b.o = x.o;
            r.b.vol += x.vol;
            r.b.vol_ccy += x.vol_ccy;
            --j;
        }
        if (!(after && b0 >= *after))
            rows.push_back(r);
        i = j;
    }
    return rows;
}

ticker_stats market::stats(std::size_t sym) const {
    ticker_stats st;
    const auto& s = syms_[sym];
    const std::size_t n = s.bars.size() + (s.has_live ? 1 : 0);
    st.open24h = st.high24h = st.low24h = st.sod_utc0 = st.sod_utc8 = s.last;
    if (n == 0)
        return st;
    auto get = [&](std::size_t i) -> const bar& { return i < s.bars.size() ? s.bars[i] : s.live; };
    const std::int64_t newest = get(n - 1).ts;
    const std::int64_t day0 = floor_div(newest, day_ms) * day_ms;
    const std::int64_t day8 = floor_div(newest + 8 * hour_ms, day_ms) * day_ms - 8 * hour_ms;
    st.high24h = get(n - 1).h;
    st.low24h = get(n - 1).l;
    const std::size_t window = std::min<std::size_t>(n, 1440);
    for (std::size_t k = n - window; k < n; ++k) {
        const bar& b = get(k);
        st.high24h = std::max(st.high24h, b.h);
        st.low24h = std::min(st.low24h, b.l);
        st.vol24h += b.vol;
        st.vol_ccy24h += b.vol_ccy;
        if (b.ts == day0)
            st.sod_utc0 = b.o;
        if (b.ts == day8)
            st.sod_utc8 = b.o;
    }
    st.open24h = get(n - window).o;
    return st;
}

} // namespace scalpel::sim
