// market_feed: concurrent REST refresh of the candle caches. See the header.
#include "signal_proc/market_feed.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <limits>

namespace scalpel::signal {

std::string bar_name(std::int64_t bar_ms) {
    switch (bar_ms) {
    case 60'000:
        return "1m";
    case 3 * 60'000:
        return "3m";
    case 5 * 60'000:
        return "5m";
    case 15 * 60'000:
        return "15m";
    case 30 * 60'000:
        return "30m";
    case 60 * 60'000:
        return "1H";
    case 2 * 60 * 60'000:
        return "2H";
    case 4 * 60 * 60'000:
        return "4H";
    case 24 * 60 * 60'000:
        return "1Dutc";
    default:
        return {};
    }
}

symbol_market::symbol_market(std::string sym, const std::string& entry_bar, const feed_windows& w)
    : symbol(std::move(sym)), entry(entry_bar, w.entry + w.margin), m15("15m", w.mtf + w.margin),
      m30("30m", w.mtf + w.margin), h1("1H", w.h1 + w.margin), d1("1Dutc", w.d1 + 2) {}

market_feed::market_feed(net_client::rest_client& client, const std::vector<std::string>& symbols,
                         std::int64_t entry_bar_ms, feed_windows w)
    : client_(client), w_(w) {
    const std::string entry_bar = bar_name(entry_bar_ms);
    markets_.reserve(symbols.size());
    for (const auto& s : symbols)
        markets_.emplace_back(s, entry_bar.empty() ? "5m" : entry_bar, w_);
}

symbol_market* market_feed::find(std::string_view symbol) noexcept {
    for (auto& m : markets_)
        if (m.symbol == symbol)
            return &m;
    return nullptr;
}

namespace {

// Counts children down and wakes the parent (Asio 1.18 has no parallel_group).
struct join_latch {
    net::steady_timer timer;
    int pending = 0;
    explicit join_latch(net::any_io_executor ex) : timer(ex) {
        timer.expires_at(net::steady_timer::time_point::max());
    }
    void done() {
        if (--pending == 0)
            timer.cancel();
    }
};

net::awaitable<void> wait_all(join_latch& l) {
    while (l.pending > 0) {
        boost::system::error_code ec;
        co_await l.timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
}

net::awaitable<void> fetch_series(net_client::rest_client& client, std::string inst,
                                  candle_series& s, std::int64_t now_ms, fetch_stats& st) {
    if (!s.needs_fetch(now_ms)) {
        ++st.skipped;
        co_return;
    }
    for (int pass = 0; pass < 2; ++pass) {
        const int limit = s.fetch_limit(now_ms);
        ++st.requests;
        auto rows = co_await client.candles(inst, s.bar(), limit);
        if (!rows.ok()) {
            ++st.failures;
            spdlog::warn("candles {} {}: {} {} {}", inst, s.bar(), okx::to_string(rows.err.kind),
                         rows.err.code, rows.err.message.view());
            co_return;
        }
        const auto m = s.merge(rows.value);
        st.bars_added += static_cast<int>(m.added);
        if (m.outcome != merge_outcome::gap)
            co_return;
        ++st.gaps;
        spdlog::info("candles {} {}: gap after the cache; refetching in full", inst, s.bar());
        s.clear();
    }
}

} // namespace

net::awaitable<fetch_stats> market_feed::refresh(std::int64_t now_ms) {
    fetch_stats st;
    auto ex = co_await net::this_coro::executor;
    join_latch latch(ex);
    for (auto& m : markets_)
        for (candle_series* s : m.all()) {
            ++latch.pending;
            net::co_spawn(ex, fetch_series(client_, m.symbol, *s, now_ms, st),
                          [&latch](std::exception_ptr) { latch.done(); });
        }
    co_await wait_all(latch);
    co_return st;
}

} // namespace scalpel::signal
