// market_data: candle file loading (zlib reads gzip and plain files alike) and aggregation.
#include "common/market_data.hpp"

#include <zlib.h>

#include <charconv>
#include <cstdlib>
#include <memory>

namespace scalpel {
namespace {

struct gz_closer {
    void operator()(gzFile f) const noexcept { gzclose(f); }
};
using gz_ptr = std::unique_ptr<gzFile_s, gz_closer>;

bool parse_field(std::string_view& rest, double& out) {
    const auto comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
    return ec == std::errc{} && p == field.data() + field.size();
}

} // namespace

std::int64_t bar_duration_ms(std::string_view bar) noexcept {
    constexpr std::int64_t minute = 60'000, hour = 60 * minute, day = 24 * hour;
    struct entry {
        std::string_view name;
        std::int64_t ms;
    };
    static constexpr entry table[] = {
        {"1s", 1000},          {"1m", minute},       {"3m", 3 * minute}, {"5m", 5 * minute},
        {"15m", 15 * minute},  {"30m", 30 * minute}, {"1H", hour},       {"1h", hour},
        {"2H", 2 * hour},      {"4H", 4 * hour},     {"4h", 4 * hour},   {"6Hutc", 6 * hour},
        {"12Hutc", 12 * hour}, {"1D", day},          {"1Dutc", day},     {"1d", day},
        {"1W", 7 * day},       {"1Wutc", 7 * day},   {"1w", 7 * day},
    };
    for (const auto& e : table)
        if (e.name == bar)
            return e.ms;
    return 0;
}

std::filesystem::path market_data_dir() {
    if (const char* env = std::getenv("SCALPEL_DATA_DIR"); env && *env)
        return env;
    return SCALPEL_DEFAULT_DATA_DIR;
}

std::vector<candle> load_candles(const std::filesystem::path& file) {
    gz_ptr in(gzopen(file.c_str(), "rb"));
    if (!in)
        throw market_data_error("cannot open candle file " + file.string());
    gzbuffer(in.get(), 1 << 16);

    std::vector<candle> out;
    char line[512];
    std::size_t line_no = 0;
    auto fail = [&](const std::string& why) {
        throw market_data_error(file.string() + ":" + std::to_string(line_no) + ": " + why);
    };
    while (gzgets(in.get(), line, sizeof line) != nullptr) {
        ++line_no;
        std::string_view row(line);
        while (!row.empty() && (row.back() == '\n' || row.back() == '\r'))
            row.remove_suffix(1);
        if (row.empty())
            continue;
        if (line_no == 1 && row.starts_with("open_time"))
            continue; // header
        double ts = 0;
        candle c;
        if (!parse_field(row, ts) || !parse_field(row, c.open) || !parse_field(row, c.high) ||
            !parse_field(row, c.low) || !parse_field(row, c.close) || !parse_field(row, c.volume))
            fail("expected open_time_ms,open,high,low,close,volume");
        c.open_time_ms = static_cast<std::int64_t>(ts);
        if (c.high < c.low || c.open <= 0 || c.close <= 0)
            fail("inconsistent OHLC");
        if (!out.empty() && c.open_time_ms <= out.back().open_time_ms)
            fail("timestamps not increasing");
        out.push_back(c);
    }
    int err = 0;
    gzerror(in.get(), &err);
    if (err != Z_OK && err != Z_STREAM_END)
        fail("read error (corrupt gzip?)");
    return out;
}

std::filesystem::path find_candle_file(std::string_view source, std::string_view symbol,
                                       std::string_view timeframe) {
    const auto dir = market_data_dir() / source / timeframe;
    const std::string stem = std::string(symbol) + "_" + std::string(timeframe) + ".csv";
    for (const auto& name : {stem, stem + ".gz"}) {
        if (std::filesystem::exists(dir / name))
            return dir / name;
    }
    throw market_data_error("no candle file " + (dir / stem).string() +
                            "[.gz] (set SCALPEL_DATA_DIR?)");
}

std::vector<candle> aggregate(candle_span input, std::int64_t input_bar_ms, std::int64_t bar_ms,
                              bool keep_partial) {
    std::vector<candle> out;
    if (input_bar_ms <= 0 || bar_ms < input_bar_ms)
        return out;
    const std::int64_t per_bucket = bar_ms / input_bar_ms;
    candle cur;
    std::int64_t count = 0;
    auto flush = [&] {
        if (count > 0 && (keep_partial || count == per_bucket))
            out.push_back(cur);
        count = 0;
    };
    for (const candle& c : input) {
        const std::int64_t bucket = c.open_time_ms - ((c.open_time_ms % bar_ms) + bar_ms) % bar_ms;
        if (count > 0 && bucket != cur.open_time_ms)
            flush();
        if (count == 0) {
            cur = c;
            cur.open_time_ms = bucket;
        } else {
            cur.high = std::max(cur.high, c.high);
            cur.low = std::min(cur.low, c.low);
            cur.close = c.close;
            cur.volume += c.volume;
        }
        ++count;
    }
    flush();
    return out;
}

} // namespace scalpel
