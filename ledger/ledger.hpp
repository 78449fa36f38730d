// ledger: the bot's memory on disk, one SQLite file (WAL mode) in the run directory. It keeps
// every order sent and its outcome, every fill with its fee (amount, currency, OKX sign), every
// closed trade (entry, exit, size, reason, fees, net PnL) and the risk state per UTC day, and
// answers the operator's questions (trades since T, profit per day/week/month, by close reason).
// Each write is one committed transaction, so kill -9 loses nothing already returned. It is never
// written from guard_proc's hot path: signal_proc drains the segment's journal into it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace scalpel::ledger {

// PRAGMA user_version of a file this build writes; older files are migrated on open.
// v2: orders.channel / orders.child_ord_id, an index by (kind, state) for the exporter.
inline constexpr int schema_version = 2;

// The outcome of a ledger call. `code` is the SQLite result code (0 = ok); message names the
// statement that failed. Never carries secrets (the ledger holds none).
struct status {
    int code = 0;
    std::string message;
    [[nodiscard]] bool ok() const noexcept { return code == 0; }
};

// One order we sent and its outcome. Upserted by cl_ord_id, one row per order whoever reports it
// (signal_proc for its entries, OCOs and last-resort closes; the guard's order log for its closes,
// compensations and OCO re-placements; the exchange's fills): what was sent is kept from the
// first report, the state only moves forward (sent → unknown → placed → partially_filled → a
// terminal state), and a terminal state gives way to nothing but "filled" (the exchange's fills
// are the truth: an order judged absent that filled after all). A cancel of an OCO is not an order
// of its own: it is that OCO's outcome, "canceled".
struct order_row {
    std::string cl_ord_id;    // ours (shm_layout/order_ids.hpp) or algoClOrdId for an OCO
    std::string ord_id;       // exchange ordId / algoId once known
    std::string symbol;       // instId
    std::string side;         // "buy" / "sell"
    std::string kind;         // "entry" / "oco" / "close" / "compensate"
    std::string ord_type;     // OKX ordType ("market", "limit", "oco", ...)
    std::string px;           // decimal string as sent ("" for market)
    std::string sz;           // decimal string as sent
    std::string state;        // order_states below
    std::string error_code;   // OKX sCode on refusal ("" otherwise)
    std::int64_t sent_ms = 0; // wall ms when sent
    std::int64_t updated_ms = 0;
    std::string channel;      // "ws" / "rest" ("" when unknown)
    std::string child_ord_id; // an OCO: ordId of the order it fired (its fills carry that id)
};

// Every value orders.state takes, in the order a state may move (terminal ones last).
inline constexpr const char* order_states[] = {"sent",   "unknown",  "placed",  "partially_filled",
                                               "filled", "canceled", "refused", "absent"};

// One fill. Keyed by (symbol, trade_id): recording the same fill twice is a no-op.
struct fill_row {
    std::string trade_id;
    std::string ord_id;
    std::string cl_ord_id;
    std::string symbol;
    std::string side;    // "buy" / "sell"
    std::string fill_px; // decimal strings as OKX sent them
    std::string fill_sz;
    std::string fee;     // OKX sign: negative = charged, positive = rebate
    std::string fee_ccy; // currency of `fee`
    std::int64_t fill_time_ms = 0;
};

// One closed trade. Keyed by entry_cl_ord_id (one trade per entry order): a duplicate is ignored,
// so the journal drain and the exchange refill may both offer the same trade.
struct trade_row {
    std::string entry_cl_ord_id;
    std::string close_cl_ord_id; // the order that closed it ("" when unknown, e.g. external)
    std::string symbol;
    std::string side;   // "long" / "short"
    std::string reason; // shm::to_string(close_reason), or "external"
    double entry_price = 0;
    double exit_price = 0;
    double size = 0;          // base units
    double entry_fee_usd = 0; // positive = paid, in quote USD
    double exit_fee_usd = 0;  // positive = paid, in quote USD
    double net_pnl_usd = 0;   // gross − both fees
    std::int64_t entry_time_ms = 0;
    std::int64_t exit_time_ms = 0;
    std::string source;            // "journal" / "exchange" (who recorded it)
    std::uint64_t journal_seq = 0; // segment journal sequence (0 = not from the journal)
};

// The risk controller's state for one UTC day (epoch days), saved after every closed trade so a
// restart the same day resumes the daily loss and the loss streak.
struct risk_day_row {
    std::int64_t day = 0; // floor(epoch_ms / 86'400'000)
    double start_balance_usd = 0;
    double net_pnl_usd = 0;
    int loss_streak = 0; // account-wide consecutive losses at the end of the last trade
    int trades = 0;
    std::int64_t updated_ms = 0;
};

enum class period { day, week, month };
[[nodiscard]] const char* to_string(period p) noexcept;

