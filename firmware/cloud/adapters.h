// SPDX-License-Identifier: MIT
// The adapters behind makeService() (internal to firmware/cloud), and what they share.
#pragma once

#include <memory>

#include "firmware/cloud/service.h"
#include "firmware/util/json_writer.h"

namespace snapstage::cloud {

std::unique_ptr<Service> makeAiHomeDesignV3() noexcept;
std::unique_ptr<Service> makeAiHomeDesignV1() noexcept;
std::unique_ptr<Service> makeAutoenhance() noexcept;

// Marks `call` as possibly in flight and persists it (before a create that could not be found
// again), and clears the mark once its result is recorded.
Status beginCreate(StepContext& ctx, const char* call) noexcept;
Status endCreate(StepContext& ctx) noexcept;

// The result URLs from a list of objects, each holding the first present of `fields` (a URL
// string): "src", else "temp_src". Errors: ApiResponse naming the call when none is usable.
Status collectResults(json::Value list, std::initializer_list<const char*> fields, Remote& remote,
                      const char* call) noexcept;

}  // namespace snapstage::cloud
