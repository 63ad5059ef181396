// SPDX-License-Identifier: MIT
// Request body sources and response body sinks.
#include "firmware/net/body.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace snapstage::net {

Result<size_t> BufferSource::read(std::span<std::byte> out) noexcept {
    size_t n = std::min(out.size(), data_.size() - pos_);
    if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
}

Status openRegularFile(const char* path, UniqueFd& fd, uint64_t& sizeBytes) noexcept {
    fd.reset(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return failf(errno == ENOENT ? Errc::NotFound : Errc::StorageIo, errno,
                     "cannot open %s for the upload: %s", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return failf(Errc::StorageIo, errno, "%s is not a regular file", path);
    sizeBytes = static_cast<uint64_t>(st.st_size);
    return okStatus();
}

Result<size_t> readAt(int fd, std::span<std::byte> out, uint64_t offset) noexcept {
    if (out.empty()) return size_t{0};
    ssize_t n;
    do {
        n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return failf(Errc::StorageIo, errno, "reading the upload: %s", std::strerror(errno));
    if (n == 0) return fail(Errc::StorageIo, "a file shrank while it was being uploaded");
    return static_cast<size_t>(n);
}

Status FileSource::open(const char* path, std::string_view contentType) noexcept {
    SNAPSTAGE_TRY(openRegularFile(path, fd_, size_));
    pos_ = 0;
    contentType_ = contentType;
    return okStatus();
}

Result<size_t> FileSource::read(std::span<std::byte> out) noexcept {
    uint64_t left = size_ - pos_;
    auto n = readAt(fd_.get(),
                    out.first(left < out.size() ? static_cast<size_t>(left) : out.size()), pos_);
    if (n) pos_ += *n;
    return n;
}

Status BodySink::begin(int, int64_t) noexcept {
    return okStatus();
}

Status FdSink::write(std::span<const std::byte> data) noexcept {
    return fs::writeAll(fd_, data);
}

Status BufferSink::begin(int, int64_t) noexcept {
    size_ = 0;
    return okStatus();
}

Status BufferSink::write(std::span<const std::byte> data) noexcept {
    if (data.size() > buffer_.size() - size_)
        return failf(Errc::HttpTooLarge, 0, "the response body is larger than its %zu-byte buffer",
                     buffer_.size());
    if (!data.empty()) std::memcpy(buffer_.data() + size_, data.data(), data.size());
    size_ += data.size();
    return okStatus();
}

}  // namespace snapstage::net
