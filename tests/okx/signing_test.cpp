#include "common/okx/signing.hpp"

#include <catch2/catch.hpp>

using namespace scalpel::okx;

namespace {
constexpr std::string_view secret = "22582BD0CFF14C41EDBF1AB98506286D"; // OKX docs' example secret
}

TEST_CASE("OKX signing matches the spec's test vectors", "[unit][okx]") {
    const std::string ts = "2020-12-08T09:08:57.715Z";
    SECTION("TV1 place order") {
        CHECK(
            sign_request(
                secret, ts, "POST", "/api/v5/trade/order",
                R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy","ordType":"limit","px":"2.15","sz":"2"})") ==
            "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=");
    }
    SECTION("TV2 GET with query, empty body") {
        CHECK(sign_request(secret, ts, "GET", "/api/v5/account/balance?ccy=BTC", "") ==
              "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=");
    }
    SECTION("TV3 WS login") {
        CHECK(sign(secret, "1538054050GET/users/self/verify") ==
              "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
    }
    SECTION("TV4 OCO algo order") {
        CHECK(
            sign_request(
                secret, ts, "POST", "/api/v5/trade/order-algo",
                R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"oco","sz":"0.001","tpTriggerPx":"52000","tpOrdPx":"-1","slTriggerPx":"49000","slOrdPx":"-1","algoClOrdId":"oco1"})") ==
            "3kAMIpsKDq5McKueMqrBZuSrBETihv2pf9H7RH7WEKA=");
    }
    SECTION("a different secret gives a different signature") {
        CHECK(sign("other", "1538054050GET/users/self/verify") !=
              "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=");
    }
}

TEST_CASE("ISO-8601 millisecond timestamps round-trip", "[unit][okx]") {
    CHECK(iso_timestamp(1607418537715) == "2020-12-08T09:08:57.715Z");
    CHECK(parse_iso_timestamp("2020-12-08T09:08:57.715Z") == 1607418537715);
    CHECK(iso_timestamp(1000) == "1970-01-01T00:00:01.000Z");
    CHECK(parse_iso_timestamp("2020-12-08 09:08:57.715Z") == -1);
    CHECK(parse_iso_timestamp("2020-12-08T09:08:57Z") == -1);
    CHECK(parse_iso_timestamp("") == -1);
}
