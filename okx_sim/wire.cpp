// wire: OKX v5 JSON rendering and request field access. See wire.hpp.
#include "okx_sim/wire.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace scalpel::sim {

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x",
                              static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out;
}

void json_obj::key(std::string_view k) {
    if (out_.size() > 1)
        out_ += ',';
    out_ += '"';
    out_ += k;
    out_ += "\":";
}
json_obj& json_obj::str(std::string_view k, std::string_view v) {
    key(k);
    out_ += '"';
    out_ += json_escape(v);
    out_ += '"';
    return *this;
}
json_obj& json_obj::raw(std::string_view k, std::string_view v) {
    key(k);
    out_ += v;
    return *this;
}
json_obj& json_obj::num(std::string_view k, std::int64_t v) {
    key(k);
    out_ += std::to_string(v);
    return *this;
}
json_obj& json_obj::boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
    return *this;
}

std::string json_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i)
            out += ',';
        out += items[i];
    }
    return out + "]";
}

std::string str_of(std::int64_t v) {
    return std::to_string(v);
}

std::string envelope(std::string_view code, std::string_view msg,
                     const std::vector<std::string>& data, std::int64_t in_us,
                     std::int64_t out_us) {
    json_obj o;
    o.str("code", code).str("msg", msg).raw("data", json_array(data));
    if (in_us)
        o.str("inTime", str_of(in_us)).str("outTime", str_of(out_us));
    return o.done();
}

