// SPDX-License-Identifier: MIT
// `snapstage doctor`: checks what a kiosk needs, with a verdict and advice for each.
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "firmware/app/clock_floor.h"
#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/runtime.h"
#include "hal/input.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage doctor\n"
    "\n"
    "Checks, in order, what the kiosk needs, and gives a verdict for each with what to do:\n"
    "the config, the clock (against the clock floor: the build time and the last time a\n"
    "verified server gave), the CA bundle, DNS and TLS reach to the service (the chain verified,\n"
    "the certificate's expiry reported), the API key file, the camera (one frame), the display,\n"
    "the input, the free space on the spool and the metrics file.\n"
    "\n"
    "Events (--json): doctor.check per check ({check, verdict: ok|warn|fail, message, advice}).\n"
    "Exit codes: 0 nothing failed (warnings allowed); else the code of the first failure (2\n"
    "config, 3 network or TLS, 5 device or storage).";

enum class Verdict { Ok, Warn, Fail };

class Doctor {
public:
    explicit Doctor(Context& ctx) noexcept : ctx_(ctx) {}

    void report(const char* check, Verdict v, const std::string& message, const char* advice = "",
                Errc code = Errc::Ok) {
        const char* word = v == Verdict::Ok ? "ok" : v == Verdict::Warn ? "warn" : "fail";
        ctx_.events.emit("doctor.check", {{"check", check},
                                          {"verdict", word},
                                          {"message", std::string_view(message)},
                                          {"advice", advice}});
        if (!ctx_.events.json())
            std::printf("%-8s %-5s %s%s%s\n", check, word, message.c_str(), *advice ? ": " : "",
                        advice);
        if (v == Verdict::Fail && exit_ == 0) exit_ = toInt(exitFor(code));
    }
    int exit() const noexcept { return exit_; }

private:
    Context& ctx_;
    int exit_ = 0;
};

std::string dateText(int64_t t) {
    char buf[32];
    time_t tt = static_cast<time_t>(t);
    tm g{};
    gmtime_r(&tt, &g);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &g);
    return buf;
}

void checkClock(Context& ctx, Doctor& d) {
    int64_t now = ctx.clock.wallSeconds(), floor = clockFloor(ctx.config.spool.dir);
    if (now < floor)
        d.report(
            "clock", Verdict::Fail,
            "the clock reads " + dateText(now) + ", before " + dateText(floor),
            "it has not been set yet: connect the network and wait for network time "
            "(systemd-timesyncd; see `timedatectl`); certificates cannot be checked until then",
            Errc::TlsNotYetValid);
    else if (!clockSynchronized())
        d.report("clock", Verdict::Warn, dateText(now) + ", not confirmed by network time",
                 "enable systemd-timesyncd (`timedatectl set-ntp true`)");
    else
        d.report("clock", Verdict::Ok, dateText(now) + ", synchronised");
}

void checkService(Runtime& rt, Doctor& d) {
    Context& ctx = rt.context();
    net::TlsContext tls;
    Status st = tls.init(rt.tlsSettings(true));
    std::string bundle =
        ctx.config.tls.caFile.empty() ? net::kSystemCaBundle : ctx.config.tls.caFile;
    if (!st) {
        d.report("ca", Verdict::Fail, st.error().message(),
                 "install ca-certificates or fix tls.ca_file", st.error().code());
        return;
    }
    d.report("ca", Verdict::Ok, bundle + ": " + std::to_string(tls.caCount()) + " trusted roots");
    st = rt.openService({});
    if (!st) {
        d.report("key", Verdict::Fail, st.error().message(), "", st.error().code());
        return;
    }
    const char* env = std::getenv("SNAPSTAGE_API_KEY");
    d.report("key", Verdict::Ok,
             env && *env ? "the API key comes from SNAPSTAGE_API_KEY"
                         : "the API key file " + ctx.config.service.apiKeyFile +
                               " is readable by its owner only");
    net::HttpClient client;
    net::HttpOptions http;
    http.timeouts.connectMs = 5000;
    http.timeouts.ioMs = 10000;
    if (!client.init(&tls, http)) return;
    net::NullSink sink;
    net::Request req;
    req.method = "HEAD";
    req.url = rt.baseUrl();
    req.timeoutMs = 15000;
    auto r = client.send(req, sink);
    if (!r) {
        d.report("service", Verdict::Fail, r.error().message(),
                 "check the network, DNS and service.base_url", r.error().code());
        return;
    }
    const net::TlsInfo& info = client.connection().tlsInfo;
    int64_t left = info.peerNotAfter ? (info.peerNotAfter - ctx.clock.wallSeconds()) / 86400 : -1;
    std::string msg = rt.baseUrl() + " reached (" + client.connection().peer + ", " + info.version +
                      ", certificate verified";
    if (info.peerNotAfter) msg += ", valid until " + dateText(info.peerNotAfter);
    msg += ")";
    if (left >= 0 && left < 14)
        d.report("service", Verdict::Warn, msg, "the service's certificate expires within 14 days");
    else
        d.report("service", Verdict::Ok, msg);
    if (rt.api().serverDate() > 0) raiseClockFloor(ctx.config.spool.dir, rt.api().serverDate());
}

