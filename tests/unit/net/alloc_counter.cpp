// SPDX-License-Identifier: MIT
// Allocation counting: sanitizer allocator hooks under ASan, else malloc interposition over
// glibc's __libc_* entry points. Only the thread that started counting is counted.
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
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);

// Interposed for the whole process (libraries included); operator new calls malloc.
void* malloc(size_t n) {
    note();
    return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
    note();
    return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
    note();
    return __libc_realloc(p, n);
}
}

const char* snapstage::test::allocationCountingMethod() noexcept {
    return "malloc interposition";
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
