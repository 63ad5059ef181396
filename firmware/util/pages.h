// SPDX-License-Identifier: MIT
// Page-level memory: a large zeroed buffer mapped at start-up (display frames), and a read-only
// view of a whole file (an image shown once). Both come straight from the kernel, so neither
// touches the C heap, and neither faults page by page when first used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "firmware/util/result.h"

namespace snapstage {

// Anonymous memory of a fixed size, zero-filled, with every page present when allocate()
// returns (the kernel maps them in one pass; transparent huge pages are asked for where the
// kernel offers them): a frame written at once, not 2,048 faults of 4 KiB into its first draw.
// Move-only; unmapped when destroyed.
class PageBuffer {
public:
    PageBuffer() noexcept = default;
    PageBuffer(PageBuffer&& o) noexcept : data_(o.data_), size_(o.size_), mapped_(o.mapped_) {
        o.data_ = nullptr;
        o.size_ = o.mapped_ = 0;
    }
    PageBuffer& operator=(PageBuffer&& o) noexcept;
    PageBuffer(const PageBuffer&) = delete;
    PageBuffer& operator=(const PageBuffer&) = delete;
    ~PageBuffer() { release(); }

    // Maps `sizeBytes` (> 0). Errors: NoMemory, InvalidArgument (zero).
    Status allocate(size_t sizeBytes) noexcept;
    void release() noexcept;

    uint8_t* data() const noexcept { return data_; }
    size_t size() const noexcept { return size_; }
    explicit operator bool() const noexcept { return data_ != nullptr; }

private:
    uint8_t* data_ = nullptr;
    size_t size_ = 0;    // as asked
    size_t mapped_ = 0;  // the whole mapping, rounded up to whole (huge) pages
};

// A whole regular file mapped read-only, its pages read in at once (MAP_POPULATE): no copy
// into the heap. The file must not shrink while mapped (a read past its new end is SIGBUS), so
// this is for files the process was handed to show or send, not for ones others rewrite.
class MappedFile {
public:
    MappedFile() noexcept = default;
    MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) {
        o.data_ = nullptr;
        o.size_ = 0;
    }
    MappedFile& operator=(MappedFile&& o) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { release(); }

    // Errors: NotFound, StorageIo (not a regular file, cannot map), StorageFormat (empty),
    // Overflow (larger than `maxBytes`); messages name `path`.
    Status open(const char* path, size_t maxBytes) noexcept;
    // Maps the first `size` (> 0) bytes of `fd`, a regular file the caller opened and checked.
    // Errors: NoMemory, StorageIo (the message is the system's reason; the caller names the file).
    Status map(int fd, size_t size) noexcept;
    void release() noexcept;

    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }

private:
    const std::byte* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace snapstage
