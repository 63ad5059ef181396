// SPDX-License-Identifier: MIT
// image::Decoder on TurboJPEG: header probe, scale choice among tjGetScalingFactors(), RGB decode
// into the buffer allocated at init().
#include "firmware/image/decoder.h"

#include <turbojpeg.h>

#include <new>

#include "firmware/image/turbojpeg_support.h"
#include "firmware/util/log.h"

namespace snapstage::image {
namespace {

constexpr uint32_t kMaxBoxSide = 16384;

uint32_t scaled(uint32_t dim, const tjscalingfactor& sf) noexcept {
    // TJSCALED() in 64-bit arithmetic.
    const auto num = static_cast<uint64_t>(sf.num), denom = static_cast<uint64_t>(sf.denom);
    return static_cast<uint32_t>((dim * num + denom - 1) / denom);
}

}  // namespace

Result<ScaledSize> fitScale(uint32_t width, uint32_t height, uint32_t boxWidth,
                            uint32_t boxHeight) noexcept {
    if (width == 0 || height == 0 || boxWidth == 0 || boxHeight == 0)
        return failf(Errc::InvalidArgument, 0, "cannot fit %ux%u into %ux%u", width, height,
                     boxWidth, boxHeight);
    int count = 0;
    const tjscalingfactor* factors = tjGetScalingFactors(&count);
    const tjscalingfactor* best = nullptr;
    for (int i = 0; factors && i < count; ++i) {
        const tjscalingfactor& sf = factors[i];
        if (sf.num > sf.denom) continue;  // never enlarge
        if (scaled(width, sf) > boxWidth || scaled(height, sf) > boxHeight) continue;
        if (!best || sf.num * best->denom > best->num * sf.denom) best = &sf;
    }
    if (!best)
        return failf(Errc::Overflow, 0, "a %ux%u image does not fit %ux%u even at 1/8", width,
                     height, boxWidth, boxHeight);
    return ScaledSize{scaled(width, *best), scaled(height, *best), static_cast<uint32_t>(best->num),
                      static_cast<uint32_t>(best->denom)};
}

struct Decoder::Impl {
    tjhandle decompressor = nullptr;
    std::unique_ptr<unsigned char[]> rgb;
    size_t rgbBytes = 0;

