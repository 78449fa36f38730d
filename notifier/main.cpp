// scalpel_notifier: optional operator alerts — entries, closes with net PnL, halt/resume, guard
// down, stale feed, error bursts — to a generic JSON webhook and/or Telegram. Its own process and
// supervisord program (deploy/run.sh adds it only when a destination is configured): it maps the
// segment read-only, so a slow or dead destination can never block or slow trading. Destinations
// come from the environment only, and the token/URL are never logged:
//   SCALPEL_ALERT_WEBHOOK_URL            POST {"kind":..,"text":..,"ts_ms":..,"account":..}
//   SCALPEL_TELEGRAM_BOT_TOKEN + _CHAT_ID  POST <api>/bot<token>/sendMessage
//   SCALPEL_TELEGRAM_API                 (default https://api.telegram.org; tests: loopback)
// Rate-limited: at most --max-per-minute messages per destination; the rest are counted and the
// count rides on the next message. Exit: 0 on SIGTERM, 2 config error (no destination too).
#include "common/config/bot_config.hpp"
#include "common/final_exit.hpp"
#include "common/log.hpp"
#include "notifier/events.hpp"
#include "notifier/sender.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

namespace {

using namespace scalpel;

std::atomic<bool> g_stop{false};
extern "C" void on_term(int) {
    g_stop.store(true);
}

std::string env_or(const char* name, std::string fallback = {}) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct destination {
    std::string name; // "webhook" / "telegram": the only thing ever logged about it
    std::string url;
    std::string chat_id; // telegram only
};

// Minute windows per destination; over the limit, messages are counted, not sent.
class rate_limit {
public:
    explicit rate_limit(int per_minute) : per_minute_(per_minute) {}
    bool allow(std::chrono::steady_clock::time_point now) {
        if (now - window_ >= std::chrono::minutes(1)) {
            window_ = now;
            sent_ = 0;
        }
        if (sent_ >= per_minute_) {
            ++suppressed_;
            return false;
        }
        ++sent_;
        return true;
    }
    int take_suppressed() { return std::exchange(suppressed_, 0); }

private:
    int per_minute_;
    int sent_ = 0, suppressed_ = 0;
    std::chrono::steady_clock::time_point window_{};
};

std::string body_for(const destination& d, const notify::event& e, const std::string& account,
                     int suppressed) {
    std::string text = fmt::format("[scalpel {}] {}", account, e.text);
    if (suppressed > 0)
        text += fmt::format(" (+{} alerts suppressed by the rate limit)", suppressed);
    if (d.name == "telegram")
        return fmt::format(R"({{"chat_id":{},"text":{}}})", notify::json_escape(d.chat_id),
                           notify::json_escape(text));
    return fmt::format(R"({{"kind":{},"text":{},"ts_ms":{},"account":{}}})",
                       notify::json_escape(e.kind), notify::json_escape(text), wall_now_ms(),
                       notify::json_escape(account));
}

// The sender thread: delivery (network, timeouts) never holds up the polling loop.
class outbox {
public:
    outbox(std::vector<destination> dests, int per_minute, std::string account)
        : dests_(std::move(dests)), account_(std::move(account)) {
        for (std::size_t i = 0; i < dests_.size(); ++i)
            limits_.emplace_back(per_minute);
        worker_ = std::thread([this] { run(); });
    }
    ~outbox() {
        {
            std::lock_guard lk(m_);
            done_ = true;
        }
        cv_.notify_one();
        worker_.join();
    }
    void push(notify::event e) {
        {
            std::lock_guard lk(m_);
            if (queue_.size() < max_queue)
                queue_.push_back(std::move(e));
        }
        cv_.notify_one();
    }

private:
    static constexpr std::size_t max_queue = 1000;
    void run() {
        for (;;) {
            notify::event e;
            {
                std::unique_lock lk(m_);
                cv_.wait(lk, [&] { return done_ || !queue_.empty(); });
                if (queue_.empty())
                    return;
                e = std::move(queue_.front());
                queue_.pop_front();
            }
            for (std::size_t i = 0; i < dests_.size(); ++i) {
                if (!limits_[i].allow(std::chrono::steady_clock::now()))
                    continue;
                const auto r = notify::post_json(
                    dests_[i].url, body_for(dests_[i], e, account_, limits_[i].take_suppressed()),
                    std::chrono::seconds(5));
                if (!r.error.empty())
                    spdlog::warn("{}: {} alert not delivered: {}", dests_[i].name, e.kind, r.error);
            }
        }
    }
    std::vector<destination> dests_;
    std::vector<rate_limit> limits_;
    std::string account_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<notify::event> queue_;
    bool done_ = false;
    std::thread worker_;
};

std::vector<destination> destinations_from_env() {
    std::vector<destination> out;
    if (auto url = env_or("SCALPEL_ALERT_WEBHOOK_URL"); !url.empty())
        out.push_back({"webhook", url, {}});
    const auto token = env_or("SCALPEL_TELEGRAM_BOT_TOKEN");
    const auto chat = env_or("SCALPEL_TELEGRAM_CHAT_ID");
    if (!token.empty() && !chat.empty())
        out.push_back({"telegram",
                       env_or("SCALPEL_TELEGRAM_API", "https://api.telegram.org") + "/bot" + token +
                           "/sendMessage",
                       chat});
    return out;
}

int run(int argc, char** argv) {
    CLI::App app{"scalpel_notifier: operator alerts (webhook / Telegram) from the segment"};
    std::string config_file;
    int poll_ms = 500, per_minute = 20, guard_down_s = 5, feed_stale_s = 10, error_burst = 5;
    app.add_option("--config", config_file, "The bot's YAML config")->required();
    app.add_option("--poll-ms", poll_ms, "Segment polling period")->capture_default_str();
    app.add_option("--max-per-minute", per_minute, "Messages per destination per minute")
        ->capture_default_str();
    app.add_option("--guard-down-s", guard_down_s, "Alert when the guard is down this long")
        ->capture_default_str();
    app.add_option("--feed-stale-s", feed_stale_s, "Alert when a price is this old")
        ->capture_default_str();
    app.add_option("--error-burst", error_burst, "Alert at this many errors within a minute")
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : exit_config_error;
    }
    config::bot_config cfg;
    try {
        cfg = config::load(config_file);
    } catch (const config::config_error& e) {
        std::fprintf(stderr, "scalpel_notifier: config error: %s\n", e.what());
        return exit_config_error;
    }
    log::init("scalpel_notifier", cfg.log_level);
    auto dests = destinations_from_env();
    if (dests.empty()) {
        spdlog::critical("config error: no destination: set SCALPEL_ALERT_WEBHOOK_URL or "
                         "SCALPEL_TELEGRAM_BOT_TOKEN and SCALPEL_TELEGRAM_CHAT_ID");
        return exit_config_error;
    }
    for (const auto& d : dests)
        spdlog::info("alerts to {} (at most {} a minute)", d.name, per_minute);
    struct sigaction sa {};
    sa.sa_handler = on_term;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);

    notify::detector_settings ds;
    ds.guard_down_after = std::chrono::seconds(guard_down_s);
    ds.feed_stale_after = std::chrono::seconds(feed_stale_s);
    ds.error_burst = static_cast<std::uint64_t>(error_burst);
    notify::event_detector detector(ds);
    outbox out(std::move(dests), per_minute, cfg.account);
    std::unique_ptr<shm::segment> seg;
    while (!g_stop.load()) {
        if (!seg) {
            shm::open_options o;
            o.rundir = cfg.segment.run_dir;
            o.populate = false;
            auto r = shm::segment::attach_read_only(cfg.segment.name, o);
            if (r.ok())
                seg = std::move(r.seg);
        }
        if (seg)
            for (auto& e : detector.poll(*seg, monotonic_now_ns())) {
                spdlog::info("{}: {}", e.kind, e.text);
                out.push(std::move(e));
            }
        std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const auto started = std::chrono::steady_clock::now();
    return scalpel::final_exit(run(argc, argv), started);
}
