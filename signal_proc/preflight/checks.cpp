// preflight checks. See checks.hpp. Each check is one coroutine on one io_context; the REST
// client signs, rate-limits and retries as the bot does, so a PASS here means the bot's own
// requests go through.
#include "signal_proc/preflight/checks.hpp"

#include "common/clock.hpp"
#include "common/net/rest_client.hpp"
#include "common/net/ws_client.hpp"
#include "common/okx/requests.hpp"
#include "strategy/sizing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <vector>

namespace scalpel::preflight {
namespace {

using namespace std::chrono_literals;

std::string okx_error(const okx::error& e) {
    return fmt::format("{} {} {}", okx::to_string(e.kind), e.code, e.message.view());
}

const char* mode_name(int acct_lv) {
    switch (acct_lv) {
    case 1:
        return "Spot mode";
    case 2:
        return "Futures mode";
    case 3:
        return "Multi-currency margin";
    case 4:
        return "Portfolio margin";
    }
    return "unknown mode";
}

class runner {
public:
    runner(net::io_context& ioc, const config::bot_config& cfg,
           const net_client::endpoint_config& endpoint, const net_client::credentials& creds,
           const settings& s)
        : ioc_(ioc), cfg_(cfg), endpoint_(endpoint), creds_(creds), s_(s),
          rest_(ioc.get_executor(), endpoint, creds) {}

    net::awaitable<void> run() {
        co_await clock();
        co_await key_and_mode();
        co_await instruments();
        co_await balance();
        co_await ws_login(net_client::ws_kind::private_channel, "ws login private");
        co_await ws_login(net_client::ws_kind::business_channel, "ws login business");
        if (cfg_.exchange.target == config::exchange_target::okx_demo && s_.round_trip)
            co_await round_trip();
    }

    std::vector<check_result> rows;

private:
    void add(std::string name, bool pass, std::string detail) {
        rows.push_back({std::move(name), pass, std::move(detail)});
    }

    net::awaitable<void> clock() {
        const std::int64_t t0 = wall_now_ms();
        const auto r = co_await rest_.server_time();
        const std::int64_t t1 = wall_now_ms();
        if (!r.ok()) {
            add("clock", false, "public/time failed: " + okx_error(r.err));
            co_return;
        }
        const std::int64_t skew = r.value.ts_ms - (t0 + t1) / 2;
        const bool ok = std::llabs(skew) <= s_.max_clock_skew_ms;
        add("clock", ok,
            fmt::format("exchange clock {:+} ms from ours (limit ±{} ms, round trip {} ms){}", skew,
                        s_.max_clock_skew_ms, t1 - t0,
                        ok ? "" : ": fix this host's time (NTP); OKX refuses requests 30 s off"));
    }

    net::awaitable<void> key_and_mode() {
        const auto r = co_await rest_.account_config();
        if (!r.ok()) {
            add("key", false,
                "account/config refused: " + okx_error(r.err) +
                    " (check key, secret, passphrase, the key's IP allow-list and demo vs live)");
            add("account mode", false, "not read (the key check failed)");
            co_return;
        }
        acct_lv_ = r.value.acct_lv;
        const std::string_view perm = r.value.perm.view();
        bool trade = false;
        for (std::size_t at = 0; at <= perm.size();) {
            const auto comma = perm.find(',', at);
            const auto word =
                perm.substr(at, comma == std::string_view::npos ? perm.npos : comma - at);
            trade = trade || word == "trade";
            if (comma == std::string_view::npos)
                break;
            at = comma + 1;
        }
        add("key", trade,
            trade ? fmt::format("signed requests accepted; perm {}", perm)
                  : fmt::format("the key cannot trade (perm '{}'): enable Trade on it", perm));
        add("account mode", true,
            fmt::format("acctLv {} ({}): SPOT orders use tdMode {}", acct_lv_, mode_name(acct_lv_),
                        okx::to_string(okx::spot_td_mode(acct_lv_))));
    }

