// SPDX-License-Identifier: MIT
// QR codes through libqrencode.
#include "firmware/ui/qr.h"

#include <algorithm>

#if defined(SNAPSTAGE_HAVE_QRENCODE)
#include <qrencode.h>
#endif

namespace snapstage::ui {

#if defined(SNAPSTAGE_HAVE_QRENCODE)

bool qrAvailable() noexcept {
    return true;
}

Rect drawQr(Canvas& canvas, std::string_view text, Rect box) noexcept {
    char buf[1024];
    if (text.empty() || text.size() >= sizeof buf) return {};
    std::copy(text.begin(), text.end(), buf);
    buf[text.size()] = '\0';
    QRcode* code = QRcode_encodeString(buf, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!code) return {};
    const int quiet = 2, side = code->width + 2 * quiet;
    const int module = std::min(box.w, box.h) / side;
    Rect out{};
    if (module >= 1) {
        out = {box.x + box.w - side * module, box.y + box.h - side * module, side * module,
               side * module};
        canvas.fill(out, {255, 255, 255});
        for (int y = 0; y < code->width; ++y)
            for (int x = 0; x < code->width; ++x)
                if (code->data[y * code->width + x] & 1)
                    canvas.fill({out.x + (x + quiet) * module, out.y + (y + quiet) * module, module,
                                 module},
                                {0, 0, 0});
    }
    QRcode_free(code);
    return out;
}

#else

bool qrAvailable() noexcept {
    return false;
}

Rect drawQr(Canvas&, std::string_view, Rect) noexcept {
    return {};
}

#endif

}  // namespace snapstage::ui
