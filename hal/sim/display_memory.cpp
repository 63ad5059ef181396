// SPDX-License-Identifier: MIT
// The null and file displays, and a PNG writer that needs no compression library.
#include "hal/sim/display_memory.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "firmware/util/fs.h"

namespace snapstage::hal {
namespace {

uint32_t crcTable(uint32_t n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    return c;
}

uint32_t crc32(uint32_t crc, const uint8_t* p, size_t n) {
    static uint32_t table[256];
    static bool ready = false;
    if (!ready) {
        for (uint32_t i = 0; i < 256; ++i)
            table[i] = crcTable(i);
        ready = true;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; ++i)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

void be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// A PNG chunk: length, type, data, CRC over type and data.
class PngWriter {
public:
    explicit PngWriter(fs::AtomicFile& f) noexcept : f_(f) {}
    Status chunk(const char* type, const uint8_t* data, size_t n) {
        uint8_t head[8];
        be32(head, static_cast<uint32_t>(n));
        std::memcpy(head + 4, type, 4);
        SNAPSTAGE_TRY(put(head, 8));
        if (n) SNAPSTAGE_TRY(put(data, n));
        uint8_t crc[4];
        be32(crc, crc32(crc32(0, head + 4, 4), data, n));
        return put(crc, 4);
    }
    // The IDAT chunk written in pieces: begin with its total length, feed data, end.
    Status begin(uint32_t length) {
        uint8_t head[8];
        be32(head, length);
        std::memcpy(head + 4, "IDAT", 4);
        crc_ = crc32(0, head + 4, 4);
        return put(head, 8);
    }
    Status feed(const uint8_t* p, size_t n) {
        crc_ = crc32(crc_, p, n);
        return put(p, n);
    }
    Status end() {
        uint8_t crc[4];
        be32(crc, crc_);
        return put(crc, 4);
    }

private:
    Status put(const uint8_t* p, size_t n) {
        return f_.write(std::span(reinterpret_cast<const std::byte*>(p), n));
    }
    fs::AtomicFile& f_;
    uint32_t crc_ = 0;
};

void toRgb(const DisplayFrame& f, uint32_t y, uint8_t* out) {
    const uint8_t* src = f.pixels + static_cast<size_t>(y) * f.strideBytes;
    for (uint32_t x = 0; x < f.width; ++x) {
        if (f.format == DisplayFormat::Xrgb8888) {
            out[3 * x] = src[4 * x + 2];
            out[3 * x + 1] = src[4 * x + 1];
            out[3 * x + 2] = src[4 * x];
        } else if (f.format == DisplayFormat::Xbgr8888) {
            out[3 * x] = src[4 * x];
            out[3 * x + 1] = src[4 * x + 1];
            out[3 * x + 2] = src[4 * x + 2];
        } else {
            unsigned v = static_cast<unsigned>(src[2 * x] | src[2 * x + 1] << 8);
            out[3 * x] = static_cast<uint8_t>((v >> 11) * 255 / 31);
            out[3 * x + 1] = static_cast<uint8_t>(((v >> 5) & 63) * 255 / 63);
            out[3 * x + 2] = static_cast<uint8_t>((v & 31) * 255 / 31);
        }
    }
}

}  // namespace

Status writePng(const char* path, const DisplayFrame& frame, uint8_t* row) noexcept {
    fs::AtomicFile file;
    SNAPSTAGE_TRY(file.open(path));
    PngWriter png(file);
    static const uint8_t sig[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
    SNAPSTAGE_TRY(file.write(std::as_bytes(std::span(sig))));
    uint8_t ihdr[13] = {};
    be32(ihdr, frame.width);
    be32(ihdr + 4, frame.height);
    ihdr[8] = 8;  // bits per channel
    ihdr[9] = 2;  // RGB
    SNAPSTAGE_TRY(png.chunk("IHDR", ihdr, sizeof ihdr));
    // zlib stream of stored (uncompressed) deflate blocks, one per scanline (< 64 KiB each).
    const uint32_t rowBytes = frame.width * 3 + 1;
    if (rowBytes > 65535) return fail(Errc::DisplayIo, "frame too wide for a PNG row block");
    const uint32_t idat = 2 + frame.height * (5 + rowBytes) + 4;
    SNAPSTAGE_TRY(png.begin(idat));
    const uint8_t zhead[] = {0x78, 0x01};
    SNAPSTAGE_TRY(png.feed(zhead, 2));
    uint32_t a = 1, b = 0;  // Adler-32 of the raw scanlines
    for (uint32_t y = 0; y < frame.height; ++y) {
        row[0] = 0;  // filter: none
        toRgb(frame, y, row + 1);
        uint8_t block[5] = {static_cast<uint8_t>(y + 1 == frame.height ? 1 : 0),
                            static_cast<uint8_t>(rowBytes), static_cast<uint8_t>(rowBytes >> 8),
                            static_cast<uint8_t>(~rowBytes), static_cast<uint8_t>(~rowBytes >> 8)};
        SNAPSTAGE_TRY(png.feed(block, 5));
        SNAPSTAGE_TRY(png.feed(row, rowBytes));
        for (uint32_t i = 0; i < rowBytes; ++i) {
            a = (a + row[i]) % 65521;
            b = (b + a) % 65521;
        }
    }
    uint8_t adler[4];
    be32(adler, b << 16 | a);
    SNAPSTAGE_TRY(png.feed(adler, 4));
    SNAPSTAGE_TRY(png.end());
    SNAPSTAGE_TRY(png.chunk("IEND", nullptr, 0));
    return file.commit();
}

Status MemoryDisplay::init() {
    auto w = spec_.uintOption("width", 1280, 8192);
    auto h = spec_.uintOption("height", 720, 8192);
    if (!w) return fail(w.error());
    if (!h) return fail(h.error());
    info_.width = *w;
    info_.height = *h;
    info_.format = DisplayFormat::Xrgb8888;
    if (Status st = pixels_.allocate(size_t{*w} * *h * 4); !st)
        return fail(st.error().withContext("the display buffer"));
    return okStatus();
}

Result<DisplayFrame> MemoryDisplay::frame() {
    if (!pixels_) return fail(Errc::Internal, "display used before init");
    return DisplayFrame{pixels_.data(), info_.width, info_.height, info_.width * 4, info_.format};
}

Status NullDisplay::init() {
    SNAPSTAGE_TRY(MemoryDisplay::init());
    info_.backend = "null";
    std::snprintf(info_.name, sizeof info_.name, "null");
    return okStatus();
}

Status FileDisplay::init() {
    SNAPSTAGE_TRY(MemoryDisplay::init());
    info_.backend = "file";
    if (spec_.argument.empty())
        return fail(Errc::InvalidArgument, "the file display needs a folder: file:DIR");
    std::snprintf(info_.name, sizeof info_.name, "%s", spec_.argument.c_str());
    Status st = fs::makeDirs(spec_.argument);
    if (!st) return fail(Errc::DisplayOpen, st.error().message());
    row_.reset(new (std::nothrow) uint8_t[info_.width * 3 + 1]);
    if (!row_) return fail(Errc::NoMemory, "no memory for the display");
    return okStatus();
}

Status FileDisplay::present() {
    char path[fs::kMaxPathBytes];
    std::snprintf(path, sizeof path, "%s/screen-%04u.png", spec_.argument.c_str(), count_ + 1);
    auto f = frame();
    if (!f) return fail(f.error());
    Status st = writePng(path, *f, row_.get());
    if (!st)
        return fail(
            Error(st.error().code() == Errc::StorageFull ? Errc::StorageFull : Errc::DisplayIo,
                  st.error().message()));
    ++count_;
    return okStatus();
}

}  // namespace snapstage::hal
