// SPDX-License-Identifier: MIT
// Allocation counting: replaced global operator new/delete, plus a view of every malloc call.
// The replacements sit in the same object file as AllocScope, so a test that counts links them.
#include "tests/support/alloc_counter.h"

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
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

struct ThreadCounts {
    bool armed = false;
    uint64_t operatorNew = 0;
    uint64_t mallocCalls = 0;
};
// Per thread, so that other threads (a test server) are not counted. Initial-exec TLS is read
// without a call to __tls_get_addr, so it is safe inside malloc itself.
[[gnu::tls_model("initial-exec")]] thread_local ThreadCounts tCounts;

void noteMalloc() noexcept {
    if (tCounts.armed) ++tCounts.mallocCalls;
}

void* countedNew(std::size_t n) noexcept {
    if (tCounts.armed) ++tCounts.operatorNew;
    return std::malloc(n ? n : 1);  // counted as a malloc call too, by either method
}

void* countedAlignedNew(std::size_t n, std::align_val_t align) noexcept {
    if (tCounts.armed) ++tCounts.operatorNew;
    const std::size_t a = std::max(static_cast<std::size_t>(align), sizeof(void*));
    void* p = nullptr;
    return posix_memalign(&p, a, n ? n : 1) == 0 ? p : nullptr;
}

void* newOrThrow(std::size_t n) {
    if (void* p = countedNew(n)) return p;
    throw std::bad_alloc();
}

void* alignedNewOrThrow(std::size_t n, std::align_val_t align) {
    if (void* p = countedAlignedNew(n, align)) return p;
    throw std::bad_alloc();
}

#if SNAPSTAGE_TEST_ASAN
// ASan sees every allocation in the process, the libraries' included. Both hooks are required.
void asanMallocHook(const volatile void*, std::size_t) {
    noteMalloc();
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
// Without ASan: this executable's malloc family comes first in symbol lookup, so the libraries'
// calls (and glibc's own) land here too; they forward to glibc's implementation.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) noexcept {
    noteMalloc();
    return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) noexcept {
    noteMalloc();
    return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) noexcept {
    noteMalloc();
    return __libc_realloc(p, n);
}
int posix_memalign(void** out, std::size_t align, std::size_t n) noexcept {
    // glibc's rule: a power of two that is a multiple of sizeof(void*).
    if (align % sizeof(void*) != 0 || (align & (align - 1)) != 0 || align == 0) return EINVAL;
    noteMalloc();
    void* p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
void* aligned_alloc(std::size_t align, std::size_t n) noexcept {
    noteMalloc();
    return __libc_memalign(align, n);
}
void* memalign(std::size_t align, std::size_t n) noexcept {
    noteMalloc();
    return __libc_memalign(align, n);
}
void free(void* p) noexcept {
    __libc_free(p);
}
}
#endif

void* operator new(std::size_t n) {
    return newOrThrow(n);
}
void* operator new[](std::size_t n) {
    return newOrThrow(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return countedNew(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return countedNew(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    return alignedNewOrThrow(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return alignedNewOrThrow(n, a);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return countedAlignedNew(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return countedAlignedNew(n, a);
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
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
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
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    std::free(p);
}

namespace snapstage::test {

AllocScope::AllocScope() noexcept {
    tCounts = ThreadCounts{};
    tCounts.armed = true;
}

AllocScope::~AllocScope() {
    stop();
}

AllocCounts AllocScope::stop() noexcept {
    if (counting_) {
        tCounts.armed = false;
        counts_ = AllocCounts{tCounts.operatorNew, tCounts.mallocCalls};
        counting_ = false;
    }
    return counts_;
}

const char* countingMethod() noexcept {
#if SNAPSTAGE_TEST_ASAN
    return "asan hooks";
#else
    return "glibc interposition";
#endif
}

}  // namespace snapstage::test
