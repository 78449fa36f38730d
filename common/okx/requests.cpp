// Request builders. See requests.hpp. A bounded writer appends into the caller's buffer and turns
// overflow or a bad text field into "0 bytes"; the std::string forms reuse the same writers.
#include "common/okx/requests.hpp"

#include "common/okx/signing.hpp"

#include <array>
#include <charconv>

namespace scalpel::okx {
namespace {

class writer {
public:
    writer(char* out, std::size_t cap) noexcept : out_(out), cap_(cap) {}

    writer& raw(std::string_view s) noexcept {
        if (!ok_ || s.size() > cap_ - n_) {
            ok_ = false;
            return *this;
        }
        for (char c : s)
            out_[n_++] = c;
        return *this;
    }
    // A quoted plain id/word: refuses characters JSON would need to escape.
    writer& quoted(std::string_view s) noexcept {
        for (char c : s)
            if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
                ok_ = false;
        return raw("\"").raw(s).raw("\"");
    }
    writer& integer(std::int64_t v) noexcept {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        return raw({buf, static_cast<std::size_t>(r.ptr - buf)});
    }
    writer& dec(decimal d) noexcept {
        char buf[48];
        const std::size_t n = d.format(buf, sizeof buf);
        return raw("\"").raw({buf, n}).raw("\"");
    }
    // ,"key":"value"
    writer& field(std::string_view key, std::string_view value, bool first = false) noexcept {
        if (!first)
            raw(",");
        return quoted(key).raw(":").quoted(value);
    }
    writer& field(std::string_view key, decimal value) noexcept {
        return raw(",").quoted(key).raw(":").dec(value);
    }
    void invalid() noexcept { ok_ = false; }
    [[nodiscard]] std::size_t size() const noexcept { return ok_ ? n_ : 0; }

private:
    char* out_;
    std::size_t cap_;
    std::size_t n_ = 0;
    bool ok_ = true;
};

// REST names the instrument by instId, the WS order operations by the integer instIdCode only.
enum class inst_key : std::uint8_t { inst_id, inst_id_code };

void instrument_field(writer& w, inst_key key, std::string_view inst_id,
                      std::int64_t code) noexcept {
    if (key == inst_key::inst_id) {
        if (inst_id.empty())
            w.invalid();
        w.field("instId", inst_id, true);
        return;
    }
    if (code <= 0)
        w.invalid();
    w.quoted("instIdCode").raw(":").integer(code);
}

void place_order_fields(writer& w, const place_order_req& r, inst_key key) noexcept {
    if (!r.sz.is_positive())
        w.invalid();
    if (r.ord_type != ord_type::market && !r.px.is_positive())
        w.invalid();
    w.raw("{");
    instrument_field(w, key, r.inst_id, r.inst_id_code);
    w.field("tdMode", to_string(r.td_mode));
    if (!r.cl_ord_id.empty())
        w.field("clOrdId", r.cl_ord_id);
    w.field("side", to_string(r.side)).field("ordType", to_string(r.ord_type));
    if (r.ord_type != ord_type::market)
        w.field("px", r.px);
    w.field("sz", r.sz);
    if (r.ord_type == ord_type::market && r.tgt_ccy != tgt_ccy::none)
        w.field("tgtCcy", r.tgt_ccy == tgt_ccy::base_ccy ? "base_ccy" : "quote_ccy");
    if (!r.tag.empty())
        w.field("tag", r.tag);
    w.raw("}");
}

void cancel_order_fields(writer& w, const cancel_order_req& r, inst_key key) noexcept {
    if (r.ord_id.empty() && r.cl_ord_id.empty())
        w.invalid();
    w.raw("{");
    instrument_field(w, key, r.inst_id, r.inst_id_code);
    if (!r.ord_id.empty())
        w.field("ordId", r.ord_id);
    else
        w.field("clOrdId", r.cl_ord_id);
    w.raw("}");
}

template <class F> std::string to_string_via(F&& write, std::size_t cap = 1024) {
    std::string s(cap, '\0');
    s.resize(write(s.data(), s.size()));
    return s;
}

// Percent-encodes a query value; ',' stays (OKX lists).
void append_query(std::string& out, std::string_view key, std::string_view value) {
    if (value.empty())
        return;
    out += out.find('?') == std::string::npos ? '?' : '&';
    out += key;
    out += '=';
    static constexpr char hex[] = "0123456789ABCDEF";
    for (unsigned char c : value) {
        const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' ||
                           c == ',';
        if (plain) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
}

void append_query(std::string& out, std::string_view key, std::int64_t value) {
    if (value == 0)
        return;
    append_query(out, key, std::to_string(value));
}

} // namespace

std::string_view to_string(order_side s) noexcept {
    return s == order_side::buy ? "buy" : "sell";
}

std::string_view to_string(ord_type t) noexcept {
    switch (t) {
    case ord_type::market:
        return "market";
    case ord_type::limit:
        return "limit";
    case ord_type::post_only:
        return "post_only";
    case ord_type::ioc:
        return "ioc";
    case ord_type::fok:
        return "fok";
    }
    return "market";
}

std::string_view to_string(td_mode m) noexcept {
    return m == td_mode::cross ? "cross" : "cash";
}

std::size_t write_place_order(const place_order_req& r, char* out, std::size_t cap) noexcept {
    writer w(out, cap);
    place_order_fields(w, r, inst_key::inst_id);
    return w.size();
}

std::size_t write_algo_order(const algo_order_req& r, char* out, std::size_t cap) noexcept {
    writer w(out, cap);
    if (r.inst_id.empty() || !r.sz.is_positive() || (!r.has_tp && !r.has_sl))
        w.invalid();
    if ((r.has_tp && !r.tp_trigger_px.is_positive()) ||
        (r.has_sl && !r.sl_trigger_px.is_positive()))
        w.invalid();
    w.raw("{")
        .field("instId", r.inst_id, true)
        .field("tdMode", to_string(r.td_mode))
        .field("side", to_string(r.side));
    w.field("ordType", r.has_tp && r.has_sl ? "oco" : "conditional").field("sz", r.sz);
    const auto side_default = r.side == order_side::buy ? tgt_ccy::quote_ccy : tgt_ccy::base_ccy;
    if (r.tgt_ccy != tgt_ccy::none && r.tgt_ccy != side_default)
        w.field("tgtCcy", r.tgt_ccy == tgt_ccy::base_ccy ? "base_ccy" : "quote_ccy");
    if (r.has_tp)
        w.field("tpTriggerPx", r.tp_trigger_px).field("tpOrdPx", r.tp_ord_px);
    if (r.has_sl)
        w.field("slTriggerPx", r.sl_trigger_px).field("slOrdPx", r.sl_ord_px);
    if (!r.algo_cl_ord_id.empty())
        w.field("algoClOrdId", r.algo_cl_ord_id);
    w.raw("}");
    return w.size();
}

std::size_t write_exp_time(std::int64_t exp_time_ms, char* out, std::size_t cap) noexcept {
    const auto [end, ec] = std::to_chars(out, out + cap, exp_time_ms);
    return ec == std::errc{} ? static_cast<std::size_t>(end - out) : 0;
}

std::size_t write_cancel_order(const cancel_order_req& r, char* out, std::size_t cap) noexcept {
    writer w(out, cap);
    cancel_order_fields(w, r, inst_key::inst_id);
    return w.size();
}

std::size_t write_cancel_algos(const cancel_algo_req* reqs, std::size_t n, char* out,
                               std::size_t cap) noexcept {
    writer w(out, cap);
    if (n == 0)
        w.invalid();
    w.raw("[");
    for (std::size_t i = 0; i < n; ++i) {
        const auto& r = reqs[i];
        if (r.inst_id.empty() || (r.algo_id.empty() && r.algo_cl_ord_id.empty()))
            w.invalid();
        if (i)
            w.raw(",");
        w.raw("{").field("instId", r.inst_id, true);
        if (!r.algo_id.empty())
            w.field("algoId", r.algo_id);
        else
            w.field("algoClOrdId", r.algo_cl_ord_id);
        w.raw("}");
    }
    w.raw("]");
    return w.size();
}

std::string place_order_body(const place_order_req& r) {
    return to_string_via([&](char* p, std::size_t c) { return write_place_order(r, p, c); });
}
std::string algo_order_body(const algo_order_req& r) {
    return to_string_via([&](char* p, std::size_t c) { return write_algo_order(r, p, c); });
}
std::string cancel_order_body(const cancel_order_req& r) {
    return to_string_via([&](char* p, std::size_t c) { return write_cancel_order(r, p, c); });
}
std::string cancel_algos_body(const cancel_algo_req* reqs, std::size_t n) {
    return to_string_via([&](char* p, std::size_t c) { return write_cancel_algos(reqs, n, p, c); },
                         256 + n * 160);
}

std::size_t write_ws_order(std::string_view id, const place_order_req& r, char* out,
                           std::size_t cap) noexcept {
    writer w(out, cap);
    w.raw("{");
    if (!id.empty())
        w.field("id", id, true).raw(",");
    w.quoted("op").raw(":").quoted("order").raw(",");
    if (r.exp_time_ms > 0) {
        char t[24];
        const std::size_t n = write_exp_time(r.exp_time_ms, t, sizeof t);
        w.field("expTime", std::string_view(t, n), true).raw(",");
    }
    w.quoted("args").raw(":[");
    place_order_fields(w, r, inst_key::inst_id_code);
    w.raw("]}");
    return w.size();
}

std::size_t write_ws_cancel_order(std::string_view id, const cancel_order_req& r, char* out,
                                  std::size_t cap) noexcept {
    writer w(out, cap);
    w.raw("{");
    if (!id.empty())
        w.field("id", id, true).raw(",");
    w.quoted("op").raw(":").quoted("cancel-order").raw(",").quoted("args").raw(":[");
    cancel_order_fields(w, r, inst_key::inst_id_code);
    w.raw("]}");
    return w.size();
}

std::string ws_login_frame(std::string_view api_key, std::string_view secret,
                           std::string_view passphrase, std::int64_t epoch_seconds) {
    const std::string ts = std::to_string(epoch_seconds);
    char sig[signature_len];
    const std::size_t n = sign_request_into(secret, ts, "GET", "/users/self/verify", "", sig);
    return to_string_via([&](char* p, std::size_t c) {
        writer w(p, c);
        if (n != signature_len)
            w.invalid();
        w.raw(R"({"op":"login","args":[{)")
            .field("apiKey", api_key, true)
            .field("passphrase", passphrase);
        w.field("timestamp", ts).field("sign", std::string_view(sig, n)).raw("}]}");
        return w.size();
    });
}

std::string ws_subscribe_frame(const ws_sub* subs, std::size_t n, std::string_view op) {
    std::string s = R"({"op":")";
    s += op;
    s += R"(","args":[)";
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            s += ',';
        s += R"({"channel":")" + subs[i].channel + '"';
        if (!subs[i].inst_type.empty())
            s += R"(,"instType":")" + subs[i].inst_type + '"';
        if (!subs[i].inst_id.empty())
            s += R"(,"instId":")" + subs[i].inst_id + '"';
        s += '}';
    }
    s += "]}";
    return s;
}

