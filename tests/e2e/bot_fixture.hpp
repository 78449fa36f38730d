// bot_fixture: the whole bot as production runs it — okx_sim, guard_proc and signal_proc under a
// real supervisord, rendered from deploy/supervisord.conf.in into a temp run directory, with a
// unique segment name and a free loopback port. Tests drive the market through the simulator's
// /sim control API, read the segment read-only, and audit the simulator's order log.
// The destructor shuts supervisord down (and SIGKILLs it if that fails) and removes the segment.
#pragma once

#include "shm_layout/segment.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/net_util.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::e2e {

struct bot_options {
    std::string extra_yaml; // appended to the generated config (top-level keys)
    std::string symbols = "[BTC-USDT, ETH-USDT]"; // the config's symbols (sim_args must serve them)
    // Base assets too, so the strategy may open SHORTs (spot: sell held base, buy it back).
    std::string sim_args =
        "--random-walk --seed 7 --speed 1 --ticks-per-bar 300 --balance USDT=20000,BTC=0.5,ETH=8";
    // Hot standby guards (programs guard_standby, guard_standby_2, ...; every guard with
    // --standby), as run.sh deploys them (2). 0: a single guard.
    int guard_standbys = 0;
};

// One order-affecting request the simulator saw (from /sim/orders).
struct sim_request {
    std::string kind; // place_order | cancel_order | place_algo | cancel_algo | algo_trigger
    std::string via;  // rest | ws | engine
    std::string inst_id, side, ord_type, sz, cl_ord_id, algo_id, algo_cl_ord_id, s_code, state;
    std::int64_t recv_mono_ns = 0;
};

// One order the simulator holds (from /sim/orders "orders", OKX row format), oldest first.
struct sim_order {
    std::string inst_id, side, state, cl_ord_id, algo_id;
    double acc_fill_sz = 0;
};

class bot_fixture {
public:
    explicit bot_fixture(bot_options options = {});
    ~bot_fixture();
    bot_fixture(const bot_fixture&) = delete;
    bot_fixture& operator=(const bot_fixture&) = delete;

    [[nodiscard]] std::uint16_t sim_port() const noexcept { return port_; }
    [[nodiscard]] const std::string& segment_name() const noexcept { return segment_; }
    [[nodiscard]] const std::string& run_dir() const noexcept { return dir_.path(); }
    [[nodiscard]] std::string config_path() const { return dir_.path() + "/scalpel.yaml"; }

    // supervisorctl -c <conf> args...
    test::run_result ctl(const std::vector<std::string>& args);
    [[nodiscard]] int pid_of(const std::string& program);
    bool wait_running(const std::string& program, std::chrono::milliseconds timeout);

    test::http_response sim(const std::string& method, const std::string& path,
                            const std::string& body = {});
    void set_price(const std::string& inst_id, double last);
    [[nodiscard]] std::vector<sim_request> sim_requests();
    [[nodiscard]] std::vector<sim_order> sim_orders();

    // Read-only view of the segment (nullptr until some process created it).
    shm::segment* segment();
    // Drops the cached view (after the segment was removed and made anew).
    void forget_segment() { view_.reset(); }
    // Slots in state open (or closing); empty when none.
    std::vector<shm::slot_snapshot> open_positions();
    std::vector<shm::journal_record> journal();

    // A log file's text (run_dir/logs/<program>.log).
    [[nodiscard]] std::string log_of(const std::string& program) const;

private:
    void shutdown() noexcept; // supervisorctl shutdown (SIGKILL if it hangs), segment removed

    test::temp_dir dir_;
    std::uint16_t port_ = 0;
    std::string segment_;
    std::string conf_;
    std::unique_ptr<shm::segment> view_;
};

} // namespace scalpel::e2e
