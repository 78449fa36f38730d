// Segment lifecycle: exclusive create, attach with wait and validation, read-only attach, role
// registration and liveness, the mutex wrapper. Slots and journal live in segment_slots.cpp,
// parameters/prices/counters in segment_data.cpp. Boost.Interprocess throws; nothing escapes here.
// Must never write to a segment before it is validated as ours, nor reinitialise a ready one.
#include "shm_layout/segment.hpp"
#include "shm_layout/seqlock.hpp"

#include <boost/interprocess/shared_memory_object.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace scalpel::shm {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t segment_size = sizeof(segment_layout);

header_view read_header(const void* base, std::size_t mapped, const struct stat& st) noexcept {
    header_view v;
    v.owner_uid = st.st_uid;
    v.file_mode = st.st_mode & 07777;
    v.file_size = static_cast<std::uint64_t>(st.st_size);
    if (mapped < sizeof(segment_header))
        return v;
    const auto* h = std::launder(reinterpret_cast<const segment_header*>(base));
    v.init = static_cast<init_state>(h->init.load(std::memory_order_acquire));
    v.magic = h->magic.load(std::memory_order_relaxed);
    v.version = h->version.load(std::memory_order_relaxed);
    v.header_size = h->header_size.load(std::memory_order_relaxed);
    v.total_size = h->total_size.load(std::memory_order_relaxed);
    v.creator_pid = h->creator_pid.load(std::memory_order_relaxed);
    v.created_ms = h->created_ms.load(std::memory_order_relaxed);
    v.layout_hash = h->layout_hash.load(std::memory_order_relaxed);
    v.valid = true;
    return v;
}

// Empty string when the header is ours; else a message naming both sides.
std::string mismatch_message(std::string_view name, const header_view& h) {
    if (h.magic != segment_magic)
        return fmt::format("segment '{}' has foreign magic {:#018x} (this build expects {:#018x}); "
                           "refusing to touch it",
                           name, h.magic, segment_magic);
    if (h.version != layout_version || h.header_size != sizeof(segment_header) ||
        h.total_size != segment_size || h.layout_hash != layout_hash || h.file_size != segment_size)
        return fmt::format(
            "segment '{}' has layout version {} (size {}, file {}, hash {:#018x}); this build has "
            "version {} (size {}, hash {:#018x}). Refusing to attach: it may hold open positions. "
            "Stop the other version, close its positions, then remove the segment by hand.",
            name, h.version, h.total_size, h.file_size, h.layout_hash, layout_version, segment_size,
            layout_hash);
    return {};
}

void sleep_ms(int ms) noexcept {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

int mapping_fd(const bip::shared_memory_object& shm) noexcept {
    return shm.get_mapping_handle().handle;
}

// The creator holds flock(LOCK_EX) on the shm fd from create to ready. If an attacher can take it
// while the segment is not ready, the creator died initialising (no position can exist yet).
bool creator_dead(int fd) noexcept {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
        return false;
    ::flock(fd, LOCK_UN);
    return true;
}

enum class attach_step { ok, retry, fail };

} // namespace

segment::~segment() {
    if (!read_only_ && l_ && self_.who != role::none && role_lock_fd_ >= 0) {
        auto& p = l_->processes[static_cast<std::size_t>(self_.who)];
        p.heartbeat_ns.store(monotonic_now_ns(), std::memory_order_relaxed);
        p.status.store(static_cast<std::uint32_t>(process_status::stopped),
                       std::memory_order_release);
    }
    if (role_lock_fd_ >= 0)
        ::close(role_lock_fd_);
}

bool segment::remove(std::string_view name) noexcept {
    try {
        return bip::shared_memory_object::remove(std::string(name).c_str());
    } catch (...) {
        return false;
    }
}

open_result segment::create_or_attach(std::string_view name, role who,
                                      const open_options& o) noexcept {
    try {
        return open_impl(name, who, o);
    } catch (const std::exception& e) {
        open_result r;
        r.status = open_status::io_error;
        r.message = fmt::format("segment '{}': {}", name, e.what());
        return r;
    }
}

