// SPDX-License-Identifier: MIT
// Heap allocation counting for tests: the calling thread's operator new and malloc-family calls.
//
// Linking snapstage_test_alloc replaces the test binary's global operator new/delete (all forms)
// and sees every malloc-family call: through AddressSanitizer's allocator hooks in ASan builds,
// else through malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign interposed over
// glibc's (which works for libraries such as libturbojpeg and Mbed TLS too, and under qemu-user).
// Only the thread that opened an AllocScope is counted: a test server thread is not.
#pragma once

#include <cstdint>

namespace snapstage::test {

struct AllocCounts {
    uint64_t operatorNew = 0;  // global operator new calls: C++ allocations, i.e. ours
    uint64_t mallocCalls = 0;  // malloc-family calls, the ones operator new makes included
    // Allocations made directly through the malloc family (the C libraries').
    uint64_t library() const noexcept { return mallocCalls - operatorNew; }
};

// Counts the calling thread's allocations from construction until stop() or destruction. One
// scope per thread at a time (a new one restarts the count). Not copyable.
class AllocScope {
public:
    AllocScope() noexcept;
    ~AllocScope();
    AllocScope(const AllocScope&) = delete;
    AllocScope& operator=(const AllocScope&) = delete;

    // Stops counting and returns what this thread allocated since construction (the same
    // counts again if called twice).
    AllocCounts stop() noexcept;

private:
    bool counting_ = true;
    AllocCounts counts_;
};

// How malloc-family calls are seen in this build: "asan hooks" or "glibc interposition".
const char* countingMethod() noexcept;

}  // namespace snapstage::test
