// SPDX-License-Identifier: MIT
// Vendor names, the adapter factory and the field readers every adapter shares.
#include "firmware/cloud/service.h"

#include "firmware/cloud/adapters.h"

namespace snapstage::cloud {

bool parseVendor(std::string_view vendor, std::string_view api, Vendor& out) noexcept {
    if (vendor == "aihomedesign" && (api == "v3" || api.empty())) {
        out = Vendor::AiHomeDesignV3;
    } else if (vendor == "aihomedesign" && api == "v1") {
        out = Vendor::AiHomeDesignV1;
    } else if (vendor == "autoenhance" && (api == "v3" || api.empty())) {
        out = Vendor::Autoenhance;
    } else {
        return false;
    }
    return true;
}

const char* vendorName(Vendor v) noexcept {
    return v == Vendor::Autoenhance ? "autoenhance" : "aihomedesign";
}

const char* apiName(Vendor v) noexcept {
    return v == Vendor::AiHomeDesignV1 ? "v1" : "v3";
}

ErrorShape errorShape(Vendor v) noexcept {
    return v == Vendor::Autoenhance ? ErrorShape::Autoenhance : ErrorShape::AiHomeDesign;
}

const char* to_string(RemoteState s) noexcept {
    switch (s) {
        case RemoteState::Pending:
            return "pending";
        case RemoteState::Processing:
            return "processing";
        case RemoteState::Done:
            return "done";
        case RemoteState::Failed:
            return "failed";
    }
    return "unknown";
}

std::unique_ptr<Service> makeService(Vendor vendor) noexcept {
    switch (vendor) {
        case Vendor::AiHomeDesignV3:
            return makeAiHomeDesignV3();
        case Vendor::AiHomeDesignV1:
            return makeAiHomeDesignV1();
        case Vendor::Autoenhance:
            return makeAutoenhance();
    }
    return nullptr;
}

Result<std::string_view> requireString(json::Value obj, const char* name,
                                       const char* call) noexcept {
    if (!obj.isObject())
        return failf(Errc::ApiResponse, 0, "%s: the answer is not a JSON object", call);
    json::Value v = obj.get(name);
    if (!v.valid()) return failf(Errc::ApiResponse, 0, "%s: the answer has no \"%s\"", call, name);
    if (!v.isString())
        return failf(Errc::ApiResponse, 0, "%s: \"%s\" is %s, not a string", call, name,
                     json::to_string(v.type()));
    return v.asString();
}

Status keep(Id& out, std::string_view text, const char* name, const char* call) noexcept {
    // Ids go into URL paths: only the characters ids are made of.
    bool clean = !text.empty() && text.size() <= Id::kCapacity;
    for (char c : text)
        clean = clean && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                          (c >= 'A' && c <= 'Z') || c == '-' || c == '_');
    if (!clean)
        return failf(Errc::ApiResponse, 0, "%s: \"%s\" is not an id the client can use", call,
                     name);
    out.assign(text);
    return okStatus();
}

Status keepUrl(UrlText& out, std::string_view text, const char* name, const char* call) noexcept {
    auto url = net::Url::parse(text);
    if (!url)
        return failf(Errc::ApiResponse, 0, "%s: \"%s\" is not a URL: %s", call, name,
                     url.error().message());
    if (!url->https() && !(url->host() == "127.0.0.1" || url->host() == "localhost"))
        return failf(Errc::ApiResponse, 0, "%s: \"%s\" is not an https URL", call, name);
    if (!out.assign(url->text()))
        return failf(Errc::ApiResponse, 0, "%s: \"%s\" is too long", call, name);
    return okStatus();
}

}  // namespace snapstage::cloud
