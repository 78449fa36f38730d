// fixed_string<N>: a trivially copyable, allocation-free string of at most N-1 chars plus a
// terminating NUL. Used for symbols and order ids in shared memory and on the guard's hot path,
// where std::string is banned. Assignment truncates silently only through assign_truncated();
// assign() reports overflow so callers can refuse bad exchange data.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace scalpel {

template <std::size_t N> struct fixed_string {
    static_assert(N >= 2, "room for at least one char and the terminator");
    char data_[N] = {};

    constexpr fixed_string() noexcept = default;
    constexpr fixed_string(std::string_view s) noexcept {
        assign_truncated(s);
    } // NOLINT: implicit by design

    // Returns false (and stores nothing) when s does not fit.
    [[nodiscard]] constexpr bool assign(std::string_view s) noexcept {
        if (s.size() >= N)
            return false;
        assign_truncated(s);
        return true;
    }
    constexpr void assign_truncated(std::string_view s) noexcept {
        const std::size_t n = std::min(s.size(), N - 1);
        for (std::size_t i = 0; i < N; ++i)
            data_[i] = i < n ? s[i] : '\0';
    }
    constexpr void clear() noexcept { assign_truncated({}); }

    [[nodiscard]] constexpr std::string_view view() const noexcept {
        std::size_t n = 0;
        while (n < N && data_[n] != '\0')
            ++n;
        return {data_, n};
    }
    [[nodiscard]] constexpr const char* c_str() const noexcept { return data_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return data_[0] == '\0'; }
    [[nodiscard]] static constexpr std::size_t capacity() noexcept { return N - 1; }

    friend constexpr bool operator==(const fixed_string& a, const fixed_string& b) noexcept {
        return a.view() == b.view();
    }
    friend constexpr bool operator==(const fixed_string& a, std::string_view b) noexcept {
        return a.view() == b;
    }
};

} // namespace scalpel
