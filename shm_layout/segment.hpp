// scalpel::shm::segment — the one handle processes use on the shared segment (shm.md): create or
// attach (exclusive create, attachers wait for ready, foreign versions refused untouched), role
// registration and liveness, the robust mutex, position slots with CAS closing claims, the ARM
// parameter latch, live prices, the closed-trade journal, per-process counters and the guard's
// tick→order latency histogram.
// Every member is noexcept and reports failure through small enums; the mutex is held only for
// copies, never across I/O, and the guard's per-tick calls (read_params, snapshot, publish_price,
// try_claim_closing, set_pending_reason, record_latency, heartbeat, add) take no lock at all. A
// segment opened read-only (inspect) never writes a byte and never touches the mutex.
#pragma once

#include "common/clock.hpp"
#include "shm_layout/layout.hpp"
#include "shm_layout/process_probe.hpp"
#include "shm_layout/robust_mutex.hpp"
#include "shm_layout/types.hpp"

#include <boost/interprocess/mapped_region.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace scalpel::shm {

enum class open_status : std::uint8_t {
    created,          // this call initialised a fresh segment
    attached,         // joined a ready segment
    no_such_segment,  // attach_read_only only: nothing by that name
    version_mismatch, // foreign magic, version, size or layout hash: refused, untouched
    foreign_owner,    // the segment belongs to another uid
    init_timeout,     // a live creator did not finish in time
    role_taken,       // another live process holds this role's lock file
    io_error,         // create/truncate/fallocate/map/lock-file failure
    bad_argument      // empty name, bad account tag, ...
};
[[nodiscard]] const char* to_string(open_status s) noexcept;

struct open_options {
    std::string rundir = "/tmp";         // role lock files: <rundir>/<name>.<role>.lock
    std::string account_tag = "scalpel"; // creator only: client order id prefix (≤ 12 alnum)
    std::chrono::milliseconds init_timeout{2000}; // attacher's wait for ready
    std::chrono::milliseconds lock_timeout{1000}; // robust mutex acquisition
    std::chrono::milliseconds stale_after{500};   // heartbeat age that makes a process "hung"
    bool populate = true;                         // MAP_POPULATE: no page faults on the hot path
};

// The frozen header as values, plus what fstat said. Filled whenever the header was readable,
// including on version_mismatch, so tools can print both sides.
struct header_view {
    std::uint64_t magic = 0;
    std::uint32_t version = 0;
    std::uint32_t header_size = 0;
    std::uint64_t total_size = 0;
    init_state init = init_state::empty;
    std::int32_t creator_pid = 0;
    epoch_ms created_ms = 0;
    std::uint64_t layout_hash = 0;
    std::uint32_t owner_uid = 0;
    std::uint32_t file_mode = 0;
    std::uint64_t file_size = 0;
    bool valid = false; // the 64 header bytes were mapped and read
};

class segment;

struct [[nodiscard]] open_result {
    open_status status = open_status::io_error;
    std::string message; // readable reason on failure (names both versions)
    header_view header;
    std::unique_ptr<segment> seg; // set on created/attached (or read-only success)
    [[nodiscard]] bool ok() const noexcept { return seg != nullptr; }
};

// A slot reference is only valid for one generation: every call checks it.
struct slot_ref {
    std::uint32_t index = 0;
    std::uint32_t generation = 0;
    friend bool operator==(const slot_ref&, const slot_ref&) = default;
};

// Who holds (or tries for) a closing claim: the role plus its incarnation.
struct owner_id {
    role who = role::none;
    std::uint32_t incarnation = 0; // 24 bits used
    friend bool operator==(const owner_id&, const owner_id&) = default;
};

// closing_owner word: {generation:32 | role:8 | incarnation:24}; role 0 = idle, 0xff = retired.
inline constexpr std::uint8_t owner_role_retired = 0xff;
[[nodiscard]] constexpr std::uint64_t pack_owner(std::uint32_t generation, std::uint8_t role_bits,
                                                 std::uint32_t incarnation) noexcept {
    return (std::uint64_t{generation} << 32) | (std::uint64_t{role_bits} << 24) |
           (incarnation & 0xffffffu);
}
[[nodiscard]] constexpr std::uint32_t owner_generation(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w >> 32);
}
[[nodiscard]] constexpr std::uint8_t owner_role_bits(std::uint64_t w) noexcept {
    return static_cast<std::uint8_t>(w >> 24);
}
[[nodiscard]] constexpr std::uint32_t owner_incarnation(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w & 0xffffffu);
}
// Some process (alive or dead) holds the claim: neither idle nor retired.
[[nodiscard]] constexpr bool owner_claimed(std::uint64_t w) noexcept {
    const auto rb = owner_role_bits(w);
    return rb != 0 && rb != owner_role_retired;
}

