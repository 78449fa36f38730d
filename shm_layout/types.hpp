// The plain values the segment API trades in: a position, the ARM parameter set, a live quote, a
// journal record, and the small enums they use. Callers copy these in and out; they never see the
// atomic words the segment stores them as. Every type here is trivially copyable, standard-layout,
// pointer-free and a whole number of 8-byte words (explicit padding), because the segment moves
// them through seqlocks as arrays of std::atomic<uint64_t>.
#pragma once

#include "common/clock.hpp"
#include "common/fixed_string.hpp"
#include "common/regime.hpp"
#include "common/side.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace scalpel::shm {

using symbol_string = fixed_string<16>; // "BTC-USDT"
using id_string = fixed_string<40>;     // OKX ordId / algoId / clOrdId (≤ 32 chars)

// Who a process is. Values are part of the layout (closing-owner word, process table index).
enum class role : std::uint8_t { none = 0, signal = 1, guard = 2, aux = 3 };
inline constexpr std::size_t role_count = 4; // table size, indexed by the role value

enum class close_reason : std::uint8_t {
    none = 0,
    ph = 1,
    tp = 2,
    sl = 3,
    time_limit = 4,
    manual = 5,
    reconcile = 6,
    external = 7 // closed outside the bot (by hand on the exchange); found by reconciliation
};

// free → opening → open → closing → closed → free. `closed` lasts only inside record_close.
enum class slot_state : std::uint32_t { free = 0, opening = 1, open = 2, closing = 3, closed = 4 };

// What an exchange order of a slot is for; part of the deterministic client order id.
enum class intent : std::uint8_t { entry = 0, oco = 1, close = 2 };
inline constexpr std::size_t intent_count = 3;

// One position as both processes see it. Entry fields are written by signal_proc (reserve_slot,
// publish_open, update_position); close fields by whoever holds the closing claim (record_close).
struct position {
    symbol_string symbol;
    id_string entry_cl_ord_id;    // deterministic, written by reserve_slot before sending
    id_string entry_ord_id;       // exchange ordId of the entry fill
    id_string oco_algo_id;        // exchange algoId of the protecting OCO
    id_string oco_algo_cl_ord_id; // our algoClOrdId of that OCO
    id_string close_cl_ord_id;    // client id of the close order that ended it (if any)
    double size = 0;              // base units actually held
    double entry_price = 0;       // average fill price
    double entry_fee_usd = 0;     // entry fee converted to quote USD (positive = paid)
    double tp_price = 0;
    double sl_price = 0;
    double atr = 0;              // signal's ATR at entry (price units); 0 = unknown. Lets the
                                 // guard rebuild TP/SL when it must re-place a missing OCO.
    double ph_threshold_usd = 0; // ARM PH threshold at entry (net of fees)
    double exit_price = 0;
    double exit_fee_usd = 0;
    double net_pnl_usd = 0;
    epoch_ms entry_time_ms = 0;
    epoch_ms exit_time_ms = 0;
    std::uint32_t ph_time_limit_s = 0; // ARM PH time limit at entry
    std::uint32_t max_hold_s = 0;      // ARM max holding at entry
    regime regime_at_entry = regime::ranging;
    std::uint8_t regime_pad[3] = {}; // the word was a uint32 regime: same bytes, same offsets
    side pos_side = side::none;
    close_reason reason = close_reason::none;
    std::uint8_t ph_enabled = 0; // ARM PH switch at entry (0/1)
    std::uint8_t pad0 = 0;
};

// An entry whose fill is recorded (update_position after the fill: entry_ord_id comes only from the
// exchange's fill). From then on the guard watches the slot, even while it is still opening.
[[nodiscard]] inline bool entry_filled(const position& p) noexcept {
    return !p.entry_ord_id.empty() && p.size > 0 && p.entry_price > 0;
}

// The regime's whole parameter set (strategy.md's table), plus fee rate and publish stamps.
// Written by signal_proc (publish_params), read by guard_proc every tick (read_params).
struct arm_params {
    regime current = regime::ranging;
    std::uint8_t current_pad[3] = {}; // the word was a uint32 regime: same bytes, same offsets
    std::uint32_t ph_enabled = 1;     // 0/1
    double min_score = 4;
    double max_trades_per_hour = 10;
    double size_multiplier = 1.0;
    double tp_atr_mult = 0.9;
    double sl_atr_mult = 0.7;
    double max_hold_s = 3600;
    double ph_threshold_usd = 0.28;
    double ph_time_limit_s = 300;
    double rsi_overbought = 65;
    double rsi_oversold = 35;
    double volume_ratio_threshold = 1.10;
    double mtf_timeframe_min = 15;
    double mtf_bonus = 2;
    double mtf_block_opposite = 0; // 0/1
    double corr_threshold = 0.7;
    double corr_max = 2;
    double corr_same_direction_only = 1; // 0/1
    double adx_min = 15;
    double di_difference = 1.5;
    double pivot_bonus = 1.5;
    double volume_profile_multiplier = 1.5;
    double taker_fee_rate = 0.001;
    std::uint64_t publish_seq = 0; // stamped by publish_params (latch sequence)
    epoch_ms publish_time_ms = 0;  // stamped by publish_params
};

// strategy.md defaults for a regime (a convenience for tests, tools and first start).
[[nodiscard]] arm_params default_params(regime r) noexcept;

