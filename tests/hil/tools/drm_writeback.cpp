// SPDX-License-Identifier: MIT
// drm_writeback: what a DRM device really shows, for the VM tests of the drm display on vkms.
//   drm_writeback state CARD            one JSON line per CRTC: id, framebuffer, mode
//   drm_writeback capture CARD PID OUT  the picture composed on the CRTC in use, read back
//                                       through the card's writeback connector into OUT (PPM)
// `capture` works on the DRM master's own open file: it takes a duplicate of process PID's
// descriptor of CARD (pidfd_getfd; root), since only the master may commit, and the program
// under test stays master while it shows its picture. It asks for the atomic and writeback
// client capabilities on that file, attaches a buffer of the mode's size to the writeback
// connector (WRITEBACK_FB_ID) in an atomic commit with WRITEBACK_OUT_FENCE_PTR, waits for the
// fence, writes the buffer out, then detaches the connector again and frees the buffer.
// Exit codes: 0 done; 1 failure (message on stderr); 2 usage.
#include <drm_fourcc.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#ifndef DRM_CLIENT_CAP_WRITEBACK_CONNECTORS
#define DRM_CLIENT_CAP_WRITEBACK_CONNECTORS 5
#endif

namespace {

int failWith(const char* what) {
    std::fprintf(stderr, "drm_writeback: %s: %s\n", what, std::strerror(errno));
    return 1;
}

int state(const char* card) {
    int fd = open(card, O_RDWR | O_CLOEXEC);
    if (fd < 0) return failWith(card);
    drmModeRes* res = drmModeGetResources(fd);
    if (!res) return failWith("resources");
    for (int i = 0; i < res->count_crtcs; ++i) {
        drmModeCrtc* c = drmModeGetCrtc(fd, res->crtcs[i]);
        if (!c) continue;
        std::printf("{\"crtc\": %u, \"fb\": %u, \"mode_valid\": %d, \"mode\": \"%ux%u@%u\"}\n",
                    c->crtc_id, c->buffer_id, c->mode_valid, c->mode.hdisplay, c->mode.vdisplay,
                    c->mode.vrefresh);
        drmModeFreeCrtc(c);
    }
    drmModeFreeResources(res);
    close(fd);
    return 0;
}

// The descriptor of `card` that process `pid` holds, duplicated into this process.
int masterFd(const char* card, int pid) {
    char real[PATH_MAX];
    if (!realpath(card, real)) return -1;
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) return -1;
    int out = -1;
    errno = 0;
    for (int n = 0; n < 256 && out < 0; ++n) {
        char link[PATH_MAX];
        std::string p = dir + "/" + std::to_string(n);
        ssize_t len = readlink(p.c_str(), link, sizeof link - 1);
        if (len <= 0) continue;
        link[len] = '\0';
        if (std::strcmp(link, real) == 0)
            out = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, n, 0));
    }
    close(pidfd);
    if (out < 0 && errno == 0) errno = ENOENT;
    return out;
}

uint32_t propertyId(int fd, uint32_t object, uint32_t type, const char* name) {
    drmModeObjectProperties* props = drmModeObjectGetProperties(fd, object, type);
    uint32_t id = 0;
    for (uint32_t i = 0; props && i < props->count_props && !id; ++i) {
        drmModePropertyRes* p = drmModeGetProperty(fd, props->props[i]);
        if (p && std::strcmp(p->name, name) == 0) id = p->prop_id;
        drmModeFreeProperty(p);
    }
    drmModeFreeObjectProperties(props);
    return id;
}

struct Capture {
    int fd = -1;
    uint32_t writeback = 0, crtc = 0, width = 0, height = 0;
    uint32_t handle = 0, fb = 0, pitch = 0;
    uint64_t size = 0;
};

bool findOutputs(Capture& c) {
    drmModeRes* res = drmModeGetResources(c.fd);
    if (!res) return false;
    for (int i = 0; i < res->count_connectors && !c.writeback; ++i) {
        drmModeConnector* con = drmModeGetConnector(c.fd, res->connectors[i]);
        if (con && con->connector_type == DRM_MODE_CONNECTOR_WRITEBACK)
            c.writeback = con->connector_id;
        drmModeFreeConnector(con);
    }
    for (int i = 0; i < res->count_crtcs && !c.crtc; ++i) {
        drmModeCrtc* crtc = drmModeGetCrtc(c.fd, res->crtcs[i]);
        if (crtc && crtc->mode_valid && crtc->buffer_id) {
            c.crtc = crtc->crtc_id;
            c.width = crtc->mode.hdisplay;
            c.height = crtc->mode.vdisplay;
        }
        drmModeFreeCrtc(crtc);
    }
    drmModeFreeResources(res);
    errno = ENODEV;
    return c.writeback && c.crtc;
}

