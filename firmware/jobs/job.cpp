// SPDX-License-Identifier: MIT
// Job states and the job.json format.
#include "firmware/jobs/job.h"

#include "firmware/util/json_writer.h"

namespace snapstage::jobs {
namespace {

constexpr const char* kStates[] = {"queued",      "submitting", "processing",
                                   "downloading", "done",       "failed"};

std::string_view baseName(std::string_view path) {
    return path.substr(path.rfind('/') + 1);
}

template <size_t N>
void idField(JsonWriter& w, const char* key, const FixedString<N>& s) {
    if (!s.empty()) w.key(key).value(s.view());
}

void writeRemote(JsonWriter& w, const cloud::Remote& r) {
    w.key("remote").beginObject();
    idField(w, "project", r.project);
    idField(w, "order", r.order);
    w.key("assets").beginArray();
    for (const auto& a : r.assets)
        w.value(a.view());
    w.endArray();
    idField(w, "process", r.process);
    idField(w, "image", r.image);
    idField(w, "upload_url", r.uploadUrl);
    w.key("uploaded").value(r.uploaded).key("submitted").value(r.submitted);
    if (r.etaS >= 0) w.key("eta_s").value(r.etaS);
    idField(w, "pending", r.pending);
    w.key("results").beginArray();
    for (size_t i = 0; i < r.resultCount; ++i)
        w.value(r.results[i].view());
    w.endArray().endObject();
}

// Copies string member `name` of `obj` into `out`; absent is fine unless `required`.
template <size_t N>
Status take(json::Value obj, const char* name, FixedString<N>& out, bool required = false) {
    json::Value v = obj.get(name);
    if (!v.valid() && !required) {
        out.clear();
        return okStatus();
    }
    if (!v.isString() || !out.assign(v.asString()))
        return failf(Errc::StorageFormat, 0, "\"%s\" is missing, not text or too long", name);
    return okStatus();
}

Status readRemote(json::Value r, cloud::Remote& out) {
    if (!r.isObject()) return fail(Errc::StorageFormat, "\"remote\" is missing");
    SNAPSTAGE_TRY(take(r, "project", out.project));
    SNAPSTAGE_TRY(take(r, "order", out.order));
    int i = 0;
    for (json::Value a : r.get("assets"))
        if (i < 3) out.assets[i++].assign(a.asString());
    SNAPSTAGE_TRY(take(r, "process", out.process));
    SNAPSTAGE_TRY(take(r, "image", out.image));
    SNAPSTAGE_TRY(take(r, "upload_url", out.uploadUrl));
    SNAPSTAGE_TRY(take(r, "pending", out.pending));
    out.uploaded = r.get("uploaded").asBool();
    out.submitted = r.get("submitted").asBool();
    if (!r.get("eta_s").asInt64(out.etaS)) out.etaS = -1;
    out.resultCount = 0;
    for (json::Value u : r.get("results"))
        if (out.resultCount < cloud::kMaxResults &&
            out.results[out.resultCount].assign(u.asString()))
            ++out.resultCount;
    return okStatus();
}

template <size_t N>
Status inputPath(json::Value inputs, const char* name, std::string_view dir, FixedString<N>& out) {
    std::string_view file = inputs.get(name).asString();
    if (file.empty()) {
        out.clear();
        return okStatus();
    }
    if (file.find('/') != std::string_view::npos || file == "..")
        return failf(Errc::StorageFormat, 0, "input \"%s\" is not a file name", name);
    if (!out.format("%.*s/%.*s", static_cast<int>(dir.size()), dir.data(),
                    static_cast<int>(file.size()), file.data()))
        return fail(Errc::StorageFormat, "input path too long");
    return okStatus();
}

}  // namespace

const char* to_string(JobState s) noexcept {
    return kStates[static_cast<int>(s)];
}

bool parseJobState(std::string_view text, JobState& out) noexcept {
    for (size_t i = 0; i < kJobStates; ++i)
        if (text == kStates[i]) {
            out = static_cast<JobState>(i);
            return true;
        }
    return false;
}

Result<std::string_view> writeJobJson(const Job& job, std::span<char> out) noexcept {
    JsonWriter w(out);
    const cloud::JobRequest& q = job.request;
    w.beginObject().key("format").value(1).key("id").value(job.id.view());
    w.key("state").value(to_string(job.state));
    w.key("vendor")
        .value(cloud::vendorName(job.vendor))
        .key("api")
        .value(cloud::apiName(job.vendor));
    w.key("created").value(job.createdS).key("updated").value(job.updatedS);
    w.key("submitted_at").value(job.submittedS);
    w.key("tool").value(q.tool.view()).key("params").beginArray();
    for (size_t i = 0; i < q.paramCount; ++i)
        w.beginObject()
            .key("key")
            .value(q.params[i].key.view())
            .key("value")
            .value(q.params[i].value.view())
            .endObject();
    w.endArray().key("inputs").beginObject();
    w.key("image").value(baseName(q.image.view()));
    if (!q.secondary.empty()) w.key("secondary").value(baseName(q.secondary.view()));
    if (!q.mask.empty()) w.key("mask").value(baseName(q.mask.view()));
    w.endObject();
    writeRemote(w, job.remote);
    w.key("results").beginArray();
    for (size_t i = 0; i < job.resultsSaved; ++i)
        w.value(job.resultExt[i].view());
    w.endArray();
    if (job.errorCode != Errc::Ok)
        w.key("error")
            .beginObject()
            .key("code")
            .value(static_cast<unsigned>(job.errorCode))
            .key("message")
            .value(job.error.view())
            .endObject();
    w.endObject();
    if (w.overflowed()) return fail(Errc::Overflow, "job record larger than its buffer");
    return w.text();
}

Status readJobJson(std::string_view text, std::string_view dir, Arena& arena, Job& job) noexcept {
    arena.reset();
    auto doc = json::Document::parse(text, &arena);
    if (!doc) return fail(Errc::StorageFormat, doc.error().message());
    json::Value root = doc->root();
    if (!root.isObject()) return fail(Errc::StorageFormat, "not a JSON object");
    job = Job{};
    SNAPSTAGE_TRY(take(root, "id", job.id, true));
    if (!parseJobState(root.get("state").asString(), job.state))
        return fail(Errc::StorageFormat, "\"state\" is missing or unknown");
    if (!cloud::parseVendor(root.get("vendor").asString(), root.get("api").asString(), job.vendor))
        return fail(Errc::StorageFormat, "\"vendor\"/\"api\" is missing or unknown");
    (void)root.get("created").asInt64(job.createdS);
    (void)root.get("updated").asInt64(job.updatedS);
    (void)root.get("submitted_at").asInt64(job.submittedS);
    cloud::JobRequest& q = job.request;
    SNAPSTAGE_TRY(take(root, "tool", q.tool));
    for (json::Value p : root.get("params")) {
        if (q.paramCount == cloud::kMaxParams) break;
        SNAPSTAGE_TRY(take(p, "key", q.params[q.paramCount].key, true));
        SNAPSTAGE_TRY(take(p, "value", q.params[q.paramCount].value, true));
        ++q.paramCount;
    }
    json::Value inputs = root.get("inputs");
    if (!inputs.isObject() || inputs.get("image").asString().empty())
        return fail(Errc::StorageFormat, "\"inputs.image\" is missing");
    SNAPSTAGE_TRY(inputPath(inputs, "image", dir, q.image));
    SNAPSTAGE_TRY(inputPath(inputs, "secondary", dir, q.secondary));
    SNAPSTAGE_TRY(inputPath(inputs, "mask", dir, q.mask));
    q.jobId.assign(job.id.view());
    SNAPSTAGE_TRY(readRemote(root.get("remote"), job.remote));
    for (json::Value e : root.get("results"))
        if (job.resultsSaved < cloud::kMaxResults)
            job.resultExt[job.resultsSaved++].assign(e.asString());
    json::Value err = root.get("error");
    int64_t code = 0;
    if (err.isObject() && err.get("code").asInt64(code)) {
        job.errorCode = static_cast<Errc>(code);
        job.error.assign(err.get("message").asString().substr(0, 199));
    }
    return okStatus();
}

}  // namespace snapstage::jobs
