// guard_service::impl — private to guard_proc (guard_service.cpp wires feeds and timers,
// exchange_flows.cpp runs the REST flows). Single-threaded: every member is touched only on the
// io_context thread. Per-slot work flags keep at most one close flow and one auxiliary flow (OCO
// record, reconcile, OCO re-placement) per slot generation.
#pragma once

#include "common/net/asio.hpp"
#include "common/net/rest_client.hpp"
#include "common/net/ws_client.hpp"
#include "guard_proc/guard.hpp"
#include "guard_proc/guard_service.hpp"
#include "reconcile/reconcile.hpp"

#include <array>
#include <optional>
#include <string>
#include <unordered_map>

namespace scalpel::guard {

struct slot_work {
    std::uint32_t generation = 0;
    bool closing = false;     // a close flow (hot-path close or adoption) owns the slot
    bool aux = false;         // an OCO-record / reconcile / re-place flow is running
    bool oco_pending = false; // an OCO trigger arrived while aux was running
};

// What waiting for an order's outcome gave.
struct fill_outcome {
    enum class kind : std::uint8_t { filled, failed, unknown } what = kind::unknown;
    okx::order_detail order;
};

struct guard_service::impl final : order_sink {
    impl(const config::bot_config& cfg, net_client::endpoint_config endpoint,
         net_client::credentials creds, shm::segment& seg);

    int run();
    void stop();

    // order_sink
    bool send_order_frame(std::string_view frame) noexcept override;
    void close_started(const close_request& r, bool sent) noexcept override;
    void claim_stolen(shm::slot_ref ref) noexcept override;

    // feeds
    void start_feeds();
    void start_public();
    void on_ws_state(const char* which, net_client::ws_state s, bool& live);
    void on_orders(std::span<const okx::order_detail> rows);
    void on_op_reply(const okx::ws_message& m);
    void on_algo_orders(std::span<const okx::algo_order> rows);
    void on_oco_signal(std::string_view algo_id, std::string_view algo_cl);
    [[nodiscard]] std::optional<shm::slot_ref> find_slot_by_algo(std::string_view algo_id,
                                                                 std::string_view algo_cl) const;
    slot_work& work_for(shm::slot_ref ref);
    void log_adopted();

    // timers
    void arm_heartbeat();
    void arm_refresh();
    void arm_reconcile();
    void arm_poll();
    void arm_stats();
    void reconcile_all();
    void log_latency();
    void spawn(net::awaitable<void> flow, const char* what,
               std::optional<shm::slot_ref> ref = std::nullopt);

    // REST flows (exchange_flows.cpp)
    net::awaitable<void> close_flow(close_request r, bool sent_over_ws);
    net::awaitable<void> resume_close(shm::slot_ref ref);
    [[nodiscard]] shm::close_reason adopted_reason(const shm::slot_snapshot& snap) const;
    net::awaitable<void> finish_after_fill(shm::slot_ref ref, shm::close_reason reason,
                                           okx::order_detail fill);
    net::awaitable<void> close_failed(shm::slot_ref ref);
    net::awaitable<double> undo_double_close(shm::slot_ref ref, shm::position pos);
    net::awaitable<void> oco_flow(shm::slot_ref ref);
    net::awaitable<bool> record_oco(shm::slot_ref ref, okx::algo_order algo);
    net::awaitable<void> reconcile_slot(shm::slot_ref ref);
    net::awaitable<void> replace_oco(shm::slot_ref ref);
    net::awaitable<void> poll_ticker(std::string inst_id);
    net::awaitable<void> load_instruments();
    net::awaitable<fill_outcome> await_fill(std::string inst_id, std::string cl_ord_id,
                                            std::string ord_id);
    net::awaitable<okx::result<okx::algo_order>> fetch_algo(shm::slot_ref ref,
                                                            const shm::position& pos);
    net::awaitable<void> sleep_for(std::chrono::milliseconds d);

    // Account reconciliation (reconcile_flow.cpp): the exchange against the segment.
    void request_account_reconcile(const char* why); // no-op while one runs
    void arm_account_reconcile();
    void publish_feed_state(); // per-symbol feed state for signal_proc's entry gate
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
    void finish_work(shm::slot_ref ref, bool closing_flow);

    // operator commands (control_commands.cpp), polled from the heartbeat timer
    struct manual_outcome;
    void poll_commands();
    void run_command(std::uint32_t entry, const shm::command_view& c);
    manual_outcome manual_close(shm::slot_ref ref);
    manual_outcome start_manual_close(shm::slot_ref ref, const shm::position& pos);

    config::bot_config cfg;
    net_client::endpoint_config endpoint;
    net_client::credentials creds;
    shm::segment& seg;
    net::io_context ioc{1};
    net_client::rest_client rest;
    tick_guard core;
    std::unique_ptr<net_client::ws_client> public_ws, private_ws, business_ws;
    net::steady_timer heartbeat_timer, refresh_timer, reconcile_timer, poll_timer, stats_timer;
    net::steady_timer account_timer;
    bool account_reconcile_running = false;
    bool reconcile_instruments_loaded = false;
    net::signal_set signals;
    bool stopping = false;
    bool polling = false;
    bool public_live = false, private_live = false, business_live = false, feed_stale = false;
    int polls_in_flight = 0;
    std::array<slot_work, shm::slot_capacity> work{};
    std::array<std::uint32_t, shm::command_capacity> command_closes{}; // per mailbox entry
    std::unordered_map<std::string, okx::order_detail> orders_by_cl,
        orders_by_id;                                       // from `orders` pushes
    std::unordered_map<std::string, okx::error> op_rejects; // WS op:order refusals
};

} // namespace scalpel::guard
