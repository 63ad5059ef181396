// SPDX-License-Identifier: MIT
// DrmDisplay's set-up: the card, DRM master, the connector, its mode, the CRTC, the buffers.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>

#include "hal/linux/display_drm_state.h"

namespace snapstage::hal {
namespace {

constexpr int kMaxCards = 16;
constexpr size_t kMaxModes = 128;

// RAII for libdrm's allocated objects (set-up only).
struct Resources {
    drmModeRes* res = nullptr;
    ~Resources() { drmModeFreeResources(res); }
};
struct Connector {
    drmModeConnector* c = nullptr;
    ~Connector() { drmModeFreeConnector(c); }
};

void nameOf(const drmModeConnector& c, char* out, size_t capacity) noexcept {
    const char* type = drmModeGetConnectorTypeName(c.connector_type);
    std::snprintf(out, capacity, "%s-%u", type ? type : "Unknown", c.connector_type_id);
}

bool hasConnectedScreen(int fd) noexcept {
    Resources r{drmModeGetResources(fd)};
    if (!r.res || r.res->count_crtcs <= 0) return false;
    for (int i = 0; i < r.res->count_connectors; ++i) {
        Connector c{drmModeGetConnector(fd, r.res->connectors[i])};
        if (c.c && c.c->connection == DRM_MODE_CONNECTED && c.c->count_modes > 0) return true;
    }
    return false;
}

Status openError(const char* path, int err) noexcept {
    if (err == EACCES || err == EPERM)
        return failf(Errc::DisplayOpen, err, "cannot open %s: %s (add the user to the video group)",
                     path, std::strerror(err));
    if (err == ENOENT)
        return failf(Errc::DisplayOpen, err,
                     "no display device %s: is the KMS driver loaded (on a Raspberry Pi, "
                     "dtoverlay=vc4-kms-v3d in config.txt)?",
                     path);
    return failf(Errc::DisplayOpen, err, "cannot open %s: %s", path, std::strerror(err));
}

}  // namespace

DrmDisplay::State::~State() {
    for (DrmBuffer& b : buffers) {
        if (b.map) munmap(b.map, b.sizeBytes);
        if (b.fbId) drmModeRmFB(fd, b.fbId);
        if (b.handle) {
            drm_mode_destroy_dumb d{};
            d.handle = b.handle;
            (void)drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
        }
    }
    drmModeFreeCrtc(saved);
    if (master) (void)drmDropMaster(fd);
    if (fd >= 0) close(fd);
}

Status DrmDisplay::State::openCard() noexcept {
    if (!want.device.empty()) {
        std::snprintf(path, sizeof path, "%s", want.device.c_str());
        fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) return openError(path, errno);
    } else {
        int firstErr = ENOENT;
        for (int i = 0; i < kMaxCards && fd < 0; ++i) {
            std::snprintf(path, sizeof path, "/dev/dri/card%d", i);
            int f = open(path, O_RDWR | O_CLOEXEC);
            if (f < 0) {
                if (errno != ENOENT && firstErr == ENOENT) firstErr = errno;
                continue;
            }
            if (hasConnectedScreen(f))
                fd = f;
            else
                close(f);
        }
        if (fd < 0 && firstErr != ENOENT) return openError("/dev/dri/card*", firstErr);
        if (fd < 0)
            return fail(Errc::DisplayOpen,
                        "no DRM card under /dev/dri drives a connected screen: is the screen "
                        "plugged in, and the KMS driver loaded (on a Raspberry Pi, "
                        "dtoverlay=vc4-kms-v3d)?");
    }
    uint64_t dumb = 0;
    if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) != 0 || !dumb)
        return failf(Errc::DisplayOpen, 0,
                     "%s cannot drive a screen (no KMS dumb buffers: a render-only GPU?): name "
                     "the display card, e.g. drm:/dev/dri/card1",
                     path);
    if (drmIsMaster(fd) == 0 && drmSetMaster(fd) != 0)
        return failf(Errc::DisplayOpen, errno,
                     "another program holds the display %s (DRM master: a desktop, a "
                     "compositor or another kiosk): stop it, or run from a text console",
                     path);
    master = true;
    return okStatus();
}