void checkDevices(Runtime& rt, Doctor& d) {
    Context& ctx = rt.context();
    auto camera = rt.camera();
    if (!camera) {
        d.report("camera", Verdict::Fail, camera.error().message(),
                 "see hardware.md in the docs (/usr/share/doc/snapstage on a packaged install)",
                 camera.error().code());
    } else {
        Status st = (*camera)->start();
        {
            auto frame = st ? (*camera)->lease(5000) : Result<hal::FrameLease>(fail(st.error()));
            if (!frame) {
                d.report("camera", Verdict::Fail, frame.error().message(),
                         "check the camera's cable", frame.error().code());
            } else {
                hal::CameraInfo i = (*camera)->info();
                d.report("camera", Verdict::Ok,
                         std::string(i.backend) + " " + i.name + ": one " +
                             std::to_string((*frame)->width) + "x" +
                             std::to_string((*frame)->height) + " frame captured");
            }
        }  // the frame is given back before the camera stops
        (*camera)->stop();
    }
    auto display = rt.display();
    if (!display)
        d.report("display", Verdict::Fail, display.error().message(), "", display.error().code());
    else
        d.report("display", Verdict::Ok,
                 std::string((*display)->info().backend) + " " + (*display)->info().name + " " +
                     std::to_string((*display)->info().width) + "x" +
                     std::to_string((*display)->info().height));
    auto input = hal::makeInput(ctx.config.input);
    Status st = input ? (*input)->init() : Status(fail(input.error()));
    if (!st)
        d.report("input", Verdict::Fail, st.error().message(), "", st.error().code());
    else
        d.report("input", Verdict::Ok,
                 std::string((*input)->info().backend) + " " + (*input)->info().name);
}

void checkSpool(Context& ctx, Doctor& d) {
    struct statvfs fs {};
    const std::string& dir = ctx.config.spool.dir;
    if (::statvfs(dir.c_str(), &fs) != 0) {
        d.report("spool", Verdict::Fail, dir + " cannot be read",
                 "create it, writable by the kiosk", Errc::StorageIo);
        return;
    }
    double freeMb = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize) / 1e6;
    char msg[256];
    std::snprintf(msg, sizeof msg, "%s: %.0f MB free", dir.c_str(), freeMb);
    if (freeMb < 20)
        d.report("spool", Verdict::Fail, msg, "free some space: photos cannot be kept",
                 Errc::StorageFull);
    else if (freeMb < 200)
        d.report("spool", Verdict::Warn, msg,
                 "space is getting short (finished jobs are pruned "
                 "after spool.keep_days)");
    else
        d.report("spool", Verdict::Ok, msg);
}

// The fleet metrics file: where it is, when it was written, whether node_exporter (another
// user) can read it.
void checkMetrics(Runtime& rt, Doctor& d) {
    const std::string path = rt.metricsTextfile();
    if (path.empty()) {
        d.report("metrics", Verdict::Ok, "turned off (metrics.textfile is \"\")");
        return;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        char msg[1200];
        std::snprintf(msg, sizeof msg, "%s, written %lld s ago", path.c_str(),
                      static_cast<long long>(rt.clock().wallSeconds() - st.st_mtime));
        if (st.st_mode & S_IROTH)
            d.report("metrics", Verdict::Ok, msg);
        else
            d.report("metrics", Verdict::Warn, msg,
                     "others cannot read it, and node_exporter runs as another user: chmod 644");
        return;
    }
    // The folder, or the nearest of its parents that exists (the folder is made when missing).
    std::string folder = path;
    do {
        size_t slash = folder.rfind('/');
        folder = slash == std::string::npos ? "." : slash == 0 ? "/" : folder.substr(0, slash);
    } while (::stat(folder.c_str(), &st) != 0 && errno == ENOENT && folder.size() > 1);
    if (S_ISDIR(st.st_mode) && ::access(folder.c_str(), W_OK) == 0)
        d.report("metrics", Verdict::Ok,
                 path + ": not written yet (submit, jobs --resume and the kiosk write it)");
    else
        d.report("metrics", Verdict::Warn,
                 path + " cannot be written: " + folder +
                     (S_ISDIR(st.st_mode) ? " is not writable by this user" : " is not a folder"),
                 "set metrics.textfile to a file in a folder the kiosk's user may write (see "
                 "metrics.md in the docs, /usr/share/doc/snapstage on a packaged install)");
}

int runDoctor(Context& ctx, Args& args) {
    while (!args.done())
        args.unknown();
    if (!args.ok()) return ctx.events.usage(args.error(), "doctor");
    Doctor d(ctx);
    d.report("config", Verdict::Ok,
             (ctx.config.path.empty() ? std::string("(no file: the host board's defaults)")
                                      : ctx.config.path) +
                 ", board " + ctx.config.board.name);
    checkClock(ctx, d);
    Runtime rt(ctx);
    checkService(rt, d);
    checkDevices(rt, d);
    checkSpool(ctx, d);
    checkMetrics(rt, d);
    return d.exit();
}

}  // namespace

const Command kDoctorCommand{"doctor", runDoctor,
                             "checks the config, clock, network, devices and disk", kUsage};

}  // namespace snapstage::app
