// exchange: OKX v5 REST/WS protocol, control API, faults and order log. See exchange.hpp.
#include "okx_sim/exchange.hpp"

#include "okx_sim/wire.hpp"

#include "common/okx/signing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>
#include <unistd.h>

namespace scalpel::sim {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// OKX "Transaction timeouts": a place order whose expTime (epoch ms) has passed when the exchange
// gets to it is not processed. The answer is the per-order error below (ccxt's OKX table:
// "51149 Order timed out, please try again later."; OKX's own page names no code).
constexpr const char* expired_code = "51149";
constexpr const char* expired_msg = "Order timed out, please try again later.";

// expTime as sent (decimal epoch ms); nullopt when it is not a positive integer.
std::optional<std::int64_t> parse_exp_time(std::string_view text) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p != text.data() + text.size() || v <= 0)
        return std::nullopt;
    return v;
}

constexpr std::int64_t ns_per_ms = 1'000'000;

std::string pct_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int v = 0;
            auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
            if (ec == std::errc{} && p == s.data() + i + 3) {
                out += static_cast<char>(v);
                i += 2;
                continue;
            }
        }
        out += s[i] == '+' ? ' ' : s[i];
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
    std::map<std::string, std::string> out;
    while (!q.empty()) {
        const auto amp = q.find('&');
        const auto part = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
        if (part.empty())
            continue;
        const auto eq = part.find('=');
        out[pct_decode(part.substr(0, eq))] =
            eq == std::string_view::npos ? "" : pct_decode(part.substr(eq + 1));
    }
    return out;
}

std::vector<std::string> split_csv(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto c = s.find(',');
        if (c != 0)
            out.emplace_back(s.substr(0, c));
        if (c == std::string_view::npos)
            break;
        s = s.substr(c + 1);
    }
    return out;
}

std::optional<std::int64_t> to_i64(const std::string& s) {
    if (s.empty())
        return std::nullopt;
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size())
        return std::nullopt;
    return v;
}

std::string get(const std::map<std::string, std::string>& q, const std::string& k) {
    const auto it = q.find(k);
    return it == q.end() ? std::string{} : it->second;
}

http_response reply(int status, std::string body) {
    http_response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

http_response ok(const std::vector<std::string>& data) {
    return reply(200, envelope("0", "", data));
}
http_response err(int status, std::string_view code, std::string_view msg) {
    return reply(status, envelope(code, msg, {}));
}

// Per-endpoint limits (requests per 2 s) from spec §3.
int rate_limit_for(std::string_view path) {
    static const std::map<std::string_view, int> limits = {
        {"/api/v5/public/time", 10},
        {"/api/v5/public/instruments", 20},
        {"/api/v5/market/ticker", 20},
        {"/api/v5/market/tickers", 20},
        {"/api/v5/market/candles", 40},
        {"/api/v5/market/history-candles", 20},
        {"/api/v5/account/balance", 10},
        {"/api/v5/account/config", 5},
        {"/api/v5/trade/order", 60},
        {"/api/v5/trade/cancel-order", 60},
        {"/api/v5/trade/fills", 60},
        {"/api/v5/trade/fills-history", 60},
        {"/api/v5/trade/orders-pending", 60},
        {"/api/v5/trade/batch-orders", 300},
        {"/api/v5/trade/order-algo", 20},
        {"/api/v5/trade/cancel-algos", 20},
        {"/api/v5/trade/orders-algo-pending", 20},
        {"/api/v5/trade/orders-algo-history", 20},
    };
    const auto it = limits.find(path);
    return it == limits.end() ? 0 : it->second;
}

// The query parameters OKX documents for each GET endpoint served here (docs-v5, the endpoint's
// "Request Parameters"). `honoured`: filtered as OKX does. `inert`: documented for other
// instrument types (uly, instFamily) and accepted with no effect on SPOT rows. `refused`:
// documented but not simulated (time/id paging): 51000 rather than a silently unfiltered answer.
// A parameter OKX does not document is refused too (see okx_sim/README.md, differences).
struct query_rule {
    std::string_view path;
    std::vector<std::string_view> honoured, inert, refused;
};

const std::vector<query_rule>& query_rules() {
    static const std::vector<query_rule> rules = {
        {"/api/v5/public/time", {}, {}, {}},
        {"/api/v5/public/instruments", {"instType", "instId"}, {"uly", "instFamily"}, {}},
        {"/api/v5/market/ticker", {"instId"}, {}, {}},
        {"/api/v5/market/tickers", {"instType"}, {"uly", "instFamily"}, {}},
        {"/api/v5/market/candles", {"instId", "bar", "after", "before", "limit"}, {}, {}},
        {"/api/v5/market/history-candles", {"instId", "bar", "after", "before", "limit"}, {}, {}},
        {"/api/v5/account/config", {}, {}, {}},
        {"/api/v5/account/balance", {"ccy"}, {}, {}},
        {"/api/v5/asset/currencies", {}, {"ccy"}, {}},
        {"/api/v5/asset/balances", {}, {"ccy"}, {}},
        {"/api/v5/trade/order", {"instId", "ordId", "clOrdId"}, {}, {}},
        {"/api/v5/trade/orders-pending",
         {"instType", "instId", "ordType", "state", "limit"},
         {"uly", "instFamily"},
         {"after", "before"}},
        {"/api/v5/trade/orders-history",
         {"instType", "instId", "ordType", "state", "limit"},
         {"uly", "instFamily", "category"},
         {"after", "before", "begin", "end"}},
        {"/api/v5/trade/fills",
         {"instType", "instId", "ordId", "limit"},
         {"uly", "instFamily", "subType"},
         {"after", "before", "begin", "end"}},
        {"/api/v5/trade/fills-history",
         {"instType", "instId", "ordId", "limit"},
         {"uly", "instFamily", "subType"},
         {"after", "before", "begin", "end"}},
        {"/api/v5/trade/order-algo", {"algoId", "algoClOrdId"}, {}, {}},
        {"/api/v5/trade/orders-algo-pending",
         {"ordType", "algoId", "instType", "instId", "limit"},
         {},
         {"after", "before"}},
        {"/api/v5/trade/orders-algo-history",
         {"ordType", "state", "algoId", "instType", "instId", "limit"},
         {},
         {"after", "before"}},
    };
    return rules;
}

// The first query parameter of a GET the simulator does not honour, or "" when all are fine.
std::string unhonoured_param(std::string_view path, const std::map<std::string, std::string>& q) {
    const auto& rules = query_rules();
    const auto rule = std::find_if(rules.begin(), rules.end(),
                                   [&](const query_rule& r) { return r.path == path; });
    if (rule == rules.end())
        return {};
    for (const auto& [key, value] : q) {
        const auto in = [&](const std::vector<std::string_view>& v) {
            return std::find(v.begin(), v.end(), key) != v.end();
        };
        if (!in(rule->honoured) && !in(rule->inert))
            return key;
    }
    return {};
}

// instType filter of the order lists: SPOT rows only exist here.
bool inst_type_matches(const std::string& inst_type) {
    return inst_type.empty() || inst_type == "SPOT" || inst_type == "ANY";
}

// `limit` of the list endpoints: 1..100, default 100 (docs-v5: "The maximum is 100").
std::size_t list_limit(const std::map<std::string, std::string>& q) {
    const auto l = to_i64(get(q, "limit"));
    return l ? static_cast<std::size_t>(std::clamp<std::int64_t>(*l, 1, 100)) : 100;
}

bool is_private(std::string_view path) {
    return path.starts_with("/api/v5/account/") || path.starts_with("/api/v5/trade/") ||
           path.starts_with("/api/v5/asset/");
}

std::string conn_id_of(std::uint64_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08llx",
                  static_cast<unsigned long long>(id * 2654435761ULL & 0xffffffffULL));
    return buf;
}

std::string arg_json(const std::string& channel, const std::string& inst_id,
                     const std::string& inst_type) {
    json_obj a;
    a.str("channel", channel);
    if (!inst_type.empty())
        a.str("instType", inst_type);
    if (!inst_id.empty())
        a.str("instId", inst_id);
    return a.done();
}

} // namespace

