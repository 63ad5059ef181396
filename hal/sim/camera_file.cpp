// SPDX-License-Identifier: MIT
// The file camera.
#include "hal/sim/camera_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

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

// What a non-regular file is, for messages.
const char* kindOf(mode_t mode) {
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISDIR(mode)) return "a folder";
    return "not a regular file";
}

Failure notRegular(const std::string& path, mode_t mode) {
    return failf(Errc::CameraOpen, 0,
                 "file: %s is %s: name a .jpg, .jpeg or .ppm file, or a folder of them",
                 path.c_str(), kindOf(mode));
}

// The folder's image files in name order; each must be a regular file (stat() never blocks, as
// opening a FIFO would).
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
    for (const std::string& path : out) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            return failf(Errc::CameraOpen, errno, "file: %s: %s", path.c_str(),
                         std::strerror(errno));
        if (!S_ISREG(st.st_mode)) return notRegular(path, st.st_mode);
    }
    return out;
}

bool sameFile(const struct stat& st, dev_t device, ino_t inode, size_t size, timespec modified) {
    return st.st_dev == device && st.st_ino == inode && static_cast<size_t>(st.st_size) == size &&
           st.st_mtim.tv_sec == modified.tv_sec && st.st_mtim.tv_nsec == modified.tv_nsec;
}

}  // namespace

FileCamera::~FileCamera() {
    map_.unmap();
}

Status FileCamera::init() {
    SNAPSTAGE_TRY(spec_.checkKnown({}));
    const std::string& path = spec_.argument;
    if (path.empty())
        return fail(Errc::InvalidArgument, "file: name a file or folder, e.g. file:photo.jpg");
    ready_ = false;
    map_.unmap();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return failf(Errc::CameraOpen, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
    files_.clear();
    if (S_ISDIR(st.st_mode)) {
        auto list = listImages(path);
        if (!list) return fail(list.error());
        files_ = std::move(*list);
    } else if (S_ISREG(st.st_mode)) {
        files_.push_back(path);
    } else {
        return notRegular(path, st.st_mode);
    }
    FrameView first;
    SNAPSTAGE_TRY(loadInto(files_[0], first));
    info_ = CameraInfo{};
    info_.backend = "file";
    std::snprintf(info_.name, sizeof info_.name, "%s", path.c_str());
    info_.width = first.width;
    info_.height = first.height;
    info_.format = first.format;
    info_.bufferCount = 1;
    info_.streams = files_.size() > 1;  // a folder of frames replays as a stream
    ready_ = true;
    return {};
}

Status FileCamera::mapFile(const std::string& path) noexcept {
    // O_NONBLOCK: a FIFO put in place since init() must not hang the open.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid())
        return failf(Errc::CameraIo, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return failf(Errc::CameraIo, errno, "file: %s: %s", path.c_str(), std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return notRegular(path, st.st_mode);
    if (!map_.file.bytes().empty() &&
        sameFile(st, map_.device, map_.inode, map_.file.bytes().size(), map_.modified))
        return {};
    map_.unmap();
    if (st.st_size <= 0) return failf(Errc::StorageFormat, 0, "file: %s is empty", path.c_str());
    if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes)
        return failf(Errc::CameraFormat, 0, "file: %s is larger than 256 MiB", path.c_str());
    const auto size = static_cast<size_t>(st.st_size);
    // Its pages read in at once: the whole file is read by the encoder.
    if (Status mapped = map_.file.map(fd.get(), size); !mapped)
        return failf(mapped.error().code() == Errc::NoMemory ? Errc::NoMemory : Errc::CameraIo,
                     mapped.error().detail(), "file: %s: %s", path.c_str(),
                     mapped.error().message());
    map_.device = st.st_dev;
    map_.inode = st.st_ino;
    map_.modified = st.st_mtim;
    return {};
}

Status FileCamera::loadInto(const std::string& path, FrameView& view) noexcept {
    SNAPSTAGE_TRY(mapFile(path));
    std::span<const std::byte> data = map_.file.bytes();
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
    if (!ready_) return fail(Errc::Internal, "file: start() before init()");
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