enum class [[nodiscard]] slot_result : std::uint8_t{
    ok,
    no_free_slot,
    symbol_busy, // reserve: the symbol already has a non-free slot
    bad_index,
    generation_changed, // the slot was reused: the reference is stale
    wrong_state,        // e.g. publish_open on a slot that is not opening
    not_owner,          // record_close/release without holding the claim
    lock_failed,        // mutex timeout or not recoverable (see mutex_stats())
    read_only,          // called on a read-only handle
    bad_id              // the client order id could not be formed (bad tag/attempt overflow)
};
[[nodiscard]] const char* to_string(slot_result r) noexcept;

struct [[nodiscard]] reserve_result {
    slot_result status = slot_result::lock_failed;
    slot_ref ref;
    id_string entry_cl_ord_id; // attempt 0 of the entry, already written into the slot
};

enum class [[nodiscard]] claim_result : std::uint8_t{
    claimed,            // CAS from idle won: you alone may close / record
    stolen,             // taken over from a dead incarnation: look up its orders first
    already_mine,       // you held it already
    held_by_other,      // a live (or undecidable) owner holds it: back off
    generation_changed, // the slot moved on: the position you meant is gone
    not_claimable,      // free/closed slot, or retired claim
    bad_index,
    read_only};
[[nodiscard]] const char* to_string(claim_result r) noexcept;
[[nodiscard]] constexpr bool claim_won(claim_result r) noexcept {
    return r == claim_result::claimed || r == claim_result::stolen ||
           r == claim_result::already_mine;
}

struct close_info {
    close_reason reason = close_reason::none;
    double exit_price = 0;
    epoch_ms exit_time_ms = 0;
    double exit_fee_usd = 0;
    double net_pnl_usd = 0;    // computed by the caller from the fills (fees included)
    id_string close_cl_ord_id; // empty for OCO fills
};

// A consistent lock-free copy of one slot.
struct slot_snapshot {
    slot_state state = slot_state::free;
    std::uint32_t generation = 0;
    std::uint64_t closing_owner = 0;                    // raw word; see owner_* helpers
    std::array<std::uint32_t, intent_count> attempts{}; // ids handed out per intent
    std::array<mono_ns, intent_count> sent_ns{};        // latest send per intent (0: none)
    std::uint32_t flags = 0;
    close_reason pending_reason = close_reason::none; // the claim holder's stated intent
    position pos;
    [[nodiscard]] slot_ref ref(std::uint32_t index) const noexcept { return {index, generation}; }
};

struct [[nodiscard]] snapshot_result {
    bool ok = false; // false: bad index, or a writer stayed mid-write through every retry
    slot_snapshot snap;
};

struct [[nodiscard]] attempt_result {
    slot_result status = slot_result::bad_index;
    std::uint32_t attempt = 0;
    id_string cl_ord_id;
};

struct [[nodiscard]] index_result {
    bool ok = false;
    std::uint32_t index = 0;
};

enum class price_status : std::uint8_t { ok, empty, busy, bad_index };

struct [[nodiscard]] price_read {
    price_status status = price_status::bad_index;
    symbol_string symbol;
    quote q;
    mono_ns age_ns = 0; // now − receive_ns
};

struct [[nodiscard]] params_read {
    bool ok = false; // false: never published, or every retry overlapped a publication
    arm_params params;
    std::uint64_t seq = 0;
};

struct [[nodiscard]] publish_result {
    lock_status lock = lock_status::error;
    std::uint64_t seq = 0;
    [[nodiscard]] bool ok() const noexcept { return is_locked(lock); }
};

enum class liveness_verdict : std::uint8_t { absent, alive, hung, dead, stopped };
[[nodiscard]] const char* to_string(liveness_verdict v) noexcept;

struct role_liveness {
    liveness_verdict verdict = liveness_verdict::absent;
    pid_t pid = 0;
    std::uint32_t incarnation = 0;
    std::uint64_t start_ticks = 0;
    process_status status = process_status::absent;
    mono_ns heartbeat_age_ns = 0;
    lock_probe lock = lock_probe::unknown;
    bool pid_alive = false;
    epoch_ms attached_ms = 0;
};

