// exchange: the whole OKX v5 protocol of the simulator without any socket — REST routing and
// auth, WS sessions (login, subscriptions, pushes, order ops), rate limits, fault injection,
// the /sim control API and the order log. The Beast server (server.hpp) only moves bytes and
// calls in here from its single thread. Time comes in as parameters (CLOCK_MONOTONIC ns and
// epoch ns); market time runs at `speed` × real time from the start. It must never throw out
// of a handler: a malformed request becomes an OKX error reply.
#pragma once

#include "okx_sim/engine.hpp"
#include "okx_sim/market.hpp"

#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::sim {

struct exchange_config {
    std::string api_key = "sim-key", secret = "sim-secret", passphrase = "sim-pass";
    double speed = 60;         // market-time ms per real ms
    int half_spread_ticks = 1; // bid = last - n·tick, ask = last + n·tick
    bool rate_limits = false;
    std::int64_t ws_idle_ms = 30'000;
    std::int64_t auth_window_ms = 30'000;
    std::int64_t ticker_interval_ms = 100;
    std::int64_t candle_interval_ms = 1'000;
    int acct_lv = 1;                          // account/config acctLv (the engine checks tdMode)
    std::string key_perm = "read_only,trade"; // account/config perm; without trade: 50120
    std::int64_t clock_skew_ms = 0;           // the exchange clock runs this far from ours
    bool refuse_ws_login = false;             // every WS login fails (60009)
    std::string uid = "100000001"; // account/config uid (the account a bot's segment belongs to)
    // Who this simulator is: served by /sim/identity, /sim/state and an X-Sim-Run-Id header on
    // every HTTP answer, so a bot started for one simulator refuses any other on the same port.
    std::string run_id;
};

// The headers auth needs ("" = absent) plus the rest of the request as received.
struct http_request {
    std::string method, target, body;
    std::optional<std::string> key, sign, timestamp, passphrase;
    std::optional<std::string> exp_time; // `expTime` header: place orders past it are discarded
};

struct http_response {
    int status = 200;
    std::string body;
    std::int64_t delay_ms = 0; // defer: call handle_http again after this long with faults_done
    bool defer = false;
    bool hang = false; // the request was applied; never answer it
};

// What the exchange can do to one WS connection; implemented by the server's session.
class ws_sink {
public:
    virtual ~ws_sink() = default;
    virtual void send(std::string text) = 0;
    virtual void close(std::uint16_t code, std::string reason) = 0; // with a close frame
    virtual void drop() = 0;                                        // TCP close, no close frame
};

enum class ws_kind { public_, private_, business };

class exchange {
public:
    // `mono_ns` is the CLOCK_MONOTONIC time at which market time equals market.start_ms().
    exchange(market m, engine e, exchange_config cfg, std::int64_t mono_ns);

    // Handles one HTTP request (REST or /sim control). `faults_done` skips fault injection for a
    // request that was deferred by a delay rule.
    [[nodiscard]] http_response handle_http(const http_request& req, std::int64_t mono_ns,
                                            std::int64_t epoch_ns, bool faults_done = false);

    // WS life cycle: open returns the connection id; the sink must stay valid until ws_closed.
    std::uint64_t ws_open(ws_sink* sink, ws_kind kind, std::int64_t mono_ns);
    void ws_message(std::uint64_t id, std::string_view text, std::int64_t mono_ns,
                    std::int64_t epoch_ns);
    void ws_closed(std::uint64_t id) noexcept;

    // Advances the market to now, runs matching and triggers, scripts, throttled pushes and the
    // 30 s no-push check (OKX's documented rule). Call every ~10-20 ms.
    void on_timer(std::int64_t mono_ns, std::int64_t epoch_ns);

    [[nodiscard]] std::int64_t market_now(std::int64_t mono_ns) const noexcept;
    [[nodiscard]] const market& mkt() const noexcept { return market_; }
    [[nodiscard]] const engine& eng() const noexcept { return engine_; }
    [[nodiscard]] std::size_t ws_count() const noexcept { return conns_.size(); }
    [[nodiscard]] const std::string& run_id() const noexcept { return cfg_.run_id; }

    // Paths the server recognises as WS endpoints (query string ignored).
    [[nodiscard]] static std::optional<ws_kind> ws_path(std::string_view target) noexcept;

    // True while /sim/ws/refuse holds WebSocket upgrades of `kind` closed (the server then answers
    // the upgrade with HTTP 503): a feed that stays down, not one that reconnects at once.
    [[nodiscard]] bool ws_refused(ws_kind kind, std::int64_t mono_ns) const noexcept;

private:
    struct sub {
        std::string channel, inst_id, inst_type;
        auto operator<=>(const sub&) const = default;
    };
    struct conn {
        std::uint64_t id = 0;
        ws_sink* sink = nullptr;
        ws_kind kind = ws_kind::public_;
        bool logged_in = false;
        bool closing = false;
        std::int64_t last_recv_mono = 0;
        std::int64_t last_push_mono = 0; // last frame sent to the client (the idle rule's clock)
        std::set<sub> subs;
        std::string conn_id;
    };
    std::int64_t ws_refuse_until_mono_ = 0; // /sim/ws/refuse deadline
    std::int64_t last_mono_ = 0;            // latest CLOCK_MONOTONIC time seen (timer / frames)
    std::optional<ws_kind> ws_refuse_only_; // empty: every WS path
    std::set<std::string> refused_tickers_; // /sim/ws/refuse-subscribe: instIds answered 60018
    struct fault_rule {
        std::string prefix, mode, code, msg;
        std::string method; // empty: any method
        int count = 1, status = 200;
        std::int64_t delay_ms = 0;
    };
    struct log_entry {
        std::uint64_t seq = 0;
        std::string kind, via, path;
        std::int64_t recv_mono_ns = 0, recv_epoch_ns = 0;
        std::string inst_id, side, ord_type, sz, px, cl_ord_id, algo_cl_ord_id, ord_id, algo_id,
            s_code, s_msg;
        std::string tp_trigger_px, sl_trigger_px;
    };
    struct arrival { // a request a delay fault holds (see note_deferred)
        std::uint64_t seq = 0;
        std::string method, path;
        std::int64_t recv_mono_ns = 0, delay_ms = 0;
    };
    static constexpr std::size_t max_arrivals = 4096;
    struct script_step {
        std::int64_t at_mono_ns;
        amount px;
    };
    struct request_ctx {
        std::string via, path;
        std::int64_t mono_ns, epoch_ns;
        std::int64_t exp_time_ms = 0; // the request's expTime (epoch ms), 0 = none
    };
    // A WS order op held back by /sim/ws/delay: run when due, on its connection if still open.
    struct deferred_ws_op {
        std::uint64_t conn_id = 0;
        std::string text;
        std::int64_t due_mono_ns = 0;
    };