exchange::exchange(market m, engine e, exchange_config cfg, std::int64_t mono_ns)
    : market_(std::move(m)), engine_(std::move(e)), cfg_(std::move(cfg)), mono0_(mono_ns),
      ticker_dirty_(market_.size(), false), ticker_pushed_mono_(market_.size(), 0) {
    if (cfg_.run_id.empty()) {
        // One id per simulator run: a bot's segment made against an earlier run is not adopted.
        std::random_device rd;
        char buf[24];
        std::snprintf(buf, sizeof buf, "run%08x%08x", rd(), rd());
        cfg_.run_id = buf;
    }
    on_timer(mono_ns, 0);
}

std::int64_t exchange::market_now(std::int64_t mono_ns) const noexcept {
    const double elapsed_ms = static_cast<double>(mono_ns - mono0_) / 1e6;
    return market_.start_ms() + static_cast<std::int64_t>(elapsed_ms * cfg_.speed);
}

bool exchange::ws_refused(ws_kind kind, std::int64_t mono_ns) const noexcept {
    return mono_ns < ws_refuse_until_mono_ && (!ws_refuse_only_ || *ws_refuse_only_ == kind);
}

std::optional<ws_kind> exchange::ws_path(std::string_view target) noexcept {
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    if (path == "/ws/v5/public")
        return ws_kind::public_;
    if (path == "/ws/v5/private")
        return ws_kind::private_;
    if (path == "/ws/v5/business")
        return ws_kind::business;
    return std::nullopt;
}

quote exchange::quote_for(std::size_t sym) const {
    const auto& in = market_.inst(sym);
    const amount last = market_.last(sym);
    amount half;
    for (int i = 0; i < cfg_.half_spread_ticks; ++i)
        half += in.tick_sz;
    quote q;
    q.last = last;
    q.bid = std::max(last - half, in.tick_sz);
    q.ask = last + half;
    return q;
}

void exchange::process_ticks(std::vector<tick>& ticks) {
    for (const auto& t : ticks) {
        engine_.on_quote(t.sym, quote_for(t.sym), t.ts);
        ticker_dirty_[t.sym] = true;
        const auto& in = market_.inst(t.sym);
        json_obj d;
        d.str("instId", in.inst_id)
            .str("tradeId", str_of(static_cast<std::int64_t>(trade_seq_)))
            .str("px", t.px.str())
            .str("sz", t.sz.str())
            .str("side", t.buy ? "buy" : "sell")
            .str("ts", str_of(t.ts))
            .str("count", "1")
            .str("source", "0")
            .num("seqId", static_cast<std::int64_t>(trade_seq_));
        ++trade_seq_;
        const std::string msg =
            "{\"arg\":" + arg_json("trades", in.inst_id, "") + ",\"data\":[" + d.done() + "]}";
        for (auto& [id, c] : conns_)
            if (c.subs.count(sub{"trades", in.inst_id, ""}))
                push(c, "trades", msg);
    }
    ticks.clear();
}

void exchange::after_engine(std::int64_t mono_ns, std::int64_t epoch_ns) {
    for (auto& ev : engine_.take_events()) {
        if (ev.is_algo) {
            if (ev.a.state == "effective" || ev.a.state == "order_failed") {
                log_entry l;
                l.seq = next_seq_++;
                l.kind = "algo_trigger";
                l.via = "engine";
                l.recv_mono_ns = mono_ns;
                l.recv_epoch_ns = epoch_ns;
                l.inst_id = ev.a.inst_id;
                l.side = ev.a.side;
                l.sz = ev.a.sz.str();
                l.algo_id = ev.a.algo_id;
                l.algo_cl_ord_id = ev.a.algo_cl_ord_id;
                l.ord_id = ev.a.ord_id;
                l.ord_type = ev.a.actual_side;
                l.s_code = ev.a.state == "effective" ? "0" : ev.a.fail_code;
                log_.push_back(std::move(l));
            }
            const auto sym = market_.find(ev.a.inst_id).value_or(0);
            const std::string row = render_algo(ev.a, market_.last(sym));
            for (auto& [id, c] : conns_) {
                if (!c.logged_in)
                    continue;
                for (const auto& s : c.subs) {
                    if (s.channel != "orders-algo")
                        continue;
                    if (!s.inst_id.empty() && s.inst_id != ev.a.inst_id)
                        continue;
                    if (!s.inst_type.empty() && s.inst_type != "ANY" && s.inst_type != "SPOT")
                        continue;
                    json_obj arg;
                    arg.str("channel", "orders-algo")
                        .str("instType", s.inst_type.empty() ? "ANY" : s.inst_type);
                    if (!s.inst_id.empty())
                        arg.str("instId", s.inst_id);
                    arg.str("uid", "1");
                    push(c, "orders-algo", "{\"arg\":" + arg.done() + ",\"data\":[" + row + "]}");
                }
            }
        } else {
            const auto sym = market_.find(ev.o.inst_id).value_or(0);
            const std::string row = render_order(ev.o, market_.inst(sym), true, ev.has_fill);
            for (auto& [id, c] : conns_) {
                if (!c.logged_in)
                    continue;
                for (const auto& s : c.subs) {
                    if (s.channel != "orders")
                        continue;
                    if (!s.inst_id.empty() && s.inst_id != ev.o.inst_id)
                        continue;
                    if (!s.inst_type.empty() && s.inst_type != "ANY" && s.inst_type != "SPOT")
                        continue;
                    json_obj arg;
                    arg.str("channel", "orders")
                        .str("instType", s.inst_type.empty() ? "ANY" : s.inst_type);
                    if (!s.inst_id.empty())
                        arg.str("instId", s.inst_id);
                    arg.str("uid", "1");
                    const std::string msg = "{\"arg\":" + arg.done() + ",\"data\":[" + row + "]}";
                    push(c, "orders", msg);
                    if (duplicate_orders_left_ > 0) {
                        --duplicate_orders_left_;
                        push(c, "orders", msg);
                    }
                }
            }
        }
    }
}

bool exchange::key_can_trade() const {
    for (const auto& p : split_csv(cfg_.key_perm))
        if (p == "trade")
            return true;
    return false;
}

void exchange::send(conn& c, std::string text) {
    c.last_push_mono = std::max(c.last_push_mono, last_mono_);
    c.sink->send(std::move(text));
}

void exchange::on_timer(std::int64_t mono_ns, std::int64_t epoch_ns) {
    last_mono_ = std::max(last_mono_, mono_ns);
    std::vector<tick> ticks;
    const std::int64_t now = market_now(mono_ns);
    // Scripted prices due by now.
    for (auto& [sym, steps] : scripts_) {
        while (!steps.empty() && steps.front().at_mono_ns <= mono_ns) {
            market_.advance(now, ticks);
            process_ticks(ticks);
            market_.set_price(sym, steps.front().px, now, ticks);
            steps.pop_front();
            process_ticks(ticks);
        }
    }
    market_.advance(now, ticks);
    process_ticks(ticks);
    after_engine(mono_ns, epoch_ns);

    for (std::size_t sym = 0; sym < market_.size(); ++sym) {
        if (ticker_dirty_[sym] &&
            mono_ns - ticker_pushed_mono_[sym] >= cfg_.ticker_interval_ms * ns_per_ms) {
            ticker_dirty_[sym] = false;
            ticker_pushed_mono_[sym] = mono_ns;
            push_ticker(sym, nullptr);
        }
    }
    std::set<std::pair<std::size_t, std::string>> candle_subs;
    for (auto& [id, c] : conns_)
        for (const auto& s : c.subs)
            if (s.channel.starts_with("candle"))
                if (auto sym = market_.find(s.inst_id))
                    candle_subs.insert({*sym, s.channel.substr(6)});
    for (const auto& [sym, bar] : candle_subs) {
        auto& [last_mono, last_row] = candle_pushed_[{sym, bar}];
        if (mono_ns - last_mono >= cfg_.candle_interval_ms * ns_per_ms)
            push_candle(sym, bar, nullptr);
    }
    for (auto& [id, c] : conns_) {
        // OKX docs-v5 "WebSocket > Connect": "The connection will break automatically if the
        // subscription is not established or data has not been pushed for more than 30
        // seconds." Pushed = anything this side sent (data, acks, "pong"): a client that pings
        // within 30 s, or whose channels push, keeps its socket, whatever it sends itself.
        if (!c.closing && mono_ns - c.last_push_mono > cfg_.ws_idle_ms * ns_per_ms) {
            c.closing = true;
            c.sink->close(4004, "No data pushed in 30s.");
        }
    }
    run_deferred_ws_ops(mono_ns, epoch_ns);
}

