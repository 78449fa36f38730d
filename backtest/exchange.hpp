// exchange: the backtest's model of OKX spot execution. Market orders fill completely at the
// triggering tick's last price moved against the taker by `slippage_bps` and rounded onto the
// tick grid against the taker; the taker fee is charged on both legs as OKX would (strategy/money:
// a buy's fee is taken in the base asset, so the held size is the filled size minus the fee,
// floored to the lot size). OCO
// legs trigger on the last price and execute as market orders. Sizes go through
// common/decimal.hpp so lot and minimum sizes are respected exactly. No partial fills, no book.
#pragma once

#include "common/decimal.hpp"
#include "common/side.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace scalpel::backtest {

struct instrument {
    std::string symbol;
    decimal tick_sz{1, 2};
    decimal lot_sz{1, 8};
    decimal min_sz{1, 5};
};

// The instrument rules of `symbol` on `source` (OKX 2022 / Binance 2023 spot values).
// Unknown symbols get tick 0.00001, lot 0.000001, min 0.000001.
[[nodiscard]] instrument lookup_instrument(std::string_view source, std::string_view symbol);

struct exchange_config {
    double taker_fee = 0.001;  // fraction of notional per leg
    double slippage_bps = 0.0; // adverse move of every market fill, in basis points
};

struct fill {
    double price = 0;   // execution price (after slippage, on the tick grid)
    double size = 0;    // base filled (exact decimal converted once)
    double held = 0;    // base received on a buy after the base-asset fee; = size on a sell
    double fee_usd = 0; // fee in quote currency (a base fee valued at the fill price)
};

// Base size for an order worth `value_usd` at `price`, floored to the lot size.
// Returns a zero decimal if that is below the minimum size or inputs are not positive.
[[nodiscard]] decimal size_for_value(const instrument& inst, double value_usd,
                                     double price) noexcept;

// Executes a market order of `size` (a lot multiple) against last price `last`.
[[nodiscard]] fill market_fill(const instrument& inst, const exchange_config& cfg, order_side side,
                               double last, decimal size) noexcept;

// The exchange-side OCO of an open position: which leg, if any, the last price triggers.
enum class oco_leg : std::uint8_t { none, take_profit, stop_loss };

struct oco_order {
    bool long_position = true; // LONG → the legs sell; SHORT → they buy back
    double tp = 0, sl = 0;

    [[nodiscard]] oco_leg triggered(double last) const noexcept {
        if (long_position) {
            if (last >= tp)
                return oco_leg::take_profit;
            if (last <= sl)
                return oco_leg::stop_loss;
        } else {
            if (last <= tp)
                return oco_leg::take_profit;
            if (last >= sl)
                return oco_leg::stop_loss;
        }
        return oco_leg::none;
    }
};

} // namespace scalpel::backtest