    net::awaitable<void> instruments() {
        const auto r = co_await rest_.instruments("SPOT");
        if (!r.ok()) {
            add("instruments", false, "public/instruments failed: " + okx_error(r.err));
            co_return;
        }
        for (const auto& sym : cfg_.symbols) {
            const auto it =
                std::find_if(r.value.begin(), r.value.end(),
                             [&](const okx::instrument& i) { return i.inst_id == sym; });
            const std::string name = "instrument " + sym;
            if (it == r.value.end()) {
                add(name, false, "not listed by public/instruments (SPOT): fix `symbols`");
                continue;
            }
            std::string why;
            if (!it->state.empty() && it->state != "live")
                why = fmt::format("state {} (not live)", it->state.view());
            else if (it->inst_id_code <= 0)
                why = "no instIdCode: WS order operations cannot name it";
            add(name, why.empty(),
                fmt::format("tickSz {} lotSz {} minSz {} instIdCode {}{}{}", it->tick_sz.str(),
                            it->lot_sz.str(), it->min_sz.str(), it->inst_id_code,
                            why.empty() ? "" : ": ", why));
            if (why.empty() && !first_) {
                first_ = *it;
            }
        }
    }

    net::awaitable<void> balance() {
        const auto r = co_await rest_.balance("USDT");
        if (!r.ok()) {
            add("balance", false, "account/balance failed: " + okx_error(r.err));
            co_return;
        }
        double free = 0;
        for (const auto& d : r.value.details)
            if (d.ccy == "USDT")
                free = d.avail_bal.to_double();
        const auto& sz = cfg_.entry.sizing;
        const double cap = strategy::long_balance_cap(free, sz);
        const bool ok = cap >= sz.min_order_value_usd;
        add("balance", ok,
            fmt::format("USDT available {:.2f}: LONG cap {:.2f} (after the reserve) {} the minimum "
                        "order value {:.2f}{}",
                        free, cap, ok ? ">=" : "<", sz.min_order_value_usd,
                        ok ? "" : ": too little balance for one entry"));
    }

    net::awaitable<void> ws_login(net_client::ws_kind kind, const char* name) {
        std::optional<okx::error> err;
        net_client::ws_handlers h;
        h.on_error = [&](const okx::error& e) {
            if (!err)
                err = e;
        };
        auto cfg = endpoint_;
        cfg.reconnect_min = 60s; // one attempt: a refusal is the answer, not a reason to retry
        cfg.reconnect_max = 60s;
        net_client::ws_client ws(ioc_, cfg, kind, {}, h, creds_);
        ws.start();
        net::steady_timer t(ioc_);
        const auto deadline = std::chrono::steady_clock::now() + s_.ws_login_timeout;
        while (ws.state() != net_client::ws_state::live && !err &&
               std::chrono::steady_clock::now() < deadline) {
            t.expires_after(20ms);
            boost::system::error_code ec;
            co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
        const bool live = ws.state() == net_client::ws_state::live;
        ws.stop();
        if (live)
            add(name, true, "logged in");
        else if (err)
            add(name, false, "login refused: " + okx_error(*err));
        else
            add(name, false, "no login answer in time");
    }

    net::awaitable<std::optional<okx::order_detail>> wait_filled(const std::string& inst,
                                                                 const std::string& cl) {
        net::steady_timer t(ioc_);
        const auto deadline = std::chrono::steady_clock::now() + s_.fill_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            const auto o = co_await rest_.order(inst, {}, cl);
            if (o.ok() && o.value.state == okx::order_state::filled)
                co_return o.value;
            if (o.ok() && o.value.state == okx::order_state::canceled)
                co_return std::nullopt;
            t.expires_after(200ms);
            boost::system::error_code ec;
            co_await t.async_wait(net::redirect_error(net::use_awaitable, ec));
        }
        co_return std::nullopt;
    }

