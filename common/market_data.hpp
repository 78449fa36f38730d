// market_data: loads the real historical candles in ../shared/data/market (CSV or CSV.gz,
// header `open_time_ms,open,high,low,close,volume`) and aggregates them to larger bars.
// Used by the simulator (replay) and the backtester. Errors name the file and the line.
#pragma once

#include "common/candle.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace scalpel {

struct market_data_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The data folder: $SCALPEL_DATA_DIR if set, else the path baked in at configure time.
[[nodiscard]] std::filesystem::path market_data_dir();

// Reads one candle file (gzip or plain, detected by content). Rows must be strictly increasing
// in time with high >= low; throws market_data_error naming file:line otherwise.
[[nodiscard]] std::vector<candle> load_candles(const std::filesystem::path& file);

// Finds `<dir>/<source>/<tf>/<symbol>_<tf>.csv[.gz]`, e.g. ("okx_spot_2022", "BTC-USDT", "1m").
// Throws market_data_error listing what was tried when absent.
[[nodiscard]] std::filesystem::path
find_candle_file(std::string_view source, std::string_view symbol, std::string_view timeframe);

// Aggregates bars into buckets of `bar_ms` aligned on multiples of bar_ms since the epoch (UTC).
// Only buckets fully covered by input bars of `input_bar_ms` are emitted unless `keep_partial`.
[[nodiscard]] std::vector<candle> aggregate(candle_span input, std::int64_t input_bar_ms,
                                            std::int64_t bar_ms, bool keep_partial = false);

} // namespace scalpel
