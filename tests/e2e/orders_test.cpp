// Every order the bot sends reaches the ledger with its outcome (issue 10), end to end: okx_sim,
// guard_proc and signal_proc under supervisord. A PH close over WS is filed filled (channel ws)
// and the OCO it cancelled as canceled; the entry after it, refused by the simulator (a 51008
// fault), is filed refused with its code; a close whose WS op the simulator refuses is filed
// refused (ws, its code), one whose WS op is lost absent, and their REST retries filled (rest).
// Each row is audited against the simulator's own order log, and every order the simulator
// filled is in the ledger as filled.
#include "tests/e2e/bot_fixture.hpp"
#include "tests/e2e/bot_scenario.hpp"

#include "ledger/ledger.hpp"
#include "shm_layout/order_ids.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <sstream>

using namespace scalpel;
using namespace scalpel::e2e;
using namespace std::chrono_literals;

namespace {

std::string ledger_file(const bot_fixture& bot) {
    return bot.run_dir() + "/" + std::string(ledger::default_file_name);
}

// The ledger's row for a client id once it reached `state` (read-only, like the exporter).
std::optional<ledger::order_row> wait_for_order(const bot_fixture& bot, const std::string& cl,
                                                const std::string& state,
                                                std::chrono::milliseconds timeout) {
    std::optional<ledger::order_row> row;
    test::wait_until(
        [&] {
            auto db = ledger::ledger::open_read_only(ledger_file(bot)).db;
            row = db ? db->order(cl) : std::nullopt;
            return row && row->state == state;
        },
        timeout);
    return row;
}

std::vector<ledger::order_row> ledger_orders(const bot_fixture& bot) {
    auto db = ledger::ledger::open_read_only(ledger_file(bot)).db;
    return db ? db->orders_since(0) : std::vector<ledger::order_row>{};
}

// The simulator's record of one client id (place_order), or nullopt.
std::optional<sim_request> sim_placement(bot_fixture& bot, const std::string& cl) {
    for (const auto& r : bot.sim_requests())
        if (r.kind == "place_order" && r.cl_ord_id == cl)
            return r;
    return std::nullopt;
}

shm::order_id_parts parts_of(std::string_view cl) {
    shm::order_id_parts p;
    REQUIRE(shm::parse_cl_ord_id(cl, p));
    return p;
}

// The lines of a program's log that mention `word` (a failure's context, not the whole log).
std::string log_lines(const bot_fixture& bot, const std::string& program, const std::string& word) {
    std::string out, line;
    std::istringstream in(bot.log_of(program));
    while (std::getline(in, line))
        if (line.find(word) != std::string::npos)
            out += line + "\n";
    return out;
}

// Registers a WS order-op fault, waits for a position not in `done`, closes it by PH and
// checks the close that filled went over REST (the WS attempt failed) as the simulator has it.
// Returns the ledger's row of the failed WS attempt (the same slot generation, one attempt lower).
std::optional<ledger::order_row> close_through_ws_fault(bot_fixture& bot, const std::string& fault,
                                                        std::vector<std::string>& done) {
    REQUIRE(bot.sim("POST", "/sim/fault", fault).status == 200);
    std::optional<shm::slot_snapshot> pos;
    REQUIRE(test::wait_until(
        [&] {
            pos = wait_for_position(bot, 1s);
            return pos && std::find(done.begin(), done.end(),
                                    std::string(pos->pos.entry_cl_ord_id.view())) == done.end();
        },
        120s));
    done.emplace_back(pos->pos.entry_cl_ord_id.view());
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price);
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    const auto rec = wait_for_close(bot, *pos, 30s);
    REQUIRE(rec);
    bot.sim("POST", "/sim/resume", fmt::format(R"({{"instId":"{}"}})", sym));
    const std::string rest_cl(rec->pos.close_cl_ord_id.view());
    const auto rest_close = wait_for_order(bot, rest_cl, "filled", 20s);
    REQUIRE(rest_close);
    CHECK(rest_close->channel == "rest");
    CHECK(rest_close->kind == "close");
    const auto sim_rest = sim_placement(bot, rest_cl);
    REQUIRE(sim_rest);
    CHECK(sim_rest->via == "rest");
    CHECK(sim_rest->state == "filled");
    const auto rp = parts_of(rest_cl);
    REQUIRE(rp.attempt >= 1);
    std::optional<ledger::order_row> ws_attempt;
    for (const auto& o : ledger_orders(bot)) {
        shm::order_id_parts p;
        if (shm::parse_cl_ord_id(o.cl_ord_id, p) && p.what == shm::intent::close &&
            p.slot == rp.slot && p.generation == rp.generation && p.attempt == rp.attempt - 1)
            ws_attempt = o;
    }
    if (ws_attempt) {
        const auto on_sim = sim_placement(bot, ws_attempt->cl_ord_id);
        CHECK((!on_sim || on_sim->state != "filled")); // it never traded
    }
    return ws_attempt;
}

} // namespace

