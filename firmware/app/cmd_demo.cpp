// SPDX-License-Identifier: MIT
// `snapstage demo`: the whole main job against the local sandbox, with no account and no
// hardware: the sandbox started on a free port, a real photo through the file camera, the file
// display, a scripted button press, and the kiosk loop from the press to the before and after.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/kiosk.h"
#include "firmware/util/fs.h"
#include "firmware/util/json.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage demo [--out DIR]\n"
    "\n"
    "Runs the whole main job with no account and no hardware: starts the local sandbox of the\n"
    "services on a free port (its CA trusted for this run only), captures a real photo through\n"
    "the file camera, presses the button by script, and runs the kiosk until the staged result\n"
    "is on the screen. Screens are written as PNGs into DIR/screens, the job and its result into\n"
    "DIR/spool (default DIR: ./demo-out).\n"
    "\n"
    "The sandbox and the photo are looked for in $SNAPSTAGE_DATA_DIR, /usr/share/snapstage, and\n"
    "the source tree the binary was built in.\n"
    "Exit codes: 0 the result was shown; else that of the first failure.";

// A file shipped with snapstage: tools/sandbox/sandbox.py, tests/data/photos/....
std::string findShared(const std::string& relative) {
    std::string candidates[8];
    size_t n = 0;
    if (const char* dir = std::getenv("SNAPSTAGE_DATA_DIR"); dir && *dir)
        candidates[n++] = std::string(dir) + "/" + relative;
    candidates[n++] = "/usr/share/snapstage/" + relative;
    char exe[1024];
    ssize_t len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string dir = len > 0 ? std::string(exe, static_cast<size_t>(len)) : "";
    for (int up = 0; up < 5 && n < 8; ++up) {
        dir = dir.substr(0, dir.rfind('/'));
        if (dir.empty()) break;
        candidates[n++] = dir + "/" + relative;
    }
    for (size_t i = 0; i < n; ++i)
        if (::access(candidates[i].c_str(), R_OK) == 0) return candidates[i];
    return {};
}

// The last name (in sort order) in `dir` starting with `prefix`, as a path for screens.
std::string newest(const std::string& dir, const char* prefix) {
    std::string best;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.' && std::strncmp(e->d_name, prefix, std::strlen(prefix)) == 0 &&
                std::string_view(e->d_name) > best)
                best = e->d_name;
        ::closedir(d);
    }
    return std::strcmp(prefix, "screen-") == 0 ? dir + "/" + best : best;
}

class Sandbox {
public:
    ~Sandbox() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // Starts it and reads its start-up line. Errors: NotFound, Internal.
    Status start(const std::string& script, const std::string& state) {
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) return fail(Errc::Internal, "cannot start the sandbox");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            int null = ::open("/dev/null", O_WRONLY);
            if (null >= 0) ::dup2(null, STDERR_FILENO);
            ::execlp("python3", "python3", script.c_str(), "--port", "0", "--state", state.c_str(),
                     "--quiet", "--process-seconds", "3", static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(out[1]);
        char line[2048];
        size_t used = 0;
        pollfd p{out[0], POLLIN, 0};
        while (used < sizeof line - 1 && ::poll(&p, 1, 20000) > 0) {
            ssize_t got = ::read(out[0], line + used, sizeof line - 1 - used);
            if (got <= 0) break;
            used += static_cast<size_t>(got);
            if (std::memchr(line, '\n', used)) break;
        }
        ::close(out[0]);
        auto doc = json::Document::parse(std::string_view(line, used));
        if (!doc || !doc->root().isObject())
            return fail(Errc::Internal, "the sandbox did not start (is python3 installed?)");
        baseUrl_ = doc->root().get("base_url").asString();
        caFile_ = doc->root().get("ca_file").asString();
        return okStatus();
    }
    const std::string& baseUrl() const { return baseUrl_; }
    const std::string& caFile() const { return caFile_; }

private:
    pid_t pid_ = -1;
    std::string baseUrl_, caFile_;
};

int runDemo(Context& ctx, Args& args) {
    std::string out = "demo-out";
    while (!args.done())
        if (!args.option("--out", 'o', out)) args.unknown();
    if (!args.ok()) return ctx.events.usage(args.error(), "demo");
    std::string sandboxScript = findShared("tools/sandbox/sandbox.py");
    std::string photo = findShared("tests/data/photos/lakeside-640.jpg");
    if (sandboxScript.empty() || photo.empty())
        return ctx.events.failure(Error(Errc::NotFound,
                                        "the sandbox or the demo photo is not installed: "
                                        "install the package snapstage-sandbox, or set "
                                        "SNAPSTAGE_DATA_DIR to the source tree"));
    if (Status st = fs::makeDirs(out); !st) return ctx.events.failure(st.error());
    // PATH_MAX: glibc's fortified realpath() aborts on a smaller buffer.
    char abs[PATH_MAX];
    if (!::realpath(out.c_str(), abs)) return ctx.events.failure(Error(Errc::StorageIo, "--out"));
    out = abs;
    Sandbox sandbox;
    if (Status st = sandbox.start(sandboxScript, out + "/sandbox"); !st)
        return ctx.events.failure(st.error());
    ctx.events.say("demo: the sandbox answers at %s", sandbox.baseUrl().c_str());
    std::string key = out + "/api-key";
    ::unlink(key.c_str());
    int fd = ::open(key.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, "sandbox-key\n", 12) != 12)
        return ctx.events.failure(Error(Errc::StorageIo, "cannot write the demo's key file"));
    ::close(fd);

    Config& c = ctx.config;
    c.service = ServiceConfig{};
    c.service.baseUrl = sandbox.baseUrl();
    c.service.apiKeyFile = key;
    c.service.widgets = {{"widget-space-tool-virtual-staging",
                          {"item-living-room-widget-space-tool-virtual-staging"}},
                         {"widget-style-tool-virtual-staging",
                          {"item-scandinavian-widget-style-tool-virtual-staging"}}};
    c.tls.caFile = sandbox.caFile();
    c.spool.dir = out + "/spool";
    c.poll.minIntervalS = 0.5;
    c.poll.maxIntervalS = 2;
    c.camera = hal::DeviceSpec{"file", photo, {}};
    c.display = hal::DeviceSpec{"file", out + "/screens", {}};
    c.input = hal::DeviceSpec{"script", "press@1500", {}};
    KioskOptions o;
    o.countdownS = 2;
    o.once = true;
    Runtime rt(ctx);
    int code = runKiosk(rt, o);
    if (code != 0) return code;
    std::string lastScreen = newest(out + "/screens", "screen-");
    std::string job = newest(out + "/spool/jobs", "");
    std::string folder = out + "/spool/jobs/" + job;
    std::string result = folder + "/" + newest(folder, "result-");
    ctx.events.say("demo: every screen shown is a PNG in %s/screens; the result screen is %s",
                   out.c_str(), lastScreen.c_str());
    ctx.events.say("demo: the photo:  %s/input-1.jpg", folder.c_str());
    ctx.events.say("demo: the result: %s", result.c_str());
    ctx.events.emit("demo.done", {{"screens", out + "/screens"},
                                  {"result_screen", lastScreen},
                                  {"photo", folder + "/input-1.jpg"},
                                  {"result", result}});
    return toInt(Exit::Done);
}

}  // namespace

const Command kDemoCommand{
    "demo", runDemo, "the whole main job against the local sandbox, no account needed", kUsage};

}  // namespace snapstage::app
