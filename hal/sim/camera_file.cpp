// SPDX-License-Identifier: MIT
// The file camera.
#include "hal/sim/camera_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "firmware/util/fd.h"
#include "firmware/util/time.h"
#include "hal/sim/image_probe.h"

namespace snapstage::hal {
namespace {

constexpr size_t kMaxFileBytes = 256u << 20;

bool hasImageSuffix(const std::string& name) {
    auto dot = name.rfind('.');
    if (dot == std::string::npos) return false;
    std::string ext = name.substr(dot + 1);
    for (auto& c : ext)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == "jpg" || ext == "jpeg" || ext == "ppm";
}

Result<std::vector<std::string>> listImages(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d)
        return failf(Errc::CameraOpen, errno, "file: cannot open folder %s: %s", dir.c_str(),
                     std::strerror(errno));
    std::vector<std::string> out;
    while (dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name[0] != '.' && hasImageSuffix(name)) out.push_back(dir + "/" + name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    if (out.empty())
        return failf(Errc::CameraOpen, 0, "file: folder %s holds no .jpg, .jpeg or .ppm file",
                     dir.c_str());
    return out;
}

}  // namespace

Status FileCamera::init() {
    SNAPSTAGE_TRY(spec_.checkKnown({}));
    const std::string& path = spec_.argument;
    if (path.empty())
        return fail(Errc::InvalidArgument, "file: name a file or folder, e.g. file:photo.jpg");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return failf(Errc::CameraOpen, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
    files_.clear();
    if (S_ISDIR(st.st_mode)) {
        auto list = listImages(path);
        if (!list) return fail(list.error());
        files_ = std::move(*list);
    } else {
        files_.push_back(path);
    }
    // One buffer, as large as the largest file, allocated now and reused for every frame.
    capacity_ = 0;
    for (const auto& f : files_) {
        if (::stat(f.c_str(), &st) != 0)
            return failf(Errc::CameraOpen, errno, "file: %s: %s", f.c_str(), std::strerror(errno));
        if (static_cast<size_t>(st.st_size) > kMaxFileBytes)
            return failf(Errc::CameraFormat, 0, "file: %s is larger than 256 MiB", f.c_str());
        capacity_ = std::max(capacity_, static_cast<size_t>(st.st_size));
    }
    buffer_.reset(new (std::nothrow) std::byte[capacity_]);
    if (!buffer_) return failf(Errc::NoMemory, 0, "file: cannot allocate %zu bytes", capacity_);

    FrameView first;
    SNAPSTAGE_TRY(loadInto(files_[0], first));
    info_ = CameraInfo{};
    info_.backend = "file";
    std::snprintf(info_.name, sizeof info_.name, "%s", path.c_str());
    info_.width = first.width;
    info_.height = first.height;
    info_.format = first.format;
    info_.bufferCount = 1;
    return {};
}

Status FileCamera::loadInto(const std::string& path, FrameView& view) noexcept {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return failf(Errc::CameraIo, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
    size_t got = 0;
    for (;;) {
        if (got == capacity_) break;
        ssize_t n = ::read(fd.get(), buffer_.get() + got, capacity_ - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return failf(Errc::CameraIo, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    std::span<const std::byte> data(buffer_.get(), got);
    auto header = probeImage(data);
    if (!header) return fail(header.error().withContext(path.c_str()));
    view = FrameView{};
    view.width = header->width;
    view.height = header->height;
    view.planeCount = 1;
    if (header->kind == ImageHeader::Kind::Jpeg) {
        view.format = PixelFormat::Mjpeg;
        view.planes[0] = Plane{data, 0};
    } else {
        view.format = PixelFormat::Rgb24;
        size_t len = size_t{header->width} * header->height * 3;
        view.planes[0] = Plane{data.subspan(header->pixelOffset, len), header->width * 3};
    }
    return {};
}

Status FileCamera::start() {
    if (!buffer_) return fail(Errc::Internal, "file: start() before init()");
    started_ = true;
    sequence_ = 0;
    next_ = 0;
    return {};
}

Result<FrameView> FileCamera::capture(int /*timeoutMs*/) {
    if (!started_) return fail(Errc::Internal, "file: capture() before start()");
    if (lent_) return fail(Errc::CameraBusy, "file: release the previous frame first");
    FrameView view;
    SNAPSTAGE_TRY(loadInto(files_[next_], view));
    next_ = (next_ + 1) % files_.size();
    view.sequence = sequence_++;
    view.timestampUs = monotonicUs();
    lent_ = true;
    return view;
}

void FileCamera::release(const FrameView& /*frame*/) {
    lent_ = false;
}

void FileCamera::stop() {
    started_ = false;
    lent_ = false;
}

}  // namespace snapstage::hal
