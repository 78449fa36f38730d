// Position slots, closing claims, the journal and the owner-death repair. Multi-field changes run
// under the robust mutex inside a slot seqlock window (so lock-free snapshots see state,
// generation, claim and payload together); claims are lock-free CAS on the owner word, whose
// generation half makes a late claim for a reused slot fail. Never hold the mutex for more than
// these copies; never free a slot whose claim someone else holds.
#include "shm_layout/order_ids.hpp"
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"

#include <spdlog/spdlog.h>

namespace scalpel::shm {

namespace {

constexpr int snapshot_tries = 256;

std::uint64_t idle_owner(std::uint32_t generation) noexcept {
    return pack_owner(generation, 0, 0);
}
std::uint64_t retired_owner(std::uint32_t generation) noexcept {
    return pack_owner(generation, owner_role_retired, 0);
}
std::uint64_t owner_word(std::uint32_t generation, owner_id me) noexcept {
    return pack_owner(generation, static_cast<std::uint8_t>(me.who), me.incarnation);
}

slot_state load_state(const position_slot& s) noexcept {
    return static_cast<slot_state>(s.state.load(std::memory_order_acquire));
}
void store_state(position_slot& s, slot_state st) noexcept {
    s.state.store(static_cast<std::uint32_t>(st), std::memory_order_release);
}

counter counter_for(close_reason r) noexcept {
    switch (r) {
    case close_reason::ph:
        return counter::ph_closes;
    case close_reason::tp:
        return counter::tp_closes;
    case close_reason::sl:
        return counter::sl_closes;
    case close_reason::time_limit:
        return counter::time_limit_closes;
    case close_reason::manual:
        return counter::manual_closes;
    default:
        return counter::reconcile_closes;
    }
}

} // namespace

void segment::begin_slot_write(position_slot& s) noexcept {
    auto q = s.seq.load(std::memory_order_relaxed);
    if (q & 1)
        ++q; // a dead writer's odd value (repair normally fixed it already)
    s.seq.store(q + 1, std::memory_order_relaxed);
}

void segment::end_slot_write(position_slot& s) noexcept {
    s.seq.store(s.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

id_string segment::cl_ord_id(slot_ref ref, intent what, std::uint32_t attempt) const noexcept {
    order_id_parts p;
    p.tag.assign_truncated(account_tag());
    p.epoch = id_epoch();
    p.slot = ref.index;
    p.generation = ref.generation;
    p.what = what;
    p.attempt = attempt;
    id_string out;
    if (!make_cl_ord_id(p, out))
        out.clear();
    return out;
}

reserve_result segment::reserve_slot(const position& intent_pos, bool one_per_symbol) noexcept {
    reserve_result r;
    if (read_only_) {
        r.status = slot_result::read_only;
        return r;
    }
    auto guard = lock();
    if (!guard.locked())
        return r; // lock_failed
    std::uint32_t found = slot_capacity;
    for (std::uint32_t i = 0; i < slot_capacity; ++i) {
        auto& s = l_->slots[i];
        const auto st = load_state(s);
        if (st == slot_state::free) {
            if (found == slot_capacity)
                found = i;
            continue;
        }
        if (one_per_symbol && load_words<position>(s.words).symbol == intent_pos.symbol) {
            r.status = slot_result::symbol_busy;
            r.ref = {i, s.generation.load(std::memory_order_relaxed)};
            return r;
        }
    }
    if (found == slot_capacity) {
        r.status = slot_result::no_free_slot;
        return r;
    }
    auto& s = l_->slots[found];
    std::uint32_t gen = s.generation.load(std::memory_order_relaxed) + 1;
    if (gen == 0)
        gen = 1;
    const slot_ref ref{found, gen};
    const id_string id = cl_ord_id(ref, intent::entry, 0);
    if (id.empty()) {
        r.status = slot_result::bad_id;
        return r;
    }
    position p = intent_pos;
    p.entry_cl_ord_id = id;
    p.reason = close_reason::none;
    begin_slot_write(s);
    s.generation.store(gen, std::memory_order_release);
    s.closing_owner.store(idle_owner(gen), std::memory_order_release);
    s.attempts[0].store(1, std::memory_order_release); // attempt 0 of the entry is handed out
    for (std::size_t i = 1; i < intent_count; ++i)
        s.attempts[i].store(0, std::memory_order_release);
    for (auto& t : s.sent_ns)
        t.store(0, std::memory_order_relaxed); // none yet (the entry's expTime is from its intent)
    s.pending_reason.store(static_cast<std::uint32_t>(close_reason::none),
                           std::memory_order_relaxed);
    s.flags.store(0, std::memory_order_relaxed);
    store_words(s.words, p);
    store_state(s, slot_state::opening);
    end_slot_write(s);
    r.status = slot_result::ok;
    r.ref = ref;
    r.entry_cl_ord_id = id;
    return r;
}

namespace {

slot_result check_ref(const segment_layout& l, slot_ref ref) noexcept {
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    if (l.slots[ref.index].generation.load(std::memory_order_acquire) != ref.generation)
        return slot_result::generation_changed;
    return slot_result::ok;
}

// Under the mutex: what ending a position requires (record_close, discard_slot) — `ref` is current,
// `me` holds its closing claim, and the slot is neither free nor closed.
slot_result check_claim_held(const segment_layout& l, slot_ref ref, owner_id me) noexcept {
    if (const auto c = check_ref(l, ref); c != slot_result::ok)
        return c;
    const auto& s = l.slots[ref.index];
    if (s.closing_owner.load(std::memory_order_acquire) != owner_word(ref.generation, me))
        return slot_result::not_owner;
    const auto st = load_state(s);
    if (st == slot_state::free || st == slot_state::closed)
        return slot_result::wrong_state;
    return slot_result::ok;
}

} // namespace

slot_result segment::publish_open(slot_ref ref, const position& filled) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto guard = lock();
    if (!guard.locked())
        return slot_result::lock_failed;
    if (const auto c = check_ref(*l_, ref); c != slot_result::ok)
        return c;
    auto& s = l_->slots[ref.index];
    if (load_state(s) != slot_state::opening)
        return slot_result::wrong_state;
    position p = filled;
    p.entry_cl_ord_id = load_words<position>(s.words).entry_cl_ord_id;
    // An exit claimed while the slot was opening (the guard watches a filled entry): published
    // as closing, like an open slot whose exit is claimed.
    const bool claimed = owner_claimed(s.closing_owner.load(std::memory_order_acquire));
    begin_slot_write(s);
    store_words(s.words, p);
    store_state(s, claimed ? slot_state::closing : slot_state::open);
    end_slot_write(s);
    return slot_result::ok;
}

slot_result segment::update_position(slot_ref ref, const position& pos) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto guard = lock();
    if (!guard.locked())
        return slot_result::lock_failed;
    if (const auto c = check_ref(*l_, ref); c != slot_result::ok)
        return c;
    auto& s = l_->slots[ref.index];
    const auto st = load_state(s);
    if (st == slot_state::free || st == slot_state::closed)
        return slot_result::wrong_state;
    position p = pos;
    p.entry_cl_ord_id = load_words<position>(s.words).entry_cl_ord_id;
    begin_slot_write(s);
    store_words(s.words, p);
    end_slot_write(s);
    return slot_result::ok;
}

slot_result segment::abandon_opening(slot_ref ref, owner_id me) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto guard = lock();
    if (!guard.locked())
        return slot_result::lock_failed;
    if (const auto c = check_ref(*l_, ref); c != slot_result::ok)
        return c;
    auto& s = l_->slots[ref.index];
    if (load_state(s) != slot_state::opening)
        return slot_result::wrong_state;
    const auto owner = s.closing_owner.load(std::memory_order_acquire);
    if (owner != idle_owner(ref.generation) && owner != owner_word(ref.generation, me))
        return slot_result::not_owner;
    begin_slot_write(s);
    s.closing_owner.store(retired_owner(ref.generation), std::memory_order_release);
    store_state(s, slot_state::free);
    end_slot_write(s);
    return slot_result::ok;
}

