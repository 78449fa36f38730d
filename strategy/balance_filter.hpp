// balance filter: spot only, no borrowing. LONG needs free USDT − max(10 % of it, $15) >= the
// order value; SHORT sells base already held and needs it worth >= $50; any liability on the
// account blocks every entry. Pure; the caller passes the account view.
#pragma once

#include "common/side.hpp"
#include "strategy/filter_verdict.hpp"
#include "strategy/sizing.hpp"

namespace scalpel::strategy {

// The account as signal_proc last read it (REST balance), for one symbol's base asset.
struct account_view {
    double free_usdt = 0;
    double base_held = 0;       // free amount of the symbol's base asset
    double liabilities_usd = 0; // any borrowing (> 0 blocks)
};

struct balance_verdict {
    filter_verdict verdict;
    double available_usd = 0; // LONG: free − reserve; SHORT: base_held × price
    double required_usd = 0;  // LONG: order value; SHORT: min base value
};

[[nodiscard]] balance_verdict balance_filter(side s, const account_view& acct, double price,
                                             double order_value_usd,
                                             const sizing_config& cfg) noexcept;

} // namespace scalpel::strategy
