// SPDX-License-Identifier: MIT
// multipart/form-data writer.
#include "firmware/net/multipart.h"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "firmware/net/http_parser.h"

namespace snapstage::net {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// Appends `s` with '"', CR and LF percent-escaped (the HTML form encoding of names).
size_t putEscaped(char* out, size_t cap, size_t len, std::string_view s) noexcept {
    for (char c : s) {
        const char* rep = c == '"' ? "%22" : c == '\r' ? "%0D" : c == '\n' ? "%0A" : nullptr;
        size_t n = rep ? 3 : 1;
        if (len + n <= cap) std::memcpy(out + len, rep ? rep : &c, n);
        len += n;
    }
    return len;
}

size_t put(char* out, size_t cap, size_t len, std::string_view s) noexcept {
    if (len + s.size() <= cap) std::memcpy(out + len, s.data(), s.size());
    return len + s.size();
}

}  // namespace

std::string_view guessContentType(std::string_view filename) noexcept {
    size_t dot = filename.rfind('.');
    std::string_view ext = dot == std::string_view::npos ? "" : filename.substr(dot + 1);
    if (equalsNoCase(ext, "jpg") || equalsNoCase(ext, "jpeg")) return "image/jpeg";
    if (equalsNoCase(ext, "png")) return "image/png";
    if (equalsNoCase(ext, "json")) return "application/json";
    if (equalsNoCase(ext, "txt")) return "text/plain";
    return "application/octet-stream";
}

Multipart::Multipart() noexcept {
    clear();
}

void Multipart::clear() noexcept {
    for (size_t i = 0; i < count_; ++i)
        parts_[i] = Part{};
    count_ = 0;
    textUsed_ = 0;
    unsigned char random[16] = {};
    if (::getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
        // No entropy yet (early boot): the boundary only has to be absent from the content.
        uint64_t mix = reinterpret_cast<uintptr_t>(this) ^ static_cast<uint64_t>(::getpid());
        for (size_t i = 0; i < sizeof random; ++i)
            random[i] ^= static_cast<unsigned char>(mix >> ((i % 8) * 8));
    }
    char b[64];
    int n = std::snprintf(b, sizeof b, "snapstage-");
    for (unsigned char c : random)
        n += std::snprintf(b + n, sizeof b - static_cast<size_t>(n), "%02x", c);
    boundary_ = *keep(std::string_view(b, static_cast<size_t>(n)));
    char type[100];
    int t = std::snprintf(type, sizeof type, "multipart/form-data; boundary=%.*s",
                          static_cast<int>(boundary_.size()), boundary_.data());
    contentType_ = *keep(std::string_view(type, static_cast<size_t>(t)));
    (void)rewind();
}

Result<std::string_view> Multipart::keep(std::string_view text) noexcept {
    if (text.size() > kTextCapacity - textUsed_)
        return fail(Errc::Overflow, "multipart form: names and values exceed 4 KiB in total");
    char* at = text_ + textUsed_;
    if (!text.empty()) std::memcpy(at, text.data(), text.size());
    textUsed_ += text.size();
    return std::string_view(at, text.size());
}

Result<Multipart::Part*> Multipart::newPart(std::string_view name, std::string_view filename,
                                            std::string_view type) noexcept {
    if (count_ >= kMaxParts) return fail(Errc::Overflow, "multipart form: more than 16 parts");
    if (name.empty()) return fail(Errc::InvalidArgument, "multipart form: a part needs a name");
    size_t mark = textUsed_;
    Part& p = parts_[count_];
    auto n = keep(name);
    auto f = n ? keep(filename) : n;
    auto t = f ? keep(type) : f;
    if (!t) {
        textUsed_ = mark;
        return fail(t.error());
    }
    p.name = *n;
    p.filename = *f;
    p.type = *t;
    p.preambleBytes = renderPreamble(p, nullptr, 0);
    if (p.preambleBytes > kMaxPreambleBytes) {
        textUsed_ = mark;
        return fail(Errc::Overflow, "multipart form: a part's name or file name is too long");
    }
    return &p;
}

Status Multipart::addField(std::string_view name, std::string_view value) noexcept {
    auto p = newPart(name, {}, {});
    if (!p) return fail(p.error());
    auto v = keep(value);
    if (!v) return fail(v.error());
    (*p)->data = fs::bytes(*v);
    (*p)->size = v->size();
    ++count_;
    return okStatus();
}

