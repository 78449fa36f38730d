// chaos_run: drive the whole bot through kills and faults, then audit the exchange. See
// chaos_run.hpp.
#include "tests/chaos/chaos_run.hpp"

#include "shm_layout/order_ids.hpp"
#include "tests/chaos/process_watch.hpp"
#include "tests/e2e/bot_fixture.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <stdexcept>
#include <thread>

namespace scalpel::chaos {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

// Entries come quickly from every regime (low min score, no trade caps, no loss cooldown); TP at
// 3 ATR, SL at 2 ATR and a low PH threshold put the PH trigger well inside the OCO, so a spike to
// ~55 % of the way to TP is a PH exit and a spike past TP/SL fires the OCO.
std::string chaos_yaml() {
    std::string y = "regimes:\n";
    for (const char* r : {"trending", "ranging", "choppy"})
        y += fmt::format(
            "  {}: {{min_score: 1, adx_min: 0, di_difference: 0, "
            "mtf_block_opposite: false, max_trades_per_hour: 1000, "
            "tp_atr_multiplier: 3, sl_atr_multiplier: 2, ph_threshold_usd: 0.1, "
            "volume_ratio_threshold: 0, ph_time_limit_s: 3600, max_holding_min: 120}}\n",
            r);
    return y + "risk: {max_open_positions: 5, max_consecutive_losses: 1000, cooldown_after_losses: "
               "100, "
               "daily_loss_limit_pct: 100, profit_lock_enabled: false}\n";
}

// The sim's WS private/business paths, for drops aimed at one channel kind.
constexpr const char* ws_paths[] = {"", "/ws/v5/private", "/ws/v5/public", "/ws/v5/business"};
// Order-affecting POSTs (placement, OCO placement, algo cancel) and the order lookup.
constexpr const char* post_paths[] = {"/api/v5/trade/order", "/api/v5/trade/order-algo",
                                      "/api/v5/trade/cancel-algos"};

struct open_position {
    std::string inst, side;
    double entry_px = 0, tp = 0, sl = 0;
};

enum class spike { tp, sl, ph };

double to_double(const std::string& s) {
    try {
        return s.empty() ? 0.0 : std::stod(s);
    } catch (...) {
        return 0.0;
    }
}

std::string key_of(const std::string& id, shm::intent& what) {
    shm::order_id_parts p;
    if (id.size() < 5 || !shm::parse_cl_ord_id(id, p))
        return {};
    what = p.what;
    return id.substr(0, id.size() - 4);
}

// Copies the run's logs, config and the simulator's records into `dir`.
void keep_run(e2e::bot_fixture& bot, const std::string& dir, const std::string& records) {
    namespace fs = std::filesystem;
    fs::create_directories(dir);
    std::ofstream(dir + "/sim_orders.json") << records;
    std::error_code ec;
    fs::copy(bot.run_dir() + "/logs", dir + "/logs",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing, ec);
    fs::copy_file(bot.run_dir() + "/scalpel.yaml", dir + "/scalpel.yaml",
                  fs::copy_options::overwrite_existing, ec);
}

class driver {
public:
    driver(const chaos_options& o, e2e::bot_fixture& bot, process_watch& watch)
        : opt_(o), bot_(bot), watch_(watch), rng_(o.seed) {}

    void warm_up() {
        say("waiting for the first entry (≤ {} s)", opt_.first_entry_timeout.count());
        poll(); // the bot may have entered before we looked: wait_row only sees newer rows
        for (const auto& r : rows_)
            if (is_entry_fill(r))
                return;
        if (!wait_row([&](const log_row& r) { return is_entry_fill(r); },
                      std::chrono::duration_cast<ms>(opt_.first_entry_timeout)))
            throw std::runtime_error(
                "no entry within the warm-up time: the config trades too little");
    }

