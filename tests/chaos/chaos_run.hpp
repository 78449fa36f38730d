// chaos_run: the whole bot (okx_sim + guard_proc + signal_proc under supervisord, tests/e2e's
// bot_fixture) traded hard and broken on purpose: SIGKILLs of either or both processes at random
// moments and at the dangerous ones (right after an entry fill, during OCO placement, between a
// PH verdict and its order, after a close fill, during a cancel), price spikes through TP, SL and
// the PH threshold, WebSocket drops and refusals, REST failures, delays, hangs and requests
// processed after the client's timeout. Seeded; bounded by a kill count and a time limit. Then a
// settle period and the exchange-side audit (audit.hpp). It never reads the bot's segment or logs.
#pragma once

#include "tests/chaos/audit.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace scalpel::chaos {

struct chaos_options {
    int kills = 60;                      // stop after this many SIGKILLs …
    std::chrono::seconds max_chaos{150}; // … or after this long, whichever comes first
    std::chrono::seconds first_entry_timeout{90};
    std::chrono::seconds settle{20}; // calm after the chaos, before the audit (> the late delay)
    std::uint64_t seed = 7;
    bool targeted_kills = true; // kills at the dangerous moments
    bool late_requests = true;  // requests processed 5.5–8 s late (after the 5 s client timeout)
    bool rest_faults = true;    // fail / apply_fail / hang / delay
    bool ws_faults = true;      // drops and refusals
    // Hot standby guards as run.sh deploys them (guard_standby, guard_standby_2); kills hit the
    // active guard (the one holding the role lock).
    int guard_standbys = 2;
    // When set: the bot's logs and config, the simulator's records (sim_orders.json), the
    // guard's no-process intervals (guard_down.txt) and the timed actions (actions.txt) go there.
    std::string keep_dir;
    std::ostream* progress = nullptr;
    // When set and it turns true (e.g. from a SIGINT handler), the chaos ends early and the run
    // settles, audits and shuts the bot down as usual.
    const std::atomic<bool>* stop = nullptr;
};

struct chaos_result {
    audit_report audit;
    std::map<std::string, int> actions; // what was done, by name
    int kills_guard = 0, kills_signal = 0;
    int unexpected_guard = 0, unexpected_signal = 0; // exits nobody asked for
    double chaos_s = 0, total_s = 0;
    // How long a killed program had no process (kill → supervisord's new process), in ms.
    double guard_gap_median_ms = 0, guard_gap_max_ms = 0, signal_gap_median_ms = 0,
           signal_gap_max_ms = 0;
    [[nodiscard]] int kills() const noexcept { return kills_guard + kills_signal; }
};

// Runs one chaos session. Throws std::runtime_error when the bot cannot be started.
[[nodiscard]] chaos_result run_chaos(const chaos_options& options);

// Audits the records a run kept (--keep DIR: sim_orders.json, guard_down.txt) again, e.g. after
// the audit changed. Only the audit part of the result is filled. Throws when they are missing.
[[nodiscard]] chaos_result reaudit(const std::string& dir);

// The summary table (counts, maxima, actions, rejects) and up to `max_findings` findings.
void print_summary(std::ostream& out, const chaos_result& r, std::size_t max_findings = 40);

} // namespace scalpel::chaos