Status Multipart::addBuffer(std::string_view name, std::span<const std::byte> data,
                            std::string_view filename, std::string_view contentType) noexcept {
    auto p = newPart(name, filename, contentType);
    if (!p) return fail(p.error());
    (*p)->data = data;
    (*p)->size = data.size();
    ++count_;
    return okStatus();
}

Status Multipart::addFile(std::string_view name, const char* path, std::string_view filename,
                          std::string_view contentType) noexcept {
    if (filename.empty()) {
        filename = path;
        size_t slash = filename.rfind('/');
        if (slash != std::string_view::npos) filename.remove_prefix(slash + 1);
    }
    if (contentType.empty()) contentType = guessContentType(filename);
    UniqueFd fd;
    uint64_t size = 0;
    SNAPSTAGE_TRY(openRegularFile(path, fd, size));
    auto p = newPart(name, filename, contentType);
    if (!p) return fail(p.error());
    (*p)->fd = std::move(fd);
    (*p)->size = size;
    ++count_;
    return okStatus();
}

size_t Multipart::renderPreamble(const Part& p, char* out, size_t cap) const noexcept {
    size_t n = put(out, cap, 0, "--");
    n = put(out, cap, n, boundary_);
    n = put(out, cap, n, "\r\nContent-Disposition: form-data; name=\"");
    n = putEscaped(out, cap, n, p.name);
    n = put(out, cap, n, "\"");
    if (!p.filename.empty()) {
        n = put(out, cap, n, "; filename=\"");
        n = putEscaped(out, cap, n, p.filename);
        n = put(out, cap, n, "\"");
    }
    n = put(out, cap, n, kCrlf);
    if (!p.type.empty()) {
        n = put(out, cap, n, "Content-Type: ");
        n = put(out, cap, n, p.type);
        n = put(out, cap, n, kCrlf);
    }
    return put(out, cap, n, kCrlf);
}

uint64_t Multipart::size() const noexcept {
    uint64_t total = 2 + boundary_.size() + 4;  // "--" boundary "--\r\n"
    for (size_t i = 0; i < count_; ++i)
        total += parts_[i].preambleBytes + parts_[i].size + kCrlf.size();
    return total;
}

Status Multipart::rewind() noexcept {
    part_ = 0;
    section_ = Section::Preamble;
    offset_ = 0;
    return okStatus();
}

Result<size_t> Multipart::readData(Part& p, std::span<std::byte> out) noexcept {
    uint64_t left = p.size - offset_;
    size_t want = left < out.size() ? static_cast<size_t>(left) : out.size();
    if (!p.fd.valid()) {
        if (want > 0) std::memcpy(out.data(), p.data.data() + offset_, want);
        return want;
    }
    return readAt(p.fd.get(), out.first(want), offset_);
}

Result<size_t> Multipart::read(std::span<std::byte> out) noexcept {
    size_t done = 0;
    while (done < out.size() && part_ <= count_) {
        std::span<std::byte> room = out.subspan(done);
        std::string_view text;
        if (part_ == count_) {
            // The closing delimiter, rendered into the scratch once.
            if (section_ == Section::Preamble) {
                size_t n = put(scratch_, sizeof scratch_, 0, "--");
                n = put(scratch_, sizeof scratch_, n, boundary_);
                scratchBytes_ = put(scratch_, sizeof scratch_, n, "--\r\n");
                section_ = Section::End;
            }
            text = std::string_view(scratch_, scratchBytes_);
        } else if (section_ == Section::Preamble) {
            if (offset_ == 0)
                scratchBytes_ = renderPreamble(parts_[part_], scratch_, sizeof scratch_);
            text = std::string_view(scratch_, scratchBytes_);
        } else if (section_ == Section::End) {
            text = kCrlf;
        } else {
            auto n = readData(parts_[part_], room);
            if (!n) return fail(n.error());
            done += *n;
            offset_ += *n;
            if (offset_ == parts_[part_].size) {
                section_ = Section::End;
                offset_ = 0;
            }
            continue;
        }
        size_t n = std::min(room.size(), static_cast<size_t>(text.size() - offset_));
        std::memcpy(room.data(), text.data() + offset_, n);
        done += n;
        offset_ += n;
        if (offset_ < text.size()) continue;
        offset_ = 0;
        if (part_ == count_) {
            ++part_;  // all sent
        } else if (section_ == Section::Preamble) {
            section_ = parts_[part_].size > 0 ? Section::Data : Section::End;
        } else {
            ++part_;
            section_ = Section::Preamble;
        }
    }
    return done;
}

}  // namespace snapstage::net