slot_result segment::discard_slot(slot_ref ref, owner_id me) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto guard = lock();
    if (!guard.locked())
        return slot_result::lock_failed;
    if (const auto c = check_claim_held(*l_, ref, me); c != slot_result::ok)
        return c;
    auto& s = l_->slots[ref.index];
    begin_slot_write(s);
    s.closing_owner.store(retired_owner(ref.generation), std::memory_order_release);
    store_state(s, slot_state::free);
    end_slot_write(s);
    return slot_result::ok;
}

claim_result segment::try_claim_closing(slot_ref ref, owner_id me) noexcept {
    if (read_only_)
        return claim_result::read_only;
    if (ref.index >= slot_capacity)
        return claim_result::bad_index;
    auto& s = l_->slots[ref.index];
    const std::uint64_t mine = owner_word(ref.generation, me);
    const role counted = me.who;
    std::uint64_t cur = s.closing_owner.load(std::memory_order_acquire);
    for (int i = 0; i < 64; ++i) {
        if (owner_generation(cur) != ref.generation) {
            add(counted, counter::claims_lost);
            return claim_result::generation_changed;
        }
        if (cur == mine)
            return claim_result::already_mine;
        const auto rb = owner_role_bits(cur);
        if (rb == owner_role_retired) {
            add(counted, counter::claims_lost);
            return claim_result::not_claimable;
        }
        const auto st = load_state(s);
        if (st == slot_state::free || st == slot_state::closed) {
            add(counted, counter::claims_lost);
            return claim_result::not_claimable;
        }
        bool steal = false;
        if (rb != 0) {
            if (!owner_dead(static_cast<role>(rb), owner_incarnation(cur))) {
                add(counted, counter::claims_lost);
                return claim_result::held_by_other;
            }
            steal = true;
        }
        if (s.closing_owner.compare_exchange_strong(cur, mine, std::memory_order_acq_rel,
                                                    std::memory_order_acquire)) {
            auto expected = static_cast<std::uint32_t>(slot_state::open);
            s.state.compare_exchange_strong(expected,
                                            static_cast<std::uint32_t>(slot_state::closing),
                                            std::memory_order_acq_rel, std::memory_order_acquire);
            add(counted, steal ? counter::claims_stolen : counter::claims_won);
            if (steal)
                spdlog::warn(
                    "slot {} gen {}: closing claim of dead {} incarnation {} taken over by {}",
                    ref.index, ref.generation, to_string(static_cast<role>(rb)),
                    owner_incarnation(cur), to_string(me.who));
            return steal ? claim_result::stolen : claim_result::claimed;
        }
        // cur now holds the competing value: re-judge it.
    }
    add(counted, counter::claims_lost);
    return claim_result::held_by_other;
}

