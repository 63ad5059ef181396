// SPDX-License-Identifier: MIT
// Request bodies (sources with a size known before the first byte is sent) and response body
// sinks (file, fd, fixed buffer, JSON). Nothing here grows a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "firmware/util/arena.h"
#include "firmware/util/fd.h"
#include "firmware/util/fs.h"
#include "firmware/util/json.h"
#include "firmware/util/result.h"

namespace snapstage::net {

// Opens `path` read-only, checks it is a regular file and reports its size.
// Errors: NotFound, StorageIo (the message names the path).
Status openRegularFile(const char* path, UniqueFd& fd, uint64_t& sizeBytes) noexcept;
// Reads up to out.size() bytes at `offset` (EINTR retried); a file that ends before `out` is
// filled is an error (the upload's size was fixed when it was opened). Errors: StorageIo.
Result<size_t> readAt(int fd, std::span<std::byte> out, uint64_t offset) noexcept;

// A request body of exactly size() bytes, read in order; rewind() starts it again (a retry on a
// fresh connection, a 307/308 redirect).
class BodySource {
public:
    virtual ~BodySource() = default;
    virtual uint64_t size() const noexcept = 0;
    // Content-Type to send, or "" to leave it to the caller's headers.
    virtual std::string_view contentType() const noexcept = 0;
    // Fills up to out.size() bytes; returns 0 only at the end. Errors: StorageIo.
    virtual Result<size_t> read(std::span<std::byte> out) noexcept = 0;
    virtual Status rewind() noexcept = 0;

protected:
    BodySource() = default;
    BodySource(const BodySource&) = default;
    BodySource& operator=(const BodySource&) = default;
};

// A body from a caller's buffer (borrowed: it must outlive the request).
class BufferSource final : public BodySource {
public:
    BufferSource(std::span<const std::byte> data, std::string_view contentType = {}) noexcept
        : data_(data), contentType_(contentType) {}
    uint64_t size() const noexcept override { return data_.size(); }
    std::string_view contentType() const noexcept override { return contentType_; }
    Result<size_t> read(std::span<std::byte> out) noexcept override;
    Status rewind() noexcept override {
        pos_ = 0;
        return okStatus();
    }

private:
    std::span<const std::byte> data_;
    std::string_view contentType_;
    size_t pos_ = 0;
};

// A raw body streamed from a file (presigned PUT uploads). The size is taken at open(); a file
// that changes size while it is sent is an error rather than a silently wrong upload.
class FileSource final : public BodySource {
public:
    // Errors: NotFound, StorageIo (with the path).
    Status open(const char* path, std::string_view contentType = {}) noexcept;
    uint64_t size() const noexcept override { return size_; }
    std::string_view contentType() const noexcept override { return contentType_; }
    Result<size_t> read(std::span<std::byte> out) noexcept override;
    Status rewind() noexcept override {
        pos_ = 0;
        return okStatus();
    }

private:
    UniqueFd fd_;
    uint64_t size_ = 0;
    uint64_t pos_ = 0;
    std::string_view contentType_;
};

// Where a response body goes. begin() is called once per response (after redirects are
// followed) before any write(); finish() once the body is complete.
class BodySink {
public:
    virtual ~BodySink() = default;
    // `contentLength` is -1 when unknown. Default: nothing to prepare.
    virtual Status begin(int status, int64_t contentLength) noexcept;
    virtual Status write(std::span<const std::byte> data) noexcept = 0;
    virtual Status finish() noexcept { return okStatus(); }

protected:
    BodySink() = default;
    BodySink(const BodySink&) = default;
    BodySink& operator=(const BodySink&) = default;
};

// Discards the body (redirect bodies, HEAD-like uses).
class NullSink final : public BodySink {
public:
    Status write(std::span<const std::byte>) noexcept override { return okStatus(); }
};

// Writes to a borrowed fd (stdout).
class FdSink final : public BodySink {
public:
    explicit FdSink(int fd) noexcept : fd_(fd) {}
    Status write(std::span<const std::byte> data) noexcept override;

private:
    int fd_;
};

// Writes to a temporary file renamed over `path` only by finish(): an interrupted or failed
// transfer leaves no file at `path`.
class FileSink final : public BodySink {
public:
    // Opens the temporary at start (allocates the path strings once). Errors: StorageIo.
    Status open(std::string_view path) noexcept { return file_.open(path); }
    Status write(std::span<const std::byte> data) noexcept override { return file_.write(data); }
    Status finish() noexcept override { return file_.commit(); }
    void abandon() noexcept { file_.abandon(); }

private:
    fs::AtomicFile file_;
};

// Collects the body into a caller's buffer (borrowed). Errors: HttpTooLarge when it is full.
class BufferSink : public BodySink {
public:
    explicit BufferSink(std::span<std::byte> buffer) noexcept : buffer_(buffer) {}
    Status begin(int status, int64_t contentLength) noexcept override;
    Status write(std::span<const std::byte> data) noexcept override;
    std::span<const std::byte> data() const noexcept { return buffer_.first(size_); }
    std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(buffer_.data()), size_};
    }

private:
    std::span<std::byte> buffer_;
    size_t size_ = 0;
};

// Collects a JSON body into a caller's buffer, then parses it into an Arena (no heap).
class JsonSink final : public BufferSink {
public:
    JsonSink(std::span<std::byte> buffer, Arena& arena) noexcept
        : BufferSink(buffer), arena_(arena) {}
    // Parses what was collected. Errors: StorageFormat (bad JSON), NoMemory (arena too small).
    Result<json::Document> parse() noexcept { return json::Document::parse(text(), &arena_); }

private:
    Arena& arena_;
};

}  // namespace snapstage::net
