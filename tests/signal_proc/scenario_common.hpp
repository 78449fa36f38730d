// Shared assertions of the scenario tests: find the open slot, the entry order and the OCO.
#pragma once

#include "tests/signal_proc/scenario.hpp"

#include <catch2/catch.hpp>

#include <optional>

namespace scalpel::test {

inline std::optional<shm::slot_snapshot> find_slot(shm::segment& seg, std::string_view symbol,
                                                   shm::slot_state st) {
    for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
        const auto s = seg.snapshot(i);
        if (s.ok && s.snap.state == st && s.snap.pos.symbol == symbol)
            return s.snap;
    }
    return std::nullopt;
}

// Waits for `symbol` to be open in the segment with exactly one live OCO on the exchange.
inline bool wait_protected(scenario& sc, std::string_view symbol,
                           std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            try {
                return count_orders(sc.orders()).live_algos >= 1 &&
                       find_slot(sc.seg(), symbol, shm::slot_state::open).has_value();
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout);
}

inline std::string field(simdjson::dom::element e, const char* key) {
    std::string_view v;
    if (e[key].get_string().get(v) != simdjson::SUCCESS)
        return {};
    return std::string(v);
}

} // namespace scalpel::test
