// sim_rig: see sim_rig.hpp.
#include "tests/guard_proc/sim_rig.hpp"

#include "shm_layout/order_ids.hpp"
#include "strategy/money.hpp"

#include <simdjson.h>

#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace scalpel::test {

using namespace std::chrono_literals;

std::string http_request(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return {};
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    std::ostringstream req;
    req << method << ' ' << target
        << " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        << "Content-Length: " << body.size() << "\r\nConnection: close\r\n\r\n"
        << body;
    const std::string out = req.str();
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
        ::close(fd);
        return {};
    }
    std::string resp;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        resp.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    const auto p = resp.find("\r\n\r\n");
    return p == std::string::npos ? std::string{} : resp.substr(p + 4);
}

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string bin(const char* rel) {
    return std::string(SCALPEL_BINARY_DIR) + rel;
}

} // namespace

sim_rig::sim_rig(std::string extra_guard_yaml) {
    seg_name_ = unique_name("scalpel.gsim");
    sim_log_ = dir_.path() + "/sim.log";
    guard_log_ = dir_.path() + "/guard.log";
    sim_ = std::make_unique<child_process>(
        std::vector<std::string>{bin("/okx_sim/okx_sim"), "--port", "0", "--random-walk", "--seed",
                                 "7", "--speed", "1", "--symbols", "BTC-USDT,ETH-USDT",
                                 "--history-bars", "300", "--log-level", "warn"},
        sim_log_);
    const bool up = wait_until(
        [&] {
            const std::string log = slurp(sim_log_);
            const auto p = log.find("okx_sim listening on 127.0.0.1:");
            if (p == std::string::npos)
                return false;
            port_ = static_cast<std::uint16_t>(std::stoi(log.substr(p + 31)));
            return port_ != 0;
        },
        10s);
    if (!up)
        throw std::runtime_error("okx_sim did not start: " + slurp(sim_log_));

    shm::open_options o;
    o.rundir = dir_.path();
    o.account_tag = "gt";
    auto opened = shm::segment::create_or_attach(seg_name_, shm::role::signal, o);
    if (!opened.ok())
        throw std::runtime_error("segment: " + opened.message);
    seg_ = std::move(opened.seg);
    seg_->set_status(shm::process_status::running);
    auto params = shm::default_params(scalpel::regime::ranging);
    if (!seg_->publish_params(params).ok())
        throw std::runtime_error("publish_params");

    config_path_ = dir_.path() + "/scalpel.yaml";
    std::ofstream cfg(config_path_);
    cfg << "account: gtest\nlog_level: info\nsymbols: [BTC-USDT]\n"
        << "exchange:\n  target: sim\n  rest_url: http://127.0.0.1:" << port_
        << "\n  ws_url: ws://127.0.0.1:" << port_ << "/ws/v5\n"
        << "segment:\n  name: " << seg_name_ << "\n  run_dir: " << dir_.path()
        << "\n  account_tag: gt\n"
        << "guard:\n  reconcile_s: 1\n  rest_poll_s: 0.2\n  stale_feed_s: 2\n  heartbeat_ms: 50\n"
        << extra_guard_yaml;
    cfg.close();

    net_client::credentials creds{"sim-key", "sim-secret", "sim-pass"};
    rest_ = std::make_unique<net_client::rest_session>(net_client::endpoint_config::loopback(port_),
                                                       creds);
}

sim_rig::~sim_rig() {
    guard_.reset();
    sim_.reset();
    seg_.reset();
    shm::segment::remove(seg_name_);
}

std::string sim_rig::sim(const std::string& path, const std::string& body) {
    return http_request(port_, "POST", path, body);
}

void sim_rig::set_price(const std::string& inst, double last) {
    char body[160];
    std::snprintf(body, sizeof body, "{\"instId\":\"%s\",\"last\":\"%.1f\"}", inst.c_str(), last);
    const std::string r = sim("/sim/price", body);
    if (r.find("\"ok\":true") == std::string::npos)
        throw std::runtime_error("/sim/price: " + r);
}

