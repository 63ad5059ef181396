// SPDX-License-Identifier: MIT
// The libcamera camera's state, shared by its set-up (camera_libcamera_init.cpp) and its capture
// (camera_libcamera.cpp): the libcamera objects, the mapped buffers and the hand-over from
// libcamera's thread. Private to the backend: the only header besides its .cpp files that
// includes libcamera's.
#pragma once

#include <libcamera/libcamera.h>

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hal/linux/camera_libcamera.h"

namespace snapstage::hal::libcamera_detail {

namespace lc = libcamera;

constexpr uint32_t kMaxBuffers = 16;

// Our pixel format for a libcamera one, Unknown for the rest. libcamera names formats as DRM
// does, by little-endian words: BGR888 is R, G, B in memory.
inline PixelFormat pixelFormatOf(const lc::PixelFormat& f) noexcept {
    if (f == lc::formats::YUV420) return PixelFormat::I420;
    if (f == lc::formats::NV12) return PixelFormat::Nv12;
    if (f == lc::formats::BGR888) return PixelFormat::Rgb24;
    if (f == lc::formats::RGB888) return PixelFormat::Bgr24;
    return PixelFormat::Unknown;
}

struct Mapping {
    void* addr = nullptr;
    size_t lengthBytes = 0;
    int fd = -1;
};

// The options of the spec, checked.
struct Wanted {
    const std::string* camera = nullptr;
    std::vector<lc::PixelFormat> formats;  // acceptable ones, the preferred first
    std::string formatName;                // for messages: "nv12", "none of yuv420, nv12, rgb"
    uint32_t width = 0, height = 0, buffers = 0;
};

}  // namespace snapstage::hal::libcamera_detail

namespace snapstage::hal {

namespace lc = libcamera;
using libcamera_detail::kMaxBuffers;
using libcamera_detail::Mapping;

struct LibcameraCamera::State {
    using Wanted = libcamera_detail::Wanted;
    std::unique_ptr<lc::CameraManager> manager;
    std::shared_ptr<lc::Camera> camera;
    bool acquired = false;
    std::unique_ptr<lc::CameraConfiguration> config;
    lc::Stream* stream = nullptr;
    std::unique_ptr<lc::FrameBufferAllocator> allocator;
    std::vector<std::unique_ptr<lc::Request>> requests;
    std::vector<Mapping> mappings;
    std::array<FrameView, kMaxBuffers> frames{};  // each buffer's planes, laid out at init()
    std::array<bool, kMaxBuffers> lent{};
    uint32_t bufferCount = 0;
    uint32_t lentCount = 0;
    bool started = false;

    // Requests completed by libcamera's thread, waiting for capture(): a ring of cookies.
    std::mutex mutex;
    std::condition_variable ready;
    std::array<uint32_t, kMaxBuffers> done{};
    uint32_t doneHead = 0, doneCount = 0;

    // On libcamera's thread: hand the request over; everything else happens on ours.
    void completed(lc::Request* request) {
        if (request->status() == lc::Request::RequestCancelled) return;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (doneCount < kMaxBuffers)
                done[(doneHead + doneCount++) % kMaxBuffers] =
                    static_cast<uint32_t>(request->cookie());
        }
        ready.notify_one();
    }

    // Set-up steps of init(), each filling `info` as far as it got. Errors as init().
    Status open(const libcamera_detail::Wanted& wanted, CameraInfo& info);
    Status configure(const libcamera_detail::Wanted& wanted, CameraInfo& info);
    Status allocate(CameraInfo& info);
    // Maps the dmabuf of `plane` (once per fd) and returns its first byte.
    Result<const uint8_t*> map(const lc::FrameBuffer& buffer, const lc::FrameBuffer::Plane& plane);
    // Lays out buffer `index`'s planes for `format` in frames[index]. Errors: CameraFormat.
    Status layOut(uint32_t index, const lc::StreamConfiguration& sc, PixelFormat format);
};

}  // namespace snapstage::hal