open_result segment::open_impl(std::string_view name_sv, role who, const open_options& o) {
    open_result res;
    const std::string name(name_sv);
    if (name.empty() || name.find('/') != std::string::npos) {
        res.status = open_status::bad_argument;
        res.message = "segment name must be non-empty and contain no '/'";
        return res;
    }
    const auto deadline_after = [](std::chrono::milliseconds ms) {
        return std::chrono::steady_clock::now() + ms;
    };

    for (int round = 0; round < 4; ++round) {
        // ---- creator path -----------------------------------------------------------------
        std::optional<bip::shared_memory_object> created;
        try {
            created.emplace(bip::create_only, name.c_str(), bip::read_write,
                            bip::permissions(0600));
        } catch (const bip::interprocess_exception& e) {
            if (e.get_error_code() != bip::already_exists_error) {
                res.status = open_status::io_error;
                res.message = fmt::format("segment '{}': create: {}", name, e.what());
                return res;
            }
        }
        if (created) {
            const int fd = mapping_fd(*created);
            ::flock(fd, LOCK_EX);
            created->truncate(static_cast<bip::offset_t>(segment_size));
            if (const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(segment_size));
                rc != 0) {
                bip::shared_memory_object::remove(name.c_str());
                res.status = open_status::io_error;
                res.message =
                    fmt::format("segment '{}': posix_fallocate({} B): {} (is /dev/shm full?)", name,
                                segment_size, std::strerror(rc));
                return res;
            }
            auto seg = std::unique_ptr<segment>(new segment());
            seg->name_ = name;
            seg->options_ = o;
            seg->region_ = bip::mapped_region(*created, bip::read_write, 0, segment_size, nullptr,
                                              o.populate ? MAP_POPULATE : bip::default_map_options);
            auto* l = new (seg->region_.get_address()) segment_layout{};
            seg->l_ = l;
            auto& h = l->header;
            h.init.store(static_cast<std::uint32_t>(init_state::initializing),
                         std::memory_order_relaxed);
            h.creator_pid.store(::getpid(), std::memory_order_relaxed);
            h.created_ms.store(wall_now_ms(), std::memory_order_relaxed);
            if (!l->info.account_tag.assign(o.account_tag))
                l->info.account_tag.assign_truncated(o.account_tag);
            l->info.slot_capacity.store(slot_capacity, std::memory_order_relaxed);
            l->info.price_capacity.store(price_capacity, std::memory_order_relaxed);
            l->info.journal_capacity.store(journal_capacity, std::memory_order_relaxed);
            l->info.counter_count.store(counter_count, std::memory_order_relaxed);
            if (!init_robust_mutex(l->mutex)) {
                bip::shared_memory_object::remove(name.c_str());
                res.status = open_status::io_error;
                res.message = fmt::format("segment '{}': robust mutex init failed", name);
                return res;
            }
            arm_params start = default_params(regime::ranging); // strategy.md: start in RANGING
            start.publish_seq = 1;
            start.publish_time_ms = wall_now_ms();
            latch_write(l->params.seq, l->params.copy0, l->params.copy1, start);
            h.magic.store(segment_magic, std::memory_order_relaxed);
            h.version.store(layout_version, std::memory_order_relaxed);
            h.header_size.store(sizeof(segment_header), std::memory_order_relaxed);
            h.total_size.store(segment_size, std::memory_order_relaxed);
            h.layout_hash.store(layout_hash, std::memory_order_relaxed);
            h.init.store(static_cast<std::uint32_t>(init_state::ready), std::memory_order_release);
            ::flock(fd, LOCK_UN);
            struct stat st {};
            ::fstat(fd, &st);
            res.header = read_header(l, segment_size, st);
            seg->opened_ = res.header;
            seg->self_.who = who;
            if (const auto rs = seg->register_role(res.message); rs != open_status::created) {
                res.status = rs;
                return res;
            }
            res.status = open_status::created;
            res.seg = std::move(seg);
            return res;
        }

        // ---- attacher path ----------------------------------------------------------------
        std::optional<bip::shared_memory_object> shm;
        try {
            shm.emplace(bip::open_only, name.c_str(), bip::read_write);
        } catch (const bip::interprocess_exception& e) {
            if (e.get_error_code() == bip::not_found_error)
                continue; // unlinked meanwhile: retry
            throw;
        }
        const int fd = mapping_fd(*shm);
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            res.status = open_status::io_error;
            res.message = fmt::format("segment '{}': fstat: {}", name, std::strerror(errno));
            return res;
        }
        if (st.st_uid != ::geteuid()) {
            res.status = open_status::foreign_owner;
            res.message = fmt::format("segment '{}' belongs to uid {}, not to this uid {}; someone "
                                      "squatted the name",
                                      name, st.st_uid, ::geteuid());
            return res;
        }
        // Wait for the creator's truncate (Aeron AWAIT_FILE); SIGBUS lies past the end.
        const auto deadline = deadline_after(o.init_timeout);
        while (static_cast<std::size_t>(st.st_size) < sizeof(segment_header) &&
               std::chrono::steady_clock::now() < deadline) {
            sleep_ms(1);
            ::fstat(fd, &st);
        }
        attach_step step = attach_step::ok;
        if (static_cast<std::size_t>(st.st_size) < sizeof(segment_header)) {
            step = creator_dead(fd) ? attach_step::retry : attach_step::fail;
        }
        std::optional<bip::mapped_region> ro;
        if (step == attach_step::ok) {
            // Validate through a read-only view: a foreign segment is never written.
            ro.emplace(*shm, bip::read_only, 0, static_cast<std::size_t>(st.st_size));
            const auto* h =
                std::launder(reinterpret_cast<const segment_header*>(ro->get_address()));
            for (;;) {
                const auto magic = h->magic.load(std::memory_order_relaxed);
                if (magic != 0 && magic != segment_magic)
                    break;
                if (h->init.load(std::memory_order_acquire) ==
                    static_cast<std::uint32_t>(init_state::ready))
                    break;
                if (std::chrono::steady_clock::now() >= deadline) {
                    step = creator_dead(fd) ? attach_step::retry : attach_step::fail;
                    break;
                }
                sleep_ms(1);
            }
            res.header = read_header(ro->get_address(), ro->get_size(), st);
        }
        if (step == attach_step::retry) {
            spdlog::warn("segment '{}': creator died while initialising; recreating it", name);
            ro.reset();
            shm.reset();
            bip::shared_memory_object::remove(name.c_str());
            continue;
        }
        if (step == attach_step::fail) {
            res.status = open_status::init_timeout;
            res.message =
                fmt::format("segment '{}': not ready after {} ms and its creator is still "
                            "alive",
                            name, o.init_timeout.count());
            return res;
        }
        if (auto msg = mismatch_message(name, res.header); !msg.empty()) {
            res.status = open_status::version_mismatch;
            res.message = std::move(msg);
            return res;
        }
        ro.reset();
        auto seg = std::unique_ptr<segment>(new segment());
        seg->name_ = name;
        seg->options_ = o;
        seg->region_ = bip::mapped_region(*shm, bip::read_write, 0, segment_size, nullptr,
                                          o.populate ? MAP_POPULATE : bip::default_map_options);
        seg->l_ = std::launder(reinterpret_cast<segment_layout*>(seg->region_.get_address()));
        seg->opened_ = res.header;
        seg->self_.who = who;
        if (const auto rs = seg->register_role(res.message); rs != open_status::created) {
            res.status = rs;
            return res;
        }
        res.status = open_status::attached;
        res.seg = std::move(seg);
        return res;
    }
    res.status = open_status::init_timeout;
    res.message = fmt::format("segment '{}': gave up after repeated create/attach races", name);
    return res;
}

