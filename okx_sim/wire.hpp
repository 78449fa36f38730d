// wire: the OKX v5 JSON the simulator writes (envelopes and the rows of orders, algos, fills,
// tickers, candles, balances; every number as a string) and small helpers to read request
// fields with simdjson. Rendering only: nothing here decides anything or reads a clock, and a
// malformed request must come back as a typed error (nullopt), never an exception.
#pragma once

#include "okx_sim/engine.hpp"
#include "okx_sim/market.hpp"

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::sim {

[[nodiscard]] std::string json_escape(std::string_view s);

// Builds one JSON object, keys in insertion order.
class json_obj {
public:
    json_obj& str(std::string_view key, std::string_view value);
    json_obj& raw(std::string_view key, std::string_view json); // value already JSON
    json_obj& num(std::string_view key, std::int64_t value);
    json_obj& boolean(std::string_view key, bool value);
    [[nodiscard]] std::string done() const { return out_ + "}"; }

private:
    void key(std::string_view k);
    std::string out_ = "{";
};

[[nodiscard]] std::string json_array(const std::vector<std::string>& items);
[[nodiscard]] std::string str_of(std::int64_t v);

// {"code":code,"msg":msg,"data":[items...]} (+ inTime/outTime in µs when given).
[[nodiscard]] std::string envelope(std::string_view code, std::string_view msg,
                                   const std::vector<std::string>& data, std::int64_t in_us = 0,
                                   std::int64_t out_us = 0);

// A field as a string: strings as they are, numbers in their shortest form, booleans as
// true/false; "" when absent or null or not a scalar.
[[nodiscard]] std::string field(simdjson::dom::object obj, std::string_view key);

[[nodiscard]] order_request parse_order_request(simdjson::dom::object obj);
[[nodiscard]] algo_request parse_algo_request(simdjson::dom::object obj);

[[nodiscard]] std::string render_order(const order& o, const instrument& in, bool with_fill_fields,
                                       bool has_fill);
[[nodiscard]] std::string render_algo(const algo_order& a, amount last);
[[nodiscard]] std::string render_fill(const engine::fill_ref& f);
[[nodiscard]] std::string render_ticker(const instrument& in, const market& m, std::size_t sym,
                                        const quote& q, std::int64_t ts);
[[nodiscard]] std::string render_candle(const candle_row& r); // 9-string array
[[nodiscard]] std::string render_instrument(const instrument& in);
[[nodiscard]] std::string render_item(const item_result& r, bool algo);
// The account/balance data[0] object for the given currencies (all non-zero ones when empty).
[[nodiscard]] std::string render_balance(const engine& e, const std::vector<std::string>& ccys,
                                         std::int64_t now);

} // namespace scalpel::sim
