// risk_controller: small fixed arrays (symbols, a ring of open times) so it never allocates.
// The UTC day is epoch_ms / 86 400 000 (floored); daily figures roll on the first event or balance
// observed in a new day, and can_open (const) treats a stale day as already rolled.
#include "strategy/risk_controller.hpp"

#include <algorithm>

namespace scalpel::strategy {

namespace {
constexpr std::int64_t day_ms = 86'400'000;
constexpr std::int64_t utc_day(std::int64_t t) noexcept {
    return t / day_ms - ((t % day_ms) < 0 ? 1 : 0);
}
} // namespace

const char* to_string(risk_block b) noexcept {
    switch (b) {
    case risk_block::none:
        return "none";
    case risk_block::symbol_has_position:
        return "symbol_has_position";
    case risk_block::max_open_positions:
        return "max_open_positions";
    case risk_block::daily_loss_stop:
        return "daily_loss_stop";
    case risk_block::daily_profit_lock:
        return "daily_profit_lock";
    case risk_block::consecutive_losses:
        return "consecutive_losses";
    case risk_block::symbol_cooldown:
        return "symbol_cooldown";
    case risk_block::hourly_trade_limit:
        return "hourly_trade_limit";
    case risk_block::too_many_symbols:
        return "too_many_symbols";
    }
    return "?";
}

risk_controller::risk_controller(risk_config cfg) noexcept : cfg_(cfg) {}

risk_controller::symbol_state* risk_controller::find_or_add(std::string_view symbol) noexcept {
    for (std::size_t i = 0; i < symbol_count_; ++i)
        if (symbols_[i].name == symbol)
            return &symbols_[i];
    if (symbol_count_ == max_symbols)
        return nullptr;
    symbol_state& s = symbols_[symbol_count_++];
    s = symbol_state{};
    s.name.assign_truncated(symbol);
    return &s;
}

const risk_controller::symbol_state* risk_controller::find(std::string_view symbol) const noexcept {
    for (std::size_t i = 0; i < symbol_count_; ++i)
        if (symbols_[i].name == symbol)
            return &symbols_[i];
    return nullptr;
}

void risk_controller::roll_day(std::int64_t now_ms) noexcept {
    const std::int64_t d = utc_day(now_ms);
    if (day_ == -1) {
        day_ = d;
        return;
    }
    if (d <= day_)
        return;
    if (day_balance_known_)
        day_start_balance_ += day_net_; // replaced by the day's first on_balance
    day_net_ = 0;
    day_ = d;
    day_balance_set_today_ = false;
    if (loss_streak_ >= cfg_.max_consecutive_losses)
        loss_streak_ = 0; // the streak stop lifts
}

void risk_controller::on_balance(double balance_usd, std::int64_t now_ms) noexcept {
    roll_day(now_ms);
    if (day_balance_set_today_)
        return;
    day_start_balance_ = balance_usd;
    day_balance_known_ = true;
    day_balance_set_today_ = true;
}

void risk_controller::on_trade_opened(std::string_view symbol, std::int64_t now_ms) noexcept {
    roll_day(now_ms);
    on_position_restored(symbol);
    opens_[opens_head_] = now_ms;
    opens_head_ = (opens_head_ + 1) % max_window_trades;
    opens_count_ = std::min(opens_count_ + 1, max_window_trades);
}

void risk_controller::on_position_restored(std::string_view symbol) noexcept {
    symbol_state* s = find_or_add(symbol);
    if (s == nullptr || s->open)
        return;
    s->open = true;
    ++open_count_;
}

void risk_controller::on_trade_closed(std::string_view symbol, double net_pnl_usd,
                                      std::int64_t now_ms) noexcept {
    roll_day(now_ms);
    day_net_ += net_pnl_usd;
    symbol_state* s = find_or_add(symbol);
    if (s != nullptr && s->open) {
        s->open = false;
        --open_count_;
    }
    if (net_pnl_usd < 0) {
        ++loss_streak_;
        if (s != nullptr && ++s->loss_streak >= cfg_.cooldown_after_losses)
            s->cooldown_until_ms = now_ms + cfg_.cooldown_ms;
    } else {
        loss_streak_ = 0;
        if (s != nullptr)
            s->loss_streak = 0;
    }
}

risk_verdict risk_controller::can_open(std::string_view symbol, std::int64_t now_ms,
                                       int max_trades_per_hour) const noexcept {
    const auto block = [](risk_block why, double value, double limit, std::int64_t until) noexcept {
        return risk_verdict{false, why, value, limit, until};
    };
    const symbol_state* s = find(symbol);
    if (s != nullptr && s->open)
        return block(risk_block::symbol_has_position, 1, 1, 0);
    if (s == nullptr && symbol_count_ == max_symbols)
        return block(risk_block::too_many_symbols, max_symbols, max_symbols, 0);
    if (open_count_ >= cfg_.max_open_positions)
        return block(risk_block::max_open_positions, open_count_, cfg_.max_open_positions, 0);

    const bool same_day = day_ != -1 && utc_day(now_ms) <= day_;
    const std::int64_t next_day_ms = (utc_day(now_ms) + 1) * day_ms;
    if (same_day && day_balance_known_ && day_start_balance_ > 0) {
        const double pct = day_net_ / day_start_balance_ * 100.0;
        if (pct <= -cfg_.daily_loss_limit_pct)
            return block(risk_block::daily_loss_stop, pct, -cfg_.daily_loss_limit_pct, next_day_ms);
        if (cfg_.profit_lock_enabled && pct >= cfg_.daily_profit_lock_pct)
            return block(risk_block::daily_profit_lock, pct, cfg_.daily_profit_lock_pct,
                         next_day_ms);
    }
    if (same_day && loss_streak_ >= cfg_.max_consecutive_losses)
        return block(risk_block::consecutive_losses, loss_streak_, cfg_.max_consecutive_losses,
                     next_day_ms);
    if (s != nullptr && s->cooldown_until_ms > now_ms)
        return block(risk_block::symbol_cooldown, s->loss_streak, cfg_.cooldown_after_losses,
                     s->cooldown_until_ms);

    const int limit = std::min(max_trades_per_hour, static_cast<int>(max_window_trades));
    int in_window = 0;
    std::int64_t oldest = now_ms;
    for (std::size_t i = 0; i < opens_count_; ++i) {
        const std::int64_t t = opens_[i];
        if (t > now_ms - cfg_.trade_window_ms && t <= now_ms) {
            ++in_window;
            oldest = std::min(oldest, t);
        }
    }
    if (in_window >= limit)
        return block(risk_block::hourly_trade_limit, in_window, limit,
                     oldest + cfg_.trade_window_ms);
    return risk_verdict{};
}

} // namespace scalpel::strategy
