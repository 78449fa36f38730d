#include "common/config/bot_config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>

using namespace scalpel;
using config::config_error;

namespace {
std::string error_of(std::string_view yaml) {
    try {
        (void)config::parse(yaml, "test.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "(no error)";
}
} // namespace

TEST_CASE("the documented example config loads and equals the spec defaults", "[unit][config]") {
    const auto file =
        std::filesystem::path(SCALPEL_SOURCE_DIR) / "deploy/config/scalpel.example.yaml";
    const config::bot_config c = config::load(file);
    const config::bot_config defaults = config::parse("{}");
    CHECK(c.symbols == std::vector<std::string>{"BTC-USDT", "ETH-USDT"});
    CHECK(c.exchange.target == config::exchange_target::sim);
    CHECK(c.segment.name == "scalpel.main");
    CHECK(c.signal.cycle_ms == 5000);
    CHECK(c.guard.rest_poll_ms == 1000);
    for (auto r : {scalpel::regime::trending, scalpel::regime::ranging, scalpel::regime::choppy}) {
        const auto& a = c.regimes[r];
        const auto b = strategy::default_params(r);
        INFO(strategy::to_string(r));
        CHECK(a.min_score == b.min_score);
        CHECK(a.max_trades_per_hour == b.max_trades_per_hour);
        CHECK(a.size_multiplier == b.size_multiplier);
        CHECK(a.tp_atr_multiplier == b.tp_atr_multiplier);
        CHECK(a.sl_atr_multiplier == b.sl_atr_multiplier);
        CHECK(a.max_holding_ms == b.max_holding_ms);
        CHECK(a.ph_threshold_usd == b.ph_threshold_usd);
        CHECK(a.ph_time_limit_ms == b.ph_time_limit_ms);
        CHECK(a.mtf_bar_ms == b.mtf_bar_ms);
        CHECK(a.mtf_block_opposite == b.mtf_block_opposite);
        CHECK(a.correlation_threshold == b.correlation_threshold);
        CHECK(a.correlation_same_direction_only == b.correlation_same_direction_only);
        CHECK(a.adx_min == b.adx_min);
        CHECK(a.di_difference == b.di_difference);
        CHECK(a.pivot_multiplier == b.pivot_multiplier);
        CHECK(a.volume_profile_multiplier == b.volume_profile_multiplier);
        CHECK(defaults.regimes[r].ph_threshold_usd == b.ph_threshold_usd);
    }
    CHECK(c.risk.max_open_positions == 3);
    CHECK(c.entry.sizing.min_order_value_usd == 70);
    CHECK(c.entry.entry_bar_ms == 5 * 60'000);
}

TEST_CASE("overrides apply and units convert", "[unit][config]") {
    const auto c = config::parse(R"(
account: alt
symbols: [SOL-USDT]
exchange: {target: okx-demo}
regimes: {choppy: {ph_threshold_usd: 0.5, ph_time_limit_s: 90, max_holding_min: 20, mtf_timeframe: 30m}}
signal: {cycle_s: 2.5}
guard: {account_reconcile_s: 12, unprotected: close}
)");
    CHECK(c.guard.account_reconcile_ms == 12'000);
    CHECK(c.guard.close_unprotected);
    CHECK(c.segment.name == "scalpel.alt");
    CHECK(c.symbols == std::vector<std::string>{"SOL-USDT"});
    CHECK(c.exchange.rest_url == "https://www.okx.com");
    CHECK(c.exchange.ws_url == "wss://wspap.okx.com:8443/ws/v5");
    CHECK(c.regimes[scalpel::regime::choppy].ph_threshold_usd == 0.5);
    CHECK(c.regimes[scalpel::regime::choppy].ph_time_limit_ms == 90'000);
    CHECK(c.regimes[scalpel::regime::choppy].max_holding_ms == 20 * 60'000);
    CHECK(c.regimes[scalpel::regime::choppy].mtf_bar_ms == 30 * 60'000);
    CHECK(c.signal.cycle_ms == 2500);
    const auto d = config::parse(R"(
exchange: {order_deadline_s: 2.5, order_lookup_lag_s: 0, order_lookup_interval_s: 0.1, order_resolve_timeout_s: 30}
signal: {order_poll_s: 0.5, oco_lookups: 7}
)");
    CHECK(d.exchange.order_deadline_ms == 2500);
    CHECK(d.exchange.order_lookup_lag_ms == 0);
    CHECK(d.exchange.order_lookup_interval_ms == 100);
    CHECK(d.exchange.order_resolve_timeout_ms == 30'000);
    CHECK(d.signal.order_poll_ms == 500);
    CHECK(d.signal.oco_lookups == 7);
    const auto defaults = config::parse("{}");
    CHECK(defaults.exchange.order_deadline_ms == 5000);
    CHECK(defaults.exchange.order_lookup_lag_ms == 3000);
}

TEST_CASE("bad config names the key, the value and the allowed range", "[unit][config]") {
    CHECK_THAT(error_of("regimes: {choppy: {ph_threshold_usd: -1}}"),
               Catch::Contains("regimes.choppy.ph_threshold_usd") && Catch::Contains("-1") &&
                   Catch::Contains("allowed 0 .. 1000"));
    CHECK_THAT(error_of("risk: {max_open_positions: 2.5}"),
               Catch::Contains("risk.max_open_positions"));
    CHECK_THAT(error_of("risk: {max_open_position: 2}"),
               Catch::Contains("unknown key 'risk.max_open_position'") &&
                   Catch::Contains("max_open_positions"));
    CHECK_THAT(error_of("exchange: {target: binance}"),
               Catch::Contains("exchange.target") && Catch::Contains("sim, okx-demo, okx-live"));
    CHECK_THAT(error_of("exchange: {rest_url: 'http://example.com'}"),
               Catch::Contains("exchange.rest_url") &&
                   Catch::Contains("only allowed to 127.0.0.1"));
    CHECK_THAT(error_of("symbols: [btc]"), Catch::Contains("symbols") && Catch::Contains("'btc'"));
    CHECK_THAT(error_of("symbols: [BTC-USDT, BTC-USDT]"), Catch::Contains("listed twice"));
    CHECK_THAT(error_of("entry: {timeframe: 7m}"), Catch::Contains("entry.timeframe"));
    CHECK_THAT(error_of("signal: {cycle_s: abc}"),
               Catch::Contains("signal.cycle_s") && Catch::Contains("not a number"));
    CHECK_THAT(error_of("regimes: {ranging: {ph_enabled: maybe}}"),
               Catch::Contains("regimes.ranging.ph_enabled"));
    CHECK_THAT(error_of("log_level: loud"), Catch::Contains("log_level"));
    CHECK_THAT(error_of("guard: {unprotected: ignore}"),
               Catch::Contains("guard.unprotected") && Catch::Contains("protect, close"));
    CHECK_THAT(error_of("guard: {account_reconcile_s: 1}"),
               Catch::Contains("guard.account_reconcile_s"));
    CHECK_THAT(error_of("a: [unclosed"), Catch::Contains("not valid YAML"));
    CHECK_THAT(error_of("segment: {account_tag: 'has space'}"),
               Catch::Contains("segment.account_tag"));
    CHECK_THAT(error_of("exchange: {order_deadline_s: 0.1}"),
               Catch::Contains("exchange.order_deadline_s") && Catch::Contains("0.5 .. 60"));
    CHECK_THAT(error_of("exchange: {order_lookup_lag_s: -1}"),
               Catch::Contains("exchange.order_lookup_lag_s"));
    CHECK_THAT(error_of("exchange: {order_lookup_interval_s: 0}"),
               Catch::Contains("exchange.order_lookup_interval_s"));
    CHECK_THAT(error_of("signal: {order_poll_s: 10}"), Catch::Contains("signal.order_poll_s"));
    CHECK_THAT(error_of("signal: {oco_lookups: 0}"), Catch::Contains("signal.oco_lookups"));
    CHECK_THROWS_AS(config::load("/nonexistent/scalpel.yaml"), config_error);
}

TEST_CASE("guard timings: every one a named, validated key", "[unit][config]") {
    const auto d = config::parse("{}");
    CHECK(d.guard.close_deadline_ms == 3000);
    CHECK(d.guard.lookup_lag_ms == 2000);
    CHECK(d.guard.order == config::close_order::cancel_first);
    const auto c = config::parse(R"(
guard: {close_deadline_ms: 1500, lookup_lag_ms: 0, lookup_interval_ms: 250, close_retry_ms: 400,
        cancel_retry_ms: 100, oco_grace_s: 2.5, max_close_attempts: 4, close_order: sell_first,
        refresh_ms: 20, instruments_retry_s: 1, stats_s: 30, ws_reconnect_min_ms: 100,
        ws_reconnect_max_ms: 900, max_polls_in_flight: 2, new_slot_poll_ms: 5,
        new_slot_window_ms: 300}
)");
    CHECK(c.guard.close_deadline_ms == 1500);
    CHECK(c.guard.lookup_lag_ms == 0);
    CHECK(c.guard.lookup_interval_ms == 250);
    CHECK(c.guard.close_retry_ms == 400);
    CHECK(c.guard.cancel_retry_ms == 100);
    CHECK(c.guard.oco_grace_ms == 2500);
    CHECK(c.guard.max_close_attempts == 4);
    CHECK(c.guard.order == config::close_order::sell_first);
    CHECK(c.guard.refresh_ms == 20);
    CHECK(c.guard.instruments_retry_ms == 1000);
    CHECK(c.guard.stats_ms == 30'000);
    CHECK(c.guard.ws_reconnect_max_ms == 900);
    CHECK(c.guard.max_polls_in_flight == 2);
    CHECK(c.guard.new_slot_poll_ms == 5);
    CHECK(c.guard.new_slot_window_ms == 300);
    CHECK_THAT(error_of("guard: {close_deadline_ms: 50}"),
               Catch::Contains("guard.close_deadline_ms") && Catch::Contains("50"));
    CHECK_THAT(error_of("guard: {close_order: sell_later}"),
               Catch::Contains("guard.close_order") && Catch::Contains("cancel_first, sell_first"));
    CHECK_THAT(error_of("guard: {max_close_attempts: 1}"),
               Catch::Contains("guard.max_close_attempts"));
    CHECK_THAT(error_of("guard: {ws_reconnect_min_ms: 500, ws_reconnect_max_ms: 100}"),
               Catch::Contains("guard.ws_reconnect_max_ms"));
}

TEST_CASE("a duplicated key or section is an error naming it", "[unit][config]") {
    CHECK_THAT(error_of("risk: {max_open_positions: 2}\nsymbols: [BTC-USDT]\nrisk: "
                        "{max_open_positions: 900}\n"),
               Catch::Contains("risk") && Catch::Contains("given twice"));
    CHECK_THAT(error_of("regimes:\n  choppy:\n    ph_threshold_usd: 0.5\n    ph_threshold_usd: "
                        "0.9\n"),
               Catch::Contains("regimes.choppy.ph_threshold_usd") &&
                   Catch::Contains("given twice"));
    CHECK_THAT(error_of("exchange:\n  target: okx-live\n  target: sim\n"),
               Catch::Contains("exchange.target") && Catch::Contains("given twice"));
    CHECK(error_of("risk: {max_open_positions: 2}\nregimes: {choppy: {min_score: 5}, ranging: "
                   "{min_score: 5}}\n") == "(no error)");
}

TEST_CASE("okx targets use OKX's hosts; explicit URLs must be OKX's TLS ones", "[unit][config]") {
    ::unsetenv(config::insecure_url_env);
    const auto live = config::parse("exchange: {target: okx-live}");
    CHECK(live.exchange.rest_url == "https://www.okx.com");
    CHECK(live.exchange.ws_url == "wss://ws.okx.com:8443/ws/v5");
    CHECK_FALSE(live.exchange.insecure_override);
    CHECK(config::log_marker(live).empty());
    const auto eea =
        config::parse("exchange: {target: okx-live, rest_url: 'https://my.okx.com', ws_url: "
                      "'wss://wseea.okx.com:8443/ws/v5'}");
    CHECK(eea.exchange.rest_url == "https://my.okx.com");
    // The simulator URL of the demo config must not leak into an okx target.
    CHECK_THAT(error_of("exchange: {target: okx-demo, rest_url: 'http://127.0.0.1:18080'}"),
               Catch::Contains("exchange.rest_url") && Catch::Contains("okx-demo") &&
                   Catch::Contains(config::insecure_url_env));
    CHECK_THAT(error_of("exchange: {target: okx-live, ws_url: 'wss://127.0.0.1:8443/ws/v5'}"),
               Catch::Contains("exchange.ws_url"));
    CHECK_THAT(error_of("exchange: {target: okx-live, rest_url: 'http://www.okx.com'}"),
               Catch::Contains("exchange.rest_url"));

    ::setenv(config::insecure_url_env, "0", 1); // only "1" counts
    CHECK_THAT(error_of("exchange: {target: okx-demo, rest_url: 'http://127.0.0.1:18080'}"),
               Catch::Contains("exchange.rest_url"));
    ::setenv(config::insecure_url_env, "1", 1);
    const auto t = config::parse("exchange: {target: okx-demo, rest_url: 'http://127.0.0.1:1', "
                                 "ws_url: 'ws://127.0.0.1:1/ws/v5'}");
    CHECK(t.exchange.insecure_override);
    CHECK(config::log_marker(t) == config::insecure_url_marker);
    // The override never opens plain http to a remote host.
    CHECK_THAT(error_of("exchange: {target: okx-demo, rest_url: 'http://10.0.0.1:1'}"),
               Catch::Contains("only allowed to 127.0.0.1"));
    ::unsetenv(config::insecure_url_env);
}
