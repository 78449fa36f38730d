// REST reply parsers. See parse.hpp. One thread_local ondemand parser is reused per thread; the
// body is copied into a padded_string (REST is not the hot path).
#include "common/okx/parse.hpp"

#include "common/okx/json_detail.hpp"

namespace scalpel::okx {
namespace {

using namespace detail;

error http_fallback(int http_status, std::string_view what) noexcept {
    if (http_status == 429)
        return make_error(error_kind::rate_limit, "HTTP 429 Too Many Requests", 0, 429);
    if (http_status == 401)
        return make_error(error_kind::auth, "HTTP 401 Unauthorized", 0, 401);
    if (http_status >= 500)
        return make_error(error_kind::transient, "HTTP 5xx from server", 0, http_status);
    return make_error(error_kind::bad_response, what, 0, http_status);
}

// Reads the envelope and calls on_item(od::value&, error&) for each element of `data`. The first
// item error wins; an envelope code 1/2 with no failed item becomes that code's error.
template <class F> error for_each_item(std::string_view body, int http_status, F&& on_item) {
    thread_local od::parser parser;
    const simdjson::padded_string padded(body);
    od::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS)
        return http_fallback(http_status, "malformed JSON");
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS)
        return http_fallback(http_status, "reply is not a JSON object");

    int code = 0;
    {
        od::value v;
        if (obj["code"].get(v) != simdjson::SUCCESS)
            return http_fallback(http_status, "missing field: code");
        od::json_type t;
        if (v.type().get(t) != simdjson::SUCCESS)
            return http_fallback(http_status, "malformed JSON");
        std::string_view s;
        std::int64_t n = 0;
        if (t == od::json_type::string) {
            if (v.get_string().get(s) != simdjson::SUCCESS || !text_to_int(s, code))
                return make_error(error_kind::bad_response, "field is not an integer: code", 0,
                                  http_status);
        } else if (t == od::json_type::number && v.get_int64().get(n) == simdjson::SUCCESS) {
            code = static_cast<int>(n);
        } else {
            return make_error(error_kind::bad_response, "field has wrong type: code", 0,
                              http_status);
        }
    }
    std::string_view msg;
    {
        od::value v;
        if (obj["msg"].get(v) == simdjson::SUCCESS && v.get_string().get(msg) != simdjson::SUCCESS)
            return make_error(error_kind::bad_response, "field is not a string: msg", 0,
                              http_status);
    }
    error msg_err = make_error(code, msg, http_status); // copy msg now: the buffer moves on
    if (code != 0 && code != 1 && code != 2)
        return msg_err;

    od::array data;
    {
        od::value v;
        if (obj["data"].get(v) != simdjson::SUCCESS) {
            if (code != 0)
                return msg_err;
            return make_error(error_kind::bad_response, "missing field: data", 0, http_status);
        }
        if (v.get_array().get(data) != simdjson::SUCCESS)
            return make_error(error_kind::bad_response, "field is not an array: data", 0,
                              http_status);
    }
    for (auto item : data) {
        od::value v;
        error err;
        if (std::move(item).get(v) != simdjson::SUCCESS)
            return make_error(error_kind::bad_response, "malformed JSON", 0, http_status);
        if (!on_item(v, err)) {
            err.http_status = http_status;
            return err;
        }
    }
    if (code != 0)
        return msg_err;
    return error{};
}

// for_each_item for arrays of objects: a non-object item is a bad_response.
template <class Fn> error for_each_object(std::string_view body, int http_status, Fn fn) {
    return for_each_item(body, http_status, [&](od::value& v, error& err) {
        od::object obj;
        if (v.get_object().get(obj) != simdjson::SUCCESS) {
            err = make_error(error_kind::bad_response, "data item is not an object");
            return false;
        }
        return fn(obj, err);
    });
}

template <class Row, class Read>
result<std::vector<Row>> read_rows(std::string_view body, int http_status, Read read) {
    std::vector<Row> rows;
    const error e = for_each_object(body, http_status, [&](od::object& obj, error& err) {
        Row row{};
        if (!read(obj, row, err))
            return false;
        rows.push_back(row);
        return true;
    });
    if (!e.ok())
        return e;
    return rows;
}

