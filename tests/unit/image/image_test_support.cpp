// SPDX-License-Identifier: MIT
// Helpers for the image tests.
#include "tests/unit/image/image_test_support.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>

namespace snapstage::image::test {

CapturedFrame::~CapturedFrame() {
    if (camera) camera->release(frame);
}

std::unique_ptr<CapturedFrame> capture(const std::string& spec) {
    auto out = std::make_unique<CapturedFrame>();
    auto parsed = hal::DeviceSpec::parse(spec);
    EXPECT_TRUE(parsed.ok()) << spec;
    if (!parsed) return out;
    auto cam = hal::makeCamera(*parsed);
    EXPECT_TRUE(cam.ok()) << spec;
    if (!cam) return out;
    auto init = (*cam)->init();
    EXPECT_TRUE(init.ok()) << spec << ": " << init.error().message();
    if (!init || !(*cam)->start().ok()) return out;
    auto frame = (*cam)->capture(1000);
    EXPECT_TRUE(frame.ok()) << spec << ": " << frame.error().message();
    if (!frame) return out;
    out->frame = *frame;
    out->camera = std::move(*cam);
    return out;
}

std::vector<uint8_t> patternRgb(uint32_t width, uint32_t height) {
    auto c = capture("pattern,format=rgb24,width=" + std::to_string(width) +
                     ",height=" + std::to_string(height));
    if (!c->camera) return {};
    const auto* p = reinterpret_cast<const uint8_t*>(c->frame.planes[0].data.data());
    return std::vector<uint8_t>(p, p + c->frame.planes[0].data.size());
}

DecodedJpeg decodeWithTurboJpeg(std::span<const std::byte> jpeg) {
    DecodedJpeg d;
    tjhandle tj = tjInitDecompress();
    const auto* buf = reinterpret_cast<const unsigned char*>(jpeg.data());
    const auto size = static_cast<unsigned long>(jpeg.size());
    int colorspace = 0;
    if (tjDecompressHeader3(tj, buf, size, &d.width, &d.height, &d.subsampling, &colorspace) == 0) {
        d.rgb.resize(static_cast<size_t>(d.width) * static_cast<size_t>(d.height) * 3);
        d.ok = tjDecompress2(tj, buf, size, d.rgb.data(), d.width, 0, d.height, TJPF_RGB, 0) == 0;
    }
    if (!d.ok) d.error = tjGetErrorStr2(tj);
    tjDestroy(tj);
    return d;
}

std::vector<std::byte> compressWithTurboJpeg(const std::vector<uint8_t>& rgb, int width, int height,
                                             int subsampling, int quality) {
    tjhandle tj = tjInitCompress();
    unsigned char* out = nullptr;
    unsigned long size = 0;
    std::vector<std::byte> jpeg;
    if (tjCompress2(tj, rgb.data(), width, 0, height, TJPF_RGB, &out, &size, subsampling, quality,
                    0) == 0) {
        const auto* b = reinterpret_cast<const std::byte*>(out);
        jpeg.assign(b, b + size);
    }
    tjFree(out);
    tjDestroy(tj);
    return jpeg;
}

int tjSamp(const char* name) {
    if (std::strcmp(name, "444") == 0) return TJSAMP_444;
    if (std::strcmp(name, "422") == 0) return TJSAMP_422;
    if (std::strcmp(name, "gray") == 0) return TJSAMP_GRAY;
    return TJSAMP_420;
}

std::vector<uint8_t> lumaOf(const std::vector<uint8_t>& rgb) {
    std::vector<uint8_t> y(rgb.size() / 3);
    for (size_t i = 0; i < y.size(); ++i) {
        const double v = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
        y[i] = static_cast<uint8_t>(v + 0.5);
    }
    return y;
}

double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
    if (a.size() != b.size() || a.empty()) return 0;
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
        sum += d * d;
    }
    if (sum == 0) return 99;
    return 10 * std::log10(255.0 * 255.0 / (sum / static_cast<double>(a.size())));
}

std::vector<std::byte> readFileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    std::memcpy(out.data(), chars.data(), chars.size());
    return out;
}

