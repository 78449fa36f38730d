// alloc_counter: the counting global operator new/delete. See alloc_counter.hpp.
#include "tests/support/alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
thread_local bool t_counting = false;
std::atomic<long> g_allocations{0};

void* counted_malloc(std::size_t n) noexcept {
    if (t_counting)
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
void* counted_aligned(std::size_t n, std::align_val_t a) noexcept {
    if (t_counting)
        g_allocations.fetch_add(1, std::memory_order_relaxed);
    const std::size_t al = static_cast<std::size_t>(a);
    return std::aligned_alloc(al, (n + al - 1) / al * al);
}
} // namespace

namespace scalpel::test {
void count_allocations_on_this_thread(bool on) noexcept {
    t_counting = on;
}
long allocations_counted() noexcept {
    return g_allocations.load(std::memory_order_relaxed);
}
bool alloc_counter_active() noexcept {
    const bool was = t_counting;
    t_counting = true;
    const long before = allocations_counted();
    ::operator delete(::operator new(16)); // a direct call: never elided like a new-expression
    t_counting = was;
    return allocations_counted() == before + 1;
}
} // namespace scalpel::test

void* operator new(std::size_t n) {
    if (void* p = counted_malloc(n))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_malloc(n))
        return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted_malloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted_malloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a))
        return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned(n, a))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