// For items carrying sCode: a non-zero sCode is the item's error.
bool status_to_error(const item_status& st, error& err) {
    if (!st.has_s_code || st.s_code == 0)
        return true;
    err = make_error(st.s_code, st.s_msg, 0, st.sub_code);
    return false;
}

// instIdCode is a JSON integer in OKX's public/instruments example (docs-v5 "Get instruments":
// "instIdCode": 1000000000). A string of digits is taken too; null / "" mean unknown (0).
bool read_inst_id_code(field_walker& w, od::value& v, std::int64_t& out) noexcept {
    od::json_type t;
    if (v.type().get(t) != simdjson::SUCCESS)
        return w.fail("malformed value", "instIdCode");
    if (t == od::json_type::null) {
        out = 0;
        return true;
    }
    if (t == od::json_type::number) {
        std::int64_t n = 0;
        if (v.get_int64().get(n) != simdjson::SUCCESS || n < 0)
            return w.fail("field is not an integer", "instIdCode");
        out = n;
        return true;
    }
    std::string_view s;
    if (!w.text(v, "instIdCode", s))
        return false;
    if (s.empty()) {
        out = 0;
        return true;
    }
    if (!text_to_i64(s, out) || out < 0)
        return w.fail("field is not an integer", "instIdCode");
    return true;
}

bool read_instrument(od::object obj, instrument& out, error& err) noexcept {
    field_walker w(err);
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return w.fail("malformed object");
        od::value& v = field.value();
        bool ok = true;
        if (k == "instType")
            ok = w.str(v, k, out.inst_type);
        else if (k == "instId")
            ok = w.str(v, k, out.inst_id, 0);
        else if (k == "baseCcy")
            ok = w.str(v, k, out.base_ccy);
        else if (k == "quoteCcy")
            ok = w.str(v, k, out.quote_ccy);
        else if (k == "tickSz")
            ok = w.dec(v, k, out.tick_sz, 1);
        else if (k == "lotSz")
            ok = w.dec(v, k, out.lot_sz, 2);
        else if (k == "minSz")
            ok = w.dec(v, k, out.min_sz, 3);
        else if (k == "state")
            ok = w.str(v, k, out.state);
        else if (k == "instIdCode")
            ok = read_inst_id_code(w, v, out.inst_id_code);
        if (!ok)
            return false;
    }
    return w.done({"instId", "tickSz", "lotSz", "minSz"});
}

bool read_fill(od::object obj, fill& out, error& err) noexcept {
    field_walker w(err);
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return w.fail("malformed object");
        od::value& v = field.value();
        bool ok = true;
        if (k == "instId")
            ok = w.str(v, k, out.inst_id, 0);
        else if (k == "tradeId")
            ok = w.str(v, k, out.trade_id, 1);
        else if (k == "ordId")
            ok = w.str(v, k, out.ord_id, 2);
        else if (k == "fillPx")
            ok = w.dec(v, k, out.fill_px, 3);
        else if (k == "fillSz")
            ok = w.dec(v, k, out.fill_sz, 4);
        else if (k == "clOrdId")
            ok = w.str(v, k, out.cl_ord_id);
        else if (k == "billId")
            ok = w.str(v, k, out.bill_id);
        else if (k == "side")
            ok = w.str(v, k, out.side);
        else if (k == "execType")
            ok = w.str(v, k, out.exec_type);
        else if (k == "fee")
            ok = w.dec(v, k, out.fee);
        else if (k == "feeCcy")
            ok = w.str(v, k, out.fee_ccy);
        else if (k == "fillTime")
            ok = w.i64(v, k, out.fill_time_ms);
        else if (k == "ts")
            ok = w.i64(v, k, out.ts_ms);
        if (!ok)
            return false;
    }
    return w.done({"instId", "tradeId", "ordId", "fillPx", "fillSz"});
}

bool read_balance_detail(od::object obj, balance_detail& out, error& err) noexcept {
    field_walker w(err);
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return w.fail("malformed object");
        od::value& v = field.value();
        bool ok = true;
        if (k == "ccy")
            ok = w.str(v, k, out.ccy, 0);
        else if (k == "eq")
            ok = w.dec(v, k, out.eq, 1);
        else if (k == "cashBal")
            ok = w.dec(v, k, out.cash_bal);
        else if (k == "availBal")
            ok = w.dec(v, k, out.avail_bal, 2);
        else if (k == "availEq")
            ok = w.dec(v, k, out.avail_eq);
        else if (k == "frozenBal")
            ok = w.dec(v, k, out.frozen_bal);
        else if (k == "ordFrozen")
            ok = w.dec(v, k, out.ord_frozen);
        else if (k == "liab")
            ok = w.dec(v, k, out.liab);
        else if (k == "uTime")
            ok = w.i64(v, k, out.u_time_ms);
        if (!ok)
            return false;
    }
    return w.done({"ccy", "eq", "availBal"});
}