open_result segment::attach_read_only(std::string_view name_sv, const open_options& o) noexcept {
    open_result res;
    try {
        const std::string name(name_sv);
        std::optional<bip::shared_memory_object> shm;
        try {
            shm.emplace(bip::open_only, name.c_str(), bip::read_only);
        } catch (const bip::interprocess_exception& e) {
            res.status = e.get_error_code() == bip::not_found_error ? open_status::no_such_segment
                                                                    : open_status::io_error;
            res.message = fmt::format("segment '{}': {}", name, e.what());
            return res;
        }
        struct stat st {};
        ::fstat(mapping_fd(*shm), &st);
        if (static_cast<std::size_t>(st.st_size) < sizeof(segment_header)) {
            res.header = read_header(nullptr, 0, st);
            res.status = open_status::init_timeout;
            res.message =
                fmt::format("segment '{}' is {} bytes: not initialised", name, st.st_size);
            return res;
        }
        auto seg = std::unique_ptr<segment>(new segment());
        seg->region_ =
            bip::mapped_region(*shm, bip::read_only, 0, static_cast<std::size_t>(st.st_size));
        const auto deadline = std::chrono::steady_clock::now() + o.init_timeout;
        for (;;) {
            res.header = read_header(seg->region_.get_address(), seg->region_.get_size(), st);
            if (res.header.init == init_state::ready ||
                (res.header.magic != 0 && res.header.magic != segment_magic) ||
                std::chrono::steady_clock::now() >= deadline)
                break;
            sleep_ms(1);
        }
        if (res.header.magic == segment_magic && res.header.init != init_state::ready) {
            res.status = open_status::init_timeout;
            res.message = fmt::format("segment '{}' is not ready (init state {})", name,
                                      static_cast<unsigned>(res.header.init));
            return res;
        }
        if (auto msg = mismatch_message(name, res.header); !msg.empty()) {
            res.status = open_status::version_mismatch;
            res.message = std::move(msg);
            return res;
        }
        seg->name_ = name;
        seg->options_ = o;
        seg->read_only_ = true;
        seg->opened_ = res.header;
        seg->l_ = std::launder(reinterpret_cast<segment_layout*>(seg->region_.get_address()));
        res.status = open_status::attached;
        res.seg = std::move(seg);
        return res;
    } catch (const std::exception& e) {
        res.status = open_status::io_error;
        res.message = fmt::format("segment '{}': {}", name_sv, e.what());
        return res;
    }
}

