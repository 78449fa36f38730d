// replay: the event loop of one backtest run (see replay.hpp). Per tick: OCO legs, then the
// guard's exit decision at its cadence, then (every signal interval) the signal cycle of
// signal_proc: ARM on new bars → risk controller → indicators/score → strategy::evaluate_entry →
// fill → OCO from strategy::compute_tp_sl. Indicators are computed once per closed entry bar and
// reused by every cycle of that bar; a cycle whose score picks no side skips evaluate_entry,
// which would return no_signal from the same indicators and price (tests check the equivalence).
#include "backtest/replay.hpp"

#include "backtest/tick_path.hpp"
#include "strategy/arm.hpp"
#include "strategy/engine.hpp"
#include "strategy/exit_decision.hpp"
#include "strategy/money.hpp"
#include "strategy/regime.hpp"
#include "strategy/risk_controller.hpp"
#include "strategy/scoring.hpp"
#include "strategy/sizing.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

namespace scalpel::backtest {

const char* exit_reason_name(exit_reason r) noexcept {
    switch (r) {
    case exit_reason::profit_hold:
        return "PH";
    case exit_reason::take_profit:
        return "TP";
    case exit_reason::stop_loss:
        return "SL";
    case exit_reason::max_hold:
        return "MAX_HOLD";
    case exit_reason::end_of_data:
        return "END";
    }
    return "?";
}

std::uint64_t progress_units(const market_data_set& data) noexcept {
    return data.to_ms > data.from_ms
               ? static_cast<std::uint64_t>((data.to_ms - data.from_ms + 59'999) / 60'000)
               : 0;
}

namespace {

namespace st = scalpel::strategy;

constexpr std::int64_t minute_ms = 60'000;
// Bars handed to the strategy per timeframe, as signal_proc requests them (entry: 200 per spec;
// MTF and the 1H volume profile: 100; daily: enough for the previous completed day).
constexpr std::size_t entry_window = 200;
constexpr std::size_t mtf_window = 100;
constexpr std::size_t h1_window = 100;
constexpr std::size_t d1_window = 10;

struct tf_view {
    const timeframe_series* series = nullptr;
    std::size_t visible = 0;

    void advance(std::int64_t t) noexcept {
        if (series)
            visible = visible_count(series->bars, series->bar_ms, t, visible);
    }
    [[nodiscard]] candle_span last(std::size_t n) const noexcept {
        if (!series)
            return {};
        const std::size_t k = std::min(n, visible);
        return candle_span(series->bars.data() + (visible - k), k);
    }
};

struct open_position {
    st::position_view view;
    decimal size; // exact size the closing order sends
    oco_order oco;
    std::int64_t next_check_ms = 0;
    scalpel::regime entry_regime = scalpel::regime::ranging;
    std::string regime; // entry_regime's name, for the report
    int score = 0;
    double atr = 0;
    double order_value = 0;
};

struct symbol_state {
    const symbol_data* data = nullptr;
    instrument inst;
    st::instrument_spec spec;
    tf_view m5, m15, m30, h1, d1;
    double last_price = 0;
    double base_held = 0;
    std::optional<open_position> pos;
    std::size_t indicators_at = std::numeric_limits<std::size_t>::max(); // m5.visible when computed
    st::indicator_snapshot indicators;
    std::size_t next_bar = 0;   // next 1m bar to replay (path mode)
    std::size_t next_trade = 0; // next trade print (trades mode)
};

class replay {
public:
    replay(const market_data_set& data, const run_config& cfg) : data_(data), cfg_(cfg) {
        if (cfg.ticks == tick_source::trades && data.trades.size() != data.symbols.size())
            throw std::invalid_argument(
                "trades mode needs the trade prints of every symbol (load with --ticks trades)");
        for (auto& params : table_.by_regime) {
            if (cfg.ph_threshold_usd)
                params.ph_threshold_usd = *cfg.ph_threshold_usd;
        }
        if (cfg.order_value_usd) {
            entry_cfg_.sizing.balance_fraction = 0; // target = max(0, min value) = the fixed value
            entry_cfg_.sizing.min_order_value_usd = *cfg.order_value_usd;
        }
        free_usdt_ = cfg.start_balance_usd;
        result_.config = cfg;
        result_.equity.push_back({data.from_ms, cfg.start_balance_usd});
        symbols_.resize(data.symbols.size());
        for (std::size_t i = 0; i < symbols_.size(); ++i) {
            symbol_state& s = symbols_[i];
            s.data = &data.symbols[i];
            s.inst = lookup_instrument(data.source, s.data->symbol);
            s.spec = st::instrument_spec{s.inst.lot_sz, s.inst.min_sz, s.inst.tick_sz};
            s.m5.series = s.data->find("5m");
            s.m15.series = s.data->find("15m");
            s.m30.series = s.data->find("30m");
            s.h1.series = s.data->find("1H");
            s.d1.series = s.data->find("1D");
            const auto& bars = s.data->one_minute;
            s.next_bar =
                static_cast<std::size_t>(std::lower_bound(bars.begin(), bars.end(), data.from_ms,
                                                          [](const candle& c, std::int64_t t) {
                                                              return c.open_time_ms < t;
                                                          }) -
                                         bars.begin());
            // Start price: the last close before the window (or the first open in it).
            s.last_price = s.next_bar > 0 ? bars[s.next_bar - 1].close
                                          : (s.next_bar < bars.size() ? bars[s.next_bar].open : 0);
            if (cfg.ticks == tick_source::trades) {
                const auto& tr = data.trades[i];
                s.next_trade = static_cast<std::size_t>(
                    std::lower_bound(
                        tr.begin(), tr.end(), data.from_ms,
                        [](const trade_print& p, std::int64_t t) { return p.ts_ms < t; }) -
                    tr.begin());
                if (s.next_trade < tr.size())
                    s.last_price = tr[s.next_trade].price;
            }
            if (s.last_price > 0)
                s.base_held = cfg.base_holding_usd / s.last_price;
        }
    }

    run_result run(const progress_fn& progress) {
        const std::uint64_t total = progress_units(data_);
        if (cfg_.ticks == tick_source::trades) {
            run_trades(progress, total);
        } else {
            run_path(progress, total);
        }
        for (std::size_t i = 0; i < symbols_.size(); ++i)
            if (symbols_[i].pos)
                close_position(i, symbols_[i].last_price, last_ts_, exit_reason::end_of_data);
        if (progress)
            progress(total, total);
        return std::move(result_);
    }

private:
    void run_path(const progress_fn& progress, std::uint64_t total) {
        const std::size_t per_bar = path_tick_count(cfg_.path_steps);
        std::vector<std::vector<tick>> ticks(symbols_.size(), std::vector<tick>(per_bar));
        std::vector<bool> active(symbols_.size());
        std::uint64_t minutes = 0;
        for (;;) {
            std::int64_t minute = std::numeric_limits<std::int64_t>::max();
            for (const auto& s : symbols_)
                if (s.next_bar < s.data->one_minute.size())
                    minute = std::min(minute, s.data->one_minute[s.next_bar].open_time_ms);
            if (minute >= data_.to_ms)
                break;
            for (std::size_t i = 0; i < symbols_.size(); ++i) {
                symbol_state& s = symbols_[i];
                active[i] = s.next_bar < s.data->one_minute.size() &&
                            s.data->one_minute[s.next_bar].open_time_ms == minute;
                if (active[i])
                    path_ticks(s.data->one_minute[s.next_bar++], minute_ms, cfg_.path_steps,
                               ticks[i]);
            }
            for (std::size_t k = 0; k < per_bar; ++k)
                for (std::size_t i = 0; i < symbols_.size(); ++i)
                    if (active[i] && ticks[i][k].ts_ms < data_.to_ms)
                        on_tick(i, ticks[i][k].ts_ms, ticks[i][k].price);
            if (progress && (++minutes & 255) == 0)
                progress(std::min<std::uint64_t>(total, static_cast<std::uint64_t>(
                                                            (minute - data_.from_ms) / minute_ms)),
                         total);
        }
    }

    void run_trades(const progress_fn& progress, std::uint64_t total) {
        std::uint64_t n = 0;
        for (;;) {
            std::size_t best = symbols_.size();
            std::int64_t best_ts = data_.to_ms;
            for (std::size_t i = 0; i < symbols_.size(); ++i) {
                const auto& tr = data_.trades[i];
                if (symbols_[i].next_trade < tr.size() &&
                    tr[symbols_[i].next_trade].ts_ms < best_ts) {
                    best = i;
                    best_ts = tr[symbols_[i].next_trade].ts_ms;
                }
            }
            if (best == symbols_.size())
                break;
            const trade_print& p = data_.trades[best][symbols_[best].next_trade++];
            on_tick(best, p.ts_ms, p.price);
            if (progress && (++n & 4095) == 0)
                progress(std::min<std::uint64_t>(total, static_cast<std::uint64_t>(
                                                            (p.ts_ms - data_.from_ms) / minute_ms)),
                         total);
        }
    }

    void on_tick(std::size_t i, std::int64_t ts, double price) {
        symbol_state& s = symbols_[i];
        ++result_.counters.ticks;
        s.last_price = price;
        last_ts_ = ts;
        if (s.pos) {
            open_position& pos = *s.pos;
            const oco_leg leg = pos.oco.triggered(price); // the exchange watches every print
            if (leg != oco_leg::none) {
                close_position(i, price, ts,
                               leg == oco_leg::take_profit ? exit_reason::take_profit
                                                           : exit_reason::stop_loss);
            } else if (cfg_.exit_cadence_s <= 0 || ts >= pos.next_check_ms) {
                ++result_.counters.exit_checks;
                if (cfg_.exit_cadence_s > 0)
                    pos.next_check_ms = next_grid(ts, cadence_ms());
                const regime judge = st::judging_regime(true, arm_.current(), pos.entry_regime);
                const auto params = st::make_exit_params(table_[judge], cfg_.exchange.taker_fee);
                const st::exit_decision d = st::decide_exit(pos.view, price, params, ts);
                if (d.action == st::exit_action::ph_close)
                    close_position(i, price, ts, exit_reason::profit_hold);
                else if (d.action == st::exit_action::max_hold_close)
                    close_position(i, price, ts, exit_reason::max_hold);
            }
        }
        if (ts >= next_signal_ms_) {
            next_signal_ms_ = next_grid(ts, signal_ms());
            signal_cycle(ts);
        }
    }

    [[nodiscard]] std::int64_t cadence_ms() const noexcept {
        return std::max<std::int64_t>(1, std::llround(cfg_.exit_cadence_s * 1000.0));
    }
    [[nodiscard]] std::int64_t signal_ms() const noexcept {
        return std::max<std::int64_t>(1, std::llround(cfg_.signal_interval_s * 1000.0));
    }
    // The first point of the epoch-aligned grid strictly after ts.
    [[nodiscard]] static std::int64_t next_grid(std::int64_t ts, std::int64_t step) noexcept {
        return (ts / step + 1) * step;
    }

    void signal_cycle(std::int64_t ts) {
        ++result_.counters.signal_cycles;
        bool new_bar = false;
        for (auto& s : symbols_) {
            const std::size_t before = s.m5.visible;
            for (tf_view* v : {&s.m5, &s.m15, &s.m30, &s.h1, &s.d1})
                v->advance(ts);
            new_bar |= s.m5.visible != before;
        }
        // The ARM counts a detection once per new bar (arm.hpp), so calling it only then is exact.
        if (new_bar) {
            std::array<st::arm_symbol_input, st::arm_update::max_symbols> inputs{};
            const std::size_t n = std::min(symbols_.size(), inputs.size());
            for (std::size_t i = 0; i < n; ++i)
                inputs[i] = {symbols_[i].data->symbol, symbols_[i].m5.last(entry_window)};
            // The switch is read back through arm_.current(); the report lists no detections.
            (void)arm_.update(std::span<const st::arm_symbol_input>(inputs.data(), n), ts);
        }
        const regime current = arm_.current();
        const st::regime_params& params = table_[current];
        risk_.on_balance(cfg_.start_balance_usd + realised_, ts);
        for (std::size_t i = 0; i < symbols_.size(); ++i) {
            symbol_state& s = symbols_[i];
            if (s.pos || !(s.last_price > 0))
                continue;
            if (const auto v = risk_.can_open(s.data->symbol, ts, params.max_trades_per_hour);
                !v.allowed) {
                ++result_.counters.risk_blocked[static_cast<std::size_t>(v.reason) & 15];
                continue;
            }
            const candle_span entry = s.m5.last(entry_window);
            if (s.indicators_at != s.m5.visible) {
                s.indicators = st::compute_indicators(entry);
                s.indicators_at = s.m5.visible;
            }
            if (cfg_.score_prescreen &&
                st::score_signal(s.indicators, s.last_price, params).dir == side::none)
                continue;
            try_enter(i, ts, params, current);
        }
    }

    void try_enter(std::size_t i, std::int64_t ts, const st::regime_params& params,
                   regime current) {
        symbol_state& s = symbols_[i];
        std::array<st::open_position_ref, 16> refs{};
        std::size_t n = 0;
        for (std::size_t j = 0; j < symbols_.size() && n < refs.size(); ++j)
            if (j != i && symbols_[j].pos)
                refs[n++] = {symbols_[j].data->symbol, symbols_[j].pos->view.pos_side,
                             symbols_[j].m5.last(entry_window)};
        st::market_snapshot snap;
        snap.symbol = s.data->symbol;
        snap.entry = s.m5.last(entry_window);
        snap.m5 = snap.entry;
        snap.m15 = s.m15.last(mtf_window);
        snap.m30 = s.m30.last(mtf_window);
        snap.h1 = s.h1.last(h1_window);
        snap.d1 = s.d1.last(d1_window);
        snap.price = s.last_price;
        const st::account_view acct{free_usdt_, s.base_held, 0.0};
        const st::entry_decision d =
            st::evaluate_entry(snap, std::span<const st::open_position_ref>(refs.data(), n), acct,
                               params, s.spec, entry_cfg_, ts);
        if (!d.enter()) {
            ++result_.counters.entries_refused;
            ++result_.counters.entry_blocked[static_cast<std::size_t>(d.blocked_by) & 15];
            return;
        }
        const side side = d.dir;
        const bool is_long = side == side::long_side;
        const fill f =
            market_fill(s.inst, cfg_.exchange, entry_order_side(side), s.last_price, d.size.size);
        open_position pos;
        pos.view.pos_side = side;
        pos.view.entry_price = f.price;
        pos.view.entry_fee_usd = f.fee_usd;
        pos.view.entry_time_ms = ts;
        if (is_long) {
            free_usdt_ -= f.price * f.size;
            s.base_held += f.held;
            pos.size = decimal::floor_to(f.held, s.inst.lot_sz);
        } else {
            free_usdt_ += f.price * f.size - f.fee_usd;
            s.base_held -= f.size;
            pos.size = d.size.size;
        }
        pos.view.size = pos.size.to_double();
        const st::tp_sl_levels lv = st::compute_tp_sl(
            side, f.price, d.atr, s.last_price, params.tp_atr_multiplier, params.sl_atr_multiplier,
            s.inst.tick_sz, entry_cfg_.sizing.move_past_pct);
        pos.oco.long_position = is_long;
        if (lv.ok) {
            pos.oco.tp = lv.tp.to_double();
            pos.oco.sl = lv.sl.to_double();
        } else { // no usable levels: no OCO, only the guard's exits remain
            pos.oco.tp = is_long ? std::numeric_limits<double>::infinity() : 0.0;
            pos.oco.sl = is_long ? 0.0 : std::numeric_limits<double>::infinity();
        }
        pos.next_check_ms = cfg_.exit_cadence_s > 0 ? next_grid(ts, cadence_ms()) : ts;
        pos.entry_regime = current;
        pos.regime = st::to_string(current);
        pos.score = d.confidence;
        pos.atr = d.atr;
        pos.order_value = f.price * f.size;
        s.pos = std::move(pos);
        risk_.on_trade_opened(s.data->symbol, ts);
    }

    void close_position(std::size_t i, double last, std::int64_t ts, exit_reason reason) {
        symbol_state& s = symbols_[i];
        const open_position& pos = *s.pos;
        const bool is_long = pos.view.pos_side == side::long_side;
        const st::market_close mc =
            st::build_market_close(pos.view.pos_side, pos.view.size, s.inst.lot_sz);
        const fill f = market_fill(s.inst, cfg_.exchange, mc.side, last, mc.size);
        if (is_long) {
            free_usdt_ += f.price * f.size - f.fee_usd;
            s.base_held -= f.size;
        } else {
            free_usdt_ -= f.price * f.size;
            s.base_held += f.held;
        }
        trade_record t;
        t.symbol = s.data->symbol;
        t.regime = pos.regime;
        t.is_long = is_long;
        t.entry_ms = pos.view.entry_time_ms;
        t.exit_ms = ts;
        t.entry_px = pos.view.entry_price;
        t.exit_px = f.price;
        t.size = pos.view.size;
        t.order_value = pos.order_value;
        t.tp = pos.oco.tp;
        t.sl = pos.oco.sl;
        t.atr = pos.atr;
        t.score = pos.score;
        t.gross = st::gross_pnl(pos.view.pos_side, t.entry_px, f.price, f.size);
        t.fees = pos.view.entry_fee_usd + f.fee_usd;
        t.net = st::realised_net_pnl(pos.view, f.price, f.size, f.fee_usd);
        t.reason = reason;
        realised_ += t.net;
        result_.equity.push_back({ts, cfg_.start_balance_usd + realised_});
        risk_.on_trade_closed(s.data->symbol, t.net, ts);
        result_.trades.push_back(std::move(t));
        s.pos.reset();
    }

    const market_data_set& data_;
    const run_config& cfg_;
    st::regime_table table_;
    st::entry_config entry_cfg_;
    st::risk_controller risk_;
    st::adaptive_regime_manager arm_;
    std::vector<symbol_state> symbols_;
    double free_usdt_ = 0;
    double realised_ = 0;
    std::int64_t next_signal_ms_ = std::numeric_limits<std::int64_t>::min();
    std::int64_t last_ts_ = 0;
    run_result result_;
};

} // namespace

run_result run_backtest(const market_data_set& data, const run_config& config,
                        const progress_fn& progress) {
    replay r(data, config);
    return r.run(progress);
}

} // namespace scalpel::backtest
