// SPDX-License-Identifier: MIT
// Encode benchmark: one photo as the frames a camera delivers (RGB24, I420, NV12, YUYV, MJPEG),
// each encoded repeatedly by image::Encoder; prints megapixels per second per source format.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "firmware/image/decoder.h"
#include "firmware/image/encoder.h"
#include "firmware/image/version.h"
#include "firmware/util/fs.h"
#include "hal/sim/pixel_convert.h"

namespace {

using namespace snapstage;

struct Options {
    std::string image = "bench/data/forest-path-4056x3040.jpg";
    int quality = 90;
    std::string subsampling = "420";
    int iterations = 10;  // encodes per timed run
    int runs = 5;         // timed runs; best and median reported
    std::string formats = "rgb24,i420,nv12,yuyv,mjpeg";
    std::string writePpm;  // the decoded RGB frame, for tjbench
    bool machine = false;  // one "RESULT ..." line per format on stdout
};

void usage() {
    std::fprintf(stderr,
                 "usage: encode_bench [--image PATH] [--quality 1..100] "
                 "[--subsampling 444|422|420|gray]\n"
                 "                    [--iterations N] [--runs N] [--formats a,b,...] "
                 "[--write-ppm PATH] [--machine]\n");
}

bool parseArgs(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--machine") {
            o.machine = true;
            continue;
        }
        if (!(v = next())) return false;
        if (a == "--image")
            o.image = v;
        else if (a == "--quality")
            o.quality = std::atoi(v);
        else if (a == "--subsampling")
            o.subsampling = v;
        else if (a == "--iterations")
            o.iterations = std::max(1, std::atoi(v));
        else if (a == "--runs")
            o.runs = std::max(1, std::atoi(v));
        else if (a == "--formats")
            o.formats = v;
        else if (a == "--write-ppm")
            o.writePpm = v;
        else
            return false;
    }
    return true;
}

// A camera-style frame of `format` made from packed RGB (BT.601 full range, 2x2 chroma).
struct Frame {
    std::vector<std::byte> bytes;
    ImageView view;
};

Frame makeFrame(PixelFormat format, const std::vector<uint8_t>& rgb, uint32_t w, uint32_t h) {
    Frame f;
    size_t size = 0;
    hal::layoutFrame(format, w, h, nullptr, size);
    f.bytes.resize(size);
    f.view = hal::layoutFrame(format, w, h, f.bytes.data(), size);
    if (format == PixelFormat::Rgb24) {
        std::memcpy(f.bytes.data(), rgb.data(), size);
        return f;
    }
    hal::FrameWriter writer(static_cast<const hal::FrameView&>(f.view), f.bytes.data());
    auto px = [&](uint32_t x, uint32_t y) {
        const uint8_t* p = &rgb[(size_t{y} * w + x) * 3];
        return hal::Rgb{p[0], p[1], p[2]};
    };
    for (uint32_t y = 0; y + 1 < h; y += 2)
        for (uint32_t x = 0; x + 1 < w; x += 2)
            writer.put2x2(x, y, px(x, y), px(x + 1, y), px(x, y + 1), px(x + 1, y + 1));
    return f;
}

struct Timing {
    double best = 0, median = 0;  // megapixels per second over one run
    size_t bytes = 0;             // size of one output JPEG
    size_t bufferBytes = 0;       // what the encoder allocated at init()
};

bool bench(const ImageView& frame, uint32_t w, uint32_t h, const Options& o, image::Subsampling s,
           Timing& r) {
    image::Encoder enc;
    auto st = enc.init({w, h, o.quality, s});
    if (!st) {
        std::fprintf(stderr, "encode_bench: init: %s\n", st.error().message());
        return false;
    }
    r.bufferBytes = enc.bufferBytes();
    const image::ExifInfo exif{1715000000, "Raspberry Pi", "Raspberry Pi HQ Camera", 1};
    for (int i = 0; i < 2; ++i) {  // warm-up: page in the buffers, prime the caches
        auto jpeg = enc.encode(frame, exif);
        if (!jpeg) {
            std::fprintf(stderr, "encode_bench: %s: %s\n", to_string(frame.format),
                         jpeg.error().message());
            return false;
        }
        r.bytes = jpeg->size();
    }
    std::vector<double> mpixPerS;
    for (int run = 0; run < o.runs; ++run) {
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < o.iterations; ++i)
            if (!enc.encode(frame, exif)) return false;
        const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
        mpixPerS.push_back(double(w) * h * o.iterations / dt.count() / 1e6);
    }
    std::sort(mpixPerS.begin(), mpixPerS.end());
    r.best = mpixPerS.back();
    r.median = mpixPerS[mpixPerS.size() / 2];
    return true;
}

