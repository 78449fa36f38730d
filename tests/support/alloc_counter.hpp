// alloc_counter: replaces the global operator new/delete (every form) with malloc-backed versions
// that count allocations made on a thread while that thread has counting switched on. Link the
// scalpel_alloc_counter object library into a test executable to prove a hot path allocates
// nothing after warm-up; counting per thread keeps an in-process peer (a scripted server, Catch2
// itself) from polluting the figure.
#pragma once

namespace scalpel::test {

// Switches counting on or off for the calling thread.
void count_allocations_on_this_thread(bool on) noexcept;
// Allocations counted so far, over every thread that had counting on.
[[nodiscard]] long allocations_counted() noexcept;
// True when this executable really runs the counting operator new (one explicit ::operator new
// call is seen). Assert it next to every "0 allocations" so that check can fail.
[[nodiscard]] bool alloc_counter_active() noexcept;

// RAII: counts the calling thread's allocations for the scope's lifetime.
class counting_allocations {
public:
    counting_allocations() noexcept { count_allocations_on_this_thread(true); }
    ~counting_allocations() { count_allocations_on_this_thread(false); }
    counting_allocations(const counting_allocations&) = delete;
    counting_allocations& operator=(const counting_allocations&) = delete;
};

} // namespace scalpel::test
