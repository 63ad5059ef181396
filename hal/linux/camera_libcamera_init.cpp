// SPDX-License-Identifier: MIT
// The libcamera camera's set-up: options, camera, one still-capture stream, mapped buffers and
// requests. It keeps to the API that Debian 12's libcamera 0.0.3 and Raspberry Pi OS's 0.5 and
// newer share (generateConfiguration({role}), no Transform or Orientation, FrameMetadata status
// read without naming the newer values); a difference met goes in an #if on
// LIBCAMERA_VERSION_MAJOR/MINOR (libcamera/version.h)
// here.
#include "hal/linux/camera_libcamera.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "firmware/util/log.h"
#include "hal/linux/camera_libcamera_state.h"

namespace snapstage::hal {
namespace {

using libcamera_detail::pixelFormatOf;
using libcamera_detail::Wanted;

constexpr uint32_t kMaxSide = 16384;

Result<Wanted> parseOptions(const DeviceSpec& spec) noexcept {
    SNAPSTAGE_TRY(spec.checkKnown({"camera", "format", "width", "height", "buffers"}));
    Wanted r;
    r.camera = spec.option("camera");
    const std::string* f = spec.option("format");
    r.formatName = f ? *f : "none of yuv420, nv12, rgb";
    if (!f)
        r.formats = {lc::formats::YUV420, lc::formats::NV12, lc::formats::BGR888,
                     lc::formats::RGB888};
    else if (*f == "yuv420" || *f == "i420")
        r.formats = {lc::formats::YUV420};
    else if (*f == "nv12")
        r.formats = {lc::formats::NV12};
    else if (*f == "rgb")
        r.formats = {lc::formats::BGR888, lc::formats::RGB888};
    else if (*f == "bgr888")  // libcamera's own names, to pick one byte order
        r.formats = {lc::formats::BGR888};
    else if (*f == "rgb888")
        r.formats = {lc::formats::RGB888};
    else
        return failf(Errc::CameraFormat, 0,
                     "libcamera: format must be yuv420, nv12, rgb, bgr888 or rgb888, not '%s'",
                     f->c_str());
    auto w = spec.uintOption("width", 1920, kMaxSide);
    if (!w) return fail(w.error());
    auto h = spec.uintOption("height", 1080, kMaxSide);
    if (!h) return fail(h.error());
    auto n = spec.uintOption("buffers", 4, kMaxBuffers);
    if (!n) return fail(n.error());
    r.width = *w;
    r.height = *h;
    r.buffers = *n;
    return r;
}

// The camera named by `which` (an index or an id), or the first.
Result<std::shared_ptr<lc::Camera>> pickCamera(const lc::CameraManager& manager,
                                               const std::string* which) noexcept {
    std::vector<std::shared_ptr<lc::Camera>> cameras = manager.cameras();
    if (cameras.empty())
        return fail(Errc::CameraOpen,
                    "libcamera finds no camera: is one connected (the ribbon cable the right "
                    "way round) and listed by `rpicam-hello --list-cameras` or `cam -l`? On "
                    "Debian, libcamera-ipa must be installed too");
    if (!which) return cameras[0];
    char* end = nullptr;
    unsigned long index = std::strtoul(which->c_str(), &end, 10);
    if (!which->empty() && *end == '\0') {
        if (index < cameras.size()) return cameras[index];
    } else {
        for (const auto& c : cameras)
            if (c->id() == *which) return c;
    }
    std::string ids;
    for (size_t i = 0; i < cameras.size() && ids.size() < 200; ++i)
        ids += (i ? "; " : "") + std::to_string(i) + ": " + cameras[i]->id();
    return failf(Errc::CameraOpen, 0, "libcamera has no camera '%s' (it has %s)", which->c_str(),
                 ids.c_str());
}

// The first of the wanted formats the stream offers; invalid when none.
lc::PixelFormat chooseFormat(const lc::StreamConfiguration& sc, const Wanted& wanted) {
    const std::vector<lc::PixelFormat> offered = sc.formats().pixelformats();
    for (const lc::PixelFormat& f : wanted.formats)
        for (const lc::PixelFormat& o : offered)
            if (o == f) return f;
    return lc::PixelFormat();
}

std::string formatNames(const lc::StreamConfiguration& sc) {
    std::string names;
    for (const lc::PixelFormat& f : sc.formats().pixelformats())
        if (names.size() < 160) {
            if (!names.empty()) names += ' ';
            names += f.toString();
        }
    return names.empty() ? "nothing" : names;
}

bool isRgb(PixelFormat f) noexcept {
    return f == PixelFormat::Rgb24 || f == PixelFormat::Bgr24;
}

}  // namespace

Result<const uint8_t*> LibcameraCamera::State::map(const lc::FrameBuffer& buffer,
                                                   const lc::FrameBuffer::Plane& plane) {
    const int fd = plane.fd.get();
    for (const Mapping& m : mappings)
        if (m.fd == fd) return static_cast<const uint8_t*>(m.addr);
    // The planes of one buffer may share a dmabuf: map it once, as long as its furthest plane.
    size_t length = 0;
    for (const lc::FrameBuffer::Plane& p : buffer.planes())
        if (p.fd.get() == fd) length = std::max(length, size_t{p.offset} + p.length);
    void* addr = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED)
        return failf(Errc::NoMemory, errno, "libcamera: cannot map a frame buffer (%zu bytes): %s",
                     length, std::strerror(errno));
    mappings.push_back({addr, length, fd});
    return static_cast<const uint8_t*>(addr);
}

