// Scenario: signal_proc is SIGKILLed between the market order and the OCO (the OCO request is
// delayed in okx_sim), then restarted: the slot left `opening` is reconciled by its clOrdIds and
// the position ends protected with exactly one entry order and one live OCO — also when the
// restarted process looks before the delayed OCO has landed ("not found" is not "absent": the
// placement goes out under the same algoClOrdId, so the late one is refused as a duplicate).
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

TEST_CASE("killed after the entry fill with its OCO in flight, restarted at once: one OCO",
          "[kill]") {
    scenario sc;
    sc.control(
        "/sim/fault",
        R"({"path_prefix":"/api/v5/trade/order-algo","count":1,"mode":"delay","delay_ms":6000})");
    sc.start_signal();
    // The OCO attempt id is persisted just before its request goes out (after one ticker read):
    // kill a moment later, so the request is sitting in the simulator's delay.
    REQUIRE(wait_until(
        [&] {
            try { // the segment appears once signal_proc has started
                const auto s = find_slot(sc.seg(), "BTC-USDT", shm::slot_state::opening);
                return s && s->attempts[static_cast<std::size_t>(shm::intent::oco)] >= 1;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(40)));
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    sc.kill_signal(SIGKILL);
    REQUIRE(find_slot(sc.seg(), "BTC-USDT", shm::slot_state::opening));
    REQUIRE(count_orders(sc.orders()).filled_buys == 1);
    sc.start_signal(); // at once: the first OCO attempt has not landed yet
    REQUIRE(wait_protected(sc, "BTC-USDT", std::chrono::seconds(30)));
    REQUIRE(wait_until([&] { return count_orders(sc.orders()).algos_rejected >= 1; },
                       std::chrono::seconds(15))); // the delayed attempt landed, refused
    auto o = sc.orders();
    const auto c = count_orders(o);
    CHECK(c.place_orders == 1);
    CHECK(c.filled_buys == 1);
    CHECK(c.live_algos == 1);
    CHECK(c.place_algos == 1);
    const auto slot = find_slot(sc.seg(), "BTC-USDT", shm::slot_state::open);
    REQUIRE(slot);
    CHECK(slot->attempts[static_cast<std::size_t>(shm::intent::oco)] == 1); // one id, reused
    std::string live_id;
    for (auto a : o["algos"].get_array())
        if (field(a, "state") == "live")
            live_id = field(a, "algoId");
    CHECK(slot->pos.oco_algo_id == live_id);
}
