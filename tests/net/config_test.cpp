// Endpoint config, credentials and rate limits: bad URLs, plain http/ws off loopback, missing or
// partial keys, world-readable key files → clear config_error texts that never contain a secret;
// token buckets per the spec's table (pure, time as a parameter).
#include "common/net/credentials.hpp"
#include "common/net/endpoint.hpp"
#include "common/net/rate_limiter.hpp"

#include "common/log.hpp"
#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace scalpel;
using namespace scalpel::net_client;

namespace {

constexpr const char* secret_value = "TOP-SECRET-VALUE-9f8e7d6c5b4a";

std::string config_error_text(auto&& f) {
    try {
        f();
    } catch (const config_error& e) {
        return e.what();
    }
    return {};
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
}

struct env_guard {
    env_guard() { clear(); }
    ~env_guard() { clear(); }
    static void clear() {
        ::unsetenv("SCALPEL_OKX_API_KEY");
        ::unsetenv("SCALPEL_OKX_SECRET");
        ::unsetenv("SCALPEL_OKX_PASSPHRASE");
    }
};

} // namespace

TEST_CASE("net_config: URL parsing", "[unit][net]") {
    auto u = parse_url("https://www.okx.com");
    CHECK(u.scheme == "https");
    CHECK(u.host == "www.okx.com");
    CHECK(u.port == 443);
    CHECK(u.tls());
    u = parse_url("wss://ws.okx.com:8443/ws/v5/");
    CHECK(u.port == 8443);
    CHECK(u.path == "/ws/v5");
    u = parse_url("ws://127.0.0.1:18080");
    CHECK(u.loopback());
    CHECK_FALSE(u.tls());
    CHECK(parse_url("http://[::1]:9000").host == "::1");
    CHECK(config_error_text([] { (void)parse_url("www.okx.com"); }).find("no scheme") !=
          std::string::npos);
    CHECK(config_error_text([] { (void)parse_url("ftp://x"); }).find("unsupported scheme") !=
          std::string::npos);
    CHECK(config_error_text([] { (void)parse_url("https://:443"); }).find("no host") !=
          std::string::npos);
    CHECK(config_error_text([] { (void)parse_url("https://h:99999"); }).find("bad port") !=
          std::string::npos);
    CHECK(config_error_text([] { (void)parse_url("https://h:abc"); }).find("bad port") !=
          std::string::npos);
}

TEST_CASE("net_config: plain http/ws only on loopback", "[unit][net]") {
    CHECK_NOTHROW(validate(endpoint_config::okx_live()));
    CHECK_NOTHROW(validate(endpoint_config::okx_demo()));
    CHECK_NOTHROW(validate(endpoint_config::loopback(18080)));
    CHECK_NOTHROW(validate(endpoint_config::loopback(18080, "localhost")));
    auto c = endpoint_config::okx_live();
    c.rest = parse_url("http://www.okx.com");
    CHECK(config_error_text([&] { validate(c); }).find("plain http to a non-loopback host") !=
          std::string::npos);
    c = endpoint_config::okx_live();
    c.ws = parse_url("ws://ws.okx.com:8443");
    CHECK(config_error_text([&] { validate(c); }).find("plain ws") != std::string::npos);
    c = endpoint_config::okx_live();
    c.rest = parse_url("wss://ws.okx.com");
    CHECK_THROWS_AS(validate(c), config_error);
    c = endpoint_config::okx_live();
    c.request_timeout = std::chrono::milliseconds(0);
    CHECK_THROWS_AS(validate(c), config_error);
}

