// SPDX-License-Identifier: MIT
// cJSON wrapper: arena-aware hooks and typed access.
#include "firmware/util/json.h"

#include <cjson/cJSON.h>

#include <cmath>
#include <cstdlib>
#include <mutex>

namespace snapstage::json {
namespace {

// cJSON's hooks are process-wide; the arena in use is per thread, so the worker thread's arena
// parsing never touches the UI thread's heap parsing.
thread_local Arena* tCurrentArena = nullptr;

void* hookMalloc(size_t size) {
    if (tCurrentArena) return tCurrentArena->allocate(size);
    return std::malloc(size);
}

void hookFree(void* p) {
    if (tCurrentArena && tCurrentArena->owns(p)) return;  // freed by Arena::reset()
    std::free(p);
}

void installHooks() {
    static std::once_flag once;
    std::call_once(once, [] {
        cJSON_Hooks hooks{hookMalloc, hookFree};
        cJSON_InitHooks(&hooks);
    });
}

struct ArenaScope {
    explicit ArenaScope(Arena* a) noexcept : prev(tCurrentArena) { tCurrentArena = a; }
    ~ArenaScope() { tCurrentArena = prev; }
    Arena* prev;
};

// Line and column (1-based) of `pos` in `text`.
void lineColumn(std::string_view text, size_t pos, int& line, int& column) {
    line = 1;
    column = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
}

}  // namespace

const char* libraryVersion() noexcept {
    return cJSON_Version();
}

const char* to_string(Type type) noexcept {
    switch (type) {
        case Type::Invalid:
            return "nothing";
        case Type::Null:
            return "null";
        case Type::Bool:
            return "a boolean";
        case Type::Number:
            return "a number";
        case Type::String:
            return "a string";
        case Type::Array:
            return "an array";
        case Type::Object:
            return "an object";
    }
    return "nothing";
}

Type Value::type() const noexcept {
    if (!node_) return Type::Invalid;
    switch (node_->type & 0xFF) {
        case cJSON_NULL:
            return Type::Null;
        case cJSON_False:
        case cJSON_True:
            return Type::Bool;
        case cJSON_Number:
            return Type::Number;
        case cJSON_String:
            return Type::String;
        case cJSON_Array:
            return Type::Array;
        case cJSON_Object:
            return Type::Object;
        default:
            return Type::Invalid;
    }
}

Value Value::get(const char* key) const noexcept {
    if (!isObject()) return Value();
    return Value(cJSON_GetObjectItemCaseSensitive(node_, key));
}

int Value::size() const noexcept {
    if (!isObject() && !isArray()) return 0;
    return cJSON_GetArraySize(node_);
}

Value Value::at(int index) const noexcept {
    if (!isObject() && !isArray()) return Value();
    return Value(cJSON_GetArrayItem(node_, index));
}

std::string_view Value::name() const noexcept {
    return node_ && node_->string ? std::string_view(node_->string) : std::string_view();
}

std::string_view Value::asString(std::string_view fallback) const noexcept {
    return isString() && node_->valuestring ? std::string_view(node_->valuestring) : fallback;
}

double Value::asDouble(double fallback) const noexcept {
    return isNumber() ? node_->valuedouble : fallback;
}

bool Value::asBool(bool fallback) const noexcept {
    if (!isBool()) return fallback;
    return (node_->type & 0xFF) == cJSON_True;
}

bool Value::asInt64(int64_t& out) const noexcept {
    if (!isNumber()) return false;
    double d = node_->valuedouble;
    if (!std::isfinite(d) || std::floor(d) != d || d < -9.007199254740992e15 ||
        d > 9.007199254740992e15)
        return false;
    out = static_cast<int64_t>(d);
    return true;
}

Value::Iterator& Value::Iterator::operator++() noexcept {
    n_ = n_->next;
    return *this;
}

Value::Iterator Value::begin() const noexcept {
    return Iterator((isObject() || isArray()) ? node_->child : nullptr);
}

Document& Document::operator=(Document&& o) noexcept {
    if (this != &o) {
        this->~Document();
        root_ = o.root_;
        arena_ = o.arena_;
        o.root_ = nullptr;
    }
    return *this;
}

Document::~Document() {
    if (root_ && !arena_) {
        ArenaScope scope(nullptr);
        cJSON_Delete(root_);
    }
    root_ = nullptr;
}

Result<Document> Document::parse(std::string_view text, Arena* arena) noexcept {
    installHooks();
    ArenaScope scope(arena);
    const char* end = nullptr;
    cJSON* root = cJSON_ParseWithLengthOpts(text.data(), text.size(), &end, false);
    if (!root) {
        if (arena && arena->used() + 64 >= arena->capacity())
            return fail(Errc::NoMemory, "JSON document larger than its buffer");
        size_t pos = end ? static_cast<size_t>(end - text.data()) : 0;
        int line = 0, column = 0;
        lineColumn(text, pos, line, column);
        return failf(Errc::StorageFormat, 0, "invalid JSON at line %d, column %d", line, column);
    }
    Document doc;
    doc.root_ = root;
    doc.arena_ = arena;
    size_t pos = end ? static_cast<size_t>(end - text.data()) : text.size();
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t'))
        ++pos;
    if (pos < text.size()) {
        int line = 0, column = 0;
        lineColumn(text, pos, line, column);
        return failf(Errc::StorageFormat, 0,
                     "unexpected text after the JSON value at line %d, "
                     "column %d",
                     line, column);
    }
    doc.arena_ = arena;
    return doc;
}

}  // namespace snapstage::json
