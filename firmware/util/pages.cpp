// SPDX-License-Identifier: MIT
// Page-level memory.
#include "firmware/util/pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "firmware/util/fd.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels refuse it and the pages fault lazily
#endif

namespace snapstage {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t roundUp(size_t n, size_t to) noexcept {
    return (n + to - 1) / to * to;
}

}  // namespace

PageBuffer& PageBuffer::operator=(PageBuffer&& o) noexcept {
    if (this != &o) {
        release();
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
        mapped_ = std::exchange(o.mapped_, 0);
    }
    return *this;
}

Status PageBuffer::allocate(size_t sizeBytes) noexcept {
    release();
    if (sizeBytes == 0) return fail(Errc::InvalidArgument, "a page buffer of zero bytes");
    const auto page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    // Buffers of a huge page or more start on a huge-page boundary and fill whole ones, so the
    // kernel can back them with huge pages (on 6.1 it does not align anonymous maps itself).
    const bool huge = sizeBytes >= kHugePage;
    const size_t length = roundUp(sizeBytes, huge ? kHugePage : page);
    const size_t slack = huge ? kHugePage : 0;
    void* p =
        ::mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return failf(Errc::NoMemory, errno, "no memory for %zu bytes: %s", sizeBytes,
                     std::strerror(errno));
    auto* base = static_cast<uint8_t*>(p);
    auto* start = base;
    if (huge) {
        auto addr = reinterpret_cast<uintptr_t>(base);
        start = base + (roundUp(addr, kHugePage) - addr);
        if (start > base) ::munmap(base, static_cast<size_t>(start - base));
        if (size_t tail = static_cast<size_t>(base + length + slack - (start + length)))
            ::munmap(start + length, tail);
        (void)::madvise(start, length, MADV_HUGEPAGE);  // a hint: refused where THP is off
    }
    (void)::madvise(start, length, MADV_POPULATE_WRITE);  // a hint: without it, lazy faults
    data_ = start;
    size_ = sizeBytes;
    mapped_ = length;
    return okStatus();
}

void PageBuffer::release() noexcept {
    if (data_) ::munmap(data_, mapped_);
    data_ = nullptr;
    size_ = mapped_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        release();
        data_ = std::exchange(o.data_, nullptr);
        size_ = std::exchange(o.size_, 0);
    }
    return *this;
}

Status MappedFile::open(const char* path, size_t maxBytes) noexcept {
    release();
    UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return failf(errno == ENOENT ? Errc::NotFound : Errc::StorageIo, errno,
                     "cannot open %s: %s", path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return failf(Errc::StorageIo, errno, "cannot stat %s: %s", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return failf(Errc::StorageIo, 0, "%s is not a file", path);
    if (st.st_size == 0) return failf(Errc::StorageFormat, 0, "%s is empty", path);
    if (static_cast<uint64_t>(st.st_size) > maxBytes)
        return failf(Errc::Overflow, 0, "%s is larger than %zu bytes", path, maxBytes);
    if (Status mapped = map(fd.get(), static_cast<size_t>(st.st_size)); !mapped)
        return fail(mapped.error().withContext(path));
    return okStatus();
}

Status MappedFile::map(int fd, size_t size) noexcept {
    release();
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED)
        return failf(errno == ENOMEM ? Errc::NoMemory : Errc::StorageIo, errno, "cannot map: %s",
                     std::strerror(errno));
    data_ = static_cast<const std::byte*>(p);
    size_ = size;
    return okStatus();
}

void MappedFile::release() noexcept {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
}

}  // namespace snapstage