void exchange::push(conn& c, const std::string& channel, std::string text) {
    if (c.closing)
        return;
    if (malformed_left_ > 0 && (malformed_channel_.empty() || malformed_channel_ == channel)) {
        --malformed_left_;
        text = text.substr(0, text.size() / 2) + "\x01}{not json";
    }
    send(c, std::move(text));
}

void exchange::push_ticker(std::size_t sym, conn* only) {
    const auto& in = market_.inst(sym);
    const std::string msg = "{\"arg\":" + arg_json("tickers", in.inst_id, "") + ",\"data\":[" +
                            render_ticker(in, market_, sym, quote_for(sym), market_.last_ts(sym)) +
                            "]}";
    for (auto& [id, c] : conns_) {
        if (only && &c != only)
            continue;
        if (c.subs.count(sub{"tickers", in.inst_id, ""}))
            push(c, "tickers", msg);
    }
}

void exchange::push_candle(std::size_t sym, const std::string& bar_name, conn* only) {
    const auto spec = parse_bar(bar_name);
    if (!spec)
        return;
    const auto rows = market_.candles(sym, *spec, std::nullopt, std::nullopt, 1, true);
    if (rows.empty())
        return;
    const std::string row = render_candle(rows.front());
    auto& [last_mono, last_row] = candle_pushed_[{sym, bar_name}];
    if (!only && row == last_row)
        return;
    last_row = row;
    last_mono = 0;
    const auto& in = market_.inst(sym);
    const std::string channel = "candle" + bar_name;
    const std::string msg =
        "{\"arg\":" + arg_json(channel, in.inst_id, "") + ",\"data\":[" + row + "]}";
    for (auto& [id, c] : conns_) {
        if (only && &c != only)
            continue;
        if (c.subs.count(sub{channel, in.inst_id, ""}))
            push(c, channel, msg);
    }
}

std::optional<http_response> exchange::check_auth(const http_request& req,
                                                  std::int64_t epoch_ns) const {
    auto missing = [](const std::optional<std::string>& h) { return !h || h->empty(); };
    if (missing(req.key))
        return err(401, "50103", "Request header \"OK-ACCESS-KEY\" cannot be empty.");
    if (missing(req.passphrase))
        return err(401, "50104", "Request header \"OK-ACCESS-PASSPHRASE\" cannot be empty.");
    if (missing(req.sign))
        return err(401, "50106", "Request header \"OK-ACCESS-SIGN\" cannot be empty.");
    if (missing(req.timestamp))
        return err(401, "50107", "Request header \"OK-ACCESS-TIMESTAMP\" cannot be empty.");
    if (*req.key != cfg_.api_key)
        return err(401, "50111", "Invalid OK-ACCESS-KEY.");
    const std::int64_t ts = okx::parse_iso_timestamp(*req.timestamp);
    if (ts < 0)
        return err(401, "50112", "Invalid OK-ACCESS-TIMESTAMP.");
    if (std::llabs(epoch_ns / ns_per_ms - ts) > cfg_.auth_window_ms)
        return err(401, "50102", "Timestamp request expired.");
    if (*req.passphrase != cfg_.passphrase)
        return err(401, "50105", "OK-ACCESS-PASSPHRASE incorrect.");
    // Verified over the raw target and raw body exactly as received (never re-serialised).
    const std::string body = req.method == "GET" ? std::string{} : req.body;
    const std::string expect =
        okx::sign_request(cfg_.secret, *req.timestamp, req.method, req.target, body);
    if (expect != *req.sign)
        return err(401, "50113", "Invalid Sign.");
    return std::nullopt;
}

