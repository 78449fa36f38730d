// ledger unit tests: schema creation and version, migrations refuse a newer file, idempotent
// writers (orders upsert, fills and trades keyed), cursors, risk days, and the operator queries
// (trades since T, profit per day / ISO week / month with win rate and fees, by close reason).
#include "ledger/ledger.hpp"

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace scalpel::ledger;

// A fresh file per test case, removed afterwards.
struct temp_ledger {
    fs::path dir;
    std::string file;
    temp_ledger() {
        static int n = 0;
        dir = fs::temp_directory_path() /
              ("ledger-unit-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
        fs::remove_all(dir);
        fs::create_directories(dir);
        file = (dir / "ledger.sqlite").string();
    }
    ~temp_ledger() { fs::remove_all(dir); }
};

constexpr std::int64_t day_ms = 86'400'000;
// 2026-11-23 00:00:00 UTC, a Monday (ISO week 48 of 2026).
constexpr std::int64_t monday_ms = 1'795'392'000'000;

trade_row make_trade(std::string id, std::int64_t exit_ms, double net, double fees,
                     std::string reason = "tp") {
    trade_row t;
    t.entry_cl_ord_id = std::move(id);
    t.symbol = "BTC-USDT";
    t.side = "long";
    t.reason = std::move(reason);
    t.entry_price = 100;
    t.exit_price = 101;
    t.size = 1;
    t.entry_fee_usd = fees / 2;
    t.exit_fee_usd = fees / 2;
    t.net_pnl_usd = net;
    t.entry_time_ms = exit_ms - 60'000;
    t.exit_time_ms = exit_ms;
    t.source = "journal";
    return t;
}

} // namespace

TEST_CASE("a new ledger is WAL at the current schema version", "[ledger]") {
    temp_ledger t;
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    CHECK(opened.db->user_version() == schema_version);
    CHECK(opened.db->integrity_check() == "ok");
    const auto c = opened.db->counts();
    CHECK(c.orders == 0);
    CHECK(c.trades == 0);
    opened.db.reset();
    CHECK(fs::exists(t.file));
    // Reopening keeps the data and the version (no second migration).
    auto again = ledger::open(t.file);
    REQUIRE(again.db);
    CHECK(again.db->user_version() == schema_version);

    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(t.file.c_str(), &raw) == SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
    sqlite3_finalize(s);
    sqlite3_close(raw);
}

TEST_CASE("a file from a newer build is refused by name", "[ledger]") {
    temp_ledger t;
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(t.file.c_str(), &raw) == SQLITE_OK);
        REQUIRE(sqlite3_exec(raw, "PRAGMA user_version=99", nullptr, nullptr, nullptr) ==
                SQLITE_OK);
        sqlite3_close(raw);
    }
    auto opened = ledger::open(t.file);
    CHECK_FALSE(opened.db);
    CHECK(opened.error.message.find("schema version 99") != std::string::npos);
}

TEST_CASE("a version-0 file with data is migrated in place", "[ledger]") {
    temp_ledger t;
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(t.file.c_str(), &raw) == SQLITE_OK);
        REQUIRE(sqlite3_exec(raw, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('kept')",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(raw);
    }
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    CHECK(opened.db->user_version() == schema_version);
    CHECK(opened.db->record_trade(make_trade("a", monday_ms, 1, 0.1)).ok());
}