slot_result segment::release_claim(slot_ref ref, owner_id me) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto& s = l_->slots[ref.index];
    const std::uint64_t mine = owner_word(ref.generation, me);
    if (s.closing_owner.load(std::memory_order_acquire) != mine) {
        return s.generation.load(std::memory_order_acquire) != ref.generation
                   ? slot_result::generation_changed
                   : slot_result::not_owner;
    }
    // The intent goes with the claim: the next holder states its own.
    s.pending_reason.store(static_cast<std::uint32_t>(close_reason::none),
                           std::memory_order_relaxed);
    // State first: while it flips back to open the claim is still ours, so nobody else can
    // observe "open and claimable" half-way.
    auto expected = static_cast<std::uint32_t>(slot_state::closing);
    s.state.compare_exchange_strong(expected, static_cast<std::uint32_t>(slot_state::open),
                                    std::memory_order_acq_rel, std::memory_order_acquire);
    std::uint64_t cur = mine;
    if (!s.closing_owner.compare_exchange_strong(
            cur, idle_owner(ref.generation), std::memory_order_acq_rel, std::memory_order_acquire))
        return slot_result::not_owner; // stolen meanwhile (we were judged dead)
    return slot_result::ok;
}

slot_result segment::set_pending_reason(slot_ref ref, owner_id me, close_reason r) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto& s = l_->slots[ref.index];
    if (s.closing_owner.load(std::memory_order_acquire) != owner_word(ref.generation, me)) {
        return s.generation.load(std::memory_order_acquire) != ref.generation
                   ? slot_result::generation_changed
                   : slot_result::not_owner;
    }
    // Release so a reader that acquires it sees the claim too; the fetch_add of next_attempt that
    // follows publishes it to readers that look at the attempt counter first.
    s.pending_reason.store(static_cast<std::uint32_t>(r), std::memory_order_release);
    return slot_result::ok;
}

