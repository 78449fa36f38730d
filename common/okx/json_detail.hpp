// Internal to scalpel_okx: simdjson ondemand helpers shared by the REST and WS parsers.
// Each helper reads one wire field (OKX sends numbers as strings) into a plain type and reports a
// typed bad_response instead of throwing; none allocates (fixed_string, decimal, from_chars).
// Not installed for other components: include only from common/okx/*.cpp.
#pragma once

#include "common/okx/error.hpp"
#include "common/okx/types.hpp"

#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace scalpel::okx::detail {

namespace od = simdjson::ondemand;

// "" → 0. Fractional digits beyond what an int64 mantissa holds are dropped (balance dust), so a
// long exchange value never fails the whole reply.
[[nodiscard]] inline bool text_to_decimal(std::string_view s, decimal& out) noexcept {
    if (s.empty()) {
        out = decimal{};
        return true;
    }
    const auto dot = s.find('.');
    if (dot != std::string_view::npos) {
        std::size_t int_digits = 0;
        for (std::size_t i = 0; i < dot; ++i)
            if (s[i] >= '1' && s[i] <= '9')
                int_digits = dot - i, i = dot;
        const std::size_t keep =
            int_digits >= 18 ? 0 : std::min<std::size_t>(18 - int_digits, decimal::max_scale);
        if (s.size() - dot - 1 > keep)
            s = s.substr(0, dot + 1 + keep);
        if (s.back() == '.')
            s.remove_suffix(1);
    }
    const auto d = decimal::parse(s);
    if (!d)
        return false;
    out = *d;
    return true;
}

[[nodiscard]] inline bool text_to_i64(std::string_view s, std::int64_t& out) noexcept {
    if (s.empty()) {
        out = 0;
        return true;
    }
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

[[nodiscard]] inline bool text_to_int(std::string_view s, int& out) noexcept {
    std::int64_t v = 0;
    if (!text_to_i64(s, v) || v < INT32_MIN || v > INT32_MAX)
        return false;
    out = static_cast<int>(v);
    return true;
}

[[nodiscard]] inline bool text_to_double(std::string_view s, double& out) noexcept {
    if (s.empty()) {
        out = 0;
        return true;
    }
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// Walks one JSON object's fields, records which required fields were seen (bit i = the i-th name
// of the list passed to done()) and turns the first problem into `err`.
class field_walker {
public:
    explicit field_walker(error& err) noexcept : err_(err) {}

    [[nodiscard]] bool fail(std::string_view what, std::string_view key = {}) noexcept {
        char buf[128];
        std::size_t n = 0;
        for (char c : what)
            if (n < sizeof buf)
                buf[n++] = c;
        if (!key.empty()) {
            for (char c : std::string_view(": "))
                if (n < sizeof buf)
                    buf[n++] = c;
            for (char c : key)
                if (n < sizeof buf)
                    buf[n++] = c;
        }
        err_ = make_error(error_kind::bad_response, std::string_view(buf, n));
        return false;
    }

    // Reads a string field. Wrong JSON type → bad_response naming the key.
    [[nodiscard]] bool text(od::value& v, std::string_view key, std::string_view& out) noexcept {
        if (v.get_string().get(out) != simdjson::SUCCESS)
            return fail("field is not a string", key);
        return true;
    }
    template <std::size_t N>
    [[nodiscard]] bool str(od::value& v, std::string_view key, fixed_string<N>& out,
                           int bit = -1) noexcept {
        std::string_view s;
        if (!text(v, key, s))
            return false;
        if (!out.assign(s))
            return fail("field too long", key);
        return mark(bit);
    }
    [[nodiscard]] bool dec(od::value& v, std::string_view key, decimal& out,
                           int bit = -1) noexcept {
        std::string_view s;
        if (!text(v, key, s))
            return false;
        if (!text_to_decimal(s, out))
            return fail("field is not a decimal", key);
        return mark(bit);
    }
    [[nodiscard]] bool i64(od::value& v, std::string_view key, std::int64_t& out,
                           int bit = -1) noexcept {
        std::string_view s;
        if (!text(v, key, s))
            return false;
        if (!text_to_i64(s, out))
            return fail("field is not an integer", key);
        return mark(bit);
    }
    [[nodiscard]] bool dbl(od::value& v, std::string_view key, double& out, int bit = -1) noexcept {
        std::string_view s;
        if (!text(v, key, s))
            return false;
        if (!text_to_double(s, out))
            return fail("field is not a number", key);
        return mark(bit);
    }
    [[nodiscard]] bool mark(int bit) noexcept {
        if (bit >= 0)
            seen_ |= 1u << bit;
        return true;
    }
    // Checks that every named required field was seen.
    [[nodiscard]] bool done(std::initializer_list<std::string_view> required) noexcept {
        int i = 0;
        for (auto name : required) {
            if (!(seen_ & (1u << i)))
                return fail("missing field", name);
            ++i;
        }
        return true;
    }

private:
    error& err_;
    unsigned seen_ = 0;
};

// The per-item sCode/sMsg/subCode triple of order endpoints.
struct item_status {
    int s_code = 0;
    int sub_code = 0;
    bool has_s_code = false;
    std::string_view s_msg;
};

// Reads sCode/sMsg/subCode when `key` is one of them; returns false on a type error.
[[nodiscard]] inline bool read_status_field(field_walker& w, od::value& v, std::string_view key,
                                            item_status& st, bool& handled) noexcept {
    handled = true;
    std::string_view s;
    if (key == "sCode") {
        if (!w.text(v, key, s))
            return false;
        if (!text_to_int(s, st.s_code))
            return w.fail("field is not an integer", key);
        st.has_s_code = true;
        return true;
    }
    if (key == "sMsg")
        return w.text(v, key, st.s_msg);
    if (key == "subCode") {
        if (!w.text(v, key, s))
            return false;
        if (!text_to_int(s, st.sub_code))
            return w.fail("field is not an integer", key);
        return true;
    }
    handled = false;
    return true;
}

// Row readers shared by REST and WS (okx_v5.md §2.3, §2.7, §2.11, §4.7).
bool read_ticker(od::object obj, ticker& out, error& err) noexcept;
bool read_order_detail(od::object obj, order_detail& out, error& err) noexcept;
bool read_algo_order(od::object obj, algo_order& out, error& err) noexcept;
bool read_order_ack(od::object obj, order_ack& out, item_status& st, error& err) noexcept;
bool read_candle_row(od::array arr, candle_row& out, error& err) noexcept;

} // namespace scalpel::okx::detail
