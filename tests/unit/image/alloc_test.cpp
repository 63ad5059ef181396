// SPDX-License-Identifier: MIT
// Steady-state allocation tests: encode() and decode() allocate nothing of their own, and the
// allocations TurboJPEG makes inside each call are the same number every time.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "firmware/image/decoder.h"
#include "firmware/image/encoder.h"
#include "tests/support/alloc_counter.h"
#include "tests/unit/image/image_test_support.h"

namespace snapstage::image {
namespace {

using snapstage::test::AllocCounts;
using snapstage::test::AllocScope;
using snapstage::test::countingMethod;

constexpr int kWarmUp = 2;
constexpr int kMeasured = 5;

TEST(Allocations, EncodeAllocatesNothingOfItsOwnAndABoundedLibraryCount) {
    const std::string lakeside =
        std::string("file:") + SNAPSTAGE_TEST_DATA_DIR + "/photos/lakeside-640.jpg";
    const char* specs[] = {
        "pattern,width=640,height=400,format=i420",
        "pattern,width=640,height=400,format=nv12",
        "pattern,width=640,height=400,format=yuyv",
        "pattern,width=640,height=400,format=rgb24",
        lakeside.c_str(),
    };
    for (const char* spec : specs) {
        SCOPED_TRACE(spec);
        // Given an initialised encoder and a camera frame, after warm-up
        auto cam = test::capture(spec);
        ASSERT_TRUE(cam->camera);
        Encoder enc;
        ASSERT_TRUE(enc.init({640, 400, 90, Subsampling::S420}).ok());
        const ExifInfo exif{1715000000, "Raspberry Pi", "Raspberry Pi 4 Model B", 1};
        for (int i = 0; i < kWarmUp; ++i)
            ASSERT_TRUE(enc.encode(cam->frame, exif).ok());
        // When it encodes the frame again, several times
        std::vector<AllocCounts> counts;
        for (int i = 0; i < kMeasured; ++i) {
            AllocScope scope;
            auto jpeg = enc.encode(cam->frame, exif);
            counts.push_back(scope.stop());
            ASSERT_TRUE(jpeg.ok()) << jpeg.error().message();
        }
        // Then our code allocates nothing and TurboJPEG the same number each call
        for (const auto& c : counts) {
            EXPECT_EQ(c.operatorNew, 0u);
            EXPECT_EQ(c.library(), counts[0].library());
        }
        std::printf("encode %-8s: %llu TurboJPEG allocations per call (%s), 0 of ours\n",
                    to_string(cam->frame.format),
                    static_cast<unsigned long long>(counts[0].library()), countingMethod());
        RecordProperty(std::string("tj_allocs_") + to_string(cam->frame.format),
                       static_cast<int>(counts[0].library()));
    }
}

TEST(Allocations, DecodeAllocatesNothingOfItsOwn) {
    // Given an initialised decoder, after warm-up
    auto jpeg =
        test::readFileBytes(std::string(SNAPSTAGE_TEST_DATA_DIR) + "/photos/lakeside-640.jpg");
    Decoder dec;
    ASSERT_TRUE(dec.init({800, 480}).ok());
    for (int i = 0; i < kWarmUp; ++i)
        ASSERT_TRUE(dec.decode(jpeg, 320, 240).ok());
    // When it decodes again
    std::vector<AllocCounts> counts;
    for (int i = 0; i < kMeasured; ++i) {
        AllocScope scope;
        auto img = dec.decode(jpeg, 320, 240);
        counts.push_back(scope.stop());
        ASSERT_TRUE(img.ok());
    }
    // Then the same holds
    for (const auto& c : counts) {
        EXPECT_EQ(c.operatorNew, 0u);
        EXPECT_EQ(c.library(), counts[0].library());
    }
    std::printf("decode 1/2: %llu TurboJPEG allocations per call, 0 of ours\n",
                static_cast<unsigned long long>(counts[0].library()));
}

TEST(Allocations, TheCounterSeesBothKindsOfAllocation) {
    // Given counting on, when C++ and C allocations happen, then each is seen
    AllocScope scope;
    int* volatile p = new int(7);
    void* volatile q = std::malloc(16);
    const AllocCounts c = scope.stop();
    std::free(q);
    delete p;
    EXPECT_EQ(c.operatorNew, 1u);
    EXPECT_GE(c.mallocCalls, 2u);
}

}  // namespace
}  // namespace snapstage::image
