// SPDX-License-Identifier: MIT
// `snapstage --version`: the version, the build's backends, the linked library versions.
#pragma once

#include <cstdio>

namespace snapstage::app {

void printVersion(std::FILE* out) noexcept;

}  // namespace snapstage::app
