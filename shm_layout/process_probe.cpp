// Process liveness probes. See process_probe.hpp.
#include "shm_layout/process_probe.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace scalpel::shm {

std::uint64_t process_start_ticks(pid_t pid) noexcept {
    if (pid <= 0)
        return 0;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[1024];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    // The command name (field 2) may contain spaces and ')': fields resume after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (!p)
        return 0;
    ++p;
    for (int field = 2; field < 22 && *p; ++p)
        if (*p == ' ')
            ++field;
    return std::strtoull(p, nullptr, 10);
}

bool process_alive(pid_t pid, std::uint64_t start_ticks) noexcept {
    if (pid <= 0)
        return false;
    if (::kill(pid, 0) != 0 && errno == ESRCH)
        return false;
    const std::uint64_t now = process_start_ticks(pid);
    if (now == 0)
        return false;
    return start_ticks == 0 || now == start_ticks;
}

int acquire_role_lock(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

bool wait_role_lock_free(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    int rc = 0;
    while ((rc = ::fcntl(fd, F_OFD_SETLKW, &fl)) != 0 && errno == EINTR) {
    }
    const int e = errno;
    ::close(fd); // releases the lock: register_role takes it for good
    errno = e;
    return rc == 0;
}

int count_lock_waiters(const std::string& path) noexcept {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return errno == ENOENT ? 0 : -1;
    std::FILE* f = std::fopen("/proc/locks", "re");
    if (f == nullptr)
        return -1;
    // "<n>: -> OFDLCK ADVISORY WRITE -1 <maj>:<min>:<inode> 0 EOF" (major/minor in hex).
    char line[256];
    int waiters = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strstr(line, "->") == nullptr)
            continue;
        char* save = nullptr;
        for (const char* tok = ::strtok_r(line, " \t\n", &save); tok != nullptr;
             tok = ::strtok_r(nullptr, " \t\n", &save)) {
            unsigned maj = 0, min = 0;
            unsigned long long ino = 0;
            if (std::sscanf(tok, "%x:%x:%llu", &maj, &min, &ino) == 3) {
                waiters += maj == major(st.st_dev) && min == minor(st.st_dev) &&
                           ino == static_cast<unsigned long long>(st.st_ino);
                break; // the one device:inode field of the row
            }
        }
    }
    std::fclose(f);
    return waiters;
}

lock_probe probe_role_lock(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? lock_probe::free : lock_probe::unknown;
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    const int rc = ::fcntl(fd, F_OFD_GETLK, &fl);
    ::close(fd);
    if (rc != 0)
        return lock_probe::unknown;
    return fl.l_type == F_UNLCK ? lock_probe::free : lock_probe::held;
}

} // namespace scalpel::shm
