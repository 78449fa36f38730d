// Request builders for OKX v5 (okx_v5.md §2, §4): REST paths with query strings, JSON bodies for
// place order / OCO algo / cancel order / cancel algos, and WS frames (login, subscribe, op:order,
// op:cancel-order). Bodies come out byte-exact and compact in the order the spec's signing vectors
// use, because the signature covers the raw bytes. Every body builder has an allocation-free form
// writing into a caller buffer (the guard builds its close order on the hot path) and a std::string
// convenience form. Text fields must be plain ids (no quotes, backslashes or control characters);
// anything else is refused rather than escaped.
#pragma once

#include "common/decimal.hpp"
#include "common/side.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace scalpel::okx {

enum class ord_type : std::uint8_t { market, limit, post_only, ioc, fok };
enum class tgt_ccy : std::uint8_t { none, base_ccy, quote_ccy }; // none: omit (OKX default)
// tdMode of a SPOT order follows the account mode (docs-v5 "Place order", tdMode note): Spot and
// Futures mode trade SPOT as `cash`, Multi-currency and Portfolio margin as `cross`.
enum class td_mode : std::uint8_t { cash, cross };

[[nodiscard]] std::string_view to_string(order_side s) noexcept;
[[nodiscard]] std::string_view to_string(ord_type t) noexcept;
[[nodiscard]] std::string_view to_string(td_mode m) noexcept;

// POST /api/v5/trade/order (REST: instId) and WS op "order" (instIdCode, see write_ws_order).
struct place_order_req {
    std::string_view inst_id;
    std::int64_t inst_id_code = 0; // WS only; 0 = unknown (the WS writers refuse)
    okx::td_mode td_mode = td_mode::cash;
    order_side side = order_side::buy;
    okx::ord_type ord_type = ord_type::market;
    decimal sz;
    decimal px;                           // required unless market; ignored for market
    okx::tgt_ccy tgt_ccy = tgt_ccy::none; // market orders only
    std::string_view cl_ord_id;           // ≤32 alnum; strongly recommended (retry safety)
    std::string_view tag;                 // ≤16 alnum, optional
    // Request deadline, epoch ms (0 = none). OKX discards a place order whose deadline has passed
    // when it gets to it: REST sends it as the `expTime` header (rest_client), WS as the op's
    // `expTime` field (write_ws_order). It is not part of the REST body.
    std::int64_t exp_time_ms = 0;
};

// POST /api/v5/trade/order-algo. Both triggers → ordType "oco"; one → "conditional".
// Order prices are -1 (market) unless given.
struct algo_order_req {
    std::string_view inst_id;
    okx::td_mode td_mode = td_mode::cash;
    order_side side = order_side::sell;
    decimal sz;
    // Unit of sz. OKX reads a spot BUY algo's sz as QUOTE currency unless told otherwise, so a
    // SHORT's buy-back OCO must say base_ccy; written whenever it differs from OKX's default for
    // the side (sell → base_ccy is the default and is omitted). UNCLEAR at OKX: docs-v5 "Place
    // algo order" documents tgtCcy as "Only applicable to SPOT traded with Market buy
    // conditional order", saying nothing of oco. We send it on a buy oco anyway (the only way to
    // ask for base units); whether OKX honours it must be checked on demo (scalpel-preflight's
    // round trip only exercises a SELL oco).
    okx::tgt_ccy tgt_ccy = tgt_ccy::base_ccy;
    bool has_tp = false, has_sl = false;
    decimal tp_trigger_px, sl_trigger_px;
    decimal tp_ord_px{-1, 0}, sl_ord_px{-1, 0};
    std::string_view algo_cl_ord_id;
};

// POST /api/v5/trade/cancel-order: ord_id wins when both are set.
struct cancel_order_req {
    std::string_view inst_id;
    std::string_view ord_id;
    std::string_view cl_ord_id;
    std::int64_t inst_id_code = 0; // WS only, as in place_order_req
};

// One element of POST /api/v5/trade/cancel-algos: algo_id wins when both are set.
struct cancel_algo_req {
    std::string_view inst_id;
    std::string_view algo_id;
    std::string_view algo_cl_ord_id;
};

// Writers: return the number of bytes written (no terminator), or 0 when the request is invalid
// (missing instId/size/price, a text field that is not a plain id) or does not fit in `cap`.
std::size_t write_place_order(const place_order_req& r, char* out, std::size_t cap) noexcept;
std::size_t write_algo_order(const algo_order_req& r, char* out, std::size_t cap) noexcept;
std::size_t write_cancel_order(const cancel_order_req& r, char* out, std::size_t cap) noexcept;
std::size_t write_cancel_algos(const cancel_algo_req* reqs, std::size_t n, char* out,
                               std::size_t cap) noexcept;

// String forms; empty string when the writer refused.
[[nodiscard]] std::string place_order_body(const place_order_req& r);
[[nodiscard]] std::string algo_order_body(const algo_order_req& r);
[[nodiscard]] std::string cancel_order_body(const cancel_order_req& r);
[[nodiscard]] std::string cancel_algos_body(const cancel_algo_req* reqs, std::size_t n);

