// deploy/run.sh tells the truth: every deploy failure of issue 12 makes it exit non-zero with the
// failing program's log lines, and supervisord neither retries a config error nor storms on a
// crash. Each case runs run.sh (setup skipped) on its own temp run dir, free port and segment
// name, and stops its supervisord afterwards.
#include "shm_layout/segment.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace scalpel;
using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
        ++n;
    return n;
}

// One deploy/run.sh run directory with its own config, port and segment.
class deploy_dir {
public:
    explicit deploy_dir(std::string extra_yaml = {}, std::string segment_extra = {})
        : port_(test::free_tcp_port()), metrics_port_(test::free_tcp_port()),
          segment_(test::unique_name("operator.deploy")) {
        std::ofstream(path() + "/scalpel.yaml")
            << fmt::format(R"(account: deploy
exchange:
  target: sim
  rest_url: http://127.0.0.1:{0}
  ws_url: ws://127.0.0.1:{0}/ws/v5
  keys_file: ""   # a comment that once fooled run.sh's key check
segment:
  name: {1}
  run_dir: {2}
{3}{4}
)",
                           port_, segment_, path(), segment_extra, extra_yaml);
    }
    ~deploy_dir() {
        run({"stop"});
        shm::segment::remove(segment_);
    }
    [[nodiscard]] const std::string& path() const { return dir_.path(); }
    [[nodiscard]] std::uint16_t port() const { return port_; }
    [[nodiscard]] std::uint16_t metrics_port() const { return metrics_port_; }
    [[nodiscard]] const std::string& segment() const { return segment_; }

    test::run_result run(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}) {
        std::vector<std::string> argv{"/usr/bin/env",
                                      "SCALPEL_SKIP_SETUP=1",
                                      "SCALPEL_BUILD_DIR=" + std::string(SCALPEL_BINARY_DIR),
                                      "SCALPEL_RUN_DIR=" + path(),
                                      "SCALPEL_SIM_PORT=" + std::to_string(port_),
                                      "SCALPEL_METRICS_PORT=" + std::to_string(metrics_port_)};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.push_back("/bin/bash");
        argv.push_back(std::string(SCALPEL_SOURCE_DIR) + "/deploy/run.sh");
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_capture(argv, 120s);
    }
    test::run_result ctl(const std::vector<std::string>& args) {
        std::vector<std::string> argv{"/usr/bin/supervisorctl", "-c", path() + "/supervisord.conf"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test::run_capture(argv, 30s);
    }
    [[nodiscard]] std::string log_of(const std::string& program) const {
        return read_file(path() + "/logs/" + program + ".log");
    }
    [[nodiscard]] std::size_t spawns_of(const std::string& program) const {
        return count_of(read_file(path() + "/supervisord.log"), "spawned: '" + program + "'");
    }

private:
    test::temp_dir dir_;
    std::uint16_t port_;
    std::uint16_t metrics_port_;
    std::string segment_;
};

// A TCP listener on 127.0.0.1:port, closed by the destructor.
class listener {
public:
    explicit listener(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 4) == 0);
    }
    ~listener() { ::close(fd_); }
    listener(const listener&) = delete;
    listener& operator=(const listener&) = delete;

private:
    int fd_;
};

std::string sim_bin() {
    return std::string(SCALPEL_BINARY_DIR) + "/okx_sim/okx_sim";
}

} // namespace

TEST_CASE("run.sh fails loudly on a bad config and supervisord does not retry it", "[deploy]") {
    deploy_dir d("bogus_key: 1\n");
    const auto r = d.run({});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("guard_proc is EXITED") != std::string::npos);
    CHECK(r.output.find("bogus_key") != std::string::npos); // the log lines name the key
    CHECK(r.output.find("scalpel is running") == std::string::npos);
    // Final: a few seconds later still one spawn each, EXITED (not BACKOFF/FATAL).
    ::sleep(3);
    CHECK(d.spawns_of("guard_proc") == 1);
    CHECK(d.spawns_of("signal_proc") == 1);
    CHECK(d.ctl({"status", "guard_proc"}).output.find("EXITED") != std::string::npos);
}

TEST_CASE("run.sh fails when segment.run_dir does not exist (config error, not a storm)",
          "[deploy]") {
    deploy_dir d({}, "  account_tag: deploy\n");
    // Point the segment's run_dir at a missing folder (the 729-spawns-in-15-s case).
    {
        std::string yaml = read_file(d.path() + "/scalpel.yaml");
        const std::string from = "run_dir: " + d.path();
        yaml.replace(yaml.find(from), from.size(), "run_dir: " + d.path() + "/missing");
        std::ofstream(d.path() + "/scalpel.yaml") << yaml;
    }
    const auto r = d.run({});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("segment.run_dir") != std::string::npos);
    ::sleep(2);
    CHECK(d.spawns_of("guard_proc") == 1);
}

