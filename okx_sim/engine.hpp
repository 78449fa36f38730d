// engine: the simulator's spot account, order book of our own orders and TP/SL algo book —
// pure logic, no sockets and no clocks (market time is a parameter). Market orders take the
// quote (ask for buys, bid for sells) with the taker fee; limit orders rest and fill at their
// price once the last trade price reaches it (maker fee); OCO/conditional algos fire on the last
// price and place a child order. Every change is queued as an event for the WS pushes.
// It must never move a balance below zero or fill an order twice.
#pragma once

#include "okx_sim/amount.hpp"
#include "okx_sim/instrument.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scalpel::sim {

struct quote {
    amount last, bid, ask;
};

// An order as it arrives on the wire (strings as received; "" = absent).
struct order_request {
    std::string inst_id, td_mode, side, ord_type, sz, px, tgt_ccy, cl_ord_id, tag;
};

// An algo order as it arrives (ordType oco or conditional).
struct algo_request {
    std::string inst_id, td_mode, side, ord_type, sz, tgt_ccy, algo_cl_ord_id, tag;
    std::string tp_trigger_px, tp_ord_px, sl_trigger_px, sl_ord_px;
};

// The per-item answer of a place/cancel call: sCode "0" on success.
struct item_result {
    std::string s_code = "0", s_msg, sub_code;
    std::string ord_id, cl_ord_id, algo_id, algo_cl_ord_id, tag;
    std::int64_t ts = 0;
    [[nodiscard]] bool ok() const noexcept { return s_code == "0"; }
};

struct fill {
    std::string trade_id, bill_id;
    amount px, sz, fee; // fee negative = charged
    std::string fee_ccy;
    std::int64_t ts = 0;
    bool maker = false;
};

struct order {
    std::string ord_id, cl_ord_id, tag, inst_id, side, ord_type, td_mode, tgt_ccy;
    std::size_t sym = 0;
    amount px, sz;     // px zero for market orders
    std::string state; // live | partially_filled | filled | canceled
    amount acc_fill_sz, fill_notional, fee;
    std::string fee_ccy, source, algo_id, algo_cl_ord_id, cancel_source;
    std::int64_t c_time = 0, u_time = 0;
    amount frozen; // balance still reserved by a resting limit order
    std::optional<fill> last_fill;
    [[nodiscard]] amount avg_px() const noexcept {
        return acc_fill_sz.is_zero() ? amount{} : div(fill_notional, acc_fill_sz);
    }
    [[nodiscard]] bool pending() const noexcept {
        return state == "live" || state == "partially_filled";
    }
};

struct algo_order {
    std::string algo_id, algo_cl_ord_id, inst_id, ord_type, side, td_mode, tgt_ccy, tag;
    std::size_t sym = 0;
    amount sz;
    std::string tp_trigger_px, tp_ord_px, sl_trigger_px, sl_ord_px; // as received ("" = none)
    std::string state; // live | effective | canceled | order_failed
    std::string actual_side, actual_px, actual_sz, ord_id, fail_code;
    std::int64_t trigger_time = 0;
    amount last_at_place;
    std::int64_t c_time = 0, u_time = 0;
};

struct balance {
    amount cash, frozen;
    std::int64_t u_time = 0;
    [[nodiscard]] amount avail() const noexcept { return cash - frozen; }
};

// One change for the WS pushes: a snapshot of the order (with the fill of this update, if any)
// or of the algo order.
struct engine_event {
    bool is_algo = false;
    bool has_fill = false;
    order o;
    algo_order a;
};

