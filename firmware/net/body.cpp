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

Status FileSource::open(const char* path, std::string_view contentType) noexcept {
    fd_.reset(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd_.valid())
        return failf(errno == ENOENT ? Errc::NotFound : Errc::StorageIo, errno,
                     "cannot open %s: %s", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode))
        return failf(Errc::StorageIo, errno, "%s is not a regular file", path);
    size_ = static_cast<uint64_t>(st.st_size);
    pos_ = 0;
    contentType_ = contentType;
    return okStatus();
}

Result<size_t> FileSource::read(std::span<std::byte> out) noexcept {
    uint64_t left = size_ - pos_;
    size_t want = left < out.size() ? static_cast<size_t>(left) : out.size();
    if (want == 0) return size_t{0};
    ssize_t n;
    do {
        n = ::pread(fd_.get(), out.data(), want, static_cast<off_t>(pos_));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return failf(Errc::StorageIo, errno, "reading the upload: %s", std::strerror(errno));
    if (n == 0) return fail(Errc::StorageIo, "the file to upload shrank while it was sent");
    pos_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
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