    void chaos() {
        t0_ = std::chrono::steady_clock::now();
        auto next_progress = t0_ + 10s;
        while (result_.kills() < opt_.kills && elapsed() < opt_.max_chaos && !stopped()) {
            step();
            idle(ms(uniform(200, 800)));
            if (installed_rules_ > 6) { // unconsumed rules would pile up on quiet paths
                sim("/sim/faults/clear", "{}");
                installed_rules_ = 0;
            }
            if (std::chrono::steady_clock::now() >= next_progress) {
                next_progress = std::chrono::steady_clock::now() + 10s;
                say("t={:>4.0f}s kills {:>4} (guard {}, signal {}) entries {} closes {} open {}",
                    seconds(elapsed()), result_.kills(), result_.kills_guard, result_.kills_signal,
                    entries_, closes_, open_.size());
            }
        }
        result_.chaos_s = seconds(elapsed());
    }

    void settle() {
        say("chaos over after {:.0f} s ({} kills); settling {} s", result_.chaos_s, result_.kills(),
            opt_.settle.count());
        sim("/sim/faults/clear", "{}");
        sim("/sim/ws/refuse", R"({"ms":0})");
        sim("/sim/resume", "{}");
        paused_.clear();
        idle(std::chrono::duration_cast<ms>(opt_.settle));
    }

    chaos_result finish() {
        audit_options ao;
        ao.end_mono_ns = mono_now_ns();
        ao.guard_down = watch_.down(program::guard, ao.end_mono_ns);
        const auto r = bot_.sim("GET", "/sim/orders");
        sim_records records;
        if (r.status != 200 || !parse_sim_orders(r.body, records))
            throw std::runtime_error("cannot read the simulator's records: " +
                                     r.body.substr(0, 200));
        if (!opt_.keep_dir.empty())
            keep(r.body, ao);
        result_.audit = audit(records, ao);
        gap_stats(watch_.down(program::guard, ao.end_mono_ns), result_.guard_gap_median_ms,
                  result_.guard_gap_max_ms);
        gap_stats(watch_.down(program::signal, ao.end_mono_ns), result_.signal_gap_median_ms,
                  result_.signal_gap_max_ms);
        result_.unexpected_guard = watch_.unexpected_exits(program::guard);
        result_.unexpected_signal = watch_.unexpected_exits(program::signal);
        return std::move(result_);
    }

private:
    // Counts an action and logs it with its time, so a finding can be laid beside what was done.
    void act(const std::string& name) {
        ++result_.actions[name];
        action_log_ += fmt::format("{} {}\n", mono_now_ns(), name);
    }

    bool stopped() const { return opt_.stop && opt_.stop->load(); }

    static void gap_stats(const std::vector<interval>& down, double& median_ms, double& max_ms) {
        std::vector<double> gaps;
        for (const auto& d : down)
            gaps.push_back(static_cast<double>(d.to_ns - d.from_ns) / 1e6);
        if (gaps.empty())
            return;
        std::sort(gaps.begin(), gaps.end());
        median_ms = gaps[gaps.size() / 2];
        max_ms = gaps.back();
    }

    template <class... A> void say(fmt::format_string<A...> f, A&&... a) {
        if (opt_.progress)
            *opt_.progress << "chaos: " << fmt::format(f, std::forward<A>(a)...) << std::endl;
    }

    std::chrono::steady_clock::duration elapsed() const {
        return std::chrono::steady_clock::now() - t0_;
    }
    static double seconds(std::chrono::steady_clock::duration d) {
        return std::chrono::duration<double>(d).count();
    }
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

    test::http_response sim(const std::string& path, const std::string& body) {
        return bot_.sim("POST", path, body);
    }

    void fault(const std::string& body) {
        sim("/sim/fault", body);
        ++installed_rules_;
    }

    // ---- the exchange's records, incrementally -------------------------------------------------