seeded_position sim_rig::buy_entry(const std::string& inst, double base) {
    shm::position intent;
    intent.symbol = std::string_view(inst);
    intent.pos_side = scalpel::side::long_side;
    intent.regime_at_entry = scalpel::regime::ranging;
    const auto d = shm::default_params(scalpel::regime::ranging);
    intent.ph_enabled = 1;
    intent.ph_threshold_usd = d.ph_threshold_usd;
    intent.ph_time_limit_s = static_cast<std::uint32_t>(d.ph_time_limit_s);
    intent.max_hold_s = static_cast<std::uint32_t>(d.max_hold_s);
    const auto reserved = seg_->reserve_slot(intent);
    if (reserved.status != shm::slot_result::ok)
        throw std::runtime_error("reserve_slot");
    auto& c = rest_->client();
    okx::place_order_req buy;
    buy.inst_id = inst;
    buy.side = order_side::buy;
    buy.sz = decimal::floor_to(base, decimal(1, 8));
    buy.tgt_ccy = okx::tgt_ccy::base_ccy;
    const std::string entry_id(reserved.entry_cl_ord_id.view());
    buy.cl_ord_id = entry_id;
    const auto ack = rest_->run(c.place_order(buy));
    if (!ack.ok())
        throw std::runtime_error(std::string("entry: ") + std::string(ack.err.message.view()));
    const auto fill = rest_->run(c.order(inst, std::string(ack.value.ord_id.view())));
    if (!fill.ok() || fill.value.state != okx::order_state::filled)
        throw std::runtime_error("entry not filled");
    const okx::order_detail& o = fill.value;
    const double px = o.avg_px.to_double();
    const auto ccy = strategy::classify_fee_ccy(o.fee_ccy.view(), inst); // a buyer pays in base
    shm::position pos = intent;
    pos.entry_ord_id = o.ord_id.view();
    pos.entry_price = px;
    pos.size = strategy::held_after_fee(o.acc_fill_sz.to_double(), o.fee.to_double(), ccy);
    pos.entry_fee_usd = strategy::fee_cost_quote(o.fee.to_double(), ccy, px);
    pos.entry_time_ms = wall_now_ms();
    return {reserved.ref, pos};
}

seeded_position sim_rig::open_long_unprotected(const std::string& inst, double base, double atr,
                                               std::int64_t age_ms) {
    auto [ref, pos] = buy_entry(inst, base);
    pos.atr = atr;
    pos.entry_time_ms = wall_now_ms() - age_ms;
    if (seg_->publish_open(ref, pos) != shm::slot_result::ok)
        throw std::runtime_error("publish_open");
    return {ref, pos};
}

seeded_position sim_rig::open_short_unprotected(const std::string& inst, double base, double atr,
                                                std::int64_t age_ms) {
    const std::string coin = inst.substr(0, inst.find('-'));
    const std::string r = sim("/sim/balance", "{\"ccy\":\"" + coin + "\",\"amount\":\"1\"}");
    if (r.find("\"ok\":true") == std::string::npos)
        throw std::runtime_error("/sim/balance: " + r);
    shm::position intent;
    intent.symbol = std::string_view(inst);
    intent.pos_side = scalpel::side::short_side;
    intent.regime_at_entry = scalpel::regime::ranging;
    const auto d = shm::default_params(scalpel::regime::ranging);
    intent.ph_enabled = 0; // only the exchange-side OCO may close it
    intent.ph_threshold_usd = d.ph_threshold_usd;
    intent.ph_time_limit_s = static_cast<std::uint32_t>(d.ph_time_limit_s);
    intent.max_hold_s = static_cast<std::uint32_t>(d.max_hold_s);
    const auto reserved = seg_->reserve_slot(intent);
    if (reserved.status != shm::slot_result::ok)
        throw std::runtime_error("reserve_slot");
    okx::place_order_req sell;
    sell.inst_id = inst;
    sell.side = order_side::sell;
    sell.sz = decimal::floor_to(base, decimal(1, 8));
    sell.tgt_ccy = okx::tgt_ccy::base_ccy;
    const std::string entry_id(reserved.entry_cl_ord_id.view());
    sell.cl_ord_id = entry_id;
    auto& c = rest_->client();
    const auto ack = rest_->run(c.place_order(sell));
    if (!ack.ok())
        throw std::runtime_error(std::string("entry: ") + std::string(ack.err.message.view()));
    const auto fill = rest_->run(c.order(inst, std::string(ack.value.ord_id.view())));
    if (!fill.ok() || fill.value.state != okx::order_state::filled)
        throw std::runtime_error("entry not filled");
    shm::position pos = intent;
    pos.entry_ord_id = fill.value.ord_id.view();
    pos.entry_price = fill.value.avg_px.to_double();
    pos.size = fill.value.acc_fill_sz.to_double(); // a seller's fee is in USDT: the size stays
    pos.entry_fee_usd = strategy::fee_cost_quote(fill.value.fee.to_double(),
                                                 fill.value.fee_ccy.view(), inst, pos.entry_price);
    pos.atr = atr;
    pos.entry_time_ms = wall_now_ms() - age_ms;
    if (seg_->publish_open(reserved.ref, pos) != shm::slot_result::ok)
        throw std::runtime_error("publish_open");
    return {reserved.ref, pos};
}

seeded_position sim_rig::open_long(const std::string& inst, double base, double tp, double sl) {
    auto [ref, pos] = buy_entry(inst, base);
    auto& c = rest_->client();
    pos.tp_price = tp;
    pos.sl_price = sl;
    const auto att = seg_->next_attempt(ref, shm::intent::oco);
    okx::algo_order_req oco;
    oco.inst_id = inst;
    oco.side = order_side::sell;
    oco.sz = decimal::floor_to(pos.size, decimal(1, 8));
    oco.has_tp = oco.has_sl = true;
    oco.tp_trigger_px = decimal::round_to(tp, decimal(1, 1));
    oco.sl_trigger_px = decimal::round_to(sl, decimal(1, 1));
    const std::string algo_cl(att.cl_ord_id.view());
    oco.algo_cl_ord_id = algo_cl;
    const auto placed = rest_->run(c.place_algo(oco));
    if (!placed.ok())
        throw std::runtime_error(std::string("oco: ") + std::string(placed.err.message.view()));
    pos.oco_algo_id = placed.value.algo_id.view();
    pos.oco_algo_cl_ord_id = std::string_view(algo_cl);
    if (seg_->publish_open(ref, pos) != shm::slot_result::ok)
        throw std::runtime_error("publish_open");
    return {ref, pos};
}

