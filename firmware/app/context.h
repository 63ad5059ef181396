// SPDX-License-Identifier: MIT
// Context: what every command gets: the global options, the loaded config, events, the clock.
#pragma once

#include <string>

#include "firmware/app/args.h"
#include "firmware/app/config.h"
#include "firmware/app/events.h"
#include "firmware/util/clock.h"

namespace snapstage::app {

// Options valid before or after the command name. Overrides are already applied to `config`.
struct GlobalOptions {
    std::string configPath;   // -c FILE
    bool json = false;        // --json
    int verbosity = 0;        // -q: -1, -v: 1
    std::string caFile;       // --ca FILE (also copied into config.tls.caFile)
    std::string baseUrl;      // --base-url URL (also copied into config.service.baseUrl)
    std::string cameraSpec;   // --camera SPEC (parsed into config.camera)
    std::string displaySpec;  // --display SPEC (parsed into config.display)
};

struct Context {
    const GlobalOptions& options;
    Config& config;
    Events& events;
    Clock& clock;
};

// A command: parses its own arguments from `args`, does its work, returns the exit code.
using CommandFn = int (*)(Context& ctx, Args& args);

struct Command {
    const char* name;
    CommandFn run;
    const char* summary;  // one line for `snapstage --help`
    const char* usage;    // the full text for `snapstage NAME --help`
};

}  // namespace snapstage::app
