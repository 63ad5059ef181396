// SPDX-License-Identifier: MIT
// Thin read-only wrapper over cJSON: parse into the heap or into an Arena, walk with type checks.
// The only header that stands between the project and cJSON; cJSON itself is included only in
// json.cpp.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/util/arena.h"
#include "firmware/util/result.h"

struct cJSON;

namespace snapstage::json {

// cJSON's version string, for `snapstage --version`.
const char* libraryVersion() noexcept;

enum class Type { Invalid, Null, Bool, Number, String, Array, Object };
const char* to_string(Type type) noexcept;

// A borrowed node of a Document; valid while the Document (and its Arena) lives.
class Value {
public:
    Value() noexcept = default;
    explicit Value(const cJSON* node) noexcept : node_(node) {}

    Type type() const noexcept;
    bool valid() const noexcept { return node_ != nullptr; }
    // The same node of the same Document.
    bool operator==(const Value& other) const noexcept = default;
    bool isObject() const noexcept { return type() == Type::Object; }
    bool isArray() const noexcept { return type() == Type::Array; }
    bool isString() const noexcept { return type() == Type::String; }
    bool isNumber() const noexcept { return type() == Type::Number; }
    bool isBool() const noexcept { return type() == Type::Bool; }
    bool isNull() const noexcept { return type() == Type::Null; }

    // Member by exact (case-sensitive) name, or an invalid Value.
    Value get(const char* key) const noexcept;
    // Element count of an array or object; 0 otherwise.
    int size() const noexcept;
    Value at(int index) const noexcept;
    // Name of this node when it is an object member; "" otherwise.
    std::string_view name() const noexcept;

    std::string_view asString(std::string_view fallback = {}) const noexcept;
    double asDouble(double fallback = 0) const noexcept;
    bool asBool(bool fallback = false) const noexcept;
    // True and sets `out` when the number is integral and fits.
    bool asInt64(int64_t& out) const noexcept;

    // Iteration over array elements or object members.
    class Iterator {
    public:
        explicit Iterator(const cJSON* n) noexcept : n_(n) {}
        Value operator*() const noexcept { return Value(n_); }
        Iterator& operator++() noexcept;
        bool operator!=(const Iterator& o) const noexcept { return n_ != o.n_; }

    private:
        const cJSON* n_;
    };
    Iterator begin() const noexcept;
    Iterator end() const noexcept { return Iterator(nullptr); }

private:
    const cJSON* node_ = nullptr;
};

// Owns a parsed tree. Parsed into an Arena (nothing is freed; reset the Arena after the Document
// is gone) or, without one, into the heap (start-up paths such as config loading).
class Document {
public:
    Document() noexcept = default;
    Document(Document&& o) noexcept : root_(o.root_), arena_(o.arena_) { o.root_ = nullptr; }
    Document& operator=(Document&& o) noexcept;
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;
    ~Document();

    // Errors: Errc::StorageFormat with the line and column of the first syntax error;
    // Errc::NoMemory when the arena is exhausted.
    static Result<Document> parse(std::string_view text, Arena* arena = nullptr) noexcept;

    Value root() const noexcept { return Value(root_); }

private:
    cJSON* root_ = nullptr;
    Arena* arena_ = nullptr;
};

}  // namespace snapstage::json
