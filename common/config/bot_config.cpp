// bot_config: YAML → validated settings. See bot_config.hpp; the key names and units are
// documented in deploy/config/scalpel.example.yaml, which a test loads to keep the two in step.
#include "common/config/bot_config.hpp"

#include "common/candle.hpp"
#include "common/config/yaml_reader.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace scalpel::config {
namespace {

using detail::yaml_reader;
constexpr std::int64_t second_ms = 1000, minute_ms = 60'000;

bool valid_symbol(const std::string& s) {
    const auto dash = s.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == s.size() || s.size() > 15)
        return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

void read_exchange(yaml_reader r, exchange_config& e) {
    std::string target = to_string(e.target);
    r.read("target", target);
    if (target == "sim")
        e.target = exchange_target::sim;
    else if (target == "okx-demo")
        e.target = exchange_target::okx_demo;
    else if (target == "okx-live")
        e.target = exchange_target::okx_live;
    else
        r.fail("target", fmt::format("'{}' is not one of sim, okx-demo, okx-live", target));
    const bool explicit_rest = r.has("rest_url"), explicit_ws = r.has("ws_url");
    r.read("rest_url", e.rest_url);
    r.read("ws_url", e.ws_url);
    r.read("taker_fee", e.taker_fee, 0.0, 0.01);
    r.read("keys_file", e.keys_file);
    r.read("sim_run_id", e.sim_run_id);
    r.read_duration("request_timeout_s", e.request_timeout_ms, second_ms, 0.5, 60);
    r.read_duration("order_deadline_s", e.order_deadline_ms, second_ms, 0.5, 60);
    r.read_duration("order_lookup_lag_s", e.order_lookup_lag_ms, second_ms, 0, 60);
    r.read_duration("order_lookup_interval_s", e.order_lookup_interval_ms, second_ms, 0.05, 5);
    r.read_duration("order_resolve_timeout_s", e.order_resolve_timeout_ms, second_ms, 0, 600);
    const bool okx = e.target != exchange_target::sim;
    if (!explicit_rest || e.rest_url.empty())
        e.rest_url = okx ? "https://www.okx.com" : "http://127.0.0.1:18080";
    if (!explicit_ws || e.ws_url.empty()) {
        e.ws_url = e.target == exchange_target::sim        ? "ws://127.0.0.1:18080/ws/v5"
                   : e.target == exchange_target::okx_demo ? "wss://wspap.okx.com:8443/ws/v5"
                                                           : "wss://ws.okx.com:8443/ws/v5";
    }
    const char* env = std::getenv(insecure_url_env);
    const bool override_set = env != nullptr && std::string_view(env) == "1";
    for (const char* key : {"rest_url", "ws_url"}) {
        const std::string& url = std::string_view(key) == "rest_url" ? e.rest_url : e.ws_url;
        const bool tls = url.starts_with("https://") || url.starts_with("wss://");
        const bool plain = url.starts_with("http://") || url.starts_with("ws://");
        if (!tls && !plain)
            r.fail(key, fmt::format("'{}' must start with http(s):// or ws(s)://", url));
        const bool loopback = url.find("://127.0.0.1") != std::string::npos ||
                              url.find("://localhost") != std::string::npos ||
                              url.find("://[::1]") != std::string::npos;
        if (plain && !loopback)
            r.fail(key, fmt::format("'{}': plain http/ws is only allowed to 127.0.0.1", url));
        if (okx && (plain || loopback)) {
            // Signed requests for a real account must never go in clear text or to whatever
            // listens on a local port (e.g. a simulator URL left over from the demo config).
            if (!override_set)
                r.fail(key, fmt::format("'{}' is not OKX: target {} needs an https/wss URL of "
                                        "OKX (remove the key to use OKX's hosts); a plain or "
                                        "loopback URL needs the test override {}=1",
                                        url, to_string(e.target), insecure_url_env));
            e.insecure_override = true;
        }
    }
    r.finish();
}

// yaml-cpp keeps every pair of a mapping but node[key] finds the first: a second `risk:` block
// would be silently ignored, its values never range-checked. Walks the whole tree instead.
void refuse_duplicate_keys(const YAML::Node& node, const std::string& path,
                           std::string_view origin) {
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i)
            refuse_duplicate_keys(node[i], fmt::format("{}[{}]", path, i), origin);
        return;
    }
    if (!node.IsMap())
        return;
    std::set<std::string> keys;
    for (const auto& kv : node) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "<complex key>";
        const std::string full = path.empty() ? key : path + "." + key;
        if (!keys.insert(key).second)
            throw config_error(fmt::format("{}: {}: given twice (a duplicated key or section is "
                                           "an error: only one of them would take effect)",
                                           origin, full));
        refuse_duplicate_keys(kv.second, full, origin);
    }
}

