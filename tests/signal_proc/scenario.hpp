// scenario: one okx_sim child on the synthetic market, a fresh segment name, a config file and
// the real signal_proc binary as a child — plus readers for /sim/orders, the segment and the
// signal_proc log. Test helper only: failures throw std::runtime_error.
#pragma once

#include "shm_layout/segment.hpp"
#include "tests/okx_sim/sim_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include <simdjson.h>

#include <atomic>
#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace scalpel::test {

struct scenario_options {
    std::string symbols = "[BTC-USDT]";
    std::string regime_extra;   // extra "key: value" lines for every regime (4-space indented)
    std::string entry_extra;    // extra lines under entry: (2-space indented)
    std::string signal_extra;   // extra lines under signal:
    std::string risk_extra;     // extra lines under risk:
    std::string exchange_extra; // extra lines under exchange: (2-space indented)
    // A stand-in for guard_proc (heartbeat, reconciled stamp, live feeds) so signal_proc's
    // entry gate opens; off to test the gate itself.
    bool stand_in_guard = true;
    // The real guard_proc binary instead (started by start_guard()), with these extra lines under
    // guard: (2-space indented).
    bool real_guard = false;
    std::string guard_extra;
    std::string segment_prefix = "scalpel.sigtest"; // + a unique suffix

    // Chainable setters (designated initializers trip -Wmissing-field-initializers on g++ 12).
    scenario_options& with_symbols(std::string v) {
        symbols = std::move(v);
        return *this;
    }
    scenario_options& with_regime(std::string v) {
        regime_extra = std::move(v);
        return *this;
    }
    scenario_options& with_entry(std::string v) {
        entry_extra = std::move(v);
        return *this;
    }
    scenario_options& with_signal(std::string v) {
        signal_extra = std::move(v);
        return *this;
    }
    scenario_options& with_risk(std::string v) {
        risk_extra = std::move(v);
        return *this;
    }
    scenario_options& with_exchange(std::string v) {
        exchange_extra = std::move(v);
        return *this;
    }
    scenario_options& without_guard() {
        stand_in_guard = false;
        return *this;
    }
    scenario_options& with_real_guard(std::string extra) {
        stand_in_guard = false;
        real_guard = true;
        guard_extra = std::move(extra);
        return *this;
    }
    scenario_options& with_guard_config(std::string v) { // guard: lines, stand-in guard kept
        guard_extra = std::move(v);
        return *this;
    }
    scenario_options& with_segment_prefix(std::string v) {
        segment_prefix = std::move(v);
        return *this;
    }
};

class scenario {
public:
    explicit scenario(scenario_options o = {});
    ~scenario();

    void start_signal();
    // The real guard_proc on the same config (scenario_options::with_real_guard).
    void start_guard();
    [[nodiscard]] std::string guard_log() const;
    void kill_signal(int sig = SIGKILL);
    // Stops the stand-in guard's heartbeat (as if guard_proc hung or died).
    void stop_guard();
    [[nodiscard]] child_process& signal_child() { return *signal_; }

    // POST to the control API; throws on a non-200 answer.
    std::string control(const std::string& path, const std::string& body);
    // GET /sim/orders parsed; valid until the next call.
    simdjson::dom::element orders();

    [[nodiscard]] std::string log() const;
    [[nodiscard]] std::vector<std::string> log_lines(const std::string& needle) const;
    bool wait_log(const std::string& needle, std::chrono::milliseconds timeout) const;

    // Read-only view of the segment (attached lazily, once signal_proc created it).
    shm::segment& seg();
    [[nodiscard]] const std::string& segment_name() const noexcept { return seg_name_; }
    [[nodiscard]] std::uint16_t port() const noexcept { return sim_->port(); }
    [[nodiscard]] const std::string& run_dir() const noexcept { return dir_.path(); }

private:
    void write_config(const scenario_options& o);
    void start_stand_in_guard();

    temp_dir dir_;
    std::unique_ptr<sim_process> sim_;
    std::string seg_name_;
    std::string config_;
    std::string log_;
    std::unique_ptr<child_process> signal_;
    std::unique_ptr<child_process> guard_; // the real guard_proc, when started
    std::unique_ptr<shm::segment> seg_;
    std::unique_ptr<shm::segment> guard_seg_; // the stand-in guard's attachment
    std::atomic<bool> guard_stop_{false};
    std::thread guard_thread_;
    simdjson::dom::parser parser_;
    std::string orders_json_;
};

// Counters over /sim/orders.
struct order_counts {
    int place_orders = 0; // place_order requests accepted (sCode 0)
    int place_rejected = 0;
    int place_algos = 0; // accepted
    int algos_rejected = 0;
    int live_algos = 0;
    int filled_buys = 0;
    int filled_sells = 0;
};
[[nodiscard]] order_counts count_orders(simdjson::dom::element orders);

} // namespace scalpel::test
