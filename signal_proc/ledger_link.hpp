// ledger_link: signal_proc's side of the ledger in one place, so signal_app only calls three
// hooks: adopt (open the file, drain what the segment holds, restore the risk controller),
// after_cycle_balance (save the day's start balance once per UTC day) and feed (drain new closed
// trades into the ledger and the risk controller). Without a ledger (the file cannot be opened)
// the hooks fall back to the segment's journal alone and say so once.
#pragma once

#include "ledger/ledger.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/journal_drain.hpp"
#include "signal_proc/order_log_drain.hpp"
#include "strategy/risk_controller.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::signal {

class ledger_link {
public:
    // Contract: seg and risk outlive the link. `file` empty → run_dir/ledger.sqlite.
    ledger_link(const shm::segment& seg, strategy::risk_controller& risk, std::string file);

    // Startup, before open slots are counted: returns true when the risk state came from the
    // ledger (the caller then must not replay the journal into `risk` itself).
    bool adopt(std::int64_t now_ms);
    // Every cycle: new journal records → ledger (+ risk controller, + one log line each), then
    // the orders (the guard's order log and signal_proc's own queue).
    // Returns the records fed to the risk controller.
    std::uint64_t feed(std::int64_t now_ms);
    // After risk.on_balance: saves the day's row the first time each UTC day.
    void after_balance(std::int64_t now_ms);

    [[nodiscard]] ledger::ledger* db() noexcept { return db_.get(); }
    // Where signal_proc's executor queues its own order reports; written by feed().
    [[nodiscard]] order_queue& orders() noexcept { return own_orders_; }
    // True once the journal ring lost records before they were drained; cleared by refill().
    [[nodiscard]] bool gap_pending() const noexcept { return gap_pending_; }
    // Trades rebuilt from the exchange for a gap: recorded (known ones ignored), the new ones
    // fed to the risk controller in exit order. Returns how many were new.
    int refill(std::vector<ledger::trade_row> trades, std::int64_t now_ms);

private:
    void log_closed(const shm::journal_record& rec) const;
    void drain_orders();

    const shm::segment& seg_;
    strategy::risk_controller& risk_;
    std::string file_;
    std::unique_ptr<ledger::ledger> db_;
    std::optional<journal_drain> drain_;
    std::optional<order_log_drain> order_drain_;
    order_queue own_orders_;
    std::uint64_t journal_seen_ = 0; // fallback path only
    std::int64_t saved_day_ = -1;
    bool gap_pending_ = false;
};

} // namespace scalpel::signal