Status DrmDisplay::State::pickOutput() noexcept {
    Resources r{drmModeGetResources(fd)};
    if (!r.res)
        return failf(Errc::DisplayOpen, errno,
                     "%s is not a KMS display device: name the display card, e.g. "
                     "drm:/dev/dri/card1",
                     path);
    Connector chosen;
    char names[160] = {};
    for (int i = 0; i < r.res->count_connectors && !chosen.c; ++i) {
        Connector c{drmModeGetConnector(fd, r.res->connectors[i])};
        if (!c.c) continue;
        char name[32];
        nameOf(*c.c, name, sizeof name);
        size_t len = std::strlen(names);
        std::snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", name);
        bool named = !want.connector.empty() && want.connector == name;
        bool first =
            want.connector.empty() && c.c->connection == DRM_MODE_CONNECTED && c.c->count_modes > 0;
        if (!named && !first) continue;
        std::snprintf(connectorName, sizeof connectorName, "%s", name);
        std::swap(chosen.c, c.c);
    }
    if (!chosen.c && !want.connector.empty())
        return failf(Errc::DisplayOpen, 0, "%s has no connector %s (it has: %s)", path,
                     want.connector.c_str(), names);
    if (!chosen.c)
        return failf(Errc::DisplayOpen, 0,
                     "no connected display on %s: is the screen plugged in (and switched on)?",
                     path);
    if (chosen.c->connection != DRM_MODE_CONNECTED || chosen.c->count_modes <= 0)
        return failf(Errc::DisplayOpen, 0, "%s on %s is not connected: is the screen plugged in?",
                     connectorName, path);
    connectorId = chosen.c->connector_id;

    DrmModeCandidate modes[kMaxModes];
    size_t count = 0;
    for (int i = 0; i < chosen.c->count_modes && count < kMaxModes; ++i) {
        const drmModeModeInfo& m = chosen.c->modes[i];
        modes[count++] = {m.hdisplay, m.vdisplay, m.vrefresh,
                          (m.type & DRM_MODE_TYPE_PREFERRED) != 0,
                          (m.flags & DRM_MODE_FLAG_INTERLACE) != 0};
    }
    auto index = chooseDrmMode({modes, count}, want, connectorName);
    if (!index) return fail(index.error());
    mode = chosen.c->modes[*index];

    // A CRTC: the one already driving the connector, else the first any of its encoders can use.
    if (drmModeEncoder* e = drmModeGetEncoder(fd, chosen.c->encoder_id)) {
        crtcId = e->crtc_id;
        drmModeFreeEncoder(e);
    }
    for (int i = 0; i < chosen.c->count_encoders && !crtcId; ++i) {
        drmModeEncoder* e = drmModeGetEncoder(fd, chosen.c->encoders[i]);
        if (!e) continue;
        for (int k = 0; k < r.res->count_crtcs && !crtcId; ++k)
            if (e->possible_crtcs & (1u << k)) crtcId = r.res->crtcs[k];
        drmModeFreeEncoder(e);
    }
    if (!crtcId)
        return failf(Errc::DisplayOpen, 0, "%s on %s: no CRTC can drive it", connectorName, path);
    saveCrtc(*r.res);
    return okStatus();
}

void DrmDisplay::State::saveCrtc(const drmModeRes& res) noexcept {
    saved = drmModeGetCrtc(fd, crtcId);
    for (int i = 0; i < res.count_connectors && savedConnectorCount < 4; ++i) {
        Connector c{drmModeGetConnector(fd, res.connectors[i])};
        if (!c.c || !c.c->encoder_id) continue;
        drmModeEncoder* e = drmModeGetEncoder(fd, c.c->encoder_id);
        if (e && e->crtc_id == crtcId) savedConnectors[savedConnectorCount++] = c.c->connector_id;
        drmModeFreeEncoder(e);
    }
}

Status DrmDisplay::State::createBuffers() noexcept {
    const bool rgb565 = want.format == DisplayFormat::Rgb565;
    for (DrmBuffer& b : buffers) {
        drm_mode_create_dumb create{};
        create.width = mode.hdisplay;
        create.height = mode.vdisplay;
        create.bpp = rgb565 ? 16 : 32;
        if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0)
            return failf(Errc::NoMemory, errno, "%s: cannot allocate a %ux%u screen buffer: %s",
                         path, mode.hdisplay, mode.vdisplay, std::strerror(errno));
        b.handle = create.handle;
        b.pitch = create.pitch;
        if (create.size > SIZE_MAX)
            return failf(Errc::NoMemory, 0, "%s: a screen buffer does not fit in memory", path);
        b.sizeBytes = static_cast<size_t>(create.size);
        uint32_t handles[4] = {b.handle}, pitches[4] = {b.pitch}, offsets[4] = {};
        if (drmModeAddFB2(fd, mode.hdisplay, mode.vdisplay,
                          rgb565 ? DRM_FORMAT_RGB565 : DRM_FORMAT_XRGB8888, handles, pitches,
                          offsets, &b.fbId, 0) != 0)
            return failf(Errc::DisplayOpen, errno, "%s does not take %s frames%s: %s", path,
                         rgb565 ? "RGB565" : "XRGB8888", rgb565 ? " (use format=xrgb8888)" : "",
                         std::strerror(errno));
        drm_mode_map_dumb map{};
        map.handle = b.handle;
        if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0)
            return failf(Errc::DisplayOpen, errno, "%s: cannot map a screen buffer: %s", path,
                         std::strerror(errno));
        void* m = mmap(nullptr, b.sizeBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                       static_cast<off_t>(map.offset));
        if (m == MAP_FAILED)
            return failf(Errc::DisplayOpen, errno, "%s: cannot map a screen buffer: %s", path,
                         std::strerror(errno));
        b.map = static_cast<uint8_t*>(m);
        std::memset(b.map, 0, b.sizeBytes);
    }
    return okStatus();
}

}  // namespace snapstage::hal
