// SPDX-License-Identifier: MIT
// display_frames: draws N frames through a display SPEC's hal backend and prints one JSON line
// per frame (when frame() handed the buffer over, when present() returned), then holds the last
// one on the screen until stdin closes. For the VM tests of page flipping on vblank and of what
// the screen shows. Frame i holds, at pixel (x, y): red x % 256, green y % 256, blue 8 * i % 256.
// The last line also counts the heap allocations made from the third frame on (the steady
// state: the first present sets the mode, the second is the first flip); there must be none.
// Exit codes: 0 done; 2 usage; 5 display error (message on stderr).
// Usage: display_frames SPEC FRAMES
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "firmware/util/time.h"
#include "hal/display.h"
#include "hal/spec.h"
#include "tests/support/alloc_counter.h"

namespace {

int failWith(const snapstage::Error& e) {
    std::fprintf(stderr, "display_frames: %s\n", e.message());
    return 5;
}

void draw(const snapstage::hal::DisplayFrame& f, long index) {
    const auto blue = static_cast<uint32_t>((8 * index) % 256);
    for (uint32_t y = 0; y < f.height; ++y) {
        auto* row = reinterpret_cast<uint32_t*>(f.pixels + static_cast<size_t>(y) * f.strideBytes);
        for (uint32_t x = 0; x < f.width; ++x)
            row[x] = ((x % 256) << 16) | ((y % 256) << 8) | blue;
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace snapstage;
    if (argc != 3) {
        std::fprintf(stderr, "usage: display_frames SPEC FRAMES\n");
        return 2;
    }
    long frames = std::strtol(argv[2], nullptr, 10);
    auto spec = hal::DeviceSpec::parse(argv[1]);
    if (!spec) return failWith(spec.error());
    auto display = hal::makeDisplay(*spec);
    if (!display) return failWith(display.error());
    hal::Display& d = **display;
    if (auto st = d.init(); !st) return failWith(st.error());
    hal::DisplayInfo info = d.info();
    if (info.format != hal::DisplayFormat::Xrgb8888) {
        std::fprintf(stderr, "display_frames: draws XRGB8888 only, the display is %s\n",
                     to_string(info.format));
        return 5;
    }
    std::printf("{\"width\": %u, \"height\": %u, \"name\": \"%s\", \"page_flip\": %s}\n",
                info.width, info.height, info.name, info.pageFlip ? "true" : "false");
    std::fflush(stdout);
    std::optional<test::AllocScope> allocations;
    for (long i = 0; i < frames; ++i) {
        if (i == 2) allocations.emplace();
        auto frame = d.frame();
        if (!frame) return failWith(frame.error());
        const int64_t lentUs = monotonicUs();
        draw(*frame, i);
        if (auto st = d.present(); !st) return failWith(st.error());
        std::printf("{\"frame\": %ld, \"lent_us\": %lld, \"presented_us\": %lld}\n", i,
                    static_cast<long long>(lentUs), static_cast<long long>(monotonicUs()));
        std::fflush(stdout);
    }
    const test::AllocCounts counted = allocations ? allocations->stop() : test::AllocCounts{};
    std::printf("{\"holding\": true, \"allocations\": %llu, \"library_allocations\": %llu}\n",
                static_cast<unsigned long long>(counted.operatorNew),
                static_cast<unsigned long long>(counted.library()));
    std::fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof buf) > 0) {
    }
    return 0;
}
