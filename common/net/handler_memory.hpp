// handler_memory: a small fixed arena for Asio/Beast operation state, attached to completion
// handlers through an associated allocator (Asio's custom-allocation pattern; Boost 1.74 has no
// bind_allocator). Without it, back-to-back frames make Asio 1.18 allocate executor_function
// blocks whenever its one-slot per-thread recycling cache is busy (measured: ~1 allocation per 4.5
// frames). With it, the WS receive path allocates nothing after warm-up.
// Single-threaded use only (one io_context thread); a request that does not fit a free slot falls
// back to operator new, so correctness never depends on the arena size.
#pragma once

#include <array>
#include <cstddef>
#include <new>
#include <utility>

namespace scalpel::net_client {

class handler_memory {
public:
    static constexpr std::size_t slots = 12;
    static constexpr std::size_t slot_size = 1536;

    handler_memory() = default;
    handler_memory(const handler_memory&) = delete;
    handler_memory& operator=(const handler_memory&) = delete;

    void* allocate(std::size_t n) {
        if (n <= slot_size)
            for (std::size_t i = 0; i < slots; ++i)
                if (!used_[i]) {
                    used_[i] = true;
                    return storage_[i].data();
                }
        ++fallbacks_;
        return ::operator new(n);
    }
    void deallocate(void* p) noexcept {
        for (std::size_t i = 0; i < slots; ++i)
            if (p == storage_[i].data()) {
                used_[i] = false;
                return;
            }
        ::operator delete(p);
    }
    [[nodiscard]] std::size_t fallbacks() const noexcept { return fallbacks_; }

private:
    struct alignas(std::max_align_t) slot {
        unsigned char bytes[slot_size];
        void* data() noexcept { return bytes; }
    };
    std::array<slot, slots> storage_{};
    std::array<bool, slots> used_{};
    std::size_t fallbacks_ = 0;
};

template <class T> class handler_allocator {
public:
    using value_type = T;
    explicit handler_allocator(handler_memory& m) noexcept : mem_(&m) {}
    template <class U>
    handler_allocator(const handler_allocator<U>& o) noexcept : mem_(o.mem_) {} // NOLINT: rebind
    T* allocate(std::size_t n) { return static_cast<T*>(mem_->allocate(sizeof(T) * n)); }
    void deallocate(T* p, std::size_t) noexcept { mem_->deallocate(p); }
    template <class U>
    friend bool operator==(const handler_allocator& a, const handler_allocator<U>& b) noexcept {
        return a.mem_ == b.mem_;
    }
    template <class U>
    friend bool operator!=(const handler_allocator& a, const handler_allocator<U>& b) noexcept {
        return a.mem_ != b.mem_;
    }

private:
    template <class> friend class handler_allocator;
    handler_memory* mem_;
};

// Wraps a handler so Asio/Beast allocate its operation state from `mem`.
template <class Handler> class custom_alloc_handler {
public:
    using allocator_type = handler_allocator<Handler>;
    custom_alloc_handler(handler_memory& m, Handler h) : mem_(&m), h_(std::move(h)) {}
    allocator_type get_allocator() const noexcept { return allocator_type(*mem_); }
    template <class... Args> void operator()(Args&&... args) { h_(std::forward<Args>(args)...); }

private:
    handler_memory* mem_;
    Handler h_;
};

template <class Handler>
custom_alloc_handler<Handler> make_custom_alloc_handler(handler_memory& m, Handler h) {
    return custom_alloc_handler<Handler>(m, std::move(h));
}

} // namespace scalpel::net_client
