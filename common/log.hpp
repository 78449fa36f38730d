// Logging setup for the processes: spdlog with one line per event, ISO UTC timestamps, level
// from config. The logging path never throws (spdlog's error handler counts and swallows).
// redact() is for any text that might carry a secret (API key, passphrase, signature): use it on
// request headers or config echoes before they reach a log line.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

namespace scalpel::log {

// Installs the default logger named `process` writing to stderr (supervisord captures it), at
// `level` ("trace".."off"); an unknown level falls back to info and says so. A non-empty `marker`
// goes into every line (a run under a test override must say so on each line, not once).
void init(std::string_view process, std::string_view level = "info", std::string_view marker = {});

// "abcd…(36 chars)" style: the first 4 characters and the length, never the value.
[[nodiscard]] std::string redact(std::string_view secret);

} // namespace scalpel::log
