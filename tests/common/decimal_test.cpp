#include "common/decimal.hpp"

#include <catch2/catch.hpp>

using scalpel::decimal;

TEST_CASE("decimal parses exchange increments exactly", "[unit][decimal]") {
    auto lot = decimal::parse("0.00000001");
    REQUIRE(lot);
    CHECK(lot->mantissa() == 1);
    CHECK(lot->scale() == 8);
    CHECK(decimal::parse("52000")->str() == "52000");
    CHECK(decimal::parse("-1")->str() == "-1");
    CHECK(decimal::parse("0.10")->str() == "0.1");
    CHECK(decimal::parse("12327324.8908190001")->str() == "12327324.8908190001");
    CHECK_FALSE(decimal::parse(""));
    CHECK_FALSE(decimal::parse("1e-8"));
    CHECK_FALSE(decimal::parse("1.2.3"));
    CHECK_FALSE(decimal::parse("abc"));
    CHECK_FALSE(decimal::parse("."));
    CHECK_FALSE(decimal::parse("99999999999999999999"));
    CHECK_FALSE(decimal::parse("0.0000000000000000001")); // 19 fractional digits
}

TEST_CASE("decimal rounds sizes down to the lot and prices to the tick", "[unit][decimal]") {
    const decimal lot = *decimal::parse("0.00000001");
    const decimal tick = *decimal::parse("0.1");
    CHECK(decimal::floor_to(0.0013456789, lot).str() == "0.00134567");
    CHECK(decimal::floor_to(0.3, tick).str() == "0.3"); // 0.3/0.1 = 2.9999999999999996 in binary
    CHECK(decimal::round_to(52000.049, tick).str() == "52000");
    CHECK(decimal::round_to(52000.051, tick).str() == "52000.1");
    CHECK(decimal::ceil_to(52000.01, tick).str() == "52000.1");
    CHECK(decimal::ceil_to(52000.0, tick).str() == "52000");
    const decimal lot_001 = *decimal::parse("0.001");
    CHECK(decimal::floor_to(1.23456, lot_001).str() == "1.234");
    CHECK(decimal::floor_to(0.0009, lot_001).is_zero());
}

TEST_CASE("decimal compares across scales and checks multiples", "[unit][decimal]") {
    CHECK(*decimal::parse("0.10") == *decimal::parse("0.1"));
    CHECK(*decimal::parse("0.00001") < *decimal::parse("0.0001"));
    CHECK(decimal::parse("0.00123")->is_multiple_of(*decimal::parse("0.00001")));
    CHECK_FALSE(decimal::parse("0.001234")->is_multiple_of(*decimal::parse("0.00001")));
    CHECK(decimal(5, 1).to_double() == Approx(0.5));
    CHECK(decimal(-5, 3).str() == "-0.005");
    CHECK(decimal(0, 8).str() == "0");
}
