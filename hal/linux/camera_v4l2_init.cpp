// SPDX-License-Identifier: MIT
// The V4L2 camera's set-up: options, capabilities, format negotiation, buffer mapping.
#include "hal/linux/camera_v4l2.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/util/log.h"
#include "hal/linux/v4l2_util.h"

namespace snapstage::hal {
namespace {

using v4l2::deviceError;
using v4l2::FourccName;
using v4l2::isJpegFourcc;
using v4l2::pixelFormatOf;

constexpr uint32_t kMaxSide = 16384;
constexpr uint32_t kMaxFps = 1000;
constexpr uint32_t kMaxFormats = 64;  // a driver listing more is looping

}  // namespace

Status V4l2Camera::parseOptions(Request& request) const noexcept {
    SNAPSTAGE_TRY(spec_.checkKnown({"format", "width", "height", "buffers", "fps"}));
    if (const std::string* f = spec_.option("format")) {
        request.format = parsePixelFormat(*f);
        if (request.format != PixelFormat::Yuyv && request.format != PixelFormat::Nv12 &&
            request.format != PixelFormat::Mjpeg)
            return failf(Errc::CameraFormat, 0,
                         "v4l2: format must be yuyv, nv12 or mjpeg, not '%s'", f->c_str());
    }
    auto w = spec_.uintOption("width", 1920, kMaxSide);
    if (!w) return fail(w.error());
    auto h = spec_.uintOption("height", 1080, kMaxSide);
    if (!h) return fail(h.error());
    auto n = spec_.uintOption("buffers", 4, 16);
    if (!n) return fail(n.error());
    if (*n < 2) return fail(Errc::InvalidArgument, "v4l2: option buffers must be from 2 to 16");
    // fallback 0: absent means "keep the driver's frame rate".
    auto fps = spec_.uintOption("fps", 0, kMaxFps);
    if (!fps) return fail(fps.error());
    request.width = *w;
    request.height = *h;
    request.buffers = *n;
    request.fps = *fps;
    return {};
}

Status V4l2Camera::init() {
    teardown();
    Status s = initSteps();
    if (!s) teardown();
    return s;
}

Status V4l2Camera::initSteps() noexcept {
    Request request;
    SNAPSTAGE_TRY(parseOptions(request));
    SNAPSTAGE_TRY(openDevice());
    SNAPSTAGE_TRY(checkCapabilities());
    auto fourcc = chooseFormat(request.format);
    if (!fourcc) return fail(fourcc.error());
    SNAPSTAGE_TRY(setFormat(*fourcc, request));
    if (request.fps) SNAPSTAGE_TRY(setFrameRate(request.fps));
    SNAPSTAGE_TRY(mapBuffers(request.buffers));
    LOG_INFO("v4l2: %s (%s): %s %ux%u, %u buffers", path_, info_.name, FourccName(fourcc_).text,
             info_.width, info_.height, bufferCount_);
    return {};
}

Status V4l2Camera::openDevice() noexcept {
    fd_ = io_.open(path_, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd_ >= 0) return {};
    int err = errno;
    switch (err) {
        case ENOENT:
            return failf(Errc::CameraOpen, err,
                         "no camera at %s: is it connected and is the driver loaded?", path_);
        case EACCES:
        case EPERM:
            return failf(Errc::CameraOpen, err,
                         "no permission to open %s: add the user to the 'video' group "
                         "(sudo usermod -aG video $USER) and log in again",
                         path_);
        case EBUSY:
        case ENODEV:
            return deviceError(path_, "open", err);
        default:
            return failf(Errc::CameraOpen, err, "cannot open %s: %s", path_, std::strerror(err));
    }
}

Status V4l2Camera::checkCapabilities() noexcept {
    v4l2_capability cap{};
    if (io_.ioctl(fd_, VIDIOC_QUERYCAP, &cap) != 0) {
        // ENOTTY from a kernel; ENOSYS from user-mode emulators that do not pass V4L2 through.
        if (errno == ENOTTY || errno == EINVAL || errno == ENOSYS)
            return failf(Errc::NotSupported, errno, "%s is not a V4L2 device (VIDIOC_QUERYCAP: %s)",
                         path_, std::strerror(errno));
        return deviceError(path_, "VIDIOC_QUERYCAP", errno);
    }
    // device_caps describes this node; capabilities the whole physical device.
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    std::snprintf(info_.name, sizeof info_.name, "%.32s", reinterpret_cast<const char*>(cap.card));
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE)) {
        if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)
            return failf(Errc::NotSupported, 0,
                         "%s (%s) is a multi-planar node, which the v4l2 backend does not "
                         "support; for a Pi camera module use libcamera's V4L2 layer (libcamerify)",
                         path_, info_.name);
        return failf(Errc::NotSupported, 0,
                     "%s (%s) is not a video capture device (capabilities 0x%08x): pick another "
                     "/dev/videoN",
                     path_, info_.name, caps);
    }
    if (!(caps & V4L2_CAP_STREAMING))
        return failf(Errc::NotSupported, 0,
                     "%s (%s) cannot stream through memory-mapped buffers, which the v4l2 backend "
                     "needs",
                     path_, info_.name);
    return {};
}

