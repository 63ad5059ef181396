// SPDX-License-Identifier: MIT
// Counts heap allocations made by the calling thread. Under ASan: every malloc, calloc, realloc
// and operator new, the project's and libraries' (Mbed TLS) alike; other builds: operator new.
#pragma once

#include <cstdint>

namespace snapstage::test {

void startCountingAllocations() noexcept;
// Stops and returns the number of allocations since start on this thread.
uint64_t stopCountingAllocations() noexcept;
// How allocations are seen in this build.
const char* allocationCountingMethod() noexcept;

}  // namespace snapstage::test
