// SPDX-License-Identifier: MIT
// Tests of the V4L2 camera's colour range: JPEG needs full-range Y'CbCr, so the camera asks for
// it where the driver lets the application choose (found against vivid in the VM test bed, whose
// limited-range default turned black into grey in every photo).
#include <gtest/gtest.h>

#include "hal/linux/camera_v4l2.h"
#include "tests/unit/hal/camera_v4l2_rig.h"

namespace snapstage::hal {
namespace {

TEST(V4l2CameraRange, AsksForFullRangeWhereTheDriverLetsItChoose) {
    for (uint32_t fourcc : {V4L2_PIX_FMT_YUYV, V4L2_PIX_FMT_NV12}) {
        SCOPED_TRACE(fourcc == V4L2_PIX_FMT_YUYV ? "yuyv" : "nv12");
        // Given a driver whose YUV defaults to limited range but may be set to full range
        FakeV4l2Config config = offering({fourcc});
        config.formats[0].cscQuantization = true;
        V4l2Rig rig(config);
        // When the camera initialises
        ASSERT_TRUE(rig.started());
        // Then the driver was asked for full range, naming its own colourspace, and granted it
        EXPECT_EQ(rig.device.format().quantization, V4L2_QUANTIZATION_FULL_RANGE);
        EXPECT_EQ(rig.device.format().colorspace, V4L2_COLORSPACE_SRGB);
        EXPECT_TRUE(rig.nextFrame().ok());
    }
}

TEST(V4l2CameraRange, LeavesTheRangeAloneWhereTheDriverCannotChangeIt) {
    // Given a driver that does not offer to change the quantization
    V4l2Rig rig(offering({V4L2_PIX_FMT_YUYV}));
    // When the camera initialises
    ASSERT_TRUE(rig.started());
    // Then it made no colour-space request and still streams
    EXPECT_EQ(rig.device.format().quantization, V4L2_QUANTIZATION_DEFAULT);
    EXPECT_EQ(rig.device.ioctlCalls(VIDIOC_G_FMT), 0u);
    EXPECT_TRUE(rig.nextFrame().ok());
}

}  // namespace
}  // namespace snapstage::hal
