// SPDX-License-Identifier: MIT
// The fake V4L2 device's buffer side: REQBUFS/QUERYBUF/QBUF/DQBUF/STREAMON/STREAMOFF, mmap,
// poll, and the frames the test produces.
#include "tests/fakes/fake_v4l2.h"

#include <fcntl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace snapstage::fakes {
namespace {

constexpr uint32_t kOffsetStep = 1u << 20;  // buffer i is mapped at offset i * kOffsetStep

int failWith(int err) {
    errno = err;
    return -1;
}

bool isMmapCapture(const v4l2_buffer& buf) {
    return buf.type == V4L2_BUF_TYPE_VIDEO_CAPTURE && buf.memory == V4L2_MEMORY_MMAP;
}

}  // namespace

int FakeV4l2Device::reqbufs(int fd, v4l2_requestbuffers& req) {
    if (req.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || req.memory != V4L2_MEMORY_MMAP)
        return failWith(EINVAL);
    if (ownedByOther(fd) || streaming_ || mappedBuffers() > 0) return failWith(EBUSY);
    buffers_.clear();
    incoming_.clear();
    done_.clear();
    owner_ = -1;
    if (req.count == 0) return 0;
    req.count = std::clamp(req.count, config_.minBuffers, config_.maxBuffers);
    buffers_.resize(req.count);
    // Room for every buffer up front, so streaming allocates nothing (allocation tests count).
    incoming_.reserve(req.count);
    done_.reserve(req.count);
    for (auto& b : buffers_)
        b.memory.assign(format_.sizeimage, std::byte{0});
    owner_ = fd;
    return 0;
}

void FakeV4l2Device::describe(uint32_t index, v4l2_buffer& buf) const {
    const Buffer& b = buffers_[index];
    buf = v4l2_buffer{};
    buf.index = index;
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.length = static_cast<uint32_t>(b.memory.size());
    buf.m.offset = index * kOffsetStep;
    buf.bytesused = b.bytesUsed;
    buf.sequence = b.sequence;
    buf.field = V4L2_FIELD_NONE;
    buf.timestamp.tv_sec = static_cast<decltype(buf.timestamp.tv_sec)>(b.timestampUs / 1000000);
    buf.timestamp.tv_usec = static_cast<decltype(buf.timestamp.tv_usec)>(b.timestampUs % 1000000);
    buf.flags = b.flags | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
    if (b.mappings) buf.flags |= V4L2_BUF_FLAG_MAPPED;
    if (b.state == State::Queued) buf.flags |= V4L2_BUF_FLAG_QUEUED;
    if (b.state == State::Done) buf.flags |= V4L2_BUF_FLAG_DONE;
}

int FakeV4l2Device::querybuf(v4l2_buffer& buf) const {
    if (!isMmapCapture(buf) || buf.index >= buffers_.size()) return failWith(EINVAL);
    describe(buf.index, buf);
    return 0;
}

int FakeV4l2Device::qbuf(int fd, v4l2_buffer& buf) {
    if (ownedByOther(fd)) return failWith(EBUSY);
    if (!isMmapCapture(buf) || buf.index >= buffers_.size()) return failWith(EINVAL);
    Buffer& b = buffers_[buf.index];
    if (b.state != State::Dequeued) return failWith(EINVAL);  // queued twice
    b.state = State::Queued;
    b.bytesUsed = b.flags = 0;
    incoming_.push_back(buf.index);
    ++counters_.queued;
    if (b.fromDequeue) ++counters_.requeued;
    b.fromDequeue = false;
    describe(buf.index, buf);
    return 0;
}

int FakeV4l2Device::dqbuf(int fd, v4l2_buffer& buf) {
    if (ownedByOther(fd)) return failWith(EBUSY);
    if (!isMmapCapture(buf) || !streaming_) return failWith(EINVAL);
    // The camera opens O_NONBLOCK; a blocking DQBUF would hang here, so it is refused loudly.
    if (done_.empty()) return failWith((lastOpenFlags_ & O_NONBLOCK) ? EAGAIN : EDEADLK);
    uint32_t index = done_.front();
    done_.erase(done_.begin());
    Buffer& b = buffers_[index];
    b.state = State::Dequeued;
    b.fromDequeue = true;
    ++counters_.dequeued;
    describe(index, buf);
    return 0;
}

int FakeV4l2Device::streamOn(int fd, const int& type) {
    if (type != V4L2_BUF_TYPE_VIDEO_CAPTURE || buffers_.empty()) return failWith(EINVAL);
    if (ownedByOther(fd)) return failWith(EBUSY);
    if (streaming_) return 0;  // vb2 accepts a second STREAMON
    streaming_ = true;
    sequence_ = 0;  // drivers count frames from 0 after STREAMON
    ++counters_.streamOns;
    return 0;
}

