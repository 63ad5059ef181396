// SPDX-License-Identifier: MIT
// Heap allocation counting for the image tests: our code's (global operator new, replaced in
// this test binary) and every malloc-family call in the process (ASan's allocator hooks under
// AddressSanitizer, else malloc/calloc/realloc interposed over glibc's).
#pragma once

#include <cstdint>

namespace snapstage::image::test {

struct AllocCounts {
    uint64_t operatorNew = 0;  // C++ allocations: would be ours (the libraries are C)
    uint64_t mallocCalls = 0;  // every malloc/calloc/realloc, operator new's included
    uint64_t library() const noexcept { return mallocCalls - operatorNew; }
};

// Counts allocations made by this thread's code between begin and end (one test at a time).
void beginCounting() noexcept;
AllocCounts endCounting() noexcept;
// How malloc calls are seen in this build ("asan hooks" or "glibc interposition").
const char* countingMethod() noexcept;

}  // namespace snapstage::image::test
