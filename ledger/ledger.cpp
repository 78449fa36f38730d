// ledger: SQLite storage and the operator queries (see ledger.hpp). Statements are prepared per
// call: the ledger is written a few times per trade, never on a hot path, so clarity wins over
// caching. Every writer is one transaction; synchronous=FULL makes a returned commit durable.
#include "ledger/ledger.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <utility>

namespace scalpel::ledger {
namespace {

// Schema v1. Text columns for wire decimals keep OKX's exact strings; REAL columns are for sums.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  cl_ord_id TEXT PRIMARY KEY, ord_id TEXT NOT NULL DEFAULT '', symbol TEXT NOT NULL,
  side TEXT NOT NULL, kind TEXT NOT NULL, ord_type TEXT NOT NULL, px TEXT NOT NULL DEFAULT '',
  sz TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, error_code TEXT NOT NULL DEFAULT '',
  sent_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS fills (
  symbol TEXT NOT NULL, trade_id TEXT NOT NULL, ord_id TEXT NOT NULL, cl_ord_id TEXT NOT NULL,
  side TEXT NOT NULL, fill_px TEXT NOT NULL, fill_sz TEXT NOT NULL, fee TEXT NOT NULL,
  fee_ccy TEXT NOT NULL, fill_time_ms INTEGER NOT NULL, PRIMARY KEY (symbol, trade_id));
CREATE INDEX IF NOT EXISTS fills_by_ord ON fills (ord_id);
CREATE TABLE IF NOT EXISTS trades (
  entry_cl_ord_id TEXT PRIMARY KEY, close_cl_ord_id TEXT NOT NULL, symbol TEXT NOT NULL,
  side TEXT NOT NULL, reason TEXT NOT NULL, entry_price REAL NOT NULL, exit_price REAL NOT NULL,
  size REAL NOT NULL, entry_fee_usd REAL NOT NULL, exit_fee_usd REAL NOT NULL,
  net_pnl_usd REAL NOT NULL, entry_time_ms INTEGER NOT NULL, exit_time_ms INTEGER NOT NULL,
  source TEXT NOT NULL, journal_seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS trades_by_exit ON trades (exit_time_ms);
CREATE TABLE IF NOT EXISTS risk_days (
  day INTEGER PRIMARY KEY, start_balance_usd REAL NOT NULL, net_pnl_usd REAL NOT NULL,
  loss_streak INTEGER NOT NULL, trades INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

// v2: where an order went (ws / rest) and, for an OCO, the ordId of the order it fired, so its
// fills (which carry no algoClOrdId) are known as the OCO's; an index for counts by kind.
constexpr const char* schema_v2 = R"sql(
ALTER TABLE orders ADD COLUMN channel TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN child_ord_id TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS orders_by_kind ON orders (kind, state);
CREATE INDEX IF NOT EXISTS orders_by_child ON orders (child_ord_id) WHERE child_ord_id <> '';
CREATE INDEX IF NOT EXISTS fills_by_cl_ord ON fills (cl_ord_id);
)sql";

// migrations[v] takes a file from user_version v to v+1. Append, never edit.
constexpr const char* migrations[] = {schema_v1, schema_v2};
static_assert(std::size(migrations) == schema_version);

// A prepared statement, finalized on scope exit.
class statement {
public:
    statement(sqlite3* db, const char* sql) noexcept : db_(db) {
        rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
    }
    ~statement() { sqlite3_finalize(s_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    statement& text(int i, std::string_view v) noexcept {
        if (rc_ == SQLITE_OK)
            rc_ = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    statement& integer(int i, std::int64_t v) noexcept {
        if (rc_ == SQLITE_OK)
            rc_ = sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    statement& real(int i, double v) noexcept {
        if (rc_ == SQLITE_OK)
            rc_ = sqlite3_bind_double(s_, i, v);
        return *this;
    }
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() noexcept {
        if (rc_ != SQLITE_OK && rc_ != SQLITE_ROW && rc_ != SQLITE_DONE)
            return rc_;
        rc_ = sqlite3_step(s_);
        return rc_;
    }
    [[nodiscard]] std::string col_text(int i) const {
        const auto* p = sqlite3_column_text(s_, i);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
                 : std::string{};
    }
    [[nodiscard]] std::int64_t col_int(int i) const noexcept { return sqlite3_column_int64(s_, i); }
    [[nodiscard]] double col_real(int i) const noexcept { return sqlite3_column_double(s_, i); }
    [[nodiscard]] status done(const char* what) const {
        if (rc_ == SQLITE_DONE || rc_ == SQLITE_ROW || rc_ == SQLITE_OK)
            return {};
        return {rc_, std::string(what) + ": " + sqlite3_errmsg(db_)};
    }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
    int rc_ = SQLITE_OK;
};

// BEGIN IMMEDIATE … COMMIT, rolled back unless commit() succeeded.
class transaction {
public:
    explicit transaction(sqlite3* db) noexcept : db_(db) {
        rc_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    }
    ~transaction() {
        if (rc_ == SQLITE_OK && !committed_)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    [[nodiscard]] status begun() const {
        return rc_ == SQLITE_OK ? status{}
                                : status{rc_, std::string("begin: ") + sqlite3_errmsg(db_)};
    }
    [[nodiscard]] status commit() {
        const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return {rc, std::string("commit: ") + sqlite3_errmsg(db_)};
        committed_ = true;
        return {};
    }

private:
    sqlite3* db_;
    int rc_;
    bool committed_ = false;
};

constexpr const char* insert_trade_sql =
    "INSERT OR IGNORE INTO trades (entry_cl_ord_id, close_cl_ord_id, symbol, side, reason, "
    "entry_price, exit_price, size, entry_fee_usd, exit_fee_usd, net_pnl_usd, entry_time_ms, "
    "exit_time_ms, source, journal_seq) VALUES "
    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)";
constexpr const char* trade_columns =
    "entry_cl_ord_id, close_cl_ord_id, symbol, side, reason, entry_price, exit_price, size, "
    "entry_fee_usd, exit_fee_usd, net_pnl_usd, entry_time_ms, exit_time_ms, source, journal_seq";

status insert_trade(sqlite3* db, const trade_row& t, bool* inserted) {
    statement s(db, insert_trade_sql);
    s.text(1, t.entry_cl_ord_id)
        .text(2, t.close_cl_ord_id)
        .text(3, t.symbol)
        .text(4, t.side)
        .text(5, t.reason)
        .real(6, t.entry_price)
        .real(7, t.exit_price)
        .real(8, t.size)
        .real(9, t.entry_fee_usd)
        .real(10, t.exit_fee_usd)
        .real(11, t.net_pnl_usd)
        .integer(12, t.entry_time_ms)
        .integer(13, t.exit_time_ms)
        .text(14, t.source)
        .integer(15, static_cast<std::int64_t>(t.journal_seq));
    s.step();
    if (inserted)
        *inserted = sqlite3_changes(db) > 0;
    return s.done("insert trade");
}

trade_row read_trade(const statement& s) {
    trade_row t;
    t.entry_cl_ord_id = s.col_text(0);
    t.close_cl_ord_id = s.col_text(1);
    t.symbol = s.col_text(2);
    t.side = s.col_text(3);
    t.reason = s.col_text(4);
    t.entry_price = s.col_real(5);
    t.exit_price = s.col_real(6);
    t.size = s.col_real(7);
    t.entry_fee_usd = s.col_real(8);
    t.exit_fee_usd = s.col_real(9);
    t.net_pnl_usd = s.col_real(10);
    t.entry_time_ms = s.col_int(11);
    t.exit_time_ms = s.col_int(12);
    t.source = s.col_text(13);
    t.journal_seq = static_cast<std::uint64_t>(s.col_int(14));
    return t;
}

status upsert_cursor(sqlite3* db, std::string_view name, std::int64_t value) {
    statement s(db, "INSERT INTO cursors (name, value) VALUES (?1, ?2) "
                    "ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    s.text(1, name).integer(2, value).step();
    return s.done("set cursor");
}

risk_day_row read_risk_day(const statement& s) {
    risk_day_row r;
    r.day = s.col_int(0);
    r.start_balance_usd = s.col_real(1);
    r.net_pnl_usd = s.col_real(2);
    r.loss_streak = static_cast<int>(s.col_int(3));
    r.trades = static_cast<int>(s.col_int(4));
    r.updated_ms = s.col_int(5);
    return r;
}

constexpr const char* risk_day_columns =
    "day, start_balance_usd, net_pnl_usd, loss_streak, trades, updated_ms";

} // namespace

const char* to_string(period p) noexcept {
    switch (p) {
    case period::day:
        return "day";
    case period::week:
        return "week";
    case period::month:
        return "month";
    }
    return "?";
}

std::string period_key(period p, std::int64_t epoch_ms) {
    using namespace std::chrono;
    const sys_days d = floor<days>(sys_time<milliseconds>(milliseconds(epoch_ms)));
    const year_month_day ymd(d);
    char buf[32];
    switch (p) {
    case period::day:
        std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
        break;
    case period::month:
        std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()));
        break;
    case period::week: {
        // ISO 8601: the week belongs to the year of its Thursday; week 1 holds the first Thursday.
        const weekday wd(d);
        const sys_days thursday = d - days((wd.iso_encoding() + 6) % 7) + days(3);
        const year iso_year = year_month_day(thursday).year();
        const sys_days jan1 = sys_days(iso_year / January / 1);
        const int week = static_cast<int>((thursday - jan1).count() / 7) + 1;
        std::snprintf(buf, sizeof buf, "%04d-W%02d", static_cast<int>(iso_year), week);
        break;
    }
    }
    return buf;
}

ledger::ledger(sqlite3* db, std::string path) noexcept : db_(db), path_(std::move(path)) {}

ledger::~ledger() {
    sqlite3_close_v2(db_);
}

open_result ledger::open(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(
        path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
        nullptr);
    if (rc != SQLITE_OK) {
        status err{rc, "open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
        sqlite3_close_v2(raw);
        return {nullptr, std::move(err)};
    }
    std::unique_ptr<ledger> db(new ledger(raw, path));
    // Readers (scalpelctl) may hold the file while signal_proc writes: wait rather than fail.
    sqlite3_busy_timeout(raw, 5000);
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
        if (status s = db->exec(pragma); !s.ok())
            return {nullptr, std::move(s)};
    }
    if (status s = db->migrate(); !s.ok())
        return {nullptr, std::move(s)};
    return {std::move(db), {}};
}

open_result ledger::open_read_only(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        status err{rc, "open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
        sqlite3_close_v2(raw);
        return {nullptr, std::move(err)};
    }
    std::unique_ptr<ledger> db(new ledger(raw, path));
    sqlite3_busy_timeout(raw, 1000); // a checkpoint in progress: wait a little, never the writer
    const int v = db->user_version();
    if (v < 1 || v > schema_version)
        return {nullptr,
                {SQLITE_MISMATCH, path + ": schema version " + std::to_string(v) +
                                      " (this build reads 1.." + std::to_string(schema_version) +
                                      ")"}};
    return {std::move(db), {}};
}

status ledger::exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    status s;
    if (rc != SQLITE_OK)
        s = {rc, std::string(sql).substr(0, 60) + ": " + (err ? err : sqlite3_errstr(rc))};
    sqlite3_free(err);
    return s;
}

int ledger::user_version() {
    statement s(db_, "PRAGMA user_version");
    return s.step() == SQLITE_ROW ? static_cast<int>(s.col_int(0)) : -1;
}

status ledger::migrate() {
    transaction tx(db_);
    if (status s = tx.begun(); !s.ok())
        return s;
    const int from = user_version();
    if (from > schema_version)
        return {SQLITE_MISMATCH, path_ + ": schema version " + std::to_string(from) +
                                     " is newer than this build's " +
                                     std::to_string(schema_version)};
    for (int v = from; v < schema_version; ++v) {
        if (status s = exec(migrations[v]); !s.ok())
            return s;
    }
    if (from != schema_version) {
        const std::string set = "PRAGMA user_version=" + std::to_string(schema_version);
        if (status s = exec(set.c_str()); !s.ok())
            return s;
    }
    return tx.commit();
}

// The rank of an order state (order_row): sent 0, unknown 1, placed 2, partially_filled 3,
// terminal 4. Spelled for the current row and for the incoming one (`excluded`).
#define STATE_RANK_OLD                                                                             \
    "(CASE state WHEN 'sent' THEN 0 WHEN 'unknown' THEN 1 WHEN 'placed' THEN 2 "                   \
    "WHEN 'partially_filled' THEN 3 ELSE 4 END)"
#define STATE_RANK_NEW                                                                             \
    "(CASE excluded.state WHEN 'sent' THEN 0 WHEN 'unknown' THEN 1 WHEN 'placed' THEN 2 "          \
    "WHEN 'partially_filled' THEN 3 ELSE 4 END)"

status ledger::record_order(const order_row& o) {
    // What was sent: the first report wins (later ones fill blanks). The state moves forward only;
    // a terminal state gives way to "filled" alone (see order_row).
    statement s(
        db_,
        "INSERT INTO orders (cl_ord_id, ord_id, symbol, side, kind, ord_type, px, sz, state, "
        "error_code, sent_ms, updated_ms, channel, child_ord_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,"
        "?9,?10,?11,?12,?13,?14) ON CONFLICT(cl_ord_id) DO UPDATE SET "
        "ord_id = CASE WHEN ord_id = '' THEN excluded.ord_id ELSE ord_id END, "
        "child_ord_id = CASE WHEN excluded.child_ord_id <> '' THEN excluded.child_ord_id "
        "ELSE child_ord_id END, "
        "symbol = CASE WHEN symbol = '' THEN excluded.symbol ELSE symbol END, "
        "side = CASE WHEN side = '' THEN excluded.side ELSE side END, "
        "kind = CASE WHEN excluded.kind = 'compensate' THEN excluded.kind ELSE kind END, "
        "ord_type = CASE WHEN ord_type = '' THEN excluded.ord_type ELSE ord_type END, "
        "sz = CASE WHEN sz = '' THEN excluded.sz ELSE sz END, "
        "channel = CASE WHEN channel = '' THEN excluded.channel ELSE channel END, "
        // Rank: sent 0, unknown 1, placed 2, partially_filled 3, terminal 4.
        "state = CASE WHEN excluded.state = 'filled' OR (" STATE_RANK_OLD " < 4 AND " STATE_RANK_NEW
        " >= " STATE_RANK_OLD ") THEN excluded.state ELSE state END, "
        "error_code = CASE WHEN excluded.error_code <> '' THEN excluded.error_code "
        "ELSE error_code END, "
        "sent_ms = CASE WHEN sent_ms = 0 OR (excluded.sent_ms > 0 AND excluded.sent_ms < sent_ms) "
        "THEN excluded.sent_ms ELSE sent_ms END, "
        "updated_ms = MAX(updated_ms, excluded.updated_ms)");
    s.text(1, o.cl_ord_id)
        .text(2, o.ord_id)
        .text(3, o.symbol)
        .text(4, o.side)
        .text(5, o.kind)
        .text(6, o.ord_type)
        .text(7, o.px)
        .text(8, o.sz)
        .text(9, o.state)
        .text(10, o.error_code)
        .integer(11, o.sent_ms)
        .integer(12, o.updated_ms ? o.updated_ms : o.sent_ms)
        .text(13, o.channel)
        .text(14, o.child_ord_id)
        .step();
    return s.done("record order");
}
#undef STATE_RANK_OLD
#undef STATE_RANK_NEW

status ledger::record_orders(const std::vector<order_row>& rows, std::string_view cursor_name,
                             std::int64_t value) {
    transaction tx(db_);
    if (status s = tx.begun(); !s.ok())
        return s;
    for (const auto& o : rows)
        if (status s = record_order(o); !s.ok())
            return s;
    if (!cursor_name.empty())
        if (status s = upsert_cursor(db_, cursor_name, value); !s.ok())
            return s;
    return tx.commit();
}

status ledger::record_fill(const fill_row& f) {
    statement s(db_, "INSERT OR IGNORE INTO fills (symbol, trade_id, ord_id, cl_ord_id, side, "
                     "fill_px, fill_sz, fee, fee_ccy, fill_time_ms) VALUES "
                     "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    s.text(1, f.symbol)
        .text(2, f.trade_id)
        .text(3, f.ord_id)
        .text(4, f.cl_ord_id)
        .text(5, f.side)
        .text(6, f.fill_px)
        .text(7, f.fill_sz)
        .text(8, f.fee)
        .text(9, f.fee_ccy)
        .integer(10, f.fill_time_ms)
        .step();
    return s.done("record fill");
}

status ledger::record_trade(const trade_row& t, bool* inserted) {
    return insert_trade(db_, t, inserted);
}

status ledger::record_trade_and_cursor(const trade_row& t, std::string_view cursor_name,
                                       std::int64_t value, bool* inserted) {
    transaction tx(db_);
    if (status s = tx.begun(); !s.ok())
        return s;
    if (status s = insert_trade(db_, t, inserted); !s.ok())
        return s;
    if (status s = upsert_cursor(db_, cursor_name, value); !s.ok())
        return s;
    return tx.commit();
}

status ledger::save_risk_day(const risk_day_row& r) {
    statement s(db_, "INSERT INTO risk_days (day, start_balance_usd, net_pnl_usd, loss_streak, "
                     "trades, updated_ms) VALUES (?1,?2,?3,?4,?5,?6) ON CONFLICT(day) DO UPDATE "
                     "SET start_balance_usd = excluded.start_balance_usd, "
                     "net_pnl_usd = excluded.net_pnl_usd, loss_streak = excluded.loss_streak, "
                     "trades = excluded.trades, updated_ms = excluded.updated_ms");
    s.integer(1, r.day)
        .real(2, r.start_balance_usd)
        .real(3, r.net_pnl_usd)
        .integer(4, r.loss_streak)
        .integer(5, r.trades)
        .integer(6, r.updated_ms)
        .step();
    return s.done("save risk day");
}

status ledger::set_cursor(std::string_view name, std::int64_t value) {
    return upsert_cursor(db_, name, value);
}

std::optional<std::int64_t> ledger::cursor(std::string_view name) {
    statement s(db_, "SELECT value FROM cursors WHERE name = ?1");
    if (s.text(1, name).step() == SQLITE_ROW)
        return s.col_int(0);
    return std::nullopt;
}

std::optional<risk_day_row> ledger::risk_day(std::int64_t day) {
    const std::string sql =
        std::string("SELECT ") + risk_day_columns + " FROM risk_days WHERE day = ?1";
    statement s(db_, sql.c_str());
    if (s.integer(1, day).step() == SQLITE_ROW)
        return read_risk_day(s);
    return std::nullopt;
}

std::optional<risk_day_row> ledger::latest_risk_day() {
    const std::string sql =
        std::string("SELECT ") + risk_day_columns + " FROM risk_days ORDER BY day DESC LIMIT 1";
    statement s(db_, sql.c_str());
    if (s.step() == SQLITE_ROW)
        return read_risk_day(s);
    return std::nullopt;
}

std::vector<trade_row> ledger::trades_since(std::int64_t since_ms, std::size_t limit) {
    const std::string sql = std::string("SELECT ") + trade_columns +
                            " FROM trades WHERE exit_time_ms >= ?1 ORDER BY exit_time_ms, "
                            "entry_cl_ord_id LIMIT ?2";
    statement s(db_, sql.c_str());
    s.integer(1, since_ms).integer(2, static_cast<std::int64_t>(limit));
    std::vector<trade_row> out;
    while (s.step() == SQLITE_ROW)
        out.push_back(read_trade(s));
    return out;
}

std::optional<trade_row> ledger::trade(std::string_view entry_cl_ord_id) {
    const std::string sql =
        std::string("SELECT ") + trade_columns + " FROM trades WHERE entry_cl_ord_id = ?1";
    statement s(db_, sql.c_str());
    if (s.text(1, entry_cl_ord_id).step() == SQLITE_ROW)
        return read_trade(s);
    return std::nullopt;
}

std::vector<fill_row> ledger::fills_of(std::string_view ord_id) {
    statement s(db_, "SELECT trade_id, ord_id, cl_ord_id, symbol, side, fill_px, fill_sz, fee, "
                     "fee_ccy, fill_time_ms FROM fills WHERE ord_id = ?1 ORDER BY fill_time_ms");
    s.text(1, ord_id);
    std::vector<fill_row> out;
    while (s.step() == SQLITE_ROW) {
        out.push_back({s.col_text(0), s.col_text(1), s.col_text(2), s.col_text(3), s.col_text(4),
                       s.col_text(5), s.col_text(6), s.col_text(7), s.col_text(8), s.col_int(9)});
    }
    return out;
}

namespace {
constexpr const char* order_columns = "cl_ord_id, ord_id, symbol, side, kind, ord_type, px, sz, "
                                      "state, error_code, sent_ms, updated_ms, channel, "
                                      "child_ord_id";
order_row read_order(const statement& s) {
    return order_row{s.col_text(0), s.col_text(1), s.col_text(2),  s.col_text(3), s.col_text(4),
                     s.col_text(5), s.col_text(6), s.col_text(7),  s.col_text(8), s.col_text(9),
                     s.col_int(10), s.col_int(11), s.col_text(12), s.col_text(13)};
}
} // namespace

std::optional<order_row> ledger::order(std::string_view cl_ord_id) {
    const std::string sql =
        std::string("SELECT ") + order_columns + " FROM orders WHERE cl_ord_id = ?1";
    statement s(db_, sql.c_str());
    if (s.text(1, cl_ord_id).step() != SQLITE_ROW)
        return std::nullopt;
    return read_order(s);
}

std::vector<order_row> ledger::orders_since(std::int64_t since_ms, std::size_t limit) {
    const std::string sql = std::string("SELECT ") + order_columns +
                            " FROM orders WHERE updated_ms >= ?1 ORDER BY sent_ms, cl_ord_id "
                            "LIMIT ?2";
    statement s(db_, sql.c_str());
    s.integer(1, since_ms).integer(2, static_cast<std::int64_t>(limit));
    std::vector<order_row> out;
    while (s.step() == SQLITE_ROW)
        out.push_back(read_order(s));
    return out;
}

std::vector<fill_row> ledger::all_fills() {
    statement s(db_, "SELECT trade_id, ord_id, cl_ord_id, symbol, side, fill_px, fill_sz, fee, "
                     "fee_ccy, fill_time_ms FROM fills ORDER BY fill_time_ms, trade_id");
    std::vector<fill_row> out;
    while (s.step() == SQLITE_ROW) {
        out.push_back({s.col_text(0), s.col_text(1), s.col_text(2), s.col_text(3), s.col_text(4),
                       s.col_text(5), s.col_text(6), s.col_text(7), s.col_text(8), s.col_int(9)});
    }
    return out;
}

std::vector<order_count> ledger::orders_by_kind() {
    statement s(db_, "SELECT kind, state, COUNT(*) FROM orders GROUP BY kind, state "
                     "ORDER BY kind, state");
    std::vector<order_count> out;
    while (s.step() == SQLITE_ROW)
        out.push_back({s.col_text(0), s.col_text(1), s.col_int(2)});
    return out;
}

std::vector<fill_count> ledger::fills_by_kind() {
    // A fill is its order's (by clOrdId), else an OCO's (by the child ordId the OCO fired).
    statement s(db_, "SELECT COALESCE((SELECT o.kind FROM orders o WHERE f.cl_ord_id <> '' AND "
                     "o.cl_ord_id = f.cl_ord_id), (SELECT c.kind FROM orders c WHERE "
                     "c.child_ord_id <> '' AND c.child_ord_id = f.ord_id), 'other') AS k, "
                     "COUNT(*) FROM fills f GROUP BY k ORDER BY k");
    std::vector<fill_count> out;
    while (s.step() == SQLITE_ROW)
        out.push_back({s.col_text(0), s.col_int(1)});
    return out;
}

std::vector<period_stats> ledger::profit(period p, std::int64_t since_ms, std::int64_t until_ms) {
    // Bucketed here rather than in SQL: SQLite 3.40's strftime has no ISO week (%V).
    statement s(db_, "SELECT exit_time_ms, net_pnl_usd, entry_fee_usd + exit_fee_usd FROM trades "
                     "WHERE exit_time_ms >= ?1 AND exit_time_ms < ?2 ORDER BY exit_time_ms");
    s.integer(1, since_ms).integer(2, until_ms);
    std::map<std::string, period_stats> buckets; // keys sort chronologically
    while (s.step() == SQLITE_ROW) {
        const std::string key = period_key(p, s.col_int(0));
        period_stats& b = buckets[key];
        b.key = key;
        const double net = s.col_real(1);
        const double fees = s.col_real(2);
        ++b.trades;
        b.wins += net > 0 ? 1 : 0;
        b.net_pnl_usd += net;
        b.fees_usd += fees;
        b.gross_pnl_usd += net + fees;
    }
    std::vector<period_stats> out;
    out.reserve(buckets.size());
    for (auto& [key, b] : buckets) {
        b.win_rate = b.trades ? static_cast<double>(b.wins) / b.trades : 0.0;
        out.push_back(std::move(b));
    }
    return out;
}

std::vector<reason_stats> ledger::profit_by_reason(std::int64_t since_ms, std::int64_t until_ms) {
    statement s(db_, "SELECT reason, COUNT(*), SUM(net_pnl_usd > 0), SUM(net_pnl_usd) FROM trades "
                     "WHERE exit_time_ms >= ?1 AND exit_time_ms < ?2 GROUP BY reason "
                     "ORDER BY reason");
    s.integer(1, since_ms).integer(2, until_ms);
    std::vector<reason_stats> out;
    while (s.step() == SQLITE_ROW)
        out.push_back({s.col_text(0), static_cast<int>(s.col_int(1)),
                       static_cast<int>(s.col_int(2)), s.col_real(3)});
    return out;
}

row_counts ledger::counts() {
    row_counts c;
    const auto count = [this](const char* sql) {
        statement s(db_, sql);
        return s.step() == SQLITE_ROW ? s.col_int(0) : -1;
    };
    c.orders = count("SELECT COUNT(*) FROM orders");
    c.fills = count("SELECT COUNT(*) FROM fills");
    c.trades = count("SELECT COUNT(*) FROM trades");
    c.risk_days = count("SELECT COUNT(*) FROM risk_days");
    return c;
}

std::string ledger::integrity_check() {
    statement s(db_, "PRAGMA integrity_check");
    return s.step() == SQLITE_ROW ? s.col_text(0) : std::string("integrity_check failed");
}

} // namespace scalpel::ledger