bool commit(Capture& c, uint32_t crtc, uint32_t fb, int32_t* fence) {
    uint32_t crtcProp = propertyId(c.fd, c.writeback, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID");
    uint32_t fbProp = propertyId(c.fd, c.writeback, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_FB_ID");
    uint32_t fenceProp =
        propertyId(c.fd, c.writeback, DRM_MODE_OBJECT_CONNECTOR, "WRITEBACK_OUT_FENCE_PTR");
    drmModeAtomicReq* req = drmModeAtomicAlloc();
    drmModeAtomicAddProperty(req, c.writeback, crtcProp, crtc);
    drmModeAtomicAddProperty(req, c.writeback, fbProp, fb);
    if (fence)
        drmModeAtomicAddProperty(req, c.writeback, fenceProp,
                                 static_cast<uint64_t>(reinterpret_cast<uintptr_t>(fence)));
    int rc = drmModeAtomicCommit(c.fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET, nullptr);
    drmModeAtomicFree(req);
    return rc == 0;
}

int capture(const char* card, int pid, const char* out) {
    Capture c;
    c.fd = masterFd(card, pid);
    if (c.fd < 0) return failWith("the program's DRM descriptor (pidfd_getfd)");
    if (drmSetClientCap(c.fd, DRM_CLIENT_CAP_ATOMIC, 1) != 0 ||
        drmSetClientCap(c.fd, DRM_CLIENT_CAP_WRITEBACK_CONNECTORS, 1) != 0)
        return failWith("atomic and writeback client capabilities");
    if (!findOutputs(c)) return failWith("a writeback connector and an active CRTC");
    drm_mode_create_dumb create{};
    create.width = c.width;
    create.height = c.height;
    create.bpp = 32;
    if (drmIoctl(c.fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) != 0) return failWith("dumb buffer");
    c.handle = create.handle;
    c.pitch = create.pitch;
    c.size = create.size;
    uint32_t handles[4] = {c.handle}, pitches[4] = {c.pitch}, offsets[4] = {};
    if (drmModeAddFB2(c.fd, c.width, c.height, DRM_FORMAT_XRGB8888, handles, pitches, offsets,
                      &c.fb, 0) != 0)
        return failWith("framebuffer");
    int32_t fence = -1;
    if (!commit(c, c.crtc, c.fb, &fence)) return failWith("the writeback commit");
    pollfd p{fence, POLLIN, 0};
    if (fence < 0 || poll(&p, 1, 3000) != 1) return failWith("the writeback fence");
    close(fence);
    drm_mode_map_dumb map{};
    map.handle = c.handle;
    if (drmIoctl(c.fd, DRM_IOCTL_MODE_MAP_DUMB, &map) != 0) return failWith("map");
    void* m = mmap(nullptr, c.size, PROT_READ, MAP_SHARED, c.fd, static_cast<off_t>(map.offset));
    if (m == MAP_FAILED) return failWith("mmap");
    std::FILE* f = std::fopen(out, "wb");
    if (!f) return failWith(out);
    std::fprintf(f, "P6\n%u %u\n255\n", c.width, c.height);
    for (uint32_t y = 0; y < c.height; ++y) {
        const uint8_t* row = static_cast<const uint8_t*>(m) + static_cast<size_t>(y) * c.pitch;
        for (uint32_t x = 0; x < c.width; ++x) {
            const uint8_t rgb[3] = {row[4 * x + 2], row[4 * x + 1], row[4 * x]};
            std::fwrite(rgb, 1, 3, f);
        }
    }
    std::fclose(f);
    munmap(m, c.size);
    if (!commit(c, 0, 0, nullptr)) return failWith("detaching the writeback connector");
    drmModeRmFB(c.fd, c.fb);
    drm_mode_destroy_dumb destroy{};
    destroy.handle = c.handle;
    drmIoctl(c.fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
    std::printf("{\"crtc\": %u, \"writeback\": %u, \"width\": %u, \"height\": %u}\n", c.crtc,
                c.writeback, c.width, c.height);
    close(c.fd);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "state") == 0) return state(argv[2]);
    if (argc == 5 && std::strcmp(argv[1], "capture") == 0)
        return capture(argv[2], std::atoi(argv[3]), argv[4]);
    std::fprintf(stderr, "usage: drm_writeback state CARD | capture CARD PID OUT.ppm\n");
    return 2;
}