TEST_CASE("net_config: credentials from env and 0600 file; never echoed", "[unit][net]") {
    env_guard guard;
    scalpel::test::temp_dir dir;
    std::vector<std::string> texts; // every message a user could see

    CHECK_FALSE(credentials_from_env().has_value());
    texts.push_back(config_error_text([] { (void)load_credentials(); }));
    CHECK(texts.back().find("SCALPEL_OKX_API_KEY") != std::string::npos);

    ::setenv("SCALPEL_OKX_API_KEY", "key-abcdef", 1);
    ::setenv("SCALPEL_OKX_SECRET", secret_value, 1);
    texts.push_back(config_error_text([] { (void)credentials_from_env(); }));
    CHECK(texts.back().find("SCALPEL_OKX_PASSPHRASE") != std::string::npos);
    ::setenv("SCALPEL_OKX_PASSPHRASE", "pp-123456", 1);
    auto env = credentials_from_env();
    REQUIRE(env.has_value());
    CHECK(env->secret == secret_value);
    texts.push_back(describe(*env));
    env_guard::clear();

    const std::string good = dir.path() + "/keys";
    write_file(good,
               std::string("# okx keys\napi_key = key-abcdef\nsecret=") + secret_value +
                   "\npassphrase=pp-123456\n",
               0600);
    auto f = credentials_from_file(good);
    CHECK(f.api_key == "key-abcdef");
    CHECK(f.secret == secret_value);
    CHECK(f.passphrase == "pp-123456");
    CHECK(load_credentials(good).secret == secret_value);

    const std::string loose = dir.path() + "/loose";
    write_file(loose, std::string("api_key=k\nsecret=") + secret_value + "\npassphrase=p\n", 0644);
    texts.push_back(config_error_text([&] { (void)credentials_from_file(loose); }));
    CHECK(texts.back().find("0644") != std::string::npos);
    CHECK(texts.back().find("chmod 600") != std::string::npos);
    write_file(loose, std::string("api_key=k\nsecret=") + secret_value + "\npassphrase=p\n", 0640);
    texts.push_back(config_error_text([&] { (void)credentials_from_file(loose); }));
    CHECK(!texts.back().empty());

    const std::string partial = dir.path() + "/partial";
    write_file(partial, std::string("api_key=k\nsecret=") + secret_value + "\n", 0600);
    texts.push_back(config_error_text([&] { (void)credentials_from_file(partial); }));
    CHECK(texts.back().find("lacks: passphrase") != std::string::npos);

    const std::string junk = dir.path() + "/junk";
    write_file(junk, std::string("secret ") + secret_value + "\n", 0600);
    texts.push_back(config_error_text([&] { (void)credentials_from_file(junk); }));
    CHECK(texts.back().find("not key=value") != std::string::npos);

    texts.push_back(
        config_error_text([&] { (void)credentials_from_file(dir.path() + "/missing"); }));
    CHECK(texts.back().find("does not exist") != std::string::npos);

    // A log line about the credentials goes through describe()/redact().
    std::ostringstream captured;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
    spdlog::logger logger("capture", sink);
    logger.info("loaded OKX credentials: {}", describe(f));
    logger.info("secret (redacted): {}", log::redact(f.secret));
    logger.flush();
    texts.push_back(captured.str());
    CHECK(captured.str().find("api_key=ke") != std::string::npos);

    for (const auto& t : texts) {
        INFO(t);
        CHECK(t.find(secret_value) == std::string::npos);
        CHECK(t.find("pp-123456") == std::string::npos);
    }
}

TEST_CASE("net_config: token buckets follow the spec's per-endpoint limits", "[unit][net]") {
    CHECK(rule_of(endpoint_id::candles).tokens == 40);
    CHECK(rule_of(endpoint_id::ticker).tokens == 20);
    CHECK(rule_of(endpoint_id::balance).tokens == 10);
    CHECK(rule_of(endpoint_id::place_order).tokens == 60);
    CHECK(rule_of(endpoint_id::cancel_algos).tokens == 20);
    CHECK(rule_of(endpoint_id::server_time).window_ns == 2'000'000'000);

    token_bucket b(rule_of(endpoint_id::balance)); // 10 per 2 s
    std::int64_t t = 1'000'000'000;
    for (int i = 0; i < 10; ++i)
        CHECK(b.acquire(t) == 0);
    const std::int64_t wait = b.acquire(t);
    CHECK(wait > 0);
    CHECK(wait <= 200'000'000); // one token every 200 ms
    CHECK(b.acquire(t + wait) == 0);
    CHECK(b.acquire(t + wait) > 0);
    CHECK(b.acquire(t + 10'000'000'000) == 0); // refilled (capped at 10)
    for (int i = 0; i < 9; ++i)
        CHECK(b.acquire(t + 10'000'000'000) == 0);
    CHECK(b.acquire(t + 10'000'000'000) > 0);

    rate_limiter limits;
    for (int i = 0; i < 20; ++i)
        CHECK(limits.acquire(endpoint_id::ticker, t) == 0);
    CHECK(limits.acquire(endpoint_id::ticker, t) > 0);
    CHECK(limits.acquire(endpoint_id::candles, t) == 0); // independent buckets
}
