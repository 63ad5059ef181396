// SPDX-License-Identifier: MIT
// AI HomeDesign v3: project (one per job, so the job can be found again after a crash), order
// with the photo (and a second angle), mask appended, process with tool + asset_map + widgets,
// poll the process, results from final_assets (src, else temp_src).
#include <cstdio>
#include <cstring>

#include "firmware/cloud/adapters.h"
#include "firmware/cloud/catalog.h"
#include "firmware/net/multipart.h"

namespace snapstage::cloud {
namespace {

constexpr const char* kRoles[] = {"primary_angle", "secondary_angle", "mask"};

class AiHomeDesignV3 final : public Service {
public:
    Vendor vendor() const noexcept override { return Vendor::AiHomeDesignV3; }
    Status step(StepContext& ctx) noexcept override;
    Result<PollResult> poll(StepContext& ctx) noexcept override;
    Status download(StepContext& ctx, size_t index, net::BodySink& sink) noexcept override {
        return ctx.api.download(ctx.remote.results[index].view(), sink, "download the result");
    }

private:
    Status project(StepContext& ctx) noexcept;
    Status order(StepContext& ctx) noexcept;
    Status mask(StepContext& ctx) noexcept;
    Status process(StepContext& ctx) noexcept;
    Status findOrder(StepContext& ctx) noexcept;
    const char* path(const char* fmt, std::string_view id) noexcept {
        path_.format(fmt, static_cast<int>(id.size()), id.data());
        return path_.c_str();
    }
    Status jsonBody(const JsonWriter& w) noexcept {
        if (w.overflowed()) return fail(Errc::Overflow, "request body too large");
        body_ = net::BufferSource(fs::bytes(w.text()), "application/json");
        return okStatus();
    }

