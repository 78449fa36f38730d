// The bounded chaos run (label chaos): the whole bot under supervisord, >= 60 SIGKILLs of
// guard_proc / signal_proc at random and at the dangerous moments, with price spikes, WebSocket
// drops, REST failures and late requests, then the exchange-side audit. Every count must be zero
// (issue 9: exactly one close whatever dies). The long run is deploy/chaos.sh.
#include "tests/chaos/chaos_run.hpp"

#include <catch2/catch.hpp>

#include <iostream>

using namespace scalpel::chaos;
using namespace std::chrono_literals;

TEST_CASE("60 kills with faults leave no double close, no orphan, no lost or bare position",
          "[chaos]") {
    chaos_options o;
    o.kills = 60;
    o.max_chaos = 165s; // 60 kills take ~130-155 s on a loaded 2-core box
    o.first_entry_timeout = 60s;
    o.settle = 15s;
    o.seed = 7;
    o.progress = &std::cout;
    const auto r = run_chaos(o);
    print_summary(std::cout, r);

    CHECK(r.kills() >= 60);
    CHECK(r.audit.positions >= 10); // it did trade under the kills
    const auto& a = r.audit;
    CHECK(a.double_closes == 0);
    CHECK(a.size_mismatches == 0);
    CHECK(a.multi_oco == 0);
    CHECK(a.unprotected == 0);
    CHECK(a.orphan_ocos == 0);
    CHECK(a.lost == 0);
    CHECK(a.duplicate_entries == 0);
}
