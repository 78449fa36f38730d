// segment: the reconciliation block (identity, reconciled stamp, per-symbol feed state). See
// segment.hpp and layout.hpp (reconcile_block) for who writes what with which ordering.
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"

namespace scalpel::shm {

namespace {
constexpr int identity_read_tries = 64;
}

bool segment::record_identity(const segment_identity& id) noexcept {
    if (read_only_)
        return false;
    auto guard = lock();
    if (!guard.locked())
        return false;
    seqlock_write(l_->reconcile.identity_seq, l_->reconcile.identity, id);
    return true;
}

segment_identity segment::identity() const noexcept {
    segment_identity id{};
    if (!seqlock_read(l_->reconcile.identity_seq, l_->reconcile.identity, id, identity_read_tries))
        return segment_identity{};
    return id;
}

void segment::mark_reconciled(epoch_ms now_ms) noexcept {
    if (read_only_)
        return;
    l_->reconcile.reconciled_incarnation.store(self_.incarnation, std::memory_order_relaxed);
    l_->reconcile.reconciled_ms.store(now_ms, std::memory_order_release);
}

segment::reconcile_stamp segment::reconciled() const noexcept {
    reconcile_stamp r;
    r.at_ms = l_->reconcile.reconciled_ms.load(std::memory_order_acquire);
    r.incarnation = l_->reconcile.reconciled_incarnation.load(std::memory_order_relaxed);
    return r;
}

void segment::set_feed_state(std::uint32_t price_index, feed_state s) noexcept {
    if (read_only_ || price_index >= price_capacity)
        return;
    l_->reconcile.feed[price_index].store(static_cast<std::uint32_t>(s), std::memory_order_relaxed);
}

feed_state segment::feed(std::uint32_t price_index) const noexcept {
    if (price_index >= price_capacity)
        return feed_state::unknown;
    return static_cast<feed_state>(l_->reconcile.feed[price_index].load(std::memory_order_relaxed));
}

} // namespace scalpel::shm
