// backtest_bench: how fast the backtester replays. (1) The exit path alone — for every tick,
// each open position's OCO check and strategy::decide_exit, exactly what the replay does per
// tick — over the real Binance 2024-08-08 BTC prints and over path-model ticks of the OKX 30-day
// BTC 1m series. (2) The whole default replay (OKX BTC+ETH, 30 days, per-tick exits) end to end,
// data loading timed apart. Plain chrono; run on a quiet machine for stable figures.
#include "backtest/exchange.hpp"
#include "backtest/market.hpp"
#include "backtest/replay.hpp"
#include "backtest/tick_path.hpp"
#include "strategy/exit_decision.hpp"
#include "strategy/regime.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <vector>

using namespace scalpel;
using namespace scalpel::backtest;
namespace st = scalpel::strategy;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Runs the exit path over `ticks` `rounds` times for `positions` open positions; returns ticks/s.
// A position that the OCO or the decision closes is re-opened at that tick (entry = price, OCO
// ±0.3 %), as the replay's next signal would, so ages, PnL and branch outcomes stay realistic.
double exit_path_rate(const std::vector<tick>& ticks, int positions, int rounds,
                      std::uint64_t& sink) {
    const auto params = st::make_exit_params(st::default_params(scalpel::regime::ranging), 0.001);
    std::vector<st::position_view> views(positions);
    std::vector<oco_order> ocos(positions);
    auto open = [&](int p, const tick& t) {
        const bool is_long = p % 2 == 0;
        views[p] = {is_long ? scalpel::side::long_side : scalpel::side::short_side, t.price,
                    150.0 / t.price, 0.15, t.ts_ms};
        ocos[p] = {is_long, is_long ? t.price * 1.003 : t.price * 0.997,
                   is_long ? t.price * 0.997 : t.price * 1.003};
    };
    for (int p = 0; p < positions; ++p)
        open(p, ticks.front());
    const auto t0 = clock_type::now();
    std::uint64_t closes = 0;
    for (int r = 0; r < rounds; ++r) {
        for (const tick& t : ticks) {
            for (int p = 0; p < positions; ++p) {
                const bool oco_hit = ocos[p].triggered(t.price) != oco_leg::none;
                const st::exit_decision d = st::decide_exit(views[p], t.price, params, t.ts_ms);
                if (oco_hit || d.action != st::exit_action::hold) {
                    ++closes;
                    open(p, t);
                }
            }
        }
        for (int p = 0; p < positions; ++p)
            open(p, ticks.front()); // time restarts each round
    }
    const double secs = seconds_since(t0);
    sink += closes;
    return double(ticks.size()) * rounds / secs;
}

} // namespace

int main() {
    std::uint64_t sink = 0;
    std::printf("backtest_bench (single thread)\n");

    data_request trades_req;
    trades_req.symbols = {"BTC-USDT"};
    trades_req.ticks = tick_source::trades;
    const auto trades = load_market(trades_req);
    std::vector<tick> real;
    for (const auto& p : trades.trades[0])
        real.push_back({p.ts_ms, p.price});

    data_request okx_req;
    okx_req.symbols = {"BTC-USDT"};
    const auto okx = load_market(okx_req);
    std::vector<tick> path;
    std::vector<tick> bar(path_tick_count(19));
    for (const candle& c : okx.symbols[0].one_minute) {
        if (c.open_time_ms >= okx.to_ms)
            break;
        path_ticks(c, 60'000, 19, bar);
        path.insert(path.end(), bar.begin(), bar.end());
    }

    for (int positions : {1, 3}) {
        const double r1 = exit_path_rate(real, positions, 200, sink);
        std::printf("exit path, real Binance BTC prints (%zu ticks x200), %d open position(s): "
                    "%.1f M ticks/s\n",
                    real.size(), positions, r1 / 1e6);
        const double r2 = exit_path_rate(path, positions, 2, sink);
        std::printf("exit path, OKX 30-day path ticks (%zu ticks x2),   %d open position(s): %.1f "
                    "M ticks/s\n",
                    path.size(), positions, r2 / 1e6);
    }

    auto t0 = clock_type::now();
    data_request req; // defaults: okx_spot_2022, BTC-USDT + ETH-USDT, 30 days
    const auto data = load_market(req);
    const double load_s = seconds_since(t0);
    std::printf("data load (OKX BTC+ETH 1m + 5m..1D files, aggregation): %.3f s\n", load_s);

    for (double cadence : {0.0, 5.0}) {
        run_config cfg;
        cfg.exit_cadence_s = cadence;
        t0 = clock_type::now();
        const auto r = run_backtest(data, cfg);
        const double secs = seconds_since(t0);
        std::printf("30-day replay (%s exits): %.3f s wall, %llu ticks (%.1f M ticks/s), %llu "
                    "signal cycles, %zu trades\n",
                    cadence > 0 ? "5 s poll" : "per-tick", secs,
                    static_cast<unsigned long long>(r.counters.ticks),
                    double(r.counters.ticks) / secs / 1e6,
                    static_cast<unsigned long long>(r.counters.signal_cycles), r.trades.size());
        sink += r.trades.size();
    }
    std::printf("(sink %llu)\n", static_cast<unsigned long long>(sink));
    return 0;
}
