// SPDX-License-Identifier: MIT
// Error codes, the Error value and Result<T>: how every fallible call in snapstage reports failure.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace snapstage {

// Grouped by subsystem; the high byte names the group. Values are stable (they reach logs).
enum class Errc : uint16_t {
    Ok = 0,
    // General
    InvalidArgument = 0x0001,
    NotSupported = 0x0002,
    NoMemory = 0x0003,
    Overflow = 0x0004,  // a fixed-size buffer is too small
    Timeout = 0x0005,
    Interrupted = 0x0006,
    NotFound = 0x0007,
    Internal = 0x0008,
    // Config and usage
    Usage = 0x0100,
    Config = 0x0101,
    // Camera
    CameraOpen = 0x0200,
    CameraBusy = 0x0201,
    CameraFormat = 0x0202,
    CameraIo = 0x0203,
    CameraTimeout = 0x0204,
    // Display
    DisplayOpen = 0x0300,
    DisplayIo = 0x0301,
    // Storage
    StorageIo = 0x0400,
    StorageFull = 0x0401,
    StorageFormat = 0x0402,
    // Network
    NetDns = 0x0500,
    NetConnect = 0x0501,
    NetIo = 0x0502,
    NetClosed = 0x0503,
    NetTimeout = 0x0504,
    // TLS
    TlsHandshake = 0x0600,
    TlsUntrusted = 0x0601,
    TlsExpired = 0x0602,
    TlsNotYetValid = 0x0603,
    TlsHostname = 0x0604,
    TlsPin = 0x0605,
    TlsConfig = 0x0606,
    TlsIo = 0x0607,
    // HTTP
    HttpProtocol = 0x0700,
    HttpTooLarge = 0x0701,
    HttpStatus = 0x0702,
    HttpRedirect = 0x0703,
    // Service API
    ApiRejected = 0x0800,
    ApiRateLimited = 0x0801,
    ApiServer = 0x0802,
    ApiJobFailed = 0x0803,
    ApiResponse = 0x0804,
    // JPEG
    JpegEncode = 0x0900,
    JpegDecode = 0x0901,
    JpegFormat = 0x0902,
    // Input (buttons, keys, touch)
    InputOpen = 0x0A00,
    InputIo = 0x0A01,
};

// A static literal naming the code ("camera busy"); never null.
const char* to_string(Errc code) noexcept;

struct Failure;

// Code + raw detail (errno or library code) + a human message saying what happened and what to
// do. The message is stored inline so that building an Error never allocates.
class Error {
public:
    static constexpr unsigned kMessageCapacity = 400;

    Error() noexcept = default;
    Error(Errc code, const char* message, int32_t detail = 0) noexcept;

    // printf-style message; truncated (with "...") past kMessageCapacity - 1 characters.
    [[gnu::format(printf, 3, 4)]] static Error format(Errc code, int32_t detail, const char* fmt,
                                                      ...) noexcept;

    Errc code() const noexcept { return code_; }
    int32_t detail() const noexcept { return detail_; }
    const char* message() const noexcept { return message_; }

    // Returns a copy whose message is "prefix: <old message>" (context added while propagating).
    Error withContext(const char* prefix) const noexcept;

private:
    friend Failure failf(Errc, int32_t, const char*, ...) noexcept;
    void setMessage(const char* fmt, va_list args) noexcept;

    Errc code_ = Errc::Ok;
    int32_t detail_ = 0;
    char message_[kMessageCapacity] = {};
};

// Tag to construct a failed Result: `return fail(Errc::CameraBusy, "...")`.
struct Failure {
    Error error;
};
inline Failure fail(Error e) noexcept {
    return Failure{e};
}
inline Failure fail(Errc code, const char* message, int32_t detail = 0) noexcept {
    return Failure{Error(code, message, detail)};
}
// printf-style failure: `return failf(Errc::CameraOpen, errno, "cannot open %s", path)`.
[[gnu::format(printf, 3, 4)]] Failure failf(Errc code, int32_t detail, const char* fmt,
                                            ...) noexcept;

// An expected-like value-or-Error. Constructors cannot fail.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(const T& value) noexcept(std::is_nothrow_copy_constructible_v<T>) : ok_(true) {
        new (&value_) T(value);
    }
    Result(T&& value) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(true) {
        new (&value_) T(std::move(value));
    }
    Result(Failure f) noexcept : ok_(false) { new (&error_) Error(f.error); }
    Result(const Result& o) : ok_(o.ok_) {
        if (ok_)
            new (&value_) T(o.value_);
        else
            new (&error_) Error(o.error_);
    }
    Result(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
        if (ok_)
            new (&value_) T(std::move(o.value_));
        else
            new (&error_) Error(o.error_);
    }
    Result& operator=(Result o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        destroy();
        ok_ = o.ok_;
        if (ok_)
            new (&value_) T(std::move(o.value_));
        else
            new (&error_) Error(o.error_);
        return *this;
    }
    ~Result() { destroy(); }

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }

    T& value() & noexcept { return value_; }
    const T& value() const& noexcept { return value_; }
    T&& value() && noexcept { return std::move(value_); }
    T* operator->() noexcept { return &value_; }
    const T* operator->() const noexcept { return &value_; }
    T& operator*() & noexcept { return value_; }
    const T& operator*() const& noexcept { return value_; }

    const Error& error() const noexcept { return error_; }

private:
    void destroy() noexcept {
        if (ok_)
            value_.~T();
        else
            error_.~Error();
    }

    bool ok_;
    union {
        T value_;
        Error error_;
    };
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() noexcept = default;
    Result(Failure f) noexcept : ok_(false), error_(f.error) {}

    bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const Error& error() const noexcept { return error_; }

private:
    bool ok_ = true;
    Error error_;
};

using Status = Result<void>;
inline Status okStatus() noexcept {
    return Status();
}

}  // namespace snapstage

// Propagates a failed Result from the enclosing function. Config-style macro: keeps call sites
// readable where a function makes several fallible calls in a row.
#define SNAPSTAGE_TRY(expr)                                                                       \
    do {                                                                                          \
        auto&& snapstage_try_result_ = (expr);                                                    \
        if (!snapstage_try_result_.ok()) return ::snapstage::fail(snapstage_try_result_.error()); \
    } while (0)
