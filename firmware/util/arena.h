// SPDX-License-Identifier: MIT
// A bump allocator over one block allocated at start-up; reset() frees everything at once.
#pragma once

#include <cstddef>
#include <memory>

namespace snapstage {

class Arena {
public:
    Arena() noexcept = default;
    // Allocates the block once (the only allocation). Returns false if it cannot.
    bool init(size_t capacityBytes) noexcept;

    // 16-byte aligned memory from the block, or nullptr when it is exhausted (never grows).
    void* allocate(size_t sizeBytes) noexcept;
    void reset() noexcept { used_ = 0; }

    bool owns(const void* p) const noexcept {
        auto* b = static_cast<const std::byte*>(p);
        return block_ && b >= block_.get() && b < block_.get() + capacity_;
    }
    size_t used() const noexcept { return used_; }
    size_t capacity() const noexcept { return capacity_; }
    size_t highWater() const noexcept { return highWater_; }

    static constexpr size_t kAlign = 16;

private:
    struct AlignedDelete {
        void operator()(std::byte* p) const noexcept;
    };
    std::unique_ptr<std::byte[], AlignedDelete> block_;
    size_t capacity_ = 0;
    size_t used_ = 0;
    size_t highWater_ = 0;
};

}  // namespace snapstage
