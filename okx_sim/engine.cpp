// engine: validation, matching, fees, balances and the TP/SL algo book. See engine.hpp.
#include "okx_sim/engine.hpp"

#include <algorithm>

namespace scalpel::sim {
namespace {

bool valid_client_id(std::string_view id) noexcept {
    if (id.size() > 32)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    });
}

item_result fail(std::string code, std::string msg, std::int64_t now, std::string sub = {}) {
    item_result r;
    r.s_code = std::move(code);
    r.s_msg = std::move(msg);
    r.sub_code = std::move(sub);
    r.ts = now;
    return r;
}

item_result insufficient(const std::string& ccy, std::int64_t now) {
    return fail("51008",
                "Order failed. Your available " + ccy +
                    " balance is insufficient, and your available margin "
                    "(in USD) is too low to borrow.",
                now, "1000");
}

std::string id_string(std::uint64_t base, std::uint64_t n) {
    return std::to_string(base + n);
}

} // namespace

// docs-v5 "Place order", tdMode note: Spot mode → SPOT cash; Futures mode → SPOT cash;
// Multi-currency margin and Portfolio margin → "Cross SPOT: cross". cash in a margin mode is
// refused with 51000 "Parameter tdMode error" (reported on a real multi-currency account, ccxt PR
// #14922); cross in Spot/Futures mode with 51010 "You can't complete this request under your
// current account mode." (OKX error code list). isolated / spot_isolated are never simulated.
td_mode_refusal check_spot_td_mode(int acct_lv, std::string_view td_mode) {
    const bool margin_mode = acct_lv == 3 || acct_lv == 4;
    if (td_mode == "cash" && !margin_mode)
        return {};
    if (td_mode == "cross" && margin_mode)
        return {};
    if (td_mode == "cross")
        return {"51010", "You can't complete this request under your current account mode."};
    return {"51000", "Parameter tdMode error"};
}

engine::engine(std::vector<instrument> instruments, engine_config cfg)
    : insts_(std::move(instruments)), cfg_(std::move(cfg)), quotes_(insts_.size()) {
    reset(0);
}

void engine::reset(std::int64_t now) {
    orders_.clear();
    algos_.clear();
    fills_.clear();
    events_.clear();
    balances_.clear();
    for (const auto& [ccy, v] : cfg_.balances) {
        balances_[ccy].cash = v;
        balances_[ccy].u_time = now;
    }
}

void engine::set_balance(const std::string& ccy, amount cash, std::int64_t now) {
    auto& b = bal(ccy);
    b.cash = cash;
    if (b.frozen > b.cash)
        b.frozen = b.cash; // a test overriding a reserved balance wins
    b.u_time = now;
}

std::optional<std::size_t> engine::find_inst(std::string_view inst_id) const noexcept {
    for (std::size_t i = 0; i < insts_.size(); ++i)
        if (insts_[i].inst_id == inst_id)
            return i;
    return std::nullopt;
}

const order* engine::find_order(std::string_view ord_id, std::string_view cl_ord_id) const {
    for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {
        if (!ord_id.empty() ? it->ord_id == ord_id
                            : (!cl_ord_id.empty() && it->cl_ord_id == cl_ord_id))
            return &*it;
    }
    return nullptr;
}

const algo_order* engine::find_algo(std::string_view algo_id,
                                    std::string_view algo_cl_ord_id) const {
    for (auto it = algos_.rbegin(); it != algos_.rend(); ++it) {
        if (!algo_id.empty() ? it->algo_id == algo_id
                             : (!algo_cl_ord_id.empty() && it->algo_cl_ord_id == algo_cl_ord_id))
            return &*it;
    }
    return nullptr;
}

std::vector<engine_event> engine::take_events() {
    std::vector<engine_event> out;
    out.swap(events_);
    return out;
}

void engine::emit(const order& o, bool has_fill) {
    engine_event e;
    e.o = o;
    e.has_fill = has_fill;
    events_.push_back(std::move(e));
}

void engine::emit(const algo_order& a) {
    engine_event e;
    e.is_algo = true;
    e.a = a;
    events_.push_back(std::move(e));
}

item_result engine::place_order(const order_request& req, std::int64_t now) {
    return place_internal(req, now, nullptr);
}

