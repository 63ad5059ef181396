// SPDX-License-Identifier: MIT
// File helpers.
#include "firmware/util/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/util/fd.h"

namespace snapstage::fs {
namespace {

Failure ioFailure(const char* what, const char* path, int err) {
    Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::StorageFull
                : (err == ENOENT)                ? Errc::NotFound
                                                 : Errc::StorageIo;
    if (code == Errc::StorageFull)
        return failf(code, err, "no space left to write %s: free some space", path);
    return failf(code, err, "%s %s: %s", what, path, std::strerror(err));
}
Failure ioFailure(const char* what, const std::string& path, int err) {
    return ioFailure(what, path.c_str(), err);
}

// Copies `text` into `out` as a C string; false when it does not fit.
bool copyPath(std::string_view text, char* out, size_t capacity) {
    if (text.empty() || text.size() >= capacity || text.find('\0') != std::string_view::npos)
        return false;
    std::memcpy(out, text.data(), text.size());
    out[text.size()] = '\0';
    return true;
}

// The blocks of the entries of the open folder `fd` (taken over and closed), recursively.
uint64_t usageOf(int fd, int depth, const char* skip) {
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        return 0;
    }
    uint64_t total = 0;
    while (dirent* e = ::readdir(d)) {
        if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
        struct stat st {};
        if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        total += static_cast<uint64_t>(st.st_blocks) * 512;
        if (!S_ISDIR(st.st_mode) || depth <= 0 || (skip && !std::strcmp(e->d_name, skip))) continue;
        int sub = ::openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) total += usageOf(sub, depth - 1, nullptr);
    }
    ::closedir(d);
    return total;
}

}  // namespace

Result<uint64_t> diskUsage(const char* dir, int maxDepth, const char* skip) noexcept {
    int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioFailure("cannot open folder", dir, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return ioFailure("cannot stat", dir, err);
    }
    return static_cast<uint64_t>(st.st_blocks) * 512 + usageOf(fd, maxDepth, skip);
}

Result<std::vector<std::byte>> readFile(const std::string& path, size_t maxBytes) noexcept {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return ioFailure("cannot open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ioFailure("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return failf(Errc::StorageIo, 0, "%s is not a file", path.c_str());
    if (static_cast<uint64_t>(st.st_size) > maxBytes)
        return failf(Errc::Overflow, 0, "%s is larger than %zu bytes", path.c_str(), maxBytes);
    std::vector<std::byte> data(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < data.size()) {
        ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ioFailure("cannot read", path, errno);
        if (n == 0) break;  // file shrank while reading
        got += static_cast<size_t>(n);
    }
    data.resize(got);
    return data;
}

Result<size_t> readInto(const char* path, std::span<std::byte> out) noexcept {
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd.valid()) return ioFailure("cannot open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return ioFailure("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) return failf(Errc::StorageIo, 0, "%s is not a file", path);
    if (static_cast<uint64_t>(st.st_size) > out.size())
        return failf(Errc::Overflow, 0, "%s is larger than %zu bytes", path, out.size());
    size_t got = 0;
    while (got < static_cast<size_t>(st.st_size)) {
        ssize_t n = ::read(fd.get(), out.data() + got, static_cast<size_t>(st.st_size) - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ioFailure("cannot read", path, errno);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return got;
}

Result<std::string> readTextFile(const std::string& path, size_t maxBytes) noexcept {
    auto data = readFile(path, maxBytes);
    if (!data) return fail(data.error());
    return std::string(reinterpret_cast<const char*>(data->data()), data->size());
}

Status writeAll(int fd, std::span<const std::byte> data) noexcept {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            return failf(err == ENOSPC ? Errc::StorageFull : Errc::StorageIo, err,
                         "write failed: %s", std::strerror(err));
        }
        data = data.subspan(static_cast<size_t>(n));
    }
    return {};
}

Status syncDir(const char* dir) noexcept {
    UniqueFd fd(::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ioFailure("cannot open folder", dir, errno);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) return ioFailure("cannot sync", dir, errno);
    return {};
}

Status syncParentDir(std::string_view path) noexcept {
    char dir[kMaxPathBytes];
    size_t slash = path.rfind('/');
    std::string_view parent = slash == std::string_view::npos ? std::string_view(".")
                              : slash == 0                    ? std::string_view("/")
                                                              : path.substr(0, slash);
    if (!copyPath(parent, dir, sizeof dir))
        return fail(Errc::InvalidArgument, "path too long to sync its folder");
    return syncDir(dir);
}

