// money: the string-taking fee helpers and the market-close builder (the constexpr arithmetic is
// in the header so it inlines into the guard's tick path).
#include "strategy/money.hpp"

namespace scalpel::strategy {

fee_currency classify_fee_ccy(std::string_view fee_ccy, std::string_view inst_id) noexcept {
    const std::size_t dash = inst_id.find('-');
    const std::string_view base = inst_id.substr(0, dash);
    return !fee_ccy.empty() && fee_ccy == base ? fee_currency::base : fee_currency::quote;
}

double fee_cost_quote(double okx_fee, std::string_view fee_ccy, std::string_view inst_id,
                      double fill_px) noexcept {
    return fee_cost_quote(okx_fee, classify_fee_ccy(fee_ccy, inst_id), fill_px);
}

market_close build_market_close(side pos_side, double held, decimal lot_sz) noexcept {
    market_close c;
    c.side = closing_order_side(pos_side);
    c.size = held > 0 ? decimal::floor_to(held, lot_sz) : decimal(0, lot_sz.scale());
    return c;
}

} // namespace scalpel::strategy
