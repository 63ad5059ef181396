// SPDX-License-Identifier: MIT
// Allocation counting: sanitizer allocator hooks under ASan (every allocation), else a
// replaced operator new. Only the thread that started counting is counted.
#include "tests/unit/net/alloc_counter.h"

#include <atomic>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define SNAPSTAGE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SNAPSTAGE_ASAN 1
#endif
#endif

namespace {
thread_local bool tCounting = false;
std::atomic<uint64_t> gCount{0};

void note() noexcept {
    if (tCounting) gCount.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if defined(SNAPSTAGE_ASAN)
// From <sanitizer/allocator_interface.h>, which not every compiler installs.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*,
                                                                             size_t),
                                                         void (*free_hook)(const volatile void*));

namespace {
void mallocHook(const volatile void*, size_t) {
    note();
}
void freeHook(const volatile void*) {}
const int kInstalled = __sanitizer_install_malloc_and_free_hooks(mallocHook, freeHook);
}  // namespace

const char* snapstage::test::allocationCountingMethod() noexcept {
    return kInstalled ? "sanitizer allocator hooks" : "none";
}
#else
#include <cstdlib>
#include <new>

// Without a sanitizer, C++ allocations are counted by replacing operator new. (Interposing malloc
// itself is fragile under qemu-user and across libcs; the host debug build, with ASan, counts
// every malloc/calloc/realloc including Mbed TLS's.)
void* operator new(size_t n) {
    note();
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](size_t n) {
    return ::operator new(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
    note();
    return std::malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept {
    return ::operator new(n, t);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
    std::free(p);
}

const char* snapstage::test::allocationCountingMethod() noexcept {
    return "operator new replacement (C++ allocations only)";
}
#endif

void snapstage::test::startCountingAllocations() noexcept {
    gCount = 0;
    tCounting = true;
}

uint64_t snapstage::test::stopCountingAllocations() noexcept {
    tCounting = false;
    return gCount.load();
}
