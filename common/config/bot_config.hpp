// bot_config: everything signal_proc and guard_proc are configured with, read from one YAML file
// (documented example: deploy/config/scalpel.example.yaml). Every number of strategy.md is here
// with its default; a file only lists what it changes. Loading validates everything and throws
// config_error with a message naming the key, the bad value and the allowed range; unknown keys
// are errors too (a typo must not silently fall back to a default with real money).
// Secrets are NOT part of this file: API keys come from the environment or a 0600 key file.
#pragma once

#include "strategy/arm.hpp"
#include "strategy/engine.hpp"
#include "strategy/regime.hpp"
#include "strategy/risk_controller.hpp"

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::config {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class exchange_target : std::uint8_t { sim, okx_demo, okx_live };
[[nodiscard]] const char* to_string(exchange_target t) noexcept;

struct exchange_config {
    exchange_target target = exchange_target::sim;
    std::string rest_url; // default per target: sim http://127.0.0.1:18080, OKX https://www.okx.com
    std::string ws_url;   // prefix; /public, /private, /business are appended
    double taker_fee = 0.001;
    std::string keys_file; // optional 0600 file; else SCALPEL_OKX_API_KEY/_SECRET/_PASSPHRASE
    std::int64_t request_timeout_ms = 5000;
    // target sim: the run id the simulator must report (/sim/identity); empty = not checked.
    // $SCALPEL_SIM_RUN_ID (set by deploy/run.sh) overrides it.
    std::string sim_run_id;
};

struct segment_config {
    std::string name = "scalpel.main";   // /dev/shm/<name>
    std::string run_dir = "/tmp";        // role lock files live here
    std::string account_tag = "scalpel"; // client order id prefix (≤ 12 alphanumerics)
};

struct signal_config {
    std::int64_t cycle_ms = 5000;
    std::int64_t price_stale_ms = 3000; // live price older than this → last close
    std::string mtf_timeframe_15 = "15m";
    std::int64_t order_timeout_ms = 10000; // fill confirmation deadline
    int oco_retries = 3;                   // then close at market
};

struct guard_config {
    std::int64_t reconcile_ms = 5000;  // REST reconcile of every open position
    std::int64_t rest_poll_ms = 1000;  // price polling while the WS feed is down or stale
    std::int64_t stale_feed_ms = 3000; // no ticker for this long → stale
    std::int64_t heartbeat_ms = 100;
    // Account reconciliation (issue 10): our OCOs, fills and balances against the segment.
    std::int64_t account_reconcile_ms = 30'000;
    // Coins of ours without a live OCO: "protect" (place one) or "close" (sell at market).
    bool close_unprotected = false;
};

struct bot_config {
    std::string account = "main";
    std::vector<std::string> symbols{"BTC-USDT", "ETH-USDT"};
    std::string log_level = "info";
    exchange_config exchange;
    segment_config segment;
    signal_config signal;
    guard_config guard;
    strategy::arm_config arm;
    strategy::risk_config risk;
    strategy::entry_config entry;
    strategy::regime_table regimes;
};

// Parses and validates YAML text; `origin` names the source in error messages.
[[nodiscard]] bot_config parse(std::string_view yaml_text, std::string_view origin = "<config>");
// Reads and parses a file. Throws config_error (missing file included).
[[nodiscard]] bot_config load(const std::filesystem::path& file);
// What the trading processes need on this host beyond valid text: segment.run_dir must be an
// existing directory. Throws config_error naming the key.
void check_host_paths(const bot_config& cfg);

} // namespace scalpel::config
