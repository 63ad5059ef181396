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

// The answers each adapter reads, as pure functions over a parsed body (fuzzed, unit tested).
// Each checks every field it uses and names it and the call when it is missing or mistyped.
Status readV3Assets(json::Value assets, Remote& remote, const char* call) noexcept;
Status readV3Order(json::Value data, Remote& remote) noexcept;                // POST /v3/order
Result<PollResult> readV3Process(json::Value data, Remote& remote) noexcept;  // GET /v3/process
Result<PollResult> readV1Order(json::Value data, Remote& remote) noexcept;    // GET /v1/order
Status readAeCreated(json::Value data, Remote& remote) noexcept;              // POST /v3/images/
Result<PollResult> readAeImage(json::Value data, Remote& remote) noexcept;    // GET /v3/images

}  // namespace snapstage::cloud