std::unique_ptr<shm::segment> sim_rig::open_role(shm::role who) {
    shm::open_options o;
    o.rundir = dir_.path();
    auto opened = shm::segment::create_or_attach(seg_name_, who, o);
    if (!opened.ok())
        throw std::runtime_error("segment: " + opened.message);
    return std::move(opened.seg);
}

void sim_rig::start_guard() {
    guard_ = std::make_unique<child_process>(
        std::vector<std::string>{bin("/guard_proc/guard_proc"), "--config", config_path_},
        guard_log_);
}

void sim_rig::wait_guard_ready(const std::string& inst) {
    const bool ok = wait_until(
        [&] {
            if (!guard_->running())
                return false;
            const auto l = seg_->liveness(shm::role::guard);
            if (l.status != shm::process_status::running || l.pid != guard_->pid())
                return false;
            const auto idx = seg_->find_symbol(inst);
            if (!idx.ok)
                return false;
            const auto p = seg_->read_price(idx.index);
            return p.status == shm::price_status::ok && p.age_ns < 1'000'000'000;
        },
        15s);
    if (!ok)
        throw std::runtime_error("guard_proc not ready:\n" + slurp(guard_log_));
    std::this_thread::sleep_for(600ms); // private/business sockets log in and subscribe
}

void sim_rig::kill_guard() {
    if (guard_)
        guard_->kill_and_wait();
}

int sim_rig::stop_guard() {
    if (!guard_)
        return -1;
    guard_->kill(SIGTERM);
    const auto st = guard_->wait_for(10s);
    if (!st || !WIFEXITED(*st))
        return -1;
    return WEXITSTATUS(*st);
}

order_log_summary sim_rig::orders() {
    const std::string body = http_request(port_, "GET", "/sim/orders");
    order_log_summary s;
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    if (p.parse(body).get(doc) != simdjson::SUCCESS)
        throw std::runtime_error("/sim/orders: " + body);
    for (auto o : doc["orders"].get_array()) {
        const std::string_view side = o["side"].get_string().value_unsafe();
        const std::string_view state = o["state"].get_string().value_unsafe();
        std::string_view cl, algo;
        if (o["clOrdId"].get_string().get(cl) != simdjson::SUCCESS)
            cl = {};
        if (o["algoId"].get_string().get(algo) != simdjson::SUCCESS)
            algo = {};
        if (state == "filled")
            (side == "sell" ? s.filled_sells : s.filled_buys)++;
        shm::order_id_parts parts;
        if (shm::parse_cl_ord_id(cl, parts) && parts.what == shm::intent::close)
            ++s.bot_close_orders;
        if (!algo.empty())
            ++s.child_orders;
    }
    for (auto a : doc["algos"].get_array()) {
        const std::string_view state = a["state"].get_string().value_unsafe();
        if (state == "live")
            ++s.algos_live;
        else if (state == "canceled")
            ++s.algos_canceled;
        else if (state == "effective")
            ++s.algos_effective;
        else if (state == "order_failed")
            ++s.algos_failed;
    }
    for (auto r : doc["requests"].get_array()) {
        std::string_view kind, cl;
        if (r["kind"].get_string().get(kind) != simdjson::SUCCESS)
            kind = {};
        if (r["clOrdId"].get_string().get(cl) != simdjson::SUCCESS)
            cl = {};
        shm::order_id_parts parts;
        if (kind == "place_order" && s.close_recv_mono_ns == 0 && shm::parse_cl_ord_id(cl, parts) &&
            parts.what == shm::intent::close) {
            std::int64_t v = 0;
            if (r["recv_mono_ns"].get_int64().get(v) == simdjson::SUCCESS)
                s.close_recv_mono_ns = v;
            else {
                std::string_view txt;
                if (r["recv_mono_ns"].get_string().get(txt) == simdjson::SUCCESS)
                    s.close_recv_mono_ns = std::stoll(std::string(txt));
            }
        }
    }
    return s;
}

double sim_rig::balance(const std::string& ccy) {
    const auto b = rest_->run(rest_->client().balance(ccy));
    if (!b.ok())
        throw std::runtime_error("balance");
    for (const auto& d : b.value.details)
        if (d.ccy.view() == ccy)
            return d.cash_bal.to_double();
    return 0;
}

bool sim_rig::wait_journal(std::uint64_t n, std::chrono::milliseconds timeout) {
    return wait_until([&] { return seg_->journal_head() >= n; }, timeout);
}

} // namespace scalpel::test
