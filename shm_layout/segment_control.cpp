// segment: the operator control block — the halt flag and the command mailbox (layout.hpp). All
// lock-free: a hung mutex holder must never stop an operator from halting or closing. The guard
// polls the mailbox from its timer, never from the tick path.
#include "shm_layout/segment.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace scalpel::shm {
namespace {

constexpr auto acq = std::memory_order_acquire;
constexpr auto rel = std::memory_order_release;
constexpr auto rlx = std::memory_order_relaxed;

std::uint32_t pack_taker(owner_id o) noexcept {
    return (static_cast<std::uint32_t>(o.who) << 24) | (o.incarnation & 0xffffffu);
}
owner_id unpack_taker(std::uint32_t w) noexcept {
    return {static_cast<role>(w >> 24), w & 0xffffffu};
}

} // namespace

halt_view segment::halt() const noexcept {
    const auto& c = l_->control;
    halt_view v;
    v.seq = c.halt_seq.load(acq);
    v.halted = c.halted.load(acq) != 0;
    v.changed_ms = c.halted_ms.load(rlx);
    return v;
}

std::string segment::halt_file() const {
    return options_.rundir.empty() ? std::string{}
                                   : fmt::format("{}/{}.halted", options_.rundir, name_);
}

bool segment::set_halted(bool on, epoch_ms now_ms) noexcept {
    if (read_only_)
        return false;
    try {
        if (const auto file = halt_file(); !file.empty()) {
            if (on) {
                std::FILE* f = std::fopen(file.c_str(), "w");
                if (f == nullptr)
                    return false;
                std::fprintf(f, "halted_ms=%lld\n", static_cast<long long>(now_ms));
                std::fclose(f);
            } else {
                std::error_code ec;
                std::filesystem::remove(file, ec);
                if (ec)
                    return false;
            }
        }
    } catch (...) {
        return false;
    }
    auto& c = l_->control;
    const std::uint32_t want = on ? 1 : 0;
    std::uint32_t was = c.halted.load(acq);
    if (was == want)
        return true;
    if (!c.halted.compare_exchange_strong(was, want, std::memory_order_acq_rel))
        return true; // someone else made the same change at the same moment
    c.halted_ms.store(now_ms, rlx);
    c.halt_seq.fetch_add(1, rel);
    return true;
}

bool segment::restore_persisted_halt() noexcept {
    try {
        std::error_code ec;
        const auto file = halt_file();
        if (!read_only_ && !file.empty() && std::filesystem::exists(file, ec) && !halt().halted) {
            auto& c = l_->control;
            c.halted.store(1, rel);
            c.halted_ms.store(wall_now_ms(), rlx);
            c.halt_seq.fetch_add(1, rel);
        }
    } catch (...) {
    }
    return halt().halted;
}

post_result segment::post_command(command_kind kind, slot_ref target, epoch_ms now_ms) noexcept {
    static std::atomic<std::uint32_t> counter{0};
    post_result out;
    if (read_only_)
        return out;
    for (std::uint32_t i = 0; i < command_capacity; ++i) {
        auto& e = l_->control.commands[i];
        auto st = static_cast<std::uint32_t>(command_state::free);
        if (!e.state.compare_exchange_strong(st, static_cast<std::uint32_t>(command_state::writing),
                                             std::memory_order_acq_rel))
            continue;
        out.request_id =
            (static_cast<std::uint64_t>(::getpid()) << 32) | (counter.fetch_add(1, rlx) + 1);
        e.kind.store(static_cast<std::uint32_t>(kind), rlx);
        e.slot.store(target.index, rlx);
        e.generation.store(target.generation, rlx);
        e.request_id.store(out.request_id, rlx);
        e.taker.store(0, rlx);
        e.result.store(static_cast<std::uint32_t>(command_result::pending), rlx);
        e.closes_sent.store(0, rlx);
        e.posted_ms.store(now_ms, rlx);
        e.done_ms.store(0, rlx);
        e.state.store(static_cast<std::uint32_t>(command_state::posted), rel);
        out.ok = true;
        out.entry = i;
        return out;
    }
    return out;
}

