// child_process: fork/exec wrapper for integration tests. See child_process.hpp.
#include "tests/support/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

namespace scalpel::test {

child_process::child_process(std::vector<std::string> argv, std::string log_file,
                             std::vector<std::string> extra_env) {
    if (argv.empty())
        throw std::invalid_argument("child_process: empty argv");
    std::vector<char*> args;
    for (auto& a : argv)
        args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e)
        env_store.emplace_back(*e);
    for (auto& e : extra_env)
        env_store.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_store)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    int log_fd = -1;
    if (!log_file.empty()) {
        log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
            throw std::runtime_error("child_process: cannot open " + log_file);
    }
    pid_ = ::fork();
    if (pid_ < 0)
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::setpgid(0, 0); // own process group: a test's kill never hits the test runner
        if (log_fd >= 0) {
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
        }
        ::execve(args[0], args.data(), envp.data());
        std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno));
        ::_exit(127);
    }
    if (log_fd >= 0)
        ::close(log_fd);
}

child_process::child_process(child_process&& other) noexcept
    : pid_(other.pid_), status_(other.status_) {
    other.pid_ = -1;
}

child_process::~child_process() {
    if (pid_ > 0 && !status_)
        kill_and_wait();
}

bool child_process::running() {
    if (pid_ <= 0 || status_)
        return false;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
        return false;
    }
    return true;
}

void child_process::kill(int signal) {
    if (pid_ > 0 && !status_)
        ::kill(pid_, signal);
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
    if (status_)
        return status_;
    if (pid_ <= 0)
        return std::nullopt;
    wait_until([&] { return !running(); }, timeout);
    return status_;
}

int child_process::kill_and_wait() {
    if (status_)
        return *status_;
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    status_ = st;
    return st;
}

run_result run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    char path[] = "/tmp/scalpel-run-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0)
        throw std::runtime_error("mkstemp failed");
    ::close(fd);
    run_result result;
    {
        child_process child(argv, path);
        const auto st = child.wait_for(timeout);
        if (!st) {
            child.kill_and_wait();
            result.exit_code = -1;
        } else {
            result.exit_code = WIFEXITED(*st) ? WEXITSTATUS(*st) : 128 + WTERMSIG(*st);
        }
    }
    if (FILE* f = std::fopen(path, "r")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
            result.output.append(buf, n);
        std::fclose(f);
    }
    ::unlink(path);
    return result;
}

} // namespace scalpel::test
