// scenario: the okx_sim + segment + signal_proc harness of the scenario tests. See the header.
#include "tests/signal_proc/scenario.hpp"

#include "tests/signal_proc/synthetic_market.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace scalpel::test {

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string regime_block(const std::string& name, const std::string& extra) {
    return "  " + name + ":\n    min_score: 3\n    rsi_oversold: 50\n    rsi_overbought: 100\n" +
           extra;
}

} // namespace

scenario::scenario(scenario_options o) {
    write_minutes_csv(dir_.path(), "synth", "BTC-USDT", synthetic_minutes(30000, 15000));
    write_minutes_csv(dir_.path(), "synth", "ETH-USDT", synthetic_minutes(2000, 15000));
    sim_ = std::make_unique<sim_process>(
        std::vector<std::string>{"--data-dir", dir_.path(), "--source", "synth", "--symbols",
                                 "BTC-USDT,ETH-USDT", "--speed", "1", "--history-bars", "3000"});
    seg_name_ = unique_name(o.segment_prefix);
    log_ = dir_.path() + "/signal_proc.log";
    write_config(o);
    if (o.stand_in_guard)
        start_stand_in_guard();
}

scenario::~scenario() {
    if (signal_)
        (void)signal_->kill_and_wait();
    if (guard_)
        (void)guard_->kill_and_wait();
    stop_guard();
    seg_.reset();
    shm::segment::remove(seg_name_);
}

void scenario::write_config(const scenario_options& o) {
    config_ = dir_.path() + "/scalpel.yaml";
    std::ofstream f(config_);
    f << "account: test\nlog_level: info\nsymbols: " << o.symbols << "\n"
      << "exchange:\n  target: sim\n  rest_url: http://127.0.0.1:" << sim_->port()
      << "\n  ws_url: ws://127.0.0.1:" << sim_->port() << "/ws/v5\n  request_timeout_s: 1\n"
      << o.exchange_extra << "segment:\n  name: " << seg_name_ << "\n  run_dir: " << dir_.path()
      << "\n  account_tag: sigtest\n"
      << "signal:\n  cycle_s: 1\n  order_timeout_s: 3\n"
      << o.signal_extra << "risk:\n"
      << (o.risk_extra.empty() ? std::string("  max_open_positions: 3\n") : o.risk_extra)
      << "entry:\n  timeframe: 5m\n"
      << o.entry_extra << "regimes:\n"
      << regime_block("trending", o.regime_extra) << regime_block("ranging", o.regime_extra)
      << regime_block("choppy", o.regime_extra);
    if (o.real_guard || !o.guard_extra.empty())
        f << "guard:\n" << o.guard_extra;
}

void scenario::start_stand_in_guard() {
    shm::open_options opts;
    opts.rundir = dir_.path();
    opts.account_tag = "sigtest";
    auto r = shm::segment::create_or_attach(seg_name_, shm::role::guard, opts);
    if (!r.ok())
        throw std::runtime_error("stand-in guard: " + r.message);
    guard_seg_ = std::move(r.seg);
    for (const char* sym : {"BTC-USDT", "ETH-USDT"}) {
        const auto idx = guard_seg_->register_symbol(sym);
        if (!idx.ok)
            throw std::runtime_error("stand-in guard: register_symbol");
        guard_seg_->set_feed_state(idx.index, shm::feed_state::live);
    }
    guard_seg_->set_status(shm::process_status::running);
    guard_seg_->heartbeat();
    guard_seg_->mark_reconciled(wall_now_ms());
    guard_thread_ = std::thread([this] {
        while (!guard_stop_.load()) {
            guard_seg_->heartbeat();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    });
}

void scenario::stop_guard() {
    guard_stop_ = true;
    if (guard_thread_.joinable())
        guard_thread_.join();
}

void scenario::start_signal() {
    if (signal_)
        (void)signal_->kill_and_wait();
    signal_ = std::make_unique<child_process>(
        std::vector<std::string>{SCALPEL_BINARY_DIR "/signal_proc/signal_proc", "--config",
                                 config_},
        log_,
        std::vector<std::string>{"SCALPEL_OKX_API_KEY=" + sim_key,
                                 "SCALPEL_OKX_SECRET=" + sim_secret,
                                 "SCALPEL_OKX_PASSPHRASE=" + sim_pass});
}

void scenario::start_guard() {
    if (guard_)
        (void)guard_->kill_and_wait();
    guard_ = std::make_unique<child_process>(
        std::vector<std::string>{SCALPEL_BINARY_DIR "/guard_proc/guard_proc", "--config", config_},
        dir_.path() + "/guard_proc.log",
        std::vector<std::string>{"SCALPEL_OKX_API_KEY=" + sim_key,
                                 "SCALPEL_OKX_SECRET=" + sim_secret,
                                 "SCALPEL_OKX_PASSPHRASE=" + sim_pass});
}

std::string scenario::guard_log() const {
    return read_all(dir_.path() + "/guard_proc.log");
}

void scenario::kill_signal(int sig) {
    if (!signal_)
        return;
    signal_->kill(sig);
    (void)signal_->wait_for(std::chrono::seconds(10));
}

std::string scenario::control(const std::string& path, const std::string& body) {
    const auto r =
        http_call(sim_->port(), "POST", path, body, {{"Content-Type", "application/json"}});
    if (r.status != 200)
        throw std::runtime_error(path + " -> " + std::to_string(r.status) + " " + r.body);
    return r.body;
}

simdjson::dom::element scenario::orders() {
    const auto r = http_call(sim_->port(), "GET", "/sim/orders");
    if (r.status != 200)
        throw std::runtime_error("/sim/orders -> " + std::to_string(r.status));
    orders_json_ = r.body;
    return parser_.parse(orders_json_);
}

std::string scenario::log() const {
    return read_all(log_);
}

std::vector<std::string> scenario::log_lines(const std::string& needle) const {
    std::vector<std::string> out;
    std::istringstream in(log());
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos)
            out.push_back(line);
    return out;
}

bool scenario::wait_log(const std::string& needle, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return log().find(needle) != std::string::npos; }, timeout);
}

shm::segment& scenario::seg() {
    if (!seg_) {
        shm::open_options opts;
        opts.rundir = dir_.path();
        auto r = shm::segment::attach_read_only(seg_name_, opts);
        if (!r.ok())
            throw std::runtime_error("attach " + seg_name_ + ": " + r.message);
        seg_ = std::move(r.seg);
    }
    return *seg_;
}

order_counts count_orders(simdjson::dom::element orders) {
    order_counts c;
    for (auto req : orders["requests"].get_array()) {
        const std::string_view kind = req["kind"].get_string().value();
        const std::string_view scode = req["sCode"].get_string().value();
        const bool ok = scode == "0";
        if (kind == "place_order")
            (ok ? c.place_orders : c.place_rejected)++;
        if (kind == "place_algo")
            (ok ? c.place_algos : c.algos_rejected)++;
    }
    for (auto a : orders["algos"].get_array())
        if (a["state"].get_string().value() == "live")
            ++c.live_algos;
    for (auto o : orders["orders"].get_array()) {
        if (o["state"].get_string().value() != "filled")
            continue;
        (o["side"].get_string().value() == "buy" ? c.filled_buys : c.filled_sells)++;
    }
    return c;
}

} // namespace scalpel::test
