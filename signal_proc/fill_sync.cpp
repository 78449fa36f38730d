// fill_sync: see the header.
#include "signal_proc/fill_sync.hpp"

#include "shm_layout/order_ids.hpp"

#include <algorithm>
#include <map>

namespace scalpel::signal {

namespace {

// Exact a + b (decimal has no arithmetic): both brought to the larger scale.
decimal add(decimal a, decimal b) {
    std::int64_t ma = a.mantissa(), mb = b.mantissa();
    int sa = a.scale(), sb = b.scale();
    for (; sa < sb; ++sa)
        ma *= 10;
    for (; sb < sa; ++sb)
        mb *= 10;
    return decimal(ma + mb, sa);
}

} // namespace

fill_sync::fill_sync(net_client::rest_client& client, std::string account_tag)
    : client_(client), tag_(std::move(account_tag)) {}

net::awaitable<fill_sync_result> fill_sync::run(ledger::ledger& db,
                                                const std::vector<std::string>& symbols) {
    fill_sync_result r;
    for (const auto& sym : symbols) {
        const auto f = co_await client_.fills(sym);
        if (!f.ok()) {
            r.ok = false;
            continue;
        }
        std::map<std::string, ledger::order_row> orders; // ours, by clOrdId
        std::map<std::string, decimal> filled;
        for (const auto& row : f.value) {
            ledger::fill_row x;
            x.trade_id = std::string(row.trade_id.view());
            x.ord_id = std::string(row.ord_id.view());
            x.cl_ord_id = std::string(row.cl_ord_id.view());
            x.symbol = sym;
            x.side = std::string(row.side.view());
            x.fill_px = row.fill_px.str();
            x.fill_sz = row.fill_sz.str();
            x.fee = row.fee.str();
            x.fee_ccy = std::string(row.fee_ccy.view());
            x.fill_time_ms = row.fill_time_ms ? row.fill_time_ms : row.ts_ms;
            r.ok &= db.record_fill(x).ok();
            ++r.fills;
            const bool quote_fee = x.fee_ccy == "USDT" || x.fee_ccy == "USDC" || x.fee_ccy == "USD";
            const double fee = -row.fee.to_double(); // OKX: negative = charged
            const double px = row.fill_px.to_double();
            r.seen.push_back({x.ord_id, x.cl_ord_id, sym, x.side == "buy", px,
                              row.fill_sz.to_double(), quote_fee ? fee : fee * px,
                              quote_fee ? 0 : fee, x.fill_time_ms});
            shm::order_id_parts parts;
            if (!shm::parse_cl_ord_id(x.cl_ord_id, parts) || parts.tag.view() != tag_)
                continue;
            auto [it, fresh] = orders.try_emplace(x.cl_ord_id);
            ledger::order_row& o = it->second;
            if (fresh) {
                o.cl_ord_id = x.cl_ord_id;
                o.ord_id = x.ord_id;
                o.symbol = sym;
                o.side = x.side;
                o.kind = shm::to_string(parts.what);
                o.sent_ms = x.fill_time_ms;
            }
            decimal& sz = filled[x.cl_ord_id];
            sz = add(sz, row.fill_sz);
            o.sz = sz.str();
            o.state = "filled";
            o.updated_ms = std::max(o.updated_ms, x.fill_time_ms);
        }
        for (const auto& [cl, o] : orders) {
            r.ok &= db.record_order(o).ok();
            ++r.orders;
        }
    }
    r.ok &= co_await sync_ocos(db, r);
    co_return r;
}

net::awaitable<bool> fill_sync::sync_ocos(ledger::ledger& db, fill_sync_result& r) {
    bool ok = true;
    for (const char* state : {"effective", "canceled"}) {
        const auto h = co_await client_.algos_history("oco", state);
        if (!h.ok()) {
            ok = false;
            continue;
        }
        for (const auto& a : h.value) {
            shm::order_id_parts parts;
            if (!shm::parse_cl_ord_id(a.algo_cl_ord_id.view(), parts) || parts.tag.view() != tag_)
                continue;
            ledger::order_row o;
            o.cl_ord_id = std::string(a.algo_cl_ord_id.view());
            o.ord_id = std::string(a.algo_id.view());
            o.symbol = std::string(a.inst_id.view());
            o.side = std::string(a.side.view());
            o.kind = "oco";
            o.ord_type = "oco";
            o.sz = a.sz.str();
            const bool fired = a.state == okx::algo_state::effective;
            o.state = fired ? "filled" : "canceled";
            o.child_ord_id = fired ? std::string(a.ord_id.view()) : std::string();
            o.sent_ms = a.c_time_ms;
            o.updated_ms = a.u_time_ms > 0 ? a.u_time_ms : a.c_time_ms;
            ok &= db.record_order(o).ok();
            ++r.ocos;
        }
    }
    co_return ok;
}

} // namespace scalpel::signal
