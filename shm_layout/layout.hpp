// The segment's byte layout: one plain struct mapped by both processes and the inspect tool. No
// pointers, no std::string, no virtuals, no destructors; every field says who writes it, who reads
// it and with what ordering. The first 64 bytes (segment_header) are frozen forever so any version
// can read any other's header and refuse it by name. Only segment.cpp and the tests touch these
// fields directly; processes go through scalpel::shm::segment.
// Platform note: cross-process std::atomic relies on GCC/x86-64 Linux making lock-free atomics
// address-free (the standard only says "should"); every atomic here is asserted always-lock-free
// and at most 8 bytes (a 16-byte load would be cmpxchg16b, which faults on a read-only mapping).
#pragma once

#include "shm_layout/latency.hpp"
#include "shm_layout/types.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <type_traits>

namespace scalpel::shm {

inline constexpr std::uint64_t segment_magic = 0x314d48534c504353ULL; // "SCPLSHM1" little-endian
// v2: latency_block, position::atr, position_slot::pending_reason. A v1 segment is refused.
// v3: reconcile_block (identity, reconciliation stamp, per-symbol feed state).
// v4: control_block (operator halt flag and command mailbox).
// v5: order_log_block (the guard's order outcomes, drained into the ledger by signal_proc).
// v6: position_slot::sent_ns (when each intent's latest request went out).
inline constexpr std::uint32_t layout_version = 6;
inline constexpr std::size_t slot_capacity = 64;
inline constexpr std::size_t price_capacity = 32;
inline constexpr std::size_t journal_capacity = 256;
inline constexpr std::size_t counter_count = 16;
inline constexpr std::size_t command_capacity = 16;
inline constexpr std::size_t order_log_capacity = 512;

enum class init_state : std::uint32_t { empty = 0, initializing = 1, ready = 2 };

enum class process_status : std::uint32_t {
    absent = 0,
    starting = 1,
    running = 2,
    stopping = 3,
    stopped = 4
};

// Per-process counters (one block per role). Single writer (the role's process), relaxed.
enum class counter : std::uint32_t {
    ticks = 0,
    price_updates,
    ph_closes,
    tp_closes,
    sl_closes,
    time_limit_closes,
    manual_closes,
    reconcile_closes,
    orders_sent,
    errors,
    reconnects,
    lock_repairs,
    claims_won,
    claims_lost,
    claims_stolen,
    lock_timeouts
};
[[nodiscard]] const char* to_string(counter c) noexcept;

// Frozen forever: the same 64 bytes in every layout version.
struct segment_header {
    // creator writes (relaxed) before the release store of init_state = ready; attachers read
    // after an acquire load of init_state (magic may be read earlier, to refuse foreign data).
    std::atomic<std::uint64_t> magic;
    std::atomic<std::uint32_t> version;     // layout_version of the creator
    std::atomic<std::uint32_t> header_size; // sizeof(segment_header) == 64
    std::atomic<std::uint64_t> total_size;  // sizeof(segment_layout) of the creator
    // creator: initializing (relaxed) at start, ready (release) last. Everyone: acquire.
    std::atomic<std::uint32_t> init;
    std::atomic<std::int32_t> creator_pid;  // creator, before ready; diagnostics only
    std::atomic<std::int64_t> created_ms;   // creator, wall epoch ms; also the order-id epoch
    std::atomic<std::uint64_t> layout_hash; // creator: layout_hash of its build
    std::atomic<std::uint64_t> reserved[2]; // zero; room inside the frozen 64 bytes
};

// Written once by the creator before ready; read-only afterwards (acquire via init_state).
struct segment_info {
    symbol_string account_tag; // prefix of every client order id
    std::atomic<std::uint32_t> slot_capacity;
    std::atomic<std::uint32_t> price_capacity;
    std::atomic<std::uint32_t> journal_capacity;
    std::atomic<std::uint32_t> counter_count;
    std::uint8_t pad[32];
};

// The one robust, process-shared pthread mutex, plus a holder record for the inspect tool.
struct alignas(64) mutex_block {
    pthread_mutex_t mutex; // creator inits (ROBUST|PSHARED); then pthread only
    // lock holder, after locking: role, pid (relaxed), then held_since_ns (release); cleared
    // (held_since_ns = 0 first) before unlocking. Readers (inspect): acquire on held_since_ns.
    std::atomic<std::uint32_t> holder_role;
    std::atomic<std::int32_t> holder_pid;
    std::atomic<std::int64_t> held_since_ns; // CLOCK_MONOTONIC; 0 = not held
    // lock holder, relaxed: statistics for inspect.
    std::atomic<std::uint64_t> lock_count;
    std::atomic<std::uint64_t> owner_died_count; // EOWNERDEAD repairs done
    std::atomic<std::int64_t> last_repair_ms;    // wall time of the last repair
    std::atomic<std::uint32_t> not_recoverable;  // 1 once ENOTRECOVERABLE was seen (fatal)
    std::atomic<std::uint32_t> last_dead_role;   // holder record found by the last repair
    std::atomic<std::uint64_t> torn_repairs;     // odd seqs fixed by repairs
};

// One per role. Written only by the process owning the role (its lock file proves it); read by
// anyone. pid/start_ticks/incarnation: relaxed, published by the release store of status.
struct alignas(128) process_entry {
    std::atomic<std::int32_t> pid;
    std::atomic<std::uint32_t> incarnation; // bumped (mod 2^24, never 0) on every attach
    std::atomic<std::uint64_t> start_ticks; // /proc/<pid>/stat field 22, guards pid reuse
    std::atomic<std::int64_t> heartbeat_ns; // CLOCK_MONOTONIC; relaxed store every ≤ 100 ms
    std::atomic<std::uint32_t> status;      // process_status; release store, acquire load
    std::atomic<std::uint32_t> pad0;
    std::atomic<std::int64_t> attached_ms; // wall ms of the attach
};

// One per role: single writer (that role's process), relaxed loads and stores (Aeron style).
struct alignas(128) counter_block {
    std::atomic<std::uint64_t> values[counter_count];
};

// ARM parameters: two-copy latch (seqlock.hpp). Writer: signal_proc under the mutex; readers:
// guard every tick, inspect; lock-free. copy[seq & 1] is the published one.
struct alignas(128) params_block {
    std::atomic<std::uint64_t> seq; // writer: release store after the copy; readers acquire
    std::uint8_t pad[56];
    std::atomic<std::uint64_t> copy0[word_count<arm_params>];
    std::atomic<std::uint64_t> copy1[word_count<arm_params>];
};

// One live-price entry. Symbol: registered once under the mutex, published by the release store
// of price_table::count. Quote: single writer (guard), per-entry seqlock.
struct alignas(128) price_entry {
    std::atomic<std::uint64_t> symbol[2]; // symbol_string as two words
    std::atomic<std::uint32_t> seq;       // seqlock over `words`; odd = being written
    std::atomic<std::uint32_t> pad0;
    std::atomic<std::uint64_t> words[word_count<quote>];
};

struct alignas(128) price_table {
    std::atomic<std::uint32_t> count; // registered entries; release by registrar (mutex)
    std::uint8_t pad[124];
    price_entry entries[price_capacity];
};

// A position slot. Control words first, the payload after; the payload is seqlocked and written
// only under the mutex (so one writer at a time), the control words are atomics on their own.
struct alignas(128) position_slot {
    // under the mutex: free→opening (reserve), opening→open (publish_open), →closed→free
    // (record_close), opening→free (abandon). Lock-free: open→closing by the claim winner and
    // closing→open on release. Release stores, acquire loads.
    std::atomic<std::uint32_t> state;
    // under the mutex, bumped on free→opening (never 0 once used). Release; readers acquire.
    std::atomic<std::uint32_t> generation;
    // payload seqlock (odd = being written); writers hold the mutex, readers lock-free.
    std::atomic<std::uint32_t> seq;
    // repair flags (slot_flag_*): mutex holders; relaxed.
    std::atomic<std::uint32_t> flags;
    // closing claim {generation:32 | role:8 | incarnation:24}; role 0 = idle, 0xff = retired.
    // Reset by reserve (mutex), taken by CAS (acq_rel) from anyone, stolen by CAS from a dead
    // incarnation, retired under the mutex by record_close/abandon.
    std::atomic<std::uint64_t> closing_owner;
    // per-intent attempt counters (entry, oco, close) for deterministic clOrdIds: the intent's
    // holder bumps (fetch_add acq_rel) before sending; reset by reserve. Anyone reads (acquire).
    std::atomic<std::uint32_t> attempts[intent_count];
    // close_reason the claim holder means to close with, so an adopter of its claim does not have
    // to guess. Written by the claim holder (set_pending_reason) right after winning the claim and
    // BEFORE next_attempt(close): that fetch_add (acq_rel) publishes it, so a reader that saw the
    // attempt (acquire) sees the reason. Reset to none by reserve (mutex) and by release_claim
    // (before the claim goes idle). Readers: relaxed after an acquire load of attempts.
    std::atomic<std::uint32_t> pending_reason;
    // per intent: CLOCK_MONOTONIC ns of the latest request sent under any of its ids (a new
    // attempt or a re-send of an unresolved one). Stored BEFORE the attempt's fetch_add (so a
    // reader that acquires the new count sees it) and before a re-send; only ever raised (CAS
    // max); reset by reserve. An algo placement has no expTime: "not found" means absent only
    // this long after its last send, however often the process watching it was restarted.
    std::atomic<std::int64_t> sent_ns[intent_count];
    std::atomic<std::uint64_t> words[word_count<position>];
};

inline constexpr std::uint32_t slot_flag_torn_repaired = 1; // payload seq was odd at a repair

// One journal entry. Appended under the mutex; read lock-free. seq = 2·n+2 once record n (0-based)
// is complete, odd while being written.
struct alignas(128) journal_entry {
    std::atomic<std::uint64_t> seq;
    std::atomic<std::uint64_t> words[word_count<journal_record>];
};

struct alignas(128) journal_block {
    std::atomic<std::uint64_t> head; // records appended; release after the entry is done
    std::uint8_t pad[120];
    journal_entry entries[journal_capacity];
};

// Tick→order latency of the guard's bot-initiated closes (frame receive → order frame handed to
// the socket), bucketed by shm_layout/latency.hpp. Single writer: the guard (record_latency), with
// relaxed load+store per word (no locked RMW on the hot path); readers (inspect, the guard's log)
// take relaxed loads, so a concurrent read may be one record apart between fields: percentiles
// use the sum of the buckets they copied, not `count`.
struct alignas(128) latency_block {
    std::atomic<std::uint64_t> count;  // orders recorded
    std::atomic<std::uint64_t> sum_ns; // for the mean
    std::atomic<std::uint64_t> max_ns;
    std::uint8_t pad[104];
    std::atomic<std::uint64_t> buckets[latency_bucket_count];
};

// Reconciliation state (issue 10). identity: seqlock, written under the mutex by the guard's
// reconcile flow (record_identity), read lock-free. reconciled_ms / reconciled_incarnation: the
// guard, relaxed incarnation then release store of the time, after a complete reconciliation;
// readers acquire. feed: per price-table index, single writer (the guard), relaxed.
struct alignas(128) reconcile_block {
    std::atomic<std::uint64_t> identity_seq;
    std::atomic<std::uint64_t> identity[word_count<segment_identity>];
    std::atomic<std::int64_t> reconciled_ms; // wall ms; 0 = never reconciled
    std::atomic<std::uint32_t> reconciled_incarnation;
    std::atomic<std::uint32_t> pad0;
    std::atomic<std::uint32_t> feed[price_capacity]; // feed_state
};

// Operator commands (scalpelctl → guard). One mailbox entry's life:
//   free --(requester CAS)--> writing --(fields, release)--> posted
//   posted --(guard CAS, taker recorded)--> taken --(guard: result, release)--> done
//   done --(requester, after reading)--> free; a taken entry whose taker died is re-taken.
enum class command_kind : std::uint32_t { none = 0, exit_position = 1, flatten = 2 };
enum class command_state : std::uint32_t { free = 0, writing = 1, posted = 2, taken = 3, done = 4 };
// What the guard did with a command. Whether the exchange confirmed is for the requester to check.
enum class command_result : std::uint32_t {
    pending = 0,
    close_sent = 1,  // exit: the claim was won and the market close sent (flatten: every one)
    no_position = 2, // exit: the slot is not open at that generation (already closed)
    busy = 3,        // exit: another close of this position is already under way
    failed = 4       // the close could not be started (see the guard's log)
};

struct alignas(64) command_entry {
    std::atomic<std::uint32_t> state;       // command_state; CAS/release/acquire as drawn above
    std::atomic<std::uint32_t> kind;        // command_kind; requester, before posted
    std::atomic<std::uint32_t> slot;        // exit_position: slot index; requester, before posted
    std::atomic<std::uint32_t> generation;  // exit_position: slot generation; requester
    std::atomic<std::uint64_t> request_id;  // requester's id (pid << 32 | counter); requester
    std::atomic<std::uint32_t> taker;       // guard: {role:8 | incarnation:24} at take
    std::atomic<std::uint32_t> result;      // command_result; guard, before done
    std::atomic<std::uint32_t> closes_sent; // guard: market closes it sent for this command
    std::atomic<std::uint32_t> pad0;
    std::atomic<std::int64_t> posted_ms; // wall ms; requester
    std::atomic<std::int64_t> done_ms;   // wall ms; guard
};

// Operator control. halted: writer anyone attached read-write (scalpelctl, or a process restoring
// the persisted flag at start), release; readers (signal_proc before every entry, inspect)
// acquire. halt_seq bumps on every change (release, after halted_ms and halted).
struct alignas(128) control_block {
    std::atomic<std::uint32_t> halted; // 0 = entries allowed, 1 = no new entries
    std::atomic<std::uint32_t> pad0;
    std::atomic<std::int64_t> halted_ms; // wall ms of the last change
    std::atomic<std::uint64_t> halt_seq;
    std::uint8_t pad[104];
    command_entry commands[command_capacity];
};

// The guard's order outcomes (order_note), a ring like the journal but with ONE writer: the guard
// (its role lock admits one incarnation at a time; a --standby guard attaches only once it holds
// it), lock-free, from its service code only (never the tick path). seq = 2·n+2 once note n is
// complete, odd while being written; head: release after the entry is done. Reader: signal_proc's
// drain (and inspect), lock-free.
struct alignas(64) order_log_entry {
    std::atomic<std::uint64_t> seq;
    std::atomic<std::uint64_t> words[word_count<order_note>];
};

struct alignas(128) order_log_block {
    std::atomic<std::uint64_t> head; // notes appended
    std::uint8_t pad[120];
    order_log_entry entries[order_log_capacity];
};

struct segment_layout {
    segment_header header;
    segment_info info;
    mutex_block mutex;
    process_entry processes[role_count];
    counter_block counters[role_count];
    params_block params;
    price_table prices;
    position_slot slots[slot_capacity];
    journal_block journal;
    latency_block latency;
    reconcile_block reconcile;
    control_block control;
    order_log_block order_log;
};

// ---- static guarantees -------------------------------------------------------------------
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int32_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4);

