// SPDX-License-Identifier: MIT
// The table of commands.
#include "firmware/app/commands.h"

namespace snapstage::app {

std::span<const Command* const> commandTable() noexcept {
    static const Command* const kCommands[] = {
        &kDemoCommand,    &kRunCommand,     &kCaptureCommand, &kSubmitCommand,  &kStatusCommand,
        &kJobsCommand,    &kCatalogCommand, &kShowCommand,   &kDoctorCommand, &kFetchCommand,
    };
    return kCommands;
}

}  // namespace snapstage::app
