// metrics: the segment as Prometheus text exposition (format 0.0.4) — processes, heartbeats,
// halt state, feed age per symbol, open positions and their unrealised net PnL, realised net PnL
// in the journal, orders sent / closes by reason / errors / reconnects per role, and the guard's
// tick→order latency as a histogram. Read-only and lock-free: it never writes the segment and
// never takes its mutex, so scraping cannot slow the guard.
#pragma once

#include "shm_layout/segment.hpp"

#include <string>

namespace scalpel::exporter {

// Everything of one scrape. `seg` may be null (no segment yet): then only scalpel_up 0.
[[nodiscard]] std::string render_metrics(const shm::segment* seg, double stale_feed_s);

} // namespace scalpel::exporter
