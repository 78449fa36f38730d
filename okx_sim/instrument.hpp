// instrument: the static description of one simulated SPOT pair (OKX `public/instruments` row):
// increments, minimum size and the price a random walk starts from. Only pairs in the built-in
// table can be simulated, because their tick/lot/min sizes must match the real exchange; the
// table must never be changed to values OKX does not use.
#pragma once

#include "okx_sim/amount.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::sim {

struct instrument {
    std::string inst_id; // "BTC-USDT"
    std::string base;    // "BTC"
    std::string quote;   // "USDT"
    amount tick_sz;
    amount lot_sz;
    amount min_sz;
    double walk_start_px = 100; // random-walk start (roughly the 2022 price)
    std::string list_time = "1606468572000";
    // instIdCode as public/instruments publishes it (a JSON integer) and the WS order operations
    // require. The simulator's codes are its own (OKX's real ones are not reproduced).
    std::int64_t inst_id_code = 0;
};

// The built-in table entry for `inst_id` (BTC-USDT, ETH-USDT, SOL-USDT, DOGE-USDT, XRP-USDT), or
// nullopt when the pair is unknown to the simulator.
[[nodiscard]] std::optional<instrument> builtin_instrument(std::string_view inst_id);

// Parses "BTC-USDT,ETH-USDT" into instruments; throws std::invalid_argument naming an unknown pair.
[[nodiscard]] std::vector<instrument> parse_symbols(std::string_view csv);

} // namespace scalpel::sim
