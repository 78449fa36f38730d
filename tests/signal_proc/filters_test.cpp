// Scenario: each blocking filter, forced by config or market, reaches the decision log line with
// its reason and no order is sent. (Volume profile and pivots only add bonuses — they cannot
// block — and the uptrend market cannot make the MTF trend oppose the signal; tests/strategy
// covers those rules at unit level.)
#include "tests/signal_proc/scenario_common.hpp"

#include <cstdio>
#include <thread>

using namespace scalpel;
using namespace scalpel::test;

namespace {

void expect_blocked(scenario& sc, const std::string& verdict, const std::string& decision) {
    sc.start_signal();
    REQUIRE(sc.wait_log(decision, std::chrono::seconds(30)));
    const auto lines = sc.log_lines(decision);
    REQUIRE_FALSE(lines.empty());
    CHECK(lines.front().find(verdict) != std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(count_orders(sc.orders()).place_orders == 0);
    CHECK(sc.log_lines("decision=ENTER_").empty());
}

} // namespace

TEST_CASE("sessions: no session enabled blocks every entry", "[sim]") {
    scenario sc(scenario_options{}.with_entry("  sessions:\n    enabled: true\n    asia: false\n   "
                                              " europe: false\n    america: false\n"));
    expect_blocked(sc, "session=BLOCK:outside_sessions", "decision=BLOCKED:session");
}

TEST_CASE("balance: too little USDT blocks the LONG", "[sim]") {
    scenario sc;
    sc.control("/sim/balance", R"({"ccy":"USDT","amount":"20"})");
    expect_blocked(sc, "balance=BLOCK:insufficient_usdt", "decision=BLOCKED:balance");
}

TEST_CASE("ADX: a minimum of 100 blocks", "[sim]") {
    scenario sc(scenario_options{}.with_regime("    adx_min: 100\n"));
    expect_blocked(sc, "adx_filter=BLOCK:adx_too_low", "decision=BLOCKED:adx");
}

TEST_CASE("correlation: a correlated open position blocks the second symbol", "[sim]") {
    scenario sc(scenario_options{}
                    .with_symbols("[BTC-USDT, ETH-USDT]")
                    .with_regime("    correlation_threshold: 0.5\n    max_correlated: 1\n"));
    sc.start_signal();
    REQUIRE(sc.wait_log("decision=BLOCKED:correlation", std::chrono::seconds(40)));
    const auto lines = sc.log_lines("decision=BLOCKED:correlation");
    CHECK(lines.front().find("symbol=ETH-USDT") != std::string::npos);
    CHECK(lines.front().find("corr=BLOCK:correlated_positions") != std::string::npos);
    REQUIRE(wait_protected(sc, "BTC-USDT", std::chrono::seconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const auto c = count_orders(sc.orders());
    CHECK(c.place_orders == 1); // BTC only
    CHECK_FALSE(find_slot(sc.seg(), "ETH-USDT", shm::slot_state::open));
}

TEST_CASE("risk: max open positions 1 stops the second symbol before the filters", "[sim]") {
    scenario sc(scenario_options{}
                    .with_symbols("[BTC-USDT, ETH-USDT]")
                    .with_risk("  max_open_positions: 1\n"));
    sc.start_signal();
    const bool seen = sc.wait_log("decision=RISK:max_open_positions", std::chrono::seconds(40));
    if (!seen)
        for (const auto& l : sc.log_lines("ETH-USDT"))
            std::printf("%s\n", l.c_str());
    REQUIRE(seen);
    CHECK(sc.log_lines("decision=RISK:max_open_positions").front().find("symbol=ETH-USDT") !=
          std::string::npos);
    CHECK(count_orders(sc.orders()).place_orders == 1);
}
