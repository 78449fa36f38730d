// trade_refill: see the header.
#include "signal_proc/trade_refill.hpp"

#include "shm_layout/order_ids.hpp"

#include <map>
#include <tuple>

namespace scalpel::signal {

namespace {

using slot_key = std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>;

bool key_of(std::string_view id, std::string_view tag, slot_key& k, shm::intent& what) {
    shm::order_id_parts p;
    if (!shm::parse_cl_ord_id(id, p) || p.tag.view() != tag)
        return false;
    k = {p.epoch, p.slot, p.generation};
    what = p.what;
    return true;
}

struct leg {
    double qty = 0, notional = 0, fee_usd = 0, fee_base = 0;
    std::int64_t first_ms = 0, last_ms = 0;
    std::string cl_ord_id, symbol, reason;
    bool buy = true;
    void add(const refill_fill& f) {
        if (qty == 0) {
            first_ms = f.time_ms;
            symbol = f.symbol;
            buy = f.buy;
        }
        qty += f.sz;
        notional += f.px * f.sz;
        fee_usd += f.fee_usd;
        fee_base += f.fee_base;
        last_ms = std::max(last_ms, f.time_ms);
    }
    [[nodiscard]] double vwap() const { return qty > 0 ? notional / qty : 0; }
};

} // namespace

std::vector<ledger::trade_row> rebuild_trades(const std::vector<refill_fill>& fills,
                                              const std::vector<refill_algo>& algos,
                                              std::string_view account_tag) {
    std::map<std::string, slot_key> child_key; // OCO child ordId → its slot key
    std::map<std::string, std::string> child_side;
    for (const auto& a : algos) {
        slot_key k;
        shm::intent what;
        if (!a.child_ord_id.empty() && key_of(a.algo_cl_ord_id, account_tag, k, what)) {
            child_key[a.child_ord_id] = k;
            child_side[a.child_ord_id] = a.actual_side;
        }
    }
    std::map<slot_key, leg> entries, exits;
    for (const auto& f : fills) {
        slot_key k;
        shm::intent what = shm::intent::entry;
        if (key_of(f.cl_ord_id, account_tag, k, what)) {
            leg& l = what == shm::intent::entry ? entries[k] : exits[k];
            l.add(f);
            if (what == shm::intent::entry)
                l.cl_ord_id = f.cl_ord_id;
            else if (l.reason.empty()) {
                l.cl_ord_id = f.cl_ord_id;
                l.reason = "close";
            }
        } else if (const auto it = child_key.find(f.ord_id); it != child_key.end()) {
            leg& l = exits[it->second];
            l.add(f);
            const std::string& side = child_side[f.ord_id];
            l.reason = side.empty() ? "oco" : side;
        }
    }
    std::vector<ledger::trade_row> out;
    for (const auto& [k, e] : entries) {
        const auto x = exits.find(k);
        if (x == exits.end() || e.qty <= 0)
            continue; // still open (or closed outside the bot: the reconcile records those)
        const leg& c = x->second;
        const bool long_pos = e.buy;
        ledger::trade_row t;
        t.entry_cl_ord_id = e.cl_ord_id;
        t.close_cl_ord_id = c.cl_ord_id;
        t.symbol = e.symbol;
        t.side = long_pos ? "long" : "short";
        t.reason = c.reason;
        t.entry_price = e.vwap();
        t.exit_price = c.vwap();
        t.size = c.qty;
        t.entry_fee_usd = e.fee_usd;
        t.exit_fee_usd = c.fee_usd;
        const double move = long_pos ? t.exit_price - t.entry_price : t.entry_price - t.exit_price;
        t.net_pnl_usd = move * t.size - t.entry_fee_usd - t.exit_fee_usd;
        t.entry_time_ms = e.first_ms;
        t.exit_time_ms = c.last_ms;
        t.source = "exchange";
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace scalpel::signal