int FakeV4l2Device::streamOff(int fd, const int& type) {
    if (type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return failWith(EINVAL);
    if (ownedByOther(fd)) return failWith(EBUSY);
    // Even when not streaming, STREAMOFF takes every buffer back from the driver.
    returnAllBuffers();
    if (streaming_) ++counters_.streamOffs;
    streaming_ = false;
    return 0;
}

void FakeV4l2Device::returnAllBuffers() {
    incoming_.clear();
    done_.clear();
    for (auto& b : buffers_) {
        b.state = State::Dequeued;
        b.fromDequeue = false;
    }
}

void* FakeV4l2Device::mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept {
    if (std::find(fds_.begin(), fds_.end(), fd) == fds_.end()) return (errno = EBADF, MAP_FAILED);
    if (unplugged_) return (errno = ENODEV, MAP_FAILED);
    if (int err = std::exchange(mmapErrno_, 0)) return (errno = err, MAP_FAILED);
    // vb2 needs a shared mapping of one whole buffer, at the offset QUERYBUF gave.
    if (offset < 0 || offset % kOffsetStep || !(flags & MAP_SHARED) || !(prot & PROT_READ))
        return (errno = EINVAL, MAP_FAILED);
    auto index = static_cast<size_t>(static_cast<uint64_t>(offset) / kOffsetStep);
    if (index >= buffers_.size() || length != buffers_[index].memory.size())
        return (errno = EINVAL, MAP_FAILED);
    ++buffers_[index].mappings;
    ++counters_.maps;
    return buffers_[index].memory.data();
}

int FakeV4l2Device::munmap(void* addr, size_t length) noexcept {
    for (auto& b : buffers_) {
        if (b.mappings && addr == b.memory.data() && length == b.memory.size()) {
            --b.mappings;
            ++counters_.unmaps;
            // The last mapping of a queue whose owner has closed frees it.
            if (owner_ < 0 && mappedBuffers() == 0) buffers_.clear();
            return 0;
        }
    }
    ++counters_.badUnmaps;
    return failWith(EINVAL);
}

uint32_t FakeV4l2Device::mappedBuffers() const {
    return static_cast<uint32_t>(std::count_if(buffers_.begin(), buffers_.end(),
                                               [](const Buffer& b) { return b.mappings; }));
}

int FakeV4l2Device::poll(pollfd* fds, nfds_t nfds, int timeoutMs) noexcept {
    ++counters_.polls;
    lastPollTimeoutMs_ = timeoutMs;
    if (nfds != 1 || !fds) return failWith(EINVAL);
    if (int err = std::exchange(pollErrno_, 0)) return failWith(err);
    pollfd& p = fds[0];
    p.revents = 0;
    if (std::find(fds_.begin(), fds_.end(), p.fd) == fds_.end())
        p.revents = POLLNVAL;
    else if (unplugged_)
        p.revents = POLLERR | POLLHUP;
    else if (!streaming_)
        p.revents = POLLERR;  // vb2: nothing can ever arrive
    else if (!done_.empty())
        p.revents = static_cast<short>(p.events & (POLLIN | POLLRDNORM));
    if (p.revents) return 1;
    ++counters_.pollTimeouts;
    return 0;  // the timeout, reported at once: tests never wait on real time
}

FakeV4l2Device::Buffer* FakeV4l2Device::fill(uint32_t bytesUsed) {
    if (!streaming_ || incoming_.empty()) {
        ++counters_.dropped;
        return nullptr;
    }
    uint32_t index = incoming_.front();
    incoming_.erase(incoming_.begin());
    done_.push_back(index);
    Buffer& b = buffers_[index];
    b.state = State::Done;
    b.bytesUsed = std::min(bytesUsed, static_cast<uint32_t>(b.memory.size()));
    b.sequence = sequence_;
    b.timestampUs = config_.firstTimestampUs + int64_t{sequence_} * config_.frameIntervalUs;
    b.flags = 0;
    if (errorFrames_) {
        --errorFrames_;
        b.flags = V4L2_BUF_FLAG_ERROR;
    }
    ++sequence_;
    return &b;
}

bool FakeV4l2Device::pushFrame(std::span<const std::byte> bytes) {
    Buffer* b = fill(static_cast<uint32_t>(bytes.size()));
    if (!b) return false;
    std::memcpy(b->memory.data(), bytes.data(), b->bytesUsed);
    return true;
}

uint32_t FakeV4l2Device::produceFrames(uint32_t n) {
    uint32_t delivered = 0;
    const bool jpeg =
        format_.pixelformat == V4L2_PIX_FMT_MJPEG || format_.pixelformat == V4L2_PIX_FMT_JPEG;
    for (uint32_t i = 0; i < n; ++i) {
        uint32_t seq = sequence_;
        size_t size = jpeg ? jpegBytes(seq) : format_.sizeimage;
        Buffer* b = fill(static_cast<uint32_t>(size));
        if (!b) continue;
        ++delivered;
        std::byte* p = b->memory.data();
        for (size_t k = 0; k < b->bytesUsed; ++k)
            p[k] = patternByte(seq, k);
        if (jpeg && b->bytesUsed >= 4) {
            p[0] = std::byte{0xff}, p[1] = std::byte{0xd8};
            p[b->bytesUsed - 2] = std::byte{0xff}, p[b->bytesUsed - 1] = std::byte{0xd9};
        }
    }
    return delivered;
}

}  // namespace snapstage::fakes
