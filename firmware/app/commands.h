// SPDX-License-Identifier: MIT
// The commands of DESIGN.md section 5. Each lives in its own cmd_<name>.cpp.
#pragma once

#include <span>

#include "firmware/app/context.h"

namespace snapstage::app {

extern const Command kCaptureCommand;
extern const Command kFetchCommand;
extern const Command kSubmitCommand;
extern const Command kStatusCommand;
extern const Command kJobsCommand;
extern const Command kCatalogCommand;
extern const Command kShowCommand;
extern const Command kRunCommand;
extern const Command kDemoCommand;
extern const Command kDoctorCommand;

// Every command this build has, in the order `snapstage --help` lists them.
std::span<const Command* const> commandTable() noexcept;

}  // namespace snapstage::app
