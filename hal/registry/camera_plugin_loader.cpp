// SPDX-License-Identifier: MIT
// Camera modules: found beside the executable or in the installed module folder, loaded with
// dlopen once, and checked to come from this very build before anything in them is called.
#include "hal/registry/camera_plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#ifndef SNAPSTAGE_PLUGIN_INSTALL_DIR
#define SNAPSTAGE_PLUGIN_INSTALL_DIR "/usr/lib/snapstage"
#endif

namespace snapstage::hal {
namespace {

struct Loaded {
    const char* file = nullptr;
    const CameraPlugin* plugin = nullptr;
    Error error;
};

// One slot per module file this build knows; modules are never unloaded (their code backs
// every camera they made).
constexpr size_t kMaxModules = 4;
Loaded g_loaded[kMaxModules];
std::mutex g_mutex;

constexpr size_t kPathBytes = 512;
constexpr size_t kWhyBytes = 300;

// The folder of the running executable into `out`, or "" when /proc is not there.
void executableDir(char (&out)[kPathBytes]) noexcept {
    out[0] = '\0';
    ssize_t n = ::readlink("/proc/self/exe", out, sizeof out - 1);
    if (n <= 0) return;
    out[n] = '\0';
    if (char* slash = std::strrchr(out, '/')) *slash = '\0';
}

// What went wrong, cut to fit: the reason matters more than the whole path.
[[gnu::format(printf, 2, 3)]] void explain(char (&why)[kWhyBytes], const char* fmt, ...) noexcept {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(why, sizeof why, fmt, args);
    va_end(args);
}

// Tries one folder. Returns the module, or null with `why` saying what went wrong there
// (truncated to fit).
const CameraPlugin* tryFolder(const char* dir, const char* file, char (&why)[kWhyBytes]) noexcept {
    char path[kPathBytes + 64];
    std::snprintf(path, sizeof path, "%s/%s", dir, file);
    if (::access(path, F_OK) != 0) {
        explain(why, "%s: not there", path);
        return nullptr;
    }
    void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        explain(why, "%s", ::dlerror());
        return nullptr;
    }
    using Entry = const CameraPlugin* (*)() noexcept;
    auto entry = reinterpret_cast<Entry>(::dlsym(handle, kCameraPluginSymbol));
    const CameraPlugin* plugin = entry ? entry() : nullptr;
    if (!plugin) {
        explain(why, "%s: not a snapstage camera module", path);
        ::dlclose(handle);
        return nullptr;
    }
    if (std::strcmp(plugin->abi, kCameraPluginAbi) != 0) {
        explain(why, "%s: from another build (%s; this is %s)", path, plugin->abi,
                kCameraPluginAbi);
        ::dlclose(handle);
        return nullptr;
    }
    return plugin;
}

Loaded load(const char* file) noexcept {
    Loaded out;
    out.file = file;
    char why[kWhyBytes] = {};
    if (const char* dir = std::getenv("SNAPSTAGE_PLUGIN_DIR"); dir && dir[0]) {
        out.plugin = tryFolder(dir, file, why);
    } else {
        char exeDir[kPathBytes];
        executableDir(exeDir);
        char beside[kWhyBytes] = {};
        if (exeDir[0]) out.plugin = tryFolder(exeDir, file, beside);
        if (!out.plugin) out.plugin = tryFolder(SNAPSTAGE_PLUGIN_INSTALL_DIR, file, why);
        // A module beside the executable that failed for another reason than being absent says
        // more than the installed folder's answer.
        if (!out.plugin && beside[0] && !std::strstr(beside, ": not there"))
            std::memcpy(why, beside, sizeof why);
    }
    if (!out.plugin)
        out.error = Error::format(Errc::CameraOpen, 0,
                                  "the camera module %s cannot be loaded (%s): install it or "
                                  "choose another camera",
                                  file, why);
    return out;
}

class UnavailableCamera final : public Camera {
public:
    explicit UnavailableCamera(const Error& why) noexcept : why_(why) {}
    Status init() override { return fail(why_); }
    Status start() override { return fail(why_); }
    Result<FrameView> capture(int) override { return fail(why_); }
    void release(const FrameView&) override {}
    void stop() override {}
    CameraInfo info() const override { return {}; }

private:
    Error why_;
};

}  // namespace

Result<const CameraPlugin*> loadCameraPlugin(const char* file) noexcept {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (Loaded& slot : g_loaded) {
        if (slot.file && std::strcmp(slot.file, file) == 0) {
            if (slot.plugin) return slot.plugin;
            return fail(slot.error);
        }
        if (!slot.file) {
            slot = load(file);
            if (slot.plugin) return slot.plugin;
            return fail(slot.error);
        }
    }
    return fail(Errc::Internal, "too many camera modules");
}

Camera* makeUnavailableCamera(const Error& why) noexcept {
    return new (std::nothrow) UnavailableCamera(why);
}

}  // namespace snapstage::hal
