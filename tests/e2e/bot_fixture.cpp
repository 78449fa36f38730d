// bot_fixture: supervisord-run bot for end-to-end tests. See bot_fixture.hpp.
#include "tests/e2e/bot_fixture.hpp"

#include <simdjson.h>

#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace scalpel::e2e {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Calls `row` with a string getter for each object of the top-level array `key` of a /sim/orders
// reply; returns false when the reply is not that shape.
template <class Row> bool for_each_row(const std::string& body, const char* key, Row row) {
    simdjson::ondemand::parser parser;
    simdjson::padded_string json(body);
    simdjson::ondemand::document doc;
    simdjson::ondemand::array rows;
    if (parser.iterate(json).get(doc) || doc[key].get_array().get(rows))
        return false;
    for (auto item : rows) {
        simdjson::ondemand::object o;
        if (item.get_object().get(o))
            continue;
        auto str = [&](const char* field, std::string& dst) {
            std::string_view v;
            if (!o[field].get_string().get(v))
                dst = std::string(v);
        };
        row(o, str);
    }
    return true;
}

} // namespace

bot_fixture::bot_fixture(bot_options options) {
    port_ = test::free_tcp_port();
    segment_ = test::unique_name("scalpel.e2e");
    const std::string config = dir_.path() + "/scalpel.yaml";
    {
        std::ofstream out(config);
        out << fmt::format(R"(account: e2e
log_level: debug
symbols: {3}
exchange:
  target: sim
  rest_url: http://127.0.0.1:{0}
  ws_url: ws://127.0.0.1:{0}/ws/v5
segment:
  name: {1}
  run_dir: {2}
  account_tag: e2e
signal:
  cycle_s: 1
guard:
  reconcile_s: 2
  rest_poll_s: 0.5
  stale_feed_s: 1.5
)",
                           port_, segment_, dir_.path(), options.symbols)
            << options.extra_yaml << "\n";
    }
    const std::string sim_args =
        fmt::format("--host 127.0.0.1 --port {} {}", port_, options.sim_args);
    std::vector<std::string> render_argv{"/bin/bash",
                                         std::string(SCALPEL_SOURCE_DIR) +
                                             "/deploy/render_supervisord.sh",
                                         dir_.path(),
                                         config,
                                         SCALPEL_BINARY_DIR,
                                         "--sim",
                                         sim_args};
    if (options.guard_standbys > 0) {
        render_argv.emplace_back("--guard-standby");
        render_argv.emplace_back(std::to_string(options.guard_standbys));
    }
    auto render = test::run_capture(render_argv);
    if (render.exit_code != 0)
        throw std::runtime_error("render_supervisord failed: " + render.output);
    conf_ = dir_.path() + "/supervisord.conf";
    auto started = test::run_capture({"/usr/bin/supervisord", "-c", conf_});
    if (started.exit_code != 0)
        throw std::runtime_error("supervisord failed: " + started.output);
    if (!wait_running("okx_sim", std::chrono::seconds(20)) ||
        !wait_running("guard_proc", std::chrono::seconds(20))) {
        const std::string why =
            "bot did not start:\n" + ctl({"status"}).output + log_of("guard_proc");
        shutdown(); // no destructor runs for a throwing constructor: leave no supervisord behind
        throw std::runtime_error(why);
    }
    test::wait_until([&] { return sim("GET", "/sim/state").status == 200; },
                     std::chrono::seconds(10));
}

bot_fixture::~bot_fixture() {
    shutdown();
}

void bot_fixture::shutdown() noexcept {
    const std::string pidfile = dir_.path() + "/supervisord.pid";
    const std::string pid_text = read_file(pidfile);
    ctl({"shutdown"});
    const bool gone =
        test::wait_until([&] { return read_file(pidfile).empty(); }, std::chrono::seconds(15));
    if (!gone && !pid_text.empty())
        ::kill(std::stoi(pid_text), SIGKILL);
    view_.reset();
    shm::segment::remove(segment_);
}

