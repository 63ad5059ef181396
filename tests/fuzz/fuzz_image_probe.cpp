// SPDX-License-Identifier: MIT
// Fuzz target: the file camera's JPEG/PPM header probe, which reads files from disk.
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/sim/image_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    auto header = snapstage::hal::probeImage(bytes);
    if (header.ok() && header->kind == snapstage::hal::ImageHeader::Kind::Ppm) {
        // The probe promised this many sample bytes: touch the last one.
        size_t need = size_t{header->width} * header->height * 3;
        volatile auto last = bytes[header->pixelOffset + need - 1];
        (void)last;
    }
    return 0;
}
