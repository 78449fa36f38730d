// rest_client: typed OKX v5 REST endpoints over HTTP/1.1 keep-alive (TLS with verification and SNI;
// plain http only to loopback), C++20 coroutines on one io_context thread.
// Every call: waits for its endpoint's token bucket (never fails on the client limit), signs
// private requests, and returns okx::result<T> — never throws. Retries: GETs and cancels on
// transient, network, timeout and rate-limit errors; any request after a 429/50011 (the exchange
// refused it unprocessed). A place order is NEVER sent twice: it carries a deadline (`expTime`)
// and an unclear answer is resolved by looking its clOrdId up until it is found or the deadline
// plus the lookup lag has passed (submit_order). Algo placement (no expTime on OKX) re-sends only
// under the same algoClOrdId, which OKX refuses while the first one exists. Back-off is
// exponential with jitter. Secrets never reach an error message. The client must outlive every
// coroutine it started.
#pragma once

#include "common/net/asio.hpp"
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"
#include "common/okx/error.hpp"
#include "common/okx/requests.hpp"
#include "common/okx/types.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::net_client {

template <class T> using rest_result = net::awaitable<okx::result<T>>;

struct rest_stats {
    std::uint64_t requests = 0;   // HTTP requests written (including retries)
    std::uint64_t retries = 0;    // attempts after the first
    std::uint64_t connects = 0;   // new connections opened
    std::uint64_t rate_waits = 0; // times a token bucket made a request wait
    // Connections opened whose TCP_NODELAY read back (getsockopt) as set: equals `connects`
    // unless the kernel refused it. Two closes on one tick must not wait behind an ACK (Nagle).
    std::uint64_t nodelay_connects = 0;
};

// What became of one place-order attempt (one clOrdId). An order's outcome is unknown until the
// exchange says so: a timeout is not a failure.
enum class placement_state : std::uint8_t {
    placed,  // the exchange holds it (acked, or found by clOrdId): follow it, never send it again
    absent,  // refused by the exchange, never sent, or not found once expTime + lookup lag passed:
             // the caller may make a NEW attempt (next attempt number, new clOrdId)
    unknown, // neither proven (lookups failing): no new attempt for this purpose; resolve later
};
[[nodiscard]] const char* to_string(placement_state s) noexcept;

struct [[nodiscard]] order_placement {
    placement_state state = placement_state::unknown;
    okx::order_ack ack;           // placed: ordId / clOrdId (ts_ms 0 when found by lookup late)
    okx::error err;               // absent/unknown: why (expired = deadline passed, not found)
    std::int64_t exp_time_ms = 0; // the deadline the request carried (epoch ms)

    [[nodiscard]] bool placed() const noexcept { return state == placement_state::placed; }
};

class rest_client {
public:
    // Validates cfg (throws config_error). Credentials are needed only for private endpoints
    // (which otherwise fail with kind config).
    rest_client(net::any_io_executor ex, endpoint_config cfg,
                std::optional<credentials> creds = std::nullopt);
    ~rest_client();
    rest_client(const rest_client&) = delete;
    rest_client& operator=(const rest_client&) = delete;

    // Public.
    rest_result<okx::server_time> server_time();
    rest_result<std::vector<okx::instrument>> instruments(std::string inst_type,
                                                          std::string inst_id = {});
    rest_result<okx::ticker> ticker(std::string inst_id);
    rest_result<std::vector<okx::ticker>> tickers(std::string inst_type);
    // Newest first, unconfirmed rows flagged (okx_v5.md §2.4). history → /market/history-candles.
    rest_result<std::vector<okx::candle_row>> candles(std::string inst_id, std::string bar,
                                                      int limit = 100, std::int64_t after_ms = 0,
                                                      std::int64_t before_ms = 0,
                                                      bool history = false);

