// SPDX-License-Identifier: MIT
// The libcamera camera: start, capture, release, stop and teardown (set-up is in
// camera_libcamera_init.cpp).
#include "hal/linux/camera_libcamera.h"

#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "firmware/util/log.h"
#include "hal/linux/camera_libcamera_state.h"

namespace snapstage::hal {
namespace {

constexpr uint32_t kMaxSkippedInARow = 30;  // start-up frames while the pipeline settles

}  // namespace

Status LibcameraCamera::start() {
    if (!s_ || s_->bufferCount == 0)
        return fail(Errc::Internal, "libcamera: start() before init()");
    State& s = *s_;
    if (s.started) return okStatus();
    if (int r = s.camera->start(); r < 0)
        return failf(r == -EBUSY ? Errc::CameraBusy : Errc::CameraIo, -r,
                     "libcamera cannot start %s: %s", info_.name, std::strerror(-r));
    s.started = true;
    for (uint32_t i = 0; i < s.bufferCount; ++i) {
        s.requests[i]->reuse(lc::Request::ReuseBuffers);
        if (int r = s.camera->queueRequest(s.requests[i].get()); r < 0) {
            stop();
            return failf(Errc::CameraIo, -r, "libcamera cannot queue a request on %s: %s",
                         info_.name, std::strerror(-r));
        }
    }
    return okStatus();
}

Result<FrameView> LibcameraCamera::capture(int timeoutMs) {
    if (!s_ || !s_->started) return fail(Errc::Internal, "libcamera: capture() before start()");
    State& s = *s_;
    if (s.lentCount >= s.bufferCount)
        return failf(Errc::CameraBusy, 0,
                     "libcamera: all %u buffers of %s are lent: release a frame before the next "
                     "capture",
                     s.bufferCount, info_.name);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    for (uint32_t skipped = 0;;) {
        uint32_t index = 0;
        {
            std::unique_lock<std::mutex> lock(s.mutex);
            auto any = [&s] { return s.doneCount > 0; };
            if (timeoutMs < 0)
                s.ready.wait(lock, any);
            else if (!s.ready.wait_until(lock, deadline, any))
                return failf(Errc::CameraTimeout, 0, "no frame from %s within %d ms", info_.name,
                             timeoutMs);
            index = s.done[s.doneHead];
            s.doneHead = (s.doneHead + 1) % kMaxBuffers;
            --s.doneCount;
        }
        lc::Request& r = *s.requests[index];
        const lc::FrameMetadata& md = r.buffers().begin()->second->metadata();
        // Anything but FrameSuccess: errors, and (libcamera 0.5 and newer) start-up frames.
        if (md.status == lc::FrameMetadata::FrameSuccess) {
            FrameView f = s.frames[index];
            f.sequence = md.sequence;
            f.timestampUs = static_cast<int64_t>(md.timestamp / 1000);
            s.lent[index] = true;
            ++s.lentCount;
            return f;
        }
        LOG_DEBUG("libcamera: %s: skipping frame %u (status %d)", info_.name, md.sequence,
                  static_cast<int>(md.status));
        r.reuse(lc::Request::ReuseBuffers);
        if (int e = s.camera->queueRequest(&r); e < 0)
            return failf(Errc::CameraIo, -e, "libcamera cannot requeue a request on %s: %s",
                         info_.name, std::strerror(-e));
        if (++skipped >= kMaxSkippedInARow)
            return failf(Errc::CameraIo, 0, "%u bad frames in a row from %s", skipped, info_.name);
    }
}

void LibcameraCamera::release(const FrameView& frame) {
    if (!s_ || !s_->started) {
        LOG_DEBUG("libcamera: frame %u released after stop(); nothing to do", frame.bufferIndex);
        return;
    }
    State& s = *s_;
    const uint32_t i = frame.bufferIndex;
    if (i >= s.bufferCount || !s.lent[i]) {
        LOG_WARN("libcamera: release of buffer %u, which is not lent; ignored", i);
        return;
    }
    s.lent[i] = false;
    --s.lentCount;
    s.requests[i]->reuse(lc::Request::ReuseBuffers);
    // The next capture() reports a lasting fault; a lost request only shrinks the pool.
    if (int r = s.camera->queueRequest(s.requests[i].get()); r < 0)
        LOG_WARN("libcamera: cannot requeue a request on %s: %s", info_.name, std::strerror(-r));
}

void LibcameraCamera::stop() {
    if (!s_ || !s_->started) return;
    State& s = *s_;
    // Called from our thread, never libcamera's; queued requests come back cancelled.
    if (int r = s.camera->stop(); r < 0)
        LOG_WARN("libcamera: stopping %s failed: %s", info_.name, std::strerror(-r));
    std::lock_guard<std::mutex> lock(s.mutex);
    s.doneHead = s.doneCount = 0;
    s.lent = {};
    s.lentCount = 0;
    s.started = false;
}

void LibcameraCamera::teardown() noexcept {
    if (s_) {
        stop();
        State& s = *s_;
        if (s.camera) s.camera->requestCompleted.disconnect(&s, &State::completed);
        s.requests.clear();
        for (const Mapping& m : s.mappings)
            munmap(m.addr, m.lengthBytes);
        s.mappings.clear();
        // Buffers and the camera go before the manager stops (it must outlive them).
        s.allocator.reset();
        s.config.reset();
        if (s.acquired) s.camera->release();
        s.camera.reset();
        s.manager.reset();
        s_.reset();
    }
    info_ = CameraInfo{};
    info_.backend = "libcamera";
}

}  // namespace snapstage::hal