slot_result segment::record_close(slot_ref ref, owner_id me, const close_info& info) noexcept {
    if (read_only_)
        return slot_result::read_only;
    if (ref.index >= slot_capacity)
        return slot_result::bad_index;
    auto guard = lock();
    if (!guard.locked())
        return slot_result::lock_failed;
    if (const auto c = check_claim_held(*l_, ref, me); c != slot_result::ok)
        return c;
    auto& s = l_->slots[ref.index];
    position p = load_words<position>(s.words);
    p.reason = info.reason;
    p.exit_price = info.exit_price;
    p.exit_time_ms = info.exit_time_ms;
    p.exit_fee_usd = info.exit_fee_usd;
    p.net_pnl_usd = info.net_pnl_usd;
    p.close_cl_ord_id = info.close_cl_ord_id;
    begin_slot_write(s);
    store_words(s.words, p);
    store_state(s, slot_state::closed);
    end_slot_write(s);
    // A death between here and the end is finished by repair: closed → journal → free.
    append_journal(ref.index, ref.generation, p, me.who);
    begin_slot_write(s);
    s.closing_owner.store(retired_owner(ref.generation), std::memory_order_release);
    store_state(s, slot_state::free);
    end_slot_write(s);
    add(counter_for(info.reason));
    return slot_result::ok;
}

namespace {
void raise_sent(std::atomic<std::int64_t>& stamp, mono_ns now) noexcept {
    std::int64_t cur = stamp.load(std::memory_order_relaxed);
    while (cur < now && !stamp.compare_exchange_weak(cur, now, std::memory_order_release,
                                                     std::memory_order_relaxed)) {
    }
}
} // namespace

void segment::note_sent(slot_ref ref, intent what, mono_ns now) noexcept {
    if (read_only_ || ref.index >= slot_capacity || static_cast<std::size_t>(what) >= intent_count)
        return;
    auto& s = l_->slots[ref.index];
    if (s.generation.load(std::memory_order_acquire) == ref.generation)
        raise_sent(s.sent_ns[static_cast<std::size_t>(what)], now);
}

attempt_result segment::next_attempt(slot_ref ref, intent what, mono_ns now) noexcept {
    attempt_result r;
    if (read_only_) {
        r.status = slot_result::read_only;
        return r;
    }
    if (ref.index >= slot_capacity || static_cast<std::size_t>(what) >= intent_count)
        return r;
    auto& s = l_->slots[ref.index];
    if (s.generation.load(std::memory_order_acquire) != ref.generation) {
        r.status = slot_result::generation_changed;
        return r;
    }
    // The stamp first: whoever acquires the new count sees when that attempt went out (or later).
    raise_sent(s.sent_ns[static_cast<std::size_t>(what)], now);
    r.attempt = s.attempts[static_cast<std::size_t>(what)].fetch_add(1, std::memory_order_acq_rel);
    // Re-check: a reuse in between would have reset the counter under us.
    if (s.generation.load(std::memory_order_acquire) != ref.generation) {
        r.status = slot_result::generation_changed;
        return r;
    }
    r.cl_ord_id = cl_ord_id(ref, what, r.attempt);
    r.status = r.cl_ord_id.empty() ? slot_result::bad_id : slot_result::ok;
    return r;
}