    void poll() {
        const auto r = bot_.sim(
            "POST", "/sim/orders/since",
            fmt::format(R"({{"after_seq":{},"after_arrival":{}}})", after_seq_, after_arrival_));
        if (r.status != 200)
            return;
        const std::size_t first = rows_.size();
        if (!parse_orders_since(r.body, rows_, arrivals_))
            return;
        for (std::size_t i = first; i < rows_.size(); ++i) {
            after_seq_ = std::max(after_seq_, rows_[i].seq);
            track(rows_[i]);
        }
        if (!arrivals_.empty())
            after_arrival_ = std::max(after_arrival_, arrivals_.back().seq);
    }

    static bool is_entry_fill(const log_row& r) {
        shm::intent what{};
        return r.kind == "place_order" && r.s_code == "0" && r.state == "filled" &&
               !key_of(r.cl_ord_id, what).empty() && what == shm::intent::entry;
    }

    static bool is_close_fill(const log_row& r) {
        shm::intent what{};
        if (r.kind == "algo_trigger")
            return r.s_code == "0";
        return r.kind == "place_order" && r.s_code == "0" && r.state == "filled" &&
               !key_of(r.cl_ord_id, what).empty() && what == shm::intent::close;
    }

    // Keeps the set of open positions (and their OCO levels) current, for aiming spikes.
    void track(const log_row& r) {
        shm::intent what{};
        if (is_entry_fill(r)) {
            const std::string key = key_of(r.cl_ord_id, what);
            open_[key] = {r.inst_id, r.side, last_price(r.inst_id), 0, 0};
            ++entries_;
        } else if (r.kind == "place_algo" && r.s_code == "0") {
            const std::string key = key_of(r.algo_cl_ord_id, what);
            if (auto it = open_.find(key); it != open_.end()) {
                it->second.tp = to_double(r.tp_trigger_px);
                it->second.sl = to_double(r.sl_trigger_px);
            }
        } else if (is_close_fill(r)) {
            const std::string key =
                key_of(r.kind == "algo_trigger" ? r.algo_cl_ord_id : r.cl_ord_id, what);
            open_.erase(key);
            ++closes_;
        }
    }

    template <class Pred> bool wait_row(Pred pred, ms timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        poll();
        std::size_t seen = rows_.size();
        while (std::chrono::steady_clock::now() < deadline) {
            poll();
            for (; seen < rows_.size(); ++seen)
                if (pred(rows_[seen]))
                    return true;
            resume_due();
            std::this_thread::sleep_for(4ms);
        }
        return false;
    }

    template <class Pred> bool wait_arrival(Pred pred, ms timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::size_t seen = arrivals_.size();
        while (std::chrono::steady_clock::now() < deadline) {
            poll();
            for (; seen < arrivals_.size(); ++seen)
                if (pred(arrivals_[seen]))
                    return true;
            resume_due();
            std::this_thread::sleep_for(4ms);
        }
        return false;
    }

    void idle(ms d) {
        const auto until = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < until) {
            poll();
            resume_due();
            std::this_thread::sleep_for(50ms);
        }
    }

    // ---- market ---------------------------------------------------------------------------------

    double last_price(const std::string& inst) {
        const auto r = bot_.sim("GET", "/sim/state");
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        simdjson::dom::array syms;
        if (r.status != 200 || parser.parse(r.body).get(doc) ||
            doc["symbols"].get_array().get(syms))
            return 0;
        for (auto s : syms) {
            std::string_view id, last;
            if (!s["instId"].get_string().get(id) && id == inst &&
                !s["last"].get_string().get(last))
                return to_double(std::string(last));
        }
        return 0;
    }

    void set_price(const std::string& inst, double px) {
        sim("/sim/price", fmt::format(R"({{"instId":"{}","last":"{:.6f}"}})", inst, px));
        paused_[inst] = std::chrono::steady_clock::now() + ms(uniform(700, 1500));
    }