bool exchange::rate_limited(std::string_view path, std::int64_t mono_ns) {
    if (!cfg_.rate_limits)
        return false;
    const int limit = rate_limit_for(path);
    if (limit <= 0)
        return false;
    auto& hits = rate_hits_[std::string(path)];
    while (!hits.empty() && mono_ns - hits.front() >= 2'000 * ns_per_ms)
        hits.pop_front();
    if (static_cast<int>(hits.size()) >= limit)
        return true;
    hits.push_back(mono_ns);
    return false;
}

http_response exchange::handle_http(const http_request& req, std::int64_t mono_ns,
                                    std::int64_t epoch_ns, bool faults_done) {
    epoch_ns += cfg_.clock_skew_ms * ns_per_ms; // the exchange's own (possibly skewed) clock
    try {
        const std::string_view target = req.target;
        const auto qpos = target.find('?');
        const std::string_view path = target.substr(0, qpos);
        const auto query = parse_query(qpos == std::string_view::npos ? std::string_view{}
                                                                      : target.substr(qpos + 1));
        if (path.starts_with("/sim/"))
            return control(req, path, mono_ns, epoch_ns);

        on_timer(mono_ns, epoch_ns); // requests see the market as of now
        if (!faults_done) {
            for (auto it = faults_.begin(); it != faults_.end(); ++it) {
                if (!fault_matches(*it, req, path) || (it->mode != "delay" && it->mode != "fail"))
                    continue;
                http_response r;
                if (it->mode == "delay") {
                    r.defer = true;
                    r.delay_ms = it->delay_ms;
                    note_deferred(req, path, it->delay_ms, mono_ns);
                } else {
                    r = err(it->status, it->code, it->msg);
                }
                if (--it->count <= 0)
                    faults_.erase(it);
                return r;
            }
        }
        if (rate_limited(path, mono_ns))
            return err(429, "50011", "Too Many Requests");
        if (is_private(path))
            if (auto a = check_auth(req, epoch_ns))
                return *a;
        if (req.method == "POST" && path.starts_with("/api/v5/trade/") && !key_can_trade())
            return err(401, "50120", "Your API key does not have permission to trade.");
        // hang / apply_fail act only on requests that would take effect (past auth and limits).
        std::optional<fault_rule> rule;
        for (auto it = faults_.begin(); it != faults_.end(); ++it) {
            if (!fault_matches(*it, req, path) || (it->mode != "hang" && it->mode != "apply_fail"))
                continue;
            rule = *it;
            if (--it->count <= 0)
                faults_.erase(it);
            break;
        }
        http_response r = route(req, path, query, mono_ns, epoch_ns);
        after_engine(mono_ns, epoch_ns);
        if (rule) {
            if (rule->mode == "hang") {
                r.hang = true;
            } else { // apply_fail: the request took effect, the answer says otherwise
                r = err(rule->status, rule->code, rule->msg);
            }
        }
        return r;
    } catch (const std::exception& e) {
        return err(500, "50026", std::string("System error: ") + e.what());
    }
}

// Appends one order-log entry for a request answered with `r`; the caller fills the fields
// specific to its kind through the returned reference (valid until the next append).
exchange::log_entry& exchange::append_log(const char* kind, const request_ctx& ctx,
                                          const item_result& r) {
    log_entry& l = log_.emplace_back();
    l.seq = next_seq_++;
    l.kind = kind;
    l.via = ctx.via;
    l.path = ctx.path;
    l.recv_mono_ns = ctx.mono_ns;
    l.recv_epoch_ns = ctx.epoch_ns;
    l.s_code = r.s_code;
    l.s_msg = r.s_msg;
    return l;
}

item_result exchange::do_place(object o, const request_ctx& ctx, std::string_view inst_id) {
    auto req = parse_order_request(o);
    if (!inst_id.empty())
        req.inst_id = std::string(inst_id);
    item_result r;
    if (ctx.exp_time_ms > 0 && ctx.epoch_ns / ns_per_ms > ctx.exp_time_ms) {
        r.s_code = expired_code; // discarded unprocessed: the engine never sees it
        r.s_msg = expired_msg;
        r.cl_ord_id = req.cl_ord_id;
    } else {
        r = engine_.place_order(req, market_now(ctx.mono_ns));
    }
    log_entry& l = append_log("place_order", ctx, r);
    l.inst_id = req.inst_id;
    l.side = req.side;
    l.ord_type = req.ord_type;
    l.sz = req.sz;
    l.px = req.px;
    l.cl_ord_id = req.cl_ord_id;
    l.ord_id = r.ord_id;
    return r;
}

item_result exchange::do_cancel(object o, const request_ctx& ctx, std::string_view inst_id) {
    const std::string inst = inst_id.empty() ? field(o, "instId") : std::string(inst_id),
                      ord = field(o, "ordId"), cl = field(o, "clOrdId");
    const auto r = engine_.cancel_order(inst, ord, cl, market_now(ctx.mono_ns));
    log_entry& l = append_log("cancel_order", ctx, r);
    l.inst_id = inst;
    l.ord_id = r.ord_id.empty() ? ord : r.ord_id;
    l.cl_ord_id = r.cl_ord_id.empty() ? cl : r.cl_ord_id;
    return r;
}

item_result exchange::do_place_algo(object o, const request_ctx& ctx) {
    const auto req = parse_algo_request(o);
    const auto r = engine_.place_algo(req, market_now(ctx.mono_ns));
    log_entry& l = append_log("place_algo", ctx, r);
    l.inst_id = req.inst_id;
    l.side = req.side;
    l.ord_type = req.ord_type;
    l.sz = req.sz;
    l.algo_cl_ord_id = req.algo_cl_ord_id;
    l.algo_id = r.algo_id;
    l.tp_trigger_px = req.tp_trigger_px;
    l.sl_trigger_px = req.sl_trigger_px;
    return r;
}

item_result exchange::do_cancel_algo(object o, const request_ctx& ctx) {
    const std::string inst = field(o, "instId"), id = field(o, "algoId"),
                      cl = field(o, "algoClOrdId");
    const auto r = engine_.cancel_algo(inst, id, cl, market_now(ctx.mono_ns));
    log_entry& l = append_log("cancel_algo", ctx, r);
    l.inst_id = inst;
    l.algo_id = r.algo_id;
    l.algo_cl_ord_id = r.algo_cl_ord_id;
    return r;
}

http_response exchange::route(const http_request& req, std::string_view path,
                              const std::map<std::string, std::string>& q, std::int64_t mono_ns,
                              std::int64_t epoch_ns) {
    const bool is_get = req.method == "GET";
    const bool is_post = req.method == "POST";
    const std::int64_t now = market_now(mono_ns);
    const std::int64_t in_us = epoch_ns / 1000;
    request_ctx ctx{"rest", std::string(path), mono_ns, epoch_ns};
    if (req.exp_time && (path == "/api/v5/trade/order" || path == "/api/v5/trade/batch-orders")) {
        const auto exp = parse_exp_time(*req.exp_time);
        if (!exp)
            return err(400, "51000", "Parameter expTime error");
        ctx.exp_time_ms = *exp;
    }

    auto parse_body = [&](element& el) -> bool {
        return !parser_.parse(req.body.data(), req.body.size(), true).get(el);
    };
    auto items_reply = [&](const std::vector<item_result>& items, bool algo) {
        std::size_t ok_count = 0;
        std::vector<std::string> rows;
        for (const auto& it : items) {
            ok_count += it.ok();
            rows.push_back(render_item(it, algo));
        }
        const char* code = ok_count == items.size() ? "0" : ok_count == 0 ? "1" : "2";
        const char* msg = ok_count == items.size() ? ""
                          : ok_count == 0          ? "All operations failed"
                                                   : "Bulk operation partially succeeded";
        return reply(200, envelope(code, msg, rows, in_us, in_us + 1));
    };
    auto need_sym = [&](const std::string& inst_id) -> std::optional<std::size_t> {
        return market_.find(inst_id);
    };

    if (is_get)
        if (const auto bad = unhonoured_param(path, q); !bad.empty())
            return err(400, "51000", "Parameter " + bad + " error");
    if (is_get && path == "/api/v5/public/time")
        return ok({json_obj().str("ts", str_of(epoch_ns / ns_per_ms)).done()});
    if (is_get && path == "/api/v5/public/instruments") {
        const auto type = get(q, "instType");
        if (type.empty())
            return err(400, "50014", "Parameter instType can not be empty.");
        std::vector<std::string> rows;
        if (type == "SPOT")
            for (std::size_t i = 0; i < market_.size(); ++i) {
                const auto id = get(q, "instId");
                if (id.empty() || id == market_.inst(i).inst_id)
                    rows.push_back(render_instrument(market_.inst(i)));
            }
        return ok(rows);
    }
    if (is_get && (path == "/api/v5/market/ticker" || path == "/api/v5/market/tickers")) {
        std::vector<std::string> rows;
        if (path == "/api/v5/market/ticker") {
            const auto id = get(q, "instId");
            if (id.empty())
                return err(400, "50014", "Parameter instId can not be empty.");
            const auto sym = need_sym(id);
            if (!sym)
                return err(200, "51001", "Instrument ID does not exist");
            rows.push_back(render_ticker(market_.inst(*sym), market_, *sym, quote_for(*sym),
                                         market_.last_ts(*sym)));
        } else {
            if (get(q, "instType").empty())
                return err(400, "50014", "Parameter instType can not be empty.");
            if (get(q, "instType") == "SPOT")
                for (std::size_t i = 0; i < market_.size(); ++i)
                    rows.push_back(render_ticker(market_.inst(i), market_, i, quote_for(i),
                                                 market_.last_ts(i)));
        }
        return ok(rows);
    }
    if (is_get && (path == "/api/v5/market/candles" || path == "/api/v5/market/history-candles")) {
        const auto id = get(q, "instId");
        if (id.empty())
            return err(400, "50014", "Parameter instId can not be empty.");
        const auto sym = need_sym(id);
        if (!sym)
            return err(200, "51001", "Instrument ID does not exist");
        const auto bar = parse_bar(get(q, "bar").empty() ? "1m" : get(q, "bar"));
        if (!bar)
            return err(400, "51000", "Parameter bar error");
        std::int64_t limit = 100;
        if (!get(q, "limit").empty()) {
            const auto l = to_i64(get(q, "limit"));
            if (!l || *l <= 0)
                return err(400, "51000", "Parameter limit error");
            limit = std::min<std::int64_t>(*l, 300);
        }
        std::optional<std::int64_t> after, before;
        if (!get(q, "after").empty()) {
            after = to_i64(get(q, "after"));
            if (!after)
                return err(400, "51000", "Parameter after error");
        }
        if (!get(q, "before").empty()) {
            before = to_i64(get(q, "before"));
            if (!before)
                return err(400, "51000", "Parameter before error");
        }
        const auto rows =
            market_.candles(*sym, *bar, after, before, static_cast<std::size_t>(limit),
                            path == "/api/v5/market/candles");
        std::vector<std::string> out;
        out.reserve(rows.size());
        for (const auto& r : rows)
            out.push_back(render_candle(r));
        return ok(out);
    }
    if (is_get && path == "/api/v5/account/config")
        return ok({json_obj()
                       .str("uid", cfg_.uid)
                       .str("mainUid", cfg_.uid)
                       .str("acctLv", std::to_string(cfg_.acct_lv))
                       .str("acctStpMode", "cancel_maker")
                       .str("posMode", "net_mode")
                       .boolean("autoLoan", false)
                       .str("greeksType", "PA")
                       .str("level", "Lv1")
                       .str("levelTmp", "")
                       .str("ctIsoMode", "automatic")
                       .str("mgnIsoMode", "automatic")
                       .str("roleType", "0")
                       .str("spotRoleType", "0")
                       .str("opAuth", "0")
                       .str("kycLv", "3")
                       .str("label", "scalpel-sim")
                       .str("ip", "")
                       .str("perm", cfg_.key_perm)
                       .done()});
    if (is_get && path == "/api/v5/account/balance")
        return ok({render_balance(engine_, split_csv(get(q, "ccy")), now)});
    if (is_get && (path == "/api/v5/asset/currencies" || path == "/api/v5/asset/balances"))
        return ok({});

    if (is_post &&
        (path == "/api/v5/trade/order" || path == "/api/v5/trade/batch-orders" ||
         path == "/api/v5/trade/cancel-order" || path == "/api/v5/trade/batch-cancel-orders" ||
         path == "/api/v5/trade/order-algo" || path == "/api/v5/trade/cancel-algos")) {
        element body;
        if (!parse_body(body))
            return err(400, "50002", "Json data format error");
        std::vector<object> objs;
        object single;
        array arr;
        if (!body.get(single)) {
            objs.push_back(single);
        } else if (!body.get(arr)) {
            for (element e : arr) {
                object o;
                if (e.get(o))
                    return err(400, "50002", "Json data format error");
                objs.push_back(o);
            }
        } else {
            return err(400, "50002", "Json data format error");
        }
        if (objs.empty() || objs.size() > 20)
            return err(400, "51000", "Parameter data error");
        const bool algo =
            path == "/api/v5/trade/order-algo" || path == "/api/v5/trade/cancel-algos";
        std::vector<item_result> items;
        for (auto o : objs) {
            if (path == "/api/v5/trade/order" || path == "/api/v5/trade/batch-orders")
                items.push_back(do_place(o, ctx));
            else if (path == "/api/v5/trade/order-algo")
                items.push_back(do_place_algo(o, ctx));
            else if (path == "/api/v5/trade/cancel-algos")
                items.push_back(do_cancel_algo(o, ctx));
            else
                items.push_back(do_cancel(o, ctx));
        }
        return items_reply(items, algo);
    }
    if (is_get && path == "/api/v5/trade/order") {
        const auto inst = get(q, "instId");
        if (inst.empty())
            return err(400, "50014", "Parameter instId can not be empty.");
        if (!need_sym(inst))
            return err(200, "51001", "Instrument ID does not exist");
        const order* o = engine_.find_order(get(q, "ordId"), get(q, "clOrdId"));
        if (!o || o->inst_id != inst)
            return err(200, "51603", "Order does not exist");
        return ok({render_order(*o, market_.inst(o->sym), false, false)});
    }
    if (is_get &&
        (path == "/api/v5/trade/orders-pending" || path == "/api/v5/trade/orders-history")) {
        const bool pending = path == "/api/v5/trade/orders-pending";
        const auto inst = get(q, "instId"), type = get(q, "ordType"), state = get(q, "state");
        if (!pending && get(q, "instType").empty())
            return err(400, "50014", "Parameter instType can not be empty.");
        std::vector<std::string> rows;
        if (!inst_type_matches(get(q, "instType")))
            return ok(rows);
        const std::size_t limit = list_limit(q);
        const auto& all = engine_.orders();
        for (auto it = all.rbegin(); it != all.rend() && rows.size() < limit; ++it) {
            if (it->pending() != pending)
                continue;
            if (!inst.empty() && it->inst_id != inst)
                continue;
            if (!type.empty() && it->ord_type != type)
                continue;
            if (!state.empty() && it->state != state)
                continue;
            rows.push_back(render_order(*it, market_.inst(it->sym), false, false));
        }
        return ok(rows);
    }
    if (is_get && (path == "/api/v5/trade/fills" || path == "/api/v5/trade/fills-history")) {
        const auto inst = get(q, "instId"), ord = get(q, "ordId");
        const auto limit = static_cast<std::int64_t>(list_limit(q));
        std::vector<std::string> rows;
        if (!inst_type_matches(get(q, "instType")))
            return ok(rows);
        const auto& all = engine_.fills();
        for (auto it = all.rbegin();
             it != all.rend() && static_cast<std::int64_t>(rows.size()) < limit; ++it) {
            if (!inst.empty() && it->inst_id != inst)
                continue;
            if (!ord.empty() && it->ord_id != ord)
                continue;
            rows.push_back(render_fill(*it));
        }
        return ok(rows);
    }
    if (is_get && path == "/api/v5/trade/order-algo") {
        const algo_order* a = engine_.find_algo(get(q, "algoId"), get(q, "algoClOrdId"));
        if (!a)
            return err(200, "51603", "Order does not exist");
        return ok({render_algo(*a, market_.last(a->sym))});
    }
    if (is_get && (path == "/api/v5/trade/orders-algo-pending" ||
                   path == "/api/v5/trade/orders-algo-history")) {
        const bool pending = path == "/api/v5/trade/orders-algo-pending";
        const auto types = split_csv(get(q, "ordType"));
        if (types.empty())
            return err(400, "50014", "Parameter ordType can not be empty.");
        const auto state = get(q, "state"), algo_id = get(q, "algoId"), inst = get(q, "instId");
        if (!pending && state.empty() && algo_id.empty())
            return err(400, "50014", "Parameter state can not be empty.");
        std::vector<std::string> rows;
        if (!inst_type_matches(get(q, "instType")))
            return ok(rows);
        const std::size_t limit = list_limit(q);
        const auto& all = engine_.algos();
        for (auto it = all.rbegin(); it != all.rend() && rows.size() < limit; ++it) {
            if ((it->state == "live") != pending)
                continue;
            if (std::find(types.begin(), types.end(), it->ord_type) == types.end())
                continue;
            if (!state.empty() && it->state != state)
                continue;
            if (!algo_id.empty() && it->algo_id != algo_id)
                continue;
            if (!inst.empty() && it->inst_id != inst)
                continue;
            rows.push_back(render_algo(*it, market_.last(it->sym)));
        }
        return ok(rows);
    }
    if (path.starts_with("/api/v5/"))
        return reply(404, R"({"msg":"Not Found","code":"404"})");
    return reply(404, R"({"msg":"Not Found","code":"404"})");
}

void exchange::ws_error(conn& c, std::string_view id, std::string_view code, std::string_view msg) {
    json_obj e;
    if (!id.empty())
        e.str("id", id);
    e.str("event", "error").str("code", code).str("msg", msg).str("connId", c.conn_id);
    send(c, e.done());
}

std::uint64_t exchange::ws_open(ws_sink* sink, ws_kind kind, std::int64_t mono_ns) {
    const std::uint64_t id = next_conn_++;
    conn c;
    c.id = id;
    c.sink = sink;
    c.kind = kind;
    c.last_recv_mono = c.last_push_mono = mono_ns;
    c.conn_id = conn_id_of(id);
    conns_.emplace(id, std::move(c));
    return id;
}

void exchange::ws_closed(std::uint64_t id) noexcept {
    conns_.erase(id);
}

void exchange::ws_message(std::uint64_t id, std::string_view text, std::int64_t mono_ns,
                          std::int64_t epoch_ns) {
    const auto it = conns_.find(id);
    if (it == conns_.end())
        return;
    epoch_ns += cfg_.clock_skew_ms * ns_per_ms;
    conn& c = it->second;
    c.last_recv_mono = mono_ns;
    last_mono_ = std::max(last_mono_, mono_ns);
    if (text == "ping") {
        send(c, "pong");
        return;
    }
    try {
        on_timer(mono_ns, epoch_ns);
        element doc;
        object obj;
        if (parser_.parse(text.data(), text.size(), true).get(doc) || doc.get(obj)) {
            ws_error(c, "", "60012", "Invalid request: " + std::string(text.substr(0, 200)));
            return;
        }
        const std::string id_s = field(obj, "id"), op = field(obj, "op");
        array args;
        if (op.empty() || obj["args"].get(args)) {
            ws_error(c, id_s, "60012", "Invalid request: " + std::string(text.substr(0, 200)));
            return;
        }
        if (op == "login")
            ws_login(c, id_s, args, epoch_ns);
        else if (op == "subscribe" || op == "unsubscribe")
            ws_subscribe(c, id_s, args, op == "subscribe");
        else if (op == "order" || op == "batch-orders" || op == "cancel-order" ||
                 op == "batch-cancel-orders") {
            if (defer_ws_op(c, op, text, mono_ns))
                return;
            std::int64_t exp = 0;
            if (const std::string e = field(obj, "expTime"); !e.empty()) {
                const auto parsed = parse_exp_time(e);
                if (!parsed)
                    return ws_error(c, id_s, "60013", "Invalid args: expTime");
                exp = *parsed;
            }
            ws_order_op(c, id_s, op, args, exp, mono_ns, epoch_ns);
        } else
            ws_error(c, id_s, "60012", "Invalid request: " + std::string(text.substr(0, 200)));
        after_engine(mono_ns, epoch_ns);
    } catch (const std::exception& e) {
        ws_error(c, "", "60012", std::string("Invalid request: ") + e.what());
    }
}

void exchange::ws_login(conn& c, std::string_view id, array args, std::int64_t epoch_ns) {
    object a;
    if (args.size() != 1 || args.at(0).get(a))
        return ws_error(c, id, "60012", "Invalid request");
    const std::string key = field(a, "apiKey"), pass = field(a, "passphrase"),
                      ts = field(a, "timestamp"), sign = field(a, "sign");
    if (cfg_.refuse_ws_login)
        return ws_error(c, id, "60009", "Login failed.");
    if (key != cfg_.api_key)
        return ws_error(c, id, "60005", "Invalid apiKey");
    if (pass != cfg_.passphrase)
        return ws_error(c, id, "60024", "Wrong passphrase");
    double secs = 0;
    auto [p, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), secs);
    if (ts.empty() || ec != std::errc{} || p != ts.data() + ts.size())
        return ws_error(c, id, "60004", "Invalid timestamp");
    if (std::fabs(static_cast<double>(epoch_ns) / 1e9 - secs) * 1000 >
        static_cast<double>(cfg_.auth_window_ms))
        return ws_error(c, id, "60006", "Timestamp request expired");
    if (okx::sign_request(cfg_.secret, ts, "GET", "/users/self/verify", "") != sign)
        return ws_error(c, id, "60007", "Invalid sign");
    c.logged_in = true;
    json_obj r;
    if (!id.empty())
        r.str("id", id);
    r.str("event", "login").str("code", "0").str("msg", "").str("connId", c.conn_id);
    send(c, r.done());
}

