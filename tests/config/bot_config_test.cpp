#include "common/config/bot_config.hpp"

#include <catch2/catch.hpp>

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
    for (auto r :
         {strategy::regime::trending, strategy::regime::ranging, strategy::regime::choppy}) {
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
    CHECK(c.regimes[strategy::regime::choppy].ph_threshold_usd == 0.5);
    CHECK(c.regimes[strategy::regime::choppy].ph_time_limit_ms == 90'000);
    CHECK(c.regimes[strategy::regime::choppy].max_holding_ms == 20 * 60'000);
    CHECK(c.regimes[strategy::regime::choppy].mtf_bar_ms == 30 * 60'000);
    CHECK(c.signal.cycle_ms == 2500);
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
    CHECK_THROWS_AS(config::load("/nonexistent/scalpel.yaml"), config_error);
}