template <class T>
inline constexpr bool shm_safe = std::is_standard_layout_v<T>&& std::is_trivially_copyable_v<T>;
static_assert(shm_safe<segment_header> && shm_safe<segment_info> && shm_safe<mutex_block>);
static_assert(shm_safe<process_entry> && shm_safe<counter_block> && shm_safe<params_block>);
static_assert(shm_safe<price_entry> && shm_safe<price_table> && shm_safe<position_slot>);
static_assert(shm_safe<journal_entry> && shm_safe<journal_block> && shm_safe<segment_layout>);
static_assert(shm_safe<latency_block> && shm_safe<reconcile_block>);
static_assert(shm_safe<latency_block> && shm_safe<command_entry> && shm_safe<control_block>);
static_assert(sizeof(command_entry) == 64 && offsetof(control_block, commands) == 128);
static_assert(offsetof(segment_layout, control) % 128 == 0);
static_assert(shm_safe<order_log_entry> && shm_safe<order_log_block>);
static_assert(sizeof(order_log_entry) == 192 && offsetof(order_log_block, entries) == 128);
static_assert(offsetof(segment_layout, order_log) % 128 == 0);

static_assert(sizeof(segment_header) == 64, "the header is frozen");
static_assert(offsetof(segment_header, magic) == 0 && offsetof(segment_header, version) == 8 &&
              offsetof(segment_header, header_size) == 12 &&
              offsetof(segment_header, total_size) == 16 && offsetof(segment_header, init) == 24 &&
              offsetof(segment_header, creator_pid) == 28 &&
              offsetof(segment_header, created_ms) == 32 &&
              offsetof(segment_header, layout_hash) == 40);