command_view segment::read_command(std::uint32_t entry) const noexcept {
    command_view v;
    if (entry >= command_capacity)
        return v;
    const auto& e = l_->control.commands[entry];
    v.state = static_cast<command_state>(e.state.load(acq));
    v.kind = static_cast<command_kind>(e.kind.load(rlx));
    v.target = {e.slot.load(rlx), e.generation.load(rlx)};
    v.request_id = e.request_id.load(rlx);
    v.taker = unpack_taker(e.taker.load(rlx));
    v.result = static_cast<command_result>(e.result.load(rlx));
    v.closes_sent = e.closes_sent.load(rlx);
    v.posted_ms = e.posted_ms.load(rlx);
    v.done_ms = e.done_ms.load(rlx);
    return v;
}

bool segment::take_command(std::uint32_t entry) noexcept {
    if (read_only_ || self_.who != role::guard || entry >= command_capacity)
        return false;
    auto& e = l_->control.commands[entry];
    auto st = e.state.load(acq);
    if (st == static_cast<std::uint32_t>(command_state::taken)) {
        const owner_id taker = unpack_taker(e.taker.load(rlx));
        if (taker == self_)
            return true;
        if (!owner_dead(taker.who, taker.incarnation))
            return false;
        // The taker died mid-command: take it over (its close, if any, is found by the claim
        // adoption of that slot; re-running the command only claims what is still open).
    } else if (st != static_cast<std::uint32_t>(command_state::posted)) {
        return false;
    }
    e.taker.store(pack_taker(self_), rlx);
    return e.state.compare_exchange_strong(st, static_cast<std::uint32_t>(command_state::taken),
                                           std::memory_order_acq_rel);
}

void segment::finish_command(std::uint32_t entry, command_result r, std::uint32_t closes_sent,
                             epoch_ms now_ms) noexcept {
    if (read_only_ || self_.who != role::guard || entry >= command_capacity)
        return;
    auto& e = l_->control.commands[entry];
    if (e.state.load(acq) != static_cast<std::uint32_t>(command_state::taken) ||
        unpack_taker(e.taker.load(rlx)) != self_)
        return;
    e.result.store(static_cast<std::uint32_t>(r), rlx);
    e.closes_sent.store(closes_sent, rlx);
    e.done_ms.store(now_ms, rlx);
    e.state.store(static_cast<std::uint32_t>(command_state::done), rel);
}

bool segment::release_command(std::uint32_t entry, std::uint64_t request_id) noexcept {
    if (read_only_ || entry >= command_capacity)
        return false;
    auto& e = l_->control.commands[entry];
    if (e.request_id.load(rlx) != request_id)
        return false;
    auto st = static_cast<std::uint32_t>(command_state::done);
    return e.state.compare_exchange_strong(st, static_cast<std::uint32_t>(command_state::free),
                                           std::memory_order_acq_rel);
}

bool segment::cancel_command(std::uint32_t entry, std::uint64_t request_id) noexcept {
    if (read_only_ || entry >= command_capacity)
        return false;
    auto& e = l_->control.commands[entry];
    if (e.request_id.load(rlx) != request_id)
        return false;
    auto st = static_cast<std::uint32_t>(command_state::posted);
    return e.state.compare_exchange_strong(st, static_cast<std::uint32_t>(command_state::free),
                                           std::memory_order_acq_rel);
}

const char* to_string(command_kind k) noexcept {
    switch (k) {
    case command_kind::none:
        return "none";
    case command_kind::exit_position:
        return "exit";
    case command_kind::flatten:
        return "flatten";
    }
    return "?";
}

const char* to_string(command_state s) noexcept {
    switch (s) {
    case command_state::free:
        return "free";
    case command_state::writing:
        return "writing";
    case command_state::posted:
        return "posted";
    case command_state::taken:
        return "taken";
    case command_state::done:
        return "done";
    }
    return "?";
}

const char* to_string(command_result r) noexcept {
    switch (r) {
    case command_result::pending:
        return "pending";
    case command_result::close_sent:
        return "close_sent";
    case command_result::no_position:
        return "no_position";
    case command_result::busy:
        return "busy";
    case command_result::failed:
        return "failed";
    }
    return "?";
}

} // namespace scalpel::shm
