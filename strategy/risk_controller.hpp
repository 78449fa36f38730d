// risk_controller: the account-wide gate run before any signal work. A pure state machine fed
// with trade events and explicit times (UTC epoch ms): max open positions (one per symbol), daily
// loss stop and profit lock against the UTC day's start balance, a consecutive-loss stop, a
// per-symbol cooldown after consecutive losses and the regime's max opens per rolling hour.
// It never reads a clock, never logs and never touches the exchange; the caller logs verdicts.
// Readings: the cooldown counts consecutive losses PER SYMBOL (a win on that symbol resets it;
// every further loss restarts the 15 min); the consecutive-loss stop is account-wide and lifts at
// the next UTC day (or reset_loss_streak()); net PnL == 0 is not a loss.
#pragma once

#include "common/fixed_string.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace scalpel::strategy {

struct risk_config {
    int max_open_positions = 3;
    double daily_loss_limit_pct = 10.0; // stop when day net <= −this % of the day's start balance
    bool profit_lock_enabled = true;
    double daily_profit_lock_pct = 5.0; // stop when day net >= +this %
    int max_consecutive_losses = 10;    // account-wide streak → stop until the next UTC day
    int cooldown_after_losses = 2;      // per-symbol streak that starts a cooldown
    std::int64_t cooldown_ms = 15 * 60'000;
    std::int64_t trade_window_ms = 60 * 60'000; // rolling window for max trades per hour
};

enum class risk_block : std::uint8_t {
    none = 0,
    symbol_has_position, // one position per symbol
    max_open_positions,
    daily_loss_stop,
    daily_profit_lock,
    consecutive_losses,
    symbol_cooldown,
    hourly_trade_limit,
    too_many_symbols, // more distinct symbols than the controller tracks (max_symbols)
};

[[nodiscard]] const char* to_string(risk_block b) noexcept;

struct [[nodiscard]] risk_verdict {
    bool allowed = true;
    risk_block reason = risk_block::none;
    double value = 0;          // the measured quantity (count, day pnl %, streak, ...)
    double limit = 0;          // the limit it hit
    std::int64_t until_ms = 0; // when the block lifts by itself (0 = not time-bound / unknown)
};

class risk_controller {
public:
    static constexpr std::size_t max_symbols = 16;
    // The config's largest max_trades_per_hour (bot_config reads 1..1000): a smaller ring silently
    // capped the limit (at 256, measured in a long chaos run: no entry after the 256th in an hour).
    static constexpr std::size_t max_window_trades = 1000;

    explicit risk_controller(risk_config cfg = {}) noexcept;

    // The account's balance (USDT equity) at `now_ms`. The first call of each UTC day fixes that
    // day's start balance; later calls the same day are ignored. Call it every cycle before
    // can_open. If a day starts without a call, its start balance is yesterday's start + net.
    void on_balance(double balance_usd, std::int64_t now_ms) noexcept;

    // A position was opened (counts towards the hourly window and the open set).
    void on_trade_opened(std::string_view symbol, std::int64_t now_ms) noexcept;
    // A position found at startup (reconciliation): open set only, not the hourly window.
    void on_position_restored(std::string_view symbol) noexcept;
    // A position was closed with this net PnL (fees included). A loss is net < 0; 0 is not a loss.
    void on_trade_closed(std::string_view symbol, double net_pnl_usd, std::int64_t now_ms) noexcept;

    // May a new position on `symbol` be opened at `now_ms` under the current regime's hourly limit?
    // Checks in this order: symbol already open, max positions, daily loss, profit lock,
    // consecutive losses, symbol cooldown, hourly limit. Returns the first failing rule.
    [[nodiscard]] risk_verdict can_open(std::string_view symbol, std::int64_t now_ms,
                                        int max_trades_per_hour) const noexcept;

    // Operator reset of the account-wide loss streak (the stop otherwise lifts at the UTC day
    // roll).
    void reset_loss_streak() noexcept { loss_streak_ = 0; }

    [[nodiscard]] int open_positions() const noexcept { return open_count_; }
    [[nodiscard]] int loss_streak() const noexcept { return loss_streak_; }
    [[nodiscard]] double day_net_pnl_usd() const noexcept { return day_net_; }
    [[nodiscard]] double day_start_balance_usd() const noexcept { return day_start_balance_; }
    [[nodiscard]] const risk_config& config() const noexcept { return cfg_; }

private:
    struct symbol_state {
        fixed_string<24> name;
        bool open = false;
        int loss_streak = 0;
        std::int64_t cooldown_until_ms = 0;
    };

    symbol_state* find_or_add(std::string_view symbol) noexcept;
    const symbol_state* find(std::string_view symbol) const noexcept;
    void roll_day(std::int64_t now_ms) noexcept;

    risk_config cfg_;
    std::array<symbol_state, max_symbols> symbols_{};
    std::size_t symbol_count_ = 0;
    int open_count_ = 0;
    int loss_streak_ = 0;
    std::int64_t day_ = -1; // UTC day number (epoch days) of the figures below
    double day_start_balance_ = 0;
    bool day_balance_known_ = false;
    bool day_balance_set_today_ = false;
    double day_net_ = 0;
    std::array<std::int64_t, max_window_trades> opens_{}; // ring of open times
    std::size_t opens_head_ = 0;
    std::size_t opens_count_ = 0;
};

} // namespace scalpel::strategy
