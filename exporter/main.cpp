// scalpel_exporter: serves the bot's segment as Prometheus metrics on a loopback port
// (GET /metrics, text format 0.0.4). Its own process and supervisord program: it maps the segment
// read-only on each scrape (waiting quietly until the bot made it), never writes it, never takes
// its mutex, so it cannot touch the guard's hot path. The ledger (run_dir/ledger.sqlite) is opened
// SQLITE_OPEN_READONLY once it exists: a WAL reader, it never blocks signal_proc's writes. Blocking
// one-connection-at-a-time HTTP is plenty for a scraper every few seconds. Exit codes: 0 on
// SIGTERM, 2 config error (bad config, non-loopback host, port in use).
#include "common/config/bot_config.hpp"
#include "common/final_exit.hpp"
#include "exporter/metrics.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace scalpel;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_term(int) {
    g_stop = 1;
}

constexpr std::size_t max_request = 8192;

int listen_loopback(const std::string& host, std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        (ntohl(addr.sin_addr.s_addr) >> 24) != 127)
        throw std::invalid_argument("--host must be a 127.x.x.x address, got " + host);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw std::invalid_argument(fmt::format("cannot listen on {}:{}: {}", host, port, why));
    }
    return fd;
}

void send_all(int fd, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        off += static_cast<std::size_t>(n);
    }
}

std::string response(int status, const char* reason, const char* type, const std::string& body) {
    return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                       "Connection: close\r\n\r\n{}",
                       status, reason, type, body.size(), body);
}

class scraper {
public:
    explicit scraper(const config::bot_config& cfg) : cfg_(cfg) {}
    std::string metrics() {
        if (!seg_) {
            shm::open_options o;
            o.rundir = cfg_.segment.run_dir;
            o.populate = false;
            auto r = shm::segment::attach_read_only(cfg_.segment.name, o);
            if (r.ok())
                seg_ = std::move(r.seg);
        }
        return exporter::render_metrics(
            seg_.get(), static_cast<double>(cfg_.guard.stale_feed_ms) / 1000.0, ledger_figures());
    }

private:
    exporter::ledger_figures ledger_figures() {
        if (!db_) {
            const std::string path =
                (std::filesystem::path(cfg_.segment.run_dir) / ledger::default_file_name).string();
            if (!std::filesystem::exists(path))
                return {};
            db_ = ledger::ledger::open_read_only(path).db;
            if (!db_)
                return {};
        }
        return exporter::read_ledger(*db_);
    }

    const config::bot_config& cfg_;
    std::unique_ptr<shm::segment> seg_;
    std::unique_ptr<ledger::ledger> db_;
};

void serve_one(int client, scraper& s) {
    timeval tv{2, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[1024];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < max_request) {
        const ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0)
            return;
        req.append(buf, static_cast<std::size_t>(n));
    }
    if (req.starts_with("GET /metrics ") || req.starts_with("GET /metrics?"))
        send_all(client,
                 response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", s.metrics()));
    else
        send_all(client, response(404, "Not Found", "text/plain", "GET /metrics\n"));
}

int run(int argc, char** argv) {
    CLI::App app{"scalpel_exporter: the bot's segment as Prometheus metrics on loopback"};
    std::string config_file, host = "127.0.0.1";
    std::uint16_t port = 9464;
    app.add_option("--config", config_file, "The bot's YAML config")->required();
    app.add_option("--host", host, "Listen address (loopback only)")->capture_default_str();
    app.add_option("--port", port, "Listen port")->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : exit_config_error;
    }
    try {
        const auto cfg = config::load(config_file);
        const int fd = listen_loopback(host, port);
        std::printf("scalpel_exporter listening on %s:%u (segment %s)\n", host.c_str(),
                    static_cast<unsigned>(port), cfg.segment.name.c_str());
        std::fflush(stdout);
        struct sigaction sa {};
        sa.sa_handler = on_term; // no SA_RESTART: accept() returns EINTR on SIGTERM
        ::sigaction(SIGTERM, &sa, nullptr);
        ::sigaction(SIGINT, &sa, nullptr);
        scraper s(cfg);
        while (!g_stop) {
            const int client = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0)
                continue;
            serve_one(client, s);
            ::close(client);
        }
        ::close(fd);
        return 0;
    } catch (const config::config_error& e) {
        std::fprintf(stderr, "scalpel_exporter: config error: %s\n", e.what());
        return exit_config_error;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "scalpel_exporter: config error: %s\n", e.what());
        return exit_config_error;
    }
}

} // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    return scalpel::final_exit(run(argc, argv), started);
}
