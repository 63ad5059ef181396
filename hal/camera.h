// SPDX-License-Identifier: MIT
// hal::Camera: the camera interface. A camera lends frames as views until they are released.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "firmware/util/pixels.h"
#include "firmware/util/result.h"
#include "hal/backend_info.h"
#include "hal/spec.h"

namespace snapstage::hal {

using snapstage::PixelFormat;
using snapstage::Plane;

// A frame lent by the camera; valid until Camera::release(frame) or stop().
struct FrameView : ImageView {
    uint64_t sequence = 0;     // counts from 0 after start()
    int64_t timestampUs = 0;   // CLOCK_MONOTONIC capture time
    uint32_t bufferIndex = 0;  // backend's token, passed back by release()
};

struct CameraInfo {
    const char* backend = "";  // static literal: "pattern", "file", "v4l2", "libcamera"
    char name[64] = {};        // device or driver name
    uint32_t width = 0;
    uint32_t height = 0;
    PixelFormat format = PixelFormat::Unknown;
    uint32_t bufferCount = 0;
    // Frames keep coming while started, each showing the scene as it is now: a live preview can
    // show them (v4l2, libcamera, pattern; not a file of one photo or the flat null frame).
    bool streams = false;
};

class Camera;

// FrameLease: a frame lent by a camera, given back when the lease goes out of scope (or on
// reset()). Move-only; must not outlive the camera or its stop().
class FrameLease {
public:
    FrameLease() noexcept = default;
    FrameLease(Camera& camera, const FrameView& frame) noexcept : camera_(&camera), frame_(frame) {}
    FrameLease(FrameLease&& o) noexcept : camera_(o.camera_), frame_(o.frame_) {
        o.camera_ = nullptr;
    }
    FrameLease& operator=(FrameLease&& o) noexcept;
    FrameLease(const FrameLease&) = delete;
    FrameLease& operator=(const FrameLease&) = delete;
    ~FrameLease() { reset(); }

    const FrameView& frame() const noexcept { return frame_; }
    const FrameView* operator->() const noexcept { return &frame_; }
    // Gives the frame back now.
    void reset() noexcept;

private:
    Camera* camera_ = nullptr;
    FrameView frame_;
};

// One abstract camera. Call order: init() once, then start(), capture()/release() any number of
// times, stop(); start() again is allowed. All calls from one thread (the pipeline worker).
class Camera {
public:
    virtual ~Camera() = default;
    Camera(const Camera&) = delete;
    Camera& operator=(const Camera&) = delete;

    // Opens the device, negotiates format and size, allocates every frame buffer.
    // Errors: CameraOpen (missing), CameraBusy, CameraFormat, NoMemory, InvalidArgument.
    virtual Status init() = 0;
    virtual Status start() = 0;
    // Waits up to timeoutMs for the next frame and lends it. Errors: CameraTimeout, CameraIo.
    virtual Result<FrameView> capture(int timeoutMs) = 0;
    // Hands a lent frame back to the camera. Frames must be released before the next capture
    // when the camera has a single buffer.
    virtual void release(const FrameView& frame) = 0;
    virtual void stop() = 0;
    // Valid after init().
    virtual CameraInfo info() const = 0;

    // capture() as a lease that releases the frame by itself. Errors as capture().
    Result<FrameLease> lease(int timeoutMs) noexcept {
        auto f = capture(timeoutMs);
        if (!f) return fail(f.error());
        return FrameLease(*this, *f);
    }

protected:
    Camera() = default;
};

// Builds the backend named by spec.backend: "null", "pattern", "file", "v4l2" or (when built
// with libcamera) "libcamera". Errors:
// NotSupported for a backend this build left out or does not know (the message lists the known
// ones), InvalidArgument for a bad option. The camera is not yet initialised.
Result<std::unique_ptr<Camera>> makeCamera(const DeviceSpec& spec) noexcept;

// Comma-separated camera backends compiled into this build.
const char* cameraBackends() noexcept;
// The camera backends of this build with their options (config check, --version).
std::span<const BackendInfo> cameraBackendTable() noexcept;
// The camera libraries this build runs with and their versions ("libcamera 0.0.3"), or "".
const char* cameraLibraries() noexcept;

inline FrameLease& FrameLease::operator=(FrameLease&& o) noexcept {
    if (this != &o) {
        reset();
        camera_ = o.camera_;
        frame_ = o.frame_;
        o.camera_ = nullptr;
    }
    return *this;
}

inline void FrameLease::reset() noexcept {
    if (camera_) camera_->release(frame_);
    camera_ = nullptr;
}

}  // namespace snapstage::hal
