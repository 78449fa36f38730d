// ws_frame_parser: classifies and parses one OKX v5 WebSocket text frame (okx_v5.md §4): the text
// "pong", events (login, subscribe, error, notice …), op replies (order / cancel-order acks) and
// channel pushes (tickers, orders, orders-algo). It is the guard's hot path: after construction
// it never allocates (one reused simdjson ondemand parser, one padded frame buffer, results in a
// caller-owned ws_message with fixed-capacity row arrays). Malformed frames are a kind, not a
// throw.
#pragma once

#include "common/okx/error.hpp"
#include "common/okx/types.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>

namespace scalpel::okx {

enum class ws_msg : std::uint8_t {
    pong,
    ticker,      // tickers push → msg.tick
    orders,      // orders push → msg.orders[0..n_rows)
    orders_algo, // orders-algo push → msg.algos[0..n_rows)
    login,       // login ok (a failed login comes as error)
    subscribe,   // subscribe ack → msg.channel / msg.inst_id
    unsubscribe,
    error,    // event:error → msg.err (code/msg); a refused subscription (60018) also names its
              // argument in msg.channel / msg.inst_id (parsed from the text: OKX sends no `arg`)
    notice,   // event:notice (64008 service upgrade) → msg.err
    op_reply, // op:order / cancel-order reply → msg.op, msg.id, msg.acks/ack_errs[0..n_rows),
              // msg.err
    subscription_terminated, // channel-conn-count-error: OKX ended a subscription (connection
                             // limit, docs-v5 "WebSocket > Connection count limit") → msg.channel
    other_event,             // channel-conn-count etc.
    other_push,              // a push on a channel not parsed here (msg.channel says which)
    malformed,               // not JSON, wrong shape, bad field → msg.err (bad_response)
};

[[nodiscard]] std::string_view to_string(ws_msg k) noexcept;

// WS error 60018 "Wrong URL or channel:{0},instId:{1} doesn't exist": OKX refused one argument of
// a subscribe request.
inline constexpr int subscription_refused_code = 60018;

struct ws_message {
    static constexpr std::size_t max_rows = 8; // rows beyond this are counted in n_dropped

    ws_msg kind = ws_msg::malformed;
    error err;
    word_t channel;
    inst_id_t inst_id;
    fixed_string<40> id; // request id echoed by op replies / events
    word_t op;
    ticker tick;
    std::size_t n_rows = 0, n_dropped = 0;
    std::array<order_detail, max_rows> orders;
    std::array<algo_order, max_rows> algos;
    std::array<order_ack, max_rows> acks;
    std::array<error, max_rows> ack_errs; // per-item sCode of op replies
};

class ws_frame_parser {
public:
    static constexpr std::size_t default_max_frame = 64 * 1024;

    // Allocates the padded buffer (max_frame + padding) and the parser's internal buffers for
    // max_frame bytes; nothing is allocated after this.
    explicit ws_frame_parser(std::size_t max_frame = default_max_frame);
    ~ws_frame_parser();
    ws_frame_parser(const ws_frame_parser&) = delete;
    ws_frame_parser& operator=(const ws_frame_parser&) = delete;

    // Parses `frame` into `out` (fields of other kinds are left stale). Frames larger than
    // max_frame are malformed. Returns out.kind.
    ws_msg parse(std::string_view frame, ws_message& out) noexcept;

    // Fast path for the public feed: a tickers push → `out`. Any other frame is an error
    // (bad_response for malformed/other frames). Allocation-free.
    [[nodiscard]] error parse_ticker(std::string_view frame, ticker& out) noexcept;

    [[nodiscard]] std::size_t max_frame() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace scalpel::okx
