// Scenario: signal_proc is SIGKILLed between the market order and the OCO (the OCO request is
// delayed in okx_sim), then restarted: the slot left `opening` is reconciled by its clOrdIds and
// the position ends protected with exactly one entry order and one live OCO.
#include "tests/signal_proc/scenario_common.hpp"

#include <thread>

using namespace scalpel;
using namespace scalpel::test;

TEST_CASE("killed between entry and OCO, restarted: one entry, one OCO, slot open", "[kill]") {
    scenario sc;
    sc.control(
        "/sim/fault",
        R"({"path_prefix":"/api/v5/trade/order-algo","count":1,"mode":"delay","delay_ms":3000})");
    sc.start_signal();
    REQUIRE(wait_until([&] { return count_orders(sc.orders()).filled_buys == 1; },
                       std::chrono::seconds(40)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(count_orders(sc.orders()).live_algos == 0);
    sc.kill_signal(SIGKILL);
    REQUIRE(find_slot(sc.seg(), "BTC-USDT", shm::slot_state::opening));
    std::this_thread::sleep_for(std::chrono::milliseconds(3500)); // the delayed OCO lands (or not)

    sc.start_signal();
    REQUIRE(wait_protected(sc, "BTC-USDT", std::chrono::seconds(30)));
    CHECK(sc.wait_log("reconcile slot", std::chrono::seconds(1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    auto o = sc.orders();
    const auto c = count_orders(o);
    CHECK(c.place_orders == 1);
    CHECK(c.filled_buys == 1);
    CHECK(c.live_algos == 1);
    const auto slot = find_slot(sc.seg(), "BTC-USDT", shm::slot_state::open);
    REQUIRE(slot);
    std::string live_id;
    for (auto a : o["algos"].get_array())
        if (field(a, "state") == "live")
            live_id = field(a, "algoId");
    CHECK(slot->pos.oco_algo_id == live_id);
}
