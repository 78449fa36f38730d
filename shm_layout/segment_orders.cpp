// segment: the order log, the guard's order outcomes on their way to signal_proc's ledger. See
// segment.hpp and layout.hpp (order_log_block) for who writes what with which ordering.
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"

namespace scalpel::shm {

namespace {
constexpr int note_read_tries = 64;
}

void segment::append_order_note(const order_note& note) noexcept {
    if (read_only_)
        return;
    auto& log = l_->order_log;
    const std::uint64_t n = log.head.load(std::memory_order_relaxed); // single writer
    auto& e = log.entries[n % order_log_capacity];
    order_note rec = note;
    rec.note_seq = n + 1;
    e.seq.store(2 * n + 1, std::memory_order_relaxed);
    store_words(e.words, rec);
    e.seq.store(2 * n + 2, std::memory_order_release);
    log.head.store(n + 1, std::memory_order_release);
}

std::uint64_t segment::order_log_head() const noexcept {
    return l_->order_log.head.load(std::memory_order_acquire);
}

bool segment::read_order_note(std::uint64_t n, order_note& out) const noexcept {
    const auto& e = l_->order_log.entries[n % order_log_capacity];
    for (int i = 0; i < note_read_tries; ++i) {
        const auto q1 = e.seq.load(std::memory_order_acquire);
        if (q1 != 2 * n + 2) {
            if (q1 & 1)
                continue; // being written: maybe ours, retry
            return false; // overwritten or not yet written
        }
        const auto rec = load_words<order_note>(e.words);
        if (e.seq.load(std::memory_order_relaxed) != q1)
            continue;
        out = rec;
        return true;
    }
    return false;
}

const char* to_string(order_kind k) noexcept {
    switch (k) {
    case order_kind::entry:
        return "entry";
    case order_kind::oco:
        return "oco";
    case order_kind::close:
        return "close";
    case order_kind::compensate:
        return "compensate";
    }
    return "?";
}

const char* to_string(order_outcome o) noexcept {
    switch (o) {
    case order_outcome::sent:
        return "sent";
    case order_outcome::placed:
        return "placed";
    case order_outcome::partially_filled:
        return "partially_filled";
    case order_outcome::filled:
        return "filled";
    case order_outcome::canceled:
        return "canceled";
    case order_outcome::refused:
        return "refused";
    case order_outcome::absent:
        return "absent";
    case order_outcome::unknown:
        return "unknown";
    }
    return "?";
}

const char* to_string(order_channel c) noexcept {
    switch (c) {
    case order_channel::unknown:
        return "";
    case order_channel::ws:
        return "ws";
    case order_channel::rest:
        return "rest";
    }
    return "?";
}

} // namespace scalpel::shm
