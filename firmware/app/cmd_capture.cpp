// SPDX-License-Identifier: MIT
// `snapstage capture -o FILE`: one frame from the configured camera, encoded to JPEG.
#include <cstdlib>
#include <string>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/runtime.h"
#include "firmware/image/encoder.h"
#include "firmware/util/fs.h"
#include "firmware/util/time.h"
#include "hal/camera.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage capture -o FILE [--camera SPEC] [--timeout-ms N]\n"
    "\n"
    "Captures one frame from the configured camera (or --camera SPEC), encodes it to JPEG with\n"
    "the config's jpeg.quality and jpeg.subsampling, adds EXIF (capture time, the board's make\n"
    "and model, orientation) and writes FILE. FILE appears only once it is complete.\n"
    "\n"
    "  -o, --output FILE   where to write the JPEG (required)\n"
    "  --timeout-ms N      how long to wait for the frame (default 5000)\n"
    "\n"
    "Events (--json): capture.frame, capture.encoded, capture.done.\n"
    "Exit codes: 0 written; 2 usage or config error; 5 camera or storage error.";

// 2020-01-01: a wall clock before this has not been set (no RTC, no network time yet).
constexpr int64_t kClockSaneAfter = 1577836800;

// A bad camera option with where the camera was named: "--camera" or "FILE: camera" (width=0
// then names its file and key, as config errors do). Other camera errors name their device.
Error cameraError(const Context& ctx, const Error& e) {
    if (e.code() != Errc::InvalidArgument) return e;
    if (!ctx.options.cameraSpec.empty()) return e.withContext("--camera");
    if (ctx.config.cameraSource.empty()) return e;
    return e.withContext((ctx.config.cameraSource + ": camera").c_str());
}

int runCapture(Context& ctx, Args& args) {
    std::string output, timeoutText = "5000";
    while (!args.done()) {
        if (args.option("--output", 'o', output) || args.option("--timeout-ms", 0, timeoutText)) {
            continue;
        }
        args.unknown();
    }
    if (!args.ok()) return ctx.events.usage(args.error(), "capture");
    if (output.empty())
        return ctx.events.usage(Error(Errc::Usage, "capture needs -o FILE"), "capture");
    char* end = nullptr;
    long timeoutMs = std::strtol(timeoutText.c_str(), &end, 10);
    if (*end || timeoutMs <= 0 || timeoutMs > 600000)
        return ctx.events.usage(Error(Errc::Usage, "--timeout-ms must be 1..600000"), "capture");

    Runtime rt(ctx);
    auto camera = rt.camera();
    if (!camera) return ctx.events.failure(cameraError(ctx, camera.error()));
    hal::Camera& cam = **camera;
    hal::CameraInfo info = cam.info();
    ctx.events.detail("camera: %s (%s) %ux%u %s", info.backend, info.name, info.width, info.height,
                      to_string(info.format));

    image::Encoder encoder;
    // The frame's size comes from the camera (a file's own header): name it when it is refused.
    if (auto st = rt.encoder(encoder, info.width, info.height); !st)
        return ctx.events.failure(
            st.error().withContext((std::string(info.backend) + " camera " + info.name).c_str()));

    if (auto st = cam.start(); !st) return ctx.events.failure(st.error());
    auto frame = cam.lease(static_cast<int>(timeoutMs));
    if (!frame) return ctx.events.failure(frame.error());
    ctx.events.emit("capture.frame", {{"width", (*frame)->width},
                                      {"height", (*frame)->height},
                                      {"format", to_string((*frame)->format)},
                                      {"sequence", (*frame)->sequence}});

    int64_t wall = ctx.clock.wallSeconds();
    if (wall < kClockSaneAfter)
        ctx.events.say("warning: the clock is not set; the photo gets no capture date");
    image::ExifInfo exif{wall >= kClockSaneAfter ? wall : 0, ctx.config.board.make,
                         ctx.config.board.model,
                         static_cast<uint16_t>(ctx.config.jpeg.orientation)};
    int64_t t0 = monotonicUs();
    auto jpeg = encoder.encode(frame->frame(), exif);
    int64_t encodeUs = monotonicUs() - t0;
    uint32_t width = (*frame)->width, height = (*frame)->height;
    frame->reset();  // given back before the camera stops
    cam.stop();
    if (!jpeg) return ctx.events.failure(jpeg.error());
    ctx.events.emit("capture.encoded",
                    {{"bytes", jpeg->size()}, {"encode_ms", static_cast<double>(encodeUs) / 1000}});

    if (auto st = fs::writeFileAtomic(output, *jpeg); !st) return ctx.events.failure(st.error());
    ctx.events.emit(
        "capture.done",
        {{"path", output}, {"width", width}, {"height", height}, {"bytes", jpeg->size()}});
    ctx.events.say("captured %ux%u, %zu bytes -> %s", width, height, jpeg->size(), output.c_str());
    return toInt(Exit::Done);
}

}  // namespace

const Command kCaptureCommand{"capture", runCapture, "one frame from the camera, encoded to JPEG",
                              kUsage};

}  // namespace snapstage::app
