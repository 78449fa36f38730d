// ws_client: one OKX v5 WebSocket connection kind (public / private / business) as an explicit
// state machine — resolve → TCP → TLS → WS handshake → login (private/business) → subscribe → live
// — with text "ping"/"pong" keep-alive, jittered exponential reconnect, automatic re-login and
// re-subscribe, a stale-feed detector, and a fixed send ring for order frames.
// Callback style (Beast example shape) on the caller's single-threaded io_context. After warm-up
// the receive path (read → parse → callback) allocates nothing; malformed frames are counted and
// skipped, never fatal. Callbacks run on the io_context thread and must not block. Secrets are only
// sent in the login frame, never logged or put in an error.
#pragma once

#include "common/clock.hpp"
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"
#include "common/okx/requests.hpp"
#include "common/okx/ws_parser.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace scalpel::net_client {

enum class ws_kind : std::uint8_t { public_channel, private_channel, business_channel };
enum class ws_state : std::uint8_t {
    stopped,
    connecting,
    handshaking,
    logging_in,
    subscribing,
    live,
    backoff
};

[[nodiscard]] std::string_view to_string(ws_state s) noexcept;

// All optional. Views/spans are valid only during the call.
struct ws_handlers {
    // rx_ns: CLOCK_MONOTONIC of the frame's arrival, taken right after the read completed and
    // before parsing, so latencies measured from it include the parse.
    std::function<void(const okx::ticker&, mono_ns rx_ns)> on_ticker;
    std::function<void(std::span<const okx::order_detail>)> on_orders;
    std::function<void(std::span<const okx::algo_order>)> on_algo_orders;
    std::function<void(const okx::ws_message&)> on_op_reply; // op:order / cancel-order replies
    std::function<void(const okx::ws_message&)> on_other;    // acks, other events, other channels
    // Per-argument subscription answers on the current connection: a subscribe ack (msg.kind
    // subscribe) or a refusal that names its argument (msg.kind error, msg.inst_id set, 60018).
    // A refused argument does not fail the connection: the others stay subscribed.
    std::function<void(const okx::ws_message&)> on_subscription;
    std::function<void(ws_state)> on_state;
    // true: no channel data for cfg.ws_stale_after (connected or not); false: data flows again.
    std::function<void(bool stale)> on_stale;
    // error events (login failure, 6xxxx), notices (64008), transport failures before a reconnect.
    std::function<void(const okx::error&)> on_error;
};

struct ws_stats {
    std::uint64_t frames = 0;     // text frames received
    std::uint64_t malformed = 0;  // frames that failed to parse (skipped)
    std::uint64_t connects = 0;   // WS handshakes completed
    std::uint64_t reconnects = 0; // connection losses followed by a retry
    std::uint64_t pings = 0, pongs = 0;
    std::uint64_t stale_events = 0;
    std::uint64_t send_dropped = 0;    // send_text refused (not live, ring full, too large)
    std::uint64_t terminated_subs = 0; // channel-conn-count-error events (then a reconnect)
    // TCP_NODELAY as read back (getsockopt) from the socket of the last connection: a close
    // order must not wait behind the previous frame's ACK (Nagle).
    bool tcp_nodelay = false;
};

class ws_client {
public:
    static constexpr std::size_t send_slots = 16;
    static constexpr std::size_t slot_size = 4096;

    // Validates cfg (config_error). private/business kinds need credentials (config_error if
    // absent). `subs` are (re)sent after every (re)connect and login.
    ws_client(boost::asio::io_context& ioc, endpoint_config cfg, ws_kind kind,
              std::vector<okx::ws_sub> subs, ws_handlers handlers,
              std::optional<credentials> creds = std::nullopt);
    ~ws_client(); // stop()
    ws_client(const ws_client&) = delete;
    ws_client& operator=(const ws_client&) = delete;

    // Starts connecting (from the io_context thread or before run()). Idempotent.
    void start();
    // Closes the connection and stops timers; no callback fires after this returns.
    void stop();
    // Drops the current connection and reconnects after the back-off (ops / tests).
    void force_reconnect();

    // Queues one text frame (copied into a fixed ring slot; no allocation) when live. Use with
    // okx::write_ws_order / write_ws_cancel_order into the caller's buffer. Returns false (and
    // counts send_dropped) when not live, the ring is full, or the frame exceeds slot_size.
    bool send_text(std::string_view frame) noexcept;
    // Sends a subscribe request for one argument on the current connection (a refused one, asked
    // again); its answer comes through on_subscription. False when not connected. Not for the hot
    // path (builds the frame).
    bool resubscribe(const okx::ws_sub& sub);

    [[nodiscard]] ws_state state() const noexcept;
    [[nodiscard]] const ws_stats& stats() const noexcept;
    [[nodiscard]] std::string target() const; // "/ws/v5/public[?query]"

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

} // namespace scalpel::net_client
