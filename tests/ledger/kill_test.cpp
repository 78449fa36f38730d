// The ledger survives kill -9 mid-write: a child records trades as fast as it can and is SIGKILLed;
// the file then passes PRAGMA integrity_check and holds every trade the child reported committed
// (at most one more, committed but not yet reported), with the cursor moved in the same
// transaction as its trade.
#include "ledger/ledger.hpp"
#include "tests/support/child_process.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

// Highest n of the "committed <n>" lines the writer flushed to its log.
std::int64_t last_committed(const std::string& log) {
    std::ifstream in(log);
    std::string word;
    std::int64_t n = 0, last = 0;
    while (in >> word >> n)
        if (word == "committed")
            last = n;
    return last;
}

} // namespace

TEST_CASE("SIGKILL during writes loses nothing committed", "[ledger][kill]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("ledger-kill-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string file = (dir / "ledger.sqlite").string();
    const std::string log = (dir / "writer.log").string();

    for (int round = 0; round < 3; ++round) {
        const std::int64_t before = last_committed(log);
        scalpel::test::child_process writer({SCALPEL_LEDGER_WRITER, file}, log);
        // Let it get well into its stream (and, after round 0, reopen a killed file) first.
        REQUIRE(scalpel::test::wait_until([&] { return last_committed(log) >= before + 50; },
                                          std::chrono::seconds(30)));
        writer.kill(SIGKILL);
        (void)writer.wait_for(std::chrono::seconds(10));
    }
    const std::int64_t reported = last_committed(log);

    auto opened = scalpel::ledger::ledger::open(file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    CHECK(db.integrity_check() == "ok");
    CHECK(db.user_version() == scalpel::ledger::schema_version);
    const auto c = db.counts();
    // Each round restarts n at 1 and reinserts w1..: INSERT OR IGNORE keeps the first copy.
    const auto cursor = db.cursor("journal:w");
    REQUIRE(cursor);
    INFO("reported " << reported << " trades " << c.trades << " fills " << c.fills);
    CHECK(c.trades >= reported);
    CHECK(c.trades <= reported + 1);
    CHECK(*cursor == c.trades); // w1..wn contiguous; the cursor moved with its trade
    CHECK(c.fills >= c.trades);
    CHECK(c.fills <= c.trades + 1);
    fs::remove_all(dir);
}
