// SPDX-License-Identifier: MIT
// Tests of config loading over board defaults.
#include "firmware/app/config.h"

#include <gtest/gtest.h>
#include <cstdlib>

#include <string>
#include <string_view>

#include "hal/display.h"
#include "tests/support/temp_dir.h"

namespace snapstage::app {
namespace {

TEST(Config, TheDesignExampleLoadsOverTheBoardDefaults) {
    // Given the example of DESIGN.md section 6
    const char* text = R"({ "board": "rpi4",
      "service": { "vendor": "aihomedesign", "api": "v3", "base_url": "https://api.aihomedesign.com",
                   "api_key_file": "/etc/snapstage/api-key", "tool": "tool-virtual-staging",
                   "widgets": { "widget-space-tool-virtual-staging": ["item-living-room-widget-space-tool-virtual-staging"] } },
      "tls":     { "ca_file": "/etc/ssl/certs/ca-certificates.crt", "pins": [] },
      "camera":  { "backend": "v4l2", "device": "/dev/video0", "width": 1920, "height": 1080 },
      "jpeg":    { "quality": 90, "subsampling": "420" },
      "display": { "backend": "fbdev", "device": "/dev/fb0" },
      "input":   { "backend": "gpio", "chip": "/dev/gpiochip0", "line": 17 },
      "spool":   { "dir": "/var/lib/snapstage", "keep_days": 7 },
      "poll":    { "min_interval_s": 5, "max_interval_s": 30, "timeout_s": 900 } })";
    // When it is parsed
    auto cfg = parseConfig(text, "snapstage.json");
    // Then every section is read, and the board supplies what the file does not say
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->board.name, "rpi4");
    EXPECT_EQ(cfg->board.model, "Raspberry Pi 4 Model B");
    EXPECT_EQ(cfg->service.widgets.size(), 1u);
    EXPECT_EQ(cfg->service.widgets[0].second.at(0),
              "item-living-room-widget-space-tool-virtual-staging");
    EXPECT_EQ(cfg->camera.toString(), "v4l2:/dev/video0,width=1920,height=1080,buffers=4");
    EXPECT_EQ(cfg->display.toString(), "fbdev:/dev/fb0");
    EXPECT_EQ(*cfg->input.option("line"), "17");
    EXPECT_EQ(*cfg->input.option("active_low"), "true");  // from the board
    EXPECT_EQ(cfg->poll.maxIntervalS, 30.0);
}

TEST(Config, EmptyConfigMeansTheHostBoard) {
    auto cfg = parseConfig("{}", "x.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->board.name, "host");
    EXPECT_EQ(cfg->camera.backend, "pattern");
    EXPECT_EQ(cfg->jpeg.quality, 90);
}

TEST(Config, EveryBuiltInBoardLoads) {
    for (const char* board : {"host", "rpi-zero-2w", "rpi3", "rpi4", "rpi5"}) {
        auto cfg = parseConfig(std::string(R"({"board": ")") + board + "\"}", "c.json");
        ASSERT_TRUE(cfg.ok()) << board << ": " << cfg.error().message();
        EXPECT_EQ(cfg->board.name, board);
        EXPECT_FALSE(cfg->board.toolchain.empty());
        EXPECT_GT(cfg->board.screenWidth, 0u);
    }
}

TEST(Config, TheDrmDisplayTakesItsOptionsWhereBuilt) {
    const char* text = R"({"board": "rpi5", "display": {"backend": "drm", "device":
        "/dev/dri/card1", "connector": "DSI-1", "width": 720, "height": 1280, "refresh": 60}})";
    auto cfg = parseConfig(text, "c.json");
    if (!std::string_view(hal::displayLibraries()).starts_with("libdrm ")) {
        // Given a build without libdrm, then drm is refused where the config loads
        ASSERT_FALSE(cfg.ok());
        EXPECT_NE(std::string(cfg.error().message()).find("\"drm\" is not a display backend"),
                  std::string::npos);
        return;
    }
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->display.toString(),
              "drm:/dev/dri/card1,connector=DSI-1,width=720,height=1280,refresh=60");
    auto fast = parseConfig(R"({"display": {"backend": "drm", "refresh": 5000}})", "c.json");
    ASSERT_FALSE(fast.ok());
    EXPECT_NE(std::string(fast.error().message()).find("display.refresh"), std::string::npos);
}

