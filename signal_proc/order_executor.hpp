// order_executor: turns an entry decision into a protected position on the exchange and in the
// segment, and reconciles `opening` slots left by a crash or an unknown outcome. Order of steps
// (shm.md): reserve_slot (intent + deterministic entry clOrdId) → market order (with an expTime
// deadline) → fill read back by clOrdId → OCO with a deterministic algoClOrdId (next_attempt) →
// publish_open. It never sends an order whose id it has not persisted first, never sends an entry
// twice, and reads "not found" as absent only once the entry's expTime + lookup lag has passed.
// An OCO whose placement is unresolved is retried under the SAME algoClOrdId (OKX refuses a
// duplicate while the first exists); after a restart every earlier OCO attempt of the slot is
// looked up, and a sweep cancels any second live OCO of ours. When the OCO keeps failing it
// closes the position at market (reason reconcile) — but only once every OCO attempt of the slot
// is resolved on the exchange (canceled, or absent after the land lag; one that fired closed the
// position and is handed to the guard), and never while an earlier close attempt is unresolved.
// Open slots are the guard's; this class only ever touches slots in `opening`. Coroutines on the
// caller's executor.
#pragma once

#include "common/okx/requests.hpp"

#include "common/decimal.hpp"
#include "common/net/rest_client.hpp"
#include "common/side.hpp"
#include "shm_layout/segment.hpp"
#include "signal_proc/order_log_drain.hpp"
#include "strategy/regime.hpp"
#include "strategy/sizing.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace scalpel::signal {

struct executor_config {
    std::int64_t order_timeout_ms = 10'000; // fill confirmation deadline
    int oco_retries = 3;                    // extra OCO attempts before closing at market
    double taker_fee_rate = 0.001;
    double move_past_pct = 0.5;
    std::int64_t poll_ms = 200; // order / algo state polling interval (signal.order_poll_s)
    int oco_lookups = 3; // algoClOrdId lookups after an unclear OCO answer (signal.oco_lookups)
    // How long an OCO placement may still land after a lookup found nothing (order-algo has no
    // expTime): the guard's oco_land_lag, from guard.oco_grace_s (one source for both).
    std::int64_t oco_land_lag_ms = 10'000;
    // The order deadline and lookup lag are the REST client's (exchange.order_deadline_s,
    // exchange.order_lookup_lag_s): one source for expTime and for "provably absent".
    okx::td_mode td_mode = okx::td_mode::cash; // SPOT tdMode of the account mode (account/config)
};

// What one entry needs, all of it decided before the first byte is sent.
struct open_request {
    std::string symbol;
    std::string base_ccy; // "BTC" (fee currency of a buy)
    side pos_side = side::long_side;
    decimal size;   // base units, on lotSz
    double atr = 0; // the decision's ATR (TP/SL distances)
    scalpel::regime regime = scalpel::regime::ranging;
    strategy::regime_params params;
    strategy::instrument_spec inst;
};

enum class open_status : std::uint8_t {
    opened,        // filled, OCO placed, slot open
    rejected,      // the exchange refused the entry; slot freed
    not_filled,    // entry not found / canceled without fill; slot freed
    slot_refused,  // reserve_slot failed (symbol busy, no slot, lock)
    unresolved,    // outcome still unknown: the slot stays opening for the next reconcile
    closed_no_oco, // filled but no OCO could be placed: closed at market (reason reconcile)
    guard_exit,    // filled; the guard claimed its exit (PH, max hold) before the OCO: it closes
    failed,        // filled, no OCO, and the market close failed too (left opening, retried)
};
[[nodiscard]] const char* to_string(open_status s) noexcept;

struct open_outcome {
    open_status status = open_status::failed;
    shm::slot_ref ref;
};

// Called with the symbol and its entry ATR when reconciling a slot (restart): the ATR of the
// slot's entry decision is not stored in the segment, so the current one is used.
using atr_lookup = std::function<double(std::string_view symbol)>;
using spec_lookup = std::function<const strategy::instrument_spec*(std::string_view symbol)>;

class order_executor {
public:
    // Contract: `client` and `seg` outlive the executor and every coroutine it started.
    order_executor(net_client::rest_client& client, shm::segment& seg, executor_config cfg);

    // The whole entry flow for one decision. Never throws; every failure path leaves the slot
    // free, open with an OCO, closed (journalled), or opening for reconcile_opening to finish.
    net::awaitable<open_outcome> open(open_request req);
    // The account mode decides every later order's tdMode (read at start-up).
    void set_td_mode(okx::td_mode m) noexcept { cfg_.td_mode = m; }
    // Where the outcome of every order sent goes (the ledger link writes it off this path).
    void set_order_queue(order_queue* q) noexcept { orders_ = q; }

