// SPDX-License-Identifier: MIT
// The EXIF APP1 writer: builds two IFDs on the stack, then writes them in one pass.
#include "firmware/image/exif.h"


namespace snapstage::image {
namespace {

// TIFF field types.
constexpr uint16_t kAscii = 2, kShort = 3, kLong = 4, kRational = 5, kUndefined = 7;
// APP1 marker, length, "Exif\0\0", then the TIFF header "II*\0" + offset of IFD0.
constexpr size_t kPreambleBytes = 2 + 2 + 6;
constexpr size_t kTiffHeaderBytes = 8;

// One IFD entry; the payload is `dataLen` bytes of `data` followed by zeros up to `size` (so an
// ASCII value gets its terminating NUL).
struct Entry {
    uint16_t tag = 0;
    uint16_t type = 0;
    uint32_t count = 0;
    const uint8_t* data = nullptr;
    size_t dataLen = 0;
    size_t size = 0;
};

constexpr size_t pad2(size_t n) {
    return (n + 1) & ~size_t{1};
}

// An IFD under construction; entries must be added in ascending tag order.
struct Ifd {
    static constexpr unsigned kMaxEntries = 12;
    Entry entries[kMaxEntries];
    unsigned count = 0;

    void add(uint16_t tag, uint16_t type, uint32_t n, const void* data, size_t dataLen,
             size_t size) noexcept {
        entries[count++] = Entry{tag, type, n, static_cast<const uint8_t*>(data), dataLen, size};
    }
    void ascii(uint16_t tag, const char* text, size_t len) noexcept {
        add(tag, kAscii, static_cast<uint32_t>(len + 1), text, len, len + 1);
    }
    // Bytes the IFD takes: count, entries, next-IFD offset, then out-of-line values (word-aligned).
    size_t bytes() const noexcept {
        size_t n = 2 + 12 * size_t{count} + 4;
        for (unsigned i = 0; i < count; ++i)
            if (entries[i].size > 4) n += pad2(entries[i].size);
        return n;
    }
};

// Little-endian number payloads, kept alive for the duration of one write.
struct Pool {
    uint8_t bytes[64] = {};
    size_t used = 0;
    const uint8_t* u16(uint16_t v) noexcept {
        uint8_t* p = bytes + used;
        p[0] = static_cast<uint8_t>(v);
        p[1] = static_cast<uint8_t>(v >> 8);
        used += 2;
        return p;
    }
    const uint8_t* u32(uint32_t v) noexcept {
        uint8_t* p = bytes + used;
        for (int i = 0; i < 4; ++i)
            p[i] = static_cast<uint8_t>(v >> (8 * i));
        used += 4;
        return p;
    }
    const uint8_t* rational(uint32_t num, uint32_t den) noexcept {
        const uint8_t* p = u32(num);
        u32(den);
        return p;
    }
};

// Days since 1970-01-01 to a civil date (proleptic Gregorian), H. Hinnant's algorithm.
void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) noexcept {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

// "YYYY:MM:DD HH:MM:SS" (19 characters + NUL). False when the year has no 4-digit form.
bool formatExifDate(int64_t t, char (&out)[20]) noexcept {
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    int64_t year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, year, month, day);
    if (year < 0 || year > 9999) return false;
    // Written digit by digit: the ranges are known, and no printf truncation analysis needed.
    auto put = [&out](size_t at, unsigned value, unsigned digits) {
        for (unsigned i = digits; i-- > 0; value /= 10)
            out[at + i] = static_cast<char>('0' + value % 10);
    };
    const auto s = static_cast<unsigned>(secs);
    put(0, static_cast<unsigned>(year), 4);
    put(5, month, 2);
    put(8, day, 2);
    put(11, s / 3600, 2);
    put(14, s / 60 % 60, 2);
    put(17, s % 60, 2);
    out[4] = out[7] = ':';
    out[10] = ' ';
    out[13] = out[16] = ':';
    out[19] = '\0';
    return true;
}

// Everything a segment is built from, so that sizing and writing share one layout.
struct Layout {
    Pool pool;
    char date[20] = {};
    Ifd ifd0;
    Ifd exif;
    size_t total = 0;  // whole segment, marker included
};

constexpr char kUtcOffset[] = "+00:00";

void build(const ExifFields& f, bool withDate, Layout& l) noexcept {
    const ExifInfo& info = f.info;
    Ifd& i0 = l.ifd0;
    if (!info.make.empty()) i0.ascii(0x010F, info.make.data(), info.make.size());
    if (!info.model.empty()) i0.ascii(0x0110, info.model.data(), info.model.size());
    i0.add(0x0112, kShort, 1, l.pool.u16(info.orientation), 2, 2);
    i0.add(0x011A, kRational, 1, l.pool.rational(72, 1), 8, 8);  // XResolution
    i0.add(0x011B, kRational, 1, l.pool.rational(72, 1), 8, 8);  // YResolution
    i0.add(0x0128, kShort, 1, l.pool.u16(2), 2, 2);              // ResolutionUnit: inch
    if (withDate) i0.ascii(0x0132, l.date, 19);                  // DateTime
    i0.add(0x0213, kShort, 1, l.pool.u16(1), 2, 2);              // YCbCrPositioning: centred
    // ExifIFD pointer: patched below once IFD0's size is known (its size does not depend on it).
    const uint8_t* exifPointer = l.pool.u32(0);
    i0.add(0x8769, kLong, 1, exifPointer, 4, 4);

    Ifd& ex = l.exif;
    ex.add(0x9000, kUndefined, 4, "0232", 4, 4);  // ExifVersion 2.32
    if (withDate) {
        ex.ascii(0x9003, l.date, 19);  // DateTimeOriginal
        ex.ascii(0x9004, l.date, 19);  // DateTimeDigitized
        for (uint16_t tag : {uint16_t{0x9010}, uint16_t{0x9011}, uint16_t{0x9012}})
            ex.ascii(tag, kUtcOffset, sizeof kUtcOffset - 1);  // OffsetTime*: dates are UTC
    }
    static constexpr uint8_t kYCbCr[4] = {1, 2, 3, 0};
    ex.add(0x9101, kUndefined, 4, kYCbCr, 4, 4);     // ComponentsConfiguration
    ex.add(0xA000, kUndefined, 4, "0100", 4, 4);     // FlashpixVersion
    ex.add(0xA001, kShort, 1, l.pool.u16(1), 2, 2);  // ColorSpace: sRGB
    ex.add(0xA002, kLong, 1, l.pool.u32(f.pixelWidth), 4, 4);
    ex.add(0xA003, kLong, 1, l.pool.u32(f.pixelHeight), 4, 4);

    const size_t exifOffset = kTiffHeaderBytes + i0.bytes();
    uint8_t* patch = l.pool.bytes + (exifPointer - l.pool.bytes);
    for (int i = 0; i < 4; ++i)
        patch[i] = static_cast<uint8_t>(exifOffset >> (8 * i));
    l.total = kPreambleBytes + exifOffset + ex.bytes();
}

class Writer {
public:
    explicit Writer(std::byte* out) noexcept : out_(out) {}
    void u8(uint8_t v) noexcept { out_[pos_++] = std::byte{v}; }
    void u16le(uint16_t v) noexcept {
        u8(static_cast<uint8_t>(v));
        u8(static_cast<uint8_t>(v >> 8));
    }
    void u32le(uint32_t v) noexcept {
        for (int i = 0; i < 4; ++i)
            u8(static_cast<uint8_t>(v >> (8 * i)));
    }
    void payload(const Entry& e, size_t paddedSize) noexcept {
        for (size_t i = 0; i < paddedSize; ++i)
            u8(i < e.dataLen ? e.data[i] : 0);
    }
    size_t pos() const noexcept { return pos_; }

private:
    std::byte* out_;
    size_t pos_ = 0;
};

// Writes `ifd` at TIFF offset `offset`; `tiffStart` is where the TIFF header sits in the writer.
void writeIfd(Writer& w, size_t tiffStart, const Ifd& ifd) noexcept {
    const size_t offset = w.pos() - tiffStart;
    size_t dataOffset = offset + 2 + 12 * size_t{ifd.count} + 4;
    w.u16le(static_cast<uint16_t>(ifd.count));
    for (unsigned i = 0; i < ifd.count; ++i) {
        const Entry& e = ifd.entries[i];
        w.u16le(e.tag);
        w.u16le(e.type);
        w.u32le(e.count);
        if (e.size <= 4) {
            w.payload(e, 4);
        } else {
            w.u32le(static_cast<uint32_t>(dataOffset));
            dataOffset += pad2(e.size);
        }
    }
    w.u32le(0);  // no next IFD
    for (unsigned i = 0; i < ifd.count; ++i)
        if (ifd.entries[i].size > 4) w.payload(ifd.entries[i], pad2(ifd.entries[i].size));
}

}  // namespace

