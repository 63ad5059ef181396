// SPDX-License-Identifier: MIT
// libjpeg-turbo's version: from <jconfig.h> where the libjpeg headers are installed, else from
// pkg-config at configure time (SNAPSTAGE_TURBOJPEG_VERSION).
#include "firmware/image/version.h"

#if __has_include(<jconfig.h>)
#include <jconfig.h>
#endif

namespace snapstage::image {

#define SNAPSTAGE_STRINGIFY2(x) #x
#define SNAPSTAGE_STRINGIFY(x) SNAPSTAGE_STRINGIFY2(x)

const char* turbojpegVersion() noexcept {
#if defined(LIBJPEG_TURBO_VERSION)
    return SNAPSTAGE_STRINGIFY(LIBJPEG_TURBO_VERSION);
#elif defined(SNAPSTAGE_TURBOJPEG_VERSION)
    return SNAPSTAGE_TURBOJPEG_VERSION;
#else
    return "2.x";
#endif
}

}  // namespace snapstage::image
