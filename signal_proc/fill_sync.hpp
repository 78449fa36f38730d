// fill_sync: the exchange's recent fills into the ledger — every fill of the configured symbols
// with its fee (amount, currency, OKX sign: negative = charged), and one order row per order of
// ours (client order id with our tag: kind from its intent, filled size, state filled). Fills
// cover what both processes sent (entries, OCO children, guard closes), so the guard never writes
// the ledger. Then the outcomes of our OCOs from the exchange's algo history (fired → filled with
// the child ordId its fills carry, canceled → canceled), so the ledger holds them even when the
// guard's order note was lost. Idempotent: fills are keyed by trade id, orders by client order id
// (the ledger's upsert only moves a state forward). Runs in signal_proc's cycle after an entry or
// a close, and every few minutes.
#pragma once

#include "common/net/rest_client.hpp"
#include "ledger/ledger.hpp"
#include "signal_proc/trade_refill.hpp"

#include <string>
#include <vector>

namespace scalpel::signal {

struct fill_sync_result {
    int fills = 0;                 // rows offered to the ledger (already known ones included)
    int orders = 0;                // order rows of ours upserted
    int ocos = 0;                  // OCO outcomes of ours upserted from the algo history
    bool ok = true;                // false: a request or a write failed (the next run retries)
    std::vector<refill_fill> seen; // every fill fetched, for a gap refill
};

class fill_sync {
public:
    fill_sync(net_client::rest_client& client, std::string account_tag);
    net::awaitable<fill_sync_result> run(ledger::ledger& db,
                                         const std::vector<std::string>& symbols);

private:
    net::awaitable<bool> sync_ocos(ledger::ledger& db, fill_sync_result& r);

    net_client::rest_client& client_;
    std::string tag_;
};

} // namespace scalpel::signal
