// sim_rig: an end-to-end rig for guard_proc tests — a real okx_sim child on a free port, a real
// segment (the test holds role signal, as signal_proc would), a YAML config for guard_proc, a
// real guard_proc child, a tiny blocking HTTP client for the /sim control API, and the position
// seeding signal_proc does (market buy, OCO, reserve_slot + publish_open). Test helper only:
// failures throw std::runtime_error.
#pragma once

#include "common/net/rest_client.hpp"
#include "shm_layout/segment.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include <memory>
#include <string>

namespace scalpel::test {

// One HTTP/1.1 request with Connection: close; returns the body ("" on failure).
std::string http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = {});

struct seeded_position {
    shm::slot_ref ref;
    shm::position pos;
};

struct order_log_summary {
    int filled_sells = 0, filled_buys = 0, bot_close_orders = 0, child_orders = 0;
    int algos_live = 0, algos_canceled = 0, algos_effective = 0, algos_failed = 0;
    std::int64_t close_recv_mono_ns = 0; // the guard's first close order (by clOrdId intent 'c')
};

class sim_rig {
public:
    explicit sim_rig(std::string extra_guard_yaml = {});
    ~sim_rig();

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] shm::segment& seg() { return *seg_; }
    [[nodiscard]] net_client::rest_session& rest() { return *rest_; }
    [[nodiscard]] const std::string& guard_log() const noexcept { return guard_log_; }
    [[nodiscard]] const std::string& segment_name() const noexcept { return seg_name_; }
    [[nodiscard]] const std::string& run_dir() const noexcept { return dir_.path(); }

    std::string sim(const std::string& path, const std::string& body = "{}");
    void set_price(const std::string& inst, double last);

    // Buys `base` at market, places the OCO (tp/sl absolute), reserves and publishes the slot.
    seeded_position open_long(const std::string& inst, double base, double tp, double sl);
    // Buys `base` at market and publishes the slot WITHOUT an OCO and without TP/SL prices, with
    // the signal's ATR and an entry time `age_ms` in the past (a position the guard must protect).
    seeded_position open_long_unprotected(const std::string& inst, double base, double atr,
                                          std::int64_t age_ms);

    // Sells `base` of held coin at market (a spot SHORT; the sim account is given the coin first)
    // and publishes the slot WITHOUT an OCO and with PH off, so only the OCO the guard places can
    // close it.
    seeded_position open_short_unprotected(const std::string& inst, double base, double atr,
                                           std::int64_t age_ms);

    // Another handle on the segment in this process (e.g. a forged guard incarnation).
    [[nodiscard]] std::unique_ptr<shm::segment> open_role(shm::role who);

    void start_guard();
    // Waits until the guard runs and has published a price for `inst`.
    void wait_guard_ready(const std::string& inst);
    void kill_guard(); // SIGKILL, reaped
    int stop_guard();  // SIGTERM; returns the exit code (or -1)
    [[nodiscard]] bool guard_running() { return guard_ && guard_->running(); }

    [[nodiscard]] order_log_summary orders();
    [[nodiscard]] double balance(const std::string& ccy);
    bool wait_journal(std::uint64_t n, std::chrono::milliseconds timeout);

private:
    seeded_position buy_entry(const std::string& inst,
                              double base); // reserve + market buy, not published
    temp_dir dir_;
    std::string seg_name_;
    std::string guard_log_, sim_log_, config_path_;
    std::unique_ptr<child_process> sim_, guard_;
    std::uint16_t port_ = 0;
    std::unique_ptr<shm::segment> seg_;
    std::unique_ptr<net_client::rest_session> rest_;
};

} // namespace scalpel::test
