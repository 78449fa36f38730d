// guard_service::impl — private to guard_proc (guard_service.cpp wires feeds and timers and maps
// pushes to tracker events, exchange_flows.cpp carries out the trackers' commands over REST).
// Single-threaded: every member is touched only on the io_context thread. It owns no exit state:
// each slot's close_tracker (inside tick_guard) does; this shell only executes and reports back.
#pragma once

#include "common/net/asio.hpp"
#include "common/net/rest_client.hpp"
#include "common/net/ws_client.hpp"
#include "guard_proc/feed_health.hpp"
#include "guard_proc/guard.hpp"
#include "guard_proc/guard_service.hpp"
#include "reconcile/reconcile.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace scalpel::guard {

// After a close (recorded, or a slot seen leaving), the account reconcile that cancels OCOs no
// open position owns runs this much later: closes in a burst share one sweep, and the audit's
// "orphan" bound (3 s after the close fill) must cover it plus one reconcile's REST round trips.
inline constexpr std::chrono::milliseconds post_close_sweep_delay{250};

// What a push or a lookup names: a slot generation, the intent and the attempt of one of our ids.
struct id_target {
    shm::slot_ref ref;
    shm::intent what = shm::intent::entry;
    std::uint32_t attempt = 0;
};

struct guard_service::impl final : order_sink {
    impl(const config::bot_config& cfg, net_client::endpoint_config endpoint,
         net_client::credentials creds, shm::segment& seg);

    int run();
    void stop();

    // order_sink
    bool send_order_frame(std::string_view frame) noexcept override;
    void close_started(const close_request& r, bool sent) noexcept override;
    void execute(shm::slot_ref ref, const command& c) noexcept override;

    // feeds (guard_service.cpp)
    void start_feeds();
    void start_public();
    void on_ws_state(const char* which, net_client::ws_state s, bool& live);
    void on_subscription(const okx::ws_message& m);
    void resubscribe_refused(mono_ns now);
    void on_orders(std::span<const okx::order_detail> rows);
    void on_op_reply(const okx::ws_message& m);
    void on_algo_orders(std::span<const okx::algo_order> rows);
    // the order log (order_notes.hpp): pushes of our orders, and what kind an order of ours is
    void note_pushed_order(const okx::order_detail& o);
    [[nodiscard]] shm::order_kind kind_of(shm::intent what, const okx::order_detail& o) const;
    [[nodiscard]] std::optional<id_target> target_of(std::string_view cl_ord_id) const;
    void log_adopted();
    [[nodiscard]] event now_event(ev kind, std::uint32_t attempt = 0) const;

    // timers
    void arm_heartbeat();
    void arm_refresh();
    void refresh_burst();
    void arm_burst();
    void arm_reconcile();
    void arm_poll();
    void arm_stats();
    void reconcile_all();
    void log_latency();
    void spawn(net::awaitable<void> flow, const char* what);

    // command executors (exchange_flows.cpp)
    net::awaitable<void> rest_close(shm::slot_ref ref, command c);
    net::awaitable<void> lookup_order(shm::slot_ref ref, command c);
    net::awaitable<void> lookup_child(shm::slot_ref ref);
    net::awaitable<void> lookup_algo(shm::slot_ref ref, std::uint32_t k);
    net::awaitable<void> cancel_oco(shm::slot_ref ref, std::uint32_t k);
    net::awaitable<void> place_oco(shm::slot_ref ref, command c);
    void record_close(shm::slot_ref ref, const command& c);
    void alert(shm::slot_ref ref, const command& c);
    [[nodiscard]] event order_event(shm::slot_ref ref, const okx::order_detail& o,
                                    std::uint32_t attempt, bool child) const;
    [[nodiscard]] event algo_event(const okx::algo_order& a, std::uint32_t k) const;
    net::awaitable<void> poll_ticker(std::string inst_id);
    net::awaitable<void> load_instruments();
    net::awaitable<void> load_account_mode();
    net::awaitable<void> sleep_for(std::chrono::milliseconds d);

    // Account reconciliation (reconcile_flow.cpp): the exchange against the segment.
    void request_account_reconcile(const char* why); // while one runs: once more after it
    void arm_account_reconcile();
    void sweep_after_close();  // a reconcile shortly after a recorded close (orphan OCOs)
    void publish_feed_state(); // per-symbol feed state for signal_proc's entry gate (feeds)
    net::awaitable<void> account_reconcile(const char* why);
    net::awaitable<std::optional<reconcile::exchange_snapshot>> fetch_exchange_snapshot();
    [[nodiscard]] reconcile::segment_snapshot
    segment_snapshot(const reconcile::identity& exchange_who) const;
    [[nodiscard]] bool ours(std::string_view cl_ord_id) const;
    net::awaitable<bool> apply(const reconcile::action& a, const reconcile::exchange_snapshot& ex);
    bool discard_all_slots();
    bool close_external(shm::slot_ref ref, const reconcile::action& a);
    bool start_reconcile_close(shm::slot_ref ref, const reconcile::action& a);
    net::awaitable<bool> shrink(shm::slot_ref ref, const reconcile::action& a);
    net::awaitable<bool> adopt(const reconcile::action& a);

    // operator commands (control_commands.cpp), polled from the heartbeat timer
    struct manual_outcome;
    void poll_commands();
    void run_command(std::uint32_t entry, const shm::command_view& c);
    manual_outcome manual_close(shm::slot_ref ref);

    config::bot_config cfg;
    net_client::endpoint_config endpoint;
    net_client::credentials creds;
    shm::segment& seg;
    net::io_context ioc{1};
    net_client::rest_client rest;
    tick_guard core;
    std::unique_ptr<net_client::ws_client> public_ws, private_ws, business_ws;
    net::steady_timer heartbeat_timer, refresh_timer, reconcile_timer, poll_timer, stats_timer,
        burst_timer;
    net::steady_timer account_timer, sweep_timer, late_sweep_timer;
    bool account_reconcile_running = false;
    bool account_reconcile_again = false; // requested while one ran: run once more after it
    bool sweep_armed = false, late_sweep_armed = false;
    bool reconcile_instruments_loaded = false;
    net::signal_set signals;
    bool stopping = false;
    bool polling = false;
    bool public_live = false, private_live = false, business_live = false, feed_stale = false;
    feed_health feeds; // per symbol: subscription acked on this connection, ticks fresh
    std::array<shm::feed_state, feed_health::capacity> published_feed{}; // last logged
    bool instruments_loaded = false;
    int polls_in_flight = 0;
    mono_ns next_instruments_ns = 0;
    mono_ns burst_until_ns = 0;
    bool burst_armed = false;
    int exit_code = 0;                         // 2: a configured symbol OKX does not list
    okx::td_mode td_mode = okx::td_mode::cash; // SPOT tdMode of the account mode
    std::array<std::uint32_t, shm::command_capacity> command_closes{}; // per mailbox entry
};

[[nodiscard]] tracker_settings exit_settings(const config::bot_config& c);

} // namespace scalpel::guard
