// SPDX-License-Identifier: MIT
// Config: the JSON config of DESIGN.md section 6 loaded over the board's defaults. Every bad value
// is an error naming the file and the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "firmware/util/result.h"
#include "hal/spec.h"

namespace snapstage::app {

struct BoardInfo {
    std::string name = "host";
    std::string description;
    std::string make;   // EXIF Make
    std::string model;  // EXIF Model
    std::string toolchain;
    uint32_t screenWidth = 1280;
    uint32_t screenHeight = 720;
    std::string source;  // where the board came from (for messages)
};

struct ServiceConfig {
    std::string vendor = "aihomedesign";  // aihomedesign | autoenhance
    std::string api = "v3";               // v3 | v1 (aihomedesign)
    std::string baseUrl;                  // empty: the vendor's public endpoint
    std::string apiKeyFile;
    std::string tool = "tool-virtual-staging";
    std::vector<std::pair<std::string, std::vector<std::string>>> widgets;
};

struct TlsConfig {
    std::string caFile;             // empty: the system bundle
    std::vector<std::string> pins;  // "sha256/<base64>" SubjectPublicKeyInfo digests
};

struct JpegConfig {
    int quality = 90;
    std::string subsampling = "420";
    int orientation = 1;  // EXIF orientation of the mounted camera, 1..8
};

struct SpoolConfig {
    std::string dir = "/var/lib/snapstage";
    uint32_t keepDays = 7;
};

struct PollConfig {
    double minIntervalS = 5;  // the services' documented floor
    double maxIntervalS = 30;
    uint32_t timeoutS = 900;
};

struct MetricsConfig {
    // The Prometheus text file (node_exporter's textfile collector): unset means
    // <spool.dir>/metrics/snapstage.prom, "" turns the export off.
    std::optional<std::string> textfile;
};

struct Config {
    BoardInfo board;
    ServiceConfig service;
    TlsConfig tls;
    hal::DeviceSpec camera;    // from the "camera" section: backend, device, other keys as options
    std::string cameraSource;  // the file whose "camera" section set it; "" for the defaults
    JpegConfig jpeg;
    hal::DeviceSpec display;
    // display.preview_fps: live preview frames a second on the kiosk's ready screen, when the
    // camera streams; 0 turns the preview off. The display section's own key, not a backend's.
    uint32_t previewFps = kDefaultPreviewFps;
    static constexpr uint32_t kDefaultPreviewFps = 15;
    static constexpr uint32_t kMaxPreviewFps = 60;
    hal::DeviceSpec input;
    SpoolConfig spool;
    PollConfig poll;
    MetricsConfig metrics;
    std::string path;  // the config file read, or "" when none was found
};

// Where boards come from: $SNAPSTAGE_BOARDS_DIR/<name>/board.json when set and present, else the
// copy built into the binary from boards/<name>/board.json.
Result<std::string> boardText(const std::string& name, std::string& source) noexcept;
// Names of the built-in boards, comma-separated.
std::string builtinBoards();

// Loads `path` ("" = look for ./snapstage.json, then /etc/snapstage/snapstage.json; none found
// means the host board's defaults) over its board's defaults. Errors: Config, naming the file
// and key ("snapstage.json: camera.width: expected a whole number from 16 to 16384, got -3").
Result<Config> loadConfig(const std::string& path) noexcept;

// Parses config text (for tests): `origin` names it in messages.
Result<Config> parseConfig(const std::string& text, const std::string& origin) noexcept;

}  // namespace snapstage::app
