// SPDX-License-Identifier: MIT
// The real V4L2 system calls.
#include "hal/linux/v4l2_io.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace snapstage::hal {

int SystemV4l2Io::open(const char* path, int flags) noexcept {
    return ::open(path, flags);
}

int SystemV4l2Io::close(int fd) noexcept {
    // No retry on EINTR: on Linux the descriptor is released even then.
    return ::close(fd);
}

int SystemV4l2Io::ioctl(int fd, unsigned long request, void* arg) noexcept {
    int r;
    do {
        r = ::ioctl(fd, request, arg);
    } while (r == -1 && errno == EINTR);
    return r;
}

void* SystemV4l2Io::mmap(size_t length, int prot, int flags, int fd, off_t offset) noexcept {
    return ::mmap(nullptr, length, prot, flags, fd, offset);
}

int SystemV4l2Io::munmap(void* addr, size_t length) noexcept {
    return ::munmap(addr, length);
}

int SystemV4l2Io::poll(pollfd* fds, nfds_t nfds, int timeoutMs) noexcept {
    return ::poll(fds, nfds, timeoutMs);
}

SystemV4l2Io& SystemV4l2Io::instance() noexcept {
    static SystemV4l2Io io;
    return io;
}

}  // namespace snapstage::hal
