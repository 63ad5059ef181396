// SPDX-License-Identifier: MIT
// hal::V4l2Io: the seam between the V4L2 camera and the kernel (open/ioctl/mmap/poll), so that
// tests can put a fake device behind it.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>

namespace snapstage::hal {

// Each call behaves like the system call of the same name: it returns what the syscall returns
// (-1, or MAP_FAILED for mmap, on failure) and reports the cause through errno. All calls from
// the thread that owns the camera.
class V4l2Io {
public:
    virtual ~V4l2Io() = default;
    V4l2Io(const V4l2Io&) = delete;
    V4l2Io& operator=(const V4l2Io&) = delete;

    // open(2): a new descriptor for `path`, or -1.
    virtual int open(const char* path, int flags) noexcept = 0;
    // close(2).
    virtual int close(int fd) noexcept = 0;
    // ioctl(2) with a pointer argument (every V4L2 request takes one).
    virtual int ioctl(int fd, unsigned long request, void* arg) noexcept = 0;
    // mmap(2) of `length` bytes of the device at `offset` (a V4L2 buffer's m.offset).
    virtual void* mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept = 0;
    // munmap(2) of a mapping made by mmap() above.
    virtual int munmap(void* addr, size_t length) noexcept = 0;
    // poll(2); timeoutMs < 0 waits without limit.
    virtual int poll(pollfd* fds, nfds_t nfds, int timeoutMs) noexcept = 0;

protected:
    V4l2Io() = default;
};

// The real system calls. ioctl() is retried while it fails with EINTR; the others are not, so
// that callers keep control of their deadlines.
class SystemV4l2Io final : public V4l2Io {
public:
    SystemV4l2Io() = default;

    int open(const char* path, int flags) noexcept override;
    int close(int fd) noexcept override;
    int ioctl(int fd, unsigned long request, void* arg) noexcept override;
    void* mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept override;
    int munmap(void* addr, size_t length) noexcept override;
    int poll(pollfd* fds, nfds_t nfds, int timeoutMs) noexcept override;

    // The process-wide instance used when a camera is given no V4l2Io.
    static SystemV4l2Io& instance() noexcept;
};

}  // namespace snapstage::hal