    void resume_due() {
        const auto now = std::chrono::steady_clock::now();
        for (auto it = paused_.begin(); it != paused_.end();) {
            if (it->second <= now) {
                sim("/sim/resume", fmt::format(R"({{"instId":"{}"}})", it->first));
                it = paused_.erase(it);
            } else {
                ++it;
            }
        }
    }

    // A random open position, mostly one with an OCO: a position the bot lost track of (no OCO,
    // never closed) would otherwise soak up every spike.
    const open_position* pick_position() {
        poll();
        std::vector<const open_position*> with_oco, all;
        for (const auto& [key, p] : open_) {
            all.push_back(&p);
            if (p.tp > 0)
                with_oco.push_back(&p);
        }
        const auto& from = !with_oco.empty() && chance(0.85) ? with_oco : all;
        if (from.empty())
            return nullptr;
        return from[static_cast<std::size_t>(uniform(0, static_cast<int>(from.size()) - 1))];
    }

    // Moves the price of `p` through its TP, its SL, or past its PH trigger (short of TP).
    void spike_through(const open_position& p, spike what) {
        const bool is_long = p.side == "buy";
        const double entry = p.entry_px > 0 ? p.entry_px : last_price(p.inst);
        const double tp = p.tp > 0 ? p.tp : entry * (is_long ? 1.01 : 0.99);
        const double sl = p.sl > 0 ? p.sl : entry * (is_long ? 0.99 : 1.01);
        double px = entry + 0.55 * (tp - entry);
        if (what == spike::tp)
            px = tp * (is_long ? 1.001 : 0.999);
        else if (what == spike::sl)
            px = sl * (is_long ? 0.999 : 1.001);
        set_price(p.inst, px);
    }

    // ---- kills ----------------------------------------------------------------------------------

    bool kill(program p) {
        if (!watch_.wait_up(p, 3s))
            return false;
        if (!watch_.kill(p))
            return false;
        (p == program::guard ? result_.kills_guard : result_.kills_signal)++;
        return true;
    }

    // guard, signal or both, with the given weights.
    void kill_some(int w_guard, int w_signal, int w_both, const char* why) {
        const int r = uniform(1, w_guard + w_signal + w_both);
        if (r <= w_guard) {
            kill(program::guard);
            act(fmt::format("{}: kill guard", why));
        } else if (r <= w_guard + w_signal) {
            kill(program::signal);
            act(fmt::format("{}: kill signal", why));
        } else {
            const bool guard_first = chance(0.5);
            kill(guard_first ? program::guard : program::signal);
            kill(guard_first ? program::signal : program::guard);
            act(fmt::format("{}: kill both", why));
        }
    }

    void sleep_ms(int lo, int hi) { std::this_thread::sleep_for(ms(uniform(lo, hi))); }

    // ---- one chaos step -------------------------------------------------------------------------

    void step() {
        struct action {
            int weight;
            bool enabled;
            std::function<void()> run;
        };
        const bool t = opt_.targeted_kills;
        const action actions[] = {
            {26, true, [&] { kill_some(2, 2, 1, "random"); }},
            {14, t, [&] { kill_after_entry(); }},
            {9, t, [&] { kill_during_oco_placement(); }},
            {9, t, [&] { kill_after_ph_verdict(); }},
            {8, t, [&] { kill_after_close_fill(); }},
            {8, t, [&] { kill_during_cancel(); }},
            {10, true, [&] { price_spike(); }},
            {4, opt_.ws_faults, [&] { ws_drop(); }},
            {3, opt_.ws_faults, [&] { ws_refuse(); }},
            {8, opt_.rest_faults, [&] { rest_fault(); }},
            {6, opt_.late_requests, [&] { late_requests(); }},
        };
        int total = 0;
        for (const auto& a : actions)
            total += a.enabled ? a.weight : 0;
        int r = uniform(1, total);
        for (const auto& a : actions) {
            if (!a.enabled)
                continue;
            if ((r -= a.weight) <= 0) {
                a.run();
                return;
            }
        }
    }

