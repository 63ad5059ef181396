// SPDX-License-Identifier: MIT
// multipart/form-data request bodies (RFC 7578) streamed from buffers and files, with the exact
// Content-Length known before the first byte is sent. Fixed capacity: never grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/net/body.h"
#include "firmware/util/fd.h"
#include "firmware/util/result.h"

namespace snapstage::net {

class Multipart final : public BodySource {
public:
    static constexpr size_t kMaxParts = 16;
    static constexpr size_t kTextCapacity = 4096;  // names, values, file names, types, boundary
    static constexpr size_t kMaxPreambleBytes = 1024;

    // Starts empty with a fresh random boundary.
    Multipart() noexcept;
    Multipart(const Multipart&) = delete;
    Multipart& operator=(const Multipart&) = delete;

    // Drops every part (closing their files) and draws a new boundary: one per request.
    void clear() noexcept;

    // A text field; `value` is copied. Errors: Overflow when the parts or text storage are full.
    Status addField(std::string_view name, std::string_view value) noexcept;
    // A part from a caller's buffer (borrowed until the body is sent). `filename` may be empty.
    Status addBuffer(std::string_view name, std::span<const std::byte> data,
                     std::string_view filename, std::string_view contentType) noexcept;
    // A part streamed from a file, opened now and read as the body is sent. `filename` defaults
    // to the path's last component, `contentType` to a guess from its extension.
    // Errors: NotFound / StorageIo naming the path, Overflow.
    Status addFile(std::string_view name, const char* path, std::string_view filename = {},
                   std::string_view contentType = {}) noexcept;

    size_t partCount() const noexcept { return count_; }
    std::string_view boundary() const noexcept { return boundary_; }

    // The exact body size.
    uint64_t size() const noexcept override;
    // "multipart/form-data; boundary=...".
    std::string_view contentType() const noexcept override { return contentType_; }
    Result<size_t> read(std::span<std::byte> out) noexcept override;
    Status rewind() noexcept override;

private:
    struct Part {
        std::string_view name;
        std::string_view filename;
        std::string_view type;
        std::span<const std::byte> data;  // buffer parts
        UniqueFd fd;                      // file parts
        uint64_t size = 0;
        size_t preambleBytes = 0;
    };
    enum class Section : uint8_t { Preamble, Data, End };

    Result<std::string_view> keep(std::string_view text) noexcept;
    Result<Part*> newPart(std::string_view name, std::string_view filename,
                          std::string_view type) noexcept;
    size_t renderPreamble(const Part& part, char* out, size_t cap) const noexcept;
    Result<size_t> readData(Part& part, std::span<std::byte> out) noexcept;

    Part parts_[kMaxParts];
    size_t count_ = 0;
    char text_[kTextCapacity] = {};
    size_t textUsed_ = 0;
    std::string_view boundary_;
    std::string_view contentType_;
    // Read position.
    size_t part_ = 0;
    Section section_ = Section::Preamble;
    uint64_t offset_ = 0;
    char scratch_[kMaxPreambleBytes] = {};
    size_t scratchBytes_ = 0;
};

// A Content-Type guessed from a file name's extension (image/jpeg, image/png, application/json,
// text/plain, else application/octet-stream).
std::string_view guessContentType(std::string_view filename) noexcept;

}  // namespace snapstage::net