    log_entry& append_log(const char* kind, const request_ctx& ctx, const item_result& r);
    http_response route(const http_request& req, std::string_view path,
                        const std::map<std::string, std::string>& q, std::int64_t mono_ns,
                        std::int64_t epoch_ns);
    http_response control(const http_request& req, std::string_view path, std::int64_t mono_ns,
                          std::int64_t epoch_ns);
    std::optional<http_response> check_auth(const http_request& req, std::int64_t epoch_ns) const;
    bool rate_limited(std::string_view path, std::int64_t mono_ns);
    static bool fault_matches(const fault_rule& rule, const http_request& req,
                              std::string_view path) noexcept;
    void note_deferred(const http_request& req, std::string_view path, std::int64_t delay_ms,
                       std::int64_t mono_ns);
    [[nodiscard]] std::string render_log_entry(const log_entry& l) const;
    [[nodiscard]] http_response control_orders_since(std::int64_t after_seq,
                                                     std::int64_t after_arrival) const;

    // inst_id: the instrument the WS op named by instIdCode (empty: the body's instId, REST).
    item_result do_place(simdjson::dom::object o, const request_ctx& ctx,
                         std::string_view inst_id = {});
    item_result do_cancel(simdjson::dom::object o, const request_ctx& ctx,
                          std::string_view inst_id = {});
    // The instId a WS order-op item names by its integer instIdCode, or the refusal OKX gives.
    std::optional<std::string> ws_inst_of(simdjson::dom::object o, item_result& refusal) const;
    item_result do_place_algo(simdjson::dom::object o, const request_ctx& ctx);
    item_result do_cancel_algo(simdjson::dom::object o, const request_ctx& ctx);
    void after_engine(std::int64_t mono_ns, std::int64_t epoch_ns);
    void process_ticks(std::vector<tick>& ticks);
    quote quote_for(std::size_t sym) const;

    void ws_subscribe(conn& c, std::string_view id, simdjson::dom::array args, bool subscribe);
    void ws_login(conn& c, std::string_view id, simdjson::dom::array args, std::int64_t epoch_ns);
    bool ws_fault(conn& c, std::string_view id, std::string_view op, simdjson::dom::array args);
    void ws_order_op(conn& c, std::string_view id, std::string_view op, simdjson::dom::array args,
                     std::int64_t exp_time_ms, std::int64_t mono_ns, std::int64_t epoch_ns);
    bool defer_ws_op(const conn& c, std::string_view op, std::string_view text,
                     std::int64_t mono_ns);
    void run_deferred_ws_ops(std::int64_t mono_ns, std::int64_t epoch_ns);
    void ws_error(conn& c, std::string_view id, std::string_view code, std::string_view msg);
    void push(conn& c, const std::string& channel, std::string text);
    [[nodiscard]] bool key_can_trade() const; // "trade" in key_perm
    // Every frame to a client goes through here: it stamps the idle rule's clock.
    void send(conn& c, std::string text);
    void push_ticker(std::size_t sym, conn* only);
    void push_candle(std::size_t sym, const std::string& bar, conn* only);

    market market_;
    engine engine_;
    exchange_config cfg_;
    std::int64_t mono0_;
    std::map<std::uint64_t, conn> conns_;
    std::uint64_t next_conn_ = 1;
    std::vector<fault_rule> faults_;
    std::map<std::string, std::deque<std::int64_t>> rate_hits_;
    std::deque<log_entry> log_;
    std::uint64_t next_seq_ = 1;
    std::deque<arrival> arrivals_;
    std::uint64_t next_arrival_ = 1;
    std::map<std::size_t, std::deque<script_step>> scripts_;
    std::vector<bool> ticker_dirty_;
    std::vector<std::int64_t> ticker_pushed_mono_;
    std::map<std::pair<std::size_t, std::string>, std::pair<std::int64_t, std::string>>
        candle_pushed_;
    int malformed_left_ = 0;
    std::string malformed_channel_;
    int duplicate_orders_left_ = 0;
    int ws_delay_left_ = 0;        // /sim/ws/delay: order ops still to hold back
    std::int64_t ws_delay_ms_ = 0; // … by this long
    std::string ws_delay_op_;      // … only this op ("" = every order op)
    std::deque<deferred_ws_op> deferred_ws_;
    std::uint64_t trade_seq_ = 1;
    simdjson::dom::parser parser_;
};

} // namespace scalpel::sim
