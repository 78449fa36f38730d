// ledger_writer: the crash test's victim. Opens the ledger at argv[1] and records trades (each
// with a fill and its cursor) as fast as it can, printing "committed <n>" to stdout after each
// commit returned, until killed. The parent SIGKILLs it mid-stream and checks nothing committed
// was lost.
#include "ledger/ledger.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: ledger_writer <file>\n");
        return 2;
    }
    auto opened = scalpel::ledger::ledger::open(argv[1]);
    if (!opened.db) {
        std::fprintf(stderr, "%s\n", opened.error.message.c_str());
        return 1;
    }
    auto& db = *opened.db;
    for (std::int64_t n = 1;; ++n) {
        // snprintf, not "w" + to_string: g++ 12 warns falsely (-Wrestrict) on the latter.
        char id[3][24];
        for (int i = 0; i < 3; ++i)
            std::snprintf(id[i], sizeof id[i], "%c%lld", "wto"[i], static_cast<long long>(n));
        scalpel::ledger::trade_row t;
        t.entry_cl_ord_id = id[0];
        t.symbol = "BTC-USDT";
        t.side = "long";
        t.reason = "tp";
        t.entry_price = 100;
        t.exit_price = 101;
        t.size = 0.01;
        t.net_pnl_usd = 0.01;
        t.exit_time_ms = 1'700'000'000'000 + n;
        t.source = "journal";
        t.journal_seq = static_cast<std::uint64_t>(n);
        scalpel::ledger::fill_row f{id[1], id[2],  t.entry_cl_ord_id, t.symbol, "buy",
                                    "100", "0.01", "-0.001",          "USDT",   t.exit_time_ms};
        if (!db.record_fill(f).ok() || !db.record_trade_and_cursor(t, "journal:w", n).ok())
            return 1;
        std::printf("committed %lld\n", static_cast<long long>(n));
        std::fflush(stdout);
    }
}
