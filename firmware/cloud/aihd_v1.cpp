// SPDX-License-Identifier: MIT
// AI HomeDesign v1: image upload (order_id, else image_id), order with space_name and
// selected_widgets, poll the order until its generated images are finished.
#include <cstdio>

#include "firmware/cloud/adapters.h"
#include "firmware/net/multipart.h"

namespace snapstage::cloud {
namespace {

class AiHomeDesignV1 final : public Service {
public:
    Vendor vendor() const noexcept override { return Vendor::AiHomeDesignV1; }
    Status step(StepContext& ctx) noexcept override;
    Result<PollResult> poll(StepContext& ctx) noexcept override;
    Status download(StepContext& ctx, size_t index, net::BodySink& sink) noexcept override {
        return ctx.api.download(ctx.remote.results[index].view(), sink, "download the result");
    }

private:
    Status upload(StepContext& ctx) noexcept;
    Status submit(StepContext& ctx) noexcept;
    const char* orderPath() noexcept {
        path_.format("/v1/order/%s", order_);
        return path_.c_str();
    }

    net::Multipart form_;
    char json_[4096] = {};
    net::BufferSource body_{{}};
    FixedString<256> path_;
    const char* order_ = "";
};

Status AiHomeDesignV1::step(StepContext& ctx) noexcept {
    if (ctx.remote.order.empty()) return upload(ctx);
    return submit(ctx);
}

// An upload that reached the service without its answer leaves an idle order that nothing
// submits (no generation, no charge); a fresh upload replaces it.
Status AiHomeDesignV1::upload(StepContext& ctx) noexcept {
    const char* call = "upload the photo";
    form_.clear();
    SNAPSTAGE_TRY(form_.addField("service_name", ctx.request.tool.view()));
    SNAPSTAGE_TRY(form_.addFile("image", ctx.request.image.c_str()));
    auto reply = ctx.api.call("POST", "/v1/order/image", &form_, call, ctx.observer);
    form_.clear();
    if (!reply) return fail(reply.error());
    std::string_view id = reply->data.get("order_id").asString();
    if (id.empty()) id = reply->data.get("image_id").asString();
    if (id.empty()) return failf(Errc::ApiResponse, 0, "%s: the answer has no \"order_id\"", call);
    SNAPSTAGE_TRY(keep(ctx.remote.order, id, "order_id", call));
    return ctx.checkpoint.save();
}

Status AiHomeDesignV1::submit(StepContext& ctx) noexcept {
    const char* call = "submit the order";
    Remote& r = ctx.remote;
    order_ = r.order.c_str();
    if (r.pending == "submit") {
        // Submitted already if the order has moved on or has generated images.
        auto o = ctx.api.call("GET", orderPath(), nullptr, "read the order");
        if (!o) return fail(o.error());
        if (o->data.get("generated_images").size() > 0 ||
            o->data.get("status").asString("idle") != "idle") {
            r.submitted = true;
            return endCreate(ctx);
        }
    }
    JsonWriter w(json_);
    w.beginObject().key("order_id").value(r.order.view());
    const JobRequest& q = ctx.request;
    for (size_t i = 0; i < q.paramCount; ++i)
        if (q.params[i].key == "space_name") w.key("space_name").value(q.params[i].value.view());
    for (size_t i = 0; i < q.paramCount; ++i)
        if (q.params[i].key == "remove_shadow")
            w.key("remove_shadow").value(q.params[i].value == "true");
    w.key("selected_widgets").beginArray();
    for (size_t i = 0; i < q.paramCount; ++i) {
        if (q.params[i].key == "space_name" || q.params[i].key == "remove_shadow") continue;
        w.beginObject().key("id").value(q.params[i].key.view());
        w.key("item_id").value(q.params[i].value.view()).endObject();
    }
    w.endArray().endObject();
    if (w.overflowed()) return fail(Errc::Overflow, "request body too large");
    body_ = net::BufferSource(fs::bytes(w.text()), "application/json");
    SNAPSTAGE_TRY(beginCreate(ctx, "submit"));
    auto reply = ctx.api.call("POST", "/v1/order", &body_, call);
    if (!reply) return fail(reply.error());
    std::string_view image = reply->data.get("image_id").asString();
    if (!image.empty()) SNAPSTAGE_TRY(keep(r.image, image, "image_id", call));
    int64_t eta = -1;
    if (reply->data.get("eta").asInt64(eta)) r.etaS = eta;
    r.submitted = true;
    return endCreate(ctx);
}

Result<PollResult> AiHomeDesignV1::poll(StepContext& ctx) noexcept {
    const char* call = "read the order";
    order_ = ctx.remote.order.c_str();
    auto reply = ctx.api.call("GET", orderPath(), nullptr, call);
    if (!reply) return fail(reply.error());
    return readV1Order(reply->data, ctx.remote);
}

}  // namespace

Result<PollResult> readV1Order(json::Value data, Remote& remote) noexcept {
    const char* call = "read the order";
    json::Value images = data.get("generated_images");
    if (!data.isObject() || !(images.isArray() || images.isNull() || !images.valid()))
        return failf(Errc::ApiResponse, 0, "%s: \"generated_images\" is not a list", call);
    PollResult p;
    p.state = RemoteState::Processing;
    int finished = 0, failed = 0, total = images.size();
    for (json::Value g : images) {
        std::string_view st = g.get("status").asString();
        if (st == "regular_finished" || st == "finished" || st == "done") ++finished;
        if (st == "failed" || st == "error") ++failed;
    }
    if (total > 0 && failed == total) {
        p.state = RemoteState::Failed;
        p.message.assign("the service could not generate the image");
    } else if (total > 0 && finished + failed == total) {
        SNAPSTAGE_TRY(collectResults(images, {"src"}, remote, call));
        p.state = RemoteState::Done;
    }
    return p;
}

std::unique_ptr<Service> makeAiHomeDesignV1() noexcept {
    return std::unique_ptr<Service>(new (std::nothrow) AiHomeDesignV1());
}

}  // namespace snapstage::cloud
