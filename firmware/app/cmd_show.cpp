// SPDX-License-Identifier: MIT
// `snapstage show IMAGE`: an image on the configured display.
#include <charconv>
#include <string>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/interrupt.h"
#include "firmware/app/runtime.h"
#include "firmware/ui/screens.h"
#include "firmware/util/pages.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage show IMAGE [--display SPEC] [--hold S]\n"
    "\n"
    "Shows a JPEG on the configured display (or --display SPEC: fbdev:/dev/fb0, drm, file:DIR,\n"
    "null), scaled down in the decoder to fit the screen and centred. With the file display the\n"
    "picture is written as DIR/screen-0001.png.\n"
    "  --hold S   keep the display open S seconds (1-86400) after showing, or until SIGINT or\n"
    "             SIGTERM. The drm display gives the screen back to the console when snapstage\n"
    "             exits, so without --hold the picture is gone at once; a framebuffer keeps it.\n"
    "\n"
    "Events (--json): show.done (when the picture is on the screen, before the hold).\n"
    "Exit codes: 0 shown; 2 usage or config error; 5 display error or an image that does not\n"
    "decode.";

// "--hold S": whole seconds in [1, 86400].
bool parseHold(const std::string& text, int64_t& seconds) noexcept {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    return ec == std::errc() && end == text.data() + text.size() && seconds >= 1 &&
           seconds <= 86400;
}

int runShow(Context& ctx, Args& args) {
    std::string path, hold;
    while (!args.done())
        if (!args.option("--hold", 0, hold) && !(path.empty() && args.positional(path)))
            args.unknown();
    if (!args.ok()) return ctx.events.usage(args.error(), "show");
    if (path.empty()) return ctx.events.usage(Error(Errc::Usage, "show needs an IMAGE"), "show");
    int64_t holdSeconds = 0;
    if (!hold.empty() && !parseHold(hold, holdSeconds))
        return ctx.events.usage(Error(Errc::Usage, "--hold takes whole seconds from 1 to 86400"),
                                "show");
    MappedFile jpeg;  // decoded from the page cache, not copied into the heap first
    if (Status st = jpeg.open(path.c_str(), 64u << 20); !st) return ctx.events.failure(st.error());
    Runtime rt(ctx);
    auto display = rt.display();
    if (!display) return ctx.events.failure(display.error());
    hal::DisplayInfo info = (*display)->info();
    ui::Screens screens;
    if (Status st = screens.init(info.width, info.height); !st)
        return ctx.events.failure(st.error());
    auto frame = (*display)->frame();
    if (!frame) return ctx.events.failure(frame.error());
    ui::ScreenState state;
    state.kind = ui::ScreenKind::Photo;
    state.after = jpeg.bytes();
    auto layout = screens.render(state, *frame);
    if (!layout) return ctx.events.failure(layout.error().withContext(path.c_str()));
    if (Status st = (*display)->present(); !st) return ctx.events.failure(st.error());
    ctx.events.emit("show.done", {{"path", path},
                                  {"display", info.backend},
                                  {"format", hal::to_string(info.format)},
                                  {"x", layout->after.x},
                                  {"y", layout->after.y},
                                  {"width", layout->after.w},
                                  {"height", layout->after.h}});
    ctx.events.say("showing %s on %s (%s), %dx%d", path.c_str(), info.backend, info.name,
                   layout->after.w, layout->after.h);
    if (holdSeconds > 0) {
        InterruptGuard interrupts;  // SIGINT/SIGTERM end the hold; the display is then closed
        (void)ctx.clock.sleepMs(holdSeconds * 1000, InterruptGuard::flag());
    }
    return toInt(Exit::Done);
}

}  // namespace

const Command kShowCommand{"show", runShow, "an image on the configured display", kUsage};

}  // namespace snapstage::app