std::string segment::role_lock_path(std::string_view rundir, std::string_view name, role r) {
    return fmt::format("{}/{}.{}.lock", rundir, name, to_string(r));
}

std::string segment::lock_path(role r) const {
    return role_lock_path(options_.rundir, name_, r);
}

int segment::standbys_waiting(role r) const noexcept {
    return options_.rundir.empty() ? -1 : count_lock_waiters(lock_path(r));
}

open_status segment::register_role(std::string& message) noexcept {
    if (self_.who == role::none)
        return open_status::created;
    const std::string path = lock_path(self_.who);
    role_lock_fd_ = acquire_role_lock(path);
    if (role_lock_fd_ < 0) {
        const int e = errno;
        if (e == EWOULDBLOCK || e == EAGAIN) {
            const auto& p = l_->processes[static_cast<std::size_t>(self_.who)];
            message =
                fmt::format("segment '{}': another {} process (pid {}) holds {}", name_,
                            to_string(self_.who), p.pid.load(std::memory_order_relaxed), path);
            return open_status::role_taken;
        }
        message = fmt::format("segment '{}': cannot open lock file {}: {}", name_, path,
                              std::strerror(e));
        return open_status::io_error;
    }
    auto guard = lock();
    if (!guard.locked()) {
        message = fmt::format("segment '{}': mutex {} while registering", name_,
                              to_string(guard.status()));
        return open_status::io_error;
    }
    auto& p = l_->processes[static_cast<std::size_t>(self_.who)];
    std::uint32_t inc = (p.incarnation.load(std::memory_order_relaxed) + 1) & 0xffffffu;
    if (inc == 0)
        inc = 1;
    const pid_t pid = ::getpid();
    p.status.store(static_cast<std::uint32_t>(process_status::starting), std::memory_order_release);
    p.pid.store(pid, std::memory_order_relaxed);
    p.start_ticks.store(process_start_ticks(pid), std::memory_order_relaxed);
    p.incarnation.store(inc, std::memory_order_relaxed);
    p.attached_ms.store(wall_now_ms(), std::memory_order_relaxed);
    p.heartbeat_ns.store(monotonic_now_ns(), std::memory_order_relaxed);
    p.status.store(static_cast<std::uint32_t>(process_status::running), std::memory_order_release);
    self_.incarnation = inc;
    return open_status::created;
}

header_view segment::header() const noexcept {
    struct stat st {};
    st.st_size = static_cast<off_t>(opened_.file_size);
    st.st_uid = opened_.owner_uid;
    st.st_mode = opened_.file_mode;
    return read_header(l_, region_.get_size(), st);
}

std::string_view segment::account_tag() const noexcept {
    return l_->info.account_tag.view();
}

std::uint32_t segment::id_epoch() const noexcept {
    return static_cast<std::uint32_t>(l_->header.created_ms.load(std::memory_order_relaxed) / 1000);
}

void segment::heartbeat() noexcept {
    if (read_only_ || self_.who == role::none)
        return;
    l_->processes[static_cast<std::size_t>(self_.who)].heartbeat_ns.store(
        monotonic_now_ns(), std::memory_order_relaxed);
}

void segment::set_status(process_status s) noexcept {
    if (read_only_ || self_.who == role::none)
        return;
    l_->processes[static_cast<std::size_t>(self_.who)].status.store(static_cast<std::uint32_t>(s),
                                                                    std::memory_order_release);
}