struct mutex_stats {
    holder_view holder;
    std::uint64_t lock_count = 0;
    std::uint64_t owner_died_count = 0;
    std::uint64_t torn_repairs = 0;
    epoch_ms last_repair_ms = 0;
    role last_dead_role = role::none;
    bool not_recoverable = false;
};

using counter_values = std::array<std::uint64_t, counter_count>;

// The guard's tick→order latency as read from the segment. Percentiles are bucket upper bounds
// (within ~6 %, exact below 32 ns), never above max_ns; everything is 0 when count is 0.
struct latency_summary {
    std::uint64_t count = 0;
    std::uint64_t max_ns = 0;
    std::uint64_t mean_ns = 0;
    std::uint64_t p50_ns = 0;
    std::uint64_t p99_ns = 0;
    std::uint64_t p999_ns = 0;
};

[[nodiscard]] const char* to_string(command_kind k) noexcept;
[[nodiscard]] const char* to_string(command_state s) noexcept;
[[nodiscard]] const char* to_string(command_result r) noexcept;

struct halt_view {
    bool halted = false;
    epoch_ms changed_ms = 0; // wall ms of the last change (0: never)
    std::uint64_t seq = 0;   // changes so far
};

// One mailbox entry as read (lock-free, relaxed fields after an acquire load of state).
struct command_view {
    command_state state = command_state::free;
    command_kind kind = command_kind::none;
    slot_ref target; // exit_position only
    std::uint64_t request_id = 0;
    owner_id taker;
    command_result result = command_result::pending;
    std::uint32_t closes_sent = 0;
    epoch_ms posted_ms = 0;
    epoch_ms done_ms = 0;
};

struct post_result {
    bool ok = false; // false: read-only handle or every entry busy
    std::uint32_t entry = 0;
    std::uint64_t request_id = 0;
};

// The raw histogram (for a Prometheus exporter): per-bucket counts (bucket i holds values up to
// latency_upper_bound_of(i)) and the sum, copied with relaxed loads (may be one record apart).
struct latency_buckets {
    std::array<std::uint64_t, latency_bucket_count> counts{};
    std::uint64_t sum_ns = 0;
};

class segment {
public:
    // Creates the segment (O_EXCL, 0600, fallocate, init, ready) or attaches to a ready one, then
    // registers `who` (lock file, incarnation, heartbeat) unless who == role::none.
    // Never reinitialises a ready segment; a creator that died while initialising is detected
    // (its init lock is free) and the segment recreated. Refuses foreign segments untouched.
    [[nodiscard]] static open_result create_or_attach(std::string_view name, role who,
                                                      const open_options& options = {}) noexcept;

    // Maps an existing segment read-only (inspect): never waits for more than init_timeout,
    // never locks, never writes. no_such_segment if absent; version_mismatch (with the header)
    // for a foreign layout. options.rundir may be empty (liveness then uses pid + heartbeat).
    [[nodiscard]] static open_result attach_read_only(std::string_view name,
                                                      const open_options& options = {}) noexcept;

    // Unlinks the name (mappings stay valid). Returns false if there was nothing to remove.
    static bool remove(std::string_view name) noexcept;
    // <rundir>/<name>.<role>.lock: the OFD lock a process of that role holds for its whole life.
    [[nodiscard]] static std::string role_lock_path(std::string_view rundir, std::string_view name,
                                                    role r);

    ~segment();
    segment(const segment&) = delete;
    segment& operator=(const segment&) = delete;

