// SPDX-License-Identifier: MIT
// Autoenhance v3: image create (JSON, with an image id chosen here so that a crash can be
// reconciled), PUT of the raw bytes to the presigned upload_url (else s3PutObjectUrl) with
// exactly the declared Content-Type and no API key, poll until processed or error, download
// /enhanced?preview=false (an image body, a redirect, or JSON with the image's URL).
#include <sys/random.h>

#include <cstdio>
#include <cstring>

#include "firmware/cloud/adapters.h"
#include "firmware/net/multipart.h"

namespace snapstage::cloud {
namespace {

// A random (version 4) UUID.
Status newUuid(Id& out) noexcept {
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b))
        return fail(Errc::Internal, "no random bytes for an image id");
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    out.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
               b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
               b[15]);
    return okStatus();
}

class Autoenhance final : public Service {
public:
    Vendor vendor() const noexcept override { return Vendor::Autoenhance; }
    Status step(StepContext& ctx) noexcept override;
    Result<PollResult> poll(StepContext& ctx) noexcept override;
    Status download(StepContext& ctx, size_t index, net::BodySink& sink) noexcept override;

private:
    Status create(StepContext& ctx) noexcept;
    Status reconcile(StepContext& ctx) noexcept;
    Status upload(StepContext& ctx) noexcept;
    const char* path(const char* fmt, std::string_view id) noexcept {
        path_.format(fmt, static_cast<int>(id.size()), id.data());
        return path_.c_str();
    }

    char json_[4096] = {};
    net::BufferSource body_{{}};
    net::FileSource file_;
    FixedString<512> path_;
};

Status Autoenhance::step(StepContext& ctx) noexcept {
    Remote& r = ctx.remote;
    if (r.uploadUrl.empty()) {
        if (r.pending == "image") SNAPSTAGE_TRY(reconcile(ctx));
        return create(ctx);
    }
    if (!r.uploaded) return upload(ctx);
    r.submitted = true;
    return ctx.checkpoint.save();
}

// The create may have reached the service without its answer (and upload URL) reaching us. An
// image that exists but was never uploaded is deleted, so that one fresh image replaces it.
Status Autoenhance::reconcile(StepContext& ctx) noexcept {
    Remote& r = ctx.remote;
    auto img =
        ctx.api.call("GET", path("/v3/images/%.*s", r.image.view()), nullptr, "look up the image");
    if (!img) {
        if (img.error().code() == Errc::ApiRejected && img.error().detail() == 404)
            return okStatus();
        return fail(img.error());
    }
    auto del = ctx.api.call("DELETE", path("/v3/images/%.*s", r.image.view()), nullptr,
                            "delete the image left without an upload URL");
    if (!del && !(del.error().code() == Errc::ApiRejected && del.error().detail() == 404))
        return fail(del.error());
    r.image.clear();
    return okStatus();
}

Status Autoenhance::create(StepContext& ctx) noexcept {
    const char* call = "create image";
    Remote& r = ctx.remote;
    if (r.image.empty()) SNAPSTAGE_TRY(newUuid(r.image));
    const JobRequest& q = ctx.request;
    std::string_view name = q.image.view().substr(q.image.view().rfind('/') + 1);
    JsonWriter w(json_);
    w.beginObject().key("image_name").value(name);
    w.key("content_type").value(net::guessContentType(name));
    w.key("image_id").value(r.image.view());
    for (size_t i = 0; i < q.paramCount; ++i) {
        std::string_view v = q.params[i].value.view();
        w.key(q.params[i].key.view());
        if (v == "true" || v == "false")
            w.value(v == "true");
        else
            w.value(v);
    }
    w.endObject();
    if (w.overflowed()) return fail(Errc::Overflow, "request body too large");
    body_ = net::BufferSource(fs::bytes(w.text()), "application/json");
    SNAPSTAGE_TRY(beginCreate(ctx, "image"));
    auto reply = ctx.api.call("POST", "/v3/images/", &body_, call);
    if (!reply) return fail(reply.error());
    SNAPSTAGE_TRY(readAeCreated(reply->data, r));
    return endCreate(ctx);
}