    void kill_after_entry() {
        if (!wait_row([](const log_row& r) { return is_entry_fill(r); }, 5s))
            return kill_some(1, 1, 0, "no entry came");
        sleep_ms(0, 60);
        kill_some(15, 60, 25, "after entry fill");
    }

    // The OCO placement is held 60–300 ms on the exchange; signal_proc dies meanwhile.
    void kill_during_oco_placement() {
        fault(fmt::format(R"({{"path_prefix":"/api/v5/trade/order-algo","method":"POST",)"
                          R"("mode":"delay","delay_ms":{}}})",
                          uniform(60, 300)));
        if (!wait_arrival([](const arrival_row& a) { return a.path == "/api/v5/trade/order-algo"; },
                          5s))
            return kill_some(1, 1, 0, "no OCO placement came");
        sleep_ms(0, 40);
        kill_some(0, 70, 30, "during OCO placement");
    }

    // A spike past the PH trigger, then the guard dies 0–15 ms later: between verdict and order.
    void kill_after_ph_verdict() {
        const auto* p = pick_position();
        if (!p)
            return kill_some(1, 1, 0, "no position for PH");
        spike_through(*p, spike::ph);
        sleep_ms(0, 15);
        kill_some(80, 0, 20, "after PH spike");
    }

    // A close fills (PH, TP or SL); the guard dies before it has cancelled the OCO / recorded.
    void kill_after_close_fill() {
        const auto* p = pick_position();
        if (!p)
            return kill_some(1, 1, 0, "no position to close");
        const int w = uniform(1, 4);
        spike_through(*p, w <= 2 ? spike::ph : (w == 3 ? spike::tp : spike::sl));
        if (!wait_row([](const log_row& r) { return is_close_fill(r); }, 5s))
            return kill_some(1, 0, 0, "no close fill came");
        sleep_ms(0, 30);
        kill_some(60, 20, 20, "after close fill");
    }

    // The OCO cancel is held 100–600 ms on the exchange; the guard dies meanwhile.
    void kill_during_cancel() {
        fault(fmt::format(R"({{"path_prefix":"/api/v5/trade/cancel-algos","method":"POST",)"
                          R"("mode":"delay","delay_ms":{}}})",
                          uniform(100, 600)));
        const auto* p = pick_position();
        if (p)
            spike_through(*p, spike::ph);
        if (!wait_arrival(
                [](const arrival_row& a) { return a.path == "/api/v5/trade/cancel-algos"; }, 6s))
            return kill_some(1, 0, 0, "no cancel came");
        sleep_ms(0, 50);
        kill_some(70, 0, 30, "during OCO cancel");
    }

    void price_spike() {
        const auto* p = pick_position();
        if (!p)
            return;
        const int w = uniform(1, 3);
        spike_through(*p, w == 1 ? spike::tp : (w == 2 ? spike::sl : spike::ph));
        act(w == 1 ? "spike through TP" : (w == 2 ? "spike through SL" : "spike to PH"));
    }

    void ws_drop() {
        const char* path = ws_paths[uniform(0, 3)];
        const bool frame = chance(0.5);
        sim("/sim/ws/drop", *path ? fmt::format(R"({{"close_frame":{},"path":"{}"}})", frame, path)
                                  : fmt::format(R"({{"close_frame":{}}})", frame));
        act("ws drop");
    }

    void ws_refuse() {
        sim("/sim/ws/refuse", fmt::format(R"({{"ms":{}}})", uniform(1000, 4000)));
        sim("/sim/ws/drop", R"({"close_frame":false})");
        act("ws refuse 1-4 s");
    }

