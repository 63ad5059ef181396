// SPDX-License-Identifier: MIT
// `snapstage run`: the kiosk loop.
#include <cstdlib>
#include <string>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/kiosk.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage run [--control PATH] [--input SPEC] [--countdown S] [--result-seconds S]\n"
    "                     [--retry-seconds S] [--once]\n"
    "\n"
    "The kiosk: press the button (or tap the screen, or send {\"cmd\":\"capture\"} to the control\n"
    "socket) and it counts down, takes a photo, sends it to the service, shows the progress, and\n"
    "then the photo and the result side by side. A short press on the result switches between\n"
    "both, after and before; a long press goes back. On the ready screen a long press (or a tap\n"
    "on the chooser) changes the room or the style. Unfinished jobs in the spool are carried on\n"
    "at start; without a network photos wait in the spool and go out when it is back.\n"
    "\n"
    "  --control PATH      a control socket (mode 0660) taking JSON lines: {\"cmd\": \"capture\" "
    "|\n"
    "                      \"status\" | \"show\" (with \"path\") | \"quit\"}; it answers with the\n"
    "                      same events as --json. Default: $RUNTIME_DIRECTORY/control when set\n"
    "  --input SPEC        the input instead of the config's: gpio,line=17 | evdev:/dev/input/\n"
    "                      event0 | stdin | script:press@1000+quit@30000 | null\n"
    "  --countdown S       seconds counted down before the photo (default 3)\n"
    "  --result-seconds S  how long a result stays on screen (default 60)\n"
    "  --retry-seconds S   how often unfinished jobs are tried again (default 30)\n"
    "  --once              stop once the first job's result (or failure) has been shown\n"
    "\n"
    "Under systemd (Type=notify) it reports READY, STATUS and WATCHDOG keep-alives.\n"
    "Events (--json): kiosk.ready, kiosk.state, input, capture.done, job.created,\n"
    "upload.progress, job.status, job.done, kiosk.result, job.failed, kiosk.error, kiosk.status,\n"
    "kiosk.stopped.\n"
    "Exit codes: 0 stopped (or, with --once, the job done); 2 usage or config error; 5 device\n"
    "error; with --once the job's own exit code when it failed.";

bool seconds(const std::string& text, int min, int max, int& out) {
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end || v < min || v > max) return false;
    out = static_cast<int>(v);
    return true;
}

int runRun(Context& ctx, Args& args) {
    KioskOptions o;
    std::string input, countdown, result, retry;
    while (!args.done()) {
        if (args.option("--control", 0, o.control) || args.option("--input", 0, input) ||
            args.option("--countdown", 0, countdown) ||
            args.option("--result-seconds", 0, result) || args.option("--retry-seconds", 0, retry))
            continue;
        if (args.flag("--once"))
            o.once = true;
        else
            args.unknown();
    }
    if (!args.ok()) return ctx.events.usage(args.error(), "run");
    int retryS = 30;
    if ((!countdown.empty() && !seconds(countdown, 0, 30, o.countdownS)) ||
        (!result.empty() && !seconds(result, 1, 86400, o.resultS)) ||
        (!retry.empty() && !seconds(retry, 1, 86400, retryS)))
        return ctx.events.usage(
            Error(Errc::Usage,
                  "--countdown takes 0..30, --result-seconds and --retry-seconds "
                  "1..86400 seconds"),
            "run");
    o.retryMs = int64_t{retryS} * 1000;
    if (o.control.empty())
        if (const char* dir = std::getenv("RUNTIME_DIRECTORY"); dir && *dir)
            o.control = std::string(dir) + "/control";
    if (!input.empty()) {
        auto spec = hal::DeviceSpec::parse(input);
        if (!spec) return ctx.events.usage(spec.error().withContext("--input"), "run");
        ctx.config.input = *spec;
    }
    Runtime rt(ctx);
    return runKiosk(rt, o);
}

}  // namespace

const Command kRunCommand{"run", runRun, "the kiosk loop: button, photo, service, before and after",
                          kUsage};

}  // namespace snapstage::app
