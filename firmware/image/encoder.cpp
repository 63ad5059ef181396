// SPDX-License-Identifier: MIT
// image::Encoder on TurboJPEG: YUV planes straight into tjCompressFromYUVPlanes, RGB through
// tjCompress2, MJPEG through tjDecompressToYUVPlanes; EXIF placed in front without a copy.
#include "firmware/image/encoder.h"

#include <strings.h>
#include <turbojpeg.h>

#include <cstring>
#include <new>

#include "firmware/image/exif.h"
#include "firmware/image/planar.h"
#include "firmware/image/turbojpeg_support.h"
#include "firmware/util/log.h"

namespace snapstage::image {
namespace {

// Bytes kept free in front of the compressed stream for SOI + the EXIF APP1 segment.
constexpr size_t kHeadroom = 2048;
constexpr uint32_t kMaxSide = 16384;

struct Planar {
    const unsigned char* planes[3] = {};
    int strides[3] = {};
    int samp = TJSAMP_420;
};

int toTj(Subsampling s) noexcept {
    switch (s) {
        case Subsampling::S444:
            return TJSAMP_444;
        case Subsampling::S422:
            return TJSAMP_422;
        case Subsampling::Gray:
            return TJSAMP_GRAY;
        case Subsampling::S420:
            break;
    }
    return TJSAMP_420;
}

// Chroma divisors of a TurboJPEG subsampling: 444 (1,1), 422 (2,1), 420 (2,2), 440 (1,2), 411
// (4,1).
int divX(int samp) noexcept {
    return tjMCUWidth[samp] / 8;
}
int divY(int samp) noexcept {
    return tjMCUHeight[samp] / 8;
}

// What a source sampled at `source` is encoded as when `wanted` is configured: `wanted` when it
// only drops or averages chroma samples, otherwise the source's own (never upsample).
int outputSamp(int wanted, int source) noexcept {
    if (source == TJSAMP_GRAY || wanted == TJSAMP_GRAY) return TJSAMP_GRAY;
    if (divX(wanted) % divX(source) == 0 && divY(wanted) % divY(source) == 0) return wanted;
    return source;
}

// The largest tjBufSize() any frame up to w x h can need under `wanted`; 0 when too large.
size_t worstCaseJpegBytes(uint32_t w, uint32_t h, int wanted) noexcept {
    size_t worst = 0;
    for (int source = 0; source < TJ_NUMSAMP; ++source) {
        unsigned long n =
            tjBufSize(static_cast<int>(w), static_cast<int>(h), outputSamp(wanted, source));
        if (n == static_cast<unsigned long>(-1)) return 0;
        if (n > worst) worst = n;
    }
    return worst;
}

// Checks that plane `i` of `f` holds `rows` rows of `rowBytes`. Errors: InvalidArgument.
Status checkPlane(const ImageView& f, unsigned i, size_t rowBytes, size_t rows) noexcept {
    const Plane& p = f.planes[i];
    if (i >= f.planeCount || p.data.data() == nullptr)
        return failf(Errc::InvalidArgument, 0, "%s frame has no plane %u", to_string(f.format), i);
    if (p.strideBytes < rowBytes)
        return failf(Errc::InvalidArgument, 0,
                     "%s frame: plane %u stride %u is under a row's %zu bytes", to_string(f.format),
                     i, p.strideBytes, rowBytes);
    const size_t need = size_t{p.strideBytes} * (rows - 1) + rowBytes;
    if (p.data.size() < need)
        return failf(Errc::InvalidArgument, 0,
                     "%s frame: plane %u holds %zu bytes, a %ux%u frame needs %zu",
                     to_string(f.format), i, p.data.size(), f.width, f.height, need);
    return {};
}

const unsigned char* bytesOf(const Plane& p) noexcept {
    return reinterpret_cast<const unsigned char*>(p.data.data());
}

}  // namespace

const char* to_string(Subsampling s) noexcept {
    switch (s) {
        case Subsampling::S444:
            return "444";
        case Subsampling::S422:
            return "422";
        case Subsampling::S420:
            return "420";
        case Subsampling::Gray:
            return "gray";
    }
    return "420";
}

Result<Subsampling> parseSubsampling(std::string_view text) noexcept {
    for (auto s : {Subsampling::S444, Subsampling::S422, Subsampling::S420, Subsampling::Gray}) {
        const char* name = to_string(s);
        if (text.size() == std::strlen(name) && strncasecmp(text.data(), name, text.size()) == 0)
            return s;
    }
    return failf(Errc::InvalidArgument, 0,
                 "JPEG subsampling '%.*s' is not one of 444, 422, 420, gray",
                 static_cast<int>(text.size()), text.data());
}

struct Encoder::Impl {
    tjhandle compressor = nullptr;
    tjhandle decompressor = nullptr;  // for MJPEG frames
    std::unique_ptr<unsigned char[]> out;
    size_t outBytes = 0;
    std::unique_ptr<unsigned char[]> scratch;  // planes built from NV12, YUYV or MJPEG frames
    size_t scratchBytes = 0;
    int wanted = TJSAMP_420;
    int quality = 90;

