// SPDX-License-Identifier: MIT
// Helpers for the image tests: frames from the pattern and file cameras, an independent
// TurboJPEG decode, PSNR, and a tiny EXIF/TIFF reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hal/camera.h"

namespace snapstage::image::test {

// A started camera and the frame it lent (released on destruction).
struct CapturedFrame {
    std::unique_ptr<hal::Camera> camera;
    hal::FrameView frame;
    ~CapturedFrame();
};
// Opens `spec` ("pattern,width=64,height=48,format=nv12", "file:...") and captures one frame.
// Fails the test (and returns a null camera) on error.
std::unique_ptr<CapturedFrame> capture(const std::string& spec);

// The pattern scene as packed RGB (the pattern camera in rgb24), for pixel comparisons.
std::vector<uint8_t> patternRgb(uint32_t width, uint32_t height);

struct DecodedJpeg {
    bool ok = false;
    int width = 0;
    int height = 0;
    int subsampling = -1;  // TJSAMP_*
    std::vector<uint8_t> rgb;
    std::string error;
};
// Decodes with TurboJPEG directly (not through image::Decoder), to RGB at full size.
DecodedJpeg decodeWithTurboJpeg(std::span<const std::byte> jpeg);
// Compresses packed RGB with TurboJPEG directly: how the tests make MJPEG frames.
std::vector<std::byte> compressWithTurboJpeg(const std::vector<uint8_t>& rgb, int width, int height,
                                             int subsampling, int quality);
// TJSAMP_* of our Subsampling names: "444", "422", "420", "gray".
int tjSamp(const char* name);

// BT.601 luma of packed RGB, one byte per pixel.
std::vector<uint8_t> lumaOf(const std::vector<uint8_t>& rgb);

// Peak signal-to-noise ratio of two equally sized 8-bit buffers, in dB (99 when identical).
double psnr(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

std::vector<std::byte> readFileBytes(const std::string& path);

// One TIFF tag as read back: type, count and the raw value bytes (little-endian file order).
struct TiffValue {
    uint16_t type = 0;
    uint32_t count = 0;
    std::vector<uint8_t> bytes;
    std::string text() const;  // ASCII without its NUL
    uint32_t number() const;   // SHORT or LONG
};
using TiffIfd = std::map<uint16_t, TiffValue>;
struct ExifRead {
    bool ok = false;
    std::string error;
    TiffIfd ifd0;
    TiffIfd exif;
};
// Reads the APP1 "Exif" segment that must directly follow SOI of `jpeg`.
ExifRead readExif(std::span<const std::byte> jpeg);
// Reads an APP1 segment starting at its FF E1 marker.
ExifRead readExifSegment(std::span<const std::byte> segment);

// The marker bytes (0xE0 = APP0 ...) of the segments before the first SOF/DQT-style data,
// walking from SOI: lets tests check the order of the header segments.
std::vector<uint8_t> headerMarkers(std::span<const std::byte> jpeg);

}  // namespace snapstage::image::test
