// SPDX-License-Identifier: MIT
// JPEG and PPM header probing.
#include "hal/sim/image_probe.h"

namespace snapstage::hal {
namespace {

uint8_t at(std::span<const std::byte> d, size_t i) {
    return static_cast<uint8_t>(d[i]);
}

bool isSof(uint8_t m) {
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Reads a decimal number after optional whitespace and '#' comments.
bool ppmNumber(std::span<const std::byte> d, size_t& pos, uint32_t& out) {
    while (pos < d.size()) {
        uint8_t c = at(d, pos);
        if (c == '#') {
            while (pos < d.size() && at(d, pos) != '\n')
                ++pos;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++pos;
        } else {
            break;
        }
    }
    uint64_t v = 0;
    size_t start = pos;
    while (pos < d.size() && at(d, pos) >= '0' && at(d, pos) <= '9' && pos - start < 9)
        v = v * 10 + (at(d, pos++) - '0');
    if (pos == start) return false;
    out = static_cast<uint32_t>(v);
    return true;
}

}  // namespace

Result<ImageHeader> probeJpeg(std::span<const std::byte> d) noexcept {
    if (d.size() < 4 || at(d, 0) != 0xFF || at(d, 1) != 0xD8)
        return fail(Errc::StorageFormat, "not a JPEG file (no SOI marker)");
    size_t pos = 2;
    while (pos + 4 <= d.size()) {
        if (at(d, pos) != 0xFF) return fail(Errc::StorageFormat, "corrupt JPEG marker sequence");
        uint8_t marker = at(d, pos + 1);
        if (marker == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
            pos += 2;
            continue;
        }
        if (marker == 0xD9 || marker == 0xDA) break;  // EOI or SOS before any SOF
        size_t len = (size_t{at(d, pos + 2)} << 8) | at(d, pos + 3);
        if (len < 2 || pos + 2 + len > d.size())
            return fail(Errc::StorageFormat, "truncated JPEG segment");
        if (isSof(marker)) {
            if (len < 8) return fail(Errc::StorageFormat, "JPEG frame header too short");
            ImageHeader h;
            h.kind = ImageHeader::Kind::Jpeg;
            h.height = (uint32_t{at(d, pos + 5)} << 8) | at(d, pos + 6);
            h.width = (uint32_t{at(d, pos + 7)} << 8) | at(d, pos + 8);
            if (!h.width || !h.height) return fail(Errc::StorageFormat, "JPEG has zero size");
            return h;
        }
        pos += 2 + len;
    }
    return fail(Errc::StorageFormat, "JPEG has no frame header (SOF)");
}

Result<ImageHeader> probePpm(std::span<const std::byte> d) noexcept {
    if (d.size() < 2 || at(d, 0) != 'P' || at(d, 1) != '6')
        return fail(Errc::StorageFormat, "not a binary PPM (P6) file");
    size_t pos = 2;
    uint32_t w = 0, h = 0, maxval = 0;
    if (!ppmNumber(d, pos, w) || !ppmNumber(d, pos, h) || !ppmNumber(d, pos, maxval))
        return fail(Errc::StorageFormat, "PPM header incomplete");
    if (pos >= d.size() ||
        (at(d, pos) != ' ' && at(d, pos) != '\n' && at(d, pos) != '\r' && at(d, pos) != '\t'))
        return fail(Errc::StorageFormat, "PPM header not followed by white space");
    ++pos;
    if (maxval != 255)
        return failf(Errc::StorageFormat, 0, "PPM maxval %u not supported (need 255)", maxval);
    if (!w || !h || w > 65535 || h > 65535)
        return failf(Errc::StorageFormat, 0, "PPM size %ux%u out of range", w, h);
    uint64_t need = uint64_t{w} * h * 3;
    if (d.size() - pos < need)
        return failf(Errc::StorageFormat, 0, "PPM truncated: %zu of %llu sample bytes",
                     d.size() - pos, static_cast<unsigned long long>(need));
    return ImageHeader{ImageHeader::Kind::Ppm, w, h, pos};
}

Result<ImageHeader> probeImage(std::span<const std::byte> d) noexcept {
    if (d.size() >= 2 && at(d, 0) == 0xFF && at(d, 1) == 0xD8) return probeJpeg(d);
    if (d.size() >= 2 && at(d, 0) == 'P' && at(d, 1) == '6') return probePpm(d);
    return fail(Errc::StorageFormat, "not a JPEG or binary PPM image");
}

}  // namespace snapstage::hal
