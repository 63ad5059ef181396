// SPDX-License-Identifier: MIT
// camera_frames: streams N frames from a camera SPEC through the hal backend and prints one JSON
// line per frame (sequence, driver timestamp, arrival time, size), for the VM tests of frame
// pacing and mid-stream faults. Exit codes: 0 all frames; 2 usage; 5 camera error (message on
// stderr). Usage: camera_frames SPEC FRAMES [TIMEOUT_MS]
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "firmware/util/time.h"
#include "hal/camera.h"
#include "hal/spec.h"

namespace {

int failWith(const snapstage::Error& e) {
    std::fprintf(stderr, "camera_frames: %s\n", e.message());
    return 5;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace snapstage;
    if (argc < 3) {
        std::fprintf(stderr, "usage: camera_frames SPEC FRAMES [TIMEOUT_MS]\n");
        return 2;
    }
    long frames = std::strtol(argv[2], nullptr, 10);
    int timeoutMs = argc > 3 ? static_cast<int>(std::strtol(argv[3], nullptr, 10)) : 5000;
    auto spec = hal::DeviceSpec::parse(argv[1]);
    if (!spec) return failWith(spec.error());
    auto camera = hal::makeCamera(*spec);
    if (!camera) return failWith(camera.error());
    hal::Camera& cam = **camera;
    if (auto st = cam.init(); !st) return failWith(st.error());
    hal::CameraInfo info = cam.info();
    std::printf("{\"width\": %u, \"height\": %u, \"format\": \"%s\"}\n", info.width, info.height,
                to_string(info.format));
    std::fflush(stdout);
    if (auto st = cam.start(); !st) return failWith(st.error());
    for (long i = 0; i < frames; ++i) {
        auto frame = cam.capture(timeoutMs);
        if (!frame) return failWith(frame.error());
        size_t bytes = 0;
        for (uint32_t p = 0; p < frame->planeCount; ++p) bytes += frame->planes[p].data.size();
        std::printf("{\"sequence\": %llu, \"timestamp_us\": %lld, \"arrival_us\": %lld, "
                    "\"bytes\": %zu}\n",
                    static_cast<unsigned long long>(frame->sequence),
                    static_cast<long long>(frame->timestampUs),
                    static_cast<long long>(monotonicUs()), bytes);
        std::fflush(stdout);
        cam.release(*frame);
    }
    cam.stop();
    return 0;
}
