// SPDX-License-Identifier: MIT
// Bump allocator.
#include "firmware/util/arena.h"

#include <cstdint>
#include <new>

namespace snapstage {

void Arena::AlignedDelete::operator()(std::byte* p) const noexcept {
    ::operator delete[](p, std::align_val_t{kAlign});
}

bool Arena::init(size_t capacityBytes) noexcept {
    // The block itself is 16-byte aligned (new[] gives only 8 on 32-bit Arm), so aligned offsets
    // are aligned addresses and the whole capacity is usable.
    block_.reset(static_cast<std::byte*>(
        ::operator new[](capacityBytes, std::align_val_t{kAlign}, std::nothrow)));
    capacity_ = block_ ? capacityBytes : 0;
    used_ = 0;
    highWater_ = 0;
    return block_ != nullptr;
}

void* Arena::allocate(size_t sizeBytes) noexcept {
    size_t start = (used_ + kAlign - 1) & ~(kAlign - 1);
    if (!block_ || start > capacity_ || sizeBytes > capacity_ - start) return nullptr;
    used_ = start + sizeBytes;
    if (used_ > highWater_) highWater_ = used_;
    return block_.get() + start;
}

}  // namespace snapstage