static_assert(sizeof(segment_info) == 64);
static_assert(sizeof(mutex_block) == 128 &&
              offsetof(mutex_block, holder_role) == sizeof(pthread_mutex_t));
static_assert(sizeof(process_entry) == 128 && sizeof(counter_block) == 128);
static_assert(sizeof(params_block) == 512);
static_assert(offsetof(params_block, copy0) == 64);
static_assert(sizeof(price_entry) == 128 && sizeof(price_table) == 128 + 128 * price_capacity);
static_assert(offsetof(position_slot, pending_reason) == 36 &&
              offsetof(position_slot, sent_ns) == 40 && offsetof(position_slot, words) == 64 &&
              sizeof(position_slot) == 512); // v6: the stamps pushed the payload past 384
static_assert(sizeof(journal_entry) == 384);
static_assert(offsetof(segment_layout, info) == 64 && offsetof(segment_layout, mutex) == 128);
static_assert(offsetof(segment_layout, slots) % 128 == 0 &&
              offsetof(segment_layout, journal) % 128 == 0);
static_assert(offsetof(latency_block, buckets) == 128 &&
              sizeof(latency_block) == 128 + 8 * latency_bucket_count);
static_assert(offsetof(segment_layout, latency) % 128 == 0);
static_assert(offsetof(reconcile_block, identity) == 8 &&
              offsetof(reconcile_block, reconciled_ms) == 96 &&
              offsetof(reconcile_block, feed) == 112 && sizeof(reconcile_block) == 256);
