// sender: delivers one alert over HTTP(S) — a JSON POST to a URL (the generic webhook, or the
// Telegram Bot API's sendMessage). Blocking with a deadline; runs on the notifier's own sender
// thread, never in a trading process. TLS verifies the peer and the host name; plain http only to
// loopback (tests). Error texts never contain the URL's path (a Telegram token lives there).
#pragma once

#include <chrono>
#include <string>

namespace scalpel::notify {

struct post_result {
    int status = 0;    // HTTP status; 0 = no answer
    std::string error; // empty on a 2xx
};

[[nodiscard]] post_result post_json(const std::string& url, const std::string& body,
                                    std::chrono::milliseconds timeout);

// {"text":...} style helpers.
[[nodiscard]] std::string json_escape(const std::string& s);

} // namespace scalpel::notify
