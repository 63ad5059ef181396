// SPDX-License-Identifier: MIT
// Counts heap allocations in the V4L2 camera's steady state (capture, release, timeouts, damaged
// frames): there must be none after init(). Its own binary, since it replaces operator new.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "hal/linux/camera_v4l2.h"
#include "tests/unit/hal/camera_v4l2_rig.h"

namespace {
std::atomic<bool> gCounting{false};
std::atomic<uint64_t> gAllocations{0};
}  // namespace

// Array and nothrow forms reach these through the standard library's defaults.
void* operator new(std::size_t size) {
    if (gCounting.load(std::memory_order_relaxed)) gAllocations.fetch_add(1);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace snapstage::hal {
namespace {

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
    gAllocations = 0;
    gCounting = true;
    for (int i = 0; i < 100; ++i)
        failures += cycle(i % 10 == 0) ? 0u : 1u;
    gCounting = false;
    // Then none of them allocated
    EXPECT_EQ(failures, 0u);
    EXPECT_EQ(gAllocations.load(), 0u);
    EXPECT_EQ(rig.camera.damagedFrames(), 12u);
}

}  // namespace
}  // namespace snapstage::hal
