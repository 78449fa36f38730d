#include "common/market_data.hpp"

#include "tests/support/net_util.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace scalpel;

TEST_CASE("real OKX 1m data loads and re-aggregates to the served 5m bars", "[unit][data]") {
    const auto one_min = load_candles(find_candle_file("okx_spot_2022", "BTC-USDT", "1m"));
    const auto five_min = load_candles(find_candle_file("okx_spot_2022", "BTC-USDT", "5m"));
    REQUIRE(one_min.size() == 52859); // manifest.csv row count
    REQUIRE(five_min.size() == 11292);
    CHECK(one_min.front().open_time_ms == 1641583920000); // 2022-01-07 19:32 UTC

    const auto rebuilt = aggregate(one_min, bar_duration_ms("1m"), bar_duration_ms("5m"));
    REQUIRE(rebuilt.size() > 8000);
    std::size_t compared = 0, mismatched = 0;
    std::size_t j = 0;
    for (const candle& c : rebuilt) {
        while (j < five_min.size() && five_min[j].open_time_ms < c.open_time_ms)
            ++j;
        if (j == five_min.size() || five_min[j].open_time_ms != c.open_time_ms)
            continue;
        ++compared;
        const candle& s = five_min[j];
        if (s.high != c.high || s.low != c.low || s.close != c.close)
            ++mismatched;
    }
    CHECK(compared > 8000);
    CHECK(mismatched == 0);
}

TEST_CASE("candle files with bad rows are refused with file and line", "[unit][data]") {
    test::temp_dir dir;
    const auto file = std::filesystem::path(dir.path()) / "bad.csv";
    {
        std::ofstream out(file);
        out << "open_time_ms,open,high,low,close,volume\n"
            << "1000,1,2,0.5,1.5,10\n"
            << "2000,1,0.4,0.5,1.5,10\n"; // high < low
    }
    try {
        (void)load_candles(file);
        FAIL("expected market_data_error");
    } catch (const market_data_error& e) {
        CHECK(std::string(e.what()).find("bad.csv:3") != std::string::npos);
    }
    CHECK_THROWS_AS(load_candles(std::filesystem::path(dir.path()) / "missing.csv"),
                    market_data_error);
    CHECK_THROWS_AS(find_candle_file("nowhere", "BTC-USDT", "1m"), market_data_error);
}

TEST_CASE("aggregate keeps or drops partial buckets on request", "[unit][data]") {
    std::vector<candle> bars;
    for (int i = 0; i < 7; ++i)
        bars.push_back({i * 60'000LL, 10.0 + i, 12.0 + i, 9.0 + i, 11.0 + i, 1.0});
    const auto full = aggregate(bars, 60'000, 300'000);
    REQUIRE(full.size() == 1);
    CHECK(full[0].open == 10.0);
    CHECK(full[0].high == 16.0);
    CHECK(full[0].low == 9.0);
    CHECK(full[0].close == 15.0);
    CHECK(full[0].volume == 5.0);
    CHECK(aggregate(bars, 60'000, 300'000, true).size() == 2);
}
