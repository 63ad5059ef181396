// SPDX-License-Identifier: MIT
// Bump allocator.
#include "firmware/util/arena.h"

#include <cstdint>
#include <new>

namespace snapstage {

bool Arena::init(size_t capacityBytes) noexcept {
    block_.reset(new (std::nothrow) std::byte[capacityBytes]);
    capacity_ = block_ ? capacityBytes : 0;
    used_ = 0;
    highWater_ = 0;
    return block_ != nullptr;
}

void* Arena::allocate(size_t sizeBytes) noexcept {
    constexpr size_t kAlign = 16;
    // Align the address, not the offset: new[] gives only 8-byte alignment on 32-bit Arm.
    auto base = reinterpret_cast<uintptr_t>(block_.get());
    size_t start = ((base + used_ + kAlign - 1) & ~uintptr_t{kAlign - 1}) - base;
    if (!block_ || start > capacity_ || sizeBytes > capacity_ - start) return nullptr;
    used_ = start + sizeBytes;
    if (used_ > highWater_) highWater_ = used_;
    return block_.get() + start;
}

}  // namespace snapstage