    // ---- identity --------------------------------------------------------------------------
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] bool read_only() const noexcept { return read_only_; }
    [[nodiscard]] owner_id self() const noexcept { return self_; }
    [[nodiscard]] header_view header() const noexcept;
    [[nodiscard]] std::string_view account_tag() const noexcept;
    [[nodiscard]] std::uint32_t id_epoch() const noexcept; // created_ms / 1000

    // ---- processes ---------------------------------------------------------------------------
    // Stamps this role's heartbeat (call every ≤ 100 ms). No-op for role::none / read-only.
    void heartbeat() noexcept;
    void set_status(process_status s) noexcept;
    // Alive = lock file held (or, without a rundir, pid alive with the same start time) and a
    // heartbeat younger than stale_after; hung = held but stale; dead = lock free / pid gone.
    [[nodiscard]] role_liveness liveness(role r, mono_ns now = monotonic_now_ns()) const noexcept;
    // True when the claim of (r, incarnation) can be taken over: that incarnation was superseded
    // by a newer attach, or it is the current one and its process is dead or stopped. An
    // unregistered role is never judged dead.
    [[nodiscard]] bool owner_dead(role r, std::uint32_t incarnation) const noexcept;

    // ---- mutex ---------------------------------------------------------------------------------
    // RAII lock for multi-field changes. Hold it for copies only. status() says whether it is held.
    class scoped_lock {
    public:
        scoped_lock(scoped_lock&& o) noexcept : seg_(o.seg_), status_(o.status_) {
            o.seg_ = nullptr;
        }
        scoped_lock(const scoped_lock&) = delete;
        scoped_lock& operator=(const scoped_lock&) = delete;
        scoped_lock& operator=(scoped_lock&&) = delete;
        ~scoped_lock();
        [[nodiscard]] lock_status status() const noexcept { return status_; }
        [[nodiscard]] bool locked() const noexcept { return seg_ != nullptr; }

    private:
        friend class segment;
        scoped_lock(segment* s, lock_status st) noexcept
            : seg_(is_locked(st) ? s : nullptr), status_(st) {}
        segment* seg_;
        lock_status status_;
    };
    [[nodiscard]] scoped_lock lock() noexcept;
    [[nodiscard]] mutex_stats mutex_info(mono_ns now = monotonic_now_ns()) const noexcept;

    // ---- position slots ------------------------------------------------------------------------
    // Writes intent under the mutex: takes the lowest free slot, bumps its generation, stores
    // `intent_pos` (symbol, side, regime/PH at entry, ...) with the deterministic entry clOrdId
    // (attempt 0), resets the claim and attempt counters, state opening. With one_per_symbol, a
    // non-free slot of the same symbol makes it symbol_busy. Call BEFORE sending the entry order.
    [[nodiscard]] reserve_result reserve_slot(const position& intent_pos,
                                              bool one_per_symbol = true) noexcept;
    // opening → open with the filled position (entry_cl_ord_id kept); → closing when the exit was
    // claimed meanwhile (a claim racing this call may leave it open and claimed: readers go by the
    // claim word). wrong_state otherwise.
    [[nodiscard]] slot_result publish_open(slot_ref ref, const position& filled) noexcept;
    // Rewrites an opening/open/closing position (e.g. new OCO ids); entry_cl_ord_id kept.
    [[nodiscard]] slot_result update_position(slot_ref ref, const position& pos) noexcept;
    // opening → free when the entry is known not to have filled. The claim must be idle or `me`.
    [[nodiscard]] slot_result abandon_opening(slot_ref ref, owner_id me) noexcept;
    // Lock-free CAS on the closing claim; only valid for ref.generation. On open slots the winner
    // also moves state open → closing. Steals from a dead owner (see owner_dead).
    [[nodiscard]] claim_result try_claim_closing(slot_ref ref, owner_id me) noexcept;
    // Gives a claim back (close not sent, e.g. position not held after all): closing → open,
    // claim idle. not_owner if `me` does not hold it.
    [[nodiscard]] slot_result release_claim(slot_ref ref, owner_id me) noexcept;
    // Lock-free, for the claim holder: states why it closes (ph, time_limit, manual, ...), right
    // after winning the claim and before next_attempt(close), so whoever adopts the claim later
    // records the same reason. not_owner / generation_changed when `me` does not hold the claim
    // of ref.generation. Read back through snapshot().pending_reason.
    [[nodiscard]] slot_result set_pending_reason(slot_ref ref, owner_id me,
                                                 close_reason r) noexcept;
    // Under the mutex, for the claim holder: writes the close fields, appends the journal,
    // counts the reason, retires the claim and frees the slot (generation kept until reuse).
    [[nodiscard]] slot_result record_close(slot_ref ref, owner_id me,
                                           const close_info& info) noexcept;
    // Under the mutex, for the claim holder: frees a slot WITHOUT a journal record — for the
    // phantom positions of a segment made for another account/target/run (reconciliation).
    [[nodiscard]] slot_result discard_slot(slot_ref ref, owner_id me) noexcept;
    // Hands out the next attempt number of `what` for this generation (persisted before the
    // order is sent) and its client order id; stamps `now` as the intent's latest send first.
    [[nodiscard]] attempt_result next_attempt(slot_ref ref, intent what,
                                              mono_ns now = monotonic_now_ns()) noexcept;
    // Stamps `now` as the latest send of `what` before a re-send under an id already handed out
    // (an unresolved OCO attempt placed again). Lock-free; only ever raises the stamp.
    void note_sent(slot_ref ref, intent what, mono_ns now = monotonic_now_ns()) noexcept;
    // The deterministic client order id of (slot, generation, what, attempt). Empty on failure.
    [[nodiscard]] id_string cl_ord_id(slot_ref ref, intent what,
                                      std::uint32_t attempt) const noexcept;
    // Lock-free consistent copy (bounded retries).
    [[nodiscard]] snapshot_result snapshot(std::uint32_t index) const noexcept;
    // Slots in state open or closing for `symbol` (all symbols when empty); returns the count
    // written (at most out.size()).
    [[nodiscard]] std::size_t open_slots(std::string_view symbol,
                                         std::span<slot_ref> out) const noexcept;
    // What the guard watches: open and closing slots, and opening slots whose entry fill is
    // recorded (entry_filled) — a filled entry is watched from its fill on, not from its OCO.
    [[nodiscard]] std::size_t guarded_slots(std::span<slot_ref> out) const noexcept;
    [[nodiscard]] static constexpr std::size_t capacity() noexcept { return slot_capacity; }

    // ---- ARM parameters ------------------------------------------------------------------------
    // Under the mutex: stamps publish_seq/publish_time_ms and publishes through the latch.
    [[nodiscard]] publish_result publish_params(const arm_params& p) noexcept;
    // Lock-free: the latest complete copy.
    [[nodiscard]] params_read read_params() const noexcept;

    // ---- live prices ---------------------------------------------------------------------------
    // Finds or (under the mutex) registers `symbol`; ok=false when the table is full or locking
    // fails.
    [[nodiscard]] index_result register_symbol(std::string_view symbol) noexcept;
    [[nodiscard]] index_result find_symbol(std::string_view symbol) const noexcept;
    // Single writer (guard), lock-free; stamps update_seq.
    void publish_price(std::uint32_t index, const quote& q) noexcept;
    [[nodiscard]] price_read read_price(std::uint32_t index,
                                        mono_ns now = monotonic_now_ns()) const noexcept;
    [[nodiscard]] std::uint32_t price_count() const noexcept;

    // ---- journal -------------------------------------------------------------------------------
    [[nodiscard]] std::uint64_t journal_head() const noexcept; // records ever appended
    // Record n (0-based). false when overwritten by the ring, not yet written, or mid-write.
    [[nodiscard]] bool read_journal(std::uint64_t n, journal_record& out) const noexcept;

    // ---- order log (the guard's order outcomes → signal_proc's ledger drain) ------------------
    // Single writer: the guard's service code (never the tick path), lock-free; stamps note_seq.
    void append_order_note(const order_note& note) noexcept;
    [[nodiscard]] std::uint64_t order_log_head() const noexcept; // notes ever appended
    // Note n (0-based). false when overwritten by the ring, not yet written, or mid-write.
    [[nodiscard]] bool read_order_note(std::uint64_t n, order_note& out) const noexcept;

    // ---- reconciliation (issue 10) --------------------------------------------------------------
    // Under the mutex: who this segment is for. False on lock failure / read-only.
    [[nodiscard]] bool record_identity(const segment_identity& id) noexcept;
    // Lock-free; recorded_ms == 0 when nothing was recorded yet (a fresh segment).
    [[nodiscard]] segment_identity identity() const noexcept;
    // Guard: a complete reconciliation finished at now_ms (stamped with its incarnation).
    void mark_reconciled(epoch_ms now_ms) noexcept;
    struct reconcile_stamp {
        epoch_ms at_ms = 0;            // 0 = never
        std::uint32_t incarnation = 0; // of the guard that did it
    };
    [[nodiscard]] reconcile_stamp reconciled() const noexcept;
    // Guard: per price-table index (ignored when out of range). Anyone reads.
    void set_feed_state(std::uint32_t price_index, feed_state s) noexcept;
    [[nodiscard]] feed_state feed(std::uint32_t price_index) const noexcept;

    // ---- counters ------------------------------------------------------------------------------
    // Single writer per role: only the process owning `r` may add to it.
    void add(counter c, std::uint64_t n = 1) noexcept { add(self_.who, c, n); }
    void add(role r, counter c, std::uint64_t n = 1) noexcept;
    [[nodiscard]] counter_values counters(role r) const noexcept;

    // ---- tick→order latency --------------------------------------------------------------------
    // Guard only (a no-op for any other role and read-only handles): one close order's frame
    // receive → order handed to the socket, in ns (negative counts as 0). Lock-free,
    // allocation-free, no locked RMW.
    void record_latency(mono_ns ns) noexcept;
    // Anyone, lock-free (read-only handles too): count, max, mean and p50/p99/p99.9 of everything
    // recorded since the segment was created (or the last reset).
    [[nodiscard]] latency_summary read_latency() const noexcept;
    [[nodiscard]] latency_buckets read_latency_buckets() const noexcept;
    // Guard only: zeroes the block (benchmarks and tests, after a warm-up).
    void reset_latency() noexcept;

    // ---- operator control (segment_control.cpp) -------------------------------------------------
    // Anyone, lock-free.
    [[nodiscard]] halt_view halt() const noexcept;
    // Any read-write handle (scalpelctl attaches with role::none): sets or clears the halt flag,
    // and persists it as <rundir>/<name>.halted (created / removed) so it survives a reboot.
    // Returns false on a read-only handle or when the file could not be written. Idempotent (seq
    // bumps only on a change).
    bool set_halted(bool on, epoch_ms now_ms = wall_now_ms()) noexcept;
    // At process start: a <rundir>/<name>.halted file (a halt from before a reboot) sets the
    // flag. Returns true when the segment is halted afterwards.
    bool restore_persisted_halt() noexcept;
    [[nodiscard]] std::string halt_file() const; // "" without a rundir
    // Processes blocked on role r's lock file (hot standbys waiting to take over); -1 without a
    // rundir or when /proc/locks cannot be read. Reads /proc: for inspection, never a hot path.
    [[nodiscard]] int standbys_waiting(role r) const noexcept;
    // Requester: posts a command into a free mailbox entry (lock-free CAS).
    [[nodiscard]] post_result post_command(command_kind kind, slot_ref target = {},
                                           epoch_ms now_ms = wall_now_ms()) noexcept;
    [[nodiscard]] command_view read_command(std::uint32_t entry) const noexcept;
    // Guard only: posted → taken by this incarnation; also re-takes an entry whose taker is dead
    // (owner_dead). false when someone else holds it or it is not posted/taken.
    [[nodiscard]] bool take_command(std::uint32_t entry) noexcept;
    // Guard only, for a command it took: records the result and marks it done.
    void finish_command(std::uint32_t entry, command_result r, std::uint32_t closes_sent,
                        epoch_ms now_ms = wall_now_ms()) noexcept;
    // Requester: frees a done entry of its request id (false if it is not that or not done).
    bool release_command(std::uint32_t entry, std::uint64_t request_id) noexcept;
    // Requester: withdraws its command while no guard has taken it (posted → free). false once
    // taken: the guard then carries it out.
    bool cancel_command(std::uint32_t entry, std::uint64_t request_id) noexcept;
    [[nodiscard]] static constexpr std::size_t command_slots() noexcept { return command_capacity; }

    // Raw layout for tests and diagnostics only; processes must not use it.
    [[nodiscard]] segment_layout& raw_for_testing() noexcept { return *l_; }
    [[nodiscard]] const segment_layout& raw() const noexcept { return *l_; }

private:
    segment() = default;
    static open_result open_impl(std::string_view name, role who, const open_options& o);
    [[nodiscard]] open_status register_role(std::string& message) noexcept;
    [[nodiscard]] lock_status lock_raw() noexcept;
    void unlock_raw() noexcept;
    static void repair_thunk(void* self) noexcept;
    void repair_after_owner_death() noexcept;
    void begin_slot_write(position_slot& s) noexcept;
    void end_slot_write(position_slot& s) noexcept;
    void append_journal(std::uint32_t index, std::uint32_t generation, const position& pos,
                        role closed_by) noexcept;
    [[nodiscard]] bool journal_has(std::uint32_t index, std::uint32_t generation) const noexcept;
    [[nodiscard]] std::string lock_path(role r) const;

    std::string name_;
    open_options options_;
    boost::interprocess::mapped_region region_;
    segment_layout* l_ = nullptr;
    header_view opened_; // fstat facts (uid, mode, file size) at open
    bool read_only_ = false;
    owner_id self_;
    int role_lock_fd_ = -1;
};

} // namespace scalpel::shm
