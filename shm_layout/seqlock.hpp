// Lock-free copies of word values (types.hpp) through arrays of std::atomic<uint64_t>: a plain
// seqlock for single-writer data (live prices, slot payloads written under the mutex, journal
// entries) and a two-copy latch for the ARM parameter block. Fence-free (design.md §1.3.4): the
// payload words themselves carry release/acquire, which is correct by happens-before, portable,
// plain movs on x86-64 and understood by TSan (atomic_thread_fence is not). Readers never write,
// so all of this works on a read-only mapping. Never use these with more than one writer at once.
#pragma once

#include "shm_layout/types.hpp"

#include <atomic>
#include <bit>
#include <cstdint>

namespace scalpel::shm {

template <class T> using word_array = std::array<std::uint64_t, word_count<T>>;

// Release-stores every word of v. A reader that sees any of these words (acquire) also sees every
// store the writer made before this call, including its sequence bump.
template <class T> void store_words(std::atomic<std::uint64_t>* dst, const T& v) noexcept {
    static_assert(is_word_value<T>);
    const auto w = std::bit_cast<word_array<T>>(v);
    for (std::size_t i = 0; i < w.size(); ++i)
        dst[i].store(w[i], std::memory_order_release);
}

template <class T> [[nodiscard]] T load_words(const std::atomic<std::uint64_t>* src) noexcept {
    static_assert(is_word_value<T>);
    word_array<T> w;
    for (std::size_t i = 0; i < w.size(); ++i)
        w[i] = src[i].load(std::memory_order_acquire);
    return std::bit_cast<T>(w);
}

// Seqlock writer (one writer at a time). An odd sequence left by a dead writer is resumed from
// the next even value, so the block heals on the next write.
template <class T, class Seq>
void seqlock_write(std::atomic<Seq>& seq, std::atomic<std::uint64_t>* words, const T& v) noexcept {
    Seq s = seq.load(std::memory_order_relaxed);
    if (s & 1)
        ++s;
    seq.store(s + 1, std::memory_order_relaxed);
    store_words(words, v);
    seq.store(s + 2, std::memory_order_release);
}

// Seqlock reader: up to `max_tries` attempts; returns false when every attempt met an odd or
// moving sequence (writer active, or a writer died mid-write). `seq_out` gets the sequence read.
template <class T, class Seq>
[[nodiscard]] bool seqlock_read(const std::atomic<Seq>& seq,
                                const std::atomic<std::uint64_t>* words, T& out, int max_tries,
                                Seq* seq_out = nullptr) noexcept {
    for (int i = 0; i < max_tries; ++i) {
        const Seq s1 = seq.load(std::memory_order_acquire);
        if (s1 & 1)
            continue;
        T v = load_words<T>(words);
        if (seq.load(std::memory_order_relaxed) != s1)
            continue;
        out = v;
        if (seq_out)
            *seq_out = s1;
        return true;
    }
    return false;
}

// Two-copy latch writer (one writer at a time, e.g. under the mutex): fill the copy readers are
// NOT using, then flip the sequence to it. Readers always have one complete copy, so a writer
// killed mid-write leaves the old parameters readable and the next write simply redoes the
// hidden copy. Simpler than the odd/even latch: there is no intermediate state to repair.
// Returns the new sequence.
template <class T>
std::uint64_t latch_write(std::atomic<std::uint64_t>& seq, std::atomic<std::uint64_t>* copy0,
                          std::atomic<std::uint64_t>* copy1, const T& v) noexcept {
    const std::uint64_t s = seq.load(std::memory_order_relaxed);
    store_words((s + 1) & 1 ? copy1 : copy0, v);
    seq.store(s + 1, std::memory_order_release);
    return s + 1;
}

// Latch reader: takes the copy the sequence points at; retries (bounded) only if a publication
// overlapped the copy. Returns false after `max_tries` overlapped reads or when nothing was ever
// published (seq == 0).
template <class T>
[[nodiscard]] bool latch_read(const std::atomic<std::uint64_t>& seq,
                              const std::atomic<std::uint64_t>* copy0,
                              const std::atomic<std::uint64_t>* copy1, T& out, int max_tries,
                              std::uint64_t* seq_out = nullptr) noexcept {
    for (int i = 0; i < max_tries; ++i) {
        const std::uint64_t s1 = seq.load(std::memory_order_acquire);
        if (s1 == 0)
            return false;
        T v = load_words<T>(s1 & 1 ? copy1 : copy0);
        if (seq.load(std::memory_order_relaxed) != s1)
            continue;
        out = v;
        if (seq_out)
            *seq_out = s1;
        return true;
    }
    return false;
}

} // namespace scalpel::shm