// One live quote. Written by guard_proc only (publish_price), read by anyone.
struct quote {
    double last = 0;
    double bid = 0;
    double ask = 0;
    epoch_ms exchange_ts_ms = 0;
    mono_ns receive_ns = 0;       // CLOCK_MONOTONIC of receipt
    std::uint64_t update_seq = 0; // stamped by publish_price: updates of this symbol so far
};

// One closed trade as the journal keeps it.
struct journal_record {
    position pos;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    std::uint64_t journal_seq = 0; // 1-based order of appends, stamped by the segment
    role closed_by = role::none;
    std::uint8_t pad[7] = {};
};

// What one order of ours is for, as the ledger files it (issue 10: every order sent and its
// outcome). A cancel of an OCO is not an order of its own: it is the OCO's outcome (canceled).
enum class order_kind : std::uint8_t { entry = 0, oco = 1, close = 2, compensate = 3 };
// What became of it. sent: handed to the exchange, no answer yet; placed: accepted (live);
// refused: the exchange said no (error_code); absent: never landed (expired, 51149, or not found
// past its deadline + lookup lag); unknown: no answer and no lookup settled it.
enum class order_outcome : std::uint8_t {
    sent = 0,
    placed = 1,
    partially_filled = 2,
    filled = 3,
    canceled = 4,
    refused = 5,
    absent = 6,
    unknown = 7
};
enum class order_channel : std::uint8_t { unknown = 0, ws = 1, rest = 2 };

// One order outcome the guard learned (off its hot path), for signal_proc to file in the ledger.
// Several notes per order are normal (sent, then placed, then filled): the ledger upserts them.
struct order_note {
    id_string cl_ord_id; // clOrdId, or algoClOrdId for an OCO
    id_string ord_id;    // ordId / algoId once known
    symbol_string symbol;
    fixed_string<24> sz;         // decimal as sent ("" when unknown)
    epoch_ms at_ms = 0;          // wall ms the outcome was learned
    std::int32_t error_code = 0; // OKX sCode of a refusal (0 otherwise)
    order_kind kind = order_kind::close;
    order_outcome outcome = order_outcome::sent;
    order_channel channel = order_channel::unknown;
    std::uint8_t flags = 0;     // note_flag_*
    std::uint64_t note_seq = 0; // 1-based order of appends, stamped by the segment
};

inline constexpr std::uint8_t note_flag_buy = 1;  // the order buys
inline constexpr std::uint8_t note_flag_sell = 4; // the order sells (neither: side not known)
// An OCO's note about the order it fired: ord_id is that child's ordId (its fills carry it).
inline constexpr std::uint8_t note_flag_child = 2;

// Who a segment was made for (issue 10): the exchange target, the account uid (account/config)
// and the simulator run id. Recorded by the guard's first reconciliation; a segment of another
// identity is not adopted.
struct segment_identity {
    fixed_string<16> target; // "sim" / "okx_demo" / "okx_live"
    fixed_string<24> uid;
    fixed_string<40> run_id; // simulator run ("" on OKX)
    epoch_ms recorded_ms = 0;
};

// Per-symbol state of the guard's market feed, by price-table index (the signal's entry gate):
// live (OKX acked the symbol's tickers subscription on the current connection and its ticks are
// fresh), polling (REST prices stand in), down (neither), not_subscribed (OKX refused the
// subscription: no entry, whatever REST says).
enum class feed_state : std::uint32_t {
    unknown = 0,
    live = 1,
    polling = 2,
    down = 3,
    not_subscribed = 4
};

template <class T> inline constexpr std::size_t word_count = sizeof(T) / 8;

template <class T>
inline constexpr bool
    is_word_value = std::is_trivially_copyable_v<T>&& std::is_standard_layout_v<T> &&
                    sizeof(T) % 8 == 0 && alignof(T) <= 8;

static_assert(is_word_value<position> && sizeof(position) == 328);
static_assert(is_word_value<arm_params> && sizeof(arm_params) == 200);
static_assert(is_word_value<quote> && sizeof(quote) == 48);
static_assert(is_word_value<journal_record> && sizeof(journal_record) == 352);
static_assert(is_word_value<segment_identity> && sizeof(segment_identity) == 88);
static_assert(is_word_value<order_note> && sizeof(order_note) == 144);
// Pinned offsets: an edit that moves a field must show up here and in layout_hash.
static_assert(offsetof(position, size) == 216 && offsetof(position, atr) == 256 &&
              offsetof(position, entry_time_ms) == 296 &&
              offsetof(position, regime_at_entry) == 320 && offsetof(position, pos_side) == 324);
static_assert(offsetof(arm_params, ph_enabled) == 4 && offsetof(arm_params, min_score) == 8 &&
              offsetof(arm_params, publish_seq) == 184);

using scalpel::to_string; // side, regime (common/)
[[nodiscard]] const char* to_string(role r) noexcept;
[[nodiscard]] const char* to_string(close_reason r) noexcept;
[[nodiscard]] const char* to_string(slot_state s) noexcept;
[[nodiscard]] const char* to_string(intent i) noexcept; // "entry", "oco", "close"
[[nodiscard]] const char* to_string(feed_state s) noexcept;
[[nodiscard]] const char* to_string(order_kind k) noexcept;
[[nodiscard]] const char* to_string(order_outcome o) noexcept;
[[nodiscard]] const char* to_string(order_channel c) noexcept;

} // namespace scalpel::shm
