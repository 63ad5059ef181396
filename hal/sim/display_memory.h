// SPDX-License-Identifier: MIT
// Displays with a back buffer in memory: `null` (draws and shows nothing; headless boxes, tests)
// and `file` (each presented frame written as a PNG into a folder, for headless boxes and HIL
// rigs). Sizes come from the options (width, height), by default 1280x720.
#pragma once

#include <memory>

#include "firmware/util/pages.h"
#include "hal/display.h"

namespace snapstage::hal {

class MemoryDisplay : public Display {
public:
    explicit MemoryDisplay(const DeviceSpec& spec) noexcept : spec_(spec) {}
    Status init() override;
    DisplayInfo info() const override { return info_; }
    Result<DisplayFrame> frame() override;
    Status present() override { return okStatus(); }

protected:
    DeviceSpec spec_;
    DisplayInfo info_;
    PageBuffer pixels_;  // zeroed and mapped in at init(): black, with no faults when drawn
};

class NullDisplay final : public MemoryDisplay {
public:
    using MemoryDisplay::MemoryDisplay;
    Status init() override;
};

class FileDisplay final : public MemoryDisplay {
public:
    using MemoryDisplay::MemoryDisplay;
    Status init() override;
    // Writes <folder>/screen-NNNN.png (durably, complete or not at all). Errors: DisplayIo.
    Status present() override;
    // Frames presented so far.
    unsigned count() const noexcept { return count_; }

private:
    std::unique_ptr<uint8_t[]> row_;  // one PNG scanline (filter byte + RGB)
    unsigned count_ = 0;
};

// Writes `frame` as an uncompressed PNG (RGB, 8 bits) into `path`, through `row` (3 * width + 1
// bytes). Never allocates. Errors: DisplayIo, StorageFull.
Status writePng(const char* path, const DisplayFrame& frame, uint8_t* row) noexcept;

}  // namespace snapstage::hal
