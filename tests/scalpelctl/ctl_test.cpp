// scalpelctl against the running bot: status, halt/resume (obeyed by signal_proc at once, seen by
// shm_inspect, surviving a restart), exit of one position (exactly one market close, OCO
// canceled, confirmed by the exchange), exit while guard_proc is SIGKILLed, flatten with positions
// on three symbols, and trades/profit from the ledger.
#include "tests/e2e/bot_fixture.hpp"

#include "shm_layout/order_ids.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <simdjson.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>

using namespace scalpel;
using namespace std::chrono_literals;
using e2e::bot_fixture;

namespace {

// Entries within seconds, OCOs far away: only operator commands close anything.
std::string permissive() {
    std::string regimes = "regimes:\n";
    for (const char* r : {"trending", "ranging", "choppy"})
        regimes += fmt::format(
            "  {}: {{min_score: 1, adx_min: 0, di_difference: 0, mtf_block_opposite: false, "
            "max_trades_per_hour: 1000, tp_atr_multiplier: 8, sl_atr_multiplier: 8, "
            "volume_ratio_threshold: 0, ph_time_limit_s: 3600, max_holding_min: 120, "
            "ph_enabled: false}}\n",
            r);
    return regimes + "risk: {max_consecutive_losses: 1000, cooldown_after_losses: 100, "
                     "daily_loss_limit_pct: 100, profit_lock_enabled: false}\n";
}

// seed: the simulator's random walk (the flatten test needs one where all three symbols signal).
e2e::bot_options options(std::string symbols = "[BTC-USDT, ETH-USDT]", int seed = 7) {
    e2e::bot_options o;
    o.extra_yaml = permissive();
    o.symbols = std::move(symbols);
    o.sim_args = fmt::format("--random-walk --seed {} --speed 1 --ticks-per-bar 300 "
                             "--symbols BTC-USDT,ETH-USDT,SOL-USDT,XRP-USDT "
                             "--balance USDT=30000,BTC=0.5,ETH=8,SOL=100,XRP=20000",
                             seed);
    return o;
}

test::run_result ctl(bot_fixture& bot, std::vector<std::string> args) {
    std::vector<std::string> argv{std::string(SCALPEL_BINARY_DIR) + "/scalpelctl/scalpelctl",
                                  "--config", bot.config_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_capture(argv, 120s);
}

// Open positions with their OCO placed, at least `n` of them (distinct symbols).
std::vector<shm::slot_snapshot> wait_positions(bot_fixture& bot, std::size_t n,
                                               std::chrono::seconds timeout) {
    std::vector<shm::slot_snapshot> found;
    test::wait_until(
        [&] {
            found.clear();
            for (const auto& s : bot.open_positions())
                if (s.state == shm::slot_state::open && !s.pos.oco_algo_id.empty())
                    found.push_back(s);
            return found.size() >= n;
        },
        timeout);
    return found;
}

// Market closes the simulator received for one slot generation (our close intent).
int closes_sent(bot_fixture& bot, std::uint32_t slot, std::uint32_t generation) {
    int n = 0;
    for (const auto& r : bot.sim_requests()) {
        shm::order_id_parts parts;
        if (r.kind == "place_order" && shm::parse_cl_ord_id(r.cl_ord_id, parts) &&
            parts.what == shm::intent::close && parts.slot == slot &&
            parts.generation == generation)
            ++n;
    }
    return n;
}

bool algo_canceled(bot_fixture& bot, const std::string& algo_id) {
    for (const auto& r : bot.sim_requests())
        if (r.kind == "cancel_algo" && r.algo_id == algo_id)
            return true;
    return false;
}

// Finds the string field `key` of positions[0] of a scalpelctl --json reply.
std::string position_field(const std::string& json, const char* key) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string text(json);
    simdjson::ondemand::document doc;
    std::string_view v;
    if (parser.iterate(text).get(doc) || doc["positions"].at(0)[key].get_string().get(v))
        return {};
    return std::string(v);
}

std::int64_t position_int(const std::string& json, const char* key) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string text(json);
    simdjson::ondemand::document doc;
    std::int64_t v = -1;
    if (parser.iterate(text).get(doc) || doc["positions"].at(0)[key].get_int64().get(v))
        return -1;
    return v;
}

bool json_bool(const std::string& json, const char* key) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string text(json);
    simdjson::ondemand::document doc;
    bool v = false;
    return !parser.iterate(text).get(doc) && !doc[key].get_bool().get(v) && v;
}

