// Logging setup. See log.hpp.
#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace scalpel::log {

void init(std::string_view process, std::string_view level, std::string_view marker) {
    auto logger = spdlog::stderr_logger_mt(std::string(process));
    std::string pattern = "%Y-%m-%dT%H:%M:%S.%eZ %n ";
    if (!marker.empty()) {
        pattern += '[';
        for (char c : marker)
            pattern += c == '%' ? std::string("%%") : std::string(1, c);
        pattern += "] ";
    }
    pattern += "%^%l%$ %v";
    logger->set_pattern(pattern, spdlog::pattern_time_type::utc);
    const auto parsed = spdlog::level::from_str(std::string(level));
    const bool known = parsed != spdlog::level::off || level == "off";
    logger->set_level(known ? parsed : spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    spdlog::set_error_handler([](const std::string&) {}); // never throw from a log call
    if (!known)
        spdlog::warn("unknown log level '{}', using info", level);
}

std::string redact(std::string_view secret) {
    if (secret.empty())
        return "(empty)";
    return std::string(secret.substr(0, std::min<std::size_t>(4, secret.size() / 4))) + "…(" +
           std::to_string(secret.size()) + " chars)";
}

} // namespace scalpel::log
