// reconcile: the exchange is the truth. A pure function from two snapshots — what OKX reports
// (our algo orders, recent fills, balances, account uid) and what the segment holds (identity and
// slots) — to the list of actions that make the segment agree with the exchange and every
// position of ours protected. No I/O, no clock, no logging: the caller (guard_proc's
// reconcile_flow, signal_proc at start) fetches the inputs, executes the actions and logs them.
// It never proposes an order for coins the account does not hold.
#pragma once

#include "shm_layout/types.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace scalpel::reconcile {

enum class algo_status : std::uint8_t { live, effective, canceled, failed, other };

// One OCO of ours (algoClOrdId with our tag) as the exchange reports it.
struct exchange_algo {
    std::string algo_id, algo_cl_ord_id, inst_id;
    algo_status state = algo_status::other;
    double sz = 0, tp_trigger = 0, sl_trigger = 0;
    std::string child_ord_id; // the order it placed once it fired
};

// One recent fill of the account (ours or not: a sale by hand is how an external close shows).
struct exchange_fill {
    std::string inst_id, ord_id, cl_ord_id, trade_id;
    bool buy = true;
    double px = 0, sz = 0;
    double fee_usd = 0; // positive = paid, converted to quote at px
    std::int64_t time_ms = 0;
    double fee_base = 0; // the part charged in the base currency (a buyer's fee), base units
};

// Who the data belongs to: a segment made for another account, target or simulator run is not
// adopted.
struct identity {
    std::string target; // "sim" / "okx_demo" / "okx_live"
    std::string uid;    // account/config uid ("" = unknown)
    std::string run_id; // simulator run ("" on OKX)
    [[nodiscard]] bool operator==(const identity&) const = default;
};

struct exchange_snapshot {
    identity who;
    std::vector<exchange_algo> algos; // pending + recent history, ours only
    std::vector<exchange_fill> fills; // recent, oldest first
    // Base-currency units held per currency (cashBal: available + frozen by orders).
    std::vector<std::pair<std::string, double>> held;
    [[nodiscard]] double held_of(std::string_view ccy) const noexcept;
};

struct segment_slot {
    std::uint32_t index = 0, generation = 0;
    shm::slot_state state = shm::slot_state::free;
    shm::position pos;
    std::string base_ccy; // from the instrument list ("BTC" for BTC-USDT)
    double lot_sz = 0, min_sz = 0;
};

struct segment_snapshot {
    // false: the segment was just created and holds no slot: positions are rebuilt from our fills.
    bool exists = false;
    identity who; // recorded at creation (empty fields = unknown, treated as foreign)
    std::string account_tag;
    std::uint32_t id_epoch = 0;      // created_ms / 1000, as in our client order ids
    std::vector<segment_slot> slots; // every non-free slot
};

// What to do about coins of ours that no live OCO protects (named setting reconcile.unprotected).
enum class unprotected_policy : std::uint8_t { protect, close };

struct options {
    unprotected_policy unprotected = unprotected_policy::protect;
    // A slot younger than this may still be waiting for signal_proc's first OCO: not touched.
    std::int64_t oco_grace_ms = 10'000;
    std::int64_t now_ms = 0;
};

enum class action_kind : std::uint8_t {
    discard_segment, // the segment is foreign: say so once, rebuild from the exchange
    close_external,  // coins gone, no live OCO: record the close with the exchange's figures
    cancel_oco,      // a live OCO of ours that no open position owns
    protect,         // coins held, no live OCO: place one (policy protect)
    close_at_market, // coins held, no live OCO: sell them (policy close)
    shrink,          // held < position: size → held, then the OCO is replaced
    adopt_position,  // rebuild a slot from the exchange (entry fill + its live OCO)
};
[[nodiscard]] const char* to_string(action_kind k) noexcept;

struct action {
    action_kind kind = action_kind::protect;
    std::uint32_t slot = 0, generation = 0; // the segment slot it is about (not for cancel/adopt)
    std::string inst_id;
    std::string algo_id, algo_cl_ord_id; // cancel_oco: the OCO; shrink: the one to cancel first
    double size = 0;                     // shrink: new size; adopt: size held
    // close_external: from the exchange's fills after the entry (exit_px 0 = no fill found: the
    // coins left some other way, net counts the entry fee only).
    double exit_px = 0, exit_fee_usd = 0, net_pnl_usd = 0;
    std::int64_t exit_time_ms = 0;
    shm::position pos;  // adopt_position: the rebuilt position
    std::string reason; // one-line why, for the log
};

// The whole decision. Pure and deterministic: the same snapshots give the same actions, in slot
// order, then cancels, then adoptions.
[[nodiscard]] std::vector<action> decide(const exchange_snapshot& ex, const segment_snapshot& seg,
                                         const options& opt);

} // namespace scalpel::reconcile
