// balance_filter: spot, no borrowing — the account must already hold what the entry spends.
#include "strategy/balance_filter.hpp"

namespace scalpel::strategy {

balance_verdict balance_filter(side s, const account_view& acct, double price,
                               double order_value_usd, const sizing_config& cfg) noexcept {
    balance_verdict v{};
    v.verdict.reason = filter_reason::pass;
    if (acct.liabilities_usd > 0) {
        v.verdict.pass = false;
        v.verdict.reason = filter_reason::liability;
        v.available_usd = -acct.liabilities_usd;
        return v;
    }
    if (s == side::long_side) {
        v.available_usd = long_balance_cap(acct.free_usdt, cfg);
        v.required_usd = order_value_usd;
        if (!(v.available_usd >= v.required_usd)) {
            v.verdict.pass = false;
            v.verdict.reason = filter_reason::insufficient_usdt;
        }
    } else {
        v.available_usd = price > 0 ? acct.base_held * price : 0;
        v.required_usd = cfg.min_short_base_value_usd;
        if (!(acct.base_held > 0) || !(v.available_usd >= v.required_usd)) {
            v.verdict.pass = false;
            v.verdict.reason = filter_reason::insufficient_base;
        }
    }
    return v;
}

} // namespace scalpel::strategy
