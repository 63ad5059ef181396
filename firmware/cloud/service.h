// SPDX-License-Identifier: MIT
// cloud::Service: one vendor-neutral interface over each service API (AI HomeDesign v3 and v1,
// Autoenhance v3): start a job one remote call at a time, poll it, fetch its results. What a
// service leaves on the remote side (ids, upload URL, result URLs) is kept in a Remote record
// that the caller persists after every step, so that a restart carries on where it stopped and
// never creates a second order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "firmware/cloud/api_client.h"
#include "firmware/util/fixed_string.h"
#include "firmware/util/result.h"

namespace snapstage::cloud {

enum class Vendor : uint8_t { AiHomeDesignV3, AiHomeDesignV1, Autoenhance };
// "aihomedesign"/"v3" and so on; false when unknown.
bool parseVendor(std::string_view vendor, std::string_view api, Vendor& out) noexcept;
const char* vendorName(Vendor v) noexcept;  // "aihomedesign" | "autoenhance"
const char* apiName(Vendor v) noexcept;     // "v3" | "v1"
ErrorShape errorShape(Vendor v) noexcept;

inline constexpr size_t kMaxParams = 8;
inline constexpr size_t kMaxResults = 4;
using Id = FixedString<64>;
using UrlText = FixedString<net::Url::kCapacity>;

// What the job asks for: the tool and its parameters (already checked against the catalog), and
// the input files (absolute paths in the job's folder).
struct Param {
    FixedString<128> key;    // v3: widget slug; v1: widget id or "space_name"; Autoenhance: field
    FixedString<128> value;  // v3: item slug; v1: item id; Autoenhance: value as text
};
struct JobRequest {
    FixedString<96> tool;  // v3 tool slug, v1 service name; unused for Autoenhance
    Param params[kMaxParams];
    size_t paramCount = 0;
    FixedString<512> image;      // primary photo
    FixedString<512> secondary;  // optional second angle (v3)
    FixedString<512> mask;       // optional mask PNG (v3 item removal)
    FixedString<64> jobId;       // local id: names the upload, finds the job again remotely
};

// The remote side of a job, persisted between steps. `pending` names a create call that may
// have reached the service without its answer reaching us (set and persisted before the call,
// cleared with its result): on resume the adapter looks the object up instead of creating it
// again.
struct Remote {
    Id project;         // v3
    Id order;           // v3 order, v1 order, Autoenhance order
    Id assets[3];       // v3: primary, secondary, mask asset ids
    Id process;         // v3 process
    Id image;           // v1 generated image; Autoenhance image id (chosen by us, a UUID)
    UrlText uploadUrl;  // Autoenhance presigned PUT
    bool uploaded = false;
    bool submitted = false;  // every start step done: polling from now on
    int64_t etaS = -1;       // the service's estimate at submission (v1), -1 when none
    FixedString<16> pending;
    UrlText results[kMaxResults];
    size_t resultCount = 0;
};

// Where a job stands remotely, from one poll.
enum class RemoteState : uint8_t { Pending, Processing, Done, Failed };
const char* to_string(RemoteState s) noexcept;

struct PollResult {
    RemoteState state = RemoteState::Pending;
    int64_t etaS = -1;         // the service's estimate of the time left, -1 when none
    FixedString<160> message;  // the service's words on a failure
};

// Persists the job record (Remote included) durably; implemented by the job spool.
class Checkpoint {
public:
    virtual ~Checkpoint() = default;
    virtual Status save() noexcept = 0;

protected:
    Checkpoint() = default;
    Checkpoint(const Checkpoint&) = default;
    Checkpoint& operator=(const Checkpoint&) = default;
};

// What a step or poll needs: the API client, the job's request and remote record, the
// checkpoint, and an observer for upload progress. All borrowed for the call.
struct StepContext {
    ApiClient& api;
    const JobRequest& request;
    Remote& remote;
    Checkpoint& checkpoint;
    net::HttpObserver* observer = nullptr;
};

class Service {
public:
    virtual ~Service() = default;
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    virtual Vendor vendor() const noexcept = 0;
    // Makes one remote call towards starting the job (or a look-up that replaces one after a
    // crash) and records its result in ctx.remote, persisting through ctx.checkpoint before any
    // call whose effect could not be found again. Sets remote.submitted when the job has been
    // started. Errors: the ApiClient's (isTransient() tells which are worth a retry),
    // ApiResponse for an answer missing a field (the message names the field and the call).
    virtual Status step(StepContext& ctx) noexcept = 0;
    // One status request. On Done, remote.results holds the result URLs.
    virtual Result<PollResult> poll(StepContext& ctx) noexcept = 0;
    // Streams result `index` (< remote.resultCount) into `sink`.
    virtual Status download(StepContext& ctx, size_t index, net::BodySink& sink) noexcept = 0;

protected:
    Service() = default;
};

// The adapter for `vendor`. Allocates once (start-up).
std::unique_ptr<Service> makeService(Vendor vendor) noexcept;

// Reads a required string member `name` of `obj`, naming it and the call when it is missing or
// not a string. Used by every adapter.
Result<std::string_view> requireString(json::Value obj, const char* name,
                                       const char* call) noexcept;
// Copies `text` into `out`, or fails naming the field when it is too long.
Status keep(Id& out, std::string_view text, const char* name, const char* call) noexcept;
Status keepUrl(UrlText& out, std::string_view text, const char* name, const char* call) noexcept;

}  // namespace snapstage::cloud