bool read_algo_ack(od::object obj, algo_ack& out, item_status& st, error& err) noexcept {
    field_walker w(err);
    for (auto f : obj) {
        od::field field;
        std::string_view k;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(k) != simdjson::SUCCESS)
            return w.fail("malformed object");
        od::value& v = field.value();
        bool handled = false;
        if (!read_status_field(w, v, k, st, handled))
            return false;
        if (handled)
            continue;
        bool ok = true;
        if (k == "algoId")
            ok = w.str(v, k, out.algo_id, 0);
        else if (k == "algoClOrdId")
            ok = w.str(v, k, out.algo_cl_ord_id);
        if (!ok)
            return false;
    }
    if (st.has_s_code && st.s_code != 0)
        return true;
    return w.done({"algoId"});
}

} // namespace

error parse_envelope(std::string_view body, int http_status) noexcept {
    try {
        return for_each_item(body, http_status, [](od::value&, error&) { return true; });
    } catch (...) { // only bad_alloc can get here
        return make_error(error_kind::bad_response, "out of memory");
    }
}

result<server_time> parse_server_time(std::string_view body, int http_status) {
    server_time out;
    bool got = false;
    const error e = for_each_item(body, http_status, [&](od::value& v, error& err) {
        od::object obj;
        field_walker w(err);
        if (v.get_object().get(obj) != simdjson::SUCCESS)
            return w.fail("data item is not an object");
        od::value ts;
        if (obj["ts"].get(ts) != simdjson::SUCCESS)
            return w.fail("missing field", "ts");
        got = w.i64(ts, "ts", out.ts_ms);
        return got;
    });
    if (!e.ok())
        return e;
    if (!got)
        return make_error(error_kind::bad_response, "empty data", 0, http_status);
    return out;
}

result<std::vector<instrument>> parse_instruments(std::string_view body, int http_status) {
    return read_rows<instrument>(body, http_status, read_instrument);
}

result<std::vector<ticker>> parse_tickers(std::string_view body, int http_status) {
    return read_rows<ticker>(body, http_status, read_ticker);
}

result<std::vector<candle_row>> parse_candles(std::string_view body, int http_status) {
    std::vector<candle_row> rows;
    const error e = for_each_item(body, http_status, [&](od::value& v, error& err) {
        od::array arr;
        if (v.get_array().get(arr) != simdjson::SUCCESS) {
            err = make_error(error_kind::bad_response, "candle row is not an array");
            return false;
        }
        candle_row row;
        if (!read_candle_row(arr, row, err))
            return false;
        rows.push_back(row);
        return true;
    });
    if (!e.ok())
        return e;
    return rows;
}

result<balance> parse_balance(std::string_view body, int http_status) {
    balance out;
    bool got = false;
    const error e = for_each_item(body, http_status, [&](od::value& v, error& err) {
        field_walker w(err);
        od::object obj;
        if (v.get_object().get(obj) != simdjson::SUCCESS)
            return w.fail("data item is not an object");
        if (got)
            return true; // only data[0] is the trading account
        got = true;
        for (auto f : obj) {
            od::field field;
            std::string_view k;
            if (std::move(f).get(field) != simdjson::SUCCESS ||
                field.unescaped_key().get(k) != simdjson::SUCCESS)
                return w.fail("malformed object");
            od::value& fv = field.value();
            if (k == "totalEq") {
                if (!w.dec(fv, k, out.total_eq))
                    return false;
            } else if (k == "uTime") {
                if (!w.i64(fv, k, out.u_time_ms))
                    return false;
            } else if (k == "details") {
                od::array arr;
                if (fv.get_array().get(arr) != simdjson::SUCCESS)
                    return w.fail("field is not an array", k);
                for (auto d : arr) {
                    od::object dobj;
                    if (d.get_object().get(dobj) != simdjson::SUCCESS)
                        return w.fail("details item is not an object");
                    balance_detail bd;
                    if (!read_balance_detail(dobj, bd, err))
                        return false;
                    out.details.push_back(bd);
                }
                (void)w.mark(0);
            }
        }
        return w.done({"details"});
    });
    if (!e.ok())
        return e;
    if (!got)
        return make_error(error_kind::bad_response, "empty data", 0, http_status);
    return out;
}

