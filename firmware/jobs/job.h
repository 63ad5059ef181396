// SPDX-License-Identifier: MIT
// jobs::Job: the vendor-neutral job record: what was asked (service, tool, parameters, input
// files), where it stands locally and remotely, its results and its last error. Fixed size: a
// job is loaded, advanced and saved without allocating. Serialised as job.json in its folder.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "firmware/cloud/service.h"
#include "firmware/util/arena.h"
#include "firmware/util/fixed_string.h"
#include "firmware/util/json.h"

namespace snapstage::jobs {

enum class JobState : uint8_t { Queued, Submitting, Processing, Downloading, Done, Failed };
inline constexpr size_t kJobStates = 6;
const char* to_string(JobState s) noexcept;
bool parseJobState(std::string_view text, JobState& out) noexcept;
inline bool finished(JobState s) noexcept {
    return s == JobState::Done || s == JobState::Failed;
}

using JobId = FixedString<48>;

struct Job {
    JobId id;
    JobState state = JobState::Queued;
    cloud::Vendor vendor = cloud::Vendor::AiHomeDesignV3;
    int64_t createdS = 0;
    int64_t updatedS = 0;
    int64_t submittedS = 0;     // when the service accepted it (polling's time-out counts from it)
    cloud::JobRequest request;  // input paths are absolute, inside the job's folder
    cloud::Remote remote;
    size_t resultsSaved = 0;  // result-1.<ext> ... in the job's folder
    FixedString<16> resultExt[cloud::kMaxResults];
    Errc errorCode = Errc::Ok;
    FixedString<200> error;
};

// Writes `job` as JSON into `out`; input files are stored by name (they live in the job's
// folder). Returns the text, or Overflow. Never holds the API key: the record has no field for it.
Result<std::string_view> writeJobJson(const Job& job, std::span<char> out) noexcept;
// Reads job.json text (parsed into `arena`) into `job`, with input paths made absolute under
// `dir`. Errors: StorageFormat naming the field that is missing or wrong.
Status readJobJson(std::string_view text, std::string_view dir, Arena& arena, Job& job) noexcept;

}  // namespace snapstage::jobs