    // okx-demo only: buy twice the minimum size at market, protect it with an OCO far from the
    // price, cancel the OCO, sell what was bought (less the base-currency fee) at market.
    net::awaitable<void> round_trip() {
        const char* name = "demo round trip";
        if (!first_) {
            add(name, false, "skipped: no tradable configured symbol");
            co_return;
        }
        const okx::instrument inst = *first_;
        const std::string sym(inst.inst_id.view());
        const auto tick = co_await rest_.ticker(sym);
        if (!tick.ok() || tick.value.last <= 0) {
            add(name, false, "ticker failed: " + okx_error(tick.err));
            co_return;
        }
        const okx::td_mode mode = okx::spot_td_mode(acct_lv_);
        const std::string tag = fmt::format("pf{}", wall_now_ms() % 1'000'000'000);
        okx::place_order_req buy;
        buy.inst_id = sym;
        buy.td_mode = mode;
        buy.side = order_side::buy;
        buy.ord_type = okx::ord_type::market;
        buy.sz = decimal::ceil_to(inst.min_sz.to_double() * 2, inst.lot_sz);
        buy.tgt_ccy = okx::tgt_ccy::base_ccy;
        const std::string buy_cl = tag + "b";
        buy.cl_ord_id = buy_cl;
        const auto placed = co_await rest_.place_order(buy);
        if (!placed.ok()) {
            add(name, false, "minimum-size buy refused: " + okx_error(placed.err));
            co_return;
        }
        const auto filled = co_await wait_filled(sym, buy_cl);
        if (!filled) {
            add(name, false, "the minimum-size buy did not fill in time (check the demo account)");
            co_return;
        }
        // A spot buy pays its fee in the base currency (fee < 0): what is held is fill + fee.
        const double fee_in_base = filled->fee_ccy == inst.base_ccy ? filled->fee.to_double() : 0.0;
        const decimal held =
            decimal::floor_to(filled->acc_fill_sz.to_double() + fee_in_base, inst.lot_sz);
        const double last = tick.value.last;
        okx::algo_order_req oco;
        oco.inst_id = sym;
        oco.td_mode = mode;
        oco.side = order_side::sell;
        oco.sz = held;
        oco.has_tp = oco.has_sl = true;
        oco.tp_trigger_px = decimal::round_to(last * 1.5, inst.tick_sz);
        oco.sl_trigger_px = decimal::round_to(last * 0.5, inst.tick_sz);
        const std::string oco_cl = tag + "o";
        oco.algo_cl_ord_id = oco_cl;
        const auto algo = co_await rest_.place_algo(oco);
        std::string trouble;
        if (!algo.ok()) {
            trouble = "OCO refused: " + okx_error(algo.err);
        } else {
            // Built before the co_await: GCC 12 miscompiles an initializer_list across it.
            std::vector<okx::cancel_algo_req> cancel(1);
            cancel[0].inst_id = sym;
            cancel[0].algo_id = algo.value.algo_id.view();
            const auto canceled = co_await rest_.cancel_algos(cancel);
            if (!canceled.ok())
                trouble = "OCO cancel refused: " + okx_error(canceled.err);
        }
        okx::place_order_req sell;
        sell.inst_id = sym;
        sell.td_mode = mode;
        sell.side = order_side::sell;
        sell.ord_type = okx::ord_type::market;
        sell.sz = held;
        sell.tgt_ccy = okx::tgt_ccy::base_ccy;
        const std::string sell_cl = tag + "s";
        sell.cl_ord_id = sell_cl;
        const auto sold = co_await rest_.place_order(sell);
        if (!sold.ok() && trouble.empty())
            trouble = "closing sell refused: " + okx_error(sold.err);
        else if (sold.ok() && !co_await wait_filled(sym, sell_cl) && trouble.empty())
            trouble = "the closing sell did not fill in time";
        add(name, trouble.empty(),
            trouble.empty()
                ? fmt::format("{}: bought {}, OCO placed and canceled, sold {} (tdMode {})", sym,
                              filled->acc_fill_sz.str(), held.str(), okx::to_string(mode))
                : sym + ": " + trouble);
    }

    net::io_context& ioc_;
    const config::bot_config& cfg_;
    net_client::endpoint_config endpoint_;
    net_client::credentials creds_;
    settings s_;
    net_client::rest_client rest_;
    int acct_lv_ = 0;
    std::optional<okx::instrument> first_;
};

} // namespace

std::vector<check_result> run_checks(net::io_context& ioc, const config::bot_config& cfg,
                                     const net_client::endpoint_config& endpoint,
                                     const net_client::credentials& creds, const settings& s) {
    runner r(ioc, cfg, endpoint, creds, s);
    bool done = false;
    std::exception_ptr failure;
    net::co_spawn(ioc, r.run(), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    while (!done) {
        ioc.run_for(50ms);
        if (ioc.stopped())
            ioc.restart();
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            r.rows.push_back({"preflight", false, std::string("stopped: ") + e.what()});
        }
    }
    return r.rows;
}

std::string format_table(const std::vector<check_result>& rows) {
    std::size_t width = 0;
    for (const auto& r : rows)
        width = std::max(width, r.name.size());
    std::string out;
    for (const auto& r : rows)
        out += fmt::format("{}  {:<{}}  {}\n", r.pass ? "PASS" : "FAIL", r.name, width, r.detail);
    return out;
}

} // namespace scalpel::preflight