bool writePpm(const std::string& path, const std::vector<uint8_t>& rgb, uint32_t w, uint32_t h) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return false;
    std::fprintf(f, "P6\n%u %u\n255\n", w, h);
    const bool ok = std::fwrite(rgb.data(), 1, rgb.size(), f) == rgb.size();
    return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parseArgs(argc, argv, o)) {
        usage();
        return 2;
    }
    auto subsampling = image::parseSubsampling(o.subsampling);
    if (!subsampling) {
        std::fprintf(stderr, "encode_bench: %s\n", subsampling.error().message());
        return 2;
    }
    auto file = fs::readFile(o.image, 256u << 20);
    if (!file) {
        std::fprintf(stderr, "encode_bench: %s\n", file.error().message());
        return 1;
    }
    const std::vector<std::byte> jpeg = std::move(*file);
    image::Decoder dec;
    if (!dec.init({1, 1})) return 1;
    auto header = dec.probe(jpeg);
    if (!header) {
        std::fprintf(stderr, "encode_bench: %s: %s\n", o.image.c_str(), header.error().message());
        return 1;
    }
    const uint32_t w = header->width & ~1u, h = header->height & ~1u;  // camera frames are even
    if (!dec.init({header->width, header->height})) return 1;
    auto decoded = dec.decode(jpeg, header->width, header->height);
    if (!decoded) {
        std::fprintf(stderr, "encode_bench: decode: %s\n", decoded.error().message());
        return 1;
    }
    std::vector<uint8_t> rgb(size_t{w} * h * 3);
    for (uint32_t y = 0; y < h; ++y)
        std::memcpy(&rgb[size_t{y} * w * 3],
                    decoded->planes[0].data.data() + size_t{y} * decoded->planes[0].strideBytes,
                    size_t{w} * 3);
    if (!o.writePpm.empty() && !writePpm(o.writePpm, rgb, w, h)) {
        std::fprintf(stderr, "encode_bench: cannot write %s\n", o.writePpm.c_str());
        return 1;
    }

    std::printf("encode_bench: %s, %ux%u (%.1f MP), quality %d, subsampling %s, libjpeg-turbo %s\n",
                o.image.c_str(), w, h, double(w) * h / 1e6, o.quality, o.subsampling.c_str(),
                image::turbojpegVersion());
    std::printf("%d runs of %d encodes each, after 2 warm-up encodes\n\n", o.runs, o.iterations);
    std::printf("%-8s %12s %14s %12s\n", "source", "best Mpix/s", "median Mpix/s", "JPEG bytes");
    size_t bufferBytes = 0;
    for (PixelFormat format : {PixelFormat::Rgb24, PixelFormat::I420, PixelFormat::Nv12,
                               PixelFormat::Yuyv, PixelFormat::Mjpeg}) {
        const std::string name = to_string(format);
        if (("," + o.formats + ",").find("," + name + ",") == std::string::npos) continue;
        Frame frame;
        if (format == PixelFormat::Mjpeg) {
            frame.view.format = PixelFormat::Mjpeg;
            frame.view.planes[0].data = jpeg;
            frame.view.planeCount = 1;
        } else {
            frame = makeFrame(format, rgb, w, h);
        }
        // An MJPEG frame keeps the file's own size (it may be odd).
        const uint32_t fw = format == PixelFormat::Mjpeg ? header->width : w;
        const uint32_t fh = format == PixelFormat::Mjpeg ? header->height : h;
        Timing r;
        if (!bench(frame.view, fw, fh, o, *subsampling, r)) return 1;
        std::printf("%-8s %12.1f %14.1f %12zu\n", name.c_str(), r.best, r.median, r.bytes);
        bufferBytes = r.bufferBytes;
        if (o.machine)
            std::printf("RESULT %s %.3f %.3f %zu\n", name.c_str(), r.best, r.median, r.bytes);
        std::fflush(stdout);
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf(
        "\nencoder buffers allocated at init: %.1f MB (JPEG worst case + planar scratch; "
        "pages are touched only as used)\npeak RSS of this process (photo, decoded frame, "
        "test frames, encoder): %.1f MB\n",
        double(bufferBytes) / 1e6, double(usage.ru_maxrss) / 1024);
    return 0;
}