void exchange::ws_subscribe(conn& c, std::string_view id, array args, bool subscribe) {
    // OKX's answer to an argument it does not know: no `arg`, the text names it (60018).
    auto unknown_arg = [&](const sub& s) {
        ws_error(c, id, "60018",
                 "Wrong URL or channel:" + s.channel + ",instId:" + s.inst_id +
                     " doesn't exist. Please use the correct URL, channel and parameters "
                     "referring to API document.");
    };
    for (element e : args) {
        object a;
        if (e.get(a)) {
            ws_error(c, id, "60012", "Invalid request");
            continue;
        }
        sub s{field(a, "channel"), field(a, "instId"), field(a, "instType")};
        const bool candle = s.channel.starts_with("candle");
        const bool is_public = s.channel == "tickers" || s.channel == "trades";
        const bool is_private = s.channel == "orders";
        const bool is_business = candle || s.channel == "orders-algo";
        if (!is_public && !is_private && !is_business) {
            unknown_arg(s);
            continue;
        }
        if (candle && !parse_bar(s.channel.substr(6))) {
            unknown_arg(s);
            continue;
        }
        const ws_kind need = is_public    ? ws_kind::public_
                             : is_private ? ws_kind::private_
                                          : ws_kind::business;
        if (need != c.kind) {
            const char* where = need == ws_kind::business   ? "business"
                                : need == ws_kind::private_ ? "private"
                                                            : "public";
            ws_error(c, id, "64001",
                     std::string("This channel has been migrated to the '/") + where +
                         "' URL. Please subscribe using the new URL.");
            continue;
        }
        if ((is_private || s.channel == "orders-algo") && !c.logged_in) {
            ws_error(c, id, "60011", "Please log in");
            continue;
        }
        // /sim/ws/refuse-subscribe: a listed instrument refused as OKX refuses an unknown one.
        const bool refused =
            subscribe && s.channel == "tickers" && refused_tickers_.count(s.inst_id);
        if (((is_public || candle) && !market_.find(s.inst_id)) || refused) {
            unknown_arg(s);
            continue;
        }
        if (is_public || candle)
            s.inst_type.clear();
        if (subscribe)
            c.subs.insert(s);
        else
            c.subs.erase(s);
        json_obj ack;
        if (!id.empty())
            ack.str("id", id);
        ack.str("event", subscribe ? "subscribe" : "unsubscribe")
            .raw("arg", arg_json(s.channel, s.inst_id, s.inst_type))
            .str("connId", c.conn_id);
        send(c, ack.done());
        if (subscribe && s.channel == "tickers")
            push_ticker(*market_.find(s.inst_id), &c);
        if (subscribe && candle)
            push_candle(*market_.find(s.inst_id), s.channel.substr(6), &c);
    }
}