TEST(Config, ANewBackendReplacesTheBoardsDeviceSection) {
    auto cfg = parseConfig(R"({"board": "rpi4", "camera": {"backend": "pattern"}})", "c.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->camera.toString(), "pattern");
}

TEST(Config, ThePreviewRateComesFromTheDisplaySectionOverTheBoards) {
    struct Case {
        const char* text;
        uint32_t fps;
    } cases[] = {
        {R"({})", 0},                  // the host board: screens are files, one a frame
        {R"({"board": "rpi4"})", 15},  // the default
        {R"({"board": "rpi-zero-2w"})", 10},
        {R"({"board": "rpi4", "display": {"preview_fps": 0}})", 0},
        {R"({"display": {"preview_fps": 2, "width": 640, "height": 480}})", 2},
        {R"({"display": {"backend": "null"}})", 15},  // another backend: the board's section goes
        {R"({"board": "rpi4", "display": {"backend": "fbdev", "preview_fps": 30}})", 30},
    };
    for (const Case& c : cases) {
        auto cfg = parseConfig(c.text, "c.json");
        ASSERT_TRUE(cfg.ok()) << c.text << ": " << cfg.error().message();
        EXPECT_EQ(cfg->previewFps, c.fps) << c.text;
    }
    // The display backend is never offered the key as an option.
    auto cfg = parseConfig(R"({"display": {"preview_fps": 2}})", "c.json");
    ASSERT_TRUE(cfg.ok());
    EXPECT_EQ(cfg->display.option("preview_fps"), nullptr);
}

TEST(Config, BadValuesNameTheFileAndTheKey) {
    struct Case {
        const char* text;
        const char* expected;
    } cases[] = {
        {R"({"camera": {"width": -3}})",
         "my.json: camera.width: expected a whole number from 1 to 16384, got -3"},
        {R"({"camera": {"width": 0}})",
         "my.json: camera.width: expected a whole number from 1 to 16384, got 0"},
        {R"({"camera": {"height": 100000}})",
         "my.json: camera.height: expected a whole number from 1 to 16384, got 100000"},
        {R"({"jpeg.": {"quality": 90}})", "my.json: jpeg.: unknown key"},
        {R"({"jpeg": 5})", "my.json: jpeg: expected an object"},
        {R"({"jpeg": {"quality": 90, "quality": "bad"}})",
         "my.json: jpeg.quality: the key appears more than once"},
        {R"({"board": "host", "board": "rpi4"})", "my.json: board: the key appears more than once"},
        {R"({"service": {"widgets": {"w": ["a"], "w": ["b"]}}})",
         "my.json: service.widgets.w: the key appears more than once"},
        {"{\"service\": {\"tool\": \"\xff\xfe\"}}",
         "my.json: service.tool: the text is not valid UTF-8 (byte 0xff at offset 0)"},
        {"{\"tls\": {\"pins\": [\"ok\", \"b\xc3\"]}}",
         "my.json: tls.pins[1]: the text is not valid UTF-8"},
        {"{\"jpeg\": {\"q\xff\": 1}}", "my.json: jpeg: key \"q\xff\" is not valid UTF-8"},
        {R"({"camera": {"width": "wide"}})", "my.json: camera.width: expected a whole number"},
        {R"({"camera": {"colour": "red"}})",
         "my.json: camera.colour: the pattern camera takes no option colour (it takes: "
         "width,height,format)"},
        {R"({"camera": {"backend": "webcam"}})",
         "my.json: camera.backend: \"webcam\" is not a camera backend of this build; one of: "
         "null, pattern, file, v4l2"},
        // An option every backend used to be offered but the chosen one refuses: named at load.
        {R"({"camera": {"backend": "file", "device": "x.jpg", "timeout_ms": 5}})",
         "my.json: camera.timeout_ms: the file camera takes no option timeout_ms"},
        {R"({"display": {"backend": "fbdev", "width": 5}})",
         "my.json: display.width: the fbdev display takes no option width"},
        {R"({"display": {"preview_fps": 61}})",
         "my.json: display.preview_fps: expected a whole number from 0 to 60, got 61"},
        {R"({"display": {"preview_fps": true}})",
         "my.json: display.preview_fps: expected a whole number"},
        {R"({"input": {"backend": "gpio", "line": 17, "debounce_ms": 5000}})",
         "my.json: input.debounce_ms: expected a whole number from 0 to 1000"},
        {R"({"jpeg": {"quality": 101}})",
         "my.json: jpeg.quality: expected a whole number from 1 to 100"},
        {R"({"jpeg": {"subsampling": "411"}})", "my.json: jpeg.subsampling: \"411\" is not one of"},
        {R"({"poll": {"min_interval_s": 40, "max_interval_s": 30}})",
         "my.json: poll.min_interval_s: 40 is larger than max_interval_s (30)"},
        {R"({"service": {"vendor": "other"}})", "my.json: service.vendor:"},
        {R"({"service": {"base_url": "ftp://x"}})", "my.json: service.base_url:"},
        {R"({"service": {"vendor": "autoenhance", "api": "v1"}})", "my.json: service.api:"},
        {R"({"service": {"widgets": {"w": "item"}}})", "my.json: service.widgets:"},
        {R"({"tls": {"pins": ["abc"]}})", "my.json: tls.pins:"},
        {R"({"tls": {"pins": "sha256/x"}})", "my.json: tls.pins: expected an array of strings"},
        {R"({"spool": {"dir": ""}})", "my.json: spool.dir: must name a folder"},
        {R"({"spool": []})", "my.json: spool"},
        {R"({"colour": 1})", "my.json: colour: unknown key"},
        {R"({"board": "rpi9"})", "unknown board \"rpi9\""},
        {R"({"board": 4})", "my.json: board: expected a string"},
        {"{\n \"camera\": {\n  \"width\": 10,\n }\n}", "my.json: invalid JSON at line 4"},
        {"[]", "my.json: expected a JSON object"},
        {R"({"metrics": {"textfile": "/var/lib/snapstage/metrics/snapstage.txt"}})",
         "my.json: metrics.textfile: \"/var/lib/snapstage/metrics/snapstage.txt\" must name a "
         "file ending in .prom"},
        {R"({"metrics": {"textfile": "/var/lib/snapstage/.prom"}})",
         "my.json: metrics.textfile: \"/var/lib/snapstage/.prom\" must name a file"},
        {R"({"metrics": {"textfile": 5}})", "my.json: metrics.textfile: expected a string"},
        {R"({"metrics": {"port": 9100}})", "my.json: metrics.port: unknown key"},
        {R"({"metrics": "on"})", "my.json: metrics: expected an object"},
    };
    for (const auto& c : cases) {
        auto cfg = parseConfig(c.text, "my.json");
        ASSERT_FALSE(cfg.ok()) << c.text;
        EXPECT_EQ(cfg.error().code(), Errc::Config) << c.text;
        EXPECT_NE(std::string(cfg.error().message()).find(c.expected), std::string::npos)
            << "for " << c.text << "\n got: " << cfg.error().message();
    }
}

TEST(Config, MoreTlsPinsThanTheClientHoldsAreRefusedAtLoad) {
    std::string pins;
    for (int i = 0; i < 9; ++i)
        pins +=
            std::string(i ? "," : "") + "\"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"";
    auto cfg = parseConfig("{\"tls\": {\"pins\": [" + pins + "]}}", "my.json");
    ASSERT_FALSE(cfg.ok());
    EXPECT_STREQ(cfg.error().message(),
                 "my.json: tls.pins: 9 pins listed; at most 8 are supported");
}

TEST(Config, ValidPinsAreAccepted) {
    auto cfg = parseConfig(
        R"({"tls": {"pins": ["sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]}})", "c.json");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->tls.pins.size(), 1u);
}

