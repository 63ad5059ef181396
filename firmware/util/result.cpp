// SPDX-License-Identifier: MIT
// Error messages and the names of error codes.
#include "firmware/util/result.h"

#include <cstdio>
#include <cstring>

namespace snapstage {

const char* to_string(Errc code) noexcept {
    switch (code) {
        case Errc::Ok:
            return "ok";
        case Errc::InvalidArgument:
            return "invalid argument";
        case Errc::NotSupported:
            return "not supported";
        case Errc::NoMemory:
            return "out of memory";
        case Errc::Overflow:
            return "buffer too small";
        case Errc::Timeout:
            return "timed out";
        case Errc::Interrupted:
            return "interrupted";
        case Errc::NotFound:
            return "not found";
        case Errc::Internal:
            return "internal error";
        case Errc::Usage:
            return "usage error";
        case Errc::Config:
            return "config error";
        case Errc::CameraOpen:
            return "camera cannot be opened";
        case Errc::CameraBusy:
            return "camera busy";
        case Errc::CameraFormat:
            return "camera format not supported";
        case Errc::CameraIo:
            return "camera I/O error";
        case Errc::CameraTimeout:
            return "camera timed out";
        case Errc::DisplayOpen:
            return "display cannot be opened";
        case Errc::DisplayIo:
            return "display I/O error";
        case Errc::StorageIo:
            return "storage I/O error";
        case Errc::StorageFull:
            return "storage full";
        case Errc::StorageFormat:
            return "bad file format";
        case Errc::NetDns:
            return "DNS lookup failed";
        case Errc::NetConnect:
            return "connection failed";
        case Errc::NetIo:
            return "network I/O error";
        case Errc::NetClosed:
            return "connection closed";
        case Errc::NetTimeout:
            return "network timeout";
        case Errc::TlsHandshake:
            return "TLS handshake failed";
        case Errc::TlsUntrusted:
            return "certificate not trusted";
        case Errc::TlsExpired:
            return "certificate expired";
        case Errc::TlsNotYetValid:
            return "certificate not yet valid";
        case Errc::TlsHostname:
            return "certificate host name mismatch";
        case Errc::TlsPin:
            return "certificate pin mismatch";
        case Errc::TlsConfig:
            return "TLS configuration error";
        case Errc::TlsIo:
            return "TLS I/O error";
        case Errc::HttpProtocol:
            return "HTTP protocol error";
        case Errc::HttpTooLarge:
            return "HTTP message too large";
        case Errc::HttpStatus:
            return "HTTP error status";
        case Errc::HttpRedirect:
            return "HTTP redirect error";
        case Errc::ApiRejected:
            return "request rejected by the service";
        case Errc::ApiRateLimited:
            return "rate limited by the service";
        case Errc::ApiServer:
            return "service error";
        case Errc::ApiJobFailed:
            return "job failed";
        case Errc::ApiResponse:
            return "unexpected service response";
        case Errc::JpegEncode:
            return "JPEG encode failed";
        case Errc::JpegDecode:
            return "JPEG decode failed";
        case Errc::JpegFormat:
            return "unsupported image format";
        case Errc::InputOpen:
            return "cannot open the input";
        case Errc::InputIo:
            return "input error";
    }
    return "unknown error";
}

Error::Error(Errc code, const char* message, int32_t detail) noexcept
    : code_(code), detail_(detail) {
    const char* text = message ? message : to_string(code);
    std::snprintf(message_, sizeof message_, "%s", text);
}

Error Error::format(Errc code, int32_t detail, const char* fmt, ...) noexcept {
    Error e;
    e.code_ = code;
    e.detail_ = detail;
    va_list args;
    va_start(args, fmt);
    e.setMessage(fmt, args);
    va_end(args);
    return e;
}

Failure failf(Errc code, int32_t detail, const char* fmt, ...) noexcept {
    Failure f;
    f.error.code_ = code;
    f.error.detail_ = detail;
    va_list args;
    va_start(args, fmt);
    f.error.setMessage(fmt, args);
    va_end(args);
    return f;
}

void Error::setMessage(const char* fmt, va_list args) noexcept {
    int n = std::vsnprintf(message_, sizeof message_, fmt, args);
    if (n >= static_cast<int>(sizeof message_)) {
        std::memcpy(message_ + sizeof message_ - 4, "...", 4);
    }
}

Error Error::withContext(const char* prefix) const noexcept {
    return Error::format(code_, detail_, "%s: %s", prefix, message_);
}

}  // namespace snapstage
