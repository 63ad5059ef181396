// SPDX-License-Identifier: MIT
// The kiosk's screens, drawn into a display frame with no allocation per frame: ready (with the
// chooser of what the service will do), countdown, capture, uploading (progress bar and
// percentage), processing (with the service's ETA), the result (before and after, side by side
// or one at a time) and errors in plain words. The ready screen can show the camera live below
// the chooser, and the countdown behind its number. Sizes follow the screen, from 800x480 to
// 1920x1080.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/image/decoder.h"
#include "firmware/image/preview.h"
#include "firmware/ui/canvas.h"
#include "firmware/util/result.h"

namespace snapstage::ui {

enum class ScreenKind : uint8_t {
    Ready,
    Countdown,
    Capture,
    Uploading,
    Processing,
    Result,
    Error,
    Photo,  // one image on the whole screen (`snapstage show`)
};
const char* to_string(ScreenKind k) noexcept;

// One row of the chooser on the ready screen ("Room: Living room").
struct Choice {
    std::string_view label;
    std::string_view value;
};

// What a screen shows. Views are borrowed for the render() call.
struct ScreenState {
    ScreenKind kind = ScreenKind::Ready;
    std::string_view title;             // empty: the screen's own title
    std::string_view message;           // a sentence under the title
    std::span<const Choice> choices;    // ready: the chooser
    int focused = -1;                   // ready: the highlighted choice
    int countdown = 0;                  // countdown: the number shown
    uint64_t sent = 0, total = 0;       // uploading: bytes
    double bytesPerSecond = 0;          // uploading
    int64_t etaS = -1;                  // uploading, processing: seconds left, -1 unknown
    int64_t elapsedS = 0;               // processing
    std::span<const std::byte> before;  // result, uploading, processing: JPEG of the photo
    std::span<const std::byte> after;   // result: JPEG of the processed image
    bool afterOnly = false;    // result: one image at a time (the button switches), else both
    std::string_view caption;  // result, one at a time: what it is and what the button does
    std::string_view link;     // result: a public URL of the result, shown as text
    const ImageView* preview = nullptr;  // ready, countdown: a camera frame, shown letterboxed
                                         // (any format the preview scaler takes, or MJPEG)
};

// Where things landed, for tests and HIL rigs that read the screen back.
struct ScreenLayout {
    Rect title;
    Rect message;
    Rect bar;        // progress bar's outline (uploading), empty otherwise
    Rect barFilled;  // its filled part
    Rect before;     // result images
    Rect after;
    Rect countdown;
    Rect qr;       // result: the QR code of `link`, empty without one
    Rect preview;  // ready, countdown: where the camera frame landed (letterboxed), or empty
};

class Screens {
public:
    // Allocates the JPEG decoder for images up to the screen's size.
    Status init(uint32_t screenWidth, uint32_t screenHeight) noexcept;
    // Prepares the live preview for camera frames of `format` (after init()): the scaler's
    // scratch for the screen's size, on libyuv where built unless `path` says otherwise. MJPEG
    // frames are decoded to RGB by the JPEG decoder first, then scaled as RGB24. Errors:
    // NotSupported (a format the preview cannot show), NoMemory.
    Status initPreview(PixelFormat format,
                       image::ScalePath path = image::haveLibyuv()
                                                   ? image::ScalePath::Libyuv
                                                   : image::ScalePath::Portable) noexcept;
    const image::PreviewScaler& previewScaler() const noexcept { return preview_; }
    // Draws `state` into `frame` (all of it). Errors: JpegDecode for a result image that does
    // not decode (the rest of the screen is drawn).
    Result<ScreenLayout> render(const ScreenState& state, const hal::DisplayFrame& frame) noexcept;

private:
    Rect drawImage(Canvas& c, std::span<const std::byte> jpeg, Rect box, Status& st) noexcept;
    Rect drawPreview(Canvas& c, const ImageView& frame, Rect box, Status& st) noexcept;
    image::Decoder decoder_;
    image::PreviewScaler preview_;
    uint32_t screenWidth_ = 0, screenHeight_ = 0;
};

// Integer text scales for a screen `height` pixels tall: titles (large font) and body (small).
uint32_t titleScale(int32_t height) noexcept;
uint32_t bodyScale(int32_t height) noexcept;

}  // namespace snapstage::ui
