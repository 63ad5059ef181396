// SPDX-License-Identifier: MIT
// Counts heap allocations in the V4L2 camera's steady state (capture, release, timeouts, damaged
// frames): there must be none after init(). Its own binary, since the allocation counter
// replaces operator new and the malloc family.
#include <gtest/gtest.h>

#include "hal/linux/camera_v4l2.h"
#include "tests/support/alloc_counter.h"
#include "tests/unit/hal/camera_v4l2_rig.h"

namespace snapstage::hal {
namespace {

using snapstage::test::AllocCounts;
using snapstage::test::AllocScope;

TEST(V4l2CameraAllocations, SteadyStateAllocatesNothing) {
    // Given a streaming camera, warmed up through capture, release, a timeout and a damaged frame
    V4l2Rig rig({}, "v4l2,width=64,height=48,buffers=4");
    ASSERT_TRUE(rig.started());
    auto cycle = [&rig](bool damaged) {
        if (damaged) rig.device.flagNextFramesError(1);
        bool ok = rig.device.produceFrames(damaged ? 2 : 1) > 0;
        auto frame = rig.camera.capture(100);
        ok = ok && frame.ok();
        if (frame.ok()) rig.camera.release(*frame);
        auto none = rig.camera.capture(5);
        return ok && !none.ok() && none.error().code() == Errc::CameraTimeout;
    };
    for (int i = 0; i < 8; ++i)
        ASSERT_TRUE(cycle(i % 4 == 0));
    // When a hundred more frames pass through
    uint32_t failures = 0;
    AllocScope scope;
    for (int i = 0; i < 100; ++i)
        failures += cycle(i % 10 == 0) ? 0u : 1u;
    const AllocCounts counts = scope.stop();
    // Then none of them allocated
    EXPECT_EQ(failures, 0u);
    EXPECT_EQ(counts.operatorNew, 0u);
    EXPECT_EQ(counts.mallocCalls, 0u);
    EXPECT_EQ(rig.camera.damagedFrames(), 12u);
}

}  // namespace
}  // namespace snapstage::hal