static_assert(offsetof(segment_layout, reconcile) % 128 == 0);

// FNV-1a over the sizes and offsets of every block and value type: a struct edit changes it even
// when nobody bumps layout_version.
namespace detail {
constexpr std::uint64_t fnv(std::uint64_t h, std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ULL;
    }
    return h;
}
} // namespace detail

inline constexpr std::uint64_t layout_hash = [] {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::uint64_t v : {std::uint64_t{layout_version},
                            sizeof(segment_layout),
                            sizeof(segment_header),
                            sizeof(segment_info),
                            sizeof(mutex_block),
                            sizeof(pthread_mutex_t),
                            sizeof(process_entry),
                            sizeof(counter_block),
                            sizeof(params_block),
                            sizeof(price_entry),
                            sizeof(price_table),
                            sizeof(position_slot),
                            sizeof(journal_entry),
                            sizeof(journal_block),
                            sizeof(position),
                            sizeof(arm_params),
                            sizeof(quote),
                            sizeof(journal_record),
                            sizeof(latency_block),
                            sizeof(reconcile_block),
                            sizeof(segment_identity),
                            offsetof(segment_layout, reconcile),
                            offsetof(reconcile_block, reconciled_ms),
                            offsetof(reconcile_block, feed),
                            sizeof(command_entry),
                            sizeof(control_block),
                            std::uint64_t{command_capacity},
                            offsetof(segment_layout, control),
                            offsetof(control_block, halt_seq),
                            offsetof(control_block, commands),
                            offsetof(command_entry, request_id),
                            offsetof(command_entry, result),
                            offsetof(command_entry, posted_ms),
                            sizeof(order_note),
                            sizeof(order_log_entry),
                            sizeof(order_log_block),
                            std::uint64_t{order_log_capacity},
                            offsetof(segment_layout, order_log),
                            offsetof(order_note, at_ms),
                            offsetof(order_note, kind),
                            offsetof(order_note, note_seq),
                            std::uint64_t{slot_capacity},
                            std::uint64_t{price_capacity},
                            std::uint64_t{journal_capacity},
                            std::uint64_t{counter_count},
                            std::uint64_t{role_count},
                            std::uint64_t{latency_bucket_count},
                            std::uint64_t{latency_sub_bits},
                            offsetof(segment_layout, latency),
                            offsetof(latency_block, max_ns),
                            offsetof(latency_block, buckets),
                            offsetof(segment_layout, info),
                            offsetof(segment_layout, mutex),
                            offsetof(segment_layout, processes),
                            offsetof(segment_layout, counters),
                            offsetof(segment_layout, params),
                            offsetof(segment_layout, prices),
                            offsetof(segment_layout, slots),
                            offsetof(segment_layout, journal),
                            offsetof(mutex_block, holder_role),
                            offsetof(mutex_block, held_since_ns),
                            offsetof(process_entry, incarnation),
                            offsetof(process_entry, heartbeat_ns),
                            offsetof(process_entry, status),
                            offsetof(params_block, copy0),
                            offsetof(params_block, copy1),
                            offsetof(price_entry, seq),
                            offsetof(price_entry, words),
                            offsetof(position_slot, state),
                            offsetof(position_slot, generation),
                            offsetof(position_slot, seq),
                            offsetof(position_slot, closing_owner),
                            offsetof(position_slot, attempts),
                            offsetof(position_slot, pending_reason),
                            offsetof(position_slot, sent_ns),
                            offsetof(position_slot, words),
                            offsetof(journal_entry, words),
                            offsetof(journal_block, entries),
                            offsetof(position, size),
                            offsetof(position, atr),
                            offsetof(position, entry_time_ms),
                            offsetof(position, ph_time_limit_s),
                            offsetof(position, regime_at_entry),
                            offsetof(position, pos_side),
                            offsetof(position, reason),
                            offsetof(arm_params, min_score),
                            offsetof(arm_params, taker_fee_rate),
                            offsetof(arm_params, publish_seq),
                            offsetof(quote, receive_ns),
                            offsetof(journal_record, slot),
                            offsetof(journal_record, closed_by)})
        h = detail::fnv(h, v);
    return h;
}();

} // namespace scalpel::shm