Status LibcameraCamera::State::layOut(uint32_t index, const lc::StreamConfiguration& sc,
                                      PixelFormat format) {
    const lc::FrameBuffer& buffer = *allocator->buffers(stream)[index];
    const uint32_t w = sc.size.width, h = sc.size.height, stride = sc.stride;
    // Bytes per row and rows of each plane of our format.
    const bool i420 = format == PixelFormat::I420, nv12 = format == PixelFormat::Nv12;
    const uint32_t count = i420 ? 3 : nv12 ? 2 : 1;
    const std::array<uint32_t, 3> strides{stride, i420 ? stride / 2 : stride, stride / 2};
    const std::array<uint32_t, 3> rows{h, (h + 1) / 2, (h + 1) / 2};
    FrameView& f = frames[index];
    f = FrameView{};
    f.format = format;
    f.width = w;
    f.height = h;
    f.planeCount = static_cast<uint8_t>(count);
    f.bufferIndex = index;
    const auto& planes = buffer.planes();
    if (planes.empty()) return fail(Errc::CameraFormat, "libcamera: a frame buffer has no planes");
    size_t offset = planes[0].offset;  // one plane for the whole frame: planes follow each other
    for (uint32_t i = 0; i < count; ++i) {
        const lc::FrameBuffer::Plane& p = i < planes.size() ? planes[i] : planes[0];
        if (i < planes.size()) offset = p.offset;
        const size_t bytes = size_t{strides[i]} * rows[i];
        const size_t end = i < planes.size() ? size_t{p.offset} + p.length
                                             : size_t{planes[0].offset} + planes[0].length;
        if (offset + bytes > end)
            return failf(Errc::CameraFormat, 0,
                         "libcamera: buffer %u is too small for a %ux%u %s frame (plane %u)", index,
                         w, h, to_string(format), i);
        auto base = map(buffer, p);
        if (!base) return fail(base.error());
        f.planes[i] =
            Plane{{reinterpret_cast<const std::byte*>(*base + offset), bytes}, strides[i]};
        offset += bytes;
    }
    return okStatus();
}

LibcameraCamera::LibcameraCamera(const DeviceSpec& spec) noexcept : spec_(spec) {
    info_.backend = "libcamera";
}

LibcameraCamera::~LibcameraCamera() {
    teardown();
}

Status LibcameraCamera::init() {
    teardown();
    Status s = initSteps();
    if (!s) teardown();
    return s;
}

Status LibcameraCamera::initSteps() noexcept {
    auto wanted = parseOptions(spec_);
    if (!wanted) return fail(wanted.error());
    s_ = std::make_unique<State>();
    SNAPSTAGE_TRY(s_->open(*wanted, info_));
    SNAPSTAGE_TRY(s_->configure(*wanted, info_));
    SNAPSTAGE_TRY(s_->allocate(info_));
    info_.streams = true;
    LOG_INFO("libcamera %s: %s: %s, %u buffers", libcameraVersion(), info_.name,
             s_->config->at(0).toString().c_str(), info_.bufferCount);
    return okStatus();
}

Status LibcameraCamera::State::open(const Wanted& wanted, CameraInfo& info) {
    // libcamera logs every step at INFO to stderr; keep its errors only, unless asked otherwise.
    setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
    manager = std::make_unique<lc::CameraManager>();
    if (int r = manager->start(); r < 0)
        return failf(Errc::CameraOpen, -r, "libcamera did not start: %s", std::strerror(-r));
    auto picked = pickCamera(*manager, wanted.camera);
    if (!picked) return fail(picked.error());
    camera = *picked;
    std::snprintf(info.name, sizeof info.name, "%s", camera->id().c_str());
    if (int r = camera->acquire(); r < 0)
        return failf(r == -EBUSY ? Errc::CameraBusy : Errc::CameraOpen, -r,
                     "libcamera: camera %s is %s", info.name,
                     r == -EBUSY
                         ? "busy: is another program (rpicam-*, a second snapstage) using it?"
                         : "not available");
    acquired = true;
    return okStatus();
}

