// SPDX-License-Identifier: MIT
// FakeV4l2Device: a scripted, in-memory /dev/videoN behind hal::V4l2Io (open/ioctl/mmap/poll),
// modelling the parts of the V4L2 kernel interface a capture client meets.
#pragma once

#include <linux/videodev2.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hal/linux/v4l2_io.h"

namespace snapstage::fakes {

// One pixel format the fake offers, and how it adjusts the sizes asked of it (as drivers do).
struct FakeFormat {
    uint32_t fourcc = V4L2_PIX_FMT_YUYV;
    uint32_t maxWidth = 1920;  // larger requests are clamped to these
    uint32_t maxHeight = 1080;
    uint32_t widthStep = 1;  // sizes are rounded down to multiples of these (at least one step)
    uint32_t heightStep = 1;
    uint32_t strideAlign = 1;  // bytesperline of raw formats is rounded up to a multiple
    // false: listed by VIDIOC_ENUM_FMT, but VIDIOC_S_FMT answers with the first deliverable
    // format instead (a driver that lists a format it cannot deliver at every size).
    bool deliverable = true;
    // true: VIDIOC_ENUM_FMT says the application may choose the quantization
    // (V4L2_FMT_FLAG_CSC_QUANTIZATION), and VIDIOC_S_FMT honours a V4L2_PIX_FMT_FLAG_SET_CSC
    // request that names a colourspace, as vivid does; otherwise the range stays the driver's
    // default (limited for YUV).
    bool cscQuantization = false;
};

struct FakeV4l2Config {
    std::string path = "/dev/video0";
    std::string card = "Fake UVC Camera";
    // capabilities describes the physical device; with V4L2_CAP_DEVICE_CAPS set, device_caps
    // describes this node.
    uint32_t capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING | V4L2_CAP_DEVICE_CAPS;
    uint32_t deviceCaps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
    std::vector<FakeFormat> formats = {FakeFormat{}};
    uint32_t minBuffers = 1;  // VIDIOC_REQBUFS grants the count asked, clamped to this range
    uint32_t maxBuffers = 8;
    uint32_t maxFps = 30;    // VIDIOC_S_PARM clamps faster rates to this
    int frameRateErrno = 0;  // non-zero: VIDIOC_S_PARM fails with it (no frame-rate control)
    int64_t firstTimestampUs = 1'000'000;
    int64_t frameIntervalUs = 33'333;
};

class FakeV4l2Device final : public hal::V4l2Io {
public:
    explicit FakeV4l2Device(FakeV4l2Config config = {});

    // hal::V4l2Io. Misuse answers as the kernel would: EBADF for an unknown fd, EINVAL for a
    // bad type, memory, index or buffer state, EBUSY for a second user of the queue, ENOTTY
    // for an unknown request. poll() never sleeps: with no frame ready it returns 0 at once
    // and records the timeout asked. Streaming (QBUF/DQBUF/poll and the frame producers)
    // allocates nothing once each request has been made once, so allocation tests can count.
    int open(const char* path, int flags) noexcept override;
    int close(int fd) noexcept override;
    int ioctl(int fd, unsigned long request, void* arg) noexcept override;
    void* mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept override;
    int munmap(void* addr, size_t length) noexcept override;
    int poll(pollfd* fds, nfds_t nfds, int timeoutMs) noexcept override;

    // --- Frames, produced when the test says so.
    // Copies `bytes` (at most the buffer's size) into the oldest queued buffer, sets bytesused
    // to their count and makes it ready to dequeue. False (a dropped frame) when not streaming
    // or no buffer is queued.
    bool pushFrame(std::span<const std::byte> bytes);
    // Produces up to n whole frames: raw formats fill sizeimage with patternByte(), MJPEG a
    // JPEG-like bitstream (FF D8 .. FF D9) of jpegBytes(sequence) bytes. Returns how many
    // were delivered.
    uint32_t produceFrames(uint32_t n);
    // The byte at `offset` of raw frame `sequence`, and the length of MJPEG frame `sequence`.
    static std::byte patternByte(uint32_t sequence, size_t offset) noexcept;
    static size_t jpegBytes(uint32_t sequence) noexcept;

