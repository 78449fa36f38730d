// signal_proc: the strategy process. `signal_proc --config FILE`: loads the YAML config and the
// API keys (env SCALPEL_OKX_API_KEY/SECRET/PASSPHRASE or exchange.keys_file; sim-key/sim-secret/
// sim-pass for target sim), attaches the segment as role signal and runs the cycle until
// SIGTERM/SIGINT. Exit codes: 0 clean stop, 2 config error, 3 segment version mismatch, 1 other.
// Never prints a secret.
#include "common/config/bot_config.hpp"
#include "common/final_exit.hpp"
#include "common/log.hpp"
#include "common/net/asio.hpp"
#include "common/net/credentials.hpp"
#include "common/net/sim_identity.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/signal_app.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <optional>

namespace {

using namespace scalpel;

constexpr int exit_ok = 0, exit_fatal = 1, exit_config = 2, exit_version = 3;
constexpr auto sim_start_wait = std::chrono::seconds(10); // okx_sim starts alongside us

// 0 when the exchange may be used; else the exit code (a foreign simulator is final: exit 2).
int check_exchange_identity(const config::bot_config& cfg) {
    if (cfg.exchange.target != config::exchange_target::sim)
        return exit_ok;
    net_client::endpoint_config ep;
    ep.rest = net_client::parse_url(cfg.exchange.rest_url);
    ep.ws = net_client::parse_url(cfg.exchange.ws_url);
    const auto check = net_client::verify_sim_identity(
        ep, net_client::expected_sim_run_id(cfg.exchange.sim_run_id), sim_start_wait);
    return net_client::log_and_exit_code(check);
}

std::optional<net_client::credentials> load_keys(const config::bot_config& cfg) {
    if (auto env = net_client::credentials_from_env())
        return env;
    if (!cfg.exchange.keys_file.empty())
        return net_client::credentials_from_file(cfg.exchange.keys_file);
    if (cfg.exchange.target == config::exchange_target::sim)
        return net_client::credentials{"sim-key", "sim-secret", "sim-pass"};
    return net_client::load_credentials(); // throws config_error saying how to provide keys
}

int run(const config::bot_config& cfg, std::optional<net_client::credentials> keys) {
    shm::open_options opts;
    opts.rundir = cfg.segment.run_dir;
    opts.account_tag = cfg.segment.account_tag;
    auto opened = shm::segment::create_or_attach(cfg.segment.name, shm::role::signal, opts);
    if (!opened.ok()) {
        spdlog::critical("segment {}: {}: {}", cfg.segment.name, shm::to_string(opened.status),
                         opened.message);
        if (opened.status == shm::open_status::version_mismatch)
            return exit_version;
        if (opened.status == shm::open_status::bad_argument)
            return exit_config;
        return exit_fatal;
    }
    spdlog::info("segment {} {} (incarnation {})", cfg.segment.name, shm::to_string(opened.status),
                 opened.seg->self().incarnation);
    if (opened.seg->restore_persisted_halt())
        spdlog::warn("entries HALTED by the operator (scalpelctl resume to allow them; {})",
                     opened.seg->halt_file());
    net::io_context ioc{1};
    signal::signal_app app(ioc, cfg, std::move(keys), *opened.seg);
    net::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&app](const boost::system::error_code& ec, int sig) {
        if (ec)
            return;
        spdlog::info("signal {}: stopping", sig);
        app.request_stop();
    });
    app.start();
    for (;;) {
        try {
            ioc.run();
            break;
        } catch (const std::exception& e) {
            spdlog::error("io loop: {}", e.what());
        }
    }
    return app.exit_code() != 0 ? app.exit_code() : exit_ok;
}

int run_main(int argc, char** argv) {
    CLI::App cli{"signal_proc: scalpel's strategy process (candles, ARM, filters, entries, OCO)"};
    std::string config_file;
    cli.add_option("--config", config_file, "YAML config file")->required();
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return cli.exit(e) == 0 ? exit_ok : exit_config;
    }
    config::bot_config cfg;
    std::optional<net_client::credentials> keys;
    try {
        cfg = config::load(config_file);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "signal_proc: config error: %s\n", e.what());
        return exit_config;
    }
    log::init("signal_proc", cfg.log_level, config::log_marker(cfg));
    try {
        keys = load_keys(cfg);
        config::check_host_paths(cfg);
        spdlog::info("config {}: account {} target {} symbols {} cycle {} ms, keys {}", config_file,
                     cfg.account, config::to_string(cfg.exchange.target), cfg.symbols.size(),
                     cfg.signal.cycle_ms, net_client::describe(*keys));
    } catch (const std::exception& e) {
        spdlog::critical("config error: {}", e.what());
        return exit_config;
    }
    try {
        if (const int rc = check_exchange_identity(cfg); rc != exit_ok)
            return rc;
        return run(cfg, std::move(keys));
    } catch (const net_client::config_error& e) {
        spdlog::critical("config error: {}", e.what());
        return exit_config;
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return exit_fatal;
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    return final_exit(run_main(argc, argv), started);
}
