// feed_health: a symbol is live only with an ack on the current connection and a fresh WS tick;
// a refusal blocks it (not_subscribed) until an ack, whatever REST polling gives; a lost
// connection voids every ack; stale ticks fall back to polling or down; refused symbols are asked
// again once per resubscribe interval.
#include "guard_proc/feed_health.hpp"

#include <catch2/catch.hpp>

using namespace scalpel;
using guard::feed_health;
using shm::feed_state;
using namespace std::chrono_literals;

namespace {
constexpr mono_ns ms = 1'000'000;
constexpr mono_ns t0 = 1'000'000 * ms; // any monotonic time well past zero
} // namespace

TEST_CASE("feed_health: live needs this connection's ack and a fresh tick", "[unit]") {
    feed_health f(3s, 5s);
    CHECK(f.state(0, t0) == feed_state::down);
    CHECK(f.wants_poll(0, t0));
    f.on_ws_tick(0, t0); // a tick without an ack (e.g. before the new connection's ack)
    CHECK(f.state(0, t0) == feed_state::down);
    f.on_acked(0);
    CHECK(f.state(0, t0 + 10 * ms) == feed_state::live);
    CHECK_FALSE(f.wants_poll(0, t0 + 10 * ms));
    CHECK(f.state(1, t0) == feed_state::down); // other symbols are their own
    // Stale ticks: down, or polling while REST stands in.
    CHECK(f.state(0, t0 + 3000 * ms) == feed_state::down);
    CHECK(f.wants_poll(0, t0 + 3000 * ms));
    f.on_poll_tick(0, t0 + 3000 * ms);
    CHECK(f.state(0, t0 + 3100 * ms) == feed_state::polling);
    f.on_ws_tick(0, t0 + 3200 * ms);
    CHECK(f.state(0, t0 + 3200 * ms) == feed_state::live);
    // The connection is lost: no ack counts until the new connection acks again.
    f.on_connection_lost();
    CHECK(f.state(0, t0 + 3300 * ms) == feed_state::polling);
    CHECK(f.state(0, t0 + 6200 * ms) == feed_state::down);
    f.on_acked(0);
    f.on_ws_tick(0, t0 + 6300 * ms);
    CHECK(f.state(0, t0 + 6300 * ms) == feed_state::live);
    CHECK(f.state(feed_health::capacity, t0) == feed_state::unknown);
}

TEST_CASE("feed_health: a refused symbol is not subscribed until acked, asked again", "[unit]") {
    feed_health f(3s, 1s);
    f.on_acked(0);
    f.on_ws_tick(0, t0);
    f.on_refused(0, t0);
    CHECK(f.state(0, t0) == feed_state::not_subscribed);
    f.on_poll_tick(0, t0 + 10 * ms); // REST prices do not make it enterable
    CHECK(f.state(0, t0 + 20 * ms) == feed_state::not_subscribed);
    CHECK(f.wants_poll(0, t0 + 20 * ms)); // but its open positions still get prices
    CHECK_FALSE(f.take_resubscribe(0, t0 + 500 * ms));
    CHECK(f.take_resubscribe(0, t0 + 1000 * ms));
    CHECK_FALSE(f.take_resubscribe(0, t0 + 1500 * ms)); // one ask per interval
    CHECK(f.take_resubscribe(0, t0 + 2000 * ms));
    f.on_connection_lost(); // a refusal outlives the connection
    CHECK(f.state(0, t0 + 2100 * ms) == feed_state::not_subscribed);
    f.on_acked(0);
    f.on_ws_tick(0, t0 + 2200 * ms);
    CHECK(f.state(0, t0 + 2200 * ms) == feed_state::live);
    CHECK_FALSE(f.take_resubscribe(0, t0 + 9000 * ms));
    CHECK_FALSE(f.take_resubscribe(1, t0 + 9000 * ms)); // never refused
}
