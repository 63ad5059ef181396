// SPDX-License-Identifier: MIT
// The clock floor.
#include "firmware/app/clock_floor.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "firmware/util/fixed_string.h"
#include "firmware/util/fs.h"

#ifndef SNAPSTAGE_BUILD_TIME
#define SNAPSTAGE_BUILD_TIME 0
#endif

namespace snapstage::app {
namespace {

bool floorPath(std::string_view spoolDir, FixedString<fs::kMaxPathBytes>& out) {
    return out.format("%.*s/clock-floor", static_cast<int>(spoolDir.size()), spoolDir.data());
}

int64_t savedFloor(std::string_view spoolDir) {
    FixedString<fs::kMaxPathBytes> path;
    char text[32] = {};
    if (!floorPath(spoolDir, path)) return 0;
    auto n = fs::readInto(path.c_str(), std::as_writable_bytes(std::span(text, sizeof text - 1)));
    return n ? std::strtoll(text, nullptr, 10) : 0;
}

}  // namespace

int64_t buildTime() noexcept {
    return static_cast<int64_t>(SNAPSTAGE_BUILD_TIME);
}

int64_t clockFloor(std::string_view spoolDir) noexcept {
    int64_t saved = savedFloor(spoolDir);
    return saved > buildTime() ? saved : buildTime();
}

void raiseClockFloor(std::string_view spoolDir, int64_t seconds) noexcept {
    if (seconds <= 0 || seconds < savedFloor(spoolDir) + 3600) return;
    FixedString<fs::kMaxPathBytes> path;
    char text[32];
    int n = std::snprintf(text, sizeof text, "%lld\n", static_cast<long long>(seconds));
    if (floorPath(spoolDir, path) && n > 0)
        (void)fs::writeFileAtomic(path.view(),
                                  fs::bytes(std::string_view(text, static_cast<size_t>(n))));
}

bool clockSynchronized() noexcept {
    return ::access("/run/systemd/timesync/synchronized", F_OK) == 0;
}

}  // namespace snapstage::app