// Fault rules on WS trade ops match the pseudo path "/ws/op/<op>" (e.g. /ws/op/order): `fail`
// refuses every item with the rule's code (nothing applied), `drop` neither applies nor answers
// (a request lost on the way, or one the engine discarded past its deadline).
bool exchange::ws_fault(conn& c, std::string_view id, std::string_view op, array args) {
    const std::string path = "/ws/op/" + std::string(op);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
        if (!path.starts_with(it->prefix) || (it->mode != "fail" && it->mode != "drop"))
            continue;
        const fault_rule rule = *it;
        if (--it->count <= 0)
            faults_.erase(it);
        if (rule.mode == "drop")
            return true;
        std::vector<std::string> rows;
        for (element e : args) {
            object o;
            if (e.get(o))
                continue;
            item_result r;
            r.s_code = rule.code;
            r.s_msg = rule.msg;
            r.cl_ord_id = field(o, "clOrdId");
            rows.push_back(render_item(r, false));
        }
        json_obj r;
        if (!id.empty())
            r.str("id", id);
        r.str("op", op)
            .str("code", "1")
            .str("msg", "All operations failed")
            .raw("data", json_array(rows));
        c.sink->send(r.done());
        return true;
    }
    return false;
}

// OKX delisted instId from the WS order operations (changelog "Delist instId request parameter in
// WS order operation channels"): the item must carry the integer instIdCode; an instId it also
// carries is ignored. Without a code the item fails with 50014 "Parameter instIdCode can not be
// empty" (the answer OKX's demo gives, NautilusTrader #3507); an unknown code with 51001.
std::optional<std::string> exchange::ws_inst_of(object o, item_result& refusal) const {
    simdjson::dom::element el;
    if (o.at_key("instIdCode").get(el) || el.is_null()) {
        refusal.s_code = "50014";
        refusal.s_msg = "Parameter instIdCode can not be empty";
        return std::nullopt;
    }
    std::int64_t code = 0;
    if (el.get_int64().get(code)) { // a string or a fraction is not OKX's Integer
        refusal.s_code = "51000";
        refusal.s_msg = "Parameter instIdCode error";
        return std::nullopt;
    }
    for (std::size_t i = 0; i < market_.size(); ++i)
        if (market_.inst(i).inst_id_code == code)
            return market_.inst(i).inst_id;
    refusal.s_code = "51001";
    refusal.s_msg = "Instrument ID, Instrument ID code or Spread ID doesn't exist.";
    return std::nullopt;
}

void exchange::ws_order_op(conn& c, std::string_view id, std::string_view op, array args,
                           std::int64_t exp_time_ms, std::int64_t mono_ns, std::int64_t epoch_ns) {
    if (c.kind != ws_kind::private_)
        return ws_error(c, id, "60018", "Wrong URL or channel");
    if (!c.logged_in)
        return ws_error(c, id, "60011", "Please log in");
    if (!key_can_trade()) {
        json_obj r;
        if (!id.empty())
            r.str("id", id);
        r.str("op", op)
            .str("code", "50120")
            .str("msg", "Your API key does not have permission to trade.")
            .raw("data", "[]");
        return send(c, r.done());
    }
    const bool places = op == "order" || op == "batch-orders";
    const request_ctx ctx{"ws", std::string(op), mono_ns, epoch_ns, places ? exp_time_ms : 0};
    if (ws_fault(c, id, op, args))
        return;
    std::vector<std::string> rows;
    std::size_t ok_count = 0, n = 0;
    for (element e : args) {
        object o;
        if (e.get(o))
            continue;
        ++n;
        item_result r;
        r.ts = epoch_ns / ns_per_ms;
        r.cl_ord_id = field(o, "clOrdId");
        if (const auto inst = ws_inst_of(o, r))
            r = (op == "order" || op == "batch-orders") ? do_place(o, ctx, *inst)
                                                        : do_cancel(o, ctx, *inst);
        else
            append_log(op == "order" || op == "batch-orders" ? "place_order" : "cancel_order", ctx,
                       r)
                .cl_ord_id = r.cl_ord_id;
        ok_count += r.ok();
        rows.push_back(render_item(r, false));
    }
    json_obj r;
    if (!id.empty())
        r.str("id", id);
    if (n == 0) {
        r.str("op", op).str("code", "60013").str("msg", "Invalid args").raw("data", "[]");
    } else {
        const char* code = ok_count == n ? "0" : ok_count == 0 ? "1" : "2";
        r.str("op", op)
            .str("code", code)
            .str("msg", ok_count == n   ? ""
                        : ok_count == 0 ? "All operations failed"
                                        : "")
            .raw("data", json_array(rows))
            .str("inTime", str_of(epoch_ns / 1000))
            .str("outTime", str_of(epoch_ns / 1000 + 1));
    }
    send(c, r.done());
}