void read_segment(yaml_reader r, segment_config& s, const std::string& account) {
    s.name = "scalpel." + account;
    r.read("name", s.name);
    r.read("run_dir", s.run_dir);
    r.read("account_tag", s.account_tag);
    if (s.name.empty() || s.name.find('/') != std::string::npos)
        r.fail("name", fmt::format("'{}' must be a non-empty name without '/'", s.name));
    if (s.account_tag.empty() || s.account_tag.size() > 12)
        r.fail("account_tag", "must be 1 to 12 alphanumerics");
    for (char c : s.account_tag)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            r.fail("account_tag", "must be 1 to 12 alphanumerics");
    r.finish();
}

void read_signal(yaml_reader r, signal_config& s) {
    r.read_duration("cycle_s", s.cycle_ms, second_ms, 1, 3600);
    r.read_duration("price_stale_s", s.price_stale_ms, second_ms, 0.1, 600);
    r.read_duration("order_timeout_s", s.order_timeout_ms, second_ms, 1, 120);
    r.read("oco_retries", s.oco_retries, 0, 10);
    r.read_duration("order_poll_s", s.order_poll_ms, second_ms, 0.05, 5);
    r.read("oco_lookups", s.oco_lookups, 1, 50);
    r.finish();
}

void read_guard(yaml_reader r, guard_config& g) {
    r.read_duration("reconcile_s", g.reconcile_ms, second_ms, 1, 600);
    r.read_duration("rest_poll_s", g.rest_poll_ms, second_ms, 0.2, 60);
    r.read_duration("stale_feed_s", g.stale_feed_ms, second_ms, 0.5, 120);
    r.read_duration("resubscribe_s", g.resubscribe_ms, second_ms, 0.5, 600);
    r.read_duration("heartbeat_ms", g.heartbeat_ms, 1, 10, 100);
    r.read_duration("refresh_ms", g.refresh_ms, 1, 5, 1000);
    r.read_duration("new_slot_poll_ms", g.new_slot_poll_ms, 1, 1, 50);
    r.read_duration("new_slot_window_ms", g.new_slot_window_ms, 1, 10, 10'000);
    r.read_duration("close_deadline_ms", g.close_deadline_ms, 1, 200, 60'000);
    r.read_duration("lookup_lag_ms", g.lookup_lag_ms, 1, 0, 60'000);
    r.read_duration("lookup_interval_ms", g.lookup_interval_ms, 1, 20, 10'000);
    r.read_duration("close_retry_ms", g.close_retry_ms, 1, 50, 60'000);
    r.read_duration("cancel_retry_ms", g.cancel_retry_ms, 1, 20, 10'000);
    r.read_duration("oco_grace_s", g.oco_grace_ms, second_ms, 1, 600);
    r.read("max_close_attempts", g.max_close_attempts, 2, 100);
    std::string order = g.order == close_order::sell_first ? "sell_first" : "cancel_first";
    r.read("close_order", order);
    if (order == "cancel_first")
        g.order = close_order::cancel_first;
    else if (order == "sell_first")
        g.order = close_order::sell_first;
    else
        r.fail("close_order", fmt::format("'{}' is not one of cancel_first, sell_first", order));
    r.read_duration("instruments_retry_s", g.instruments_retry_ms, second_ms, 0.5, 600);
    r.read_duration("stats_s", g.stats_ms, second_ms, 1, 86'400);
    r.read_duration("ws_reconnect_min_ms", g.ws_reconnect_min_ms, 1, 10, 60'000);
    r.read_duration("ws_reconnect_max_ms", g.ws_reconnect_max_ms, 1, 10, 600'000);
    if (g.ws_reconnect_max_ms < g.ws_reconnect_min_ms)
        r.fail("ws_reconnect_max_ms", "must be >= ws_reconnect_min_ms");
    r.read("max_polls_in_flight", g.max_polls_in_flight, 1, 64);
    r.read_duration("account_reconcile_s", g.account_reconcile_ms, second_ms, 5, 3600);
    std::string unprotected = g.close_unprotected ? "close" : "protect";
    r.read("unprotected", unprotected);
    if (unprotected != "protect" && unprotected != "close")
        r.fail("unprotected", fmt::format("'{}' is not one of protect, close", unprotected));
    g.close_unprotected = unprotected == "close";
    r.finish();
}

void read_arm(yaml_reader r, strategy::arm_config& a) {
    r.read("choppy_min_reversals", a.choppy_min_reversals, 1, 17);
    r.read("choppy_min_atr_pct", a.choppy_min_atr_pct, 0, 100);
    r.read("trend_min_deviation_pct", a.trend_min_deviation_pct, 0, 100);
    r.read("trend_min_adx", a.trend_min_adx, 0, 100);
    r.read("confirmations", a.confirmations, 1, 20);
    r.read_duration("min_dwell_min", a.min_dwell_ms, minute_ms, 0, 1440);
    r.read("choppy_skip_confidence", a.choppy_skip_confidence, 0, 1.01);
    r.finish();
}

void read_risk(yaml_reader r, strategy::risk_config& k) {
    r.read("max_open_positions", k.max_open_positions, 1, 32);
    r.read("daily_loss_limit_pct", k.daily_loss_limit_pct, 0.1, 100);
    r.read("profit_lock_enabled", k.profit_lock_enabled);
    r.read("daily_profit_lock_pct", k.daily_profit_lock_pct, 0.1, 1000);
    r.read("max_consecutive_losses", k.max_consecutive_losses, 1, 1000);
    r.read("cooldown_after_losses", k.cooldown_after_losses, 1, 100);
    r.read_duration("cooldown_min", k.cooldown_ms, minute_ms, 0, 1440);
    r.finish();
}

void read_entry(yaml_reader r, strategy::entry_config& e) {
    std::string timeframe = "5m";
    r.read("timeframe", timeframe);
    e.entry_bar_ms = bar_duration_ms(timeframe);
    if (e.entry_bar_ms < minute_ms || e.entry_bar_ms > 60 * minute_ms)
        r.fail("timeframe", fmt::format("'{}' is not one of 1m, 3m, 5m, 15m, 30m, 1H", timeframe));
    r.read("bars", e.entry_bars, 60, 300);
    r.read("mtf_bars", e.mtf_bars, 30, 300);
    r.read("correlation_returns", e.correlation_returns, 10, 299);
    r.read("volume_profile_bars", e.volume_profile_bars, 10, 300);
    r.read("volume_profile_bins", e.volume_profile_bins, 5, 500);
    r.read("poc_proximity_pct", e.poc_proximity_pct, 0, 100);
    r.read("pivot_proximity_pct", e.pivot_proximity_pct, 0, 100);
    auto s = r.child("sizing");
    s.read("balance_fraction", e.sizing.balance_fraction, 0.001, 1);
    s.read("min_order_value_usd", e.sizing.min_order_value_usd, 1, 1e7);
    s.read("reserve_fraction", e.sizing.reserve_fraction, 0, 0.99);
    s.read("reserve_min_usd", e.sizing.reserve_min_usd, 0, 1e7);
    s.read("min_short_base_value_usd", e.sizing.min_short_base_value_usd, 0, 1e7);
    s.read("move_past_pct", e.sizing.move_past_pct, 0.01, 10);
    s.finish();
    auto ss = r.child("sessions");
    ss.read("enabled", e.sessions.enabled);
    ss.read("weekend_block", e.sessions.weekend_block);
    ss.read("overlap_only", e.sessions.overlap_only);
    ss.read("asia", e.sessions.asia);
    ss.read("europe", e.sessions.europe);
    ss.read("america", e.sessions.america);
    ss.finish();
    r.finish();
}

void read_regime(yaml_reader r, strategy::regime_params& p) {
    r.read("min_score", p.min_score, 1, 13);
    r.read("max_trades_per_hour", p.max_trades_per_hour, 1, 1000);
    r.read("size_multiplier", p.size_multiplier, 0.1, 10);
    r.read("tp_atr_multiplier", p.tp_atr_multiplier, 0.05, 20);
    r.read("sl_atr_multiplier", p.sl_atr_multiplier, 0.05, 20);
    r.read_duration("max_holding_min", p.max_holding_ms, minute_ms, 1, 1440);
    r.read("ph_enabled", p.ph_enabled);
    r.read("ph_threshold_usd", p.ph_threshold_usd, 0, 1000);
    r.read_duration("ph_time_limit_s", p.ph_time_limit_ms, second_ms, 1, 86400);
    r.read("rsi_overbought", p.rsi_overbought, 50, 100);
    r.read("rsi_oversold", p.rsi_oversold, 0, 50);
    r.read("volume_ratio_threshold", p.volume_ratio_threshold, 0, 100);
    std::string mtf = p.mtf_bar_ms == 30 * minute_ms ? "30m" : "15m";
    r.read("mtf_timeframe", mtf);
    if (mtf != "15m" && mtf != "30m")
        r.fail("mtf_timeframe", fmt::format("'{}' is not one of 15m, 30m", mtf));
    p.mtf_bar_ms = bar_duration_ms(mtf);
    r.read("mtf_bonus", p.mtf_bonus, 0, 13);
    r.read("mtf_block_opposite", p.mtf_block_opposite);
    r.read("correlation_threshold", p.correlation_threshold, 0, 1);
    r.read("max_correlated", p.max_correlated, 1, 32);
    r.read("correlation_same_direction_only", p.correlation_same_direction_only);
    r.read("adx_min", p.adx_min, 0, 100);
    r.read("di_difference", p.di_difference, 0, 100);
    r.read("pivot_multiplier", p.pivot_multiplier, 0, 10);
    r.read("volume_profile_multiplier", p.volume_profile_multiplier, 0, 10);
    r.finish();
}

} // namespace

const char* to_string(exchange_target t) noexcept {
    switch (t) {
    case exchange_target::sim:
        return "sim";
    case exchange_target::okx_demo:
        return "okx-demo";
    case exchange_target::okx_live:
        return "okx-live";
    }
    return "?";
}

bot_config parse(std::string_view yaml_text, std::string_view origin) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml_text));
    } catch (const YAML::Exception& e) {
        throw config_error(fmt::format("{}: not valid YAML: {}", origin, e.what()));
    }
    refuse_duplicate_keys(root, "", origin);
    bot_config c;
    yaml_reader r(root, "", std::string(origin));
    r.read("account", c.account);
    r.read("log_level", c.log_level);
    r.read("symbols", c.symbols);
    if (c.symbols.empty() || c.symbols.size() > 16)
        r.fail("symbols", "list 1 to 16 instruments");
    std::set<std::string> seen;
    for (const auto& s : c.symbols) {
        if (!valid_symbol(s))
            r.fail("symbols", fmt::format("'{}' is not an OKX spot instId like BTC-USDT", s));
        if (!seen.insert(s).second)
            r.fail("symbols", fmt::format("'{}' is listed twice", s));
    }
    static const std::set<std::string> levels{"trace", "debug",    "info", "warn",
                                              "error", "critical", "off"};
    if (!levels.count(c.log_level))
        r.fail("log_level",
               fmt::format("'{}' is not one of trace, debug, info, warn, error, critical, off",
                           c.log_level));
    read_exchange(r.child("exchange"), c.exchange);
    read_segment(r.child("segment"), c.segment, c.account);
    read_signal(r.child("signal"), c.signal);
    read_guard(r.child("guard"), c.guard);
    read_arm(r.child("arm"), c.arm);
    read_risk(r.child("risk"), c.risk);
    read_entry(r.child("entry"), c.entry);
    auto regimes = r.child("regimes");
    read_regime(regimes.child("trending"), c.regimes[regime::trending]);
    read_regime(regimes.child("ranging"), c.regimes[regime::ranging]);
    read_regime(regimes.child("choppy"), c.regimes[regime::choppy]);
    regimes.finish();
    r.finish();
    return c;
}

std::string_view log_marker(const bot_config& c) noexcept {
    return c.exchange.insecure_override ? insecure_url_marker : std::string_view{};
}

bot_config load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in)
        throw config_error(fmt::format("cannot read config file {}", file.string()));
    std::stringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string());
}

void check_host_paths(const bot_config& cfg) {
    std::error_code ec;
    if (!std::filesystem::is_directory(cfg.segment.run_dir, ec))
        throw config_error(
            fmt::format("segment.run_dir: '{}' is not an existing directory", cfg.segment.run_dir));
}

} // namespace scalpel::config