snapshot_result segment::snapshot(std::uint32_t index) const noexcept {
    snapshot_result r;
    if (index >= slot_capacity)
        return r;
    const auto& s = l_->slots[index];
    for (int i = 0; i < snapshot_tries; ++i) {
        const auto q1 = s.seq.load(std::memory_order_acquire);
        if (q1 & 1)
            continue;
        slot_snapshot v;
        v.state = load_state(s);
        v.generation = s.generation.load(std::memory_order_acquire);
        v.closing_owner = s.closing_owner.load(std::memory_order_acquire);
        for (std::size_t k = 0; k < intent_count; ++k) {
            v.attempts[k] = s.attempts[k].load(std::memory_order_acquire);
            v.sent_ns[k] = s.sent_ns[k].load(std::memory_order_relaxed); // after the acquire
        }
        v.pending_reason =
            static_cast<close_reason>(s.pending_reason.load(std::memory_order_acquire));
        v.flags = s.flags.load(std::memory_order_relaxed);
        v.pos = load_words<position>(s.words);
        if (s.seq.load(std::memory_order_relaxed) != q1)
            continue;
        r.ok = true;
        r.snap = v;
        return r;
    }
    return r;
}

std::size_t segment::open_slots(std::string_view symbol, std::span<slot_ref> out) const noexcept {
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < slot_capacity && n < out.size(); ++i) {
        const auto st = load_state(l_->slots[i]);
        if (st != slot_state::open && st != slot_state::closing)
            continue;
        const auto snap = snapshot(i);
        if (!snap.ok)
            continue;
        if (snap.snap.state != slot_state::open && snap.snap.state != slot_state::closing)
            continue;
        if (!symbol.empty() && snap.snap.pos.symbol.view() != symbol)
            continue;
        out[n++] = snap.snap.ref(i);
    }
    return n;
}

std::size_t segment::guarded_slots(std::span<slot_ref> out) const noexcept {
    std::size_t n = 0;
    for (std::uint32_t i = 0; i < slot_capacity && n < out.size(); ++i) {
        if (load_state(l_->slots[i]) == slot_state::free)
            continue;
        const auto snap = snapshot(i);
        if (!snap.ok)
            continue;
        const auto st = snap.snap.state;
        if (st == slot_state::open || st == slot_state::closing ||
            (st == slot_state::opening && entry_filled(snap.snap.pos)))
            out[n++] = snap.snap.ref(i);
    }
    return n;
}

// ---- journal ----------------------------------------------------------------------------------

void segment::append_journal(std::uint32_t index, std::uint32_t generation, const position& pos,
                             role closed_by) noexcept {
    auto& j = l_->journal;
    const std::uint64_t n = j.head.load(std::memory_order_relaxed);
    auto& e = j.entries[n % journal_capacity];
    journal_record rec;
    rec.pos = pos;
    rec.slot = index;
    rec.generation = generation;
    rec.journal_seq = n + 1;
    rec.closed_by = closed_by;
    e.seq.store(2 * n + 1, std::memory_order_relaxed);
    store_words(e.words, rec);
    e.seq.store(2 * n + 2, std::memory_order_release);
    j.head.store(n + 1, std::memory_order_release);
}

bool segment::journal_has(std::uint32_t index, std::uint32_t generation) const noexcept {
    const std::uint64_t head = journal_head();
    const std::uint64_t from = head > journal_capacity ? head - journal_capacity : 0;
    for (std::uint64_t n = head; n > from; --n) {
        journal_record rec;
        if (read_journal(n - 1, rec) && rec.slot == index && rec.generation == generation)
            return true;
    }
    return false;
}