item_result engine::place_internal(const order_request& req, std::int64_t now,
                                   const algo_order* parent) {
    const auto sym = find_inst(req.inst_id);
    if (req.inst_id.empty())
        return fail("51000", "Parameter instId error", now);
    if (!sym)
        return fail("51001", "Instrument ID does not exist", now);
    if (req.side != "buy" && req.side != "sell")
        return fail("51000", "Parameter side error", now);
    const bool is_market = req.ord_type == "market";
    const bool is_limit_kind = req.ord_type == "limit" || req.ord_type == "post_only" ||
                               req.ord_type == "ioc" || req.ord_type == "fok";
    if (!is_market && !is_limit_kind)
        return fail("51000", "Parameter ordType error", now);
    if (const auto r = check_spot_td_mode(cfg_.acct_lv, req.td_mode); !r.code.empty())
        return fail(r.code, r.msg, now);
    if (!valid_client_id(req.cl_ord_id))
        return fail("51000", "Parameter clOrdId error", now);
    if (req.tag.size() > 16 || !valid_client_id(req.tag))
        return fail("51000", "Parameter tag error", now);
    const auto sz = amount::parse(req.sz);
    if (!sz || !sz->positive())
        return fail("51000", "Parameter sz error", now);
    const bool buy = req.side == "buy";
    std::string tgt = req.tgt_ccy;
    if (!is_market)
        tgt.clear();
    else if (tgt.empty())
        tgt = buy ? "quote_ccy" : "base_ccy";
    else if (tgt != "base_ccy" && tgt != "quote_ccy")
        return fail("51000", "Parameter tgtCcy error", now);
    if (!req.cl_ord_id.empty()) {
        for (const auto& o : orders_)
            if (o.pending() && o.cl_ord_id == req.cl_ord_id)
                return fail("51016", "Duplicated clOrdId", now);
    }
    const instrument& in = insts_[*sym];
    const quote& q = quotes_[*sym];
    if (!q.last.positive())
        return fail("51000", "No market price for " + in.inst_id + " yet", now);

    amount px, qty;
    if (is_market) {
        const amount ref = buy ? q.ask : q.bid;
        if (tgt == "quote_ccy") {
            qty = div(*sz, ref).floor_to(in.lot_sz);
        } else {
            if (!sz->multiple_of(in.lot_sz))
                return fail("51121", "Order quantity must be a multiple of the lot size", now);
            qty = *sz;
        }
        if (qty < in.min_sz)
            return fail("51020", "Your order should meet or exceed the minimum order amount.", now);
        if (buy) {
            const amount need = tgt == "quote_ccy" ? *sz : mul(qty, ref);
            if (bal(in.quote).avail() < need)
                return insufficient(in.quote, now);
        } else if (bal(in.base).avail() < qty) {
            return insufficient(in.base, now);
        }
        px = amount{};
    } else {
        const auto p = amount::parse(req.px);
        if (!p || !p->positive() || !p->multiple_of(in.tick_sz))
            return fail("51000", "Parameter px error", now);
        if (!sz->multiple_of(in.lot_sz))
            return fail("51121", "Order quantity must be a multiple of the lot size", now);
        if (*sz < in.min_sz)
            return fail("51020", "Your order should meet or exceed the minimum order amount.", now);
        px = *p;
        qty = *sz;
        if (buy ? bal(in.quote).avail() < mul(px, qty) : bal(in.base).avail() < qty)
            return insufficient(buy ? in.quote : in.base, now);
    }

    order o;
    o.ord_id = id_string(600'000'000'000'000'000ULL, next_ord_++);
    o.cl_ord_id = req.cl_ord_id;
    o.tag = req.tag;
    o.inst_id = in.inst_id;
    o.sym = *sym;
    o.side = req.side;
    o.ord_type = req.ord_type;
    o.td_mode = req.td_mode;
    o.tgt_ccy = tgt;
    o.px = px;
    o.sz = *sz;
    o.state = "live";
    o.source = parent ? "7" : "";
    if (parent) {
        o.algo_id = parent->algo_id;
        o.algo_cl_ord_id = parent->algo_cl_ord_id;
    }
    o.c_time = o.u_time = now;
    orders_.push_back(o);
    order& stored = orders_.back();

    item_result r;
    r.ord_id = stored.ord_id;
    r.cl_ord_id = stored.cl_ord_id;
    r.tag = stored.tag;
    r.ts = now;
    r.s_msg = "Order placed";

    if (is_market) {
        execute(stored, buy ? q.ask : q.bid, qty, false, now);
        return r;
    }
    stored.frozen = buy ? mul(px, qty) : qty;
    bal(buy ? in.quote : in.base).frozen += stored.frozen;
    const bool marketable = buy ? px >= q.ask : px <= q.bid;
    if (marketable && stored.ord_type == "post_only") {
        bal(buy ? in.quote : in.base).frozen -= stored.frozen;
        stored.frozen = amount{};
        stored.state = "canceled";
        stored.cancel_source = "31"; // post-only order would have taken liquidity
        emit(stored, false);
    } else if (marketable) {
        execute(stored, buy ? q.ask : q.bid, qty, false, now);
    } else if (stored.ord_type == "ioc" || stored.ord_type == "fok") {
        bal(buy ? in.quote : in.base).frozen -= stored.frozen;
        stored.frozen = amount{};
        stored.state = "canceled";
        stored.cancel_source = "14";
        emit(stored, false);
    } else {
        emit(stored, false);
    }
    return r;
}

void engine::execute(order& o, amount px, amount qty, bool maker, std::int64_t now) {
    const instrument& in = insts_[o.sym];
    const bool buy = o.side == "buy";
    const amount rate = maker ? cfg_.maker_fee : cfg_.taker_fee;
    auto& base = bal(in.base);
    auto& quote_bal = bal(in.quote);
    if (!o.frozen.is_zero()) {
        (buy ? quote_bal : base).frozen -= o.frozen;
        o.frozen = amount{};
    }
    const amount notional = mul(px, qty);
    fill f;
    f.trade_id = id_string(100'000'000, next_trade_++);
    f.bill_id = id_string(700'000'000'000'000'000ULL, next_bill_++);
    f.px = px;
    f.sz = qty;
    f.ts = now;
    f.maker = maker;
    if (buy) {
        const amount fee = mul(qty, rate); // a spot buyer pays the fee in the asset received
        quote_bal.cash -= notional;
        base.cash += qty - fee;
        f.fee = -fee;
        f.fee_ccy = in.base;
    } else {
        const amount fee = mul(notional, rate);
        base.cash -= qty;
        quote_bal.cash += notional - fee;
        f.fee = -fee;
        f.fee_ccy = in.quote;
    }
    base.u_time = quote_bal.u_time = now;
    o.acc_fill_sz += qty;
    o.fill_notional += notional;
    o.fee += f.fee;
    o.fee_ccy = f.fee_ccy;
    o.state = "filled";
    o.u_time = now;
    o.last_fill = f;
    fills_.push_back({f, o.ord_id, o.cl_ord_id, o.tag, o.inst_id, o.side});
    emit(o, true);
}

item_result engine::cancel_order(std::string_view inst_id, std::string_view ord_id,
                                 std::string_view cl_ord_id, std::int64_t now) {
    if (!find_inst(inst_id))
        return fail("51001", "Instrument ID does not exist", now);
    if (ord_id.empty() && cl_ord_id.empty())
        return fail("51000", "Parameter ordId error", now);
    order* o = const_cast<order*>(find_order(ord_id, cl_ord_id));
    if (o && o->inst_id != inst_id)
        o = nullptr;
    if (!o || !o->pending()) {
        auto r = fail(
            "51400",
            "Cancellation failed as the order has been filled, canceled or does not exist.", now);
        r.ord_id = std::string(ord_id);
        r.cl_ord_id = std::string(cl_ord_id);
        return r;
    }
    const instrument& in = insts_[o->sym];
    bal(o->side == "buy" ? in.quote : in.base).frozen -= o->frozen;
    o->frozen = amount{};
    o->state = "canceled";
    o->cancel_source = "1"; // canceled by the user
    o->u_time = now;
    emit(*o, false);
    item_result r;
    r.ord_id = o->ord_id;
    r.cl_ord_id = o->cl_ord_id;
    r.ts = now;
    return r;
}

item_result engine::place_algo(const algo_request& req, std::int64_t now) {
    if (req.inst_id.empty())
        return fail("51000", "Parameter instId error", now);
    const auto sym = find_inst(req.inst_id);
    if (!sym)
        return fail("51001", "Instrument ID does not exist", now);
    if (req.ord_type != "oco" && req.ord_type != "conditional")
        return fail("51000", "Parameter ordType error", now);
    if (req.side != "buy" && req.side != "sell")
        return fail("51000", "Parameter side error", now);
    if (const auto r = check_spot_td_mode(cfg_.acct_lv, req.td_mode); !r.code.empty())
        return fail(r.code, r.msg, now);
    if (!valid_client_id(req.algo_cl_ord_id))
        return fail("51000", "Parameter algoClOrdId error", now);
    if (req.tag.size() > 16 || !valid_client_id(req.tag))
        return fail("51000", "Parameter tag error", now);
    const auto sz = amount::parse(req.sz);
    if (!sz || !sz->positive())
        return fail("51000", "Parameter sz error", now);
    if (!req.tgt_ccy.empty() && req.tgt_ccy != "base_ccy" && req.tgt_ccy != "quote_ccy")
        return fail("51000", "Parameter tgtCcy error", now);
    const bool has_tp = !req.tp_trigger_px.empty(), has_sl = !req.sl_trigger_px.empty();
    if (req.ord_type == "oco" && !(has_tp && has_sl))
        return fail("51000", "Parameter tpTriggerPx/slTriggerPx error", now);
    if (!has_tp && !has_sl)
        return fail("51000", "Parameter slTriggerPx error", now);
    const instrument& in = insts_[*sym];
    auto check_px = [&](const std::string& trig, const std::string& ord) {
        const auto t = amount::parse(trig);
        if (!t || !t->positive())
            return false;
        const auto o = amount::parse(ord.empty() ? std::string("-1") : ord);
        return o && (*o == amount::from_int(-1) || (o->positive() && o->multiple_of(in.tick_sz)));
    };
    if (has_tp && !check_px(req.tp_trigger_px, req.tp_ord_px))
        return fail("51000", "Parameter tpTriggerPx error", now);
    if (has_sl && !check_px(req.sl_trigger_px, req.sl_ord_px))
        return fail("51000", "Parameter slTriggerPx error", now);
    const std::string tgt =
        req.tgt_ccy.empty() ? (req.side == "buy" ? "quote_ccy" : "base_ccy") : req.tgt_ccy;
    if (tgt == "base_ccy") {
        if (!sz->multiple_of(in.lot_sz))
            return fail("51121", "Order quantity must be a multiple of the lot size", now);
        if (*sz < in.min_sz)
            return fail("51020", "Your order should meet or exceed the minimum order amount.", now);
    }
    if (!req.algo_cl_ord_id.empty())
        for (const auto& a : algos_)
            if (a.state == "live" && a.algo_cl_ord_id == req.algo_cl_ord_id)
                return fail("51065", "algoClOrdId already exists.", now);
    const amount last = quotes_[*sym].last;
    if (!last.positive())
        return fail("51000", "No market price for " + in.inst_id + " yet", now);
    const bool sell = req.side == "sell";
    if (has_tp) {
        const amount tp = *amount::parse(req.tp_trigger_px);
        if (sell && tp <= last)
            return fail("51279", "TP trigger price cannot be lower than the last price", now);
        if (!sell && tp >= last)
            return fail("51277", "TP trigger price cannot be higher than the last price", now);
    }
    if (has_sl) {
        const amount sl = *amount::parse(req.sl_trigger_px);
        if (sell && sl >= last)
            return fail("51280", "SL trigger price cannot be higher than the last price", now);
        if (!sell && sl <= last)
            return fail("51278", "SL trigger price cannot be lower than the last price", now);
    }
    algo_order a;
    a.algo_id = id_string(800'000'000'000'000'000ULL, next_algo_++);
    a.algo_cl_ord_id = req.algo_cl_ord_id;
    a.inst_id = in.inst_id;
    a.sym = *sym;
    a.ord_type = req.ord_type;
    a.side = req.side;
    a.td_mode = req.td_mode;
    a.tgt_ccy = req.tgt_ccy;
    a.tag = req.tag;
    a.sz = *sz;
    if (has_tp) {
        a.tp_trigger_px = req.tp_trigger_px;
        a.tp_ord_px = req.tp_ord_px.empty() ? "-1" : req.tp_ord_px;
    }
    if (has_sl) {
        a.sl_trigger_px = req.sl_trigger_px;
        a.sl_ord_px = req.sl_ord_px.empty() ? "-1" : req.sl_ord_px;
    }
    a.state = "live";
    a.last_at_place = last;
    a.c_time = a.u_time = now;
    algos_.push_back(a);
    emit(algos_.back());
    item_result r;
    r.algo_id = a.algo_id;
    r.algo_cl_ord_id = a.algo_cl_ord_id;
    r.tag = a.tag;
    r.ts = now;
    r.s_msg = "Order placed";
    return r;
}

item_result engine::cancel_algo(std::string_view inst_id, std::string_view algo_id,
                                std::string_view algo_cl_ord_id, std::int64_t now) {
    if (algo_id.empty() && algo_cl_ord_id.empty())
        return fail("51000", "Parameter algoId error", now);
    algo_order* a = const_cast<algo_order*>(find_algo(algo_id, algo_cl_ord_id));
    if (a && !inst_id.empty() && a->inst_id != inst_id)
        a = nullptr;
    item_result r;
    r.algo_id = a ? a->algo_id : std::string(algo_id);
    r.algo_cl_ord_id = a ? a->algo_cl_ord_id : std::string(algo_cl_ord_id);
    r.ts = now;
    if (!a || a->state == "canceled") {
        r.s_code = "51400";
        r.s_msg = "Cancellation failed as the order has been filled, canceled or does not exist.";
        return r;
    }
    if (a->state != "live") {
        r.s_code = "51412";
        r.s_msg = "The order has been triggered and can't be canceled.";
        return r;
    }
    a->state = "canceled";
    a->u_time = now;
    emit(*a);
    return r;
}

void engine::trigger(algo_order& a, bool take_profit, std::int64_t now) {
    order_request child;
    child.inst_id = a.inst_id;
    child.td_mode = a.td_mode;
    child.side = a.side;
    child.sz = a.sz.str();
    child.tgt_ccy = a.tgt_ccy;
    const std::string& ord_px = take_profit ? a.tp_ord_px : a.sl_ord_px;
    if (ord_px == "-1") {
        child.ord_type = "market";
    } else {
        child.ord_type = "limit";
        child.px = ord_px;
        child.tgt_ccy.clear();
    }
    a.actual_side = take_profit ? "tp" : "sl";
    a.actual_px = ord_px;
    a.actual_sz = a.sz.str();
    a.trigger_time = now;
    a.u_time = now;
    const item_result r = place_internal(child, now, &a);
    if (r.ok()) {
        a.state = "effective";
        a.ord_id = r.ord_id;
    } else {
        a.state = "order_failed";
        a.fail_code = r.s_code;
    }
    emit(a);
}

void engine::on_quote(std::size_t sym, quote q, std::int64_t now) {
    if (sym >= quotes_.size())
        return;
    quotes_[sym] = q;
    for (auto& o : orders_) {
        if (o.sym != sym || !o.pending() || o.px.is_zero())
            continue;
        const bool buy = o.side == "buy";
        if (buy ? q.last <= o.px : q.last >= o.px)
            execute(o, o.px, o.sz - o.acc_fill_sz, true, now);
    }
    // Index loop: a trigger appends the child order to orders_, never to algos_.
    for (std::size_t i = 0; i < algos_.size(); ++i) {
        auto& a = algos_[i];
        if (a.sym != sym || a.state != "live")
            continue;
        const bool sell = a.side == "sell";
        bool sl_hit = false, tp_hit = false;
        if (!a.sl_trigger_px.empty()) {
            const amount sl = *amount::parse(a.sl_trigger_px);
            sl_hit = sell ? q.last <= sl : q.last >= sl;
        }
        if (!a.tp_trigger_px.empty() &&
            !(a.ord_type == "conditional" && !a.sl_trigger_px.empty())) {
            const amount tp = *amount::parse(a.tp_trigger_px);
            tp_hit = sell ? q.last >= tp : q.last <= tp;
        }
        if (sl_hit)
            trigger(a, false, now);
        else if (tp_hit)
            trigger(a, true, now);
    }
}

} // namespace scalpel::sim
