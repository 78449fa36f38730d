// trade_refill: closed trades rebuilt from the exchange, for the records the segment's journal
// ring lost before signal_proc drained them (a gap). Pure: from our fills (entry and close orders
// by clOrdId intent) and our fired OCOs (child ordId → algoClOrdId) it pairs each entry with its
// close by slot key (segment epoch, slot, generation) and computes entry, exit, size, fees and
// net PnL the way the guard does. The close reason is tp/sl for an OCO, else "close" (the guard's
// own reason — PH, time limit, manual — is not on the exchange). The ledger ignores trades it
// already holds (keyed by entry clOrdId), so refilling more than the gap is harmless.
#pragma once

#include "ledger/ledger.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace scalpel::signal {

struct refill_fill {
    std::string ord_id, cl_ord_id, symbol;
    bool buy = true;
    double px = 0, sz = 0;
    double fee_usd = 0;  // positive = paid
    double fee_base = 0; // part paid in base units (a buyer's fee)
    std::int64_t time_ms = 0;
};

struct refill_algo { // a fired OCO of ours
    std::string algo_cl_ord_id, child_ord_id;
    std::string actual_side; // "tp" / "sl" / ""
};

[[nodiscard]] std::vector<ledger::trade_row> rebuild_trades(const std::vector<refill_fill>& fills,
                                                            const std::vector<refill_algo>& algos,
                                                            std::string_view account_tag);

} // namespace scalpel::signal