    // Private.
    rest_result<okx::balance> balance(std::string ccys = {});
    rest_result<okx::account_config> account_config();
    // One place-order attempt, sent exactly once with `expTime` = req.exp_time_ms, or now +
    // order_deadline when that is 0. An unclear answer (timeout, 50004, 51149, 5xx, duplicate id)
    // is resolved by clOrdId lookups (resolve_order). Builds the body now (req's views need only
    // live until this returns).
    net::awaitable<order_placement> submit_order(const okx::place_order_req& req);
    // Resolves an attempt sent earlier under `cl_ord_id` with a deadline no later than
    // `exp_time_ms` (a restarted process passes now + order_deadline: anything sent before now
    // expires before that): placed when found, absent when still not found after expTime +
    // order_lookup_lag, unknown when the exchange could not be asked until expTime + lag +
    // order_resolve_timeout.
    net::awaitable<order_placement> resolve_order(std::string inst_id, std::string cl_ord_id,
                                                  std::int64_t exp_time_ms);
    // submit_order as a result: the ack when placed; else the error (kind `expired` when the
    // attempt is provably absent after its deadline, `unknown_outcome` when unresolved).
    rest_result<okx::order_ack> place_order(const okx::place_order_req& req);
    rest_result<okx::order_ack> cancel_order(const okx::cancel_order_req& req);
    // By ordId when given, else by clOrdId. Missing → kind not_found.
    rest_result<okx::order_detail> order(std::string inst_id, std::string ord_id,
                                         std::string cl_ord_id = {});
    rest_result<std::vector<okx::order_detail>> orders_pending(std::string inst_id = {});
    rest_result<std::vector<okx::fill>> fills(std::string inst_id, std::string ord_id = {},
                                              int limit = 0);
    rest_result<okx::algo_ack> place_algo(const okx::algo_order_req& req);
    rest_result<std::vector<okx::algo_ack>>
    cancel_algos(const std::vector<okx::cancel_algo_req>& reqs);
    // By algoId when given, else by algoClOrdId. Missing → kind not_found.
    rest_result<okx::algo_order> algo_order(std::string algo_id, std::string algo_cl_ord_id = {});
    rest_result<std::vector<okx::algo_order>> algos_pending(std::string ord_type = "oco",
                                                            std::string inst_id = {});
    rest_result<std::vector<okx::algo_order>> algos_history(std::string ord_type, std::string state,
                                                            std::string algo_id = {},
                                                            std::string inst_id = {});

    // Raw access for tools/tests: one request with this client's signing, limits and retries.
    struct raw_reply {
        int status = 0;
        std::string body;
        okx::error err; // transport error or the envelope's error
    };
    net::awaitable<raw_reply> get(std::string path_and_query, bool signed_request);

    [[nodiscard]] const rest_stats& stats() const noexcept;
    [[nodiscard]] const endpoint_config& config() const noexcept;

    struct impl;

private:
    net::awaitable<order_placement> submit_order_impl(std::string body, std::string inst_id,
                                                      std::string cl_ord_id,
                                                      std::int64_t exp_time_ms);
    rest_result<okx::order_ack> place_order_impl(std::string body, std::string inst_id,
                                                 std::string cl_ord_id, std::int64_t exp_time_ms);
    rest_result<okx::algo_ack> place_algo_impl(std::string body, std::string algo_cl_ord_id);
    std::unique_ptr<impl> impl_;
};

// Blocking facade for tools and tests: owns an io_context and runs one coroutine to completion.
//   net_client::rest_session s(cfg, creds);
//   auto t = s.run(s.client().ticker("BTC-USDT"));
class rest_session {
public:
    explicit rest_session(endpoint_config cfg, std::optional<credentials> creds = std::nullopt)
        : client_(ioc_.get_executor(), std::move(cfg), std::move(creds)) {}

    [[nodiscard]] rest_client& client() noexcept { return client_; }
    [[nodiscard]] net::io_context& context() noexcept { return ioc_; }

    // Runs `op` on the owned io_context until it completes and returns its value. The client's
    // coroutines never throw; an exception (bad_alloc) is rethrown here.
    template <class T> T run(net::awaitable<T> op) {
        std::optional<T> out;
        std::exception_ptr failure;
        net::co_spawn(ioc_, std::move(op), [&out, &failure](std::exception_ptr e, T v) {
            if (e)
                failure = e;
            else
                out.emplace(std::move(v));
        });
        ioc_.restart();
        ioc_.run();
        if (failure)
            std::rethrow_exception(failure);
        return std::move(*out);
    }

private:
    net::io_context ioc_{1};
    rest_client client_;
};

} // namespace scalpel::net_client
