// metrics: the segment as Prometheus text exposition (format 0.0.4) — processes, heartbeats,
// halt state, feed age per symbol, open positions and their unrealised net PnL, realised net PnL
// in the journal, orders sent / closes by reason / errors / reconnects per role, and the guard's
// tick→order latency as a histogram; and from the ledger (read-only SQLite, a WAL reader never
// blocks the writer) orders by kind and outcome and fills by kind. Read-only and lock-free: it
// never writes the segment and never takes its mutex, so scraping cannot slow the guard.
#pragma once

#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"

#include <string>
#include <vector>

namespace scalpel::exporter {

// The ledger's part of one scrape (ok = false: no ledger file yet, or it could not be read).
struct ledger_figures {
    bool ok = false;
    std::vector<ledger::order_count> orders; // by (kind, state)
    std::vector<ledger::fill_count> fills;   // by kind
};
[[nodiscard]] ledger_figures read_ledger(ledger::ledger& db);

// Everything of one scrape. `seg` may be null (no segment yet): then only scalpel_up 0 and the
// ledger's figures.
[[nodiscard]] std::string render_metrics(const shm::segment* seg, double stale_feed_s,
                                         const ledger_figures& ledger = {});

} // namespace scalpel::exporter
