// SPDX-License-Identifier: MIT
// Config loading: board defaults, then the config file, each validated with its file named.
#include "firmware/app/config.h"

#include <unistd.h>

#include <cstdlib>

#include "firmware/app/boards_builtin.h"
#include "firmware/app/config_reader.h"
#include "firmware/net/tls.h"
#include "firmware/util/fs.h"
#include "firmware/util/json.h"
#include "hal/camera.h"
#include "hal/display.h"
#include "hal/input.h"

namespace snapstage::app {
namespace {

constexpr size_t kMaxConfigBytes = 256 * 1024;

using Reader = SectionReader;

void readCamera(Reader& r, hal::DeviceSpec& spec) {
    r.device(spec, "camera", hal::cameraBackendTable());
}

void readDisplay(Reader& r, hal::DeviceSpec& spec, uint32_t& previewFps) {
    // A section naming another backend replaces the one beneath it entirely, preview included.
    std::string backend = spec.backend;
    if (!r.text("backend", backend)) return;
    if (backend != spec.backend) previewFps = Config::kDefaultPreviewFps;
    if (!r.whole("preview_fps", previewFps, 0, Config::kMaxPreviewFps)) return;
    r.device(spec, "display", hal::displayBackendTable());
}

void readInput(Reader& r, hal::DeviceSpec& spec) {
    r.device(spec, "input", hal::inputBackendTable());
}

void readJpeg(Reader& r, JpegConfig& jpeg) {
    r.whole("quality", jpeg.quality, 1, 100);
    r.text("subsampling", jpeg.subsampling, {"444", "422", "420", "gray"});
    r.whole("orientation", jpeg.orientation, 1, 8);
}

// Reads a device-like section by name into `spec`, reporting into `first` on error.
template <typename Fn>
bool section(const std::string& origin, json::Value parent, const char* name, Fn&& fn,
             Error& first) {
    json::Value v = parent.get(name);
    if (!v.valid()) return true;
    Reader r(origin, name, v);
    if (!v.isObject()) {
        r.fail("", "expected an object");
    } else {
        fn(r);
        r.finish();
    }
    if (!r.ok()) first = r.error();
    return r.ok();
}

Status applyBoard(const std::string& name, Config& cfg) {
    std::string source;
    auto text = boardText(name, source);
    if (!text) return fail(text.error());
    auto doc = json::Document::parse(*text);
    if (!doc) return failf(Errc::Config, 0, "%s: %s", source.c_str(), doc.error().message());
    json::Value root = doc->root();
    SNAPSTAGE_TRY(checkDocument(source, root));
    Reader top(source, "", root);
    BoardInfo& b = cfg.board;
    b.source = source;
    top.text("name", b.name);
    top.text("description", b.description);
    top.text("make", b.make);
    top.text("model", b.model);
    top.text("toolchain", b.toolchain);
    top.allow("preset");
    Error first;
    if (json::Value screen = top.object("screen"); screen.valid()) {
        Reader s(source, "screen", screen);
        s.whole("width", b.screenWidth, 64, 8192);
        s.whole("height", b.screenHeight, 64, 8192);
        s.finish();
        if (!s.ok()) first = s.error();
    }
    json::Value defaults = top.object("defaults");
    top.finish();
    if (!top.ok()) return fail(top.error());
    if (first.code() != Errc::Ok) return fail(first);
    if (b.name != name)
        return failf(Errc::Config, 0, "%s: name: \"%s\" does not match its folder \"%s\"",
                     source.c_str(), b.name.c_str(), name.c_str());
    if (!defaults.valid()) return {};
    Reader d(source, "defaults", defaults);
    d.allow("camera");
    d.allow("display");
    d.allow("input");
    d.allow("jpeg");
    d.finish();
    if (!d.ok()) return fail(d.error());
    std::string prefix = source;  // messages name the board file
    bool ok = section(
                  prefix, defaults, "camera",
                  [&](Reader& r) {
                      readCamera(r, cfg.camera);
                      cfg.cameraSource = prefix;
                  },
                  first) &&
              section(
                  prefix, defaults, "display",
                  [&](Reader& r) { readDisplay(r, cfg.display, cfg.previewFps); }, first) &&
              section(
                  prefix, defaults, "input", [&](Reader& r) { readInput(r, cfg.input); }, first) &&
              section(
                  prefix, defaults, "jpeg", [&](Reader& r) { readJpeg(r, cfg.jpeg); }, first);
    if (!ok) return fail(first);
    return {};
}

bool validPin(const std::string& pin) {
    // "sha256/" + base64 of 32 bytes (44 characters ending in '=').
    if (pin.rfind("sha256/", 0) != 0 || pin.size() != 7 + 44 || pin.back() != '=') return false;
    for (size_t i = 7; i + 1 < pin.size(); ++i) {
        char c = pin[i];
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
    }
    return true;
}

void readService(Reader& r, ServiceConfig& s) {
    r.text("vendor", s.vendor, {"aihomedesign", "autoenhance"});
    r.text("api", s.api, {"v3", "v1"});
    r.text("base_url", s.baseUrl);
    r.text("api_key_file", s.apiKeyFile);
    r.text("tool", s.tool);
    if (!s.baseUrl.empty() && s.baseUrl.rfind("https://", 0) != 0 &&
        s.baseUrl.rfind("http://", 0) != 0)
        r.fail("base_url", "\"%s\" must start with https://", s.baseUrl.c_str());
    if (s.vendor == "autoenhance" && s.api != "v3")
        r.fail("api", "autoenhance has only the v3 API");
    if (json::Value w = r.object("widgets"); w.valid()) {
        s.widgets.clear();
        for (json::Value item : w) {
            std::string slug(item.name());
            std::vector<std::string> items;
            if (!item.isArray()) {
                r.fail("widgets", "\"%s\" must map to an array of item slugs", slug.c_str());
                return;
            }
            for (json::Value v : item) {
                if (!v.isString()) {
                    r.fail("widgets", "\"%s\" must list item slugs as strings", slug.c_str());
                    return;
                }
                items.emplace_back(v.asString());
            }
            s.widgets.emplace_back(std::move(slug), std::move(items));
        }
    }
}

void readTls(Reader& r, TlsConfig& t) {
    r.text("ca_file", t.caFile);
    r.textList("pins", t.pins);
    if (t.pins.size() > net::kMaxTlsPins)
        r.fail("pins", "%zu pins listed; at most %zu are supported", t.pins.size(),
               net::kMaxTlsPins);
    for (const auto& pin : t.pins)
        if (!validPin(pin))
            r.fail("pins", "\"%.60s\" is not sha256/<base64 of a 32-byte digest>", pin.c_str());
}

void readSpool(Reader& r, SpoolConfig& s) {
    r.text("dir", s.dir);
    r.whole("keep_days", s.keepDays, 0, 3650);
    if (s.dir.empty()) r.fail("dir", "must name a folder");
}

void readPoll(Reader& r, PollConfig& p) {
    // 5 s is the services' documented floor; down to 0.1 s for the sandbox and tests.
    r.real("min_interval_s", p.minIntervalS, 0.1, 3600);
    r.real("max_interval_s", p.maxIntervalS, 0.1, 3600);
    r.whole("timeout_s", p.timeoutS, 1, 86400);
    if (p.minIntervalS > p.maxIntervalS)
        r.fail("min_interval_s", "%g is larger than max_interval_s (%g)", p.minIntervalS,
               p.maxIntervalS);
}

void readMetrics(Reader& r, MetricsConfig& m) {
    std::string textfile;
    if (!r.has("textfile") || !r.text("textfile", textfile)) return;
    m.textfile = textfile;
    // node_exporter's textfile collector reads only files named *.prom.
    constexpr std::string_view kSuffix = ".prom";
    const bool named = textfile.size() > kSuffix.size() && textfile.ends_with(kSuffix) &&
                       textfile[textfile.size() - kSuffix.size() - 1] != '/';
    if (!textfile.empty() && !named)
        r.fail("textfile",
               "\"%s\" must name a file ending in .prom (node_exporter reads only those), or be "
               "\"\" to turn the export off",
               textfile.c_str());
}

Status applyConfig(const std::string& origin, json::Value root, Config& cfg) {
    Error first;
    auto run = [&](const char* name, auto&& fn) { return section(origin, root, name, fn, first); };
    bool ok = run("service", [&](Reader& r) { readService(r, cfg.service); }) &&
              run("tls", [&](Reader& r) { readTls(r, cfg.tls); }) &&
              run("camera",
                  [&](Reader& r) {
                      readCamera(r, cfg.camera);
                      cfg.cameraSource = origin;
                  }) &&
              run("jpeg", [&](Reader& r) { readJpeg(r, cfg.jpeg); }) &&
              run("display", [&](Reader& r) { readDisplay(r, cfg.display, cfg.previewFps); }) &&
              run("input", [&](Reader& r) { readInput(r, cfg.input); }) &&
              run("spool", [&](Reader& r) { readSpool(r, cfg.spool); }) &&
              run("poll", [&](Reader& r) { readPoll(r, cfg.poll); }) &&
              run("metrics", [&](Reader& r) { readMetrics(r, cfg.metrics); });
    if (!ok) return fail(first);
    Reader top(origin, "", root);
    for (const char* k : {"board", "service", "tls", "camera", "jpeg", "display", "input", "spool",
                          "poll", "metrics"})
        top.allow(k);
    top.finish();
    if (!top.ok()) return fail(top.error());
    return {};
}

}  // namespace

Result<std::string> boardText(const std::string& name, std::string& source) noexcept {
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
            return failf(Errc::Config, 0, "board \"%s\" is not a valid board name", name.c_str());
    if (const char* dir = std::getenv("SNAPSTAGE_BOARDS_DIR"); dir && *dir) {
        std::string path = std::string(dir) + "/" + name + "/board.json";
        if (::access(path.c_str(), F_OK) == 0) {
            source = path;
            auto text = fs::readTextFile(path, kMaxConfigBytes);
            if (!text) return failf(Errc::Config, 0, "%s", text.error().message());
            return text;
        }
    }
    for (const BuiltinBoard& b : builtinBoardList()) {
        if (name == b.name) {
            source = std::string("boards/") + b.name + "/board.json";
            return std::string(b.json);
        }
    }
    return failf(Errc::Config, 0, "unknown board \"%s\" (built in: %s)", name.c_str(),
                 builtinBoards().c_str());
}

std::string builtinBoards() {
    std::string out;
    for (const BuiltinBoard& b : builtinBoardList())
        out += (out.empty() ? "" : ", ") + std::string(b.name);
    return out;
}

Result<Config> parseConfig(const std::string& text, const std::string& origin) noexcept {
    Config cfg;
    cfg.path = origin;
    std::string boardName = "host";
    auto doc = json::Document::parse(text);
    if (!doc) return failf(Errc::Config, 0, "%s: %s", origin.c_str(), doc.error().message());
    json::Value root = doc->root();
    if (!root.isObject())
        return failf(Errc::Config, 0, "%s: expected a JSON object", origin.c_str());
    SNAPSTAGE_TRY(checkDocument(origin, root));
    Reader top(origin, "", root);
    if (!top.text("board", boardName)) return fail(top.error());
    if (auto st = applyBoard(boardName, cfg); !st) {
        if (root.get("board").valid())
            return fail(st.error().withContext((origin + ": board").c_str()));
        return fail(st.error());
    }
    SNAPSTAGE_TRY(applyConfig(origin, root, cfg));
    return cfg;
}

Result<Config> loadConfig(const std::string& path) noexcept {
    std::string chosen = path;
    if (chosen.empty()) {
        for (const char* candidate : {"./snapstage.json", "/etc/snapstage/snapstage.json"}) {
            if (::access(candidate, F_OK) == 0) {
                chosen = candidate;
                break;
            }
        }
    }
    if (chosen.empty()) {  // no file: the host board's defaults
        Config cfg;
        SNAPSTAGE_TRY(applyBoard("host", cfg));
        return cfg;
    }
    auto text = fs::readTextFile(chosen, kMaxConfigBytes);
    if (!text) return failf(Errc::Config, 0, "config %s", text.error().message());
    return parseConfig(*text, chosen);
}

}  // namespace snapstage::app