std::uint64_t segment::journal_head() const noexcept {
    return l_->journal.head.load(std::memory_order_acquire);
}

bool segment::read_journal(std::uint64_t n, journal_record& out) const noexcept {
    const auto& e = l_->journal.entries[n % journal_capacity];
    for (int i = 0; i < snapshot_tries; ++i) {
        const auto q1 = e.seq.load(std::memory_order_acquire);
        if (q1 != 2 * n + 2) {
            if (q1 & 1)
                continue; // being written: maybe ours, retry
            return false; // overwritten or not yet written
        }
        const auto rec = load_words<journal_record>(e.words);
        if (e.seq.load(std::memory_order_relaxed) != q1)
            continue;
        out = rec;
        return true;
    }
    return false;
}

// ---- owner-death repair -------------------------------------------------------------------------

void segment::repair_thunk(void* self) noexcept {
    static_cast<segment*>(self)->repair_after_owner_death();
}

// Runs under the mutex, after EOWNERDEAD. Idempotent: fixes what a writer can leave half-done.
// Slots in opening/closing are left as they are: only the exchange can settle them (reconcile by
// their deterministic client order ids).
void segment::repair_after_owner_death() noexcept {
    auto& j = l_->journal;
    const std::uint64_t head = j.head.load(std::memory_order_relaxed);
    auto& next = j.entries[head % journal_capacity];
    if (next.seq.load(std::memory_order_relaxed) & 1)
        next.seq.store(0, std::memory_order_release);
    std::uint64_t torn = 0;
    for (std::uint32_t i = 0; i < slot_capacity; ++i) {
        auto& s = l_->slots[i];
        if (s.seq.load(std::memory_order_relaxed) & 1) {
            // The payload may be half old, half new. Make it readable again and flag it: the
            // owner reconciles it against the exchange on its next look.
            s.flags.fetch_or(slot_flag_torn_repaired, std::memory_order_relaxed);
            s.seq.store(s.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
            ++torn;
        }
        if (load_state(s) == slot_state::closed) {
            const auto gen = s.generation.load(std::memory_order_relaxed);
            if (!journal_has(i, gen)) {
                const auto owner = s.closing_owner.load(std::memory_order_relaxed);
                append_journal(i, gen, load_words<position>(s.words),
                               static_cast<role>(owner_role_bits(owner)));
            }
            begin_slot_write(s);
            s.closing_owner.store(retired_owner(gen), std::memory_order_release);
            store_state(s, slot_state::free);
            end_slot_write(s);
        }
    }
    if (torn)
        l_->mutex.torn_repairs.fetch_add(torn, std::memory_order_relaxed);
}

const char* to_string(slot_result r) noexcept {
    switch (r) {
    case slot_result::ok:
        return "ok";
    case slot_result::no_free_slot:
        return "no_free_slot";
    case slot_result::symbol_busy:
        return "symbol_busy";
    case slot_result::bad_index:
        return "bad_index";
    case slot_result::generation_changed:
        return "generation_changed";
    case slot_result::wrong_state:
        return "wrong_state";
    case slot_result::not_owner:
        return "not_owner";
    case slot_result::lock_failed:
        return "lock_failed";
    case slot_result::read_only:
        return "read_only";
    case slot_result::bad_id:
        return "bad_id";
    }
    return "?";
}

const char* to_string(claim_result r) noexcept {
    switch (r) {
    case claim_result::claimed:
        return "claimed";
    case claim_result::stolen:
        return "stolen";
    case claim_result::already_mine:
        return "already_mine";
    case claim_result::held_by_other:
        return "held_by_other";
    case claim_result::generation_changed:
        return "generation_changed";
    case claim_result::not_claimable:
        return "not_claimable";
    case claim_result::bad_index:
        return "bad_index";
    case claim_result::read_only:
        return "read_only";
    }
    return "?";
}

} // namespace scalpel::shm