    // --- Scripted failures.
    // Every open() fails with `err` (0 clears).
    void failOpen(int err) { openErrno_ = err; }
    // The nth call of `request` from now (1 = the next) fails with `err`, changing nothing.
    void failIoctl(unsigned long request, int err, uint32_t nth = 1);
    // The next poll() fails with `err` (e.g. EINTR); the next mmap() with `err`.
    void failNextPoll(int err) { pollErrno_ = err; }
    void failNextMmap(int err) { mmapErrno_ = err; }
    // The next `count` frames produced carry V4L2_BUF_FLAG_ERROR.
    void flagNextFramesError(uint32_t count = 1) { errorFrames_ += count; }
    // The device goes away: ioctl and mmap fail with ENODEV, poll reports POLLERR | POLLHUP,
    // open finds no node (ENOENT). close and munmap still work.
    void unplug() { unplugged_ = true; }

    // --- State and counters, for assertions.
    struct Counters {
        uint32_t opens = 0, closes = 0, maps = 0, unmaps = 0, badUnmaps = 0;
        uint32_t queued = 0, dequeued = 0, requeued = 0;  // QBUF, DQBUF, QBUF after a DQBUF
        uint32_t streamOns = 0, streamOffs = 0, polls = 0, pollTimeouts = 0, dropped = 0;
    };
    const Counters& counters() const { return counters_; }
    uint32_t ioctlCalls(unsigned long request) const;
    uint32_t openFds() const { return static_cast<uint32_t>(fds_.size()); }
    uint32_t mappedBuffers() const;
    uint32_t bufferCount() const { return static_cast<uint32_t>(buffers_.size()); }
    uint32_t readyFrames() const { return static_cast<uint32_t>(done_.size()); }
    bool streaming() const { return streaming_; }
    int lastOpenFlags() const { return lastOpenFlags_; }
    int lastPollTimeoutMs() const { return lastPollTimeoutMs_; }
    const v4l2_pix_format& format() const { return format_; }
    const v4l2_fract& timePerFrame() const { return timePerFrame_; }

private:
    enum class State { Dequeued, Queued, Done };
    struct Buffer {
        std::vector<std::byte> memory;
        State state = State::Dequeued;
        uint32_t mappings = 0;
        bool fromDequeue = false;  // the app got it from DQBUF, so its next QBUF is a requeue
        uint32_t bytesUsed = 0, flags = 0, sequence = 0;
        int64_t timestampUs = 0;
    };
    struct ScriptedFailure {
        unsigned long request;
        int err;
        uint32_t callsLeft;
    };

    int dispatch(int fd, unsigned long request, void* arg);
    int querycap(v4l2_capability& cap) const;
    int enumFormat(v4l2_fmtdesc& desc) const;
    int setFormat(int fd, v4l2_format& fmt);
    int setParm(v4l2_streamparm& parm);
    int reqbufs(int fd, v4l2_requestbuffers& req);
    int querybuf(v4l2_buffer& buf) const;
    int qbuf(int fd, v4l2_buffer& buf);
    int dqbuf(int fd, v4l2_buffer& buf);
    int streamOn(int fd, const int& type);
    int streamOff(int fd, const int& type);
    void describe(uint32_t index, v4l2_buffer& buf) const;
    bool ownedByOther(int fd) const { return owner_ >= 0 && owner_ != fd; }
    Buffer* fill(uint32_t bytesUsed);
    void returnAllBuffers();

    FakeV4l2Config config_;
    std::vector<int> fds_;
    int nextFd_ = 100;
    int owner_ = -1;  // the fd whose REQBUFS made the buffers
    v4l2_pix_format format_{};
    v4l2_fract timePerFrame_{1, 30};
    std::vector<Buffer> buffers_;
    std::vector<uint32_t> incoming_, done_;  // FIFOs of buffer indices, oldest first
    bool streaming_ = false;
    uint32_t sequence_ = 0;
    bool unplugged_ = false;
    int openErrno_ = 0, pollErrno_ = 0, mmapErrno_ = 0;
    uint32_t errorFrames_ = 0;
    std::vector<ScriptedFailure> failures_;
    std::map<unsigned long, uint32_t> calls_;
    Counters counters_;
    int lastOpenFlags_ = 0;
    int lastPollTimeoutMs_ = 0;
};

}  // namespace snapstage::fakes
