// SPDX-License-Identifier: MIT
// Screen benchmark: a full screen rendered into a display frame and presented, against a plain
// memcpy of the same frame (the memory-bandwidth limit); and the result JPEG decoded and scaled
// straight into the frame. Prints one line per case: "NAME ms_per_op allocs_per_op".
//   ui_bench PHOTO.jpg [WIDTH HEIGHT [ROUNDS]]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "firmware/ui/screens.h"
#include "firmware/util/clock.h"
#include "firmware/util/fs.h"
#include "firmware/util/pages.h"
#include "hal/display.h"
#include "tests/support/alloc_counter.h"

using namespace snapstage;

namespace {

// Runs `fn` at least `rounds` times and for at least 300 ms, and prints the mean time per call
// (steady_clock: a screen fill takes well under a millisecond) and the allocations per call.
template <typename Fn>
void measure(const char* name, int rounds, Fn&& fn) {
    fn();  // warm-up: buffers touched, decoder tables built
    test::AllocScope scope;
    auto t0 = std::chrono::steady_clock::now();
    std::chrono::duration<double, std::milli> elapsed{};
    int done = 0;
    while (done < rounds || elapsed.count() < 300) {
        fn();
        ++done;
        elapsed = std::chrono::steady_clock::now() - t0;
    }
    test::AllocCounts a = scope.stop();
    std::printf("%s %.3f %.2f %.2f\n", name, elapsed.count() / done,
                static_cast<double>(a.operatorNew) / done, static_cast<double>(a.library()) / done);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: ui_bench PHOTO.jpg [WIDTH HEIGHT [ROUNDS]]\n");
        return 2;
    }
    uint32_t w = argc > 3 ? static_cast<uint32_t>(std::atoi(argv[2])) : 1920;
    uint32_t h = argc > 3 ? static_cast<uint32_t>(std::atoi(argv[3])) : 1080;
    int rounds = argc > 4 ? std::atoi(argv[4]) : 50;
    auto photo = fs::readFile(argv[1], 64u << 20);
    if (!photo) {
        std::fprintf(stderr, "ui_bench: %s\n", photo.error().message());
        return 1;
    }
    auto spec = hal::DeviceSpec::parse("null");
    spec->setOption("width", std::to_string(w));
    spec->setOption("height", std::to_string(h));
    auto display = hal::makeDisplay(*spec);
    if (!display || !(*display)->init()) return 1;
    ui::Screens screens;
    if (!screens.init(w, h)) return 1;
    auto frame = (*display)->frame();
    PageBuffer copy;  // the same kind of memory as the null display's frame
    if (!copy.allocate(static_cast<size_t>(frame->strideBytes) * h)) return 1;

    measure("memcpy_frame", rounds, [&] {
        std::memcpy(copy.data(), frame->pixels, copy.size());
        __asm__ volatile("" ::: "memory");
    });
    ui::ScreenState uploading;
    uploading.kind = ui::ScreenKind::Uploading;
    uploading.sent = 600000;
    uploading.total = 1000000;
    measure("render_uploading", rounds, [&] {
        auto f = (*display)->frame();
        (void)screens.render(uploading, *f);
        (void)(*display)->present();
    });
    ui::ScreenState result;
    result.kind = ui::ScreenKind::Result;
    result.before = *photo;
    result.after = *photo;
    measure("render_result", rounds, [&] {
        auto f = (*display)->frame();
        (void)screens.render(result, *f);
        (void)(*display)->present();
    });
    ui::ScreenState full;
    full.kind = ui::ScreenKind::Photo;
    full.after = *photo;
    measure("decode_scaled_into_frame", rounds, [&] {
        auto f = (*display)->frame();
        (void)screens.render(full, *f);
    });
    return 0;
}
