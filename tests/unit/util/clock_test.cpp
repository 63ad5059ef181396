// SPDX-License-Identifier: MIT
// Tests of the clock seam: the manual clock moves only when told, and sleeps advance it.
#include "firmware/util/clock.h"

#include <gtest/gtest.h>

namespace snapstage {
namespace {

TEST(ManualClockTest, MovesOnlyWhenAdvancedOrSlept) {
    // Given a manual clock at a known wall time
    ManualClock clock(1800000000, 5000);
    EXPECT_EQ(clock.monotonicMs(), 5000);
    EXPECT_EQ(clock.wallSeconds(), 1800000000);
    // When it is advanced and slept on
    clock.advanceMs(1500);
    EXPECT_TRUE(clock.sleepMs(2500));
    // Then both clocks moved by the sum, and the sleep was recorded
    EXPECT_EQ(clock.monotonicMs(), 9000);
    EXPECT_EQ(clock.wallSeconds(), 1800000004);
    EXPECT_EQ(clock.sleptMs(), 2500);
    EXPECT_EQ(clock.sleeps(), 1);
}

TEST(ManualClockTest, ACancelledSleepReturnsFalseWithoutAdvancing) {
    ManualClock clock;
    std::atomic<bool> cancel{true};
    int64_t before = clock.monotonicMs();
    EXPECT_FALSE(clock.sleepMs(1000, &cancel));
    EXPECT_EQ(clock.monotonicMs(), before);
}

TEST(SystemClockTest, SleepIsCutShortByCancel) {
    std::atomic<bool> cancel{true};
    int64_t t0 = systemClock().monotonicMs();
    EXPECT_FALSE(systemClock().sleepMs(5000, &cancel));
    EXPECT_LT(systemClock().monotonicMs() - t0, 1000);
}

}  // namespace
}  // namespace snapstage
