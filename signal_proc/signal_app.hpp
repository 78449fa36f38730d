// signal_app: the signal_proc process body on one io_context — a heartbeat timer (≤ 100 ms,
// independent of the cycle) and the cycle: candles → ARM (publish on a switch) → journal into the
// risk controller → reconcile opening slots → per free symbol: risk check, price, evaluate_entry,
// one decision log line, and the order executor. All strategy rules are strategy::*; this class
// only gathers inputs, calls them and acts. It never touches a slot that is open (the guard's).
#pragma once

#include "common/config/bot_config.hpp"
#include "common/net/rest_client.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/fill_sync.hpp"
#include "signal_proc/ledger_link.hpp"
#include "signal_proc/market_feed.hpp"
#include "signal_proc/order_executor.hpp"
#include "strategy/arm.hpp"
#include "strategy/risk_controller.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace scalpel::signal {

struct instrument_info {
    strategy::instrument_spec spec;
    std::string base_ccy;
};

class signal_app {
public:
    // Contract: `ioc` and `seg` outlive the app. Throws net_client::config_error on a bad endpoint.
    signal_app(net::io_context& ioc, config::bot_config cfg,
               std::optional<net_client::credentials> creds, shm::segment& seg);

    // Spawns the heartbeat and the main loop. Call once.
    void start();
    // Asks for a clean stop: the current step finishes, then both loops end and run() returns.
    void request_stop();

private:
    net::awaitable<void> heartbeat_loop();
    net::awaitable<void> main_loop();
    net::awaitable<bool> load_instruments();
    net::awaitable<void> cycle();
    net::awaitable<void> wait_ms(std::int64_t ms);
    void publish_params(const char* why);
    void adopt_segment();
    void feed_journal();
    net::awaitable<void> sync_fills();
    void update_arm(std::int64_t now_ms);
    net::awaitable<void> reconcile_opening_slots();
    net::awaitable<void> evaluate_symbol(symbol_market& m, std::int64_t now_ms);
    [[nodiscard]] bool symbol_busy(std::string_view symbol) const;
    [[nodiscard]] double atr_of(std::string_view symbol);
    [[nodiscard]] const strategy::instrument_spec* spec_of(std::string_view symbol) const;

    net::io_context& ioc_;
    config::bot_config cfg_;
    shm::segment& seg_;
    net_client::rest_client client_;
    market_feed feed_;
    order_executor exec_;
    strategy::adaptive_regime_manager arm_;
    strategy::risk_controller risk_;
    ledger_link ledger_; // after risk_: feeds it
    fill_sync fills_;
    bool fills_dirty_ = true; // an entry or a close since the last fill sync
    std::map<std::string, instrument_info, std::less<>> instruments_;
    std::int64_t instruments_loaded_ms_ = 0;
    struct account {
        double free_usdt = 0, total_usd = 0;
        double liabilities =
            0; // Σ |liab| over currencies; any amount blocks entries (no borrowing)
        std::map<std::string, double, std::less<>> avail;
        bool ok = false;
    } account_;
    bool stopping_ = false;
    net::steady_timer cycle_timer_;
    std::uint64_t cycles_ = 0;
};

} // namespace scalpel::signal