std::string field(simdjson::dom::object obj, std::string_view key) {
    simdjson::dom::element el;
    if (obj.at_key(key).get(el))
        return {};
    switch (el.type()) {
    case simdjson::dom::element_type::STRING: {
        std::string_view s;
        if (el.get(s))
            return {};
        return std::string(s);
    }
    case simdjson::dom::element_type::INT64:
        return std::to_string(int64_t(el.get_int64().value_unsafe()));
    case simdjson::dom::element_type::UINT64:
        return std::to_string(uint64_t(el.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE: {
        const double d = el.get_double().value_unsafe();
        char buf[64];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
        if (ec != std::errc{})
            return {};
        return std::string(buf, p);
    }
    case simdjson::dom::element_type::BOOL:
        return el.get_bool().value_unsafe() ? "true" : "false";
    default:
        return {};
    }
}

order_request parse_order_request(simdjson::dom::object obj) {
    order_request r;
    r.inst_id = field(obj, "instId");
    r.td_mode = field(obj, "tdMode");
    r.side = field(obj, "side");
    r.ord_type = field(obj, "ordType");
    r.sz = field(obj, "sz");
    r.px = field(obj, "px");
    r.tgt_ccy = field(obj, "tgtCcy");
    r.cl_ord_id = field(obj, "clOrdId");
    r.tag = field(obj, "tag");
    return r;
}

algo_request parse_algo_request(simdjson::dom::object obj) {
    algo_request r;
    r.inst_id = field(obj, "instId");
    r.td_mode = field(obj, "tdMode");
    r.side = field(obj, "side");
    r.ord_type = field(obj, "ordType");
    r.sz = field(obj, "sz");
    r.tgt_ccy = field(obj, "tgtCcy");
    r.algo_cl_ord_id = field(obj, "algoClOrdId");
    r.tag = field(obj, "tag");
    r.tp_trigger_px = field(obj, "tpTriggerPx");
    r.tp_ord_px = field(obj, "tpOrdPx");
    r.sl_trigger_px = field(obj, "slTriggerPx");
    r.sl_ord_px = field(obj, "slOrdPx");
    return r;
}

std::string render_order(const order& o, const instrument& in, bool with_fill_fields,
                         bool has_fill) {
    json_obj j;
    const bool filled_any = !o.acc_fill_sz.is_zero();
    // A push without a fill of its own must not repeat the previous fill's tradeId (dedup rule 1).
    const fill* lf = o.last_fill && (!with_fill_fields || has_fill) ? &*o.last_fill : nullptr;
    j.str("instType", "SPOT")
        .str("instId", o.inst_id)
        .str("ordId", o.ord_id)
        .str("clOrdId", o.cl_ord_id)
        .str("tag", o.tag)
        .str("ordType", o.ord_type)
        .str("side", o.side)
        .str("posSide", "net")
        .str("tdMode", o.td_mode)
        .str("tgtCcy", o.tgt_ccy)
        .str("px", o.px.is_zero() ? "" : o.px.str())
        .str("sz", o.sz.str())
        .str("accFillSz", o.acc_fill_sz.str())
        .str("avgPx", filled_any ? o.avg_px().str() : "0")
        .str("fillPx", lf ? lf->px.str() : "")
        .str("fillSz", lf ? lf->sz.str() : "0")
        .str("fillTime", lf ? str_of(lf->ts) : "")
        .str("tradeId", lf ? lf->trade_id : "")
        .str("fee", o.fee.str())
        .str("feeCcy", o.fee_ccy.empty() ? (o.side == "buy" ? in.base : in.quote) : o.fee_ccy)
        .str("rebate", "0")
        .str("rebateCcy", o.side == "buy" ? in.base : in.quote)
        .str("state", o.state)
        .str("category", "normal")
        .str("source", o.source)
        .str("cancelSource", o.cancel_source)
        .str("algoId", o.algo_id)
        .str("algoClOrdId", o.algo_cl_ord_id)
        .str("lever", "")
        .str("reduceOnly", "false")
        .raw("attachAlgoOrds", "[]")
        .raw("linkedAlgoOrd", R"({"algoId":""})")
        .boolean("isTpLimit", false)
        .str("stpMode", "cancel_maker")
        .str("tradeQuoteCcy", in.quote)
        .str("cTime", str_of(o.c_time))
        .str("uTime", str_of(o.u_time));
    if (with_fill_fields) {
        const bool f = has_fill && o.last_fill;
        j.str("fillFee", f ? o.last_fill->fee.str() : "0")
            .str("fillFeeCcy", f ? o.last_fill->fee_ccy : "")
            .str("execType", f ? (o.last_fill->maker ? "M" : "T") : "")
            .str("fillNotionalUsd", f ? mul(o.last_fill->px, o.last_fill->sz).str() : "")
            .str("lastPx", f ? o.last_fill->px.str() : "")
            .str("code", "0")
            .str("msg", "")
            .str("reqId", "")
            .str("amendResult", "");
    }
    return j.done();
}

std::string render_algo(const algo_order& a, amount last) {
    json_obj j;
    const bool tp = !a.tp_trigger_px.empty(), sl = !a.sl_trigger_px.empty();
    j.str("instType", "SPOT")
        .str("instId", a.inst_id)
        .str("algoId", a.algo_id)
        .str("algoClOrdId", a.algo_cl_ord_id)
        .str("ordType", a.ord_type)
        .str("side", a.side)
        .str("posSide", "net")
        .str("tdMode", a.td_mode)
        .str("tgtCcy", a.tgt_ccy)
        .str("sz", a.sz.str())
        .str("tag", a.tag)
        .str("state", a.state)
        .str("tpTriggerPx", a.tp_trigger_px)
        .str("tpTriggerPxType", tp ? "last" : "")
        .str("tpOrdPx", a.tp_ord_px)
        .str("slTriggerPx", a.sl_trigger_px)
        .str("slTriggerPxType", sl ? "last" : "")
        .str("slOrdPx", a.sl_ord_px)
        .str("actualSide", a.actual_side)
        .str("actualPx", a.actual_px)
        .str("actualSz", a.actual_sz)
        .str("triggerTime", a.trigger_time ? str_of(a.trigger_time) : "")
        .str("ordId", a.ord_id)
        .raw("ordIdList", a.ord_id.empty() ? "[]" : "[\"" + a.ord_id + "\"]")
        .str("failCode", a.fail_code)
        .raw("linkedOrd", R"({"ordId":""})")
        .str("last", last.str())
        .str("notionalUsd", "")
        .str("reduceOnly", "false")
        .str("lever", "")
        .str("cTime", str_of(a.c_time))
        .str("uTime", str_of(a.u_time))
        .str("amendResult", "")
        .str("reqId", "");
    return j.done();
}

std::string render_fill(const engine::fill_ref& r) {
    json_obj j;
    j.str("instType", "SPOT")
        .str("instId", r.inst_id)
        .str("tradeId", r.f.trade_id)
        .str("ordId", r.ord_id)
        .str("clOrdId", r.cl_ord_id)
        .str("billId", r.f.bill_id)
        .str("subType", r.side == "buy" ? "1" : "2")
        .str("tag", r.tag)
        .str("fillPx", r.f.px.str())
        .str("fillSz", r.f.sz.str())
        .str("side", r.side)
        .str("posSide", "net")
        .str("execType", r.f.maker ? "M" : "T")
        .str("feeCcy", r.f.fee_ccy)
        .str("fee", r.f.fee.str())
        .str("fillTime", str_of(r.f.ts))
        .str("ts", str_of(r.f.ts))
        .str("tradeQuoteCcy", "USDT");
    return j.done();
}

std::string render_ticker(const instrument& in, const market& m, std::size_t sym, const quote& q,
                          std::int64_t ts) {
    const auto st = m.stats(sym);
    char v1[64], v2[64];
    std::snprintf(v1, sizeof v1, "%.8f", st.vol24h);
    std::snprintf(v2, sizeof v2, "%.4f", st.vol_ccy24h);
    json_obj j;
    j.str("instType", "SPOT")
        .str("instId", in.inst_id)
        .str("last", q.last.str())
        .str("lastSz", m.last_sz(sym).str())
        .str("askPx", q.ask.str())
        .str("askSz", "2.5")
        .str("bidPx", q.bid.str())
        .str("bidSz", "2.5")
        .str("open24h", st.open24h.str())
        .str("high24h", st.high24h.str())
        .str("low24h", st.low24h.str())
        .str("volCcy24h", v2)
        .str("vol24h", v1)
        .str("sodUtc0", st.sod_utc0.str())
        .str("sodUtc8", st.sod_utc8.str())
        .str("ts", str_of(ts));
    return j.done();
}

std::string render_candle(const candle_row& r) {
    char vol[64], ccy[64];
    std::snprintf(vol, sizeof vol, "%.8f", r.b.vol);
    std::snprintf(ccy, sizeof ccy, "%.4f", r.b.vol_ccy);
    std::string out = "[\"" + str_of(r.b.ts) + "\",\"" + r.b.o.str() + "\",\"" + r.b.h.str() +
                      "\",\"" + r.b.l.str() + "\",\"" + r.b.c.str() + "\",\"" + vol + "\",\"" +
                      ccy + "\",\"" + ccy + "\",\"" + (r.confirmed ? "1" : "0") + "\"]";
    return out;
}

std::string render_instrument(const instrument& in) {
    json_obj j;
    j.str("instType", "SPOT")
        .str("instId", in.inst_id)
        .str("uly", "")
        .str("instFamily", "")
        .str("baseCcy", in.base)
        .str("quoteCcy", in.quote)
        .str("settleCcy", "")
        .str("ctVal", "")
        .str("ctMult", "")
        .str("ctValCcy", "")
        .str("optType", "")
        .str("stk", "")
        .str("ctType", "")
        .str("category", "1")
        .str("listTime", in.list_time)
        .str("contTdSwTime", "")
        .str("expTime", "")
        .str("lever", "")
        .str("tickSz", in.tick_sz.str())
        .str("lotSz", in.lot_sz.str())
        .str("minSz", in.min_sz.str())
        .str("maxLmtSz", "9999999999")
        .str("maxMktSz", "1000000")
        .str("maxLmtAmt", "20000000")
        .str("maxMktAmt", "1000000")
        .str("maxTwapSz", "")
        .str("maxIcebergSz", "")
        .str("maxTriggerSz", "9999999999")
        .str("maxStopSz", "1000000")
        .str("state", "live")
        .str("ruleType", "normal")
        .str("alias", "")
        .num("instIdCode", in.inst_id_code)
        .raw("tradeQuoteCcyList", "[\"USDT\"]")
        .raw("upcChg", "[]");
    return j.done();
}

std::string render_item(const item_result& r, bool algo) {
    json_obj j;
    if (algo)
        j.str("algoId", r.algo_id).str("algoClOrdId", r.algo_cl_ord_id);
    else
        j.str("ordId", r.ord_id);
    j.str("clOrdId", r.cl_ord_id)
        .str("tag", r.tag)
        .str("ts", str_of(r.ts))
        .str("sCode", r.s_code)
        .str("sMsg", r.s_msg)
        .str("subCode", r.sub_code);
    return j.done();
}

std::string render_balance(const engine& e, const std::vector<std::string>& ccys,
                           std::int64_t now) {
    std::vector<std::string> details;
    amount total_usd;
    for (const auto& [ccy, b] : e.balances()) {
        if (ccys.empty() ? b.cash.is_zero()
                         : std::find(ccys.begin(), ccys.end(), ccy) == ccys.end())
            continue;
        json_obj d;
        d.str("ccy", ccy)
            .str("eq", b.cash.str())
            .str("cashBal", b.cash.str())
            .str("availBal", b.avail().str())
            .str("availEq", b.avail().str())
            .str("frozenBal", b.frozen.str())
            .str("ordFrozen", b.frozen.str())
            .str("disEq", b.cash.str())
            .str("eqUsd", b.cash.str())
            .str("upl", "0")
            .str("liab", "")
            .str("uTime", str_of(b.u_time ? b.u_time : now));
        if (ccy == "USDT")
            total_usd += b.cash;
        details.push_back(d.done());
    }
    json_obj top;
    top.str("totalEq", total_usd.str())
        .str("adjEq", "")
        .str("availEq", "")
        .str("imr", "")
        .str("mmr", "")
        .str("isoEq", "0")
        .str("mgnRatio", "")
        .str("notionalUsd", "")
        .str("ordFroz", "")
        .str("upl", "")
        .str("uTime", str_of(now))
        .raw("details", json_array(details));
    return top.done();
}

} // namespace scalpel::sim
