#include "common/fixed_string.hpp"

#include <catch2/catch.hpp>
#include <type_traits>

using scalpel::fixed_string;

TEST_CASE("fixed_string stores, compares and refuses overflow", "[unit]") {
    static_assert(std::is_trivially_copyable_v<fixed_string<16>>);
    fixed_string<16> s;
    CHECK(s.empty());
    REQUIRE(s.assign("BTC-USDT"));
    CHECK(s.view() == "BTC-USDT");
    CHECK(s == std::string_view("BTC-USDT"));
    CHECK_FALSE(s.assign("0123456789abcdefXYZ"));
    CHECK(s.view() == "BTC-USDT"); // unchanged after a refused assign
    s.assign_truncated("0123456789abcdefXYZ");
    CHECK(s.view() == "0123456789abcde");
    CHECK(fixed_string<16>::capacity() == 15);
}
