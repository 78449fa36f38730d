// OKX API credentials: from the environment (SCALPEL_OKX_API_KEY / SCALPEL_OKX_SECRET /
// SCALPEL_OKX_PASSPHRASE) or from a key file that only its owner can read (mode 0600 or stricter;
// anything group/other-accessible is refused). The values never appear in an exception text, a
// log line or describe(): only scalpel::log::redact() forms do.
#pragma once

#include "common/net/endpoint.hpp"

#include <optional>
#include <string>

namespace scalpel::net_client {

struct credentials {
    std::string api_key;
    std::string secret;
    std::string passphrase;
};

// All three variables set (non-empty) → credentials; none set → nullopt; some set → config_error
// naming the missing variables.
[[nodiscard]] std::optional<credentials> credentials_from_env();

// File lines "api_key=…", "secret=…", "passphrase=…" (the SCALPEL_OKX_* names are accepted too;
// '#' comments and blank lines ignored). Throws config_error when the file is missing, is not a
// regular file, is readable/writable by group or others, or lacks a value.
[[nodiscard]] credentials credentials_from_file(const std::string& path);

// Environment first; else `file` when not empty; else config_error saying how to provide keys.
[[nodiscard]] credentials load_credentials(const std::string& file = {});

// "api_key=abcd…(36 chars) passphrase=(redacted)": safe for a log line.
[[nodiscard]] std::string describe(const credentials& c);

} // namespace scalpel::net_client