    void rest_fault() {
        const char* path = post_paths[uniform(0, 2)];
        switch (uniform(0, 3)) {
        case 0:
            fault(fmt::format(R"({{"path_prefix":"{}","method":"POST","mode":"fail","count":{}}})",
                              path, uniform(1, 3)));
            act("rest fail");
            break;
        case 1:
            fault(
                fmt::format(R"({{"path_prefix":"{}","method":"POST","mode":"apply_fail"}})", path));
            act("rest apply_fail");
            break;
        case 2:
            fault(fmt::format(R"({{"path_prefix":"{}","method":"POST","mode":"hang"}})", path));
            act("rest hang");
            break;
        default:
            fault(fmt::format(
                R"({{"path_prefix":"{}","method":"POST","mode":"delay","delay_ms":{}}})", path,
                uniform(50, 800)));
            act("rest delay 50-800 ms");
            break;
        }
    }

    // Requests that reach the exchange 5.5–8 s late, after the client's 5 s timeout.
    void late_requests() {
        fault(fmt::format(
            R"({{"path_prefix":"{}","method":"POST","mode":"delay","delay_ms":{},"count":{}}})",
            post_paths[uniform(0, 2)], uniform(5500, 8000), uniform(1, 2)));
        act("late 5.5-8 s");
    }

    void keep(const std::string& records, const audit_options& ao) {
        keep_run(bot_, opt_.keep_dir, records);
        std::ofstream(opt_.keep_dir + "/actions.txt") << action_log_;
        std::ofstream down(opt_.keep_dir + "/guard_down.txt");
        down << ao.end_mono_ns << "\n";
        for (const auto& d : ao.guard_down)
            down << d.from_ns << " " << d.to_ns << "\n";
    }

    const chaos_options& opt_;
    e2e::bot_fixture& bot_;
    process_watch& watch_;
    std::mt19937_64 rng_;
    chaos_result result_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    std::vector<log_row> rows_;
    std::vector<arrival_row> arrivals_;
    std::int64_t after_seq_ = 0, after_arrival_ = 0;
    std::map<std::string, open_position> open_;
    std::map<std::string, std::chrono::steady_clock::time_point> paused_;
    int entries_ = 0, closes_ = 0, installed_rules_ = 0;
    std::string action_log_; // "<mono ns> <action>" lines
};

} // namespace

