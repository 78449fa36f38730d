// guard_proc: the position guard. `guard_proc --config FILE` attaches the account's segment as role
// guard, adopts every open position, and protects them tick by tick (PH, max holding, OCO
// records) until SIGTERM/SIGINT. With --standby a second guard_proc waits while another holds the
// guard role and takes over the moment it dies (a hot standby). Exit codes for supervisord: 0 clean
// stop, 2 config error, 3 segment version mismatch, 1 any other fatal error. Never logs a secret.
#include "common/config/bot_config.hpp"
#include "common/final_exit.hpp"
#include "common/log.hpp"
#include "common/net/endpoint.hpp"
#include "common/net/sim_identity.hpp"
#include "guard_proc/guard_service.hpp"
#include "shm_layout/process_probe.hpp"
#include "shm_layout/segment.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

namespace {

constexpr int exit_fatal = 1, exit_config = 2, exit_version = 3;
constexpr auto sim_start_wait = std::chrono::seconds(10); // okx_sim starts alongside us

// 0 when the exchange may be used; else the exit code (a foreign simulator is final: exit 2).
int check_exchange_identity(const scalpel::config::bot_config& cfg,
                            const scalpel::net_client::endpoint_config& endpoint) {
    using namespace scalpel;
    if (cfg.exchange.target != config::exchange_target::sim)
        return 0;
    const auto check = net_client::verify_sim_identity(
        endpoint, net_client::expected_sim_run_id(cfg.exchange.sim_run_id), sim_start_wait);
    return net_client::log_and_exit_code(check);
}

// Attaches as the guard. With `standby`, a role another guard holds is waited for: the kernel drops
// a dead process's OFD lock at once, so the standby takes over within milliseconds, where
// supervisord would restart a killed guard only on its next 1 s poll.
scalpel::shm::open_result attach_as_guard(const scalpel::config::bot_config& cfg,
                                          const scalpel::shm::open_options& opts, bool standby) {
    using namespace scalpel;
    const std::string lock =
        shm::segment::role_lock_path(opts.rundir, cfg.segment.name, shm::role::guard);
    for (;;) {
        auto opened = shm::segment::create_or_attach(cfg.segment.name, shm::role::guard, opts);
        if (!standby || opened.status != shm::open_status::role_taken)
            return opened;
        spdlog::info("standby: {}; taking over the moment it exits", opened.message);
        if (!shm::wait_role_lock_free(lock)) {
            opened.message += fmt::format("; waiting on {}: {}", lock, std::strerror(errno));
            return opened;
        }
        spdlog::warn("standby: the active guard is gone: taking over");
    }
}

int run_guard(const std::string& config_file, bool standby) {
    using namespace scalpel;
    config::bot_config cfg;
    net_client::endpoint_config endpoint;
    net_client::credentials creds;
    try {
        cfg = config::load(config_file);
        log::init("guard_proc", cfg.log_level, config::log_marker(cfg));
        endpoint = guard::endpoint_for(cfg.exchange);
        creds = guard::credentials_for(cfg.exchange);
        config::check_host_paths(cfg);
    } catch (const config::config_error& e) {
        spdlog::critical("config error: {}", e.what());
        return exit_config;
    } catch (const net_client::config_error& e) {
        spdlog::critical("config error: {}", e.what());
        return exit_config;
    }
    spdlog::info("guard_proc starting: target {}, rest {}, ws {}, keys {}",
                 config::to_string(cfg.exchange.target), endpoint.rest.str(), endpoint.ws.str(),
                 net_client::describe(creds));
    if (const int rc = check_exchange_identity(cfg, endpoint); rc != 0)
        return rc;
    shm::open_options opts;
    opts.rundir = cfg.segment.run_dir;
    opts.account_tag = cfg.segment.account_tag;
    auto opened = attach_as_guard(cfg, opts, standby);
    if (!opened.ok()) {
        spdlog::critical("segment {}: {} ({})", cfg.segment.name, shm::to_string(opened.status),
                         opened.message);
        return opened.status == shm::open_status::version_mismatch ? exit_version
               : opened.status == shm::open_status::bad_argument   ? exit_config
                                                                   : exit_fatal;
    }
    spdlog::info("segment {} {} (incarnation {})", cfg.segment.name, shm::to_string(opened.status),
                 opened.seg->self().incarnation);
    if (opened.seg->restore_persisted_halt())
        spdlog::warn("entries HALTED by the operator (scalpelctl resume to allow them; {})",
                     opened.seg->halt_file());
    try {
        guard::guard_service service(cfg, endpoint, creds, *opened.seg);
        return service.run();
    } catch (const net_client::config_error& e) {
        spdlog::critical("config error: {}", e.what());
        opened.seg->set_status(shm::process_status::stopped);
        return exit_config;
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    CLI::App app{"guard_proc: scalpel's position guard (PH / max holding / OCO bookkeeping)"};
    std::string config_file;
    bool standby = false;
    app.add_option("--config", config_file, "YAML configuration file")->required();
    app.add_flag("--standby", standby,
                 "if another guard_proc holds this segment's guard role, wait as its hot standby "
                 "and take over the moment it exits (otherwise: exit 1)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return scalpel::final_exit(rc == 0 ? 0 : exit_config, started);
    }
    try {
        return scalpel::final_exit(run_guard(config_file, standby), started);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "guard_proc: fatal: %s\n", e.what());
        return exit_fatal;
    }
}
