// SPDX-License-Identifier: MIT
// Tests of the bump allocator.
#include "firmware/util/arena.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace snapstage {
namespace {

TEST(Arena, AllocatesAlignedUntilFullThenReturnsNull) {
    Arena a;
    ASSERT_TRUE(a.init(64));
    void* p1 = a.allocate(3);
    void* p2 = a.allocate(3);
    ASSERT_NE(p1, nullptr);
    ASSERT_NE(p2, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p1) % 16, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p2) % 16, 0u);
    EXPECT_TRUE(a.owns(p1));
    EXPECT_EQ(a.allocate(64), nullptr);
    a.reset();
    EXPECT_NE(a.allocate(64), nullptr);
    EXPECT_EQ(a.highWater(), 64u);
}

}  // namespace
}  // namespace snapstage