TEST_CASE("orders upsert their outcome; fills and trades are recorded once", "[ledger]") {
    temp_ledger t;
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    auto& db = *opened.db;

    order_row o{"bot1abc", "",     "BTC-USDT", "buy", "entry", "market", "",
                "0.01",    "sent", "",         1000,  0,       "",       ""};
    REQUIRE(db.record_order(o).ok());
    o.ord_id = "555";
    o.state = "filled";
    o.updated_ms = 1200;
    REQUIRE(db.record_order(o).ok());
    o.ord_id = ""; // a later report without the id keeps the known one
    o.state = "filled";
    REQUIRE(db.record_order(o).ok());
    const auto got = db.order("bot1abc");
    REQUIRE(got);
    CHECK(got->ord_id == "555");
    CHECK(got->state == "filled");
    CHECK(got->sent_ms == 1000);
    CHECK(got->updated_ms == 1200);

    const fill_row f{"t1",    "555",  "bot1abc",  "BTC-USDT", "buy",
                     "100.5", "0.01", "-0.00001", "BTC",      1100};
    REQUIRE(db.record_fill(f).ok());
    REQUIRE(db.record_fill(f).ok());
    const auto fills = db.fills_of("555");
    REQUIRE(fills.size() == 1);
    CHECK(fills[0].fee == "-0.00001"); // OKX sign and currency kept exactly
    CHECK(fills[0].fee_ccy == "BTC");

    bool inserted = false;
    REQUIRE(db.record_trade(make_trade("bot1abc", monday_ms, 1, 0.2), &inserted).ok());
    CHECK(inserted);
    REQUIRE(db.record_trade(make_trade("bot1abc", monday_ms, 5, 0.2), &inserted).ok());
    CHECK_FALSE(inserted);
    CHECK(db.trade("bot1abc")->net_pnl_usd == Approx(1));
    const auto c = db.counts();
    CHECK(c.orders == 1);
    CHECK(c.fills == 1);
    CHECK(c.trades == 1);
}

TEST_CASE("cursors move with their trade; risk days round-trip", "[ledger]") {
    temp_ledger t;
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    CHECK_FALSE(db.cursor("journal:1"));
    REQUIRE(db.record_trade_and_cursor(make_trade("a", monday_ms, 1, 0), "journal:1", 7).ok());
    CHECK(db.cursor("journal:1") == 7);
    REQUIRE(db.set_cursor("journal:1", 9).ok());
    CHECK(db.cursor("journal:1") == 9);

    CHECK_FALSE(db.latest_risk_day());
    REQUIRE(db.save_risk_day({20415, 1000, -12.5, 3, 4, 5}).ok());
    REQUIRE(db.save_risk_day({20416, 990, -1, 4, 1, 6}).ok());
    REQUIRE(db.save_risk_day({20416, 990, -2, 5, 2, 7}).ok());
    const auto day = db.risk_day(20416);
    REQUIRE(day);
    CHECK(day->net_pnl_usd == Approx(-2));
    CHECK(day->loss_streak == 5);
    CHECK(day->trades == 2);
    CHECK(db.latest_risk_day()->day == 20416);
    CHECK(db.risk_day(20415)->start_balance_usd == Approx(1000));
}

TEST_CASE("period keys are UTC days, ISO weeks and months", "[ledger]") {
    CHECK(period_key(period::day, monday_ms) == "2026-11-23");
    CHECK(period_key(period::day, monday_ms - 1) == "2026-11-22");
    CHECK(period_key(period::week, monday_ms) == "2026-W48");
    CHECK(period_key(period::week, monday_ms - 1) == "2026-W47"); // Sunday ends the ISO week
    CHECK(period_key(period::month, monday_ms) == "2026-11");
    // 2027-01-01 is a Friday: it belongs to ISO week 53 of 2026.
    CHECK(period_key(period::week, 1'798'761'600'000) == "2026-W53");
    // 2024-12-30 is a Monday: ISO week 1 of 2025.
    CHECK(period_key(period::week, 1'735'516'800'000) == "2025-W01");
}