Status makeDirs(const std::string& path, unsigned mode) noexcept {
    if (path.empty()) return {};
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        if (partial.empty()) continue;
        if (::mkdir(partial.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
            return ioFailure("cannot create folder", partial, errno);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return failf(Errc::StorageIo, 0, "%s exists and is not a folder", path.c_str());
    return {};
}

AtomicFile::~AtomicFile() {
    abandon();
}

Status AtomicFile::open(std::string_view path, unsigned mode) noexcept {
    abandon();
    if (!copyPath(path, path_, sizeof path_ - 16))
        return failf(Errc::InvalidArgument, 0, "path too long or empty: %.*s",
                     static_cast<int>(path.size() > 80 ? 80 : path.size()), path.data());
    size_t n = path.size();
    std::memcpy(tmpPath_, path_, n);
    std::memcpy(tmpPath_ + n, ".tmp-XXXXXX", 12);
    fd_ = ::mkostemp(tmpPath_, O_CLOEXEC);
    if (fd_ < 0) {
        tmpPath_[0] = '\0';
        return ioFailure("cannot create a file beside", path_, errno);
    }
    ::fchmod(fd_, static_cast<mode_t>(mode));
    return {};
}

Status AtomicFile::write(std::span<const std::byte> data) noexcept {
    if (fd_ < 0) return fail(Errc::Internal, "AtomicFile::write before open");
    while (!data.empty()) {
        ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ioFailure("cannot write", path_, errno);
        data = data.subspan(static_cast<size_t>(n));
    }
    return {};
}

Status AtomicFile::copyFrom(int in) noexcept {
    if (fd_ < 0) return fail(Errc::Internal, "AtomicFile::copyFrom before open");
    bool copiedAny = false;
    for (;;) {
        ssize_t n = ::copy_file_range(in, nullptr, fd_, nullptr, size_t{1} << 30, 0);
        if (n > 0) {
            copiedAny = true;
            continue;
        }
        if (n == 0) {
            // Some file systems (FUSE, pseudo files) answer 0 at once with bytes left to copy:
            // then the caller reads them.
            struct stat st {};
            off_t at = ::lseek(in, 0, SEEK_CUR);
            if (!copiedAny && at >= 0 && ::fstat(in, &st) == 0 && at < st.st_size)
                return fail(Errc::NotSupported, "copy_file_range copied nothing");
            return {};
        }
        if (errno == EINTR) continue;
        // Older kernels, file systems or sandboxes without it (and nothing copied by this call).
        if (errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
            errno == EPERM)
            return failf(Errc::NotSupported, errno, "copy_file_range: %s", std::strerror(errno));
        return ioFailure("cannot write", path_, errno);
    }
}

Status AtomicFile::commit() noexcept {
    return finish(true);
}

Status AtomicFile::replace() noexcept {
    return finish(false);
}

Status AtomicFile::finish(bool durable) noexcept {
    if (fd_ < 0) return fail(Errc::Internal, "AtomicFile::commit before open");
    if (durable && ::fsync(fd_) != 0) return ioFailure("cannot write", path_, errno);
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmpPath_, path_) != 0) {
        int err = errno;
        ::unlink(tmpPath_);
        tmpPath_[0] = '\0';
        return ioFailure("cannot rename into", path_, err);
    }
    tmpPath_[0] = '\0';
    return durable ? syncParentDir(path_) : Status{};
}

void AtomicFile::abandon() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (tmpPath_[0]) ::unlink(tmpPath_);
    tmpPath_[0] = '\0';
}

Status writeFileAtomic(std::string_view path, std::span<const std::byte> data,
                       unsigned mode) noexcept {
    AtomicFile file;
    SNAPSTAGE_TRY(file.open(path, mode));
    SNAPSTAGE_TRY(file.write(data));
    return file.commit();
}

Status replaceFile(std::string_view path, std::span<const std::byte> data, unsigned mode) noexcept {
    AtomicFile file;
    SNAPSTAGE_TRY(file.open(path, mode));
    SNAPSTAGE_TRY(file.write(data));
    return file.replace();
}

}  // namespace snapstage::fs
