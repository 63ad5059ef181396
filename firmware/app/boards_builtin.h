// SPDX-License-Identifier: MIT
// The board files of boards/*/board.json, compiled into the binary (generated at build time).
#pragma once

#include <span>

namespace snapstage::app {

struct BuiltinBoard {
    const char* name;
    const char* json;
};

std::span<const BuiltinBoard> builtinBoardList() noexcept;

}  // namespace snapstage::app