TEST_CASE("profit per day, week and month with win rate, fees and reasons", "[ledger]") {
    temp_ledger t;
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    REQUIRE(db.record_trade(make_trade("a", monday_ms + 1000, 2.0, 0.2, "tp")).ok());
    REQUIRE(db.record_trade(make_trade("b", monday_ms + 2000, -1.0, 0.2, "sl")).ok());
    REQUIRE(db.record_trade(make_trade("c", monday_ms + day_ms, 0.5, 0.1, "ph")).ok());
    REQUIRE(db.record_trade(make_trade("d", monday_ms + 8 * day_ms, -0.25, 0.1, "external")).ok());

    const auto days = db.profit(period::day, monday_ms, monday_ms + 30 * day_ms);
    REQUIRE(days.size() == 3);
    CHECK(days[0].key == "2026-11-23");
    CHECK(days[0].trades == 2);
    CHECK(days[0].wins == 1);
    CHECK(days[0].win_rate == Approx(0.5));
    CHECK(days[0].net_pnl_usd == Approx(1.0));
    CHECK(days[0].fees_usd == Approx(0.4));
    CHECK(days[0].gross_pnl_usd == Approx(1.4));
    CHECK(days[2].key == "2026-12-01");

    const auto weeks = db.profit(period::week, monday_ms, monday_ms + 30 * day_ms);
    REQUIRE(weeks.size() == 2);
    CHECK(weeks[0].key == "2026-W48");
    CHECK(weeks[0].trades == 3);
    CHECK(weeks[0].net_pnl_usd == Approx(1.5));
    CHECK(weeks[1].key == "2026-W49");

    const auto months = db.profit(period::month, monday_ms, monday_ms + 30 * day_ms);
    REQUIRE(months.size() == 2);
    CHECK(months[0].key == "2026-11");
    CHECK(months[0].trades == 3);
    CHECK(months[1].key == "2026-12");
    CHECK(months[1].win_rate == Approx(0));

    // The range is half-open on exit time.
    CHECK(db.profit(period::day, monday_ms + 1001, monday_ms + day_ms).at(0).trades == 1);

    const auto reasons = db.profit_by_reason(0, monday_ms + 30 * day_ms);
    REQUIRE(reasons.size() == 4);
    CHECK(reasons[0].reason == "external");
    CHECK(reasons[3].reason == "tp");
    CHECK(reasons[3].wins == 1);
    CHECK(reasons[3].net_pnl_usd == Approx(2.0));

    const auto since = db.trades_since(monday_ms + 1500);
    REQUIRE(since.size() == 3);
    CHECK(since[0].entry_cl_ord_id == "b");
    CHECK(since[0].reason == "sl");
    CHECK(db.trades_since(0, 2).size() == 2);
}

