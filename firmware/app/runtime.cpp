// SPDX-License-Identifier: MIT
// The composition root.
#include "firmware/app/runtime.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

#include "firmware/util/fs.h"
#include "firmware/util/log.h"
#include "firmware/util/redact.h"

namespace snapstage::app {
namespace {

Clock* gTlsClock = nullptr;
int64_t tlsWallSeconds() {
    return gTlsClock ? gTlsClock->wallSeconds() : systemClock().wallSeconds();
}

}  // namespace

const char* defaultBaseUrl(cloud::Vendor v) noexcept {
    return v == cloud::Vendor::Autoenhance ? "https://api.autoenhance.ai"
                                           : "https://api.aihomedesign.com";
}

net::TlsSettings Runtime::tlsSettings(bool withPins) const noexcept {
    net::TlsSettings s;
    s.caFile = ctx_.config.tls.caFile;
    if (withPins) s.pins = ctx_.config.tls.pins;
    gTlsClock = &ctx_.clock;
    s.wallSeconds = tlsWallSeconds;
    return s;
}

Result<std::unique_ptr<hal::Camera>> Runtime::camera() noexcept {
    auto camera = hal::makeCamera(ctx_.config.camera);
    if (!camera) return fail(camera.error());
    SNAPSTAGE_TRY((*camera)->init());
    return camera;
}

Result<std::unique_ptr<hal::Display>> Runtime::display() noexcept {
    hal::DeviceSpec spec = ctx_.config.display;
    // A display that sizes itself (file, null) takes the board's screen size unless told.
    if ((spec.backend == "file" || spec.backend == "null") && !spec.option("width")) {
        spec.setOption("width", std::to_string(ctx_.config.board.screenWidth));
        spec.setOption("height", std::to_string(ctx_.config.board.screenHeight));
    }
    auto display = hal::makeDisplay(spec);
    if (!display) return fail(display.error().withContext("display"));
    if (Status st = (*display)->init(); !st) return fail(st.error().withContext("display"));
    return display;
}

Status Runtime::encoder(image::Encoder& out, uint32_t width, uint32_t height) noexcept {
    auto subsampling = image::parseSubsampling(ctx_.config.jpeg.subsampling);
    if (!subsampling) return fail(subsampling.error());
    return out.init(image::EncoderConfig{width, height, ctx_.config.jpeg.quality, *subsampling});
}

Status Runtime::openSpool() noexcept {
    Status st = spool_.init(ctx_.config.spool.dir, ctx_.clock);
    if (!st) return fail(st.error().withContext("spool.dir"));
    return okStatus();
}

Status Runtime::ownSpool(bool exclusive) noexcept {
    SNAPSTAGE_TRY(spool_.lock(exclusive));
    if (Status m = metrics_.init(spool_, metricsTextfile()); !m)
        LOG_WARN("%s; no metrics are written", m.error().message());
    return okStatus();
}

std::string Runtime::metricsTextfile() const {
    const auto& textfile = ctx_.config.metrics.textfile;
    if (textfile) return *textfile;
    std::string dir = ctx_.config.spool.dir;
    while (dir.size() > 1 && dir.back() == '/')
        dir.pop_back();
    return dir + "/metrics/snapstage.prom";
}

FixedString<80> Runtime::pruneSpool() noexcept {
    FixedString<80> said;
    uint32_t days = ctx_.config.spool.keepDays;
    if (auto pruned = spool_.prune(days); pruned && *pruned)
        said.format("removed %zu finished job(s) older than %u days", *pruned, days);
    return said;
}

void Runtime::jobNotCreated(const Error& error) noexcept {
    metrics_.failed(error);
    writeMetrics();
}

Status Runtime::loadApiKey() noexcept {
    if (const char* env = std::getenv("SNAPSTAGE_API_KEY"); env && *env) {
        apiKey_ = env;
        redact::add(apiKey_);  // never printed, logged or put in an event, whatever echoes it
        return okStatus();
    }
    const std::string& path = ctx_.config.service.apiKeyFile;
    if (path.empty())
        return fail(Errc::Config,
                    "no API key: set service.api_key_file in the config (a file of mode 0600 "
                    "holding the key) or SNAPSTAGE_API_KEY");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return failf(Errc::Config, errno, "service.api_key_file: cannot read %s", path.c_str());
    if (st.st_mode & 077)
        return failf(Errc::Config, 0,
                     "service.api_key_file: %s has mode %04o; others may read the key: chmod 600 "
                     "it",
                     path.c_str(), static_cast<unsigned>(st.st_mode & 07777));
    auto text = fs::readTextFile(path, 4096);
    if (!text) return fail(text.error().withContext("service.api_key_file"));
    std::string key = *text;
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r' || key.back() == ' '))
        key.pop_back();
    if (key.empty() || key.find_first_of(" \t\r\n") != std::string::npos)
        return failf(Errc::Config, 0, "service.api_key_file: %s does not hold one key",
                     path.c_str());
    apiKey_ = key;
    redact::add(apiKey_);
    return okStatus();
}

Status Runtime::openService(const ServiceChoice& choice) noexcept {
    const ServiceConfig& sc = ctx_.config.service;
    std::string vendor = choice.vendor.empty() ? sc.vendor : choice.vendor;
    std::string api = choice.api.empty() ? (choice.vendor.empty() ? sc.api : "") : choice.api;
    if (!cloud::parseVendor(vendor, api, vendor_))
        return failf(Errc::Usage, 0, "unknown service %s %s: aihomedesign v3|v1, autoenhance v3",
                     vendor.c_str(), api.c_str());
    SNAPSTAGE_TRY(loadApiKey());
    baseUrl_ = sc.baseUrl.empty() ? defaultBaseUrl(vendor_) : sc.baseUrl;
    SNAPSTAGE_TRY(apiTls_.init(tlsSettings(true)));
    SNAPSTAGE_TRY(otherTls_.init(tlsSettings(false)));
    loadSessions(apiTls_, "api");
    loadSessions(otherTls_, "other");
    cloud::ApiSettings settings;
    settings.baseUrl = baseUrl_;
    settings.apiKey = apiKey_;
    settings.errors = cloud::errorShape(vendor_);
    net::HttpOptions http;
    http.clock = &ctx_.clock;
    SNAPSTAGE_TRY(api_.init(settings, &apiTls_, &otherTls_, http));
    service_ = cloud::makeService(vendor_);
    if (!service_) return fail(Errc::NoMemory, "no memory for the service adapter");
    return okStatus();
}

namespace {

// Servers keep resumable sessions for hours (OpenSSL's default is two); an hour-old session is
// still worth offering, and a refused one only costs the full handshake it would have anyway.
constexpr int64_t kSessionMaxAgeS = 3600;
// Four sessions of Mbed TLS's format with the server's certificate: about 2 KiB each.
constexpr size_t kSessionFileBytes = 16 * 1024;

}  // namespace

Runtime::~Runtime() {
    saveSessions(apiTls_, "api");
    saveSessions(otherTls_, "other");
}

bool Runtime::sessionFile(const char* name, std::string& out) const {
    const std::string& dir = ctx_.config.spool.dir;
    struct stat st {};
    if (dir.empty() || ::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    out = dir + "/tls-sessions-" + name;
    return true;
}

void Runtime::loadSessions(net::TlsContext& tls, const char* name) noexcept {
    std::string path;
    if (!sessionFile(name, path)) return;
    std::unique_ptr<std::byte[]> buffer(new (std::nothrow) std::byte[kSessionFileBytes]);
    if (!buffer) return;
    auto got = fs::readInto(path.c_str(), std::span(buffer.get(), kSessionFileBytes));
    if (!got) return;  // none kept yet, or unreadable: full handshakes
    size_t taken = tls.loadSessions(std::span(buffer.get(), *got), kSessionMaxAgeS);
    LOG_DEBUG("%zu TLS session(s) of %s offered again", taken, path.c_str());
}

void Runtime::saveSessions(const net::TlsContext& tls, const char* name) noexcept {
    net::HandshakeCounts hs = tls.handshakes();
    if (!tls.ready() || hs.full + hs.resumed == 0) return;  // nothing new to keep
    std::string path;
    if (!sessionFile(name, path)) return;
    std::unique_ptr<std::byte[]> buffer(new (std::nothrow) std::byte[kSessionFileBytes]);
    if (!buffer) return;
    auto len = tls.saveSessions(std::span(buffer.get(), kSessionFileBytes));
    if (!len || *len == 0) return;
    // Session secrets: the kiosk's user only. Not fsync'd: a session lost costs one handshake.
    if (Status st = fs::replaceFile(path, std::span(buffer.get(), *len), 0600); !st)
        LOG_DEBUG("TLS sessions not kept: %s", st.error().message());
}

jobs::Policy Runtime::policy() const noexcept {
    const PollConfig& p = ctx_.config.poll;
    jobs::Policy policy;
    policy.pollMinMs = static_cast<int64_t>(p.minIntervalS * 1000);
    policy.pollMaxMs = static_cast<int64_t>(p.maxIntervalS * 1000);
    policy.pollTimeoutS = p.timeoutS;
    // Retries start at the poll floor's scale: fast against the sandbox, 1 s and up in the field.
    policy.retryBaseMs = std::min<int64_t>(1000, policy.pollMinMs);
    return policy;
}

}  // namespace snapstage::app