TEST_CASE("okx_sim exits 2 on a missing data directory", "[deploy]") {
    const auto r = test::run_capture({sim_bin(), "--port", "0", "--data-dir",
                                      "/nonexistent/scalpel-data", "--symbols", "BTC-USDT"},
                                     30s);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("does not exist") != std::string::npos);
}

TEST_CASE("okx_sim refuses a port in use", "[deploy]") {
    const auto port = test::free_tcp_port();
    listener busy(port);
    const auto r = test::run_capture(
        {sim_bin(), "--port", std::to_string(port), "--random-walk", "--symbols", "BTC-USDT"}, 30s);
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("already in use") != std::string::npos);
}

TEST_CASE("the bot never trades on a simulator run.sh did not start for it", "[deploy]") {
    deploy_dir d;
    // Another instance's simulator already owns the port.
    test::child_process foreign({sim_bin(), "--port", std::to_string(d.port()), "--random-walk",
                                 "--speed", "1", "--run-id", "someone-else"},
                                d.path() + "/foreign_sim.log");
    REQUIRE(test::wait_until(
        [&] { return test::http_request(d.port(), "GET", "/sim/identity").status == 200; }, 20s));
    const auto r = d.run({});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("okx_sim is EXITED") != std::string::npos);
    CHECK(r.output.find("already in use") != std::string::npos);
    CHECK(d.log_of("guard_proc").find("not the simulator started for this bot") !=
          std::string::npos);
    CHECK(d.log_of("signal_proc").find("not the simulator started for this bot") !=
          std::string::npos);
    CHECK(d.ctl({"status", "guard_proc"}).output.find("EXITED") != std::string::npos);
    // Nothing reached the foreign simulator's order book.
    const auto orders = test::http_request(d.port(), "GET", "/sim/orders");
    REQUIRE(orders.status == 200);
    CHECK(orders.body.find("\"requests\":[]") != std::string::npos);
    CHECK(foreign.running());
}

TEST_CASE("a crash loop backs off and ends FATAL instead of storming", "[deploy]") {
    deploy_dir d;
    // guard_proc cannot create its role lock file (a directory is in the way): exit 1 at start.
    std::filesystem::create_directories(d.path() + "/" + d.segment() + ".guard.lock");
    const auto r = d.run({}, {"SCALPEL_STARTRETRIES=2"});
    INFO(r.output);
    CHECK(r.exit_code != 0);
    CHECK(r.output.find("guard_proc is") != std::string::npos);
    REQUIRE(test::wait_until(
        [&] {
            return d.ctl({"status", "guard_proc"}).output.find("FATAL") != std::string::npos;
        },
        40s));
    CHECK(d.spawns_of("guard_proc") == 3); // the first spawn + startretries, with 1 s, 2 s pauses
    ::sleep(2);
    CHECK(d.spawns_of("guard_proc") == 3);
}

TEST_CASE("run.sh starts a healthy bot, serves metrics, stops with --flatten and --clean",
          "[deploy]") {
    deploy_dir d;
    // Halted before the first start (the persisted flag): nothing opens during the test.
    std::ofstream(d.path() + "/" + d.segment() + ".halted") << "halted_ms=1\n";
    const auto r = d.run({});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("scalpel is running") != std::string::npos);
    CHECK(d.ctl({"status", "scalpel_exporter"}).output.find("RUNNING") != std::string::npos);
    // Whichever guard attached first is the active one (the others are its hot standbys).
    CHECK((d.log_of("guard_proc") + d.log_of("guard_standby") + d.log_of("guard_standby_2"))
              .find("entries HALTED by the operator") != std::string::npos);
    CHECK(d.ctl({"status", "guard_standby"}).output.find("RUNNING") != std::string::npos);
    CHECK(d.ctl({"status", "guard_standby_2"}).output.find("RUNNING") != std::string::npos);
    // Both standbys block on the guard role's lock: shm_inspect counts them from /proc/locks.
    std::string inspected;
    CHECK(test::wait_until(
        [&] {
            inspected = test::run_capture(
                            {std::string(SCALPEL_BINARY_DIR) + "/shm_layout/tools/shm_inspect",
                             "--name", d.segment(), "--rundir", d.path()},
                            10s)
                            .output;
            return inspected.find("lock held, 2 standby waiting") != std::string::npos;
        },
        10s));
    INFO(inspected);
    CHECK(std::filesystem::exists("/dev/shm/" + d.segment()));
    const auto metrics = test::http_request(d.metrics_port(), "GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.body.find("scalpel_halted 1\n") != std::string::npos);

    const auto stop = d.run({"stop", "--flatten", "--clean"});
    INFO(stop.output);
    CHECK(stop.exit_code == 0);
    CHECK(stop.output.find("OCOs of ours pending on the exchange: 0") != std::string::npos);
    CHECK(stop.output.find("removed /dev/shm/" + d.segment()) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists("/dev/shm/" + d.segment()));
    CHECK_FALSE(std::filesystem::exists(d.path() + "/" + d.segment() + ".guard.lock"));
    CHECK(d.ctl({"pid"}).exit_code != 0); // supervisord is gone
}
