// SPDX-License-Identifier: MIT
// The DRM display's spec options and mode choice.
#include "hal/linux/drm_mode.h"

#include <cstdio>
#include <cstring>

namespace snapstage::hal {
namespace {

constexpr uint32_t kMaxSide = 16384;

bool matches(const DrmModeCandidate& m, const DrmRequest& want) noexcept {
    if (m.interlaced) return false;
    if (want.width && (m.width != want.width || m.height != want.height)) return false;
    return !want.refreshHz || m.refreshHz == want.refreshHz;
}

// "1920x1080@60, 1280x720@60" of the distinct progressive modes, into `out`.
void listModes(std::span<const DrmModeCandidate> modes, char* out, size_t capacity) noexcept {
    out[0] = '\0';
    for (size_t i = 0; i < modes.size(); ++i) {
        const DrmModeCandidate& m = modes[i];
        bool seen = m.interlaced;
        for (size_t j = 0; j < i && !seen; ++j)
            seen = !modes[j].interlaced && modes[j].width == m.width &&
                   modes[j].height == m.height && modes[j].refreshHz == m.refreshHz;
        if (seen) continue;
        size_t len = std::strlen(out);
        if (len + 24 >= capacity) {
            std::snprintf(out + len, capacity - len, ", ...");
            return;
        }
        std::snprintf(out + len, capacity - len, "%s%ux%u@%u", len ? ", " : "", m.width, m.height,
                      m.refreshHz);
    }
    if (!out[0]) std::snprintf(out, capacity, "no progressive mode");
}

}  // namespace

Result<DrmRequest> parseDrmRequest(const DeviceSpec& spec) noexcept {
    DrmRequest r;
    SNAPSTAGE_TRY(spec.checkKnown({"connector", "width", "height", "refresh", "format"}));
    r.device = spec.argument;
    if (const std::string* c = spec.option("connector")) r.connector = *c;
    auto width = spec.uintOption("width", 0, kMaxSide);
    auto height = spec.uintOption("height", 0, kMaxSide);
    auto refresh = spec.uintOption("refresh", 0, 1000);
    if (!width) return fail(width.error());
    if (!height) return fail(height.error());
    if (!refresh) return fail(refresh.error());
    r.width = *width;
    r.height = *height;
    r.refreshHz = *refresh;
    if (!r.width != !r.height)
        return fail(Errc::InvalidArgument,
                    "drm display: give both width and height (or neither, for the screen's "
                    "preferred mode)");
    if (const std::string* f = spec.option("format")) {
        if (*f == "xrgb8888") {
            r.format = DisplayFormat::Xrgb8888;
        } else if (*f == "rgb565") {
            r.format = DisplayFormat::Rgb565;
        } else {
            return failf(Errc::InvalidArgument, 0,
                         "drm display: format '%s' is not one snapstage draws (xrgb8888 or "
                         "rgb565)",
                         f->c_str());
        }
    }
    return r;
}

Result<size_t> chooseDrmMode(std::span<const DrmModeCandidate> modes, const DrmRequest& want,
                             const char* connectorName) noexcept {
    size_t best = modes.size();
    for (size_t i = 0; i < modes.size(); ++i) {
        const DrmModeCandidate& m = modes[i];
        if (!matches(m, want)) continue;
        if (best == modes.size()) {
            best = i;
            continue;
        }
        const DrmModeCandidate& b = modes[best];
        if (!want.width && !want.refreshHz) {
            if (m.preferred && !b.preferred) best = i;
        } else if (want.width) {
            // Same size: the preferred mode, else the highest refresh.
            if ((m.preferred && !b.preferred) ||
                (m.preferred == b.preferred && m.refreshHz > b.refreshHz))
                best = i;
        } else if (m.preferred && !b.preferred) {
            best = i;  // a refresh alone: the preferred size at that refresh, else the first
        }
    }
    if (best < modes.size()) return best;
    char list[200];
    listModes(modes, list, sizeof list);
    char asked[48];
    if (want.width && want.refreshHz)
        std::snprintf(asked, sizeof asked, "%ux%u@%u", want.width, want.height, want.refreshHz);
    else if (want.width)
        std::snprintf(asked, sizeof asked, "%ux%u", want.width, want.height);
    else if (want.refreshHz)
        std::snprintf(asked, sizeof asked, "%u Hz", want.refreshHz);
    else
        std::snprintf(asked, sizeof asked, "usable");
    return failf(Errc::DisplayOpen, 0,
                 "%s has no %s mode (it has: %s): pick one of those with width, height and "
                 "refresh",
                 connectorName, asked, list);
}

}  // namespace snapstage::hal
