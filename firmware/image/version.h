// SPDX-License-Identifier: MIT
// The linked JPEG library's version, for `snapstage --version`.
#pragma once

namespace snapstage::image {

// libjpeg-turbo's version as built against ("2.1.5"); a static literal, never null.
const char* turbojpegVersion() noexcept;

}  // namespace snapstage::image