Status Autoenhance::upload(StepContext& ctx) noexcept {
    const JobRequest& q = ctx.request;
    std::string_view name = q.image.view().substr(q.image.view().rfind('/') + 1);
    SNAPSTAGE_TRY(file_.open(q.image.c_str(), net::guessContentType(name)));
    SNAPSTAGE_TRY(
        ctx.api.upload(ctx.remote.uploadUrl.view(), file_, "upload the photo", ctx.observer));
    ctx.remote.uploaded = true;
    ctx.remote.submitted = true;
    return ctx.checkpoint.save();
}

Result<PollResult> Autoenhance::poll(StepContext& ctx) noexcept {
    const char* call = "read the image";
    Remote& r = ctx.remote;
    auto reply = ctx.api.call("GET", path("/v3/images/%.*s", r.image.view()), nullptr, call);
    if (!reply) return fail(reply.error());
    return readAeImage(reply->data, r);
}

Status Autoenhance::download(StepContext& ctx, size_t index, net::BodySink& sink) noexcept {
    const char* call = "download the enhanced image";
    auto got = ctx.api.fetch(ctx.remote.results[index].view(), sink, call, ctx.observer);
    if (!got) return fail(got.error());
    if (got->status >= 300) {
        if (got->location.empty())
            return failf(Errc::ApiResponse, 0, "%s: a redirect without a Location", call);
        return ctx.api.download(got->location, sink, call, ctx.observer);
    }
    if (!got->json) return okStatus();
    std::string_view url = got->data.get("url").asString();
    if (url.empty()) url = got->data.get("image_url").asString();
    if (url.empty())
        return failf(Errc::ApiResponse, 0, "%s: JSON answer without \"url\" or \"image_url\"",
                     call);
    FixedString<net::Url::kCapacity> target;
    if (!target.assign(url)) return failf(Errc::ApiResponse, 0, "%s: URL too long", call);
    return ctx.api.download(target.view(), sink, call, ctx.observer);
}

}  // namespace

Status readAeCreated(json::Value data, Remote& r) noexcept {
    const char* call = "create image";
    std::string_view url = data.get("upload_url").asString();
    const char* field = "upload_url";
    if (url.empty()) {
        url = data.get("s3PutObjectUrl").asString();
        field = "s3PutObjectUrl";
    }
    if (url.empty())
        return failf(Errc::ApiResponse, 0, "%s: the answer has no \"upload_url\"", call);
    SNAPSTAGE_TRY(keepUrl(r.uploadUrl, url, field, call));
    std::string_view order = data.get("order_id").asString();
    if (!order.empty()) SNAPSTAGE_TRY(keep(r.order, order, "order_id", call));
    std::string_view id = data.get("image_id").asString();
    if (!id.empty() && id != r.image.view())
        return failf(Errc::ApiResponse, 0, "%s: the answer names another image_id", call);
    return okStatus();
}

Result<PollResult> readAeImage(json::Value d, Remote& r) noexcept {
    const char* call = "read the image";
    auto status = requireString(d, "status", call);
    if (!status) return fail(status.error());
    PollResult p;
    if (*status == "processed" || d.get("enhanced").asBool()) {
        p.state = RemoteState::Done;
        r.resultCount = 1;
        r.results[0].format("/v3/images/%s/enhanced?preview=false", r.image.c_str());
    } else if (*status == "error" || d.get("error").asBool()) {
        p.state = RemoteState::Failed;
        std::string_view why = d.get("status_reason").asString("the service gave no reason");
        p.message.assign(why.substr(0, decltype(p.message)::kCapacity));
    } else {
        p.state = *status == "waiting" ? RemoteState::Pending : RemoteState::Processing;
    }
    return p;
}

std::unique_ptr<Service> makeAutoenhance() noexcept {
    return std::unique_ptr<Service>(new (std::nothrow) Autoenhance());
}

}  // namespace snapstage::cloud
