// SPDX-License-Identifier: MIT
// Allocation counting: replaced global operator new/delete, plus a view of every malloc call.
#include "tests/unit/image/alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define SNAPSTAGE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SNAPSTAGE_TEST_ASAN 1
#endif
#endif

#if SNAPSTAGE_TEST_ASAN
// From <sanitizer/allocator_interface.h>, which GCC does not install.
extern "C" int __sanitizer_install_malloc_and_free_hooks(void (*mallocHook)(const volatile void*,
                                                                            std::size_t),
                                                         void (*freeHook)(const volatile void*));
#endif

namespace {

std::atomic<bool> gArmed{false};
std::atomic<uint64_t> gNew{0};
std::atomic<uint64_t> gMalloc{0};

void countMalloc() noexcept {
    if (gArmed.load(std::memory_order_relaxed)) gMalloc.fetch_add(1, std::memory_order_relaxed);
}

void* countedNew(std::size_t n) noexcept {
    if (gArmed.load(std::memory_order_relaxed)) gNew.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}

void* countedAlignedNew(std::size_t n, std::align_val_t align) noexcept {
    if (gArmed.load(std::memory_order_relaxed)) gNew.fetch_add(1, std::memory_order_relaxed);
    const auto a = static_cast<std::size_t>(align);
    void* p = nullptr;
    return posix_memalign(&p, a, n ? n : 1) == 0 ? p : nullptr;
}

#if SNAPSTAGE_TEST_ASAN
// ASan sees every allocation in the process, libturbojpeg's included. Both hooks are required.
void asanMallocHook(const volatile void*, std::size_t) {
    countMalloc();
}
void asanFreeHook(const volatile void*) {}
struct HookInstaller {
    HookInstaller() {
        if (__sanitizer_install_malloc_and_free_hooks(asanMallocHook, asanFreeHook) == 0)
            std::abort();
    }
} gHookInstaller;
#endif

}  // namespace

#if !SNAPSTAGE_TEST_ASAN
// Without ASan: this executable's malloc family comes first in symbol lookup, so libturbojpeg's
// calls land here too; they forward to glibc's implementation.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) noexcept {
    countMalloc();
    return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) noexcept {
    countMalloc();
    return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) noexcept {
    countMalloc();
    return __libc_realloc(p, n);
}
void free(void* p) noexcept {
    __libc_free(p);
}
}
#endif

void* operator new(std::size_t n) {
    if (void* p = countedNew(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = countedNew(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return countedNew(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return countedNew(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = countedAlignedNew(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = countedAlignedNew(n, a)) return p;
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

namespace snapstage::image::test {

void beginCounting() noexcept {
    gNew = 0;
    gMalloc = 0;
    gArmed = true;
}

AllocCounts endCounting() noexcept {
    gArmed = false;
    return AllocCounts{gNew.load(), gMalloc.load()};
}

const char* countingMethod() noexcept {
#if SNAPSTAGE_TEST_ASAN
    return "asan hooks";
#else
    return "glibc interposition";
#endif
}

}  // namespace snapstage::image::test
