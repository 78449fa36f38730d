// REST reply parsers: the `{code,msg,data:[…]}` envelope and every row type a spot scalper reads
// (okx_v5.md §2). Each takes the raw body plus the HTTP status and returns a result: the value, or
// a typed error (OKX code → kind, per-item sCode/sMsg/subCode, HTTP 401/429/5xx when the body is
// not OKX JSON, bad_response for malformed JSON, a missing field or a wrong type). Never throws.
// These are for the REST path (they allocate: padded copy, vectors); the WS hot path uses
// ws_parser.hpp.
#pragma once

#include "common/okx/error.hpp"
#include "common/okx/types.hpp"

#include <string_view>
#include <vector>

namespace scalpel::okx {

// Envelope only: ok when code is 0 (or 1/2, whose items decide); otherwise the code's error.
// For a body that is not OKX JSON, the HTTP status decides (429 → rate_limit, 401 → auth,
// 5xx → transient, anything else → bad_response).
[[nodiscard]] error parse_envelope(std::string_view body, int http_status = 200) noexcept;

[[nodiscard]] result<server_time> parse_server_time(std::string_view body, int http_status = 200);
[[nodiscard]] result<std::vector<instrument>> parse_instruments(std::string_view body,
                                                                int http_status = 200);
// tickers and ticker (one row) share the row format.
[[nodiscard]] result<std::vector<ticker>> parse_tickers(std::string_view body,
                                                        int http_status = 200);
// Rows in the order OKX sends them (newest first), unconfirmed rows included and flagged.
[[nodiscard]] result<std::vector<candle_row>> parse_candles(std::string_view body,
                                                            int http_status = 200);
[[nodiscard]] result<balance> parse_balance(std::string_view body, int http_status = 200);
// data[0] of account/config; acctLv must be 1..4.
[[nodiscard]] result<account_config> parse_account_config(std::string_view body,
                                                          int http_status = 200);
// place-order / cancel-order: the first item; an item with sCode != 0 is that code's error
// (sub_code = subCode, message = sMsg).
[[nodiscard]] result<order_ack> parse_order_ack(std::string_view body, int http_status = 200);
// GET trade/order: exactly one row; an empty `data` is not_found (51603).
[[nodiscard]] result<order_detail> parse_order_detail(std::string_view body, int http_status = 200);
[[nodiscard]] result<std::vector<order_detail>> parse_order_details(std::string_view body,
                                                                    int http_status = 200);
[[nodiscard]] result<std::vector<fill>> parse_fills(std::string_view body, int http_status = 200);
// place algo: the first item (sCode rules as for orders).
[[nodiscard]] result<algo_ack> parse_algo_ack(std::string_view body, int http_status = 200);
// cancel-algos: every item; the first failed item's error when any failed.
[[nodiscard]] result<std::vector<algo_ack>> parse_cancel_algos(std::string_view body,
                                                               int http_status = 200);
// order-algo details / pending / history.
[[nodiscard]] result<std::vector<algo_order>> parse_algo_orders(std::string_view body,
                                                                int http_status = 200);

} // namespace scalpel::okx