std::string path_server_time() {
    return "/api/v5/public/time";
}

std::string path_instruments(std::string_view inst_type, std::string_view inst_id) {
    std::string p = "/api/v5/public/instruments";
    append_query(p, "instType", inst_type);
    append_query(p, "instId", inst_id);
    return p;
}

std::string path_ticker(std::string_view inst_id) {
    std::string p = "/api/v5/market/ticker";
    append_query(p, "instId", inst_id);
    return p;
}

std::string path_tickers(std::string_view inst_type) {
    std::string p = "/api/v5/market/tickers";
    append_query(p, "instType", inst_type);
    return p;
}

std::string path_candles(std::string_view inst_id, std::string_view bar, int limit,
                         std::int64_t after_ms, std::int64_t before_ms, bool history) {
    std::string p = history ? "/api/v5/market/history-candles" : "/api/v5/market/candles";
    append_query(p, "instId", inst_id);
    append_query(p, "bar", bar);
    append_query(p, "limit", limit);
    append_query(p, "after", after_ms);
    append_query(p, "before", before_ms);
    return p;
}

std::string path_balance(std::string_view ccys) {
    std::string p = "/api/v5/account/balance";
    append_query(p, "ccy", ccys);
    return p;
}

std::string path_account_config() {
    return "/api/v5/account/config";
}

