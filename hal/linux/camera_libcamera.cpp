// SPDX-License-Identifier: MIT
// The libcamera camera: set-up (camera, stream configuration, mapped buffers, requests) and still
// capture. The only file that includes libcamera's headers. It keeps to the API that Debian 12's
// 0.0.3 and Raspberry Pi OS's 0.5 and newer share; a difference met goes in an #if here.
#include "hal/linux/camera_libcamera.h"

#include <libcamera/libcamera.h>
#include <libcamera/version.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "firmware/util/log.h"

namespace snapstage::hal {
namespace {

namespace lc = libcamera;

constexpr uint32_t kMaxBuffers = 16;
constexpr uint32_t kMaxSide = 16384;
constexpr uint32_t kMaxSkippedInARow = 30;  // start-up frames while the pipeline settles

// Our pixel format for a libcamera one, Unknown for the rest. libcamera names formats as DRM
// does, by little-endian words: BGR888 is R, G, B in memory.
PixelFormat pixelFormatOf(const lc::PixelFormat& f) noexcept {
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

}  // namespace

struct LibcameraCamera::State {
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

    Result<const uint8_t*> map(const lc::FrameBuffer& buffer, const lc::FrameBuffer::Plane& plane);
    Status layOut(uint32_t index, const lc::StreamConfiguration& sc, PixelFormat format);
};

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

namespace {

struct Wanted {
    const std::string* camera = nullptr;
    PixelFormat format = PixelFormat::Unknown;  // Unknown: the preference order; Rgb24: any RGB
    uint32_t width = 0, height = 0, buffers = 0;
};

Result<Wanted> parseOptions(const DeviceSpec& spec) noexcept {
    SNAPSTAGE_TRY(spec.checkKnown({"camera", "format", "width", "height", "buffers"}));
    Wanted r;
    r.camera = spec.option("camera");
    if (const std::string* f = spec.option("format")) {
        if (*f == "yuv420" || *f == "i420")
            r.format = PixelFormat::I420;
        else if (*f == "nv12")
            r.format = PixelFormat::Nv12;
        else if (*f == "rgb")
            r.format = PixelFormat::Rgb24;
        else
            return failf(Errc::CameraFormat, 0,
                         "libcamera: format must be yuv420, nv12 or rgb, not '%s'", f->c_str());
    }
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
                    "libcamera finds no camera: is it connected (ribbon cable the right way "
                    "round), enabled, and not listed by `cam -l` either?");
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

// The libcamera format to ask for: the one requested, else the first offered of our order.
lc::PixelFormat chooseFormat(const lc::StreamConfiguration& sc, PixelFormat wanted) {
    const std::vector<lc::PixelFormat> offered = sc.formats().pixelformats();
    const lc::PixelFormat order[] = {lc::formats::YUV420, lc::formats::NV12, lc::formats::BGR888,
                                     lc::formats::RGB888};
    for (const lc::PixelFormat& f : order) {
        PixelFormat ours = pixelFormatOf(f);
        bool fits = wanted == PixelFormat::Unknown || ours == wanted ||
                    (wanted == PixelFormat::Rgb24 && ours == PixelFormat::Bgr24);
        if (!fits) continue;
        for (const lc::PixelFormat& o : offered)
            if (o == f) return f;
    }
    return lc::PixelFormat();
}

std::string formatNames(const lc::StreamConfiguration& sc) {
    std::string names;
    for (const lc::PixelFormat& f : sc.formats().pixelformats())
        if (names.size() < 160) names += (names.empty() ? "" : " ") + f.toString();
    return names.empty() ? "nothing" : names;
}

}  // namespace

Status LibcameraCamera::initSteps() noexcept {
    auto request = parseOptions(spec_);
    if (!request) return fail(request.error());
    // libcamera logs every step at INFO to stderr; keep its errors only, unless asked otherwise.
    setenv("LIBCAMERA_LOG_LEVELS", "*:ERROR", 0);
    s_ = std::make_unique<State>();
    State& s = *s_;
    s.manager = std::make_unique<lc::CameraManager>();
    if (int r = s.manager->start(); r < 0)
        return failf(Errc::CameraOpen, -r, "libcamera did not start: %s", std::strerror(-r));
    auto camera = pickCamera(*s.manager, request->camera);
    if (!camera) return fail(camera.error());
    s.camera = *camera;
    std::snprintf(info_.name, sizeof info_.name, "%s", s.camera->id().c_str());
    if (int r = s.camera->acquire(); r < 0)
        return failf(r == -EBUSY ? Errc::CameraBusy : Errc::CameraOpen, -r,
                     "libcamera: camera %s is %s", info_.name,
                     r == -EBUSY
                         ? "busy: is another program (rpicam-*, a second snapstage) using it?"
                         : "not available");
    s.acquired = true;
    s.config = s.camera->generateConfiguration({lc::StreamRole::StillCapture});
    if (!s.config || s.config->size() != 1)
        return failf(Errc::CameraFormat, 0, "libcamera: %s offers no still-capture stream",
                     info_.name);
    lc::StreamConfiguration& sc = s.config->at(0);
    const lc::PixelFormat asked = chooseFormat(sc, request->format);
    if (!asked.isValid())
        return failf(Errc::CameraFormat, 0, "libcamera: %s offers %s%s (it offers: %s)", info_.name,
                     request->format == PixelFormat::Unknown ? "none of " : "no ",
                     request->format == PixelFormat::Unknown ? "yuv420, nv12, rgb"
                     : request->format == PixelFormat::Rgb24 ? "rgb"
                                                             : to_string(request->format),
                     formatNames(sc).c_str());
    sc.pixelFormat = asked;
    sc.size = lc::Size(request->width, request->height);
    sc.bufferCount = request->buffers;
    // A JPEG holds full-range Y'CbCr (sYCC): ask the ISP for that, not limited-range video.
    if (pixelFormatOf(asked) == PixelFormat::I420 || pixelFormatOf(asked) == PixelFormat::Nv12)
        sc.colorSpace = lc::ColorSpace::Sycc;
    if (s.config->validate() == lc::CameraConfiguration::Invalid)
        return failf(Errc::CameraFormat, 0, "libcamera refused %s at %ux%u on %s",
                     asked.toString().c_str(), request->width, request->height, info_.name);
    if (sc.pixelFormat != asked)
        return failf(Errc::CameraFormat, 0,
                     "asked libcamera for %s at %ux%u but it chose %s instead; try another "
                     "format= or size",
                     asked.toString().c_str(), request->width, request->height,
                     sc.pixelFormat.toString().c_str());
    if (sc.size.width != request->width || sc.size.height != request->height)
        LOG_INFO("libcamera: %s: asked for %ux%u, the pipeline chose %ux%u", info_.name,
                 request->width, request->height, sc.size.width, sc.size.height);
    if (sc.colorSpace && sc.colorSpace->range != lc::ColorSpace::Range::Full &&
        pixelFormatOf(asked) != PixelFormat::Rgb24 && pixelFormatOf(asked) != PixelFormat::Bgr24)
        LOG_INFO("libcamera: %s delivers limited-range YUV; the photo's blacks will look flat",
                 info_.name);
    if (int r = s.camera->configure(s.config.get()); r < 0)
        return failf(r == -EBUSY ? Errc::CameraBusy : Errc::CameraIo, -r,
                     "libcamera cannot configure %s: %s", info_.name, std::strerror(-r));
    s.stream = sc.stream();
    s.allocator = std::make_unique<lc::FrameBufferAllocator>(s.camera);
    int got = s.allocator->allocate(s.stream);
    if (got <= 0)
        return failf(Errc::NoMemory, -got,
                     "libcamera: no frame buffers for %ux%u on %s: is memory (CMA) exhausted?",
                     sc.size.width, sc.size.height, info_.name);
    s.bufferCount = std::min(static_cast<uint32_t>(got), kMaxBuffers);
    const PixelFormat format = pixelFormatOf(sc.pixelFormat);
    const uint32_t minStride = format == PixelFormat::Rgb24 || format == PixelFormat::Bgr24
                                   ? sc.size.width * 3
                                   : sc.size.width;
    if (sc.stride < minStride)
        return failf(Errc::CameraFormat, 0, "libcamera reported %u bytes per line for %u pixels",
                     sc.stride, sc.size.width);
    for (uint32_t i = 0; i < s.bufferCount; ++i) {
        SNAPSTAGE_TRY(s.layOut(i, sc, format));
        std::unique_ptr<lc::Request> r = s.camera->createRequest(i);
        if (!r || r->addBuffer(s.stream, s.allocator->buffers(s.stream)[i].get()) < 0)
            return failf(Errc::NoMemory, 0, "libcamera: cannot make request %u for %s", i,
                         info_.name);
        s.requests.push_back(std::move(r));
    }
    s.camera->requestCompleted.connect(&s, &State::completed);
    info_.width = sc.size.width;
    info_.height = sc.size.height;
    info_.format = format;
    info_.bufferCount = s.bufferCount;
    LOG_INFO("libcamera %s: %s: %s, %u buffers", libcameraVersion(), info_.name,
             sc.toString().c_str(), s.bufferCount);
    return okStatus();
}

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

const char* libcameraVersion() noexcept {
    // "v0.0.3", "v0.5.2+rpt20250903" and the like: the number without the v.
    static const std::string version = lc::CameraManager::version();
    const char* v = version.c_str();
    return v[0] == 'v' ? v + 1 : v;
}

}  // namespace snapstage::hal
