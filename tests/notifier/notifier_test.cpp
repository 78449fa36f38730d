// scalpel_notifier end to end: this test process plays the guard on a real segment (heartbeats,
// a position opened and closed, a halt, then silence), the notifier runs as a real child with its
// destinations pointed at a loopback HTTP receiver, and the receiver must see the entry, the
// close with its net PnL, the halt and guard-down alerts on both the webhook and the Telegram
// path — no more than the rate limit allows — while the notifier's log never shows the token.
#include "shm_layout/segment.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace scalpel;
using namespace std::chrono_literals;

namespace {

// Accepts HTTP POSTs on 127.0.0.1:port, records (target, body), answers 200.
class receiver {
public:
    explicit receiver(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        thread_ = std::thread([this] { loop(); });
    }
    ~receiver() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    std::vector<std::pair<std::string, std::string>> posts() {
        std::lock_guard lk(m_);
        return posts_;
    }
    std::size_t count_with(const std::string& path_part, const std::string& body_part) {
        std::size_t n = 0;
        for (const auto& [t, b] : posts())
            if (t.find(path_part) != std::string::npos && b.find(body_part) != std::string::npos)
                ++n;
        return n;
    }

private:
    void loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0)
                continue;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c >= 0) {
                serve(c);
                ::close(c);
            }
        }
    }
    void serve(int c) {
        std::string in;
        char buf[4096];
        std::size_t need = std::string::npos;
        while (need == std::string::npos || in.size() < need) {
            const ssize_t n = ::recv(c, buf, sizeof buf, 0);
            if (n <= 0)
                return;
            in.append(buf, static_cast<std::size_t>(n));
            const auto end = in.find("\r\n\r\n");
            if (end != std::string::npos && need == std::string::npos) {
                const auto cl = in.find("Content-Length: ");
                const std::size_t len =
                    cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
                need = end + 4 + len;
            }
        }
        const auto sp1 = in.find(' '), sp2 = in.find(' ', sp1 + 1);
        {
            std::lock_guard lk(m_);
            posts_.emplace_back(in.substr(sp1 + 1, sp2 - sp1 - 1),
                                in.substr(in.find("\r\n\r\n") + 4));
        }
        const std::string ok =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        (void)::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
    }
    int fd_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex m_;
    std::vector<std::pair<std::string, std::string>> posts_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("notifier: entry, close with net PnL, halt, guard down; webhook and Telegram; limited",
          "[unit][shm]") {
    test::temp_dir dir;
    const std::string name = test::unique_name("operator.notifier");
    shm::segment::remove(name);
    shm::open_options o;
    o.rundir = dir.path();
    o.populate = false;
    auto opened = shm::segment::create_or_attach(name, shm::role::guard, o);
    REQUIRE(opened.ok());
    auto& seg = *opened.seg;
    seg.set_status(shm::process_status::running);
    auto beat_for = [&](std::chrono::milliseconds d) {
        const auto until = std::chrono::steady_clock::now() + d;
        while (std::chrono::steady_clock::now() < until) {
            seg.heartbeat();
            std::this_thread::sleep_for(20ms);
        }
    };

    const auto port = test::free_tcp_port();
    receiver rx(port);
    const std::string config = dir.path() + "/scalpel.yaml";
    std::ofstream(config) << fmt::format("account: alerts\nsegment:\n  name: {}\n  run_dir: {}\n",
                                         name, dir.path());
    const std::string token = "SECRETTOKEN123";
    const std::string log = dir.path() + "/notifier.log";
    test::child_process notifier(
        {std::string(SCALPEL_BINARY_DIR) + "/notifier/scalpel_notifier", "--config", config,
         "--poll-ms", "50", "--guard-down-s", "1", "--max-per-minute", "4"},
        log,
        {fmt::format("SCALPEL_ALERT_WEBHOOK_URL=http://127.0.0.1:{}/hook", port),
         "SCALPEL_TELEGRAM_BOT_TOKEN=" + token, "SCALPEL_TELEGRAM_CHAT_ID=42",
         fmt::format("SCALPEL_TELEGRAM_API=http://127.0.0.1:{}", port)});
    beat_for(1500ms); // the notifier learns the quiet start state

    shm::position p;
    p.symbol.assign_truncated("ETH-USDT");
    p.pos_side = side::long_side;
    p.size = 0.5;
    p.entry_price = 3000;
    p.entry_time_ms = wall_now_ms();
    const auto r = seg.reserve_slot(p);
    REQUIRE(seg.publish_open(r.ref, p) == shm::slot_result::ok);
    beat_for(500ms);
    REQUIRE(seg.set_halted(true));
    beat_for(500ms);
    REQUIRE(shm::claim_won(seg.try_claim_closing(r.ref, seg.self())));
    shm::close_info ci;
    ci.reason = shm::close_reason::manual;
    ci.exit_price = 3010;
    ci.exit_time_ms = wall_now_ms();
    ci.net_pnl_usd = 1.2345;
    REQUIRE(seg.record_close(r.ref, seg.self(), ci) == shm::slot_result::ok);
    beat_for(500ms);
    // Silence: no more heartbeats → guard down after 1 s.
    REQUIRE(test::wait_until([&] { return rx.count_with("/hook", "guard_down") == 1; }, 15s));

    INFO(read_file(log));
    CHECK(rx.count_with("/hook", R"("kind":"entry")") == 1);
    CHECK(rx.count_with("/hook", "entry ETH-USDT LONG 0.5 @ 3000") == 1);
    CHECK(rx.count_with("/hook", R"("kind":"close")") == 1);
    CHECK(rx.count_with("/hook", "net +1.2345 USD") == 1);
    CHECK(rx.count_with("/hook", R"("kind":"halt")") == 1);
    const std::string tg = "/bot" + token + "/sendMessage";
    CHECK(test::wait_until([&] { return rx.count_with(tg, R"("chat_id":"42")") == 4; }, 10s));
    CHECK(rx.count_with(tg, "net +1.2345 USD") == 1);

    // Over the limit (4 a minute per destination): more events are counted, not sent.
    REQUIRE(seg.set_halted(false));
    std::this_thread::sleep_for(300ms);
    REQUIRE(seg.set_halted(true));
    std::this_thread::sleep_for(700ms);
    CHECK(rx.count_with("/hook", "") == 4);
    CHECK(rx.count_with(tg, "") == 4);

    notifier.kill(SIGTERM);
    REQUIRE(notifier.wait_for(10s).has_value());
    const auto text = read_file(log);
    CHECK(text.find("alerts to telegram") != std::string::npos);
    CHECK(text.find(token) == std::string::npos);
    shm::segment::remove(name);
}
