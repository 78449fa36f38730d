// okx::error and okx::result<T>: every outcome of talking to OKX as a value, never an exception.
// An error carries the OKX code (envelope `code` or per-item `sCode`), `subCode`, the HTTP status
// and a kind that tells the caller what to do (retry, back off, query the order, give up).
// error and result never allocate for the error part: the message is a truncated fixed_string, so
// the guard's hot path can return them. Messages never carry secrets (they come from the exchange
// or from fixed text here).
#pragma once

#include "common/fixed_string.hpp"

#include <cstdint>
#include <string_view>
#include <utility>

namespace scalpel::okx {

enum class error_kind : std::uint8_t {
    ok,
    auth,               // 401 / 5010x–5011x / WS 6000x login failures: fix keys, do not retry
    rate_limit,         // 50011, 50061, 429, WS 60014: back off and retry
    insufficient_funds, // 51008 (+subCode), 51127, 51131
    invalid_order, // size/price/instrument rules (51000, 51001, 51020, 51120, 51121, 51094, 5127x)
    not_found,     // 51603: the order does not exist
    already_done,  // cancel/amend race: 51400, 51401, 51402, 51410, 51503
    already_triggered, // 51412 / 51416: the OCO fired, fetch its child order
    duplicate_id,      // 51016 / 50071: clOrdId already in use
    unknown_outcome,   // 50004, or a transport failure after a non-idempotent request was sent
    transient,         // 50001, 50013, 50026, HTTP 5xx: retry later
    bad_request,       // 50006, 50014, WS 60012/60013/60018/64001/64002: our request is wrong
    bad_response,      // malformed JSON, missing field, wrong type
    network,           // connect/TLS/read/write failed (before anything could have landed)
    timeout,           // per-request deadline passed
    config,            // bad URL, missing credentials
    exchange,          // any other non-zero OKX code
    expired, // our order request's expTime and the lookup lag passed with no order under its id:
             // the exchange discarded it (never set from a code; see rest_client::place_order)
};

[[nodiscard]] std::string_view to_string(error_kind k) noexcept;

struct error {
    int code = 0;        // OKX code (sCode when the item had one), 0 when none applies
    int sub_code = 0;    // OKX subCode, 0 when absent/empty
    int http_status = 0; // 0 when no HTTP exchange happened (WS, string parse)
    error_kind kind = error_kind::ok;
    fixed_string<160> message; // OKX msg/sMsg or our own text, truncated

    [[nodiscard]] bool ok() const noexcept { return kind == error_kind::ok; }
};

// The kind OKX code `code` maps to (the table in okx_v5.md §3 and §4.2). Unknown non-zero codes
// map to exchange; 0, 1 and 2 map to ok (1/2 only say "look at the items").
[[nodiscard]] error_kind kind_of_code(int code) noexcept;

// Builds an error; `code` decides the kind unless `kind` is given.
[[nodiscard]] error make_error(int code, std::string_view message, int http_status = 0,
                               int sub_code = 0) noexcept;
[[nodiscard]] error make_error(error_kind kind, std::string_view message, int code = 0,
                               int http_status = 0) noexcept;

// True for kinds that a GET (or an idempotent request) may retry after a back-off.
[[nodiscard]] constexpr bool is_retryable(error_kind k) noexcept {
    return k == error_kind::rate_limit || k == error_kind::transient || k == error_kind::network ||
           k == error_kind::timeout || k == error_kind::unknown_outcome;
}

// Either a value or an error (simdjson-style pair; C++20 has no std::expected). `value` is
// default-constructed when `err` is set.
template <class T> struct [[nodiscard]] result {
    T value{};
    error err{};

    result() = default;
    result(T v) : value(std::move(v)) {} // NOLINT: implicit by design
    result(error e) : err(e) {}          // NOLINT: implicit by design

    [[nodiscard]] bool ok() const noexcept { return err.ok(); }
    explicit operator bool() const noexcept { return ok(); }
};

} // namespace scalpel::okx
