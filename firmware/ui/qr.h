// SPDX-License-Identifier: MIT
// A QR code drawn into a canvas (libqrencode, where the build found it): the result's public URL
// on the kiosk's result screen, so a visitor can take the staged room home on a phone.
#pragma once

#include <string_view>

#include "firmware/ui/canvas.h"

namespace snapstage::ui {

// True when this build draws QR codes.
bool qrAvailable() noexcept;

// Draws `text` as a QR code (error correction M, a quiet zone of 2 modules) as large as fits in
// `box`, dark modules on white; returns the square drawn, or an empty Rect when the build has no
// QR support or the text does not fit. libqrencode allocates for each code it makes (counted
// with the third-party allocations).
Rect drawQr(Canvas& canvas, std::string_view text, Rect box) noexcept;

}  // namespace snapstage::ui
