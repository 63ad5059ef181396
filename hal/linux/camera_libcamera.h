// SPDX-License-Identifier: MIT
// LibcameraCamera: a camera driven through libcamera (Raspberry Pi camera modules behind the
// Pi's ISP, vimc), still capture in YUV420, NV12 or packed RGB. libcamera's headers stay in the
// backend's .cpp files and its private state header: this header names none of its types.
#pragma once

#include <cstdint>
#include <memory>

#include "hal/camera.h"

namespace snapstage::hal {

// Spec: "libcamera[,camera=INDEX|ID][,format=yuv420|nv12|rgb|bgr888|rgb888][,width=W]
// [,height=H][,buffers=N]". camera: the index in libcamera's list (`cam -l`), or the camera's
// id; default 0. The size defaults to 1920x1080; libcamera may adjust it to the nearest the
// pipeline supports (info() reports what it chose). format: yuv420 and nv12 are what the
// Raspberry Pi's ISP gives; rgb is BGR888 or RGB888 (what vimc gives), bgr888 and rgb888 only
// that one; without it, the first the camera offers of yuv420, nv12, rgb. buffers: 1..16,
// default 4 (with one buffer a frame must be released before the next capture).
//
// Frames are lent straight from libcamera's buffers (dmabufs mapped once at init()); nothing is
// allocated after init(). All calls from one thread; libcamera completes requests on a thread of
// its own, which only hands them over to capture(). One LibcameraCamera per process (libcamera
// allows one camera manager).
class LibcameraCamera final : public Camera {
public:
    explicit LibcameraCamera(const DeviceSpec& spec) noexcept;
    // Stops, frees the buffers, releases the camera and stops libcamera.
    ~LibcameraCamera() override;

    // Starts libcamera, picks the camera, configures one still-capture stream and maps its
    // buffers. Errors: CameraOpen (libcamera finds no camera or not the one asked for),
    // CameraBusy (another program holds it), CameraFormat (no usable format, or the pipeline
    // substituted another one), NoMemory (no buffers), CameraIo, InvalidArgument (bad option).
    // A failed init() leaves nothing open; init() may be called again.
    Status init() override;
    // Starts the camera and queues every buffer. Errors: CameraIo, CameraBusy.
    Status start() override;
    // Waits up to timeoutMs (< 0: without limit) for the next completed frame and lends it until
    // release() or stop(). Frames libcamera marks as not good (errors, start-up frames) are
    // requeued and skipped. Errors: CameraTimeout, CameraBusy (every buffer lent), CameraIo.
    Result<FrameView> capture(int timeoutMs) override;
    // Requeues the frame's buffer. A frame that is not lent is ignored with a log line.
    void release(const FrameView& frame) override;
    // Stops the camera; every lent frame becomes invalid.
    void stop() override;
    CameraInfo info() const override { return info_; }

    struct State;  // libcamera's objects, in the .cpp

private:
    Status initSteps() noexcept;
    void teardown() noexcept;

    DeviceSpec spec_;
    CameraInfo info_;
    std::unique_ptr<State> s_;
};

// The libcamera version this process runs with ("0.0.3"), a static string.
const char* libcameraVersion() noexcept;

}  // namespace snapstage::hal