Result<uint32_t> V4l2Camera::chooseFormat(PixelFormat wanted) noexcept {
    // The fourcc the device offers for each of our formats, 0 when absent.
    uint32_t yuyv = 0, nv12 = 0, mjpeg = 0;
    uint32_t yuyvFlags = 0, nv12Flags = 0;
    char offered[96] = {};
    size_t used = 0;
    for (uint32_t i = 0; i < kMaxFormats; ++i) {
        v4l2_fmtdesc desc{};
        desc.index = i;
        desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        if (io_.ioctl(fd_, VIDIOC_ENUM_FMT, &desc) != 0) {
            if (errno == EINVAL) break;  // the end of the list
            return deviceError(path_, "VIDIOC_ENUM_FMT", errno);
        }
        uint32_t f = desc.pixelformat;
        if (f == V4L2_PIX_FMT_YUYV) {
            yuyv = f;
            yuyvFlags = desc.flags;
        }
        if (f == V4L2_PIX_FMT_NV12) {
            nv12 = f;
            nv12Flags = desc.flags;
        }
        if (isJpegFourcc(f) && mjpeg != V4L2_PIX_FMT_MJPEG) mjpeg = f;
        int n = std::snprintf(offered + used, sizeof offered - used, "%s%s", used ? " " : "",
                              FourccName(f).text);
        if (n > 0) used = std::min(sizeof offered - 1, used + static_cast<size_t>(n));
    }
    uint32_t pick = 0;
    if (wanted == PixelFormat::Yuyv) pick = yuyv;
    if (wanted == PixelFormat::Nv12) pick = nv12;
    if (wanted == PixelFormat::Mjpeg) pick = mjpeg;
    if (wanted == PixelFormat::Unknown) pick = yuyv ? yuyv : nv12 ? nv12 : mjpeg;
    formatFlags_ = pick == yuyv ? yuyvFlags : pick == nv12 ? nv12Flags : 0;
    if (pick) return pick;
    if (wanted != PixelFormat::Unknown)
        return failf(Errc::CameraFormat, 0, "%s does not offer %s (it offers: %s)", path_,
                     to_string(wanted), used ? offered : "nothing");
    return failf(Errc::CameraFormat, 0,
                 "%s offers none of the formats the v4l2 backend reads, YUYV, NV12 or MJPEG "
                 "(it offers: %s)",
                 path_, used ? offered : "nothing");
}

// The encoder writes the frame's Y'CbCr into a JPEG, which is full range (0-255). Drivers
// default to limited range (16-235) for YUV, which turns black into grey and dims every colour:
// ask for full range where the driver lets the application choose (V4L2_PIX_FMT_FLAG_SET_CSC).
// The request must name a colourspace (DEFAULT makes it void): keep the one the driver reports.
void V4l2Camera::askFullRange(v4l2_pix_format& pix) noexcept {
    if (isJpegFourcc(pix.pixelformat) || !(formatFlags_ & V4L2_FMT_FLAG_CSC_QUANTIZATION)) return;
    v4l2_format current{};
    current.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (io_.ioctl(fd_, VIDIOC_G_FMT, &current) != 0 ||
        current.fmt.pix.colorspace == V4L2_COLORSPACE_DEFAULT)
        return;
    pix.colorspace = current.fmt.pix.colorspace;
    pix.xfer_func = current.fmt.pix.xfer_func;
    pix.ycbcr_enc = current.fmt.pix.ycbcr_enc;
    pix.quantization = V4L2_QUANTIZATION_FULL_RANGE;
    pix.priv = V4L2_PIX_FMT_PRIV_MAGIC;
    pix.flags = V4L2_PIX_FMT_FLAG_SET_CSC;
}

