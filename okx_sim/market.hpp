// market: the simulator's price feed and candle store, free of sockets and clocks (time is a
// parameter). It replays real 1m candles (or a seeded random walk), expands every 1m bar into
// ticks with a fixed path model, and builds every OKX bar size from the same ticks, so REST
// candles, WS candles and tickers always agree. A scripted price pauses the feed for one symbol.
// It must never emit a tick out of time order or a price off the instrument's tick grid.
#pragma once

#include "okx_sim/amount.hpp"
#include "okx_sim/instrument.hpp"

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::sim {

// One OKX bar size: duration and the time-zone offset its buckets are anchored on (UTC+8 for the
// 6H..1W names without the "utc" suffix, as OKX does).
struct bar_spec {
    std::string name;
    std::int64_t ms = 0;
    std::int64_t tz_ms = 0;
    bool weekly = false;
};

// "1m 3m 5m 15m 30m 1H 2H 4H 6H 12H 1D 2D 3D 1W" and "6Hutc 12Hutc 1Dutc 2Dutc 3Dutc 1Wutc";
// nullopt for anything else (month bars are not simulated).
[[nodiscard]] std::optional<bar_spec> parse_bar(std::string_view name);
// The open time of the bucket holding ts (weeks start on Monday in the bar's time zone).
[[nodiscard]] std::int64_t bucket_start(std::int64_t ts, const bar_spec& bar) noexcept;

struct bar {
    std::int64_t ts = 0; // open time, ms
    amount o, h, l, c;
    double vol = 0;     // base
    double vol_ccy = 0; // quote
};

struct candle_row {
    bar b;
    bool confirmed = true;
};

struct tick {
    std::size_t sym = 0;
    std::int64_t ts = 0;
    amount px;
    amount sz;
    bool buy = true; // taker side, for the trades channel
};

struct ticker_stats {
    amount open24h, high24h, low24h, sod_utc0, sod_utc8;
    double vol24h = 0, vol_ccy24h = 0;
};

struct market_config {
    std::string source = "okx_spot_2022"; // folder under the data dir
    bool random_walk = false;
    std::uint64_t seed = 1;
    std::int64_t history_bars = 14'400; // 1m bars before the replay start (10 days)
    int ticks_per_bar = 12;             // one tick every 5 s of market time
    double walk_vol_per_bar = 0.0008;   // random walk: stdev of a 1m log return
    std::int64_t walk_end_ms = 0;       // random walk: market time of the start (history ends here)
    // Real-time mode (> 0): the replay is shifted by a whole number of weeks (so UTC/UTC+8 day
    // and week anchors, weekday and hour-of-day patterns stay exact) such that the feed starts
    // within the minute holding this time; the history is lengthened by the < 1 week between the
    // shifted natural start and this time. 0 = data-faithful replay (the data's own dates).
    std::int64_t align_start_ms = 0;
};

class market {
public:
    // Loads `<data>/<source>/1m/<SYM>_1m.csv[.gz]` for each instrument; a symbol without such a
    // file (or every symbol with random_walk) gets a seeded random walk instead. Throws
    // market_data_error when a file exists but is unreadable or the data is shorter than
    // history_bars + 1 (in real-time mode: than the lengthened history + 1).
    market(std::vector<instrument> instruments, market_config cfg);

    [[nodiscard]] std::size_t size() const noexcept { return syms_.size(); }
    [[nodiscard]] const instrument& inst(std::size_t sym) const noexcept { return syms_[sym].inst; }
    [[nodiscard]] std::optional<std::size_t> find(std::string_view inst_id) const noexcept;
    // Market time at which the feed starts (the first live bar's open time).
    [[nodiscard]] std::int64_t start_ms() const noexcept { return start_ms_; }
    // What was added to the data's timestamps (a multiple of one week; 0 without align_start_ms
    // or without replay data) and the 1m history bars actually preloaded per symbol.
    [[nodiscard]] std::int64_t time_shift_ms() const noexcept { return shift_ms_; }
    [[nodiscard]] std::int64_t history_bars() const noexcept { return history_bars_; }
    // "replay okx_spot_2022" or "random walk" per symbol, for the startup log.
    [[nodiscard]] std::string describe(std::size_t sym) const;

    // Emits, in time order, every tick with ts <= now (market time) into `out`, and rolls the
    // candle store to `now` (minutes without ticks become flat bars). Ticks of a paused symbol
    // are consumed silently. `now` must not go backwards (earlier values are ignored).
    void advance(std::int64_t now, std::vector<tick>& out);

    // Sets the last price of `sym` (rounded to its tick), pauses its feed and emits one tick.
    void set_price(std::size_t sym, amount px, std::int64_t now, std::vector<tick>& out);
    // Resumes the feed of `sym` at the data price for the current time.
    void resume(std::size_t sym) noexcept;
    [[nodiscard]] bool paused(std::size_t sym) const noexcept { return syms_[sym].paused; }

    [[nodiscard]] amount last(std::size_t sym) const noexcept { return syms_[sym].last; }
    [[nodiscard]] amount last_sz(std::size_t sym) const noexcept { return syms_[sym].last_sz; }
    [[nodiscard]] std::int64_t last_ts(std::size_t sym) const noexcept {
        return syms_[sym].last_ts;
    }

    // Candles newest first: the live (unconfirmed) bar first, then confirmed ones. `after` keeps
    // rows with ts < after, `before` rows with ts > before; at most `limit` rows. `recent_only`
    // limits the search to the latest 1440 bars (the `candles` endpoint).
    [[nodiscard]] std::vector<candle_row> candles(std::size_t sym, const bar_spec& bar,
                                                  std::optional<std::int64_t> after,
                                                  std::optional<std::int64_t> before,
                                                  std::size_t limit, bool recent_only) const;
    [[nodiscard]] ticker_stats stats(std::size_t sym) const;

private:
    struct symbol {
        instrument inst;
        std::vector<bar> feed;  // replay data, restamped contiguous
        std::size_t cursor = 0; // next feed bar to expand
        bool walk = false;
        std::mt19937_64 rng;
        std::vector<tick> pending; // ticks of the bar being played
        std::size_t pending_pos = 0;
        std::int64_t playing_bar_ts = 0;
        bool paused = false;
        amount last, last_sz;
        std::int64_t last_ts = 0;
        std::vector<bar> bars; // confirmed 1m bars
        bar live;              // forming 1m bar
        bool has_live = false;
        bool live_touched = false; // a tick has set the live bar's open
    };

    bar next_feed_bar(symbol& s);
    bar walk_bar(symbol& s, amount prev_close, std::int64_t ts);
    void expand(std::size_t idx, const bar& b);
    void apply_tick(symbol& s, const tick& t);
    void roll_to(symbol& s, std::int64_t now);

    std::vector<symbol> syms_;
    market_config cfg_;
    std::int64_t start_ms_ = 0;
    std::int64_t shift_ms_ = 0;
    std::int64_t history_bars_ = 0;
    std::int64_t now_ = 0;
};

} // namespace scalpel::sim
