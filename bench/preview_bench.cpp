// SPDX-License-Identifier: MIT
// Live preview benchmark: a 1920x1080 camera frame (the pattern camera's, YUYV and NV12) scaled
// and converted into an XRGB8888 (and RGB565) preview on an 800x480 and a 1920x1080 screen, by
// the two paths of image::PreviewScaler measured in the same run: libyuv (scale in the camera's
// format, then convert) against the project's portable rows; and, for the record, libyuv's other
// order (convert the whole frame to ARGB, then scale it), which needs an 8 MB frame-sized buffer.
// Then the whole ready screen with its preview, as the kiosk draws each preview frame. Prints one
// line per case: "NAME ms_per_frame ours_allocs lib_allocs cpu_share_at_FPS".
//   preview_bench [ROUNDS [FPS]]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#if defined(SNAPSTAGE_HAVE_LIBYUV)
#include <libyuv.h>
#endif

#include "firmware/image/decoder.h"
#include "firmware/image/encoder.h"
#include "firmware/image/preview.h"
#include "firmware/ui/screens.h"
#include "firmware/util/time.h"
#include "hal/camera.h"
#include "hal/display.h"
#include "tests/support/alloc_counter.h"

using namespace snapstage;

namespace {

int gRounds = 60;
double gFps = 15;

template <typename Fn>
void measure(const std::string& name, Fn&& fn) {
    fn();  // warm-up: scratch and tables touched
    test::AllocScope scope;
    const int64_t t0 = monotonicUs();
    for (int i = 0; i < gRounds; ++i)
        fn();
    const double ms = static_cast<double>(monotonicUs() - t0) / 1000.0 / gRounds;
    const test::AllocCounts a = scope.stop();
    std::printf("%-44s %8.3f %6.2f %6.2f %6.1f%%\n", name.c_str(), ms,
                static_cast<double>(a.operatorNew) / gRounds,
                static_cast<double>(a.library()) / gRounds, ms * gFps / 10.0);
}

struct Camera {
    std::unique_ptr<hal::Camera> camera;
    hal::FrameLease frame;
};

Camera open(const char* format) {
    Camera c;
    auto spec =
        hal::DeviceSpec::parse(std::string("pattern,width=1920,height=1080,format=") + format);
    auto cam = hal::makeCamera(*spec);
    if (!cam || !(*cam)->init() || !(*cam)->start()) std::exit(1);
    c.camera = std::move(*cam);
    auto lease = c.camera->lease(100);
    if (!lease) std::exit(1);
    c.frame = std::move(*lease);
    return c;
}

const char* layoutName(image::RgbLayout l) {
    return l == image::RgbLayout::Rgb565 ? "rgb565" : "xrgb8888";
}

#if defined(SNAPSTAGE_HAVE_LIBYUV)
// libyuv's other order for a YUYV frame: the whole frame to ARGB (full range via 4:2:2 planes,
// as the scaler does), then ARGBScale to the preview. Buffers as big as the frame, made once.
void convertThenScale(const ImageView& f, std::vector<uint8_t>& planes, std::vector<uint8_t>& argb,
                      const image::RgbRows& out) {
    const int w = static_cast<int>(f.width), h = static_cast<int>(f.height), cw = w / 2;
    uint8_t* y = planes.data();
    uint8_t* u = y + w * h;
    uint8_t* v = u + cw * h;
    const auto* src = reinterpret_cast<const uint8_t*>(f.planes[0].data.data());
    libyuv::YUY2ToI422(src, static_cast<int>(f.planes[0].strideBytes), y, w, u, cw, v, cw, w, h);
    libyuv::I422ToARGBMatrix(y, w, u, cw, v, cw, argb.data(), 4 * w, &libyuv::kYuvJPEGConstants, w,
                             h);
    libyuv::ARGBScale(argb.data(), 4 * w, w, h, out.pixels, static_cast<int>(out.strideBytes),
                      static_cast<int>(out.width), static_cast<int>(out.height),
                      libyuv::kFilterBilinear);
}
#endif

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) gRounds = std::max(1, std::atoi(argv[1]));
    if (argc > 2) gFps = std::atof(argv[2]);
    std::printf("# %s; %d rounds; cpu share = one core's time at %.0f preview frames a second\n",
                image::haveLibyuv() ? image::libyuvVersion() : "no libyuv in this build", gRounds,
                gFps);
    std::printf("%-44s %8s %6s %6s %7s\n", "case", "ms", "ours", "lib", "cpu");
    struct Screen {
        uint32_t w, h;
    };
    std::vector<image::ScalePath> paths{image::ScalePath::Portable};
    if (image::haveLibyuv()) paths.insert(paths.begin(), image::ScalePath::Libyuv);
    std::vector<uint8_t> pixels(1920 * 1080 * 4);
    for (const char* format : {"yuyv", "nv12"}) {
        Camera cam = open(format);
        for (Screen s : {Screen{800, 480}, Screen{1920, 1080}})
            for (image::RgbLayout layout : {image::RgbLayout::Xrgb8888, image::RgbLayout::Rgb565}) {
                if (layout == image::RgbLayout::Rgb565 && s.w > 800) continue;
                const image::Letterbox l = image::letterbox(1920, 1080, s.w, s.h);
                const uint32_t bpp = layout == image::RgbLayout::Rgb565 ? 2 : 4;
                const image::RgbRows out{pixels.data(), l.width, l.height, s.w * bpp, layout};
                for (image::ScalePath path : paths) {
                    image::PreviewScaler scaler;
                    if (!scaler.init(cam.frame->format, s.w, s.h, path)) return 1;
                    char name[96];
                    std::snprintf(name, sizeof name, "%s 1920x1080 -> %ux%u %s, %s", format,
                                  l.width, l.height, layoutName(layout), image::to_string(path));
                    measure(name, [&] { (void)scaler.draw(cam.frame.frame(), out); });
                }
#if defined(SNAPSTAGE_HAVE_LIBYUV)
                if (std::string(format) == "yuyv" && layout == image::RgbLayout::Xrgb8888) {
                    std::vector<uint8_t> planes(1920 * 1080 * 2), argb(1920 * 1080 * 4);
                    char name[96];
                    std::snprintf(name, sizeof name,
                                  "%s 1920x1080 -> %ux%u %s, libyuv convert-then-scale", format,
                                  l.width, l.height, layoutName(layout));
                    measure(name, [&] { convertThenScale(cam.frame.frame(), planes, argb, out); });
                }
#endif
            }
        // The whole ready screen as the kiosk draws each preview frame (800x480, null display).
        for (image::ScalePath path : paths) {
            auto spec = hal::DeviceSpec::parse("null,width=800,height=480");
            auto display = hal::makeDisplay(*spec);
            if (!display || !(*display)->init()) return 1;
            ui::Screens screens;
            if (!screens.init(800, 480) || !screens.initPreview(cam.frame->format, path)) return 1;
            ui::Choice choices[] = {{"Room", "Living room"}, {"Style", "Modern"}};
            ui::ScreenState st;
            st.kind = ui::ScreenKind::Ready;
            st.message = "Press the button to take a photo. Hold it to change the style.";
            st.choices = choices;
            st.preview = &cam.frame.frame();
            char name[96];
            std::snprintf(name, sizeof name, "%s ready screen 800x480 with preview, %s", format,
                          image::to_string(path));
            measure(name, [&] {
                auto f = (*display)->frame();
                (void)screens.render(st, *f);
                (void)(*display)->present();
            });
        }
    }
    // An MJPEG camera (a UVC webcam at 1080p often offers nothing else): each preview frame is a
    // JPEG decoded, scaled in the DCT, into the ready screen.
    {
        Camera cam = open("i420");
        image::Encoder encoder;
        if (!encoder.init({1920, 1080, 85, image::Subsampling::S422})) return 1;
        auto jpeg = encoder.encode(cam.frame.frame(), {});
        if (!jpeg) return 1;
        std::vector<std::byte> bytes(jpeg->begin(), jpeg->end());
        image::Decoder decoder;
        if (!decoder.init({})) return 1;
        auto probed = decoder.probe(bytes);  // the Mjpeg view a camera lends
        if (!probed) return 1;
        ImageView mjpeg = *probed;
        auto spec = hal::DeviceSpec::parse("null,width=800,height=480");
        auto display = hal::makeDisplay(*spec);
        if (!display || !(*display)->init()) return 1;
        ui::Screens screens;
        if (!screens.init(800, 480) || !screens.initPreview(PixelFormat::Mjpeg)) return 1;
        ui::ScreenState st;
        st.kind = ui::ScreenKind::Ready;
        st.message = "Press the button to take a photo.";
        st.preview = &mjpeg;
        char name[96];
        std::snprintf(name, sizeof name, "mjpeg (%zu KB) ready screen 800x480, TurboJPEG",
                      bytes.size() / 1024);
        measure(name, [&] {
            auto f = (*display)->frame();
            (void)screens.render(st, *f);
            (void)(*display)->present();
        });
    }
    return 0;
}
