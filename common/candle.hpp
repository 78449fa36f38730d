// candle: one OHLCV bar. The unit every indicator, the simulator and the backtester share.
// `open_time_ms` is the bar's open time (UTC epoch ms) as OKX and the data files give it;
// `volume` is in the base asset. Only confirmed (closed) bars are ever stored in a candle series.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace scalpel {

struct candle {
    std::int64_t open_time_ms = 0;
    double open = 0, high = 0, low = 0, close = 0, volume = 0;
};

using candle_span = std::span<const candle>;

// Bar sizes in milliseconds, named as OKX names them ("1m", "5m", "15m", "30m", "1H", "4H",
// "1D"/"1Dutc", "1W"/"1Wutc"). Returns 0 for an unknown bar. Lower-case "1h"/"1d"/"1w" (the data
// files' names) are accepted too.
[[nodiscard]] std::int64_t bar_duration_ms(std::string_view bar) noexcept;

} // namespace scalpel