std::string TiffValue::text() const {
    std::string s(bytes.begin(), bytes.end());
    if (!s.empty() && s.back() == '\0') s.pop_back();
    return s;
}

uint32_t TiffValue::number() const {
    uint32_t v = 0;
    const size_t n = type == 3 ? 2 : 4;
    for (size_t i = 0; i < n && i < bytes.size(); ++i)
        v |= uint32_t{bytes[i]} << (8 * i);
    return v;
}

namespace {

uint32_t le(const uint8_t* p, size_t n) {
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i)
        v |= uint32_t{p[i]} << (8 * i);
    return v;
}

size_t typeSize(uint16_t type) {
    switch (type) {
        case 3:
            return 2;
        case 4:
            return 4;
        case 5:
            return 8;
        default:
            return 1;  // BYTE, ASCII, UNDEFINED
    }
}

// Reads the IFD at `offset` of the TIFF block; false on any out-of-range offset.
bool readIfd(const uint8_t* tiff, size_t size, uint32_t offset, TiffIfd& out) {
    if (offset + 2 > size) return false;
    const uint32_t count = le(tiff + offset, 2);
    if (offset + 2 + 12 * count + 4 > size) return false;
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t* e = tiff + offset + 2 + 12 * i;
        TiffValue v;
        v.type = static_cast<uint16_t>(le(e + 2, 2));
        v.count = le(e + 4, 4);
        const size_t bytes = typeSize(v.type) * v.count;
        const uint8_t* value = e + 8;
        if (bytes > 4) {
            const uint32_t at = le(e + 8, 4);
            if (at + bytes > size || at % 2) return false;  // out of range or not word-aligned
            value = tiff + at;
        }
        v.bytes.assign(value, value + bytes);
        out[static_cast<uint16_t>(le(e, 2))] = v;
    }
    return true;
}

}  // namespace

ExifRead readExifSegment(std::span<const std::byte> segment) {
    ExifRead r;
    const auto* p = reinterpret_cast<const uint8_t*>(segment.data());
    if (segment.size() < 4 || p[0] != 0xFF || p[1] != 0xE1) {
        r.error = "no APP1 marker";
        return r;
    }
    const size_t length = size_t{p[2]} << 8 | p[3];
    if (length + 2 > segment.size() || length < 16 || std::memcmp(p + 4, "Exif\0\0", 6) != 0) {
        r.error = "APP1 is not a whole Exif segment";
        return r;
    }
    const uint8_t* tiff = p + 10;
    const size_t size = length - 8;
    if (std::memcmp(tiff, "II*\0", 4) != 0) {
        r.error = "TIFF header is not little-endian II*";
        return r;
    }
    if (!readIfd(tiff, size, le(tiff + 4, 4), r.ifd0)) {
        r.error = "bad IFD0";
        return r;
    }
    auto ptr = r.ifd0.find(0x8769);
    if (ptr == r.ifd0.end() || !readIfd(tiff, size, ptr->second.number(), r.exif)) {
        r.error = "missing or bad Exif IFD";
        return r;
    }
    r.ok = true;
    return r;
}

ExifRead readExif(std::span<const std::byte> jpeg) {
    const auto* p = reinterpret_cast<const uint8_t*>(jpeg.data());
    if (jpeg.size() < 4 || p[0] != 0xFF || p[1] != 0xD8) {
        ExifRead r;
        r.error = "no SOI";
        return r;
    }
    return readExifSegment(jpeg.subspan(2));
}

std::vector<uint8_t> headerMarkers(std::span<const std::byte> jpeg) {
    std::vector<uint8_t> markers;
    const auto* p = reinterpret_cast<const uint8_t*>(jpeg.data());
    size_t at = 2;
    while (at + 4 <= jpeg.size() && p[at] == 0xFF) {
        markers.push_back(p[at + 1]);
        if (p[at + 1] == 0xDA) break;  // SOS: entropy-coded data follows
        at += 2 + (size_t{p[at + 2]} << 8 | p[at + 3]);
    }
    return markers;
}

}  // namespace snapstage::image::test
