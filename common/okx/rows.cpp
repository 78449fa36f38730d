// Row readers: one OKX JSON row (ticker, order, algo order, ack, candle) → plain struct, shared by
// the REST and WS parsers. Unknown fields are skipped; known fields with a wrong JSON type, and
// missing required fields, are bad_response. Nothing here allocates.
#include "common/okx/json_detail.hpp"

namespace scalpel::okx {

order_state parse_order_state(std::string_view s) noexcept {
    if (s == "live")
        return order_state::live;
    if (s == "partially_filled")
        return order_state::partially_filled;
    if (s == "filled")
        return order_state::filled;
    if (s == "canceled")
        return order_state::canceled;
    if (s == "mmp_canceled")
        return order_state::mmp_canceled;
    return order_state::unknown;
}

algo_state parse_algo_state(std::string_view s) noexcept {
    if (s == "live")
        return algo_state::live;
    if (s == "pause")
        return algo_state::pause;
    if (s == "partially_effective")
        return algo_state::partially_effective;
    if (s == "effective")
        return algo_state::effective;
    if (s == "canceled")
        return algo_state::canceled;
    if (s == "order_failed")
        return algo_state::order_failed;
    if (s == "partially_failed")
        return algo_state::partially_failed;
    return algo_state::unknown;
}

std::string_view to_string(order_state s) noexcept {
    switch (s) {
    case order_state::live:
        return "live";
    case order_state::partially_filled:
        return "partially_filled";
    case order_state::filled:
        return "filled";
    case order_state::canceled:
        return "canceled";
    case order_state::mmp_canceled:
        return "mmp_canceled";
    case order_state::unknown:
        break;
    }
    return "unknown";
}

std::string_view to_string(algo_state s) noexcept {
    switch (s) {
    case algo_state::live:
        return "live";
    case algo_state::pause:
        return "pause";
    case algo_state::partially_effective:
        return "partially_effective";
    case algo_state::effective:
        return "effective";
    case algo_state::canceled:
        return "canceled";
    case algo_state::order_failed:
        return "order_failed";
    case algo_state::partially_failed:
        return "partially_failed";
    case algo_state::unknown:
        break;
    }
    return "unknown";
}

namespace detail {

// Iterates an object's fields; `on_field(key, value)` returns false to stop with `err` set.
template <class F> bool for_each_field(od::object& obj, field_walker& w, F&& on_field) noexcept {
    for (auto f : obj) {
        od::field field;
        if (std::move(f).get(field) != simdjson::SUCCESS)
            return w.fail("malformed object");
        std::string_view key;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS)
            return w.fail("malformed key");
        od::value& v = field.value();
        if (!on_field(key, v))
            return false;
    }
    return true;
}

bool read_ticker(od::object obj, ticker& out, error& err) noexcept {
    field_walker w(err);
    out = ticker{};
    const bool ok = for_each_field(obj, w, [&](std::string_view k, od::value& v) {
        if (k == "instId")
            return w.str(v, k, out.inst_id, 0);
        if (k == "last")
            return w.dbl(v, k, out.last, 1);
        if (k == "lastSz")
            return w.dbl(v, k, out.last_sz);
        if (k == "bidPx")
            return w.dbl(v, k, out.bid_px, 2);
        if (k == "bidSz")
            return w.dbl(v, k, out.bid_sz);
        if (k == "askPx")
            return w.dbl(v, k, out.ask_px, 3);
        if (k == "askSz")
            return w.dbl(v, k, out.ask_sz);
        if (k == "ts")
            return w.i64(v, k, out.ts_ms, 4);
        return true;
    });
    return ok && w.done({"instId", "last", "bidPx", "askPx", "ts"});
}

bool read_order_detail(od::object obj, order_detail& out, error& err) noexcept {
    field_walker w(err);
    out = order_detail{};
    const bool ok = for_each_field(obj, w, [&](std::string_view k, od::value& v) {
        if (k == "instId")
            return w.str(v, k, out.inst_id, 0);
        if (k == "ordId")
            return w.str(v, k, out.ord_id, 1);
        if (k == "state") {
            std::string_view s;
            if (!w.text(v, k, s))
                return false;
            out.state = parse_order_state(s);
            if (out.state == order_state::unknown)
                return w.fail("unknown order state", s);
            return w.mark(2);
        }
        if (k == "clOrdId")
            return w.str(v, k, out.cl_ord_id);
        if (k == "side")
            return w.str(v, k, out.side);
        if (k == "ordType")
            return w.str(v, k, out.ord_type);
        if (k == "tgtCcy")
            return w.str(v, k, out.tgt_ccy);
        if (k == "px")
            return w.dec(v, k, out.px);
        if (k == "sz")
            return w.dec(v, k, out.sz);
        if (k == "accFillSz")
            return w.dec(v, k, out.acc_fill_sz, 3);
        if (k == "avgPx")
            return w.dec(v, k, out.avg_px);
        if (k == "fee")
            return w.dec(v, k, out.fee);
        if (k == "feeCcy")
            return w.str(v, k, out.fee_ccy);
        if (k == "fillPx")
            return w.dec(v, k, out.fill_px);
        if (k == "fillSz")
            return w.dec(v, k, out.fill_sz);
        if (k == "fillFee")
            return w.dec(v, k, out.fill_fee);
        if (k == "fillFeeCcy")
            return w.str(v, k, out.fill_fee_ccy);
        if (k == "tradeId")
            return w.str(v, k, out.trade_id);
        if (k == "execType")
            return w.str(v, k, out.exec_type);
        if (k == "fillTime")
            return w.i64(v, k, out.fill_time_ms);
        if (k == "cTime")
            return w.i64(v, k, out.c_time_ms);
        if (k == "uTime")
            return w.i64(v, k, out.u_time_ms);
        if (k == "algoId")
            return w.str(v, k, out.algo_id);
        if (k == "algoClOrdId")
            return w.str(v, k, out.algo_cl_ord_id);
        if (k == "source")
            return w.str(v, k, out.source);
        return true;
    });
    return ok && w.done({"instId", "ordId", "state", "accFillSz"});
}

bool read_algo_order(od::object obj, algo_order& out, error& err) noexcept {
    field_walker w(err);
    out = algo_order{};
    const bool ok = for_each_field(obj, w, [&](std::string_view k, od::value& v) {
        if (k == "algoId")
            return w.str(v, k, out.algo_id, 0);
        if (k == "instId")
            return w.str(v, k, out.inst_id, 1);
        if (k == "state") {
            std::string_view s;
            if (!w.text(v, k, s))
                return false;
            out.state = parse_algo_state(s);
            if (out.state == algo_state::unknown)
                return w.fail("unknown algo state", s);
            return w.mark(2);
        }
        if (k == "algoClOrdId")
            return w.str(v, k, out.algo_cl_ord_id);
        if (k == "ordType")
            return w.str(v, k, out.ord_type);
        if (k == "side")
            return w.str(v, k, out.side);
        if (k == "sz")
            return w.dec(v, k, out.sz);
        if (k == "tpTriggerPx")
            return w.dec(v, k, out.tp_trigger_px);
        if (k == "tpOrdPx")
            return w.dec(v, k, out.tp_ord_px);
        if (k == "slTriggerPx")
            return w.dec(v, k, out.sl_trigger_px);
        if (k == "slOrdPx")
            return w.dec(v, k, out.sl_ord_px);
        if (k == "actualSide")
            return w.str(v, k, out.actual_side);
        if (k == "actualPx")
            return w.dec(v, k, out.actual_px);
        if (k == "actualSz")
            return w.dec(v, k, out.actual_sz);
        if (k == "ordId") {
            std::string_view s;
            if (!w.text(v, k, s))
                return false;
            if (!s.empty() && !out.ord_id.assign(s))
                return w.fail("field too long", k);
            return true;
        }
        if (k == "ordIdList") {
            od::array arr;
            if (v.get_array().get(arr) != simdjson::SUCCESS)
                return w.fail("field is not an array", k);
            for (auto item : arr) {
                std::string_view s;
                if (item.get_string().get(s) != simdjson::SUCCESS)
                    return w.fail("field is not a string array", k);
                if (out.ord_id.empty() && !s.empty() && !out.ord_id.assign(s))
                    return w.fail("field too long", k);
            }
            return true;
        }
        if (k == "failCode")
            return w.str(v, k, out.fail_code);
        if (k == "triggerTime")
            return w.i64(v, k, out.trigger_time_ms);
        if (k == "cTime")
            return w.i64(v, k, out.c_time_ms);
        if (k == "uTime")
            return w.i64(v, k, out.u_time_ms);
        return true;
    });
    return ok && w.done({"algoId", "instId", "state"});
}

bool read_order_ack(od::object obj, order_ack& out, item_status& st, error& err) noexcept {
    field_walker w(err);
    out = order_ack{};
    st = item_status{};
    const bool ok = for_each_field(obj, w, [&](std::string_view k, od::value& v) {
        bool handled = false;
        if (!read_status_field(w, v, k, st, handled))
            return false;
        if (handled)
            return true;
        if (k == "ordId")
            return w.str(v, k, out.ord_id, 0);
        if (k == "clOrdId")
            return w.str(v, k, out.cl_ord_id);
        if (k == "tag")
            return w.str(v, k, out.tag);
        if (k == "ts")
            return w.i64(v, k, out.ts_ms);
        return true;
    });
    if (!ok)
        return false;
    if (st.has_s_code && st.s_code != 0)
        return true; // a rejected item may lack ordId
    return w.done({"ordId"});
}

bool read_candle_row(od::array arr, candle_row& out, error& err) noexcept {
    field_walker w(err);
    out = candle_row{};
    int i = 0;
    for (auto item : arr) {
        std::string_view s;
        if (item.get_string().get(s) != simdjson::SUCCESS)
            return w.fail("candle cell is not a string");
        bool ok = true;
        switch (i) {
        case 0:
            ok = text_to_i64(s, out.bar.open_time_ms) && !s.empty();
            break;
        case 1:
            ok = text_to_double(s, out.bar.open);
            break;
        case 2:
            ok = text_to_double(s, out.bar.high);
            break;
        case 3:
            ok = text_to_double(s, out.bar.low);
            break;
        case 4:
            ok = text_to_double(s, out.bar.close);
            break;
        case 5:
            ok = text_to_double(s, out.bar.volume);
            break;
        case 7:
            ok = text_to_double(s, out.vol_ccy_quote);
            break;
        case 8:
            if (s == "1")
                out.confirmed = true;
            else if (s != "0")
                ok = false;
            break;
        default:
            break;
        }
        if (!ok)
            return w.fail("bad candle cell");
        ++i;
    }
    if (i < 9)
        return w.fail("candle row has fewer than 9 cells");
    return true;
}

} // namespace detail
} // namespace scalpel::okx
