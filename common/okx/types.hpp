// Plain structs for what OKX v5 sends back (okx_v5.md §2, §4.7). Wire strings become fixed_string
// (ids, currencies, states), scalpel::decimal (anything that goes back on the wire or rounds onto
// an increment) or double (prices the strategy only looks at). Every struct except the REST list
// containers is trivially copyable and allocation-free, so the guard can hold them on its hot path.
// Empty wire strings ("" for px of a market order) become zero / empty.
#pragma once

#include "common/candle.hpp"
#include "common/decimal.hpp"
#include "common/fixed_string.hpp"

#include <cstdint>
#include <vector>

namespace scalpel::okx {

using inst_id_t = fixed_string<32>; // "BTC-USDT", "BTC-USD-220527"
using id_t = fixed_string<40>;      // ordId (~19 digits), clOrdId/algoClOrdId (≤32 alnum)
using ccy_t = fixed_string<16>;
using word_t = fixed_string<24>; // states, ordType, side, execType …

struct server_time {
    std::int64_t ts_ms = 0;
};

struct instrument {
    word_t inst_type;
    inst_id_t inst_id;
    ccy_t base_ccy, quote_ccy;
    decimal tick_sz, lot_sz, min_sz;
    word_t state; // live|suspend|preopen|test
    // instIdCode: the integer the WS order operations take instead of instId (OKX changelog
    // "Delist instId request parameter in WS order operation channels"; a JSON number in
    // public/instruments). 0 = not published / unknown: such a symbol cannot trade over WS.
    std::int64_t inst_id_code = 0;
};

// GET /api/v5/account/config (docs-v5 "Get account configuration"). acctLv: 1 Spot mode, 2 Futures
// mode, 3 Multi-currency margin, 4 Portfolio margin. perm: the key's permissions, comma separated
// (read_only, trade, withdraw).
struct account_config {
    fixed_string<32> uid, main_uid;
    int acct_lv = 0; // 0: not read
    fixed_string<48> perm;
    word_t pos_mode;
};

struct ticker {
    inst_id_t inst_id;
    double last = 0, last_sz = 0, bid_px = 0, bid_sz = 0, ask_px = 0, ask_sz = 0;
    std::int64_t ts_ms = 0;
};

// One REST/WS candle row: [ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]. `bar.volume` is base.
struct candle_row {
    candle bar;
    double vol_ccy_quote = 0;
    bool confirmed = false; // confirm=="1": the bar is closed; "0" rows must not feed indicators
};

struct balance_detail {
    ccy_t ccy;
    decimal eq, cash_bal, avail_bal, avail_eq, frozen_bal, ord_frozen;
    decimal liab; // borrowed amount in this currency ("" on a plain spot account → 0)
    std::int64_t u_time_ms = 0;
};

struct balance {
    decimal total_eq;
    std::int64_t u_time_ms = 0;
    std::vector<balance_detail> details;
};

// Per-item answer of place order / cancel order (REST and WS op replies).
struct order_ack {
    id_t ord_id, cl_ord_id;
    fixed_string<24> tag;
    std::int64_t ts_ms = 0;
};

enum class order_state : std::uint8_t {
    unknown,
    live,
    partially_filled,
    filled,
    canceled,
    mmp_canceled
};

struct order_detail {
    inst_id_t inst_id;
    id_t ord_id, cl_ord_id;
    word_t side, ord_type, tgt_ccy;
    order_state state = order_state::unknown;
    decimal px, sz, acc_fill_sz, avg_px, fee; // fee < 0 means charged
    ccy_t fee_ccy;
    // last fill (REST detail) or this update's fill (WS orders push)
    decimal fill_px, fill_sz, fill_fee;
    ccy_t fill_fee_ccy;
    id_t trade_id;
    word_t exec_type; // T taker / M maker (WS)
    std::int64_t fill_time_ms = 0, c_time_ms = 0, u_time_ms = 0;
    id_t algo_id, algo_cl_ord_id; // set when an algo (OCO leg) placed this order (WS)
    word_t source;                // "7" = placed by a TP/SL algo
};

struct fill {
    inst_id_t inst_id;
    id_t trade_id, ord_id, cl_ord_id, bill_id;
    word_t side, exec_type;
    decimal fill_px, fill_sz, fee;
    ccy_t fee_ccy;
    std::int64_t fill_time_ms = 0, ts_ms = 0;
};

struct algo_ack {
    id_t algo_id, algo_cl_ord_id;
};

enum class algo_state : std::uint8_t {
    unknown,
    live,
    pause,
    partially_effective,
    effective,
    canceled,
    order_failed,
    partially_failed
};

struct algo_order {
    id_t algo_id, algo_cl_ord_id;
    inst_id_t inst_id;
    word_t ord_type, side;
    decimal sz, tp_trigger_px, tp_ord_px, sl_trigger_px, sl_ord_px;
    algo_state state = algo_state::unknown;
    word_t actual_side; // "tp" / "sl" once fired, "" before
    decimal actual_px, actual_sz;
    id_t ord_id; // child order once triggered (first of ordIdList when ordId is empty)
    word_t fail_code;
    std::int64_t trigger_time_ms = 0, c_time_ms = 0, u_time_ms = 0;
};

[[nodiscard]] order_state parse_order_state(std::string_view s) noexcept;
[[nodiscard]] algo_state parse_algo_state(std::string_view s) noexcept;
[[nodiscard]] std::string_view to_string(order_state s) noexcept;
[[nodiscard]] std::string_view to_string(algo_state s) noexcept;

} // namespace scalpel::okx
