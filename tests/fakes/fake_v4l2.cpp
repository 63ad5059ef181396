// SPDX-License-Identifier: MIT
// The fake V4L2 device: capabilities, format adjustment, the buffer queue, frames and failures.
#include "tests/fakes/fake_v4l2.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace snapstage::fakes {
namespace {

int failWith(int err) {
    errno = err;
    return -1;
}

bool isRaw(uint32_t fourcc) {
    return fourcc == V4L2_PIX_FMT_YUYV || fourcc == V4L2_PIX_FMT_NV12;
}

// What a driver answers to a request for w x h in `f`: a size it can deliver, and the layout.
v4l2_pix_format adjust(const FakeFormat& f, uint32_t w, uint32_t h) {
    auto fit = [](uint32_t v, uint32_t step, uint32_t max) {
        v = std::min(v, max);
        return std::max(step, v - v % step);
    };
    v4l2_pix_format pix{};
    pix.pixelformat = f.fourcc;
    pix.width = fit(w, f.widthStep, f.maxWidth);
    pix.height = fit(h, f.heightStep, f.maxHeight);
    pix.field = V4L2_FIELD_NONE;
    pix.colorspace = V4L2_COLORSPACE_SRGB;
    if (isRaw(f.fourcc)) {
        uint32_t minStride = f.fourcc == V4L2_PIX_FMT_YUYV ? pix.width * 2 : pix.width;
        pix.bytesperline = (minStride + f.strideAlign - 1) / f.strideAlign * f.strideAlign;
        uint32_t rows =
            f.fourcc == V4L2_PIX_FMT_NV12 ? pix.height + (pix.height + 1) / 2 : pix.height;
        pix.sizeimage = pix.bytesperline * rows;
    } else {
        pix.sizeimage = pix.width * pix.height;  // the most a compressed frame may take
    }
    return pix;
}

}  // namespace

FakeV4l2Device::FakeV4l2Device(FakeV4l2Config config) : config_(std::move(config)) {
    if (!config_.formats.empty()) format_ = adjust(config_.formats[0], 640, 480);
}

std::byte FakeV4l2Device::patternByte(uint32_t sequence, size_t offset) noexcept {
    return static_cast<std::byte>((sequence * 31u + offset * 7u) & 0xff);
}

size_t FakeV4l2Device::jpegBytes(uint32_t sequence) noexcept {
    return 128 + (sequence % 16) * 8;
}

int FakeV4l2Device::open(const char* path, int flags) noexcept {
    if (unplugged_ || path != config_.path) return failWith(ENOENT);
    if (openErrno_) return failWith(openErrno_);
    lastOpenFlags_ = flags;
    ++counters_.opens;
    fds_.push_back(nextFd_);
    return nextFd_++;
}

int FakeV4l2Device::close(int fd) noexcept {
    auto it = std::find(fds_.begin(), fds_.end(), fd);
    if (it == fds_.end()) return failWith(EBADF);
    fds_.erase(it);
    ++counters_.closes;
    if (fd == owner_) {
        // The kernel frees the queue on the owner's last close; mapped memory outlives it.
        returnAllBuffers();
        streaming_ = false;
        owner_ = -1;
        if (mappedBuffers() == 0) buffers_.clear();
    }
    return 0;
}

void FakeV4l2Device::failIoctl(unsigned long request, int err, uint32_t nth) {
    failures_.push_back(ScriptedFailure{request, err, std::max(nth, 1u)});
}

uint32_t FakeV4l2Device::ioctlCalls(unsigned long request) const {
    auto it = calls_.find(request);
    return it == calls_.end() ? 0 : it->second;
}

int FakeV4l2Device::ioctl(int fd, unsigned long request, void* arg) noexcept {
    ++calls_[request];
    if (std::find(fds_.begin(), fds_.end(), fd) == fds_.end()) return failWith(EBADF);
    if (!arg) return failWith(EFAULT);
    int scripted = 0;
    for (auto& f : failures_)
        if (f.request == request && --f.callsLeft == 0 && !scripted) scripted = f.err;
    std::erase_if(failures_, [](const ScriptedFailure& f) { return f.callsLeft == 0; });
    if (scripted) return failWith(scripted);
    if (unplugged_) return failWith(ENODEV);
    return dispatch(fd, request, arg);
}