role_liveness segment::liveness(role r, mono_ns now) const noexcept {
    role_liveness v;
    const auto ri = static_cast<std::size_t>(r);
    if (ri == 0 || ri >= role_count)
        return v;
    const auto& p = l_->processes[ri];
    v.status = static_cast<process_status>(p.status.load(std::memory_order_acquire));
    v.pid = p.pid.load(std::memory_order_relaxed);
    v.incarnation = p.incarnation.load(std::memory_order_relaxed);
    v.start_ticks = p.start_ticks.load(std::memory_order_relaxed);
    v.attached_ms = p.attached_ms.load(std::memory_order_relaxed);
    v.heartbeat_age_ns = now - p.heartbeat_ns.load(std::memory_order_relaxed);
    if (v.status == process_status::absent || v.pid == 0)
        return v; // absent
    v.pid_alive = process_alive(v.pid, v.start_ticks);
    try {
        v.lock = options_.rundir.empty() ? lock_probe::unknown : probe_role_lock(lock_path(r));
    } catch (...) {
        v.lock = lock_probe::unknown;
    }
    const bool running =
        v.lock == lock_probe::held || (v.lock == lock_probe::unknown && v.pid_alive);
    const bool fresh = v.heartbeat_age_ns < std::chrono::nanoseconds(options_.stale_after).count();
    if (!running)
        v.verdict = v.status == process_status::stopped ? liveness_verdict::stopped
                                                        : liveness_verdict::dead;
    else
        v.verdict = fresh ? liveness_verdict::alive : liveness_verdict::hung;
    return v;
}

bool segment::owner_dead(role r, std::uint32_t incarnation) const noexcept {
    const auto ri = static_cast<std::size_t>(r);
    if (ri == 0 || ri >= role_count)
        return false;
    const auto current = l_->processes[ri].incarnation.load(std::memory_order_acquire);
    if (current == 0)
        return false; // never registered: cannot judge, so never steal
    if (current != incarnation)
        return true; // a newer process of that role attached
    const auto v = liveness(r).verdict;
    return v == liveness_verdict::dead || v == liveness_verdict::stopped;
}

lock_status segment::lock_raw() noexcept {
    if (read_only_)
        return lock_status::error;
    const auto st =
        lock_robust(l_->mutex, self_.who, options_.lock_timeout, &segment::repair_thunk, this);
    if (st == lock_status::repaired)
        add(counter::lock_repairs);
    if (st == lock_status::timeout)
        add(counter::lock_timeouts);
    return st;
}

void segment::unlock_raw() noexcept {
    unlock_robust(l_->mutex);
}

segment::scoped_lock::~scoped_lock() {
    if (seg_)
        seg_->unlock_raw();
}

segment::scoped_lock segment::lock() noexcept {
    return scoped_lock(this, lock_raw());
}

mutex_stats segment::mutex_info(mono_ns now) const noexcept {
    mutex_stats m;
    const auto& b = l_->mutex;
    m.holder = read_holder(b, now);
    m.lock_count = b.lock_count.load(std::memory_order_relaxed);
    m.owner_died_count = b.owner_died_count.load(std::memory_order_relaxed);
    m.torn_repairs = b.torn_repairs.load(std::memory_order_relaxed);
    m.last_repair_ms = b.last_repair_ms.load(std::memory_order_relaxed);
    m.last_dead_role = static_cast<role>(b.last_dead_role.load(std::memory_order_relaxed));
    m.not_recoverable = b.not_recoverable.load(std::memory_order_relaxed) != 0;
    return m;
}

const char* to_string(open_status s) noexcept {
    switch (s) {
    case open_status::created:
        return "created";
    case open_status::attached:
        return "attached";
    case open_status::no_such_segment:
        return "no_such_segment";
    case open_status::version_mismatch:
        return "version_mismatch";
    case open_status::foreign_owner:
        return "foreign_owner";
    case open_status::init_timeout:
        return "init_timeout";
    case open_status::role_taken:
        return "role_taken";
    case open_status::io_error:
        return "io_error";
    case open_status::bad_argument:
        return "bad_argument";
    }
    return "?";
}

const char* to_string(liveness_verdict v) noexcept {
    switch (v) {
    case liveness_verdict::absent:
        return "absent";
    case liveness_verdict::alive:
        return "alive";
    case liveness_verdict::hung:
        return "hung";
    case liveness_verdict::dead:
        return "dead";
    case liveness_verdict::stopped:
        return "stopped";
    }
    return "?";
}

} // namespace scalpel::shm