    ~Impl() {
        if (compressor) tjDestroy(compressor);
        if (decompressor) tjDestroy(decompressor);
    }

    Result<Planar> fromI420(const ImageView& f) noexcept;
    Result<Planar> fromNv12(const ImageView& f) noexcept;
    Result<Planar> fromYuyv(const ImageView& f) noexcept;
    Result<Planar> fromMjpeg(const ImageView& f, const EncoderConfig& config, uint32_t& width,
                             uint32_t& height) noexcept;
    Result<size_t> compressPlanar(const Planar& p, uint32_t width, uint32_t height) noexcept;
    Result<size_t> compressRgb(const ImageView& f) noexcept;
    Result<std::span<const std::byte>> addExif(size_t jpegBytes, const ExifInfo& exif,
                                               uint32_t width, uint32_t height) noexcept;
};

Encoder::Encoder() noexcept = default;
Encoder::~Encoder() = default;

Status Encoder::init(const EncoderConfig& config) noexcept {
    if (config.quality < 1 || config.quality > 100)
        return failf(Errc::InvalidArgument, 0, "JPEG quality %d is not in 1..100", config.quality);
    if (config.maxWidth < 1 || config.maxHeight < 1 || config.maxWidth > kMaxSide ||
        config.maxHeight > kMaxSide)
        return failf(Errc::InvalidArgument, 0, "encoder size %ux%u: each side must be in 1..%u",
                     config.maxWidth, config.maxHeight, kMaxSide);
    impl_.reset();
    std::unique_ptr<Impl> impl(new (std::nothrow) Impl);
    if (!impl) return fail(Errc::NoMemory, "cannot allocate the JPEG encoder");
    impl->wanted = toTj(config.subsampling);
    impl->quality = config.quality;
    const size_t jpegBytes = worstCaseJpegBytes(config.maxWidth, config.maxHeight, impl->wanted);
    if (jpegBytes == 0)
        return failf(Errc::InvalidArgument, 0, "encoder size %ux%u is too large for TurboJPEG",
                     config.maxWidth, config.maxHeight);
    impl->outBytes = kHeadroom + jpegBytes;
    impl->scratchBytes = detail::tjScratchBytes(config.maxWidth, config.maxHeight);
    if (impl->scratchBytes == 0)
        return failf(Errc::InvalidArgument, 0, "encoder size %ux%u is too large for TurboJPEG",
                     config.maxWidth, config.maxHeight);
    impl->out.reset(new (std::nothrow) unsigned char[impl->outBytes]);
    impl->scratch.reset(new (std::nothrow) unsigned char[impl->scratchBytes]);
    if (!impl->out || !impl->scratch)
        return failf(Errc::NoMemory, 0, "cannot allocate %zu bytes of JPEG buffers for %ux%u",
                     impl->outBytes + impl->scratchBytes, config.maxWidth, config.maxHeight);
    impl->compressor = tjInitCompress();
    impl->decompressor = tjInitDecompress();
    if (!impl->compressor || !impl->decompressor)
        return failf(Errc::JpegEncode, 0, "cannot create a TurboJPEG instance: %s",
                     tjGetErrorStr2(nullptr));
    config_ = config;
    impl_ = std::move(impl);
    return {};
}

size_t Encoder::bufferBytes() const noexcept {
    return impl_ ? impl_->outBytes + impl_->scratchBytes : 0;
}

Result<std::span<const std::byte>> Encoder::encode(const ImageView& frame,
                                                   const ExifInfo& exif) noexcept {
    if (!impl_) return fail(Errc::Internal, "encode() called before a successful init()");
    uint32_t width = frame.width, height = frame.height;
    if (frame.format != PixelFormat::Mjpeg) {
        if (width == 0 || height == 0)
            return failf(Errc::InvalidArgument, 0, "%s frame has no pixels (%ux%u)",
                         to_string(frame.format), width, height);
        if (width > config_.maxWidth || height > config_.maxHeight)
            return failf(Errc::InvalidArgument, 0,
                         "frame is %ux%u, larger than the %ux%u the encoder was set up for", width,
                         height, config_.maxWidth, config_.maxHeight);
    }
    Result<Planar> planar = fail(Errc::Internal, "no planes");
    switch (frame.format) {
        case PixelFormat::I420:
            planar = impl_->fromI420(frame);
            break;
        case PixelFormat::Nv12:
            planar = impl_->fromNv12(frame);
            break;
        case PixelFormat::Yuyv:
            planar = impl_->fromYuyv(frame);
            break;
        case PixelFormat::Mjpeg:
            planar = impl_->fromMjpeg(frame, config_, width, height);
            break;
        case PixelFormat::Rgb24:
        case PixelFormat::Bgr24: {
            auto size = impl_->compressRgb(frame);
            if (!size) return fail(size.error());
            return impl_->addExif(*size, exif, width, height);
        }
        case PixelFormat::Unknown:
            return fail(Errc::JpegFormat, "cannot encode a frame of unknown pixel format");
    }
    if (!planar) return fail(planar.error());
    auto size = impl_->compressPlanar(*planar, width, height);
    if (!size) return fail(size.error());
    return impl_->addExif(*size, exif, width, height);
}

Result<Planar> Encoder::Impl::fromI420(const ImageView& f) noexcept {
    const auto cw = static_cast<size_t>(tjPlaneWidth(1, static_cast<int>(f.width), TJSAMP_420));
    const auto ch = static_cast<size_t>(tjPlaneHeight(1, static_cast<int>(f.height), TJSAMP_420));
    SNAPSTAGE_TRY(checkPlane(f, 0, f.width, f.height));
    SNAPSTAGE_TRY(checkPlane(f, 1, cw, ch));
    SNAPSTAGE_TRY(checkPlane(f, 2, cw, ch));
    Planar p;
    p.samp = outputSamp(wanted, TJSAMP_420);
    for (unsigned i = 1; i < 3; ++i) {
        p.planes[i] = bytesOf(f.planes[i]);
        p.strides[i] = static_cast<int>(f.planes[i].strideBytes);
    }
    p.planes[0] = detail::tjPaddedLuma(f, p.samp, scratch.get(), p.strides[0]);
    return p;
}

Result<Planar> Encoder::Impl::fromNv12(const ImageView& f) noexcept {
    const auto cw = static_cast<uint32_t>(tjPlaneWidth(1, static_cast<int>(f.width), TJSAMP_420));
    const auto ch = static_cast<uint32_t>(tjPlaneHeight(1, static_cast<int>(f.height), TJSAMP_420));
    SNAPSTAGE_TRY(checkPlane(f, 0, f.width, f.height));
    SNAPSTAGE_TRY(checkPlane(f, 1, size_t{cw} * 2, ch));
    Planar p;
    p.samp = outputSamp(wanted, TJSAMP_420);
    unsigned char* u = scratch.get();
    unsigned char* v = u + size_t{cw} * ch;
    // init() sized the scratch for U, V and a padded luma plane: TurboJPEG's own 4:2:0 planes.
    p.planes[0] = detail::tjPaddedLuma(f, p.samp, v + size_t{cw} * ch, p.strides[0]);
    if (p.samp == TJSAMP_GRAY) return p;  // luma only: leave the chroma unread
    splitNv12Chroma(bytesOf(f.planes[1]), f.planes[1].strideBytes, cw, ch, u, v);
    p.planes[1] = u;
    p.planes[2] = v;
    p.strides[1] = p.strides[2] = static_cast<int>(cw);
    return p;
}

Result<Planar> Encoder::Impl::fromYuyv(const ImageView& f) noexcept {
    if (f.width % 2) return failf(Errc::InvalidArgument, 0, "yuyv frame width %u is odd", f.width);
    SNAPSTAGE_TRY(checkPlane(f, 0, size_t{f.width} * 2, f.height));
    Planar p;
    p.samp = outputSamp(wanted, TJSAMP_422);
    const bool to420 = p.samp == TJSAMP_420;
    const uint32_t cw = f.width / 2, ch = to420 ? (f.height + 1) / 2 : f.height;
    // TurboJPEG reads 4:2:0 luma to an even height: an odd frame gets its last row repeated.
    const auto rows = static_cast<uint32_t>(tjPlaneHeight(0, static_cast<int>(f.height), p.samp));
    YuvPlanesOut dst;
    dst.y = scratch.get();
    if (p.samp != TJSAMP_GRAY) {
        dst.u = dst.y + size_t{f.width} * rows;
        dst.v = dst.u + size_t{cw} * ch;
    }
    deinterleaveYuyv(bytesOf(f.planes[0]), f.planes[0].strideBytes, f.width, f.height, to420, dst);
    if (rows > f.height)
        std::memcpy(dst.y + size_t{f.width} * f.height, dst.y + size_t{f.width} * (f.height - 1),
                    f.width);
    p.planes[0] = dst.y;
    p.planes[1] = dst.u;
    p.planes[2] = dst.v;
    p.strides[0] = static_cast<int>(f.width);
    p.strides[1] = p.strides[2] = static_cast<int>(cw);
    return p;
}

Result<Planar> Encoder::Impl::fromMjpeg(const ImageView& f, const EncoderConfig& config,
                                        uint32_t& width, uint32_t& height) noexcept {
    const Plane& src = f.planes[0];
    if (f.planeCount < 1 || src.data.empty())
        return fail(Errc::InvalidArgument, "mjpeg frame holds no bytes");
    const auto* jpeg = bytesOf(src);
    const auto jpegSize = static_cast<unsigned long>(src.data.size());
    auto header = detail::tjReadHeader(decompressor, src.data, "mjpeg frame is not a JPEG");
    if (!header) return fail(header.error());
    const int w = header->width, h = header->height, samp = header->subsampling;
    if (header->colorspace == TJCS_CMYK || header->colorspace == TJCS_YCCK || samp < 0 ||
        samp >= TJ_NUMSAMP)
        return fail(Errc::JpegFormat, "mjpeg frame is CMYK or has an unknown sampling");
    width = static_cast<uint32_t>(w);
    height = static_cast<uint32_t>(h);
    if (width > config.maxWidth || height > config.maxHeight)
        return failf(Errc::InvalidArgument, 0,
                     "frame is %ux%u, larger than the %ux%u the encoder was set up for", width,
                     height, config.maxWidth, config.maxHeight);
    // TurboJPEG writes whole padded planes; init() sized the scratch for the worst of them.
    if (detail::tjYuvPlanesBytes(width, height, samp) > scratchBytes)
        return fail(Errc::Internal, "scratch buffer smaller than TurboJPEG's planes");
    Planar p;
    unsigned char* planes[3] = {scratch.get(), nullptr, nullptr};
    const int components = samp == TJSAMP_GRAY ? 1 : 3;
    for (int c = 0; c < components; ++c) {
        p.strides[c] = tjPlaneWidth(c, w, samp);
        if (c > 0) planes[c] = planes[c - 1] + tjPlaneSizeYUV(c - 1, w, 0, h, samp);
    }
    if (tjDecompressToYUVPlanes(decompressor, jpeg, jpegSize, planes, w, p.strides, h,
                                TJFLAG_LIMITSCANS) != 0) {
        if (!detail::tjLastWasWarning(decompressor))
            return detail::tjFailure(decompressor, Errc::JpegDecode, "mjpeg frame is damaged");
        // A warning means the whole frame was decoded but some data was bad (common with USB
        // cameras); the picture is kept and the damage reported.
        LOG_WARN("mjpeg frame decoded with damage: %s", detail::tjLastMessage(decompressor));
    }
    p.samp = outputSamp(wanted, samp);
    if (p.samp != samp && p.samp != TJSAMP_GRAY) {
        const auto fx = static_cast<uint32_t>(divX(p.samp) / divX(samp));
        const auto fy = static_cast<uint32_t>(divY(p.samp) / divY(samp));
        for (int c = 1; c < 3; ++c)
            downsamplePlaneInPlace(planes[c], static_cast<uint32_t>(p.strides[c]),
                                   static_cast<uint32_t>(tjPlaneHeight(c, h, samp)), fx, fy);
        p.strides[1] = p.strides[2] = tjPlaneWidth(1, w, p.samp);
    }
    for (int c = 0; c < 3; ++c)
        p.planes[c] = planes[c];
    return p;
}

Result<size_t> Encoder::Impl::compressPlanar(const Planar& p, uint32_t width,
                                             uint32_t height) noexcept {
    const int w = static_cast<int>(width), h = static_cast<int>(height);
    // TJFLAG_NOREALLOC makes TurboJPEG assume tjBufSize() bytes; init() sized for the worst.
    if (tjBufSize(w, h, p.samp) > outBytes - kHeadroom)
        return fail(Errc::Internal, "JPEG buffer smaller than TurboJPEG's worst case");
    unsigned char* dst = out.get() + kHeadroom;
    unsigned long size = 0;
    const unsigned char* planes[3] = {p.planes[0], p.planes[1], p.planes[2]};
    if (tjCompressFromYUVPlanes(compressor, planes, w, p.strides, h, p.samp, &dst, &size, quality,
                                TJFLAG_NOREALLOC) != 0)
        return detail::tjFailure(compressor, Errc::JpegEncode, "cannot compress the frame");
    return static_cast<size_t>(size);
}

Result<size_t> Encoder::Impl::compressRgb(const ImageView& f) noexcept {
    SNAPSTAGE_TRY(checkPlane(f, 0, size_t{f.width} * 3, f.height));
    const int w = static_cast<int>(f.width), h = static_cast<int>(f.height);
    if (tjBufSize(w, h, wanted) > outBytes - kHeadroom)
        return fail(Errc::Internal, "JPEG buffer smaller than TurboJPEG's worst case");
    unsigned char* dst = out.get() + kHeadroom;
    unsigned long size = 0;
    if (tjCompress2(compressor, bytesOf(f.planes[0]), w, static_cast<int>(f.planes[0].strideBytes),
                    h, f.format == PixelFormat::Bgr24 ? TJPF_BGR : TJPF_RGB, &dst, &size, wanted,
                    quality, TJFLAG_NOREALLOC) != 0)
        return detail::tjFailure(compressor, Errc::JpegEncode, "cannot compress the frame");
    return static_cast<size_t>(size);
}

Result<std::span<const std::byte>> Encoder::Impl::addExif(size_t jpegBytes, const ExifInfo& exif,
                                                          uint32_t width,
                                                          uint32_t height) noexcept {
    unsigned char* jpeg = out.get() + kHeadroom;
    if (jpegBytes < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        return fail(Errc::JpegEncode, "TurboJPEG output does not start with SOI");
    // The APP1 goes where TurboJPEG's JFIF APP0 was: an Exif file (as cameras write) whose first
    // segment is APP1, with the JFIF segment dropped rather than copied around.
    size_t keepFrom = kHeadroom + 2;
    if (jpeg[2] == 0xFF && jpeg[3] == 0xE0 && jpegBytes >= 11 &&
        std::memcmp(jpeg + 6, "JFIF", 5) == 0) {
        const size_t app0 = 2 + (size_t{jpeg[4]} << 8 | jpeg[5]);
        if (2 + app0 < jpegBytes) keepFrom += app0;
    }
    const ExifFields fields{exif, width, height};
    const size_t app1 = exifApp1Size(fields);
    if (app1 + 2 > keepFrom)
        return failf(Errc::Overflow, 0,
                     "EXIF segment of %zu bytes exceeds the %zu reserved: shorten the make or "
                     "model",
                     app1, kHeadroom - 2);
    const size_t start = keepFrom - app1 - 2;
    auto* base = reinterpret_cast<std::byte*>(out.get());
    auto written = writeExifApp1(std::span<std::byte>(base + start + 2, app1), fields);
    if (!written) return fail(written.error());
    base[start] = std::byte{0xFF};
    base[start + 1] = std::byte{0xD8};
    return std::span<const std::byte>(base + start, kHeadroom + jpegBytes - start);
}

}  // namespace snapstage::image