int FakeV4l2Device::dispatch(int fd, unsigned long request, void* arg) {
    switch (request) {
        case VIDIOC_QUERYCAP:
            return querycap(*static_cast<v4l2_capability*>(arg));
        case VIDIOC_ENUM_FMT:
            return enumFormat(*static_cast<v4l2_fmtdesc*>(arg));
        case VIDIOC_G_FMT: {
            auto& fmt = *static_cast<v4l2_format*>(arg);
            if (fmt.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return failWith(EINVAL);
            fmt.fmt.pix = format_;
            return 0;
        }
        case VIDIOC_S_FMT:
            return setFormat(fd, *static_cast<v4l2_format*>(arg));
        case VIDIOC_S_PARM:
            return setParm(*static_cast<v4l2_streamparm*>(arg));
        case VIDIOC_REQBUFS:
            return reqbufs(fd, *static_cast<v4l2_requestbuffers*>(arg));
        case VIDIOC_QUERYBUF:
            return querybuf(*static_cast<v4l2_buffer*>(arg));
        case VIDIOC_QBUF:
            return qbuf(fd, *static_cast<v4l2_buffer*>(arg));
        case VIDIOC_DQBUF:
            return dqbuf(fd, *static_cast<v4l2_buffer*>(arg));
        case VIDIOC_STREAMON:
            return streamOn(fd, *static_cast<const int*>(arg));
        case VIDIOC_STREAMOFF:
            return streamOff(fd, *static_cast<const int*>(arg));
        default:
            return failWith(ENOTTY);
    }
}

int FakeV4l2Device::querycap(v4l2_capability& cap) const {
    cap = v4l2_capability{};
    std::snprintf(reinterpret_cast<char*>(cap.driver), sizeof cap.driver, "fake_v4l2");
    std::snprintf(reinterpret_cast<char*>(cap.card), sizeof cap.card, "%s", config_.card.c_str());
    std::snprintf(reinterpret_cast<char*>(cap.bus_info), sizeof cap.bus_info, "fake:0");
    cap.version = (6u << 16) | (1u << 8);  // reports kernel 6.1
    cap.capabilities = config_.capabilities;
    cap.device_caps = (config_.capabilities & V4L2_CAP_DEVICE_CAPS) ? config_.deviceCaps : 0;
    return 0;
}

int FakeV4l2Device::enumFormat(v4l2_fmtdesc& desc) const {
    if (desc.type != V4L2_BUF_TYPE_VIDEO_CAPTURE || desc.index >= config_.formats.size())
        return failWith(EINVAL);
    uint32_t fourcc = config_.formats[desc.index].fourcc;
    bool csc = config_.formats[desc.index].cscQuantization;
    uint32_t index = desc.index;
    desc = v4l2_fmtdesc{};
    desc.index = index;
    desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    desc.pixelformat = fourcc;
    desc.flags = isRaw(fourcc) ? 0 : V4L2_FMT_FLAG_COMPRESSED;
    if (csc) desc.flags |= V4L2_FMT_FLAG_CSC_QUANTIZATION;
    std::snprintf(reinterpret_cast<char*>(desc.description), sizeof desc.description, "%.4s",
                  reinterpret_cast<const char*>(&fourcc));
    return 0;
}

int FakeV4l2Device::setFormat(int fd, v4l2_format& fmt) {
    if (fmt.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return failWith(EINVAL);
    // vb2: the format is fixed while buffers exist, for their owner and everyone else.
    if (!buffers_.empty() || ownedByOther(fd)) return failWith(EBUSY);
    const FakeFormat* chosen = nullptr;
    for (const auto& f : config_.formats)
        if (f.fourcc == fmt.fmt.pix.pixelformat && f.deliverable) chosen = &f;
    for (const auto& f : config_.formats)
        if (!chosen && f.deliverable) chosen = &f;
    if (!chosen) return failWith(EINVAL);
    const v4l2_pix_format& asked = fmt.fmt.pix;
    bool setCsc = chosen->cscQuantization && asked.priv == V4L2_PIX_FMT_PRIV_MAGIC &&
                  (asked.flags & V4L2_PIX_FMT_FLAG_SET_CSC) &&
                  asked.colorspace != V4L2_COLORSPACE_DEFAULT;
    uint32_t quantization = setCsc ? asked.quantization : uint32_t{V4L2_QUANTIZATION_DEFAULT};
    format_ = adjust(*chosen, asked.width, asked.height);
    format_.quantization = quantization;
    fmt.fmt.pix = format_;
    return 0;
}

int FakeV4l2Device::setParm(v4l2_streamparm& parm) {
    if (parm.type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return failWith(EINVAL);
    if (config_.frameRateErrno) return failWith(config_.frameRateErrno);
    v4l2_fract asked = parm.parm.capture.timeperframe;
    if (asked.numerator == 0 || asked.denominator == 0) asked = v4l2_fract{1, config_.maxFps};
    // Rates above maxFps become maxFps.
    if (uint64_t{asked.denominator} > uint64_t{config_.maxFps} * asked.numerator)
        asked = v4l2_fract{1, config_.maxFps};
    timePerFrame_ = asked;
    parm.parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
    parm.parm.capture.timeperframe = timePerFrame_;
    return 0;
}

}  // namespace snapstage::fakes