Status LibcameraCamera::State::configure(const Wanted& wanted, CameraInfo& info) {
    config = camera->generateConfiguration({lc::StreamRole::StillCapture});
    if (!config || config->size() != 1)
        return failf(Errc::CameraFormat, 0, "libcamera: %s offers no still-capture stream",
                     info.name);
    lc::StreamConfiguration& sc = config->at(0);
    const lc::PixelFormat asked = chooseFormat(sc, wanted);
    if (!asked.isValid())
        return failf(Errc::CameraFormat, 0, "libcamera: %s offers %s%s (it offers: %s)", info.name,
                     wanted.formats.size() > 2 ? "" : "no ", wanted.formatName.c_str(),
                     formatNames(sc).c_str());
    sc.pixelFormat = asked;
    sc.size = lc::Size(wanted.width, wanted.height);
    sc.bufferCount = wanted.buffers;
    // A JPEG holds full-range Y'CbCr (sYCC): ask the ISP for that, not limited-range video.
    if (!isRgb(pixelFormatOf(asked))) sc.colorSpace = lc::ColorSpace::Sycc;
    if (config->validate() == lc::CameraConfiguration::Invalid)
        return failf(Errc::CameraFormat, 0, "libcamera refused %s at %ux%u on %s",
                     asked.toString().c_str(), wanted.width, wanted.height, info.name);
    if (sc.pixelFormat != asked)
        return failf(Errc::CameraFormat, 0,
                     "asked libcamera for %s at %ux%u but it chose %s instead; try another "
                     "format= or size",
                     asked.toString().c_str(), wanted.width, wanted.height,
                     sc.pixelFormat.toString().c_str());
    if (sc.size.width != wanted.width || sc.size.height != wanted.height)
        LOG_INFO("libcamera: %s: asked for %ux%u, the pipeline chose %ux%u", info.name,
                 wanted.width, wanted.height, sc.size.width, sc.size.height);
    if (!isRgb(pixelFormatOf(asked)) && sc.colorSpace &&
        sc.colorSpace->range != lc::ColorSpace::Range::Full)
        LOG_INFO("libcamera: %s delivers limited-range YUV; the photo's blacks will look flat",
                 info.name);
    if (int r = camera->configure(config.get()); r < 0)
        return failf(r == -EBUSY ? Errc::CameraBusy : Errc::CameraIo, -r,
                     "libcamera cannot configure %s: %s", info.name, std::strerror(-r));
    stream = sc.stream();
    info.width = sc.size.width;
    info.height = sc.size.height;
    info.format = pixelFormatOf(sc.pixelFormat);
    return okStatus();
}

Status LibcameraCamera::State::allocate(CameraInfo& info) {
    const lc::StreamConfiguration& sc = config->at(0);
    allocator = std::make_unique<lc::FrameBufferAllocator>(camera);
    int got = allocator->allocate(stream);
    if (got <= 0)
        return failf(Errc::NoMemory, -got,
                     "libcamera: no frame buffers for %ux%u on %s: is memory (CMA) exhausted?",
                     sc.size.width, sc.size.height, info.name);
    bufferCount = std::min(static_cast<uint32_t>(got), kMaxBuffers);
    const uint32_t minStride = isRgb(info.format) ? sc.size.width * 3 : sc.size.width;
    if (sc.stride < minStride)
        return failf(Errc::CameraFormat, 0, "libcamera reported %u bytes per line for %u pixels",
                     sc.stride, sc.size.width);
    for (uint32_t i = 0; i < bufferCount; ++i) {
        SNAPSTAGE_TRY(layOut(i, sc, info.format));
        std::unique_ptr<lc::Request> r = camera->createRequest(i);
        if (!r || r->addBuffer(stream, allocator->buffers(stream)[i].get()) < 0)
            return failf(Errc::NoMemory, 0, "libcamera: cannot make request %u for %s", i,
                         info.name);
        requests.push_back(std::move(r));
    }
    camera->requestCompleted.connect(this, &State::completed);
    info.bufferCount = bufferCount;
    return okStatus();
}

const char* libcameraVersion() noexcept {
    // "v0.0.3", "v0.5.2+rpt20250903" and the like: the number without the v.
    static const std::string version = lc::CameraManager::version();
    const char* v = version.c_str();
    return v[0] == 'v' ? v + 1 : v;
}

}  // namespace snapstage::hal