    net::Multipart form_;
    char json_[8192] = {};
    net::BufferSource body_{{}};
    FixedString<512> path_;
    FixedString<128> address_;
};

Status AiHomeDesignV3::step(StepContext& ctx) noexcept {
    Remote& r = ctx.remote;
    if (r.project.empty()) return project(ctx);
    if (r.order.empty()) return order(ctx);
    if (!ctx.request.mask.empty() && r.assets[2].empty()) return mask(ctx);
    if (r.process.empty()) return process(ctx);
    r.submitted = true;
    return ctx.checkpoint.save();
}

Status AiHomeDesignV3::project(StepContext& ctx) noexcept {
    address_.format("snapstage job %s", ctx.request.jobId.c_str());
    if (ctx.remote.pending == "project") {
        // The create may have reached the service: look for it by its address first.
        auto found = ctx.api.call("GET",
                                  path("/v3/project?page=1&limit=30&s=snapstage%%20job%%20%.*s",
                                       ctx.request.jobId.view()),
                                  nullptr, "find the job's project");
        if (!found) return fail(found.error());
        for (json::Value p : found->data)
            if (p.get("address").asString() == address_.view()) {
                SNAPSTAGE_TRY(keep(ctx.remote.project, p.get("id").asString(), "id",
                                   "find the job's project"));
                return endCreate(ctx);
            }
    }
    SNAPSTAGE_TRY(beginCreate(ctx, "project"));
    JsonWriter w(json_);
    w.beginObject().key("address").value(address_.view()).endObject();
    SNAPSTAGE_TRY(jsonBody(w));
    auto reply = ctx.api.call("POST", "/v3/project", &body_, "create project");
    if (!reply) return fail(reply.error());
    auto id = requireString(reply->data, "id", "create project");
    if (!id) return fail(id.error());
    SNAPSTAGE_TRY(keep(ctx.remote.project, *id, "id", "create project"));
    return endCreate(ctx);
}

}  // namespace

Status readV3Assets(json::Value assets, Remote& remote, const char* call) noexcept {
    if (!assets.isArray())
        return failf(Errc::ApiResponse, 0, "%s: the answer has no \"assets\" list", call);
    int i = 0;
    for (json::Value a : assets) {
        std::string_view role = a.get("asset_role").asString();
        int slot = role == kRoles[1] ? 1 : role == kRoles[2] ? 2 : role.empty() ? i : 0;
        auto id = requireString(a, "id", call);
        if (!id) return fail(id.error());
        SNAPSTAGE_TRY(keep(remote.assets[slot < 3 ? slot : 0], *id, "assets[].id", call));
        ++i;
    }
    if (remote.assets[0].empty())
        return failf(Errc::ApiResponse, 0, "%s: the answer lists no primary asset", call);
    return okStatus();
}

namespace {

Status AiHomeDesignV3::findOrder(StepContext& ctx) noexcept {
    const char* call = "find the job's order";
    auto found = ctx.api.call(
        "GET", path("/v3/project/%.*s/orders?page=1&limit=30", ctx.remote.project.view()), nullptr,
        call);
    if (!found) return fail(found.error());
    for (json::Value o : found->data) {
        auto id = requireString(o, "id", call);
        if (!id) return fail(id.error());
        SNAPSTAGE_TRY(keep(ctx.remote.order, *id, "id", call));
        return readV3Assets(o.get("entry_assets"), ctx.remote, call);
    }
    return okStatus();  // none: the create never arrived
}

Status AiHomeDesignV3::order(StepContext& ctx) noexcept {
    const char* call = "create order";
    if (ctx.remote.pending == "order") {
        SNAPSTAGE_TRY(findOrder(ctx));
        if (!ctx.remote.order.empty()) return endCreate(ctx);
    }
    const JobRequest& q = ctx.request;
    form_.clear();
    SNAPSTAGE_TRY(form_.addField("project_id", ctx.remote.project.view()));
    SNAPSTAGE_TRY(form_.addField("asset_role", kRoles[0]));
    if (!q.secondary.empty()) SNAPSTAGE_TRY(form_.addField("asset_role", kRoles[1]));
    SNAPSTAGE_TRY(form_.addFile("asset_file", q.image.c_str()));
    if (!q.secondary.empty()) SNAPSTAGE_TRY(form_.addFile("asset_file", q.secondary.c_str()));
    SNAPSTAGE_TRY(beginCreate(ctx, "order"));
    auto reply = ctx.api.call("POST", "/v3/order", &form_, call, ctx.observer);
    form_.clear();  // closes the files
    if (!reply) return fail(reply.error());
    SNAPSTAGE_TRY(readV3Order(reply->data, ctx.remote));
    return endCreate(ctx);
}

Status AiHomeDesignV3::mask(StepContext& ctx) noexcept {
    const char* call = "append the mask";
    if (ctx.remote.pending == "mask") {
        auto o = ctx.api.call("GET", path("/v3/order/%.*s", ctx.remote.order.view()), nullptr,
                              "read the order");
        if (!o) return fail(o.error());
        for (json::Value a : o->data.get("entry_assets"))
            if (a.get("asset_role").asString() == "mask") {
                SNAPSTAGE_TRY(keep(ctx.remote.assets[2], a.get("id").asString(), "id", call));
                return endCreate(ctx);
            }
    }
    form_.clear();
    SNAPSTAGE_TRY(form_.addField("asset_role", "mask"));
    SNAPSTAGE_TRY(form_.addField("asset_type", "mask"));
    SNAPSTAGE_TRY(form_.addFile("asset_file", ctx.request.mask.c_str()));
    SNAPSTAGE_TRY(beginCreate(ctx, "mask"));
    auto reply = ctx.api.call("POST", path("/v3/order/%.*s/append", ctx.remote.order.view()),
                              &form_, call, ctx.observer);
    form_.clear();
    if (!reply) return fail(reply.error());
    json::Value assets = reply->data.get("assets");
    for (json::Value a : assets) {
        auto id = requireString(a, "id", call);
        if (!id) return fail(id.error());
        SNAPSTAGE_TRY(keep(ctx.remote.assets[2], *id, "assets[].id", call));
    }
    if (ctx.remote.assets[2].empty())
        return failf(Errc::ApiResponse, 0, "%s: the answer lists no asset", call);
    return endCreate(ctx);
}

Status AiHomeDesignV3::process(StepContext& ctx) noexcept {
    const char* call = "start processing";
    Remote& r = ctx.remote;
    if (r.pending == "process") {
        auto o =
            ctx.api.call("GET", path("/v3/order/%.*s", r.order.view()), nullptr, "read the order");
        if (!o) return fail(o.error());
        for (json::Value p : o->data.get("processes")) {
            SNAPSTAGE_TRY(keep(r.process, p.get("id").asString(), "processes[].id", call));
            r.submitted = true;
            return endCreate(ctx);
        }
    }
    V3Slots slots;
    SNAPSTAGE_TRY(v3SlotsFor(ctx.request.tool.view(), slots));
    JsonWriter w(json_);
    w.beginObject().key("order_id").value(r.order.view());
    w.key("tool").value(ctx.request.tool.view());
    w.key("asset_map").beginObject().key(slots.primary.view()).value(r.assets[0].view());
    if (!slots.secondary.empty() && !r.assets[1].empty())
        w.key(slots.secondary.view()).value(r.assets[1].view());
    if (!slots.mask.empty() && !r.assets[2].empty())
        w.key(slots.mask.view()).value(r.assets[2].view());
    w.endObject().key("widgets").beginArray();
    const JobRequest& q = ctx.request;
    for (size_t i = 0; i < q.paramCount; ++i) {
        bool first = true;  // one entry per widget, its items together
        for (size_t j = 0; j < i; ++j)
            first = first && !(q.params[j].key == q.params[i].key.view());
        if (!first) continue;
        w.beginObject().key("slug").value(q.params[i].key.view()).key("item_slugs").beginArray();
        for (size_t j = i; j < q.paramCount; ++j)
            if (q.params[j].key == q.params[i].key.view()) w.value(q.params[j].value.view());
        w.endArray().endObject();
    }
    w.endArray().endObject();
    SNAPSTAGE_TRY(jsonBody(w));
    SNAPSTAGE_TRY(beginCreate(ctx, "process"));
    auto reply = ctx.api.call("POST", "/v3/process", &body_, call);
    if (!reply) return fail(reply.error());
    json::Value ids = reply->data.get("process_ids");
    std::string_view id = ids.isArray() ? ids.at(0).asString() : std::string_view();
    if (id.empty()) id = reply->data.get("process_id").asString();
    if (id.empty()) id = reply->data.get("id").asString();
    if (id.empty())
        return failf(Errc::ApiResponse, 0, "%s: the answer has no \"process_ids\"", call);
    SNAPSTAGE_TRY(keep(r.process, id, "process_ids[0]", call));
    r.submitted = true;
    return endCreate(ctx);
}

Result<PollResult> AiHomeDesignV3::poll(StepContext& ctx) noexcept {
    const char* call = "read the process";
    auto reply =
        ctx.api.call("GET", path("/v3/process/%.*s", ctx.remote.process.view()), nullptr, call);
    if (!reply) return fail(reply.error());
    return readV3Process(reply->data, ctx.remote);
}

}  // namespace

Status readV3Order(json::Value data, Remote& remote) noexcept {
    const char* call = "create order";
    auto id = requireString(data, "order_id", call);
    if (!id) return fail(id.error());
    SNAPSTAGE_TRY(keep(remote.order, *id, "order_id", call));
    return readV3Assets(data.get("assets"), remote, call);
}

Result<PollResult> readV3Process(json::Value data, Remote& remote) noexcept {
    const char* call = "read the process";
    auto status = requireString(data, "status", call);
    if (!status) return fail(status.error());
    PollResult p;
    if (*status == "done") {
        SNAPSTAGE_TRY(collectResults(data.get("final_assets"), {"src", "temp_src"}, remote, call));
        p.state = RemoteState::Done;
    } else if (*status == "failed") {
        p.state = RemoteState::Failed;
        std::string_view why = data.get("error").asString("the service gave no reason");
        p.message.assign(why.substr(0, decltype(p.message)::kCapacity));
    } else {
        p.state = *status == "pending" ? RemoteState::Pending : RemoteState::Processing;
    }
    return p;
}

std::unique_ptr<Service> makeAiHomeDesignV3() noexcept {
    return std::unique_ptr<Service>(new (std::nothrow) AiHomeDesignV3());
}

Status beginCreate(StepContext& ctx, const char* call) noexcept {
    ctx.remote.pending.assign(call);
    return ctx.checkpoint.save();
}

Status endCreate(StepContext& ctx) noexcept {
    ctx.remote.pending.clear();
    return ctx.checkpoint.save();
}

Status collectResults(json::Value list, std::initializer_list<const char*> fields, Remote& remote,
                      const char* call) noexcept {
    remote.resultCount = 0;
    for (json::Value item : list) {
        std::string_view url;
        const char* used = "";
        for (const char* f : fields)
            if (url.empty()) {
                url = item.get(f).asString();
                used = f;
            }
        if (url.empty()) continue;
        if (remote.resultCount == kMaxResults) break;
        SNAPSTAGE_TRY(keepUrl(remote.results[remote.resultCount], url, used, call));
        ++remote.resultCount;
    }
    if (remote.resultCount == 0)
        return failf(Errc::ApiResponse, 0, "%s: done, but no result has a \"%s\"", call,
                     *fields.begin());
    return okStatus();
}

}  // namespace snapstage::cloud