struct engine_config {
    amount taker_fee = *amount::parse("0.001");
    amount maker_fee = *amount::parse("0.0008");
    std::map<std::string, amount> balances{{"USDT", amount::from_int(10'000)}};
    // Account mode as account/config reports it (acctLv): 1 Spot, 2 Futures, 3 Multi-currency
    // margin, 4 Portfolio margin. SPOT tdMode must be cash in 1/2 and cross in 3/4.
    int acct_lv = 1;
};

// The tdMode check of a SPOT order / algo in account mode `acct_lv`: empty when fine, else the
// code and message the engine answers (see engine.cpp for the sources).
struct td_mode_refusal {
    std::string code, msg;
};
[[nodiscard]] td_mode_refusal check_spot_td_mode(int acct_lv, std::string_view td_mode);

class engine {
public:
    engine(std::vector<instrument> instruments, engine_config cfg);

    // Sets the quote of `sym` and runs everything it triggers: resting limits that the last price
    // reaches fill, algos whose trigger the last price crosses fire (SL wins a simultaneous cross).
    void on_quote(std::size_t sym, quote q, std::int64_t now);
    [[nodiscard]] const quote& quote_of(std::size_t sym) const noexcept { return quotes_[sym]; }

    // Validates and executes one order. Failure codes: 51000 bad parameter, 51001 unknown instId,
    // 51016 duplicate pending clOrdId, 51121 sz not a lot multiple, 51020 below minSz, 51008
    // (subCode 1000) insufficient balance. The answer carries ordId/clOrdId/tag/ts.
    item_result place_order(const order_request& req, std::int64_t now);
    // Cancels a pending order by ordId (preferred) or clOrdId. 51400 when missing or terminal,
    // 51001 unknown instId, 51000 when neither id is given.
    item_result cancel_order(std::string_view inst_id, std::string_view ord_id,
                             std::string_view cl_ord_id, std::int64_t now);
    // Places an oco / conditional algo (no balance is frozen). 51000 bad parameter (other ordTypes
    // included), 51001, 51121, 51020, 51065 duplicate live algoClOrdId, 51277-51280 trigger on
    // the wrong side of the last price.
    item_result place_algo(const algo_request& req, std::int64_t now);
    // live → canceled; effective / order_failed → 51412; canceled or missing → 51400.
    item_result cancel_algo(std::string_view inst_id, std::string_view algo_id,
                            std::string_view algo_cl_ord_id, std::int64_t now);

    // Lookups (nullptr when absent). By clOrdId / algoClOrdId the latest match wins.
    [[nodiscard]] const order* find_order(std::string_view ord_id,
                                          std::string_view cl_ord_id) const;
    [[nodiscard]] const algo_order* find_algo(std::string_view algo_id,
                                              std::string_view algo_cl_ord_id) const;
    [[nodiscard]] const std::deque<order>& orders() const noexcept { return orders_; }
    [[nodiscard]] const std::deque<algo_order>& algos() const noexcept { return algos_; }
    // Fills newest last, with the order each belongs to.
    struct fill_ref {
        fill f;
        std::string ord_id, cl_ord_id, tag, inst_id, side;
    };
    [[nodiscard]] const std::vector<fill_ref>& fills() const noexcept { return fills_; }

    [[nodiscard]] const std::map<std::string, balance>& balances() const noexcept {
        return balances_;
    }
    void set_balance(const std::string& ccy, amount cash, std::int64_t now);
    [[nodiscard]] const instrument& inst(std::size_t sym) const noexcept { return insts_[sym]; }
    [[nodiscard]] std::optional<std::size_t> find_inst(std::string_view inst_id) const noexcept;
    [[nodiscard]] const engine_config& config() const noexcept { return cfg_; }
    void set_fees(amount taker, amount maker) noexcept {
        cfg_.taker_fee = taker;
        cfg_.maker_fee = maker;
    }

    // Drops every order, algo and fill and restores the starting balances.
    void reset(std::int64_t now);
    // Moves the queued events out.
    [[nodiscard]] std::vector<engine_event> take_events();

private:
    item_result place_internal(const order_request& req, std::int64_t now,
                               const algo_order* parent);
    void execute(order& o, amount px, amount qty, bool maker, std::int64_t now);
    void trigger(algo_order& a, bool take_profit, std::int64_t now);
    void emit(const order& o, bool has_fill);
    void emit(const algo_order& a);
    balance& bal(const std::string& ccy) { return balances_[ccy]; }

    std::vector<instrument> insts_;
    engine_config cfg_;
    std::vector<quote> quotes_;
    std::deque<order> orders_;
    std::deque<algo_order> algos_;
    std::vector<fill_ref> fills_;
    std::map<std::string, balance> balances_;
    std::vector<engine_event> events_;
    std::uint64_t next_ord_ = 1, next_algo_ = 1, next_trade_ = 1, next_bill_ = 1;
};

} // namespace scalpel::sim