TEST(Config, MetricsTextfileIsUnsetByDefaultAndMayBeTurnedOff) {
    // Given no metrics section, a path, and ""
    auto none = parseConfig("{}", "c.json");
    auto path = parseConfig(R"({"metrics": {"textfile": "/var/lib/node/snapstage.prom"}})", "c");
    auto off = parseConfig(R"({"metrics": {"textfile": ""}})", "c.json");
    // Then unset means the default (resolved under the spool by the runtime), "" means off
    ASSERT_TRUE(none.ok() && path.ok() && off.ok());
    EXPECT_FALSE(none->metrics.textfile.has_value());
    EXPECT_EQ(path->metrics.textfile.value(), "/var/lib/node/snapstage.prom");
    EXPECT_EQ(off->metrics.textfile.value(), "");
}

TEST(Config, MissingFileIsAConfigErrorNamingIt) {
    auto cfg = loadConfig("/nonexistent/snapstage.json");
    ASSERT_FALSE(cfg.ok());
    EXPECT_EQ(cfg.error().code(), Errc::Config);
    EXPECT_NE(std::string(cfg.error().message()).find("/nonexistent/snapstage.json"),
              std::string::npos);
}

TEST(Config, BoardsDirOverridesTheBuiltInBoards) {
    test::TempDir tmp("boards");
    ASSERT_TRUE(tmp.ok());
    const std::string& dir = tmp.path();
    ASSERT_EQ(std::system(("mkdir -p " + dir + "/kiosk-x").c_str()), 0);
    FILE* f = std::fopen((dir + "/kiosk-x/board.json").c_str(), "w");
    std::fputs(R"({"name": "kiosk-x", "make": "Acme", "model": "X1", "toolchain": "native",
                   "defaults": {"camera": {"backend": "pattern", "width": 640, "height": 480}}})",
               f);
    std::fclose(f);
    ::setenv("SNAPSTAGE_BOARDS_DIR", dir.c_str(), 1);
    auto cfg = parseConfig(R"({"board": "kiosk-x"})", "c.json");
    ::unsetenv("SNAPSTAGE_BOARDS_DIR");
    ASSERT_TRUE(cfg.ok()) << cfg.error().message();
    EXPECT_EQ(cfg->board.make, "Acme");
    EXPECT_EQ(cfg->camera.toString(), "pattern,width=640,height=480");
}

}  // namespace
}  // namespace snapstage::app