td_mode spot_td_mode(int acct_lv) noexcept {
    return acct_lv == 3 || acct_lv == 4 ? td_mode::cross : td_mode::cash;
}

std::string path_order(std::string_view inst_id, std::string_view ord_id,
                       std::string_view cl_ord_id) {
    std::string p = "/api/v5/trade/order";
    append_query(p, "instId", inst_id);
    if (!ord_id.empty())
        append_query(p, "ordId", ord_id);
    else
        append_query(p, "clOrdId", cl_ord_id);
    return p;
}

std::string path_orders_pending(std::string_view inst_type, std::string_view inst_id) {
    std::string p = "/api/v5/trade/orders-pending";
    append_query(p, "instType", inst_type);
    append_query(p, "instId", inst_id);
    return p;
}

std::string path_fills(std::string_view inst_id, std::string_view ord_id, int limit) {
    std::string p = "/api/v5/trade/fills";
    append_query(p, "instType", "SPOT");
    append_query(p, "instId", inst_id);
    append_query(p, "ordId", ord_id);
    append_query(p, "limit", limit);
    return p;
}

std::string path_algo_order(std::string_view algo_id, std::string_view algo_cl_ord_id) {
    std::string p = "/api/v5/trade/order-algo";
    if (!algo_id.empty())
        append_query(p, "algoId", algo_id);
    else
        append_query(p, "algoClOrdId", algo_cl_ord_id);
    return p;
}

std::string path_algos_pending(std::string_view ord_type, std::string_view inst_id) {
    std::string p = "/api/v5/trade/orders-algo-pending";
    append_query(p, "ordType", ord_type);
    append_query(p, "instId", inst_id);
    return p;
}

std::string path_algos_history(std::string_view ord_type, std::string_view state,
                               std::string_view algo_id, std::string_view inst_id) {
    std::string p = "/api/v5/trade/orders-algo-history";
    append_query(p, "ordType", ord_type);
    append_query(p, "state", state);
    append_query(p, "algoId", algo_id);
    append_query(p, "instId", inst_id);
    return p;
}

} // namespace scalpel::okx
