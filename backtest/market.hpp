// market: the candle history a backtest replays, per symbol and timeframe, from the shipped data.
// 1m bars drive the replay; 5m/15m/30m/1H/4H/1D come from their own files where those exist and
// are filled from 1m aggregation where the file has no bar (file bars win). Nothing here decides
// what the strategy may see at a time: that is `visible_count`, which admits only bars whose close
// time is at or before `t` (no look-ahead). Must never invent prices.
#pragma once

#include "common/candle.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::backtest {

struct timeframe_series {
    std::string name; // "5m", "15m", "30m", "1H", "4H", "1D"
    std::int64_t bar_ms = 0;
    std::vector<candle> bars;  // strictly increasing open times, complete buckets only
    std::size_t from_file = 0; // how many bars came from the timeframe's own file
};

struct symbol_data {
    std::string symbol; // canonical exchange-style name, e.g. "BTC-USDT"
    std::vector<candle> one_minute;
    std::vector<timeframe_series> higher;

    // The series named `tf` (case-insensitive: "1h" == "1H"), or nullptr.
    [[nodiscard]] const timeframe_series* find(std::string_view tf) const noexcept;
};

// One trade print used as a tick in trades mode.
struct trade_print {
    std::int64_t ts_ms = 0;
    double price = 0;
    double qty = 0;
};

enum class tick_source { path, trades };

struct data_request {
    std::string source = "okx_spot_2022"; // okx_spot_2022 | binance_spot_2023 | (trades mode)
    std::vector<std::string> symbols = {"BTC-USDT", "ETH-USDT"};
    std::optional<std::int64_t> from_ms, to_ms; // replay window; history before `from` warms up
    std::optional<double> days;                 // window length when `to` is not given
    tick_source ticks = tick_source::path;
};

struct market_data_set {
    std::string source;
    std::vector<symbol_data> symbols;
    std::vector<std::vector<trade_print>> trades; // per symbol, only in trades mode
    std::int64_t from_ms = 0, to_ms = 0;          // ticks replayed in [from_ms, to_ms)
};

// The timeframes loaded besides 1m (what the strategy's filters ask for).
[[nodiscard]] const std::vector<std::string>& higher_timeframes();

// "BTC-USDT" → "BTCUSDT" for Binance sources, unchanged for OKX. Throws std::invalid_argument
// for a name without a quote currency separator on a Binance source.
[[nodiscard]] std::string file_symbol(std::string_view source, std::string_view symbol);

// Loads 1m and the higher timeframes for every requested symbol and fixes the replay window.
// Defaults: the window starts at the latest first-1m-bar across symbols and lasts 30 days (for
// okx_spot_2022 exactly the 43,197 contiguous 1m rows). In trades mode the 1m bars are built from
// the Binance 2024-08-08 trade prints and the window is their span.
// Throws market_data_error (missing file, bad row) or std::invalid_argument (empty window,
// unknown source) with a readable message.
[[nodiscard]] market_data_set load_market(const data_request& request);

// A symbol's data from 1m bars alone: every higher timeframe aggregated (complete buckets only).
// Used for trades mode and by tests that script synthetic candles.
[[nodiscard]] symbol_data build_symbol_data(std::string symbol, std::vector<candle> one_minute);

// Merges `file_bars` (authoritative) with `aggregated` bars for buckets the file lacks.
[[nodiscard]] std::vector<candle> merge_bars(const std::vector<candle>& file_bars,
                                             const std::vector<candle>& aggregated);

// Number of leading bars of `bars` (bar length `bar_ms`) whose close time open+bar_ms is <= t.
// Incremental use: pass the previous answer as `hint`; O(1) amortised while t only grows.
[[nodiscard]] std::size_t visible_count(const std::vector<candle>& bars, std::int64_t bar_ms,
                                        std::int64_t t, std::size_t hint = 0) noexcept;

// Parses "2022-01-07", "2022-01-07T19:32", "2022-01-07 19:32[:ss]" (UTC) or epoch milliseconds.
[[nodiscard]] std::optional<std::int64_t> parse_utc_time(std::string_view text) noexcept;
// "2022-01-07 19:32" (UTC) for a time in ms; "2022-01-07 19:32:05" with `seconds`.
[[nodiscard]] std::string format_utc_time(std::int64_t ms, bool seconds = false);

} // namespace scalpel::backtest