result<account_config> parse_account_config(std::string_view body, int http_status) {
    account_config out;
    bool got = false;
    const error e = for_each_item(body, http_status, [&](od::value& v, error& err) {
        field_walker w(err);
        od::object obj;
        if (v.get_object().get(obj) != simdjson::SUCCESS)
            return w.fail("data item is not an object");
        if (got)
            return true;
        got = true;
        for (auto f : obj) {
            od::field field;
            std::string_view k;
            if (std::move(f).get(field) != simdjson::SUCCESS ||
                field.unescaped_key().get(k) != simdjson::SUCCESS)
                return w.fail("malformed object");
            od::value& fv = field.value();
            bool ok = true;
            if (k == "uid") {
                ok = w.str(fv, k, out.uid);
            } else if (k == "mainUid") {
                ok = w.str(fv, k, out.main_uid);
            } else if (k == "perm") {
                ok = w.str(fv, k, out.perm);
            } else if (k == "posMode") {
                ok = w.str(fv, k, out.pos_mode);
            } else if (k == "acctLv") {
                std::string_view s;
                ok = w.text(fv, k, s);
                if (ok && (!text_to_int(s, out.acct_lv) || out.acct_lv < 1 || out.acct_lv > 4))
                    return w.fail("acctLv is not 1..4", k);
                ok = ok && w.mark(0);
            }
            if (!ok)
                return false;
        }
        return w.done({"acctLv"});
    });
    if (!e.ok())
        return e;
    if (!got)
        return make_error(error_kind::bad_response, "empty data", 0, http_status);
    return out;
}

result<order_ack> parse_order_ack(std::string_view body, int http_status) {
    order_ack out;
    bool got = false;
    const error e = for_each_item(body, http_status, [&](od::value& v, error& err) {
        if (got)
            return true; // only the first item is the answer; later ones are not even read
        od::object obj;
        if (v.get_object().get(obj) != simdjson::SUCCESS) {
            err = make_error(error_kind::bad_response, "data item is not an object");
            return false;
        }
        item_status st;
        if (!read_order_ack(obj, out, st, err))
            return false;
        got = true;
        return status_to_error(st, err);
    });
    if (!e.ok())
        return e;
    if (!got)
        return make_error(error_kind::bad_response, "empty data", 0, http_status);
    return out;
}

result<std::vector<order_detail>> parse_order_details(std::string_view body, int http_status) {
    return read_rows<order_detail>(body, http_status, read_order_detail);
}

result<order_detail> parse_order_detail(std::string_view body, int http_status) {
    auto rows = parse_order_details(body, http_status);
    if (!rows.ok())
        return rows.err;
    if (rows.value.empty())
        return make_error(51603, "Order does not exist", http_status);
    return rows.value.front();
}

result<std::vector<fill>> parse_fills(std::string_view body, int http_status) {
    return read_rows<fill>(body, http_status, read_fill);
}

result<std::vector<algo_ack>> parse_cancel_algos(std::string_view body, int http_status) {
    std::vector<algo_ack> out;
    const error e = for_each_object(body, http_status, [&](od::object& obj, error& err) {
        item_status st;
        algo_ack ack;
        if (!read_algo_ack(obj, ack, st, err))
            return false;
        out.push_back(ack);
        return status_to_error(st, err);
    });
    if (!e.ok())
        return e;
    return out;
}

result<algo_ack> parse_algo_ack(std::string_view body, int http_status) {
    auto rows = parse_cancel_algos(body, http_status);
    if (!rows.ok())
        return rows.err;
    if (rows.value.empty())
        return make_error(error_kind::bad_response, "empty data", 0, http_status);
    return rows.value.front();
}

result<std::vector<algo_order>> parse_algo_orders(std::string_view body, int http_status) {
    return read_rows<algo_order>(body, http_status, read_algo_order);
}

} // namespace scalpel::okx