Status V4l2Camera::setFormat(uint32_t fourcc, const Request& request) noexcept {
    v4l2_format fmt{};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    v4l2_pix_format& pix = fmt.fmt.pix;
    pix.width = request.width;
    pix.height = request.height;
    pix.pixelformat = fourcc;
    pix.field = V4L2_FIELD_NONE;
    askFullRange(pix);
    if (io_.ioctl(fd_, VIDIOC_S_FMT, &fmt) != 0) {
        if (errno == EINVAL)
            return failf(Errc::CameraFormat, errno, "%s refused %s at %ux%u", path_,
                         FourccName(fourcc).text, request.width, request.height);
        return deviceError(path_, "VIDIOC_S_FMT", errno);
    }
    // The driver answers with what it will really deliver: it may change the size (kept) or,
    // for a format it lists but cannot deliver at this size, the pixel format (refused).
    bool sameKind =
        pix.pixelformat == fourcc || (isJpegFourcc(fourcc) && isJpegFourcc(pix.pixelformat));
    if (!sameKind)
        return failf(Errc::CameraFormat, 0,
                     "asked %s for %s at %ux%u but the driver chose %s instead; try another "
                     "format= or size",
                     path_, FourccName(fourcc).text, request.width, request.height,
                     FourccName(pix.pixelformat).text);
    PixelFormat format = pixelFormatOf(pix.pixelformat);
    if (pix.width == 0 || pix.height == 0)
        return failf(Errc::CameraFormat, 0, "%s reported an empty frame size", path_);
    uint32_t minStride = format == PixelFormat::Yuyv   ? pix.width * 2
                         : format == PixelFormat::Nv12 ? pix.width
                                                       : 0;
    uint32_t stride = pix.bytesperline ? pix.bytesperline : minStride;
    if (stride < minStride)
        return failf(Errc::CameraFormat, 0, "%s reported %u bytes per line for a %u-wide %s frame",
                     path_, pix.bytesperline, pix.width, to_string(format));
    size_t rows = format == PixelFormat::Nv12 ? pix.height + (pix.height + 1) / 2 : pix.height;
    frameBytes_ = format == PixelFormat::Mjpeg ? 1 : size_t{stride} * rows;
    bool fullRange =
        pix.quantization == V4L2_QUANTIZATION_FULL_RANGE ||
        (pix.quantization == V4L2_QUANTIZATION_DEFAULT && pix.colorspace == V4L2_COLORSPACE_JPEG);
    if (format != PixelFormat::Mjpeg && !fullRange)
        LOG_INFO(
            "v4l2: %s delivers limited-range YUV (16-235) and cannot be set to full range; "
            "the photo's blacks and whites will look flat",
            path_);
    if (pix.width != request.width || pix.height != request.height)
        LOG_INFO("v4l2: %s: asked for %ux%u, the driver chose %ux%u", path_, request.width,
                 request.height, pix.width, pix.height);
    fourcc_ = pix.pixelformat;
    bytesPerLine_ = stride;
    info_.width = pix.width;
    info_.height = pix.height;
    info_.format = format;
    return {};
}

Status V4l2Camera::setFrameRate(uint32_t fps) noexcept {
    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    parm.parm.capture.timeperframe = v4l2_fract{1, fps};
    if (io_.ioctl(fd_, VIDIOC_S_PARM, &parm) != 0) {
        if (errno == EINVAL || errno == ENOTTY)
            return failf(Errc::NotSupported, errno,
                         "%s cannot set its frame rate: remove the fps= option", path_);
        return deviceError(path_, "VIDIOC_S_PARM", errno);
    }
    const v4l2_fract& got = parm.parm.capture.timeperframe;
    if (got.numerator != 1 || got.denominator != fps)
        LOG_INFO("v4l2: %s: asked for %u fps, the driver chose %u/%u s per frame", path_, fps,
                 got.numerator, got.denominator);
    return {};
}

Status V4l2Camera::mapBuffers(uint32_t count) noexcept {
    v4l2_requestbuffers req{};
    req.count = count;
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (io_.ioctl(fd_, VIDIOC_REQBUFS, &req) != 0) {
        if (errno == EINVAL)
            return failf(Errc::NotSupported, errno,
                         "%s does not support memory-mapped streaming buffers", path_);
        return deviceError(path_, "VIDIOC_REQBUFS", errno);
    }
    if (req.count == 0)
        return failf(Errc::NoMemory, 0, "%s granted no buffers: is memory (CMA) exhausted?", path_);
    if (req.count > kMaxBuffers)
        return failf(Errc::CameraIo, 0, "%s granted %u buffers, more than V4L2 allows (%u)", path_,
                     req.count, kMaxBuffers);
    if (req.count < count)
        LOG_WARN("v4l2: %s granted %u of the %u buffers asked for", path_, req.count, count);
    for (uint32_t i = 0; i < req.count; ++i) {
        v4l2_buffer b = v4l2::mmapBuffer(i);
        if (io_.ioctl(fd_, VIDIOC_QUERYBUF, &b) != 0)
            return deviceError(path_, "VIDIOC_QUERYBUF", errno);
        if (b.length < frameBytes_)
            return failf(Errc::CameraFormat, 0,
                         "%s: buffer %u holds %u bytes, less than a %ux%u frame needs (%zu)", path_,
                         i, b.length, info_.width, info_.height, frameBytes_);
        void* p = io_.mmap(b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                           static_cast<off_t>(b.m.offset));
        if (p == MAP_FAILED) {
            if (errno == ENODEV) return deviceError(path_, "mmap", errno);
            return failf(Errc::NoMemory, errno, "%s: cannot map buffer %u (%u bytes): %s", path_, i,
                         b.length, std::strerror(errno));
        }
        buffers_[i] = Buffer{static_cast<std::byte*>(p), b.length, false, false};
        bufferCount_ = i + 1;
    }
    info_.bufferCount = bufferCount_;
    info_.streams = true;
    return {};
}

}  // namespace snapstage::hal
