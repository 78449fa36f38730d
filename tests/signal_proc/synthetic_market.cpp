// synthetic_market: the zigzag uptrend data source for the scenario tests. See the header.
#include "tests/signal_proc/synthetic_market.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace scalpel::test {

std::vector<candle> synthetic_minutes(double start_px, int minutes, double step) {
    static constexpr double pattern[5] = {1, 1, 1, -1, -1};
    std::vector<candle> out;
    out.reserve(static_cast<std::size_t>(minutes));
    double px = start_px;
    for (int k = 0; k * 5 < minutes; ++k) {
        const double next = px * (1 + step * pattern[k % 5]);
        for (int j = 0; j < 5 && k * 5 + j < minutes; ++j) {
            const double o = px + (next - px) * j / 5.0;
            const double c = px + (next - px) * (j + 1) / 5.0;
            out.push_back(candle{synthetic_start_ms + static_cast<std::int64_t>(k * 5 + j) * 60'000,
                                 o, std::max(o, c), std::min(o, c), c, 1.0});
        }
        px = next;
    }
    return out;
}

std::vector<candle> aggregate(const std::vector<candle>& m, int per_bar) {
    std::vector<candle> out;
    for (std::size_t i = 0; i + static_cast<std::size_t>(per_bar) <= m.size();
         i += static_cast<std::size_t>(per_bar)) {
        candle c = m[i];
        for (int j = 1; j < per_bar; ++j) {
            const candle& x = m[i + static_cast<std::size_t>(j)];
            c.high = std::max(c.high, x.high);
            c.low = std::min(c.low, x.low);
            c.close = x.close;
            c.volume += x.volume;
        }
        out.push_back(c);
    }
    return out;
}

void write_minutes_csv(const std::string& dir, const std::string& source, const std::string& symbol,
                       const std::vector<candle>& minutes) {
    const auto folder = std::filesystem::path(dir) / source / "1m";
    std::filesystem::create_directories(folder);
    const auto file = folder / (symbol + "_1m.csv");
    std::FILE* f = std::fopen(file.c_str(), "w");
    if (f == nullptr)
        throw std::runtime_error("cannot write " + file.string());
    std::fprintf(f, "open_time_ms,open,high,low,close,volume\n");
    for (const auto& c : minutes)
        std::fprintf(f, "%lld,%.2f,%.2f,%.2f,%.2f,%.4f\n", static_cast<long long>(c.open_time_ms),
                     c.open, c.high, c.low, c.close, c.volume);
    std::fclose(f);
}

} // namespace scalpel::test
