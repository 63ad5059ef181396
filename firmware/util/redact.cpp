// SPDX-License-Identifier: MIT
// The process-wide secret registry and redaction.
#include "firmware/util/redact.h"

#include <atomic>
#include <cstring>
#include <mutex>

namespace snapstage::redact {
namespace {

struct Secret {
    char bytes[kMaxSecretBytes];
    size_t size;
};

// Entries below gCount are complete and never change (until clearForTesting()); add() fills the
// next one under gAddLock and then publishes it by raising gCount.
Secret gSecrets[kMaxSecrets];
std::atomic<size_t> gCount{0};
std::mutex gAddLock;

std::string_view secretAt(size_t i) noexcept {
    return {gSecrets[i].bytes, gSecrets[i].size};
}

// The longest registered secret that starts at text[pos] (0 when none), whole, or cut short at
// the end of the text (or just before a trailing "...").
size_t matchAt(std::string_view text, size_t pos, size_t n) noexcept {
    const std::string_view rest = text.substr(pos);
    std::string_view tail = rest;
    if (tail.ends_with("...")) tail.remove_suffix(3);
    size_t best = 0;
    for (size_t i = 0; i < n; ++i) {
        const std::string_view s = secretAt(i);
        if (rest.starts_with(s)) {
            best = s.size() > best ? s.size() : best;
        } else if (tail.size() >= kMinSecretBytes / 2 && tail.size() * 2 >= s.size() &&
                   tail.size() < s.size() && s.starts_with(tail)) {
            best = rest.size() > best ? rest.size() : best;  // the cut-off secret and its "..."
        }
    }
    return best;
}

}  // namespace

bool add(std::string_view secret) noexcept {
    if (secret.size() < kMinSecretBytes || secret.size() > kMaxSecretBytes) return false;
    std::lock_guard<std::mutex> lock(gAddLock);
    const size_t n = gCount.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i)
        if (secretAt(i) == secret) return true;
    if (n == kMaxSecrets) return false;
    std::memcpy(gSecrets[n].bytes, secret.data(), secret.size());
    gSecrets[n].size = secret.size();
    gCount.store(n + 1, std::memory_order_release);
    return true;
}

bool addHeaderValue(std::string_view value) noexcept {
    const auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    const auto addPart = [](std::string_view part) {
        return part.size() < kMinSecretBytes || add(part);
    };
    value = trim(value);
    bool ok = addPart(value);
    const size_t space = value.find(' ');
    if (space != std::string_view::npos &&
        value.substr(0, space).find_first_of("=;,") == std::string_view::npos)
        ok = addPart(trim(value.substr(space + 1))) && ok;  // "Bearer <token>"
    for (size_t start = 0; start < value.size();) {         // "a=<v1>; b=<v2>"
        size_t end = value.find(';', start);
        if (end == std::string_view::npos) end = value.size();
        const std::string_view cookie = value.substr(start, end - start);
        if (size_t eq = cookie.find('='); eq != std::string_view::npos)
            ok = addPart(trim(cookie.substr(eq + 1))) && ok;
        start = end + 1;
    }
    return ok;
}

std::string_view scrub(std::string_view text, std::span<char> out) noexcept {
    const size_t n = gCount.load(std::memory_order_acquire);
    size_t len = 0;
    const auto put = [&](std::string_view s) {
        const size_t k = s.size() < out.size() - len ? s.size() : out.size() - len;
        std::memcpy(out.data() + len, s.data(), k);
        len += k;
    };
    for (size_t pos = 0; pos < text.size();) {
        const size_t match = n ? matchAt(text, pos, n) : 0;
        if (match) {
            put(kMask);
            pos += match;
        } else {
            put(text.substr(pos, 1));
            ++pos;
        }
    }
    return {out.data(), len};
}

bool contains(std::string_view text) noexcept {
    const size_t n = gCount.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i)
        if (text.find(secretAt(i)) != std::string_view::npos) return true;
    return false;
}

size_t count() noexcept {
    return gCount.load(std::memory_order_acquire);
}

void clearForTesting() noexcept {
    std::lock_guard<std::mutex> lock(gAddLock);
    gCount.store(0, std::memory_order_release);
}

}  // namespace snapstage::redact