size_t exifApp1Size(const ExifFields& fields) noexcept {
    Layout l;
    build(fields, fields.info.captureTimeUtc != 0, l);
    return l.total;
}

Result<size_t> writeExifApp1(std::span<std::byte> out, const ExifFields& fields) noexcept {
    const ExifInfo& info = fields.info;
    if (info.orientation < 1 || info.orientation > 8)
        return failf(Errc::InvalidArgument, 0, "EXIF orientation %u is not in 1..8",
                     info.orientation);
    Layout l;
    const bool withDate = info.captureTimeUtc != 0;
    if (withDate && !formatExifDate(info.captureTimeUtc, l.date))
        return failf(Errc::InvalidArgument, 0,
                     "capture time %lld s is outside the years 0..9999 EXIF can hold",
                     static_cast<long long>(info.captureTimeUtc));
    build(fields, withDate, l);
    if (l.total > kMaxExifApp1Bytes)
        return failf(Errc::Overflow, 0,
                     "EXIF segment would be %zu bytes, over the 65537-byte JPEG limit: shorten "
                     "the make (%zu bytes) or model (%zu bytes)",
                     l.total, info.make.size(), info.model.size());
    if (l.total > out.size())
        return failf(Errc::Overflow, 0,
                     "EXIF segment needs %zu bytes, room for %zu: shorten the "
                     "make or model",
                     l.total, out.size());

    Writer w(out.data());
    w.u8(0xFF);
    w.u8(0xE1);
    const auto length = static_cast<uint16_t>(l.total - 2);
    w.u8(static_cast<uint8_t>(length >> 8));  // JPEG segment lengths are big-endian
    w.u8(static_cast<uint8_t>(length));
    for (char c : {'E', 'x', 'i', 'f', '\0', '\0'})
        w.u8(static_cast<uint8_t>(c));
    const size_t tiffStart = w.pos();
    w.u8('I');
    w.u8('I');
    w.u16le(42);
    w.u32le(kTiffHeaderBytes);  // IFD0 follows the header
    writeIfd(w, tiffStart, l.ifd0);
    writeIfd(w, tiffStart, l.exif);
    return w.pos();
}

}  // namespace snapstage::image
