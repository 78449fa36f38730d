// OKX code → error kind, per okx_v5.md §1 (auth), §2 (per-endpoint), §3 (table) and §4.2 (WS).
#include "common/okx/error.hpp"

#include <algorithm>
#include <array>

namespace scalpel::okx {
namespace {

struct code_kind {
    int code;
    error_kind kind;
};

// Sorted by code for binary search. Every code the spec names is here.
constexpr std::array code_table{
    code_kind{0, error_kind::ok},
    code_kind{1, error_kind::ok},
    code_kind{2, error_kind::ok},
    code_kind{50001, error_kind::transient},
    code_kind{50004, error_kind::unknown_outcome},
    code_kind{50006, error_kind::bad_request},
    code_kind{50011, error_kind::rate_limit},
    code_kind{50013, error_kind::transient},
    code_kind{50014, error_kind::bad_request},
    code_kind{50026, error_kind::transient},
    code_kind{50061, error_kind::rate_limit},
    code_kind{50071, error_kind::duplicate_id},
    code_kind{50101, error_kind::auth},
    code_kind{50102, error_kind::auth},
    code_kind{50103, error_kind::auth},
    code_kind{50104, error_kind::auth},
    code_kind{50105, error_kind::auth},
    code_kind{50106, error_kind::auth},
    code_kind{50107, error_kind::auth},
    code_kind{50111, error_kind::auth},
    code_kind{50112, error_kind::auth},
    code_kind{50113, error_kind::auth},
    code_kind{51000, error_kind::invalid_order},
    code_kind{51001, error_kind::invalid_order},
    code_kind{51008, error_kind::insufficient_funds},
    code_kind{51016, error_kind::duplicate_id},
    code_kind{51020, error_kind::invalid_order},
    code_kind{51094, error_kind::invalid_order},
    code_kind{51120, error_kind::invalid_order},
    code_kind{51121, error_kind::invalid_order},
    code_kind{51127, error_kind::insufficient_funds},
    code_kind{51131, error_kind::insufficient_funds},
    // "Order timed out, please try again later": what an order request past its expTime gets. Not
    // proof that nothing executed (NautilusTrader also reads it as ambiguous): resolve by lookup.
    code_kind{51149, error_kind::unknown_outcome},
    code_kind{51277, error_kind::invalid_order},
    code_kind{51278, error_kind::invalid_order},
    code_kind{51279, error_kind::invalid_order},
    code_kind{51280, error_kind::invalid_order},
    code_kind{51400, error_kind::already_done},
    code_kind{51401, error_kind::already_done},
    code_kind{51402, error_kind::already_done},
    code_kind{51410, error_kind::already_done},
    code_kind{51412, error_kind::already_triggered},
    code_kind{51416, error_kind::already_triggered},
    code_kind{51503, error_kind::already_done},
    code_kind{51603, error_kind::not_found},
    code_kind{60004, error_kind::auth},
    code_kind{60005, error_kind::auth},
    code_kind{60006, error_kind::auth},
    code_kind{60007, error_kind::auth},
    code_kind{60009, error_kind::auth},
    code_kind{60011, error_kind::auth},
    code_kind{60012, error_kind::bad_request},
    code_kind{60013, error_kind::bad_request},
    code_kind{60014, error_kind::rate_limit},
    code_kind{60018, error_kind::bad_request},
    code_kind{60024, error_kind::auth},
    code_kind{60031, error_kind::bad_request},
    code_kind{64001, error_kind::bad_request},
    code_kind{64002, error_kind::bad_request},
    code_kind{64008, error_kind::transient},
};

constexpr bool table_sorted() {
    for (std::size_t i = 1; i < code_table.size(); ++i)
        if (code_table[i - 1].code >= code_table[i].code)
            return false;
    return true;
}
static_assert(table_sorted(), "code_table must be sorted for binary search");

} // namespace

std::string_view to_string(error_kind k) noexcept {
    switch (k) {
    case error_kind::ok:
        return "ok";
    case error_kind::auth:
        return "auth";
    case error_kind::rate_limit:
        return "rate_limit";
    case error_kind::insufficient_funds:
        return "insufficient_funds";
    case error_kind::invalid_order:
        return "invalid_order";
    case error_kind::not_found:
        return "not_found";
    case error_kind::already_done:
        return "already_done";
    case error_kind::already_triggered:
        return "already_triggered";
    case error_kind::duplicate_id:
        return "duplicate_id";
    case error_kind::unknown_outcome:
        return "unknown_outcome";
    case error_kind::transient:
        return "transient";
    case error_kind::bad_request:
        return "bad_request";
    case error_kind::bad_response:
        return "bad_response";
    case error_kind::network:
        return "network";
    case error_kind::timeout:
        return "timeout";
    case error_kind::config:
        return "config";
    case error_kind::exchange:
        return "exchange";
    case error_kind::expired:
        return "expired";
    }
    return "?";
}

error_kind kind_of_code(int code) noexcept {
    const auto it = std::lower_bound(code_table.begin(), code_table.end(), code,
                                     [](const code_kind& e, int c) { return e.code < c; });
    if (it != code_table.end() && it->code == code)
        return it->kind;
    return error_kind::exchange;
}

error make_error(int code, std::string_view message, int http_status, int sub_code) noexcept {
    error e;
    e.code = code;
    e.sub_code = sub_code;
    e.http_status = http_status;
    e.kind = kind_of_code(code);
    if (e.kind == error_kind::ok)
        e.kind = error_kind::exchange; // a failure with code 0/1/2
    e.message.assign_truncated(message);
    return e;
}

error make_error(error_kind kind, std::string_view message, int code, int http_status) noexcept {
    error e;
    e.code = code;
    e.http_status = http_status;
    e.kind = kind;
    e.message.assign_truncated(message);
    return e;
}

} // namespace scalpel::okx
