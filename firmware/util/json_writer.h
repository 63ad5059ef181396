// SPDX-License-Identifier: MIT
// JsonWriter: builds compact JSON text into a caller's buffer (events, job files, request
// bodies). Never allocates; on overflow it stops writing and reports it at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace snapstage {

class JsonWriter {
public:
    explicit JsonWriter(std::span<char> buffer) noexcept : buf_(buffer) {}

    JsonWriter& beginObject() noexcept { return open('{'); }
    JsonWriter& endObject() noexcept { return close('}'); }
    JsonWriter& beginArray() noexcept { return open('['); }
    JsonWriter& endArray() noexcept { return close(']'); }
    // Object member name; the next call writes its value.
    JsonWriter& key(std::string_view name) noexcept;

    JsonWriter& value(std::string_view text) noexcept;  // escaped string
    JsonWriter& value(const char* text) noexcept { return value(std::string_view(text)); }
    JsonWriter& value(int64_t number) noexcept;
    JsonWriter& value(uint64_t number) noexcept;
    JsonWriter& value(int number) noexcept { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(unsigned number) noexcept { return value(static_cast<uint64_t>(number)); }
    JsonWriter& value(double number) noexcept;
    JsonWriter& value(bool flag) noexcept;
    JsonWriter& null() noexcept;
    // Pre-formatted JSON (trusted), e.g. a nested document.
    JsonWriter& raw(std::string_view json) noexcept;

    bool overflowed() const noexcept { return overflow_; }
    std::string_view text() const noexcept { return {buf_.data(), len_}; }

private:
    JsonWriter& open(char c) noexcept;
    JsonWriter& close(char c) noexcept;
    void separator() noexcept;
    void put(char c) noexcept;
    void put(std::string_view s) noexcept;

    std::span<char> buf_;
    size_t len_ = 0;
    bool overflow_ = false;
    bool needComma_ = false;
    bool afterKey_ = false;
};

}  // namespace snapstage