std::size_t journal_records_of(bot_fixture& bot, std::uint32_t slot, std::uint32_t generation,
                               shm::close_reason* reason = nullptr) {
    std::size_t n = 0;
    for (const auto& rec : bot.journal())
        if (rec.slot == slot && rec.generation == generation) {
            ++n;
            if (reason)
                *reason = rec.pos.reason;
        }
    return n;
}

} // namespace

TEST_CASE("scalpelctl status, halt (obeyed at once, persisted) and resume", "[e2e][ctl]") {
    bot_fixture bot(options());
    const auto pos = wait_positions(bot, 1, 60s);
    REQUIRE(!pos.empty());

    auto st = ctl(bot, {"--json", "status"});
    INFO(st.output);
    REQUIRE(st.exit_code == 0);
    CHECK(st.output.find(R"("role":"guard","verdict":"alive")") != std::string::npos);
    CHECK(st.output.find(std::string(R"("symbol":")") + std::string(pos[0].pos.symbol.view())) !=
          std::string::npos);
    CHECK(st.output.find(R"("oco":"armed")") != std::string::npos);
    CHECK(st.output.find(R"("halted":false)") != std::string::npos);
    CHECK(ctl(bot, {"status"}).output.find("entries allowed") != std::string::npos);

    auto h = ctl(bot, {"--json", "halt"});
    INFO(h.output);
    REQUIRE(h.exit_code == 0);
    REQUIRE(bot.segment()->halt().halted);
    // signal_proc's next cycle says so in its decision lines and opens nothing.
    CHECK(test::wait_until(
        [&] { return bot.log_of("signal_proc").find("decision=HALTED") != std::string::npos; },
        15s));
    const auto inspect =
        test::run_capture({std::string(SCALPEL_BINARY_DIR) + "/shm_layout/tools/shm_inspect",
                           "--name", bot.segment_name(), "--json"});
    CHECK(inspect.output.find(R"("halted":true)") != std::string::npos);
    // A restarted signal_proc is still halted.
    REQUIRE(bot.ctl({"restart", "signal_proc"}).exit_code == 0);
    CHECK(bot.segment()->halt().halted);
    CHECK(test::wait_until(
        [&] {
            const auto log = bot.log_of("signal_proc");
            return log.find("entries HALTED by the operator") != std::string::npos;
        },
        15s));

    auto r = ctl(bot, {"resume"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(bot.segment()->halt().halted);
    CHECK(ctl(bot, {"--json", "status"}).output.find(R"("halted":false)") != std::string::npos);
}

TEST_CASE("scalpelctl exit SYMBOL closes once, cancels the OCO, confirmed; trades and profit",
          "[e2e][ctl]") {
    bot_fixture bot(options());
    const auto pos = wait_positions(bot, 1, 60s);
    REQUIRE(!pos.empty());
    REQUIRE(ctl(bot, {"halt"}).exit_code == 0); // no re-entry muddling the count
    const auto& p = pos[0];
    const std::string symbol(p.pos.symbol.view());
    auto r = ctl(bot, {"--json", "exit", symbol});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(json_bool(r.output, "confirmed"));
    CHECK(position_field(r.output, "reason") == "manual");
    CHECK(position_field(r.output, "close_order_state") == "filled");
    CHECK(position_field(r.output, "oco_state") == "canceled");
    const auto slot_of_reply = position_int(r.output, "slot");
    REQUIRE(slot_of_reply >= 0);
    const auto idx = static_cast<std::uint32_t>(slot_of_reply);
    CHECK(closes_sent(bot, idx, p.generation) == 1);
    CHECK(algo_canceled(bot, std::string(p.pos.oco_algo_id.view())));
    shm::close_reason reason{};
    CHECK(journal_records_of(bot, idx, p.generation, &reason) == 1);
    CHECK(reason == shm::close_reason::manual);
    // Nothing left to exit: a clear refusal.
    CHECK(ctl(bot, {"exit", std::to_string(idx)}).exit_code == 1);

    // The ledger has the trade once signal_proc drained the journal.
    REQUIRE(test::wait_until(
        [&] {
            return ctl(bot, {"--json", "trades", "--since", "1h"}).output.find(R"("manual")") !=
                   std::string::npos;
        },
        30s));
    const auto profit = ctl(bot, {"--json", "profit", "--day"});
    INFO(profit.output);
    CHECK(profit.exit_code == 0);
    CHECK(profit.output.find(R"("reason":"manual")") != std::string::npos);
    CHECK(ctl(bot, {"profit", "--week"}).exit_code == 0);
    CHECK(ctl(bot, {"profit", "--month"}).exit_code == 0);
}

TEST_CASE("scalpelctl exit while guard_proc is being SIGKILLed closes exactly once",
          "[e2e][ctl][kill]") {
    bot_fixture bot(options());
    const auto pos = wait_positions(bot, 1, 60s);
    REQUIRE(!pos.empty());
    REQUIRE(ctl(bot, {"halt"}).exit_code == 0);
    const auto p = pos[0];
    const std::string symbol(p.pos.symbol.view());
    const std::string out = bot.run_dir() + "/exit.out";
    test::child_process exit_cmd({std::string(SCALPEL_BINARY_DIR) + "/scalpelctl/scalpelctl",
                                  "--config", bot.config_path(), "--json", "exit", symbol},
                                 out);
    // Kill the guard while the command is posted / being taken; supervisord restarts it.
    const int guard_pid = bot.pid_of("guard_proc");
    REQUIRE(guard_pid > 0);
    ::kill(guard_pid, SIGKILL);
    const auto status = exit_cmd.wait_for(120s);
    REQUIRE(status.has_value());
    const std::string reply = [&] {
        std::ifstream in(out);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }();
    INFO(reply);
    CHECK(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);
    CHECK(json_bool(reply, "confirmed"));
    CHECK(bot.pid_of("guard_proc") != guard_pid);
    std::uint32_t idx = shm::slot_capacity;
    for (const auto& rec : bot.journal())
        if (rec.generation == p.generation && rec.pos.symbol.view() == symbol)
            idx = rec.slot;
    REQUIRE(idx < shm::slot_capacity);
    CHECK(closes_sent(bot, idx, p.generation) == 1);
    CHECK(journal_records_of(bot, idx, p.generation) == 1);
    CHECK(algo_canceled(bot, std::string(p.pos.oco_algo_id.view())));
}

TEST_CASE("scalpelctl flatten closes positions on three symbols, cancels every OCO, halts",
          "[e2e][ctl]") {
    // Four symbols, so that one the strategy keeps filtering out (its DI against the signal for
    // minutes on this walk) cannot stall the test: any three open positions will do.
    bot_fixture bot(options("[BTC-USDT, ETH-USDT, SOL-USDT, XRP-USDT]", 3));
    const auto pos = wait_positions(bot, 3, 120s);
    const auto log = bot.log_of("signal_proc");
    INFO(log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
    REQUIRE(pos.size() >= 3);
    std::set<std::string> symbols;
    for (const auto& s : pos)
        symbols.insert(std::string(s.pos.symbol.view()));
    CHECK(symbols.size() >= 3);
    auto r = ctl(bot, {"--json", "flatten"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(json_bool(r.output, "confirmed"));
    CHECK(json_bool(r.output, "halted"));
    CHECK(r.output.find(R"("ocos_left":0)") != std::string::npos);
    CHECK(bot.segment()->halt().halted);
    CHECK(bot.open_positions().empty());
    for (const auto& s : pos) {
        CHECK(algo_canceled(bot, std::string(s.pos.oco_algo_id.view())));
        std::uint32_t idx = shm::slot_capacity;
        for (const auto& rec : bot.journal())
            if (rec.generation == s.generation && rec.pos.symbol.view() == s.pos.symbol.view())
                idx = rec.slot;
        REQUIRE(idx < shm::slot_capacity);
        CHECK(closes_sent(bot, idx, s.generation) == 1);
    }
    // Halted: nothing new opens.
    std::this_thread::sleep_for(3s);
    CHECK(bot.open_positions().empty());
}

TEST_CASE("scalpelctl exit with guard_proc stopped times out and withdraws the command",
          "[e2e][ctl]") {
    bot_fixture bot(options());
    const auto pos = wait_positions(bot, 1, 60s);
    REQUIRE(!pos.empty());
    REQUIRE(ctl(bot, {"halt"}).exit_code == 0);
    REQUIRE(bot.ctl({"stop", "guard_proc"}).exit_code == 0);
    const std::string symbol(pos[0].pos.symbol.view());
    const auto r = ctl(bot, {"exit", symbol, "--timeout", "2"});
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("withdrawn") != std::string::npos);
    // The guard comes back and does not act on the request the operator saw fail.
    REQUIRE(bot.ctl({"start", "guard_proc"}).exit_code == 0);
    REQUIRE(bot.wait_running("guard_proc", 20s));
    std::this_thread::sleep_for(2s);
    bool still_open = false;
    for (const auto& s : bot.open_positions())
        still_open = still_open || (s.generation == pos[0].generation &&
                                    s.pos.symbol.view() == pos[0].pos.symbol.view());
    CHECK(still_open);
    for (const auto& q : bot.sim_requests()) {
        shm::order_id_parts parts;
        CHECK_FALSE((q.kind == "place_order" && shm::parse_cl_ord_id(q.cl_ord_id, parts) &&
                     parts.what == shm::intent::close));
    }
}
