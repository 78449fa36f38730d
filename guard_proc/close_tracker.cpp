// close_tracker: facts first (absorb*), then the decision rule D of the header, in its priority
// order (decide → resolve_attempts → resolve_ocos → follow_child → compensate/finish → send_close /
// idle_decision). Each function is one row group of the transition table.
#include "guard_proc/close_tracker.hpp"

#include <algorithm>

namespace scalpel::guard {

using std::chrono::nanoseconds;

const char* to_string(exit_state s) noexcept {
    switch (s) {
    case exit_state::idle:
        return "idle";
    case exit_state::watching:
        return "watching";
    case exit_state::cancelling:
        return "cancelling";
    case exit_state::checking_oco:
        return "checking_oco";
    case exit_state::closing:
        return "closing";
    case exit_state::resolving:
        return "resolving";
    case exit_state::oco_fill:
        return "oco_fill";
    case exit_state::placing_oco:
        return "placing_oco";
    case exit_state::backoff:
        return "backoff";
    case exit_state::closed:
        return "closed";
    case exit_state::stuck:
        return "stuck";
    }
    return "?";
}

const char* to_string(cmd c) noexcept {
    switch (c) {
    case cmd::send_close_ws:
        return "send_close_ws";
    case cmd::send_close_rest:
        return "send_close_rest";
    case cmd::lookup_order:
        return "lookup_order";
    case cmd::lookup_algo:
        return "lookup_algo";
    case cmd::cancel_oco:
        return "cancel_oco";
    case cmd::place_oco:
        return "place_oco";
    case cmd::record_close:
        return "record_close";
    case cmd::compensate:
        return "compensate";
    case cmd::alert:
        return "alert";
    }
    return "?";
}

std::span<const command> close_tracker::on(const event& e) noexcept {
    n_out_ = 0;
    if (state_ == exit_state::closed)
        return {}; // nothing is recorded before everything is resolved: late news changes nothing
    if (state_ == exit_state::idle && e.kind != ev::open && e.kind != ev::takeover)
        return {};
    absorb(e);
    decide(e.now);
    return {out_.data(), n_out_};
}

std::int64_t close_tracker::sold_lots() const noexcept {
    std::int64_t sold = child_filled;
    for (std::uint32_t i = 0; i < n_att_; ++i)
        sold += att_[i].reverse ? -att_[i].filled : att_[i].filled;
    return sold;
}

// ---- facts --------------------------------------------------------------------------------------

void close_tracker::absorb(const event& e) noexcept {
    switch (e.kind) {
    case ev::open:
        if (state_ == exit_state::idle) {
            lots_ = e.lots;
            opened_at_ = e.now - e.age;
        }
        // Close ids handed out by someone else (a released claim): resolved before anything.
        if (e.settled && state_ == exit_state::idle)
            base_ = e.close_attempts; // numbering continues past ids known to be terminal
        for (std::uint32_t i = n_att_; i + base_ < e.close_attempts && i < max_attempts; ++i)
            att_[i] = attempt_rec{att_st::unknown, channel::rest, false, false, peer_deadline(e)};
        n_att_ = std::max(
            n_att_, std::min<std::uint32_t>(e.close_attempts - std::min(base_, e.close_attempts),
                                            max_attempts));
        for (std::uint32_t k = n_oco_; k < e.oco_attempts && k < max_ocos; ++k)
            oco_[k] = oco_rec{.st = k == e.attempt ? oco_st::presumed_live : oco_st::unknown,
                              .since = sent_or(e),
                              .landed = k == e.attempt}; // a stored id was acknowledged
        n_oco_ = std::max(n_oco_, std::min<std::uint32_t>(e.oco_attempts, max_ocos));
        resent(e);
        break;
    case ev::takeover:
        if (state_ == exit_state::idle) {
            lots_ = e.lots;
            opened_at_ = e.now;
        }
        for (std::uint32_t i = 0; i < e.close_attempts && i < max_attempts; ++i)
            if (i >= n_att_ || att_[i].st != att_st::done)
                att_[i] =
                    attempt_rec{att_st::unknown, channel::rest, false, false, peer_deadline(e)};
        n_att_ = std::max(n_att_, std::min<std::uint32_t>(e.close_attempts, max_attempts));
        for (std::uint32_t k = 0; k < e.oco_attempts && k < max_ocos; ++k)
            if (k >= n_oco_ || oco_[k].st != oco_st::gone)
                oco_[k] = oco_rec{.st = oco_st::unknown,
                                  .since = sent_or(e),
                                  .landed = k == e.attempt || (k < n_oco_ && oco_[k].landed)};
        n_oco_ = std::max(n_oco_, std::min<std::uint32_t>(e.oco_attempts, max_ocos));
        if (want_ == shm::close_reason::none)
            want_ = e.reason;
        break;
    case ev::verdict:
        if (want_ == shm::close_reason::none)
            want_ = e.reason;
        break;
    case ev::timer:
        break;
    case ev::close_acked:
        if (const auto i = index_of(e.attempt); i < n_att_ && att_[i].st == att_st::in_flight)
            att_[i].st = att_st::acked;
        break;
    case ev::close_rejected:
        if (const auto i = index_of(e.attempt); i < n_att_ && att_[i].st != att_st::done) {
            att_[i].st = att_st::done;
            att_[i].rejected = true;
            insufficient_ = e.insufficient;
        }
        break;
    case ev::close_unknown:
        if (const auto i = index_of(e.attempt); i < n_att_ && att_[i].st != att_st::done)
            att_[i].st = att_st::unknown;
        break;
    case ev::order:
    case ev::order_absent:
        absorb_order(e);
        break;
    case ev::lookup_failed:
        break; // the lookup is repeated at its next interval
    default:
        absorb_algo(e);
        break;
    }
}

// When an OCO attempt we did not send went out: the segment's stamp when there is one (never in
// the future), else now — the earliest moment we can vouch for.
nanoseconds close_tracker::sent_or(const event& e) noexcept {
    return e.oco_sent > nanoseconds::zero() ? std::min(e.oco_sent, e.now) : e.now;
}

// The deadline of a close attempt someone else sent: the segment's stamp of the slot's latest close
// request + the longest deadline any process uses; without a stamp, from now (conservative).
nanoseconds close_tracker::peer_deadline(const event& e) const noexcept {
    if (e.close_sent <= nanoseconds::zero())
        return e.now + s_.exp_time;
    return std::min(e.close_sent, e.now) + std::max<nanoseconds>(s_.exp_time, s_.peer_exp_time);
}

// A re-send under an attempt's id (the stamp moved past what we know): an attempt not known to
// have landed may land that much later.
void close_tracker::resent(const event& e) noexcept {
    for (std::uint32_t k = 0; k < n_oco_; ++k) {
        oco_rec& o = oco_[k];
        if (!o.landed && (o.st == oco_st::unknown || o.st == oco_st::place_sent) &&
            e.oco_sent > o.since)
            o.since = std::min(e.oco_sent, e.now);
    }
}

void close_tracker::absorb_order(const event& e) noexcept {
    if (e.child) {
        if (e.kind == ev::order) {
            child_filled = std::max(child_filled, e.filled_lots);
            child_px = e.avg_px;
            child_fee = e.fee_usd;
            child_done = child_done || e.status == order_status::filled ||
                         e.status == order_status::canceled;
        }
        return; // an absent child is looked up again: OCO children always exist once fired
    }
    const std::uint32_t idx = index_of(e.attempt);
    if (idx >= max_attempts)
        return;
    // A push of an attempt we never handed out ourselves (a predecessor's): track it too.
    for (; n_att_ <= idx; ++n_att_)
        att_[n_att_] =
            attempt_rec{att_st::unknown, channel::rest, e.reverse, false, e.now + s_.exp_time};
    attempt_rec& a = att_[idx];
    if (e.kind == ev::order_absent) {
        if (a.st != att_st::done && e.now >= a.deadline + s_.lookup_lag)
            a.st = att_st::done; // its expTime passed long enough ago: it can never land now
        return;
    }
    a.filled = std::max(a.filled, e.filled_lots);
    a.avg_px = e.avg_px;
    a.fee_usd = e.fee_usd;
    a.reverse = a.reverse || e.reverse;
    if (e.status == order_status::filled || e.status == order_status::canceled)
        a.st = att_st::done;
    else if (a.st == att_st::in_flight)
        a.st = att_st::acked;
}

void close_tracker::absorb_algo(const event& e) noexcept {
    if (e.attempt >= max_ocos)
        return;
    for (; n_oco_ <= e.attempt; ++n_oco_)
        oco_[n_oco_] = oco_rec{oco_st::unknown, e.now};
    oco_rec& o = oco_[e.attempt];
    // Any answer but "not found" or "unclear" proves the placement reached the exchange.
    o.landed = o.landed || (e.kind != ev::algo_absent && e.kind != ev::oco_unknown &&
                            e.kind != ev::oco_rejected);
    switch (e.kind) {
    case ev::algo:
        if (e.algo == algo_status::fired) {
            o.st = oco_st::fired;
            oco_reason_ = e.reason;
        } else if (e.algo == algo_status::gone) {
            o.st = oco_st::gone;
        } else if (o.st != oco_st::cancel_sent && o.st != oco_st::fired) {
            o.st = oco_st::live; // a push from before our cancel does not undo it
        }
        o.reusable = false;
        break;
    case ev::algo_absent:
        if ((o.st == oco_st::unknown || o.st == oco_st::place_sent) &&
            e.now >= o.since + (o.landed ? s_.lookup_lag
                                         : std::max<nanoseconds>(s_.lookup_lag, s_.oco_land_lag))) {
            o.st = oco_st::gone;
            o.reusable = true;
        }
        break;
    case ev::cancel_ok:
        if (o.st != oco_st::fired)
            o.st = oco_st::gone;
        break;
    case ev::cancel_ambiguous:
    case ev::oco_unknown:
        if (o.st != oco_st::fired && o.st != oco_st::gone) {
            o.st = oco_st::unknown;
            o.next_lookup = e.now;
            next_cancel_ = e.now + s_.cancel_retry;
        }
        break;
    case ev::oco_placed:
        if (o.st == oco_st::place_sent || o.st == oco_st::unknown)
            o.st = oco_st::live;
        break;
    case ev::oco_rejected:
        if (o.st == oco_st::place_sent) {
            o.st = oco_st::gone;
            next_oco_ = e.now + s_.oco_grace;
        }
        break;
    default:
        break;
    }
}

// ---- decision rule D ----------------------------------------------------------------------------

void close_tracker::decide(nanoseconds now) noexcept {
    wake_ = nanoseconds::max();
    if (resolve_attempts(now) || resolve_ocos(now) || follow_child(now))
        return; // rules 1–3: something is unresolved, wait for it
    const std::int64_t sold = sold_lots();
    if (sold > lots_) { // rule 4
        new_attempt(now, channel::rest, true, sold - lots_);
        return;
    }
    if (sold >= lots_ && lots_ > 0) { // rule 5
        finish(now);
        return;
    }
    if (want_ != shm::close_reason::none) { // rule 6
        if (insufficient_) {
            // The base is gone: before another sell, learn whether the OCO sold it.
            insufficient_ = false;
            bool any = false;
            for (std::uint32_t k = 0; k < n_oco_; ++k)
                if (oco_[k].st == oco_st::presumed_live || oco_[k].st == oco_st::live) {
                    oco_[k].st = oco_st::unknown;
                    oco_[k].next_lookup = now;
                    any = true;
                }
            if (any && resolve_ocos(now))
                return;
        }
        if (s_.order == close_order::cancel_first && oco_possibly_live())
            finish(now); // cancels every possibly live OCO (cancelling)
        else
            send_close(now);
        return;
    }
    idle_decision(now); // rule 7
}

// Rule 1: any close/compensation attempt not terminal.
bool close_tracker::resolve_attempts(nanoseconds now) noexcept {
    bool pending = false, looking = false;
    for (std::uint32_t i = 0; i < n_att_; ++i) {
        attempt_rec& a = att_[i];
        if (a.st == att_st::done)
            continue;
        pending = true;
        if (a.st != att_st::unknown && now < a.deadline) {
            wake_at(a.deadline); // in flight: its answer or its deadline comes first
            continue;
        }
        looking = true;
        if (now >= a.next_lookup) {
            command c{.kind = cmd::lookup_order, .attempt = base_ + i};
            c.deadline = a.deadline; // so the shell can tell an absent order from a late one
            emit(c);
            a.next_lookup = now + s_.lookup_interval;
        }
        wake_at(a.next_lookup);
    }
    if (pending)
        state_ = looking ? exit_state::resolving : exit_state::closing;
    return pending;
}

// Rule 2: any OCO attempt whose state is unknown or whose answer is awaited.
bool close_tracker::resolve_ocos(nanoseconds now) noexcept {
    bool unknown = false, cancel = false, place = false;
    for (std::uint32_t k = 0; k < n_oco_; ++k) {
        oco_rec& o = oco_[k];
        const bool awaited = o.st == oco_st::cancel_sent || o.st == oco_st::place_sent;
        if (awaited && now >= o.next_lookup)
            o.st = oco_st::unknown; // no answer within exp_time: the exchange says what happened
        if (o.st == oco_st::cancel_sent)
            cancel = true;
        if (o.st == oco_st::place_sent)
            place = true;
        if (o.st == oco_st::cancel_sent || o.st == oco_st::place_sent)
            wake_at(o.next_lookup);
        if (o.st != oco_st::unknown)
            continue;
        unknown = true;
        if (now >= o.next_lookup) {
            emit(command{.kind = cmd::lookup_algo, .attempt = k});
            o.next_lookup = now + s_.lookup_interval;
        }
        wake_at(o.next_lookup);
    }
    if (unknown)
        state_ = exit_state::checking_oco;
    else if (cancel)
        state_ = exit_state::cancelling;
    else if (place)
        state_ = exit_state::placing_oco;
    return unknown || cancel || place;
}

// Rule 3: the OCO fired (or its child was seen) and the child's outcome is not known yet.
bool close_tracker::follow_child(nanoseconds now) noexcept {
    bool fired = child_filled > 0;
    for (std::uint32_t k = 0; k < n_oco_; ++k)
        fired = fired || oco_[k].st == oco_st::fired;
    if (!fired || child_done)
        return false;
    state_ = exit_state::oco_fill;
    if (now >= child_next_lookup) {
        emit(command{.kind = cmd::lookup_order, .child = true});
        child_next_lookup = now + s_.lookup_interval;
    }
    wake_at(child_next_lookup);
    return true;
}

// Rule 5 (and the cancel of rule 6): cancel every OCO that may be live; record once none is.
void close_tracker::finish(nanoseconds now) noexcept {
    if (oco_possibly_live()) {
        if (now < next_cancel_) { // the last cancel was unclear: give it cancel_retry
            state_ = exit_state::checking_oco;
            wake_at(next_cancel_);
            return;
        }
        for (std::uint32_t k = 0; k < n_oco_; ++k)
            if (oco_[k].st == oco_st::presumed_live || oco_[k].st == oco_st::live) {
                oco_[k].st = oco_st::cancel_sent;
                oco_[k].next_lookup = now + s_.exp_time; // unanswered by then: look it up
                emit(command{.kind = cmd::cancel_oco, .attempt = k});
            }
        state_ = exit_state::cancelling;
        return;
    }
    if (sold_lots() < lots_ || lots_ <= 0)
        return; // cancel_first: the OCO is gone, the caller sends the close next
    command r{.kind = cmd::record_close};
    std::int64_t ours = 0;
    double notional = 0;
    r.child = true;
    for (std::uint32_t i = 0; i < n_att_; ++i) {
        const attempt_rec& a = att_[i];
        if (!a.reverse && a.filled > 0) {
            r.attempt = base_ + i;
            r.child = false;
        }
        if (a.reverse) {
            r.comp_lots += a.filled;
            r.comp_avg_px += a.avg_px * static_cast<double>(a.filled); // weighted, divided below
            r.comp_fee_usd += a.fee_usd;
            continue;
        }
        ours += a.filled;
        notional += a.avg_px * static_cast<double>(a.filled);
        r.fee_usd += a.fee_usd;
    }
    notional += child_px * static_cast<double>(child_filled);
    r.fee_usd += child_fee;
    r.lots = ours + child_filled;
    r.avg_px = r.lots > 0 ? notional / static_cast<double>(r.lots) : 0;
    if (r.comp_lots > 0)
        r.comp_avg_px /= static_cast<double>(r.comp_lots);
    // Our close is the one that counts when it filled; a fired OCO alone records TP/SL (none:
    // the service tells TP from SL by the fill price).
    r.reason = ours > 0 ? want_ : oco_reason_;
    emit(r);
    state_ = exit_state::closed;
}

// Rule 6: the next close attempt for the unsold lots.
void close_tracker::send_close(nanoseconds now) noexcept {
    if (state_ == exit_state::stuck)
        return;
    std::uint32_t closes = 0;
    const attempt_rec* last = nullptr;
    for (std::uint32_t i = 0; i < n_att_; ++i)
        if (!att_[i].reverse) {
            ++closes;
            last = &att_[i];
        }
    if (closes >= s_.max_close_attempts || n_att_ >= max_attempts) {
        emit(command{.kind = cmd::alert, .attempt = base_ + n_att_});
        state_ = exit_state::stuck;
        return;
    }
    // First retry at once (on the other channel); later ones paced by retry_interval.
    if (closes >= 2 && now < next_send_) {
        state_ = exit_state::backoff;
        wake_at(next_send_);
        return;
    }
    const channel ch =
        last == nullptr ? channel::ws : (last->ch == channel::ws ? channel::rest : channel::ws);
    new_attempt(now, ch, false, lots_ - sold_lots());
}

// Rule 7: no exit wanted. Keep one OCO live: place one once the grace after the fill has passed.
void close_tracker::idle_decision(nanoseconds now) noexcept {
    state_ = exit_state::watching;
    if (oco_possibly_live() || lots_ <= 0)
        return;
    const nanoseconds due = std::max(opened_at_ + s_.oco_grace, next_oco_);
    if (now < due) {
        wake_at(due);
        return;
    }
    std::uint32_t k = n_oco_;
    for (std::uint32_t i = 0; i < n_oco_; ++i)
        if (oco_[i].reusable) { // never landed: its id is reused, so a late landing collides
            k = i;
            break;
        }
    if (k >= max_ocos) {
        emit(command{.kind = cmd::alert, .attempt = k});
        state_ = exit_state::stuck;
        return;
    }
    oco_[k] = oco_rec{oco_st::place_sent, now, now + s_.exp_time};
    n_oco_ = std::max(n_oco_, k + 1);
    emit(command{.kind = cmd::place_oco, .attempt = k, .lots = lots_});
    state_ = exit_state::placing_oco;
}

void close_tracker::new_attempt(nanoseconds now, channel ch, bool reverse,
                                std::int64_t lots) noexcept {
    if (n_att_ >= max_attempts) {
        emit(command{.kind = cmd::alert, .attempt = base_ + n_att_});
        state_ = exit_state::stuck;
        return;
    }
    const std::uint32_t n = n_att_++;
    att_[n] = attempt_rec{att_st::in_flight, ch, reverse, false, now + s_.exp_time};
    const cmd kind =
        reverse ? cmd::compensate : (ch == channel::ws ? cmd::send_close_ws : cmd::send_close_rest);
    emit(command{.kind = kind, .attempt = base_ + n, .lots = lots, .deadline = now + s_.exp_time});
    next_send_ = now + s_.retry_interval;
    state_ = exit_state::closing;
    wake_at(att_[n].deadline);
}

bool close_tracker::oco_possibly_live() const noexcept {
    for (std::uint32_t k = 0; k < n_oco_; ++k)
        if (oco_[k].st == oco_st::presumed_live || oco_[k].st == oco_st::live)
            return true;
    return false;
}

std::uint32_t close_tracker::index_of(std::uint32_t attempt) const noexcept {
    return attempt < base_ ? max_attempts : attempt - base_; // below base: settled long ago
}

void close_tracker::emit(const command& c) noexcept {
    if (n_out_ < out_.size())
        out_[n_out_++] = c;
}

void close_tracker::wake_at(nanoseconds t) noexcept {
    wake_ = std::min(wake_, t);
}

} // namespace scalpel::guard
