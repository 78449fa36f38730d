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

// The one test override that lets an okx-demo / okx-live target use a plain or loopback URL (a
// simulator standing in for OKX). Every log line of such a run says so (log_marker).
inline constexpr const char* insecure_url_env = "SCALPEL_ALLOW_INSECURE_EXCHANGE_URL";
inline constexpr const char* insecure_url_marker = "INSECURE-EXCHANGE-URL(test override)";

struct exchange_config {
    exchange_target target = exchange_target::sim;
    // Default per target: sim http://127.0.0.1:18080; okx-* https://www.okx.com. An explicit URL
    // for okx-* must be https/wss and not loopback, unless insecure_url_env=1 (insecure_override).
    std::string rest_url;
    std::string ws_url;             // prefix; /public, /private, /business are appended
    bool insecure_override = false; // okx-* on a plain/loopback URL under the test override
    double taker_fee = 0.001;
    std::string keys_file; // optional 0600 file; else SCALPEL_OKX_API_KEY/_SECRET/_PASSPHRASE
    std::int64_t request_timeout_ms = 5000;
    // Order deadlines (OKX expTime): see net_client::endpoint_config for what each one means.
    std::int64_t order_deadline_ms = 5000;         // expTime = send time + this
    std::int64_t order_lookup_lag_ms = 3000;       // not found after expTime + this = absent
    std::int64_t order_lookup_interval_ms = 250;   // clOrdId lookups while resolving
    std::int64_t order_resolve_timeout_ms = 10000; // lookups failing this long past that: unknown
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
    std::int64_t order_poll_ms = 200;      // order / algo state polling while confirming
    int oco_lookups = 3; // algoClOrdId lookups (order_poll_s apart) after an unclear OCO answer
};

enum class close_order : std::uint8_t { cancel_first, sell_first }; // see close_tracker.hpp

// Every timing of the guard's flows (guard_proc/close_tracker.hpp says what each one guards).
struct guard_config {
    std::int64_t reconcile_ms = 5000;  // REST reconcile of every open position
    std::int64_t rest_poll_ms = 1000;  // price polling while the WS feed is down or stale
    std::int64_t stale_feed_ms = 3000; // no ticker (of a symbol) for this long → stale
    // A symbol whose tickers subscription OKX refused is asked again this often (OKX allows 480
    // subscribe/unsubscribe/login requests per connection and hour: docs-v5 "WebSocket").
    std::int64_t resubscribe_ms = 30'000;
    std::int64_t heartbeat_ms = 100;
    std::int64_t refresh_ms = 50;           // slot cache refresh and exit timers
    std::int64_t new_slot_poll_ms = 2;      // after an entry fill / new OCO push: refresh this
    std::int64_t new_slot_window_ms = 1000; // often, for this long (publish_open comes next)
    std::int64_t close_deadline_ms = 3000;  // expTime of every close request
    std::int64_t lookup_lag_ms = 2000;      // "not found" is "absent" only this long after it
    std::int64_t lookup_interval_ms = 500;  // between lookups of one unresolved order / OCO
    std::int64_t close_retry_ms = 1000;     // between close attempts after the first retry
    std::int64_t cancel_retry_ms = 500;     // re-cancel of an OCO found live after a cancel
    std::int64_t oco_grace_ms = 10'000;     // entry fill → the guard may place a missing OCO
    int max_close_attempts = 8;             // then alert and keep the claim
    close_order order = close_order::cancel_first;
    std::int64_t instruments_retry_ms = 5000; // lot/tick sizes not loaded yet: try again
    std::int64_t stats_ms = 60'000;           // latency summary in the log
    std::int64_t ws_reconnect_min_ms = 200;
    std::int64_t ws_reconnect_max_ms = 5000;
    int max_polls_in_flight = 8; // REST ticker polls at once
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

// Parses and validates YAML text; `origin` names the source in error messages. A key or section
// given twice in one mapping is an error naming it (yaml-cpp would silently keep the first).
[[nodiscard]] bot_config parse(std::string_view yaml_text, std::string_view origin = "<config>");
// Reads and parses a file. Throws config_error (missing file included).
[[nodiscard]] bot_config load(const std::filesystem::path& file);
// What the trading processes need on this host beyond valid text: segment.run_dir must be an
// existing directory. Throws config_error naming the key.
void check_host_paths(const bot_config& cfg);

// What every log line of this run must carry ("" normally; insecure_url_marker under the
// override).
[[nodiscard]] std::string_view log_marker(const bot_config& c) noexcept;

} // namespace scalpel::config