test::run_result bot_fixture::ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/supervisorctl", "-c", conf_};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_capture(argv, std::chrono::seconds(30));
}

int bot_fixture::pid_of(const std::string& program) {
    const auto r = ctl({"pid", program});
    try {
        return std::stoi(r.output);
    } catch (...) {
        return 0;
    }
}

bool bot_fixture::wait_running(const std::string& program, std::chrono::milliseconds timeout) {
    return test::wait_until(
        [&] {
            return ctl({"status", program}).output.find("RUNNING") != std::string::npos;
        },
        timeout);
}

test::http_response bot_fixture::sim(const std::string& method, const std::string& path,
                                     const std::string& body) {
    return test::http_request(port_, method, path, body);
}

void bot_fixture::set_price(const std::string& inst_id, double last) {
    const auto r = sim("POST", "/sim/price",
                       fmt::format(R"({{"instId":"{}","last":"{:.2f}"}})", inst_id, last));
    if (r.status != 200)
        throw std::runtime_error("set_price failed: " + r.body);
}

std::vector<sim_request> bot_fixture::sim_requests() {
    std::vector<sim_request> out;
    const auto r = sim("GET", "/sim/orders");
    if (r.status != 200)
        return out;
    for_each_row(r.body, "requests", [&](simdjson::ondemand::object& o, auto& str) {
        sim_request q;
        str("kind", q.kind);
        str("via", q.via);
        str("instId", q.inst_id);
        str("side", q.side);
        str("ordType", q.ord_type);
        str("sz", q.sz);
        str("clOrdId", q.cl_ord_id);
        str("algoId", q.algo_id);
        str("algoClOrdId", q.algo_cl_ord_id);
        str("sCode", q.s_code);
        str("state", q.state);
        std::int64_t mono = 0;
        if (!o["recv_mono_ns"].get_int64().get(mono))
            q.recv_mono_ns = mono;
        out.push_back(std::move(q));
    });
    return out;
}

std::vector<sim_order> bot_fixture::sim_orders() {
    std::vector<sim_order> out;
    const auto r = sim("GET", "/sim/orders");
    if (r.status != 200)
        return out;
    for_each_row(r.body, "orders", [&](simdjson::ondemand::object&, auto& str) {
        sim_order q;
        str("instId", q.inst_id);
        str("side", q.side);
        str("state", q.state);
        str("clOrdId", q.cl_ord_id);
        str("algoId", q.algo_id);
        std::string fill;
        str("accFillSz", fill);
        q.acc_fill_sz = fill.empty() ? 0 : std::stod(fill);
        out.push_back(std::move(q));
    });
    return out;
}

shm::segment* bot_fixture::segment() {
    if (!view_) {
        shm::open_options o;
        o.rundir = dir_.path();
        auto r = shm::segment::attach_read_only(segment_, o);
        if (r.ok())
            view_ = std::move(r.seg);
    }
    return view_.get();
}

std::vector<shm::slot_snapshot> bot_fixture::open_positions() {
    std::vector<shm::slot_snapshot> out;
    if (auto* s = segment()) {
        for (std::uint32_t i = 0; i < shm::segment::capacity(); ++i) {
            const auto snap = s->snapshot(i);
            if (snap.ok && (snap.snap.state == shm::slot_state::open ||
                            snap.snap.state == shm::slot_state::closing))
                out.push_back(snap.snap);
        }
    }
    return out;
}

std::vector<shm::journal_record> bot_fixture::journal() {
    std::vector<shm::journal_record> out;
    if (auto* s = segment()) {
        const auto head = s->journal_head();
        for (std::uint64_t n = 0; n < head; ++n) {
            shm::journal_record rec;
            if (s->read_journal(n, rec))
                out.push_back(rec);
        }
    }
    return out;
}

std::string bot_fixture::log_of(const std::string& program) const {
    return read_file(dir_.path() + "/logs/" + program + ".log");
}

} // namespace scalpel::e2e