    // Reconciles one slot found in `opening` (left by a dead process or an unresolved outcome):
    // entry not found/canceled → abandon; filled → adopt an OCO placed under one of the slot's
    // algoClOrdIds, else place one; then publish_open. Regime params come from the slot.
    net::awaitable<open_status> reconcile_opening(std::uint32_t index, atr_lookup atr_of,
                                                  spec_lookup spec_of,
                                                  const strategy::regime_table* regimes);

private:
    struct fill_info;
    enum class oco_result : std::uint8_t { placed, rejected, unresolved };
    net::awaitable<void> sleep_ms(std::int64_t ms);
    // `exp_bound_ms`: no later than the order's expTime; "not found" past it + the lookup lag is
    // absence (never when `acked`).
    net::awaitable<int> confirm_fill(std::string inst, std::string cl_ord_id, bool acked,
                                     std::int64_t exp_bound_ms, fill_info* out);
    // `first_reuse_id`: an earlier OCO attempt that may still land; the first try reuses it.
    net::awaitable<open_outcome> protect(shm::slot_ref ref, shm::position pos, const fill_info& f,
                                         double atr, side s, strategy::regime_params params,
                                         strategy::instrument_spec inst,
                                         std::string first_reuse_id = {});
    // One OCO placement: under `reuse_id` when an earlier attempt is unresolved, else under the
    // next attempt's fresh id.
    net::awaitable<oco_result> place_oco(shm::slot_ref ref, shm::position* pos, double atr, side s,
                                         const strategy::regime_params& params,
                                         const strategy::instrument_spec& inst,
                                         std::string reuse_id);
    // Looks an algoClOrdId up: the algo when it is live/paused/effective, nullopt otherwise.
    net::awaitable<std::optional<okx::algo_order>> find_oco(std::string algo_cl_ord_id);
    // Who owns an opening slot's exit, from one snapshot.
    struct exit_view {
        bool opening = true;        // still this generation's opening slot (or unreadable)
        bool guard_claimed = false; // the guard holds its exit claim
        bool guard_closing = false; // ... and has handed out a close attempt
    };
    [[nodiscard]] exit_view exit_of(shm::slot_ref ref) const noexcept;
    [[nodiscard]] std::optional<std::vector<std::string>> handed_out_ids(shm::slot_ref ref,
                                                                         shm::intent what) const;
    // Cancels every live OCO of the slot's attempts on `inst` other than `keep_algo_id`.
    net::awaitable<int> sweep_extra_ocos(shm::slot_ref ref, std::string inst,
                                         std::string keep_algo_id);
    // Every OCO attempt of the slot resolved on the exchange: live ones canceled (and confirmed),
    // a fired one reported; with `may_land`, "not found" counts only once oco_land_lag has passed.
    struct oco_resolution;
    net::awaitable<oco_resolution> resolve_ocos(shm::slot_ref ref, std::string inst, bool may_land);
    enum class market_close : std::uint8_t { closed, oco_fired, failed };
    // The last resort. `oco_may_land`: an OCO attempt of the slot had an unclear outcome (or a
    // predecessor's): it may still land, so the close waits out the land lag.
    net::awaitable<market_close> close_at_market(shm::slot_ref ref, shm::position pos, side s,
                                                 const strategy::instrument_spec& inst,
                                                 bool oco_may_land);
    // Earlier close attempts of the slot resolved: true with *f when one filled, false when none
    // did; nullopt when one is still unresolved (then nothing new may go out).
    net::awaitable<std::optional<bool>> resolve_earlier_closes(shm::slot_ref ref, std::string inst,
                                                               fill_info* f,
                                                               std::string* cl_ord_id);
    bool record_market_close(shm::slot_ref ref, shm::position pos, side s, const fill_info& f,
                             std::string_view cl_ord_id);
    net::awaitable<double> current_price(std::string inst);

    // One order report for the ledger (nothing without a queue).
    void report(std::string_view cl_ord_id, std::string_view ord_id, std::string_view symbol,
                order_side s, const char* kind, const decimal& sz, const char* state,
                std::int64_t sent_ms, int error_code = 0);

    net_client::rest_client& client_;
    shm::segment& seg_;
    executor_config cfg_;
    order_queue* orders_ = nullptr;
};

} // namespace scalpel::signal
