// SPDX-License-Identifier: MIT
// File helpers: whole-file reads for start-up, durable atomic writes, full-length I/O loops.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "firmware/util/result.h"

namespace snapstage::fs {

// Reads a whole file (start-up use: config, board files, test data). Errors: NotFound,
// StorageIo, Overflow when the file is larger than maxBytes. The message names the path.
Result<std::vector<std::byte>> readFile(const std::string& path, size_t maxBytes) noexcept;
Result<std::string> readTextFile(const std::string& path, size_t maxBytes) noexcept;

// Reads the whole regular file `path` into `out` (a buffer sized at start-up); returns its size.
// Never allocates. Errors: NotFound, StorageIo, Overflow when it is larger than `out`.
Result<size_t> readInto(const char* path, std::span<std::byte> out) noexcept;

// Writes `data` so that after a power loss the file holds either its old or its new content:
// temporary file in the same folder, fsync, rename over `path`, fsync of the folder. The file
// gets `mode`, whatever the umask. Never allocates.
Status writeFileAtomic(std::string_view path, std::span<const std::byte> data,
                       unsigned mode = 0644) noexcept;
// As writeFileAtomic, without the fsyncs: readers see the old file or the new one, never a part,
// but a power cut may take the change back. For files that are made again at the next change
// (the metrics), where a flash card's wear and the flush's time buy nothing.
Status replaceFile(std::string_view path, std::span<const std::byte> data,
                   unsigned mode = 0644) noexcept;

// Longest path AtomicFile and syncParentDir take (with room for the temporary's suffix).
inline constexpr size_t kMaxPathBytes = 1024;

// Streaming variant: open() a temporary beside `path`, write() any number of times, commit()
// to fsync and rename it into place, then fsync the folder. Destroying it uncommitted removes
// the temporary: a partial file never appears under `path`. Never allocates (paths are kept in
// fixed buffers), so every spooled download can go through it in the steady state.
class AtomicFile {
public:
    AtomicFile() noexcept = default;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    // Errors: InvalidArgument (path longer than kMaxPathBytes - 16), StorageIo, StorageFull,
    // NotFound (the folder is missing); messages name `path`.
    Status open(std::string_view path, unsigned mode = 0644) noexcept;
    // Errors: StorageFull ("no space"), StorageIo; messages name `path`.
    Status write(std::span<const std::byte> data) noexcept;
    // Appends the rest of the open file `in` (from its offset to its end) with copy_file_range(2):
    // the bytes stay in the kernel, not read into memory and written back. Errors as write();
    // NotSupported when the kernel or the file systems cannot (nothing more was copied: carry
    // on with read() and write() from where both files stand).
    Status copyFrom(int in) noexcept;
    Status commit() noexcept;
    // commit() without the fsyncs (see replaceFile).
    Status replace() noexcept;
    void abandon() noexcept;
    bool isOpen() const noexcept { return fd_ >= 0; }

private:
    char path_[kMaxPathBytes] = {};
    char tmpPath_[kMaxPathBytes] = {};
    int fd_ = -1;

    Status finish(bool durable) noexcept;
};

// write(2)/read(2) until done, retrying EINTR. Errors: StorageIo/StorageFull with errno.
Status writeAll(int fd, std::span<const std::byte> data) noexcept;

// fsyncs the folder holding `path` (after a rename or create). Does not allocate.
Status syncParentDir(std::string_view path) noexcept;
// fsyncs the folder `dir` itself (after creating or removing entries in it).
Status syncDir(const char* dir) noexcept;

// Bytes the folder `dir` and everything under it take on disk (allocated blocks, as du counts
// them), down to `maxDepth` levels of sub-folders; symbolic links are not followed. Entries that
// vanish while counting are skipped. No allocation in the project's code (opendir's buffer is
// libc's). `skip`: an entry of `dir` whose own blocks count but not what is inside it (a
// folder the caller counts itself). Errors: NotFound, StorageIo for `dir` itself.
Result<uint64_t> diskUsage(const char* dir, int maxDepth = 4, const char* skip = nullptr) noexcept;

// Creates `path` and its parents (mode 0755 unless given); existing folders are fine.
Status makeDirs(const std::string& path, unsigned mode = 0755) noexcept;

inline std::span<const std::byte> bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

}  // namespace snapstage::fs
