// Loopback helpers for tests: a free TCP port on 127.0.0.1 and a unique name per test run.
#pragma once

#include <cstdint>
#include <string>

namespace scalpel::test {

// Binds port 0 on 127.0.0.1, reads the port the kernel chose, closes. Racy in theory, fine for
// tests.
[[nodiscard]] std::uint16_t free_tcp_port();

// "<prefix>.<pid>.<counter>": unique per process and call (segment names, temp dirs).
[[nodiscard]] std::string unique_name(const std::string& prefix);

// A fresh directory under /tmp, removed with its contents by the destructor.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

} // namespace scalpel::test
