// OKX v5 signing. See signing.hpp.
#include "common/okx/signing.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <ctime>

namespace scalpel::okx {
namespace {

std::size_t finish(const unsigned char* mac, unsigned int mac_len, char* out) noexcept {
    if (mac_len != 32)
        return 0;
    unsigned char b64[signature_len + 1];
    const int n = EVP_EncodeBlock(b64, mac, static_cast<int>(mac_len));
    if (n != static_cast<int>(signature_len))
        return 0;
    for (std::size_t i = 0; i < signature_len; ++i)
        out[i] = static_cast<char>(b64[i]);
    return signature_len;
}

} // namespace

std::size_t sign_into(std::string_view secret, std::string_view message, char* out) noexcept {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac,
             &mac_len) == nullptr)
        return 0;
    return finish(mac, mac_len, out);
}

std::size_t sign_request_into(std::string_view secret, std::string_view timestamp,
                              std::string_view method, std::string_view request_path,
                              std::string_view body, char* out) noexcept {
    // EVP_MAC would avoid the deprecated-in-3.0 HMAC_CTX; one-shot HMAC() over a stack buffer keeps
    // it simple and allocation-free for the sizes we sign (order bodies are < 1 KiB).
    char stack[2048];
    const std::size_t total = timestamp.size() + method.size() + request_path.size() + body.size();
    if (total > sizeof stack) {
        std::string joined;
        joined.reserve(total);
        joined.append(timestamp).append(method).append(request_path).append(body);
        return sign_into(secret, joined, out);
    }
    std::size_t n = 0;
    for (std::string_view part : {timestamp, method, request_path, body}) {
        for (char c : part)
            stack[n++] = c;
    }
    return sign_into(secret, std::string_view(stack, n), out);
}

std::string sign(std::string_view secret, std::string_view message) {
    char buf[signature_len];
    return std::string(buf, sign_into(secret, message, buf));
}

std::string sign_request(std::string_view secret, std::string_view timestamp,
                         std::string_view method, std::string_view request_path,
                         std::string_view body) {
    char buf[signature_len];
    return std::string(buf, sign_request_into(secret, timestamp, method, request_path, body, buf));
}

std::size_t iso_timestamp_into(std::int64_t epoch_ms, char* out) noexcept {
    const std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64]; // room for any int the compiler can imagine (-Wformat-truncation)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(epoch_ms % 1000));
    for (std::size_t i = 0; i < iso_timestamp_len; ++i)
        out[i] = buf[i];
    return iso_timestamp_len;
}

std::string iso_timestamp(std::int64_t epoch_ms) {
    char buf[iso_timestamp_len];
    return std::string(buf, iso_timestamp_into(epoch_ms, buf));
}

std::int64_t parse_iso_timestamp(std::string_view t) noexcept {
    if (t.size() != iso_timestamp_len || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
        t[13] != ':' || t[16] != ':' || t[19] != '.' || t[23] != 'Z')
        return -1;
    auto num = [&](std::size_t pos, std::size_t len) {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (t[i] < '0' || t[i] > '9')
                return -1;
            v = v * 10 + (t[i] - '0');
        }
        return v;
    };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    const int ms = num(20, 3);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
        tm.tm_sec < 0 || ms < 0)
        return -1;
    return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

} // namespace scalpel::okx
