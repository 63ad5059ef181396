// SPDX-License-Identifier: MIT
// Runtime: the one composition root. Builds, once and from the config, what the commands use:
// the clock, the camera and encoder, the TLS contexts, the service's API client and adapter,
// the API key and the job spool. Commands ask it for parts; none wires its own.
#pragma once

#include <memory>
#include <string>

#include "firmware/app/context.h"
#include "firmware/cloud/api_client.h"
#include "firmware/cloud/service.h"
#include "firmware/image/encoder.h"
#include "firmware/jobs/runner.h"
#include "firmware/jobs/spool.h"
#include "firmware/net/tls.h"
#include "hal/camera.h"
#include "hal/display.h"

namespace snapstage::app {

// The service a command talks to: the config's, or the --service/--api override.
struct ServiceChoice {
    std::string vendor;  // "" = config
    std::string api;     // "" = config
};

class Runtime {
public:
    explicit Runtime(Context& ctx) noexcept : ctx_(ctx) {}
    // Keeps the TLS sessions of this run for the next (see openService).
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    Context& context() noexcept { return ctx_; }
    Clock& clock() noexcept { return ctx_.clock; }

    // TLS settings from the config (trust roots, and the pins when `withPins`).
    net::TlsSettings tlsSettings(bool withPins) const noexcept;
    // The camera of the config (or --camera), initialised. Errors: the backend's.
    Result<std::unique_ptr<hal::Camera>> camera() noexcept;
    // The display of the config (or --display), initialised. Errors: the backend's.
    Result<std::unique_ptr<hal::Display>> display() noexcept;
    // An encoder for `width` x `height` frames with the config's JPEG settings.
    Status encoder(image::Encoder& out, uint32_t width, uint32_t height) noexcept;

    // The spool of the config (spool.dir), created if missing. Errors: Storage*.
    Status openSpool() noexcept;
    jobs::Spool& spool() noexcept { return spool_; }
    // For commands that run jobs: the spool's lock (Spool::lock()), then its fleet metrics
    // (metrics.textfile; by default <spool.dir>/metrics/snapstage.prom), which only they set up
    // and write; metrics that cannot be set up are a warning and stay off. Errors: the lock's.
    Status ownSpool(bool exclusive) noexcept;
    jobs::Metrics& metrics() noexcept { return metrics_; }
    // Writes the metrics file now (commands that own the spool do at their start); a failure is
    // a warning.
    void writeMetrics() noexcept { metrics_.flushOrWarn(api_.tlsHandshakes()); }
    // Retention: removes the spool's finished jobs older than spool.keep_days and returns the
    // line that says how many went ("" when none did). Every command that may be the only one
    // running on a device prunes at its start (`jobs`, `submit`), the kiosk hourly too.
    FixedString<80> pruneSpool() noexcept;
    // A job could not even be made (the spool full): counted, and the metrics written.
    void jobNotCreated(const Error& error) noexcept;
    // The path metrics.textfile resolves to ("" when turned off).
    std::string metricsTextfile() const;

    // The service: adapter, API key (SNAPSTAGE_API_KEY, else service.api_key_file with its mode
    // checked), TLS contexts and API client. Errors: Config (no key, key file readable by
    // others, bad base URL), TlsConfig, NoMemory. The TLS sessions the last command kept in the
    // spool folder (tls-sessions-api, tls-sessions-other; mode 0600, at most an hour old, made
    // under the same roots and pins) are offered again, so that a `submit` per photo resumes
    // instead of verifying the chain and agreeing keys each time; they are written back when
    // the Runtime ends.
    Status openService(const ServiceChoice& choice) noexcept;
    cloud::Vendor vendor() const noexcept { return vendor_; }
    cloud::Service& service() noexcept { return *service_; }
    cloud::ApiClient& api() noexcept { return api_; }
    const std::string& baseUrl() const noexcept { return baseUrl_; }

    // The scheduler policy from the config's poll section.
    jobs::Policy policy() const noexcept;

private:
    Status loadApiKey() noexcept;
    // <spool.dir>/tls-sessions-NAME, or false when there is no spool folder to keep them in.
    bool sessionFile(const char* name, std::string& out) const;
    void loadSessions(net::TlsContext& tls, const char* name) noexcept;
    void saveSessions(const net::TlsContext& tls, const char* name) noexcept;

    Context& ctx_;
    jobs::Spool spool_;
    jobs::Metrics metrics_;
    net::TlsContext apiTls_;
    net::TlsContext otherTls_;
    cloud::ApiClient api_;
    std::unique_ptr<cloud::Service> service_;
    cloud::Vendor vendor_ = cloud::Vendor::AiHomeDesignV3;
    std::string apiKey_;
    std::string baseUrl_;
};

// The public API endpoint of a vendor (used when service.base_url is empty).
const char* defaultBaseUrl(cloud::Vendor v) noexcept;

}  // namespace snapstage::app
