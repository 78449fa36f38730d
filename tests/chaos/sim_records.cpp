// sim_records: parsing of the simulator's /sim/orders records. See sim_records.hpp.
#include "tests/chaos/sim_records.hpp"

#include <simdjson.h>

#include <charconv>

namespace scalpel::chaos {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

std::string str(object o, const char* key) {
    std::string_view v;
    if (o[key].get_string().get(v))
        return {};
    return std::string(v);
}

double num(object o, const char* key) {
    const std::string s = str(o, key);
    double v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

std::int64_t int64(object o, const char* key) {
    std::int64_t v = 0;
    if (o[key].get_int64().get(v))
        return 0;
    return v;
}

log_row read_log_row(object o) {
    log_row r;
    r.seq = int64(o, "seq");
    r.kind = str(o, "kind");
    r.via = str(o, "via");
    r.path = str(o, "path");
    r.inst_id = str(o, "instId");
    r.side = str(o, "side");
    r.ord_type = str(o, "ordType");
    r.sz = str(o, "sz");
    r.cl_ord_id = str(o, "clOrdId");
    r.ord_id = str(o, "ordId");
    r.algo_cl_ord_id = str(o, "algoClOrdId");
    r.algo_id = str(o, "algoId");
    r.tp_trigger_px = str(o, "tpTriggerPx");
    r.sl_trigger_px = str(o, "slTriggerPx");
    r.s_code = str(o, "sCode");
    r.s_msg = str(o, "sMsg");
    r.state = str(o, "state");
    r.recv_mono_ns = int64(o, "recv_mono_ns");
    return r;
}

template <class Fn> bool for_each(element doc, const char* key, Fn fn) {
    array rows;
    if (doc[key].get_array().get(rows))
        return false;
    for (element item : rows) {
        object o;
        if (!item.get_object().get(o))
            fn(o);
    }
    return true;
}

} // namespace

bool parse_sim_orders(std::string_view body, sim_records& out) {
    simdjson::dom::parser parser;
    element doc;
    if (parser.parse(body.data(), body.size()).get(doc))
        return false;
    const bool ok =
        for_each(doc, "requests", [&](object o) { out.log.push_back(read_log_row(o)); }) &&
        for_each(doc, "orders",
                 [&](object o) {
                     order_row r;
                     r.inst_id = str(o, "instId");
                     r.ord_id = str(o, "ordId");
                     r.cl_ord_id = str(o, "clOrdId");
                     r.side = str(o, "side");
                     r.state = str(o, "state");
                     r.fee_ccy = str(o, "feeCcy");
                     r.algo_id = str(o, "algoId");
                     r.algo_cl_ord_id = str(o, "algoClOrdId");
                     r.acc_fill_sz = num(o, "accFillSz");
                     r.avg_px = num(o, "avgPx");
                     r.fee = num(o, "fee");
                     out.orders.push_back(std::move(r));
                 }) &&
        for_each(doc, "algos", [&](object o) {
            algo_row r;
            r.inst_id = str(o, "instId");
            r.algo_id = str(o, "algoId");
            r.algo_cl_ord_id = str(o, "algoClOrdId");
            r.side = str(o, "side");
            r.state = str(o, "state");
            out.algos.push_back(std::move(r));
        });
    return ok;
}

bool parse_orders_since(std::string_view body, std::vector<log_row>& log,
                        std::vector<arrival_row>& arrivals) {
    simdjson::dom::parser parser;
    element doc;
    if (parser.parse(body.data(), body.size()).get(doc))
        return false;
    return for_each(doc, "requests", [&](object o) { log.push_back(read_log_row(o)); }) &&
           for_each(doc, "arrivals", [&](object o) {
               arrivals.push_back(
                   {int64(o, "seq"), str(o, "method"), str(o, "path"), int64(o, "recv_mono_ns")});
           });
}

} // namespace scalpel::chaos