// WS order ops (private channel): {"id":"<id>","op":"order","expTime":"<ms>","args":[{…}]}
// (expTime only when r.exp_time_ms > 0) and {"id":"<id>","op":"cancel-order","args":[{…}]}. `id`
// ≤32 alnum, may be empty (omitted). The instrument goes as the integer "instIdCode" and "instId"
// is left out: OKX delisted instId from the WS order operations (changelog "Delist instId request
// parameter in WS order operation channels": demo already, live in phases from March 2026; an
// instId-only request is refused with 50014 "Parameter instIdCode can not be empty"). A request
// without a code (0) is refused here, so a caller falls back to REST, which still takes instId.
std::size_t write_ws_order(std::string_view id, const place_order_req& r, char* out,
                           std::size_t cap) noexcept;
std::size_t write_ws_cancel_order(std::string_view id, const cancel_order_req& r, char* out,
                                  std::size_t cap) noexcept;

// The `expTime` value for a request sent at `now_ms` (epoch ms) that must not execute after
// `deadline_ms` more: "Request effective deadline. Unix timestamp in milliseconds" (OKX v5,
// Overview → Transaction timeouts; place/batch/amend order over REST and WS).
[[nodiscard]] constexpr std::int64_t exp_time_after(std::int64_t now_ms,
                                                    std::int64_t deadline_ms) noexcept {
    return now_ms + deadline_ms;
}
// Writes the decimal epoch-ms text of an expTime into `out` (≥ 20 bytes); returns its length.
std::size_t write_exp_time(std::int64_t exp_time_ms, char* out, std::size_t cap) noexcept;

// WS login: {"op":"login","args":[{"apiKey":…,"passphrase":…,"timestamp":"<epoch s>","sign":…}]}
// with sign = HMAC(secret, ts+"GET"+"/users/self/verify"). The result holds secrets: never log it.
[[nodiscard]] std::string ws_login_frame(std::string_view api_key, std::string_view secret,
                                         std::string_view passphrase, std::int64_t epoch_seconds);

// One WS subscription arg. inst_type is sent when not empty (orders / orders-algo need it).
struct ws_sub {
    std::string channel;
    std::string inst_id;
    std::string inst_type;
};
// {"op":"subscribe","args":[{"channel":…,"instType":…,"instId":…},…]}
[[nodiscard]] std::string ws_subscribe_frame(const ws_sub* subs, std::size_t n,
                                             std::string_view op = "subscribe");

// REST paths (path + "?query"), exactly what is sent and signed. Empty/zero optional parameters
// are omitted. Values are percent-encoded except unreserved characters and ','.
[[nodiscard]] std::string path_server_time();
[[nodiscard]] std::string path_instruments(std::string_view inst_type,
                                           std::string_view inst_id = {});
[[nodiscard]] std::string path_ticker(std::string_view inst_id);
[[nodiscard]] std::string path_tickers(std::string_view inst_type);
// history=true → /market/history-candles. after: rows older than ts; before: newer than ts.
[[nodiscard]] std::string path_candles(std::string_view inst_id, std::string_view bar,
                                       int limit = 0, std::int64_t after_ms = 0,
                                       std::int64_t before_ms = 0, bool history = false);
[[nodiscard]] std::string path_balance(std::string_view ccys = {});
[[nodiscard]] std::string path_account_config();
// tdMode for a SPOT order in account mode `acct_lv` (docs-v5 "Place order", tdMode: Spot mode and
// Futures mode SPOT → cash; Multi-currency margin and Portfolio margin SPOT → cross). An unknown
// mode (0) gives cash, the only mode a plain spot account accepts.
[[nodiscard]] td_mode spot_td_mode(int acct_lv) noexcept;
[[nodiscard]] std::string path_order(std::string_view inst_id, std::string_view ord_id,
                                     std::string_view cl_ord_id);
[[nodiscard]] std::string path_orders_pending(std::string_view inst_type,
                                              std::string_view inst_id = {});
[[nodiscard]] std::string path_fills(std::string_view inst_id, std::string_view ord_id = {},
                                     int limit = 0);
[[nodiscard]] std::string path_algo_order(std::string_view algo_id,
                                          std::string_view algo_cl_ord_id);
[[nodiscard]] std::string path_algos_pending(std::string_view ord_type,
                                             std::string_view inst_id = {});
// state: effective|canceled|order_failed (or empty when algo_id is given).
[[nodiscard]] std::string path_algos_history(std::string_view ord_type, std::string_view state,
                                             std::string_view algo_id = {},
                                             std::string_view inst_id = {});

inline constexpr std::string_view path_place_order = "/api/v5/trade/order";
inline constexpr std::string_view path_cancel_order = "/api/v5/trade/cancel-order";
inline constexpr std::string_view path_place_algo = "/api/v5/trade/order-algo";
inline constexpr std::string_view path_cancel_algos = "/api/v5/trade/cancel-algos";

} // namespace scalpel::okx