chaos_result run_chaos(const chaos_options& options) {
    const auto start = std::chrono::steady_clock::now();
    e2e::bot_options bo;
    bo.extra_yaml = chaos_yaml();
    // Five pairs trade more often than two; base balances let the strategy open SHORTs too.
    bo.symbols = "[BTC-USDT, ETH-USDT, SOL-USDT, XRP-USDT, DOGE-USDT]";
    bo.sim_args = fmt::format("--random-walk --seed {} --speed 1 --ticks-per-bar 300 "
                              "--symbols BTC-USDT,ETH-USDT,SOL-USDT,XRP-USDT,DOGE-USDT "
                              "--balance USDT=40000,BTC=0.5,ETH=8,SOL=100,XRP=20000,DOGE=100000",
                              options.seed);
    bo.guard_standbys = options.guard_standbys;
    // Kills come every 0.2–0.8 s: under run.sh's crash-loop policy (a process must live 3 s, 5
    // retries) supervisord would declare a twice-killed program FATAL and the run would test an
    // idle bot. The chaos tests what the bot does when supervisord restarts it, so it always does.
    ::setenv("SCALPEL_STARTSECS", "1", 0);
    ::setenv("SCALPEL_STARTRETRIES", "1000", 0);
    e2e::bot_fixture bot(bo);
    process_watch watch(
        bot.run_dir() + "/supervisord.pid",
        shm::segment::role_lock_path(bot.run_dir(), bot.segment_name(), shm::role::guard));
    driver d(options, bot, watch);
    try {
        d.warm_up();
        d.chaos();
        d.settle();
    } catch (...) {
        if (!options.keep_dir.empty())
            keep_run(bot, options.keep_dir, bot.sim("GET", "/sim/orders").body);
        throw;
    }
    auto result = d.finish();
    result.total_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

chaos_result reaudit(const std::string& dir) {
    std::ifstream in(dir + "/sim_orders.json", std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    sim_records records;
    if (!parse_sim_orders(body, records))
        throw std::runtime_error(dir + "/sim_orders.json: not the simulator's records");
    std::ifstream down(dir + "/guard_down.txt");
    audit_options ao;
    if (!(down >> ao.end_mono_ns))
        throw std::runtime_error(dir + "/guard_down.txt: missing");
    interval d;
    while (down >> d.from_ns >> d.to_ns)
        ao.guard_down.push_back(d);
    chaos_result r;
    r.audit = audit(records, ao);
    return r;
}

void print_summary(std::ostream& out, const chaos_result& r, std::size_t max_findings) {
    const auto& a = r.audit;
    out << fmt::format("\nchaos summary: {} kills (guard {}, signal {}) in {:.0f} s of chaos, "
                       "{:.0f} s total; unexpected exits: guard {}, signal {}\n",
                       r.kills(), r.kills_guard, r.kills_signal, r.chaos_s, r.total_s,
                       r.unexpected_guard, r.unexpected_signal);
    out << fmt::format("no-process gaps after a kill: guard median {:.0f} ms, max {:.0f} ms; "
                       "signal median {:.0f} ms, max {:.0f} ms\n",
                       r.guard_gap_median_ms, r.guard_gap_max_ms, r.signal_gap_median_ms,
                       r.signal_gap_max_ms);
    out << fmt::format("positions {} (closed {}, open with a live OCO {}, open < 10 s old {})\n",
                       a.positions, a.closed, a.open_protected, a.young_open);
    const std::pair<const char*, std::string> rows[] = {
        {"double closes (>= 2 close fills)", std::to_string(a.double_closes)},
        {"close size != entry size", std::to_string(a.size_mismatches)},
        {"positions with > 1 live OCO", std::to_string(a.multi_oco)},
        {"unprotected >= 1 s (no guard, no OCO)", std::to_string(a.unprotected)},
        {"orphan OCOs (> 3 s after close)", std::to_string(a.orphan_ocos)},
        {"lost positions", std::to_string(a.lost)},
        {"duplicate entries", std::to_string(a.duplicate_entries)},
        {"max unprotected time", fmt::format("{:.0f} ms", a.max_unprotected_ns / 1e6)},
        {"max orphan OCO life after close", fmt::format("{:.1f} s", a.max_orphan_ns / 1e9)},
        {"OCOs landing after their close (late)", std::to_string(a.late_ocos)},
        {"max life of a late OCO", fmt::format("{:.0f} ms", a.max_late_oco_live_ns / 1e6)},
        {"max overlap of two live OCOs", fmt::format("{:.1f} s", a.max_two_oco_ns / 1e9)},
        {"orders with foreign ids", std::to_string(a.foreign_orders)},
    };
    out << fmt::format("{:-<48}\n", "");
    for (const auto& [name, value] : rows)
        out << fmt::format("{:<38} {:>9}\n", name, value);
    out << fmt::format("{:-<48}\n", "");
    out << "actions:\n";
    for (const auto& [name, n] : r.actions)
        out << fmt::format("  {:<40} {:>5}\n", name, n);
    out << "rejected requests (kind/intent sCode):\n";
    for (const auto& [name, n] : a.rejects)
        out << fmt::format("  {:<40} {:>5}\n", name, n);
    out << "failures by mechanism (audit: pattern in the records):\n";
    for (const auto& [name, n] : a.mechanisms)
        out << fmt::format("  {:<70} {:>5}\n", name, n);
    out << fmt::format("findings ({}):\n", a.findings.size());
    for (std::size_t i = 0; i < a.findings.size() && i < max_findings; ++i)
        out << "  " << a.findings[i] << "\n";
}

} // namespace scalpel::chaos
