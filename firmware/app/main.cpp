// SPDX-License-Identifier: MIT
// snapstage: entry point. Global options, config loading, command dispatch.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/version_info.h"
#include "firmware/util/log.h"

namespace snapstage::app {
namespace {

constexpr const char* kGlobalUsage =
    "usage: snapstage [-c FILE] [--json] [-v|-q] COMMAND [options]\n"
    "       snapstage --version | --help | COMMAND --help\n"
    "\n"
    "global options (before or after the command):\n"
    "  -c, --config FILE   config file (default ./snapstage.json, then\n"
    "                      /etc/snapstage/snapstage.json, else the host board's defaults)\n"
    "  --json              one JSON event per line on stdout; human text stays on stderr\n"
    "  -v, --verbose       more detail on stderr;  -q, --quiet: errors only\n"
    "  --ca FILE           CA bundle to trust (overrides tls.ca_file)\n"
    "  --base-url URL      service base URL (overrides service.base_url)\n"
    "  --camera SPEC       camera, e.g. pattern | file:photo.jpg | v4l2:/dev/video0,width=1280\n"
    "  --display SPEC      display, e.g. fbdev:/dev/fb0 | drm | file:screens/\n"
    "\n"
    "exit codes: 0 done; 1 the service reported the job failed; 2 usage or config error;\n"
    "3 network or TLS failure; 4 the service rejected the request; 5 device error;\n"
    "130 interrupted.\n"
    "\n"
    "commands:\n";

void printHelp() {
    std::fputs(kGlobalUsage, stdout);
    for (const Command* c : commandTable())
        std::printf("  %-10s %s\n", c->name, c->summary);
}

const Command* findCommand(const std::string& name) {
    for (const Command* c : commandTable())
        if (name == c->name) return c;
    return nullptr;
}

// Takes the global options out of `tokens` (wherever they stand); the rest stays in order.
Status takeGlobalOptions(std::vector<std::string>& tokens, GlobalOptions& g) {
    std::vector<std::string> rest;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        auto value = [&](std::string& out) -> Status {
            if (i + 1 >= tokens.size())
                return failf(Errc::Usage, 0, "option %s needs a value", t.c_str());
            out = tokens[++i];
            return {};
        };
        if (t == "--") {  // everything after belongs to the command
            rest.insert(rest.end(), tokens.begin() + static_cast<long>(i), tokens.end());
            break;
        }
        if (t == "--json")
            g.json = true;
        else if (t == "-v" || t == "--verbose")
            g.verbosity = 1;
        else if (t == "-q" || t == "--quiet")
            g.verbosity = -1;
        else if (t == "-c" || t == "--config")
            SNAPSTAGE_TRY(value(g.configPath));
        else if (t == "--ca")
            SNAPSTAGE_TRY(value(g.caFile));
        else if (t == "--base-url")
            SNAPSTAGE_TRY(value(g.baseUrl));
        else if (t == "--camera")
            SNAPSTAGE_TRY(value(g.cameraSpec));
        else if (t == "--display")
            SNAPSTAGE_TRY(value(g.displaySpec));
        else
            rest.push_back(t);
    }
    tokens = std::move(rest);
    return {};
}

Status applyOverrides(const GlobalOptions& g, Config& cfg) {
    if (!g.caFile.empty()) cfg.tls.caFile = g.caFile;
    if (!g.baseUrl.empty()) cfg.service.baseUrl = g.baseUrl;
    if (!g.cameraSpec.empty()) {
        auto spec = hal::DeviceSpec::parse(g.cameraSpec);
        if (!spec) return fail(spec.error().withContext("--camera"));
        cfg.camera = *spec;
    }
    if (!g.displaySpec.empty()) {
        auto spec = hal::DeviceSpec::parse(g.displaySpec);
        if (!spec) return fail(spec.error().withContext("--display"));
        cfg.display = *spec;
    }
    return {};
}

int run(int argc, char** argv) {
    std::vector<std::string> tokens(argv + 1, argv + argc);
    GlobalOptions g;
    Status st = takeGlobalOptions(tokens, g);
    Events events(g.json, g.verbosity);
    if (!st) return events.usage(st.error(), "");
    log::setLevel(g.verbosity > 0   ? log::Level::Debug
                  : g.verbosity < 0 ? log::Level::Error
                                    : log::Level::Info);

    if (tokens.empty() || tokens[0] == "--help" || tokens[0] == "-h" || tokens[0] == "help") {
        printHelp();
        return tokens.empty() ? toInt(Exit::Usage) : toInt(Exit::Done);
    }
    if (tokens[0] == "--version") {
        printVersion(stdout);
        return toInt(Exit::Done);
    }
    const Command* command = findCommand(tokens[0]);
    if (!command)
        return events.usage(
            Error::format(Errc::Usage, 0, "unknown command '%s'", tokens[0].c_str()), "");
    tokens.erase(tokens.begin());
    for (const auto& t : tokens) {
        if (t == "--") break;
        if (t == "--help" || t == "-h") {
            std::printf("%s\n", command->usage);
            return toInt(Exit::Done);
        }
    }

    auto config = loadConfig(g.configPath);
    if (!config) return events.failure(config.error());
    if (auto o = applyOverrides(g, *config); !o) return events.usage(o.error(), command->name);
    events.detail("config: %s, board %s",
                  config->path.empty() ? "(none: host defaults)" : config->path.c_str(),
                  config->board.name.c_str());

    Context ctx{g, *config, events, systemClock()};
    Args args(std::move(tokens));
    return command->run(ctx, args);
}

}  // namespace
}  // namespace snapstage::app

int main(int argc, char** argv) {
    return snapstage::app::run(argc, argv);
}
