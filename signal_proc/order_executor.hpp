// order_executor: turns an entry decision into a protected position on the exchange and in the
// segment, and reconciles `opening` slots left by a crash or an unknown outcome. Order of steps
// (shm.md): reserve_slot (intent + deterministic entry clOrdId) → market order → fill read back by
// clOrdId → OCO with a deterministic algoClOrdId (next_attempt) → publish_open. It never sends an
// order whose id it has not persisted first, never resends an entry without asking the exchange
// by clOrdId, and never leaves a filled position without an OCO longer than one retry: when the
// OCO keeps failing it closes the position at market (reason reconcile). Open slots are the
// guard's; this class only ever touches slots in `opening`. Coroutines on the caller's executor.
#pragma once

#include "common/decimal.hpp"
#include "common/net/rest_client.hpp"
#include "common/side.hpp"
#include "shm_layout/segment.hpp"
#include "strategy/regime.hpp"
#include "strategy/sizing.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace scalpel::signal {

struct executor_config {
    std::int64_t order_timeout_ms = 10'000; // fill confirmation deadline
    int oco_retries = 3;                    // extra OCO attempts before closing at market
    double taker_fee_rate = 0.001;
    double move_past_pct = 0.5;
    std::int64_t poll_ms = 200; // order state polling interval
    int lookup_retries = 5;     // clOrdId lookups after an unknown outcome
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

    // Reconciles one slot found in `opening` (left by a dead process or an unresolved outcome):
    // entry not found/canceled → abandon; filled → adopt an OCO placed under one of the slot's
    // algoClOrdIds, else place one; then publish_open. Regime params come from the slot.
    net::awaitable<open_status> reconcile_opening(std::uint32_t index, atr_lookup atr_of,
                                                  spec_lookup spec_of,
                                                  const strategy::regime_table* regimes);

private:
    struct fill_info;
    net::awaitable<void> sleep_ms(std::int64_t ms);
    net::awaitable<int> confirm_fill(std::string inst, std::string cl_ord_id, bool acked,
                                     fill_info* out);
    net::awaitable<open_outcome> protect(shm::slot_ref ref, shm::position pos, const fill_info& f,
                                         double atr, side s, strategy::regime_params params,
                                         strategy::instrument_spec inst);
    net::awaitable<bool> place_oco(shm::slot_ref ref, shm::position* pos, double atr, side s,
                                   const strategy::regime_params& params,
                                   const strategy::instrument_spec& inst);
    net::awaitable<bool> close_at_market(shm::slot_ref ref, shm::position pos, side s,
                                         const strategy::instrument_spec& inst);
    net::awaitable<double> current_price(std::string inst);

    net_client::rest_client& client_;
    shm::segment& seg_;
    executor_config cfg_;
};

} // namespace scalpel::signal
