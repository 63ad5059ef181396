// SPDX-License-Identifier: MIT
// File helpers.
#include "firmware/util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/util/fd.h"

namespace snapstage::fs {
namespace {

Failure ioFailure(const char* what, const std::string& path, int err) {
    Errc code = (err == ENOSPC || err == EDQUOT) ? Errc::StorageFull
                : (err == ENOENT)                ? Errc::NotFound
                                                 : Errc::StorageIo;
    return failf(code, err, "%s %s: %s", what, path.c_str(), std::strerror(err));
}

std::string parentOf(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

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

Status syncParentDir(const std::string& path) noexcept {
    std::string dir = parentOf(path);
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ioFailure("cannot open folder", dir, errno);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) return ioFailure("cannot sync", dir, errno);
    return {};
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

Status AtomicFile::open(const std::string& path, unsigned mode) noexcept {
    abandon();
    path_ = path;
    tmpPath_ = path + ".tmp-XXXXXX";
    fd_ = ::mkostemp(tmpPath_.data(), O_CLOEXEC);
    if (fd_ < 0) {
        // Messages name the file the caller asked for; the temporary is an implementation detail.
        const int err = errno;
        tmpPath_.clear();
        return ioFailure("cannot create a temporary file to write", path_, err);
    }
    ::fchmod(fd_, static_cast<mode_t>(mode));
    return {};
}

Status AtomicFile::write(std::span<const std::byte> data) noexcept {
    if (fd_ < 0) return fail(Errc::Internal, "AtomicFile::write before open");
    auto st = writeAll(fd_, data);
    if (!st) return fail(st.error().withContext(path_.c_str()));
    return {};
}

Status AtomicFile::commit() noexcept {
    if (fd_ < 0) return fail(Errc::Internal, "AtomicFile::commit before open");
    if (::fsync(fd_) != 0) return ioFailure("cannot sync", path_, errno);
    ::close(fd_);
    fd_ = -1;
    if (::rename(tmpPath_.c_str(), path_.c_str()) != 0) {
        int err = errno;
        ::unlink(tmpPath_.c_str());
        return ioFailure("cannot rename into", path_, err);
    }
    tmpPath_.clear();
    return syncParentDir(path_);
}

void AtomicFile::abandon() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!tmpPath_.empty()) ::unlink(tmpPath_.c_str());
    tmpPath_.clear();
}

Status writeFileAtomic(const std::string& path, std::span<const std::byte> data) noexcept {
    AtomicFile file;
    SNAPSTAGE_TRY(file.open(path));
    SNAPSTAGE_TRY(file.write(data));
    return file.commit();
}

}  // namespace snapstage::fs