TEST_CASE("a v1 file is migrated to v2: its orders kept, channel and child id added", "[ledger]") {
    temp_ledger t;
    {
        // The v1 orders table exactly as v1 made it, with one row.
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(t.file.c_str(), &raw) == SQLITE_OK);
        REQUIRE(
            sqlite3_exec(
                raw,
                "CREATE TABLE orders (cl_ord_id TEXT PRIMARY KEY, ord_id TEXT NOT NULL DEFAULT "
                "'', symbol TEXT NOT NULL, side TEXT NOT NULL, kind TEXT NOT NULL, ord_type "
                "TEXT NOT NULL, px TEXT NOT NULL DEFAULT '', sz TEXT NOT NULL DEFAULT '', state "
                "TEXT NOT NULL, error_code TEXT NOT NULL DEFAULT '', sent_ms INTEGER NOT NULL, "
                "updated_ms INTEGER NOT NULL);"
                "CREATE TABLE fills (symbol TEXT NOT NULL, trade_id TEXT NOT NULL, ord_id TEXT "
                "NOT NULL, cl_ord_id TEXT NOT NULL, side TEXT NOT NULL, fill_px TEXT NOT NULL, "
                "fill_sz TEXT NOT NULL, fee TEXT NOT NULL, fee_ccy TEXT NOT NULL, fill_time_ms "
                "INTEGER NOT NULL, PRIMARY KEY (symbol, trade_id));"
                "INSERT INTO orders VALUES ('old1', '9', 'BTC-USDT', 'buy', 'entry', 'market', "
                "'', '0.01', 'filled', '', 5, 6);"
                "PRAGMA user_version=1;",
                nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(raw);
    }
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    CHECK(opened.db->user_version() == schema_version);
    CHECK(opened.db->integrity_check() == "ok");
    const auto old = opened.db->order("old1");
    REQUIRE(old);
    CHECK(old->state == "filled");
    CHECK(old->channel.empty());
    order_row o = *old;
    o.channel = "ws";
    REQUIRE(opened.db->record_order(o).ok());
    CHECK(opened.db->order("old1")->channel == "ws");
}

TEST_CASE("order states only move forward; the exchange's fill beats a terminal guess",
          "[ledger]") {
    temp_ledger t;
    auto opened = ledger::open(t.file);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    const auto report = [&](std::string state, std::string code = {}, std::int64_t ms = 10) {
        order_row o{"c1", "",     "BTC-USDT",       "sell",          "close", "market",
                    "",   "0.01", std::move(state), std::move(code), ms,      ms,
                    "ws", ""};
        REQUIRE(db.record_order(o).ok());
        return db.order("c1")->state;
    };
    CHECK(report("sent") == "sent");
    CHECK(report("placed", {}, 20) == "placed");
    CHECK(report("sent", {}, 30) == "placed"); // a late "sent" does not move it back
    CHECK(report("canceled", {}, 40) == "canceled");
    CHECK(report("placed", {}, 50) == "canceled"); // terminal
    CHECK(report("absent", {}, 60) == "canceled"); // terminal: only a fill moves it
    CHECK(report("filled", {}, 70) == "filled");   // the exchange's fill wins
    CHECK(report("refused", "51008", 80) == "filled");
    const auto got = db.order("c1");
    CHECK(got->sent_ms == 10);
    CHECK(got->updated_ms == 80);
    CHECK(got->channel == "ws");
    CHECK(got->error_code == "51008"); // kept for the record even though it did not win

    // A refusal on its own row, then counts by kind and state.
    REQUIRE(db.record_order({"e1", "", "ETH-USDT", "buy", "entry", "market", "", "1", "refused",
                             "51008", 1, 1, "rest", ""})
                .ok());
    // An OCO fired: its child ordId carries the fills.
    REQUIRE(db.record_order({"o1", "algo7", "BTC-USDT", "sell", "oco", "oco", "", "0.01", "placed",
                             "", 1, 1, "rest", ""})
                .ok());
    REQUIRE(
        db.record_order({"o1", "", "", "", "oco", "oco", "", "", "filled", "", 2, 2, "", "child9"})
            .ok());
    const auto oco = db.order("o1");
    CHECK(oco->ord_id == "algo7");
    CHECK(oco->child_ord_id == "child9");
    CHECK(oco->state == "filled");
    // A compensation is known as one even when the exchange's fill reported it first as a close.
    REQUIRE(db.record_order({"k1", "", "BTC-USDT", "buy", "close", "market", "", "0.01", "filled",
                             "", 3, 3, "", ""})
                .ok());
    REQUIRE(db.record_order({"k1", "", "BTC-USDT", "buy", "compensate", "market", "", "0.01",
                             "placed", "", 3, 3, "rest", ""})
                .ok());
    CHECK(db.order("k1")->kind == "compensate");

    REQUIRE(
        db.record_fill({"f1", "child9", "", "BTC-USDT", "sell", "1", "0.01", "-0.01", "USDT", 5})
            .ok());
    REQUIRE(
        db.record_fill({"f2", "c1ord", "c1", "BTC-USDT", "sell", "1", "0.01", "-0.01", "USDT", 6})
            .ok());
    REQUIRE(db.record_fill({"f3", "hand", "", "BTC-USDT", "buy", "1", "0.01", "-0.01", "USDT", 7})
                .ok());
    const auto by_kind = db.orders_by_kind();
    const auto n_of = [&](std::string_view kind, std::string_view state) {
        for (const auto& c : by_kind)
            if (c.kind == kind && c.state == state)
                return c.n;
        return std::int64_t{0};
    };
    CHECK(n_of("close", "filled") == 1);
    CHECK(n_of("entry", "refused") == 1);
    CHECK(n_of("oco", "filled") == 1);
    CHECK(n_of("compensate", "filled") == 1);
    const auto fills = db.fills_by_kind();
    REQUIRE(fills.size() == 3);
    CHECK((fills[0].kind == "close" && fills[0].n == 1));
    CHECK((fills[1].kind == "oco" && fills[1].n == 1));
    CHECK((fills[2].kind == "other" && fills[2].n == 1));

    // A reader alongside the writer: read-only, sees what was committed.
    auto reader = ledger::open_read_only(t.file);
    REQUIRE(reader.db);
    CHECK(reader.db->counts().orders == 4);
    CHECK_FALSE(reader.db
                    ->record_order({"x", "", "BTC-USDT", "buy", "entry", "market", "", "1", "sent",
                                    "", 1, 1, "", ""})
                    .ok());
    CHECK_FALSE(ledger::open_read_only(t.file + ".missing").db);
}
