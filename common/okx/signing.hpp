// OKX v5 request signing (REST and WS login), allocation-free.
//   sign = Base64( HMAC-SHA256( secret, timestamp + METHOD + requestPath(+?query) + body ) )
// REST timestamps are ISO-8601 UTC with exactly three millisecond digits
// ("2020-12-08T09:08:57.715Z"); the WS login timestamp is epoch seconds. Verified against the
// vectors in shared/spec/okx_v5.md. The secret never leaves this function: nothing here logs or
// formats it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace scalpel::okx {

inline constexpr std::size_t signature_len = 44;     // base64 of 32 bytes, padded
inline constexpr std::size_t iso_timestamp_len = 24; // 2020-12-08T09:08:57.715Z

// Writes the base64 HMAC-SHA256 of `message` under `secret` into out[0..44). Returns 44, or 0 if
// OpenSSL failed.
std::size_t sign_into(std::string_view secret, std::string_view message, char* out) noexcept;

// Convenience: sign the concatenation timestamp+method+path+body without building it in the
// caller (streams the parts through one HMAC context). Returns 44 or 0.
std::size_t sign_request_into(std::string_view secret, std::string_view timestamp,
                              std::string_view method, std::string_view request_path,
                              std::string_view body, char* out) noexcept;

[[nodiscard]] std::string sign(std::string_view secret, std::string_view message);
[[nodiscard]] std::string sign_request(std::string_view secret, std::string_view timestamp,
                                       std::string_view method, std::string_view request_path,
                                       std::string_view body);

// Formats epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[0..24). Returns 24.
std::size_t iso_timestamp_into(std::int64_t epoch_ms, char* out) noexcept;
[[nodiscard]] std::string iso_timestamp(std::int64_t epoch_ms);

// Parses the REST header timestamp back to epoch ms (the simulator's 30 s window check).
// Returns -1 when the text is not exactly that format.
[[nodiscard]] std::int64_t parse_iso_timestamp(std::string_view text) noexcept;

} // namespace scalpel::okx