TEST_CASE("every order the bot sends is in the ledger with the outcome the simulator gave",
          "[e2e]") {
    bot_fixture bot({permissive()});

    // 1. A position: its entry filled, its OCO placed — as the simulator has them.
    auto pos = wait_for_position(bot, 120s);
    REQUIRE(pos);
    const std::string entry_cl(pos->pos.entry_cl_ord_id.view());
    const std::string oco_cl(pos->pos.oco_algo_cl_ord_id.view());
    const auto entry = wait_for_order(bot, entry_cl, "filled", 20s);
    REQUIRE(entry);
    CHECK(entry->kind == "entry");
    CHECK(entry->channel == "rest");
    CHECK_FALSE(entry->ord_id.empty());
    CHECK(sim_placement(bot, entry_cl)->state == "filled");

    // From now on the next order placement over REST (signal_proc's next entry: the guard closes
    // over WS first) is refused 51008 by the simulator.
    REQUIRE(bot.sim("POST", "/sim/fault",
                    R"({"path_prefix":"/api/v5/trade/order","method":"POST","count":1,)"
                    R"("mode":"fail","status":200,"code":"51008","msg":"Insufficient balance"})")
                .status == 200);

    // 3. PH closes it over WS; cancel_first cancels the OCO before the sale.
    const std::string sym(pos->pos.symbol.view());
    bot.set_price(sym, pos->pos.entry_price);
    bot.set_price(sym, ph_spike_price(pos->pos, 0.001));
    const auto rec = wait_for_close(bot, *pos, 20s);
    REQUIRE(rec);
    const std::string close_cl(rec->pos.close_cl_ord_id.view());
    const auto ws_close = wait_for_order(bot, close_cl, "filled", 20s);
    REQUIRE(ws_close);
    CHECK(ws_close->kind == "close");
    CHECK(ws_close->channel == "ws");
    CHECK(ws_close->symbol == sym);
    const auto sim_ws = sim_placement(bot, close_cl);
    REQUIRE(sim_ws);
    CHECK(sim_ws->via == "ws");
    CHECK(sim_ws->state == "filled");
    const auto oco = wait_for_order(bot, oco_cl, "canceled", 20s);
    REQUIRE(oco);
    CHECK(oco->kind == "oco");
    CHECK(oco->ord_id == std::string(pos->pos.oco_algo_id.view()));
    bool sim_canceled = false;
    for (const auto& r : bot.sim_requests())
        sim_canceled |= r.kind == "cancel_algo" && r.algo_id == oco->ord_id && r.s_code == "0";
    CHECK(sim_canceled);
    bot.sim("POST", "/sim/resume", fmt::format(R"({{"instId":"{}"}})", sym));

    // 2. The next entry is refused: filed refused with the exchange's code; never placed.
    std::optional<ledger::order_row> refused;
    INFO(log_lines(bot, "signal_proc", "entry"));
    REQUIRE(test::wait_until(
        [&] {
            for (const auto& o : ledger_orders(bot))
                if (o.kind == "entry" && o.state == "refused")
                    refused = o;
            return refused.has_value();
        },
        120s));
    CHECK(refused->error_code == "51008");
    CHECK(refused->channel == "rest");
    CHECK(parts_of(refused->cl_ord_id).what == shm::intent::entry);
    const auto never = sim_placement(bot, refused->cl_ord_id);
    CHECK((!never || never->state != "filled"));

    // 4. The next close's WS op is refused by the simulator: filed refused (ws, its code), and
    //    the retry over REST (next attempt) filed filled (rest).
    std::vector<std::string> done{entry_cl};
    const auto refused_ws = close_through_ws_fault(
        bot, R"({"path_prefix":"/ws/op/order","count":1,"mode":"fail","code":"50001"})", done);
    REQUIRE(refused_ws);
    CHECK(refused_ws->state == "refused");
    CHECK(refused_ws->error_code == "50001");
    CHECK(refused_ws->channel == "ws");

    // 5. The next close's WS op is lost (dropped, never answered): after its deadline and the
    //    lookup lag it is filed absent; the REST retry filled.
    const auto lost_ws = close_through_ws_fault(
        bot, R"({"path_prefix":"/ws/op/order","count":1,"mode":"drop"})", done);
    REQUIRE(lost_ws);
    CHECK(lost_ws->state == "absent");
    CHECK(lost_ws->channel == "ws");

    // Every order the simulator filled for us is in the ledger as filled.
    int audited = 0;
    for (const auto& r : bot.sim_requests()) {
        if (r.kind != "place_order" || r.state != "filled" || r.cl_ord_id.empty())
            continue;
        bool found = false;
        test::wait_until(
            [&] {
                auto db = ledger::ledger::open_read_only(ledger_file(bot)).db;
                const auto o = db ? db->order(r.cl_ord_id) : std::nullopt;
                found = o && o->state == "filled";
                return found;
            },
            10s);
        INFO(r.cl_ord_id);
        CHECK(found);
        ++audited;
    }
    std::cout << fmt::format("orders e2e: {} ledger rows, {} filled orders audited against the "
                             "simulator\n",
                             ledger_orders(bot).size(), audited);
}
