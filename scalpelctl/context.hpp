// ctl_context: what every scalpelctl command starts from — the bot's YAML config (segment name,
// run dir, exchange, keys), the output mode (--json), the segment (read-only for looking,
// read-write as role none for halt/resume and command requests; never created here) and, on
// demand, a blocking REST session to the exchange for confirmations. Keys come from the same
// places the bot takes them; they are never printed.
#pragma once

#include "common/config/bot_config.hpp"
#include "common/net/rest_client.hpp"
#include "shm_layout/segment.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace scalpel::ctl {

inline constexpr int exit_ok = 0, exit_unconfirmed = 1, exit_config = 2, exit_no_segment = 4;

// A command failed in a way the operator must read; `code` is the process exit code.
struct ctl_error : std::runtime_error {
    ctl_error(int exit_code, const std::string& what) : std::runtime_error(what), code(exit_code) {}
    int code;
};

class ctl_context {
public:
    // Loads the config (throws ctl_error exit_config naming the problem).
    ctl_context(const std::string& config_file, bool json);

    [[nodiscard]] const config::bot_config& cfg() const noexcept { return cfg_; }
    [[nodiscard]] bool json() const noexcept { return json_; }

    // Throws ctl_error(exit_no_segment) when the bot never ran here.
    [[nodiscard]] std::unique_ptr<shm::segment> read_only() const;
    [[nodiscard]] std::unique_ptr<shm::segment> read_write() const;
    // Created on first use; throws ctl_error(exit_config) on bad endpoints or missing keys.
    [[nodiscard]] net_client::rest_session& rest();

    // Prints text or JSON (one line) to stdout.
    void print(const std::string& text) const;

private:
    [[nodiscard]] shm::open_options options() const;

    config::bot_config cfg_;
    bool json_ = false;
    std::unique_ptr<net_client::rest_session> rest_;
};

} // namespace scalpel::ctl