// Profit of one period bucket (UTC). Key: "2026-11-29", "2026-W48" (ISO week), "2026-11".
struct period_stats {
    std::string key;
    int trades = 0;
    int wins = 0;        // net > 0
    double win_rate = 0; // wins / trades (0 when no trades)
    double gross_pnl_usd = 0;
    double fees_usd = 0; // paid (positive)
    double net_pnl_usd = 0;
};

struct reason_stats {
    std::string reason;
    int trades = 0;
    int wins = 0;
    double net_pnl_usd = 0;
};

// The exporter's figures: orders by (kind, state) and fills by the kind of their order (an OCO's
// fills via its child ordId; "other" for a fill of no order in the ledger, e.g. a hand trade).
struct order_count {
    std::string kind, state;
    std::int64_t n = 0;
};
struct fill_count {
    std::string kind;
    std::int64_t n = 0;
};

struct row_counts {
    std::int64_t orders = 0, fills = 0, trades = 0, risk_days = 0;
};

class ledger;
struct open_result {
    std::unique_ptr<ledger> db; // null on failure
    status error;
};

class ledger {
public:
    // Opens (creating if absent) the file at `path`, sets WAL + synchronous=FULL, creates or
    // migrates the schema. A file with a newer user_version than this build is refused.
    [[nodiscard]] static open_result open(const std::string& path);
    // Read-only (SQLITE_OPEN_READONLY, no migration, no pragma that writes): for readers such as
    // the exporter. WAL readers never block the writer. Refuses a file that does not exist.
    [[nodiscard]] static open_result open_read_only(const std::string& path);
    ~ledger();
    ledger(const ledger&) = delete;
    ledger& operator=(const ledger&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] int user_version();

    // ---- writers (each one transaction, committed when it returns ok) -----------------------
    [[nodiscard]] status record_order(const order_row& o);
    // Several order reports and (when `cursor` is not empty) a cursor in one transaction: the
    // order-log drain's step, so a crash never loses or doubles a note.
    [[nodiscard]] status record_orders(const std::vector<order_row>& rows, std::string_view cursor,
                                       std::int64_t value);
    [[nodiscard]] status record_fill(const fill_row& f);
    // inserted = false when a trade with that entry_cl_ord_id is already there.
    [[nodiscard]] status record_trade(const trade_row& t, bool* inserted = nullptr);
    [[nodiscard]] status save_risk_day(const risk_day_row& r);
    // Named cursors (e.g. the journal drain's "journal:<segment epoch>" → last drained seq).
    [[nodiscard]] status set_cursor(std::string_view name, std::int64_t value);
    // Record a trade and advance a cursor in one transaction (the journal drain's step).
    [[nodiscard]] status record_trade_and_cursor(const trade_row& t, std::string_view cursor,
                                                 std::int64_t value, bool* inserted = nullptr);

    // ---- readers -----------------------------------------------------------------------------
    [[nodiscard]] std::optional<std::int64_t> cursor(std::string_view name);
    [[nodiscard]] std::optional<risk_day_row> risk_day(std::int64_t day);
    [[nodiscard]] std::optional<risk_day_row> latest_risk_day();
    // Closed trades with exit_time_ms >= since_ms, oldest first, at most `limit`.
    [[nodiscard]] std::vector<trade_row> trades_since(std::int64_t since_ms,
                                                      std::size_t limit = 1000);
    [[nodiscard]] std::optional<trade_row> trade(std::string_view entry_cl_ord_id);
    [[nodiscard]] std::vector<fill_row> fills_of(std::string_view ord_id);
    [[nodiscard]] std::optional<order_row> order(std::string_view cl_ord_id);
    // Trades closed in [since_ms, until_ms) bucketed per UTC period, oldest bucket first.
    [[nodiscard]] std::vector<period_stats> profit(period p, std::int64_t since_ms,
                                                   std::int64_t until_ms);
    [[nodiscard]] std::vector<reason_stats> profit_by_reason(std::int64_t since_ms,
                                                             std::int64_t until_ms);
    [[nodiscard]] row_counts counts();
    [[nodiscard]] std::vector<order_count> orders_by_kind();
    [[nodiscard]] std::vector<fill_count> fills_by_kind();
    [[nodiscard]] std::vector<order_row> orders_since(std::int64_t since_ms,
                                                      std::size_t limit = 1000);
    [[nodiscard]] std::vector<fill_row> all_fills();
    // "ok" when PRAGMA integrity_check finds nothing, else its first complaint.
    [[nodiscard]] std::string integrity_check();

private:
    ledger(sqlite3* db, std::string path) noexcept;
    [[nodiscard]] status exec(const char* sql);
    [[nodiscard]] status migrate();

    sqlite3* db_;
    std::string path_;
};

// UTC bucket key of a wall time for a period ("2026-11-29", "2026-W48", "2026-11").
[[nodiscard]] std::string period_key(period p, std::int64_t epoch_ms);

// Default file name inside a run directory.
inline constexpr std::string_view default_file_name = "ledger.sqlite";

} // namespace scalpel::ledger
