// market: loading and merging of the shipped candle files and trade prints for a replay.
#include "backtest/market.hpp"

#include "common/market_data.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <stdexcept>

namespace scalpel::backtest {
namespace {

constexpr std::int64_t minute_ms = 60'000;
constexpr std::int64_t day_ms = 86'400'000;

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

// The data files name hours/days/weeks in lower case.
std::string file_timeframe(std::string_view tf) {
    std::string out(tf);
    for (char& c : out)
        if (c == 'H' || c == 'D' || c == 'W')
            c = char(c - 'A' + 'a');
    return out;
}

bool is_binance(std::string_view source) {
    return source.starts_with("binance");
}

std::vector<candle> candles_from_trades(const std::vector<trade_print>& trades) {
    std::vector<candle> out;
    for (const trade_print& t : trades) {
        const std::int64_t bucket = t.ts_ms - t.ts_ms % minute_ms;
        if (out.empty() || out.back().open_time_ms != bucket) {
            out.push_back(candle{bucket, t.price, t.price, t.price, t.price, t.qty});
        } else {
            candle& c = out.back();
            c.high = std::max(c.high, t.price);
            c.low = std::min(c.low, t.price);
            c.close = t.price;
            c.volume += t.qty;
        }
    }
    return out;
}

struct gz_closer {
    void operator()(gzFile f) const noexcept { gzclose(f); }
};

// Binance WS trades: local_ts_ns,trade_id,price,qty,trade_time_ms,event_time_ms,is_buyer_maker.
// Exchange trade time is used (the recorder clock runs ~1.27 s late, see the data README).
std::vector<trade_print> load_trades(const std::filesystem::path& file) {
    std::unique_ptr<gzFile_s, gz_closer> in(gzopen(file.c_str(), "rb"));
    if (!in)
        throw market_data_error("cannot open trades file " + file.string());
    std::vector<trade_print> out;
    char line[512];
    std::size_t line_no = 0;
    while (gzgets(in.get(), line, sizeof line) != nullptr) {
        ++line_no;
        std::string_view row(line);
        while (!row.empty() && (row.back() == '\n' || row.back() == '\r'))
            row.remove_suffix(1);
        if (row.empty() || (line_no == 1 && row.starts_with("local_ts")))
            continue;
        std::string_view fields[7];
        std::size_t n = 0;
        while (n < 7) {
            const auto comma = row.find(',');
            fields[n++] = row.substr(0, comma);
            if (comma == std::string_view::npos)
                break;
            row.remove_prefix(comma + 1);
        }
        trade_print t;
        auto num = [](std::string_view f, auto& v) {
            auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
            return ec == std::errc{} && p == f.data() + f.size();
        };
        if (n < 7 || !num(fields[2], t.price) || !num(fields[3], t.qty) ||
            !num(fields[4], t.ts_ms) || t.price <= 0)
            throw market_data_error(file.string() + ":" + std::to_string(line_no) +
                                    ": expected local_ts_ns,trade_id,price,qty,trade_time_ms,...");
        if (!out.empty() && t.ts_ms < out.back().ts_ms)
            throw market_data_error(file.string() + ":" + std::to_string(line_no) +
                                    ": trade times not monotonic");
        out.push_back(t);
    }
    return out;
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

} // namespace

const std::vector<std::string>& higher_timeframes() {
    static const std::vector<std::string> tfs = {"5m", "15m", "30m", "1H", "4H", "1D"};
    return tfs;
}

const timeframe_series* symbol_data::find(std::string_view tf) const noexcept {
    for (const auto& s : higher)
        if (iequal(s.name, tf))
            return &s;
    return nullptr;
}

std::string file_symbol(std::string_view source, std::string_view symbol) {
    if (!is_binance(source))
        return std::string(symbol);
    std::string out;
    for (char c : symbol)
        if (c != '-' && c != '/' && c != '_')
            out += c;
    if (out.size() == symbol.size() && !symbol.ends_with("USDT"))
        throw std::invalid_argument("symbol '" + std::string(symbol) + "' has no quote currency");
    return out;
}

std::vector<candle> merge_bars(const std::vector<candle>& file_bars,
                               const std::vector<candle>& aggregated) {
    std::vector<candle> out;
    out.reserve(file_bars.size() + aggregated.size());
    std::size_t i = 0, j = 0;
    while (i < file_bars.size() || j < aggregated.size()) {
        if (j == aggregated.size() ||
            (i < file_bars.size() && file_bars[i].open_time_ms <= aggregated[j].open_time_ms)) {
            if (j < aggregated.size() && aggregated[j].open_time_ms == file_bars[i].open_time_ms)
                ++j;
            out.push_back(file_bars[i++]);
        } else {
            out.push_back(aggregated[j++]);
        }
    }
    return out;
}

std::size_t visible_count(const std::vector<candle>& bars, std::int64_t bar_ms, std::int64_t t,
                          std::size_t hint) noexcept {
    std::size_t n = std::min(hint, bars.size());
    while (n > 0 && bars[n - 1].open_time_ms + bar_ms > t)
        --n; // time went back (new run)
    while (n < bars.size() && bars[n].open_time_ms + bar_ms <= t)
        ++n;
    return n;
}

symbol_data build_symbol_data(std::string symbol, std::vector<candle> one_minute) {
    symbol_data sd;
    sd.symbol = std::move(symbol);
    sd.one_minute = std::move(one_minute);
    for (const std::string& tf : higher_timeframes()) {
        timeframe_series s;
        s.name = tf;
        s.bar_ms = bar_duration_ms(tf);
        s.bars = aggregate(sd.one_minute, minute_ms, s.bar_ms);
        sd.higher.push_back(std::move(s));
    }
    return sd;
}

market_data_set load_market(const data_request& request) {
    if (request.source != "okx_spot_2022" && request.source != "binance_spot_2023")
        throw std::invalid_argument("unknown --source '" + request.source +
                                    "' (expected okx_spot_2022 or binance_spot_2023)");
    if (request.symbols.empty())
        throw std::invalid_argument("no symbols given");
    market_data_set set;
    set.source = request.source;
    for (const std::string& symbol : request.symbols) {
        symbol_data sd;
        sd.symbol = symbol;
        if (request.ticks == tick_source::trades) {
            const std::string fs = file_symbol("binance", symbol);
            const auto file = market_data_dir() / "ticks" / "binance_spot_ws_2024-08-08" /
                              (fs + "_trades.csv.gz");
            if (!std::filesystem::exists(file))
                throw market_data_error("no real trades for " + symbol + " (looked for " +
                                        file.string() + "; only BTC-USDT and ETH-USDT exist)");
            set.trades.push_back(load_trades(file));
            sd.one_minute = candles_from_trades(set.trades.back());
            set.source = "binance_spot_ws_2024-08-08";
        } else {
            sd.one_minute = load_candles(
                find_candle_file(request.source, file_symbol(request.source, symbol), "1m"));
        }
        if (sd.one_minute.empty())
            throw market_data_error("no 1m bars for " + symbol);
        for (const std::string& tf : higher_timeframes()) {
            timeframe_series s;
            s.name = tf;
            s.bar_ms = bar_duration_ms(tf);
            std::vector<candle> from_file;
            if (request.ticks != tick_source::trades) {
                try {
                    from_file = load_candles(find_candle_file(
                        request.source, file_symbol(request.source, symbol), file_timeframe(tf)));
                } catch (const market_data_error&) {
                    // No file for this timeframe: aggregation alone serves it.
                }
            }
            s.from_file = from_file.size();
            s.bars = merge_bars(from_file, aggregate(sd.one_minute, minute_ms, s.bar_ms));
            sd.higher.push_back(std::move(s));
        }
        set.symbols.push_back(std::move(sd));
    }

    std::int64_t first = 0, last_end = 0;
    for (const auto& sd : set.symbols) {
        first = std::max(first, sd.one_minute.front().open_time_ms);
        const std::int64_t end = sd.one_minute.back().open_time_ms + minute_ms;
        last_end = last_end == 0 ? end : std::min(last_end, end);
    }
    if (request.ticks == tick_source::trades) {
        first = 0;
        last_end = 0;
        for (const auto& tr : set.trades) {
            first = std::max(first, tr.front().ts_ms);
            last_end =
                last_end == 0 ? tr.back().ts_ms + 1 : std::min(last_end, tr.back().ts_ms + 1);
        }
    }
    set.from_ms = request.from_ms.value_or(first);
    if (request.to_ms) {
        set.to_ms = *request.to_ms;
    } else if (request.days) {
        set.to_ms = set.from_ms + static_cast<std::int64_t>(*request.days * double(day_ms));
    } else if (request.ticks == tick_source::trades) {
        set.to_ms = last_end;
    } else {
        set.to_ms = set.from_ms + 30 * day_ms;
    }
    set.to_ms = std::min(set.to_ms, last_end);
    if (set.to_ms <= set.from_ms)
        throw std::invalid_argument("empty replay window " + format_utc_time(set.from_ms) + " .. " +
                                    format_utc_time(set.to_ms) + " (data covers " +
                                    format_utc_time(first) + " .. " + format_utc_time(last_end) +
                                    ")");
    return set;
}

std::optional<std::int64_t> parse_utc_time(std::string_view text) noexcept {
    if (text.empty())
        return std::nullopt;
    if (text.find('-') == std::string_view::npos) {
        std::int64_t ms = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
        if (ec != std::errc{} || p != text.data() + text.size() || ms < 0)
            return std::nullopt;
        return ms;
    }
    auto num = [&](std::size_t pos, std::size_t len, int lo, int hi) -> std::optional<int> {
        if (pos + len > text.size())
            return std::nullopt;
        int v = 0;
        auto [p, ec] = std::from_chars(text.data() + pos, text.data() + pos + len, v);
        if (ec != std::errc{} || p != text.data() + pos + len || v < lo || v > hi)
            return std::nullopt;
        return v;
    };
    const auto y = num(0, 4, 1970, 9999), m = num(5, 2, 1, 12), d = num(8, 2, 1, 31);
    if (!y || !m || !d || text.size() < 10 || text[4] != '-' || text[7] != '-')
        return std::nullopt;
    int hh = 0, mm = 0, ss = 0;
    if (text.size() > 10) {
        if (text[10] != 'T' && text[10] != ' ')
            return std::nullopt;
        const auto h = num(11, 2, 0, 23), mi = num(14, 2, 0, 59);
        if (!h || !mi || text.size() < 16 || text[13] != ':')
            return std::nullopt;
        hh = *h;
        mm = *mi;
        if (text.size() > 16) {
            const auto s = num(17, 2, 0, 59);
            if (!s || text[16] != ':' || text.size() != 19)
                return std::nullopt;
            ss = *s;
        }
    }
    return (days_from_civil(*y, unsigned(*m), unsigned(*d)) * 86400 + hh * 3600 + mm * 60 + ss) *
           1000;
}

std::string format_utc_time(std::int64_t ms, bool seconds) {
    std::int64_t z = ms / day_ms;
    std::int64_t rem = ms % day_ms;
    if (rem < 0) {
        rem += day_ms;
        --z;
    }
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y0 = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = y0 + (m <= 2);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld", static_cast<long long>(y), m,
                  d, static_cast<long long>(rem / 3'600'000),
                  static_cast<long long>(rem / 60'000 % 60));
    std::string out = buf;
    if (seconds) {
        std::snprintf(buf, sizeof buf, ":%02lld", static_cast<long long>(rem / 1000 % 60));
        out += buf;
    }
    return out;
}

} // namespace scalpel::backtest
