// process_watch: the bot's processes from the process table. See process_watch.hpp.
#include "tests/chaos/process_watch.hpp"

#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace scalpel::chaos {
namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Which program a command line runs (its argv[0] ends in /guard_proc or /signal_proc).
int program_of(const std::string& cmdline) {
    const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    if (argv0.ends_with("/guard_proc"))
        return static_cast<int>(program::guard);
    if (argv0.ends_with("/signal_proc"))
        return static_cast<int>(program::signal);
    return -1;
}

// Whether `pid` holds a write OFD lock on the file `path` (the fd's link and its fdinfo "lock:"
// row).
bool holds_write_lock(pid_t pid, const std::string& path) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator(proc + "/fd", ec)) {
        std::error_code link_ec;
        if (std::filesystem::read_symlink(fd.path(), link_ec) != path || link_ec)
            continue;
        const std::string info = slurp(proc + "/fdinfo/" + fd.path().filename().string());
        if (info.find("lock:") != std::string::npos && info.find("WRITE") != std::string::npos)
            return true;
    }
    return false;
}

} // namespace

const char* program_name(program p) noexcept {
    return p == program::guard ? "guard_proc" : "signal_proc";
}

std::int64_t mono_now_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

process_watch::process_watch(std::string supervisord_pidfile, std::string guard_lock,
                             std::chrono::milliseconds period)
    : pidfile_(std::move(supervisord_pidfile)), period_(period) {
    if (!guard_lock.empty()) // /proc/<pid>/fd links are canonical paths
        guard_lock_ = std::filesystem::weakly_canonical(guard_lock).string();
    sample();
    thread_ = std::thread([this] { loop(); });
}

process_watch::~process_watch() {
    stop_ = true;
    thread_.join();
}

void process_watch::loop() {
    while (!stop_) {
        std::this_thread::sleep_for(period_);
        sample();
    }
}

void process_watch::sample() {
    pid_t found[program_count] = {0, 0};
    const std::string sup = slurp(pidfile_);
    if (!sup.empty()) {
        const std::string tid = std::to_string(std::stoi(sup));
        std::istringstream children(slurp("/proc/" + tid + "/task/" + tid + "/children"));
        pid_t child = 0;
        while (children >> child) {
            const int p = program_of(slurp("/proc/" + std::to_string(child) + "/cmdline"));
            if (p == static_cast<int>(program::guard) && !guard_lock_.empty() &&
                !holds_write_lock(child, guard_lock_))
                continue; // a standby (or a guard not yet attached) guards nothing yet
            if (p >= 0)
                found[p] = child;
        }
    }
    const std::int64_t now = mono_now_ns();
    std::lock_guard lock(mu_);
    for (int p = 0; p < program_count; ++p) {
        state& s = st_[p];
        if (found[p] == s.killed && s.killed != 0)
            found[p] = 0; // killed, not yet reaped: a zombie guards nothing
        else if (found[p] != s.killed)
            s.killed = 0;
        if (found[p] == 0 && s.down_since < 0) {
            s.down_since = now;
            if (s.pid != 0)
                ++s.unexpected;
        } else if (found[p] != 0 && s.down_since >= 0) {
            s.down.push_back({s.down_since, now});
            s.down_since = -1;
        }
        s.pid = found[p];
    }
}

pid_t process_watch::pid(program p) const {
    std::lock_guard lock(mu_);
    return st_[static_cast<int>(p)].pid;
}

bool process_watch::kill(program p) {
    std::lock_guard lock(mu_);
    state& s = st_[static_cast<int>(p)];
    if (s.pid == 0 || ::kill(s.pid, SIGKILL) != 0)
        return false;
    s.killed = s.pid;
    s.pid = 0; // our kill, not an unexpected exit
    s.down_since = mono_now_ns();
    return true;
}

bool process_watch::wait_up(program p, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pid(p) != 0)
            return true;
        std::this_thread::sleep_for(period_);
    }
    return pid(p) != 0;
}

std::vector<interval> process_watch::down(program p, std::int64_t now_ns) const {
    std::lock_guard lock(mu_);
    const state& s = st_[static_cast<int>(p)];
    auto out = s.down;
    if (s.down_since >= 0)
        out.push_back({s.down_since, now_ns});
    return out;
}

int process_watch::unexpected_exits(program p) const {
    std::lock_guard lock(mu_);
    return st_[static_cast<int>(p)].unexpected;
}

} // namespace scalpel::chaos