// /sim/ws/delay: a matching order op on a logged-in private connection is held back and run
// ws_delay_ms_ later (the "busy exchange processes it late" case; its expTime is judged then).
bool exchange::defer_ws_op(const conn& c, std::string_view op, std::string_view text,
                           std::int64_t mono_ns) {
    if (ws_delay_left_ <= 0 || c.kind != ws_kind::private_ || !c.logged_in ||
        (!ws_delay_op_.empty() && ws_delay_op_ != op))
        return false;
    --ws_delay_left_;
    deferred_ws_.push_back({c.id, std::string(text), mono_ns + ws_delay_ms_ * ns_per_ms});
    return true;
}

namespace {
// Where the answer to a held-back op goes once its connection has closed: nowhere. The op still
// executes, as on an exchange that received it before the client went away.
class discard_sink final : public ws_sink {
public:
    void send(std::string) override {}
    void close(std::uint16_t, std::string) override {}
    void drop() override {}
};
} // namespace

void exchange::run_deferred_ws_ops(std::int64_t mono_ns, std::int64_t epoch_ns) {
    while (!deferred_ws_.empty() && deferred_ws_.front().due_mono_ns <= mono_ns) {
        const deferred_ws_op d = std::move(deferred_ws_.front());
        deferred_ws_.pop_front();
        element doc;
        object obj;
        array args;
        if (parser_.parse(d.text.data(), d.text.size(), true).get(doc) || doc.get(obj) ||
            obj["args"].get(args))
            continue;
        const std::string id = field(obj, "id"), op = field(obj, "op");
        const std::int64_t exp = parse_exp_time(field(obj, "expTime")).value_or(0);
        discard_sink nowhere;
        conn gone;
        gone.id = d.conn_id;
        gone.sink = &nowhere;
        gone.kind = ws_kind::private_;
        gone.logged_in = true;
        const auto it = conns_.find(d.conn_id);
        ws_order_op(it != conns_.end() ? it->second : gone, id, op, args, exp, mono_ns, epoch_ns);
        after_engine(mono_ns, epoch_ns);
    }
}

// One order-log entry as a /sim/orders "requests" row, with the order's / algo's current state.
std::string exchange::render_log_entry(const log_entry& l) const {
    json_obj j;
    j.num("seq", static_cast<std::int64_t>(l.seq))
        .str("kind", l.kind)
        .str("via", l.via)
        .str("path", l.path)
        .num("recv_mono_ns", l.recv_mono_ns)
        .num("recv_epoch_ns", l.recv_epoch_ns)
        .str("instId", l.inst_id)
        .str("side", l.side)
        .str("ordType", l.ord_type)
        .str("sz", l.sz)
        .str("px", l.px)
        .str("clOrdId", l.cl_ord_id)
        .str("ordId", l.ord_id)
        .str("algoClOrdId", l.algo_cl_ord_id)
        .str("algoId", l.algo_id)
        .str("tpTriggerPx", l.tp_trigger_px)
        .str("slTriggerPx", l.sl_trigger_px)
        .str("sCode", l.s_code)
        .str("sMsg", l.s_msg);
    std::string state;
    if (l.kind == "place_order" && !l.ord_id.empty())
        if (const auto* o = engine_.find_order(l.ord_id, ""))
            state = o->state;
    if ((l.kind == "place_algo" || l.kind == "algo_trigger") && !l.algo_id.empty())
        if (const auto* a = engine_.find_algo(l.algo_id, ""))
            state = a->state;
    j.str("state", state);
    return j.done();
}

