// SPDX-License-Identifier: MIT
// FixedString<N>: a string of at most N-1 bytes stored inline, for records that must not allocate
// (job ids, remote ids, URLs kept in the job record). Always NUL-terminated.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace snapstage {

template <size_t N>
class FixedString {
public:
    static constexpr size_t kCapacity = N - 1;

    FixedString() noexcept = default;

    // Replaces the content; false (and left empty) when `text` is longer than kCapacity or holds
    // a NUL byte.
    bool assign(std::string_view text) noexcept {
        clear();
        if (text.size() > kCapacity || text.find('\0') != std::string_view::npos) return false;
        std::memcpy(data_, text.data(), text.size());
        len_ = text.size();
        data_[len_] = '\0';
        return true;
    }
    // printf into the string; false (and left empty) when it does not fit.
    [[gnu::format(printf, 2, 3)]] bool format(const char* fmt, ...) noexcept {
        va_list args;
        va_start(args, fmt);
        int n = std::vsnprintf(data_, N, fmt, args);
        va_end(args);
        if (n < 0 || static_cast<size_t>(n) > kCapacity) {
            clear();
            return false;
        }
        len_ = static_cast<size_t>(n);
        return true;
    }
    void clear() noexcept {
        len_ = 0;
        data_[0] = '\0';
    }

    std::string_view view() const noexcept { return {data_, len_}; }
    const char* c_str() const noexcept { return data_; }
    size_t size() const noexcept { return len_; }
    bool empty() const noexcept { return len_ == 0; }
    bool operator==(std::string_view o) const noexcept { return view() == o; }

private:
    char data_[N] = {};
    size_t len_ = 0;
};

}  // namespace snapstage