    ~Impl() {
        if (decompressor) tjDestroy(decompressor);
    }
};

Decoder::Decoder() noexcept = default;
Decoder::~Decoder() = default;

Status Decoder::init(const DecoderConfig& config) noexcept {
    if (config.maxOutputWidth < 1 || config.maxOutputHeight < 1 ||
        config.maxOutputWidth > kMaxBoxSide || config.maxOutputHeight > kMaxBoxSide)
        return failf(Errc::InvalidArgument, 0, "decoder box %ux%u: each side must be in 1..%u",
                     config.maxOutputWidth, config.maxOutputHeight, kMaxBoxSide);
    impl_.reset();
    std::unique_ptr<Impl> impl(new (std::nothrow) Impl);
    if (!impl) return fail(Errc::NoMemory, "cannot allocate the JPEG decoder");
    impl->rgbBytes = size_t{config.maxOutputWidth} * config.maxOutputHeight * 3;
    impl->rgb.reset(new (std::nothrow) unsigned char[impl->rgbBytes]);
    if (!impl->rgb)
        return failf(Errc::NoMemory, 0, "cannot allocate %zu bytes for a %ux%u RGB image",
                     impl->rgbBytes, config.maxOutputWidth, config.maxOutputHeight);
    impl->decompressor = tjInitDecompress();
    if (!impl->decompressor)
        return failf(Errc::JpegDecode, 0, "cannot create a TurboJPEG decompressor: %s",
                     tjGetErrorStr2(nullptr));
    config_ = config;
    impl_ = std::move(impl);
    return {};
}

Result<ImageView> Decoder::probe(std::span<const std::byte> jpeg) noexcept {
    if (!impl_) return fail(Errc::Internal, "probe() called before a successful init()");
    auto header = detail::tjReadHeader(impl_->decompressor, jpeg, "not a readable JPEG");
    if (!header) return fail(header.error());
    ImageView view;
    view.format = PixelFormat::Mjpeg;
    view.width = static_cast<uint32_t>(header->width);
    view.height = static_cast<uint32_t>(header->height);
    view.planes[0] = Plane{jpeg, 0};
    view.planeCount = 1;
    return view;
}

Result<ScaledSize> Decoder::outputSize(std::span<const std::byte> jpeg, uint32_t boxWidth,
                                       uint32_t boxHeight) noexcept {
    auto header = probe(jpeg);
    if (!header) return fail(header.error());
    if (uint64_t{header->width} * header->height > kMaxPixels)
        return failf(Errc::JpegDecode, 0, "JPEG is %ux%u, over the %llu-pixel limit", header->width,
                     header->height, static_cast<unsigned long long>(kMaxPixels));
    boxWidth = boxWidth < config_.maxOutputWidth ? boxWidth : config_.maxOutputWidth;
    boxHeight = boxHeight < config_.maxOutputHeight ? boxHeight : config_.maxOutputHeight;
    return fitScale(header->width, header->height, boxWidth, boxHeight);
}

Result<ImageView> Decoder::decode(std::span<const std::byte> jpeg, uint32_t boxWidth,
                                  uint32_t boxHeight) noexcept {
    auto size = outputSize(jpeg, boxWidth, boxHeight);
    if (!size) return fail(size.error());
    const auto pitch = size->width * 3;
    tjhandle tj = impl_->decompressor;
    if (tjDecompress2(tj, reinterpret_cast<const unsigned char*>(jpeg.data()),
                      static_cast<unsigned long>(jpeg.size()), impl_->rgb.get(),
                      static_cast<int>(size->width), static_cast<int>(pitch),
                      static_cast<int>(size->height), TJPF_RGB, TJFLAG_LIMITSCANS) != 0) {
        if (!detail::tjLastWasWarning(tj))
            return detail::tjFailure(tj, Errc::JpegDecode, "cannot decode the JPEG");
        LOG_WARN("JPEG decoded with damage: %s", detail::tjLastMessage(tj));
    }
    ImageView view;
    view.format = PixelFormat::Rgb24;
    view.width = size->width;
    view.height = size->height;
    view.planes[0] =
        Plane{std::span<const std::byte>(reinterpret_cast<std::byte*>(impl_->rgb.get()),
                                         size_t{pitch} * size->height),
              pitch};
    view.planeCount = 1;
    return view;
}

Result<ScaledSize> Decoder::decode32(std::span<const std::byte> jpeg, uint8_t* pixels,
                                     uint32_t pitchBytes, size_t capacityBytes, uint32_t boxWidth,
                                     uint32_t boxHeight, bool redFirst) noexcept {
    auto size = outputSize(jpeg, boxWidth, boxHeight);
    if (!size) return fail(size.error());
    if (pitchBytes < size->width * 4 ||
        uint64_t{pitchBytes} * (size->height - 1) + size->width * 4 > capacityBytes)
        return fail(Errc::InvalidArgument, "the decoded image does not fit the rows given");
    tjhandle tj = impl_->decompressor;
    if (tjDecompress2(tj, reinterpret_cast<const unsigned char*>(jpeg.data()),
                      static_cast<unsigned long>(jpeg.size()), pixels,
                      static_cast<int>(size->width), static_cast<int>(pitchBytes),
                      static_cast<int>(size->height), redFirst ? TJPF_RGBX : TJPF_BGRX,
                      TJFLAG_LIMITSCANS) != 0) {
        if (!detail::tjLastWasWarning(tj))
            return detail::tjFailure(tj, Errc::JpegDecode, "cannot decode the JPEG");
        LOG_WARN("JPEG decoded with damage: %s", detail::tjLastMessage(tj));
    }
    return *size;
}

}  // namespace snapstage::image
