// SPDX-License-Identifier: MIT
// Counts heap allocations (malloc, calloc, realloc, operator new) made by the calling thread,
// whoever makes them: the project's code or a library such as Mbed TLS.
#pragma once

#include <cstdint>

namespace snapstage::test {

void startCountingAllocations() noexcept;
// Stops and returns the number of allocations since start on this thread.
uint64_t stopCountingAllocations() noexcept;
// How allocations are seen in this build ("sanitizer hooks" or "malloc interposition").
const char* allocationCountingMethod() noexcept;

}  // namespace snapstage::test
