// SPDX-License-Identifier: MIT
// The kiosk screens.
#include "firmware/ui/screens.h"

#include "firmware/ui/qr.h"

#include <algorithm>
#include <cstdio>

namespace snapstage::ui {
namespace {

constexpr Rgb kBackground{18, 22, 28};
constexpr Rgb kText{240, 240, 240};
constexpr Rgb kDim{150, 160, 170};
constexpr Rgb kAccent{0, 160, 220};
constexpr Rgb kTrack{55, 62, 72};
constexpr Rgb kError{235, 90, 80};

const char* defaultTitle(ScreenKind k) {
    switch (k) {
        case ScreenKind::Ready:
            return "Ready";
        case ScreenKind::Countdown:
            return "Get ready";
        case ScreenKind::Capture:
            return "Smile!";
        case ScreenKind::Uploading:
            return "Sending the photo";
        case ScreenKind::Processing:
            return "Staging the room";
        case ScreenKind::Result:
            return "Before and after";
        case ScreenKind::Error:
            return "Something went wrong";
        case ScreenKind::Photo:
            return "";
    }
    return "";
}

// "1.2 MB" into out.
void sizeText(char* out, size_t cap, double bytes) {
    if (bytes >= 1e6)
        std::snprintf(out, cap, "%.1f MB", bytes / 1e6);
    else
        std::snprintf(out, cap, "%.0f kB", bytes / 1e3);
}

}  // namespace

const char* to_string(ScreenKind k) noexcept {
    constexpr const char* kNames[] = {"ready",      "countdown", "capture", "uploading",
                                      "processing", "result",    "error",   "photo"};
    return kNames[static_cast<int>(k)];
}

uint32_t titleScale(int32_t height) noexcept {
    return static_cast<uint32_t>(std::max(1, height / 540));
}

uint32_t bodyScale(int32_t height) noexcept {
    return static_cast<uint32_t>(std::max(1, (height + 120) / 400));
}

Status Screens::init(uint32_t screenWidth, uint32_t screenHeight) noexcept {
    screenWidth_ = screenWidth;
    screenHeight_ = screenHeight;
    return decoder_.init({screenWidth, screenHeight});
}

Status Screens::initPreview(PixelFormat format, image::ScalePath path) noexcept {
    // MJPEG frames are decoded to RGB (at the largest DCT scale that fits the screen), then
    // scaled to the preview exactly like an RGB camera's.
    if (format == PixelFormat::Mjpeg) format = PixelFormat::Rgb24;
    return preview_.init(format, screenWidth_, screenHeight_, path);
}

Rect Screens::drawPreview(Canvas& c, const ImageView& frame, Rect box, Status& st) noexcept {
    box.x = std::max(box.x, 0);
    box.y = std::max(box.y, 0);
    box.w = std::min(box.w, c.width() - box.x);
    box.h = std::min(box.h, c.height() - box.y);
    if (box.w <= 0 || box.h <= 0) return {};
    if (frame.format == PixelFormat::Mjpeg) {
        auto rgb = decoder_.decode(frame.planes[0].data, screenWidth_, screenHeight_);
        if (!rgb) {
            st = fail(rgb.error());
            return {};
        }
        return drawPreview(c, *rgb, box, st);
    }
    const image::Letterbox l = image::letterbox(
        frame.width, frame.height, static_cast<uint32_t>(box.w), static_cast<uint32_t>(box.h));
    const hal::DisplayFrame& f = c.frame();
    const bool rgb565 = f.format == hal::DisplayFormat::Rgb565;
    const auto x = static_cast<uint32_t>(box.x) + l.x, y = static_cast<uint32_t>(box.y) + l.y;
    image::RgbRows rows{f.pixels + size_t{y} * f.strideBytes + size_t{x} * (rgb565 ? 2 : 4),
                        l.width, l.height, f.strideBytes,
                        rgb565                                     ? image::RgbLayout::Rgb565
                        : f.format == hal::DisplayFormat::Xbgr8888 ? image::RgbLayout::Xbgr8888
                                                                   : image::RgbLayout::Xrgb8888};
    if (Status d = preview_.draw(frame, rows); !d) {
        st = d;
        return {};
    }
    return {static_cast<int32_t>(x), static_cast<int32_t>(y), static_cast<int32_t>(l.width),
            static_cast<int32_t>(l.height)};
}

Rect Screens::drawImage(Canvas& c, std::span<const std::byte> jpeg, Rect box, Status& st) noexcept {
    if (jpeg.empty() || box.w <= 0 || box.h <= 0) return {};
    const hal::DisplayFrame& f = c.frame();
    if (f.format != hal::DisplayFormat::Rgb565) {
        // Decoded straight into the frame, centred in the box.
        auto probe = decoder_.probe(jpeg);
        auto fit = probe
                       ? image::fitScale(probe->width, probe->height, static_cast<uint32_t>(box.w),
                                         static_cast<uint32_t>(box.h))
                       : Result<image::ScaledSize>(fail(probe.error()));
        if (!fit) {
            st = fail(fit.error());
            return {};
        }
        int32_t x = box.x + (box.w - static_cast<int32_t>(fit->width)) / 2;
        int32_t y = box.y + (box.h - static_cast<int32_t>(fit->height)) / 2;
        size_t offset = static_cast<size_t>(y) * f.strideBytes + 4 * static_cast<size_t>(x);
        size_t capacity = static_cast<size_t>(f.strideBytes) * f.height - offset;
        auto got = decoder_.decode32(jpeg, f.pixels + offset, f.strideBytes, capacity,
                                     static_cast<uint32_t>(box.w), static_cast<uint32_t>(box.h),
                                     f.format == hal::DisplayFormat::Xbgr8888);
        if (!got) {
            st = fail(got.error());
            return {};
        }
        return {x, y, static_cast<int32_t>(got->width), static_cast<int32_t>(got->height)};
    }
    auto rgb = decoder_.decode(jpeg, static_cast<uint32_t>(box.w), static_cast<uint32_t>(box.h));
    if (!rgb) {
        st = fail(rgb.error());
        return {};
    }
    int32_t x = box.x + (box.w - static_cast<int32_t>(rgb->width)) / 2;
    int32_t y = box.y + (box.h - static_cast<int32_t>(rgb->height)) / 2;
    c.image(*rgb, x, y);
    return {x, y, static_cast<int32_t>(rgb->width), static_cast<int32_t>(rgb->height)};
}

Result<ScreenLayout> Screens::render(const ScreenState& s,
                                     const hal::DisplayFrame& frame) noexcept {
    Canvas c(frame);
    ScreenLayout out;
    const int32_t w = c.width(), h = c.height();
    const int32_t margin = std::max(8, h / 24);
    const uint32_t ts = titleScale(h), bs = bodyScale(h);
    const BitmapFont& big = kFontLarge;
    const BitmapFont& small = kFontSmall;
    Status st = okStatus();
    if (s.kind == ScreenKind::Photo) {
        // The picture first, then the background around it: each pixel is written once.
        out.after = drawImage(c, s.after, c.bounds(), st);
        if (!st) {
            c.fill(c.bounds(), kBackground);
            return fail(st.error());
        }
        c.fillAround(c.bounds(), out.after, kBackground);
        return out;
    }
    c.fill(c.bounds(), kBackground);
    std::string_view title = s.title.empty() ? defaultTitle(s.kind) : s.title;
    out.title =
        c.text(margin, margin, title, big, ts, s.kind == ScreenKind::Error ? kError : kText);
    Rect body{margin, out.title.bottom() + margin / 2, w - 2 * margin, 0};
    body.h = h - margin - body.y;
    if (!s.message.empty()) {
        out.message = c.paragraph(body, s.message, small, bs, kDim);
        body.y = out.message.bottom() + margin / 2;
        body.h = h - margin - body.y;
    }
    char line[160];
    switch (s.kind) {
        case ScreenKind::Ready: {
            int32_t y = body.y + margin;
            for (size_t i = 0; i < s.choices.size(); ++i) {
                const Choice& ch = s.choices[i];
                bool focus = static_cast<int>(i) == s.focused;
                std::snprintf(line, sizeof line, "%s%.*s: %.*s%s", focus ? "< " : "  ",
                              static_cast<int>(ch.label.size()), ch.label.data(),
                              static_cast<int>(ch.value.size()), ch.value.data(),
                              focus ? " >" : "");
                Rect r = c.text(margin, y, line, big, ts, focus ? kAccent : kText);
                y = r.bottom() + margin / 2;
            }
            // The camera live, in what is left below the chooser.
            if (s.preview) {
                y += margin / 2;
                out.preview =
                    drawPreview(c, *s.preview, {margin, y, w - 2 * margin, h - margin - y}, st);
            }
            break;
        }
        case ScreenKind::Countdown: {
            if (s.preview) out.preview = drawPreview(c, *s.preview, body, st);  // behind the number
            std::snprintf(line, sizeof line, "%d", s.countdown);
            uint32_t scale = static_cast<uint32_t>(std::max(1, body.h / 2 / 32));
            out.countdown = c.textCentered(body, line, big, scale, kAccent);
            break;
        }
        case ScreenKind::Capture:
            c.fill({margin, body.y, w - 2 * margin, body.h}, kText);  // the flash
            break;
        case ScreenKind::Uploading: {
            int32_t barH = std::max(12, h / 20);
            out.bar = {margin, body.y + margin, w - 2 * margin, barH};
            double part =
                s.total ? std::min(1.0, static_cast<double>(s.sent) / static_cast<double>(s.total))
                        : 0.0;
            out.barFilled = {out.bar.x, out.bar.y, static_cast<int32_t>(out.bar.w * part + 0.5),
                             barH};
            c.fill(out.bar, kTrack);
            c.fill(out.barFilled, kAccent);
            char sent[24], total[24];
            sizeText(sent, sizeof sent, static_cast<double>(s.sent));
            sizeText(total, sizeof total, static_cast<double>(s.total));
            int n = s.total ? std::snprintf(line, sizeof line, "%d %%  %s of %s",
                                            static_cast<int>(part * 100), sent, total)
                            : std::snprintf(line, sizeof line, "Connecting to the service");
            if (s.bytesPerSecond > 0 && n > 0 && static_cast<size_t>(n) < sizeof line) {
                char rate[24];
                sizeText(rate, sizeof rate, s.bytesPerSecond);
                n += std::snprintf(line + n, sizeof line - static_cast<size_t>(n), ", %s/s", rate);
            }
            if (s.etaS >= 0 && n > 0 && static_cast<size_t>(n) < sizeof line)
                std::snprintf(line + n, sizeof line - static_cast<size_t>(n), ", %llds left",
                              static_cast<long long>(s.etaS));
            Rect r = c.text(margin, out.bar.bottom() + margin / 2, line, small, bs, kText);
            // The photo being sent, below.
            Rect rest{margin, r.bottom() + margin, w - 2 * margin,
                      h - margin - r.bottom() - margin};
            out.before = drawImage(c, s.before, rest, st);
            break;
        }
        case ScreenKind::Processing: {
            if (s.etaS > 0)
                std::snprintf(line, sizeof line, "About %lld s to go",
                              static_cast<long long>(s.etaS));
            else
                std::snprintf(line, sizeof line, "Working on it: %lld s so far",
                              static_cast<long long>(s.elapsedS));
            Rect r = c.text(margin, body.y + margin, line, big, ts, kText);
            Rect rest{margin, r.bottom() + margin, w - 2 * margin,
                      h - margin - r.bottom() - margin};
            out.before = drawImage(c, s.before, rest, st);
            break;
        }
        case ScreenKind::Result: {
            int32_t captionH = static_cast<int32_t>(small.height * bs) + margin / 2;
            Rect area{margin, body.y, w - 2 * margin, body.h - captionH};
            if (s.afterOnly) {
                out.after = drawImage(c, s.after, area, st);
                c.text(margin, area.bottom() + margin / 4, "After  (press to see before)", small,
                       bs, kDim);
            } else {
                int32_t half = (area.w - margin) / 2;
                out.before = drawImage(c, s.before, {area.x, area.y, half, area.h}, st);
                out.after =
                    drawImage(c, s.after, {area.x + half + margin, area.y, half, area.h}, st);
                c.text(area.x, area.bottom() + margin / 4, "Before", small, bs, kDim);
                c.text(area.x + half + margin, area.bottom() + margin / 4, "After", small, bs,
                       kDim);
            }
            if (!s.link.empty()) {
                // A QR code of the public result in the bottom-right corner, over the margin.
                int32_t side = std::min(h / 4, w / 6);
                out.qr =
                    drawQr(c, s.link, {w - side - margin / 2, h - side - margin / 2, side, side});
            }
            break;
        }
        case ScreenKind::Error:
        case ScreenKind::Photo:
            break;
    }
    if (!st) return fail(st.error());
    return out;
}

}  // namespace snapstage::ui
