// SPDX-License-Identifier: MIT
// TLS sessions kept across processes: the context's cached sessions written out in Mbed TLS's
// own session format and read back by the next process (TlsContext::saveSessions/loadSessions).
//
// Layout (host byte order: the file never leaves the device that wrote it):
//   "snapss1\n"  trustId (8)  count (4)
//   count x { key length (2), key ("host:port"), madeAt (8), session length (4), session }
// Mbed TLS's session format carries its own version and configuration header, so a session
// from another Mbed TLS build is refused by mbedtls_ssl_session_load().
#include <cstring>

#include "firmware/net/tls.h"
#include "firmware/net/tls_internal.h"

namespace snapstage::net {
namespace {

constexpr char kMagic[8] = {'s', 'n', 'a', 'p', 's', 's', '1', '\n'};

// Appends to a fixed buffer; remembers overflow.
struct Writer {
    std::span<std::byte> out;
    size_t used = 0;
    bool overflow = false;

    unsigned char* take(size_t n) noexcept {
        if (overflow || out.size() - used < n) {
            overflow = true;
            return nullptr;
        }
        auto* p = reinterpret_cast<unsigned char*>(out.data() + used);
        used += n;
        return p;
    }
    void put(const void* p, size_t n) noexcept {
        if (unsigned char* d = take(n)) std::memcpy(d, p, n);
    }
};

// Reads from a buffer; remembers running short.
struct Reader {
    std::span<const std::byte> in;
    size_t used = 0;
    bool shortRead = false;

    const unsigned char* take(size_t n) noexcept {
        if (shortRead || in.size() - used < n) {
            shortRead = true;
            return nullptr;
        }
        const auto* p = reinterpret_cast<const unsigned char*>(in.data() + used);
        used += n;
        return p;
    }
    template <typename T>
    bool get(T& v) noexcept {
        const unsigned char* p = take(sizeof v);
        if (p) std::memcpy(&v, p, sizeof v);
        return p != nullptr;
    }
};

}  // namespace

Result<size_t> TlsContext::saveSessions(std::span<std::byte> out) const noexcept {
    if (!impl_) return size_t{0};
    const Impl& c = *impl_;
    uint32_t count = 0;
    for (const Impl::SessionSlot& s : c.sessions)
        count += s.valid ? 1 : 0;
    if (count == 0) return size_t{0};
    Writer w{out};
    w.put(kMagic, sizeof kMagic);
    w.put(&c.trustId, sizeof c.trustId);
    w.put(&count, sizeof count);
    for (const Impl::SessionSlot& s : c.sessions) {
        if (!s.valid) continue;
        auto keyLen = static_cast<uint16_t>(std::strlen(s.key));
        w.put(&keyLen, sizeof keyLen);
        w.put(s.key, keyLen);
        w.put(&s.madeAt, sizeof s.madeAt);
        size_t room = w.overflow ? 0 : out.size() - w.used;
        size_t len = 0;
        unsigned char* lenAt = w.take(sizeof(uint32_t));
        unsigned char* body = w.overflow ? nullptr : lenAt + sizeof(uint32_t);
        if (!body || mbedtls_ssl_session_save(&s.session, body, room - sizeof(uint32_t), &len) != 0)
            return fail(Errc::NoMemory, "no room to save the TLS sessions");
        auto len32 = static_cast<uint32_t>(len);
        std::memcpy(lenAt, &len32, sizeof len32);
        w.used += len;
    }
    if (w.overflow) return fail(Errc::NoMemory, "no room to save the TLS sessions");
    return w.used;
}

size_t TlsContext::loadSessions(std::span<const std::byte> in, int64_t maxAgeS) noexcept {
    if (!impl_) return 0;
    Impl& c = *impl_;
    Reader r{in};
    const unsigned char* magic = r.take(sizeof kMagic);
    uint64_t trust = 0;
    uint32_t count = 0;
    if (!magic || std::memcmp(magic, kMagic, sizeof kMagic) != 0 || !r.get(trust) ||
        trust != c.trustId || !r.get(count))
        return 0;
    const int64_t now = c.now();
    size_t taken = 0;
    for (uint32_t i = 0; i < count && taken < Impl::kSessionSlots; ++i) {
        uint16_t keyLen = 0;
        int64_t madeAt = 0;
        uint32_t len = 0;
        if (!r.get(keyLen)) break;
        const unsigned char* key = r.take(keyLen);
        if (!key || !r.get(madeAt) || !r.get(len)) break;
        const unsigned char* body = r.take(len);
        if (!body) break;
        if (keyLen == 0 || keyLen >= sizeof c.sessions[0].key || madeAt > now ||
            now - madeAt > maxAgeS)
            continue;
        Impl::SessionSlot& slot = c.sessions[taken];
        mbedtls_ssl_session_free(&slot.session);
        mbedtls_ssl_session_init(&slot.session);
        if (mbedtls_ssl_session_load(&slot.session, body, len) != 0) {
            slot.valid = false;
            continue;
        }
        std::memcpy(slot.key, key, keyLen);
        slot.key[keyLen] = '\0';
        slot.madeAt = madeAt;
        slot.lastUse = ++c.useCounter;
        slot.valid = true;
        ++taken;
    }
    return taken;
}

}  // namespace snapstage::net