http_response exchange::control(const http_request& req, std::string_view path,
                                std::int64_t mono_ns, std::int64_t epoch_ns) {
    on_timer(mono_ns, epoch_ns);
    object body;
    element doc;
    const bool has_body = !req.body.empty();
    if (has_body &&
        (parser_.parse(req.body.data(), req.body.size(), true).get(doc) || doc.get(body)))
        return reply(400, R"({"ok":false,"error":"body must be a JSON object"})");
    auto f = [&](std::string_view k) { return has_body ? field(body, k) : std::string{}; };
    auto bad = [](std::string msg) {
        return reply(400, json_obj().boolean("ok", false).str("error", msg).done());
    };
    const std::string ok_body = R"({"ok":true})";
    const std::int64_t now = market_now(mono_ns);

    if (path == "/sim/identity")
        return reply(200, json_obj()
                              .boolean("ok", true)
                              .str("runId", cfg_.run_id)
                              .num("pid", static_cast<std::int64_t>(::getpid()))
                              .done());
    if (path == "/sim/state") {
        std::vector<std::string> syms;
        for (std::size_t i = 0; i < market_.size(); ++i) {
            const auto q = quote_for(i);
            syms.push_back(json_obj()
                               .str("instId", market_.inst(i).inst_id)
                               .str("last", q.last.str())
                               .str("bidPx", q.bid.str())
                               .str("askPx", q.ask.str())
                               .boolean("paused", market_.paused(i))
                               .str("feed", market_.describe(i))
                               .done());
        }
        return reply(200, json_obj()
                              .boolean("ok", true)
                              .str("runId", cfg_.run_id)
                              .str("run_id", cfg_.run_id)
                              .str("uid", cfg_.uid)
                              .num("market_time_ms", now)
                              .num("epoch_ms", epoch_ns / ns_per_ms)
                              .raw("speed", std::to_string(cfg_.speed))
                              .num("time_shift_ms", market_.time_shift_ms())
                              .num("start_ms", market_.start_ms())
                              .boolean("rate_limits", cfg_.rate_limits)
                              .num("ws_connections", static_cast<std::int64_t>(conns_.size()))
                              .raw("symbols", json_array(syms))
                              .done());
    }
    if (path == "/sim/price") {
        const auto sym = market_.find(f("instId"));
        if (!sym)
            return bad("unknown instId");
        std::deque<script_step> steps;
        array script;
        if (has_body && !body["script"].get(script)) {
            for (element e : script) {
                object s;
                if (e.get(s))
                    return bad("script items must be objects");
                const auto px = amount::parse(field(s, "last"));
                const auto after =
                    to_i64(field(s, "after_ms").empty() ? "0" : field(s, "after_ms"));
                if (!px || !px->positive() || !after || *after < 0)
                    return bad("script item needs last > 0, after_ms >= 0");
                steps.push_back({mono_ns + *after * ns_per_ms, *px});
            }
        }
        if (!f("last").empty()) {
            const auto px = amount::parse(f("last"));
            if (!px || !px->positive())
                return bad("last must be a positive decimal string");
            steps.push_front({mono_ns, *px});
        }
        if (steps.empty())
            return bad("give last or script");
        std::stable_sort(steps.begin(), steps.end(),
                         [](auto& a, auto& b) { return a.at_mono_ns < b.at_mono_ns; });
        scripts_[*sym] = std::move(steps);
        on_timer(mono_ns, epoch_ns); // the immediate step applies before we answer
        return reply(200,
                     json_obj().boolean("ok", true).str("last", market_.last(*sym).str()).done());
    }
    if (path == "/sim/resume") {
        const auto id = f("instId");
        for (std::size_t i = 0; i < market_.size(); ++i)
            if (id.empty() || market_.inst(i).inst_id == id) {
                market_.resume(i);
                scripts_.erase(i);
            }
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/drop") {
        const bool frame = f("close_frame") == "true";
        const auto code = to_i64(f("code")).value_or(1001);
        const auto only = f("path");
        std::vector<std::uint64_t> ids;
        for (auto& [id, c] : conns_) {
            const char* p = c.kind == ws_kind::public_    ? "/ws/v5/public"
                            : c.kind == ws_kind::private_ ? "/ws/v5/private"
                                                          : "/ws/v5/business";
            if (only.empty() || only == p)
                ids.push_back(id);
        }
        for (auto id : ids) {
            auto it = conns_.find(id);
            if (it == conns_.end())
                continue;
            it->second.closing = true;
            if (frame)
                it->second.sink->close(static_cast<std::uint16_t>(code), f("reason"));
            else
                it->second.sink->drop();
        }
        return reply(200, json_obj()
                              .boolean("ok", true)
                              .num("dropped", static_cast<std::int64_t>(ids.size()))
                              .done());
    }
    if (path == "/sim/ws/refuse") {
        const auto ms = to_i64(f("ms"));
        if (!ms || *ms < 0)
            return bad("give ms >= 0 (0 lifts the refusal)");
        const auto only = f("path");
        ws_refuse_only_.reset();
        if (!only.empty()) {
            ws_refuse_only_ = ws_path(only);
            if (!ws_refuse_only_)
                return bad("path must be /ws/v5/public, /ws/v5/private or /ws/v5/business");
        }
        ws_refuse_until_mono_ = mono_ns + *ms * ns_per_ms;
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/refuse-subscribe") {
        const std::string inst = f("instId");
        if (inst.empty() || !market_.find(inst))
            return bad("instId of a simulated instrument required");
        if (f("lift") == "true") {
            refused_tickers_.erase(inst);
        } else {
            refused_tickers_.insert(inst);
            // The refusal also ends a standing subscription: nothing more is pushed for it.
            for (auto& [id, c] : conns_)
                c.subs.erase(sub{"tickers", inst, ""});
        }
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/notice") {
        for (auto& [id, c] : conns_)
            send(c, json_obj()
                        .str("event", "notice")
                        .str("code", "64008")
                        .str("msg", "The connection will soon be closed for a service "
                                    "upgrade. Please reconnect.")
                        .str("connId", c.conn_id)
                        .done());
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/malformed") {
        malformed_left_ = static_cast<int>(to_i64(f("count")).value_or(1));
        malformed_channel_ = f("channel");
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/delay") {
        const auto ms = to_i64(f("ms"));
        const auto count = to_i64(f("count")).value_or(1);
        const std::string op = f("op");
        if (!ms || *ms < 0 || count < 0)
            return bad("ms >= 0 required, count >= 0");
        if (!op.empty() && op != "order" && op != "batch-orders" && op != "cancel-order" &&
            op != "batch-cancel-orders")
            return bad("op must be order | batch-orders | cancel-order | batch-cancel-orders");
        ws_delay_ms_ = *ms;
        ws_delay_left_ = static_cast<int>(count);
        ws_delay_op_ = op;
        return reply(200, ok_body);
    }
    if (path == "/sim/ws/duplicate-orders") {
        duplicate_orders_left_ = static_cast<int>(to_i64(f("count")).value_or(1));
        return reply(200, ok_body);
    }
    if (path == "/sim/fault") {
        fault_rule r;
        r.prefix = f("path_prefix");
        r.mode = f("mode").empty() ? "fail" : f("mode");
        r.count = static_cast<int>(to_i64(f("count")).value_or(1));
        r.delay_ms = to_i64(f("delay_ms")).value_or(0);
        r.method = f("method");
        if (r.prefix.empty() || !r.prefix.starts_with("/"))
            return bad("path_prefix required (e.g. /api/v5/trade/order)");
        if (r.mode != "fail" && r.mode != "apply_fail" && r.mode != "hang" && r.mode != "delay" &&
            r.mode != "drop")
            return bad("mode must be fail | apply_fail | hang | delay | drop");
        const bool unknown_outcome = r.mode == "apply_fail";
        r.status = static_cast<int>(to_i64(f("status")).value_or(unknown_outcome ? 400 : 503));
        r.code = f("code").empty() ? (unknown_outcome ? "50004" : "50001") : f("code");
        r.msg = f("msg").empty() ? (unknown_outcome ? "Endpoint request timeout. "
                                                    : "Service temporarily unavailable")
                                 : f("msg");
        if (r.count <= 0 || r.status < 100 || r.status > 599)
            return bad("count > 0 and a valid status required");
        faults_.push_back(std::move(r));
        return reply(200, ok_body);
    }
    if (path == "/sim/faults/clear") {
        faults_.clear();
        return reply(200, ok_body);
    }
    if (path == "/sim/rate-limits") {
        cfg_.rate_limits = f("enabled") == "true";
        rate_hits_.clear();
        return reply(200, ok_body);
    }
    if (path == "/sim/balance") {
        object bals;
        if (has_body && !body["balances"].get(bals)) {
            for (auto kv : bals) {
                std::string_view v;
                if (kv.value.get(v))
                    return bad("balances values must be decimal strings");
                const auto a = amount::parse(v);
                if (!a || a->negative())
                    return bad("bad amount for " + std::string(kv.key));
                engine_.set_balance(std::string(kv.key), *a, now);
            }
            return reply(200, ok_body);
        }
        const auto a = amount::parse(f("amount"));
        if (f("ccy").empty() || !a || a->negative())
            return bad("give ccy and amount, or balances");
        engine_.set_balance(f("ccy"), *a, now);
        return reply(200, ok_body);
    }
    if (path == "/sim/fees") {
        const auto t =
            amount::parse(f("taker").empty() ? engine_.config().taker_fee.str() : f("taker"));
        const auto m =
            amount::parse(f("maker").empty() ? engine_.config().maker_fee.str() : f("maker"));
        if (!t || !m)
            return bad("taker/maker must be decimal strings (0.001 = 0.1 %)");
        engine_.set_fees(*t, *m);
        return reply(200, ok_body);
    }
    if (path == "/sim/orders/since")
        return control_orders_since(to_i64(f("after_seq")).value_or(0),
                                    to_i64(f("after_arrival")).value_or(0));
    if (path == "/sim/orders") {
        std::vector<std::string> reqs, orders, algos;
        for (const auto& l : log_)
            reqs.push_back(render_log_entry(l));
        for (const auto& o : engine_.orders())
            orders.push_back(render_order(o, market_.inst(o.sym), false, false));
        for (const auto& a : engine_.algos())
            algos.push_back(render_algo(a, market_.last(a.sym)));
        return reply(200, json_obj()
                              .boolean("ok", true)
                              .raw("requests", json_array(reqs))
                              .raw("orders", json_array(orders))
                              .raw("algos", json_array(algos))
                              .done());
    }
    if (path == "/sim/reset") {
        engine_.reset(now);
        log_.clear();
        arrivals_.clear();
        faults_.clear();
        cfg_.rate_limits = false;
        rate_hits_.clear();
        malformed_left_ = 0;
        duplicate_orders_left_ = 0;
        ws_delay_left_ = 0;
        deferred_ws_.clear();
        ws_refuse_until_mono_ = 0;
        ws_refuse_only_.reset();
        refused_tickers_.clear();
        scripts_.clear();
        for (std::size_t i = 0; i < market_.size(); ++i)
            market_.resume(i);
        return reply(200, ok_body);
    }
    return reply(404, R"({"ok":false,"error":"unknown control path"})");
}

// A fault rule applies to a request when the path starts with its prefix and, if the rule names
// a method, the method matches (so a rule can hit POST trade/order without the order lookups and
// the orders-pending polls that share the prefix).
bool exchange::fault_matches(const fault_rule& rule, const http_request& req,
                             std::string_view path) noexcept {
    return path.starts_with(rule.prefix) && (rule.method.empty() || rule.method == req.method);
}

// Records that a delay fault is holding a request: the chaos suite uses it to act (e.g. kill the
// sender) while the request is in flight on the exchange side.
void exchange::note_deferred(const http_request& req, std::string_view path, std::int64_t delay_ms,
                             std::int64_t mono_ns) {
    arrivals_.push_back({next_arrival_++, req.method, std::string(path), mono_ns, delay_ms});
    if (arrivals_.size() > max_arrivals)
        arrivals_.pop_front();
}

// The order-log entries with seq > after_seq and the deferred arrivals with seq > after_arrival:
// a cheap incremental view of /sim/orders for a poller.
http_response exchange::control_orders_since(std::int64_t after_seq,
                                             std::int64_t after_arrival) const {
    std::vector<std::string> reqs, arrivals;
    for (auto it = std::upper_bound(log_.begin(), log_.end(), after_seq,
                                    [](std::int64_t v, const log_entry&l) {
                                        return v < static_cast<std::int64_t>(l.seq);
                                    });
         it != log_.end(); ++it)
        reqs.push_back(render_log_entry(*it));
    for (const auto& a : arrivals_)
        if (static_cast<std::int64_t>(a.seq) > after_arrival)
            arrivals.push_back(json_obj()
                                   .num("seq", static_cast<std::int64_t>(a.seq))
                                   .str("method", a.method)
                                   .str("path", a.path)
                                   .num("recv_mono_ns", a.recv_mono_ns)
                                   .num("delay_ms", a.delay_ms)
                                   .done());
    return reply(200, json_obj()
                          .boolean("ok", true)
                          .raw("requests", json_array(reqs))
                          .raw("arrivals", json_array(arrivals))
                          .done());
}

} // namespace scalpel::sim
