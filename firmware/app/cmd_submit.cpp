// SPDX-License-Identifier: MIT
// `snapstage submit IMAGE...`: one job on the configured service: spool it, upload, start, poll,
// download the results.
#include <unistd.h>
#include <cstdio>

#include <memory>
#include <string>
#include <vector>

#include "firmware/app/catalog_cache.h"
#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/interrupt.h"
#include "firmware/app/job_events.h"
#include "firmware/app/runtime.h"
#include "firmware/cloud/catalog.h"
#include "firmware/util/fs.h"

namespace snapstage::app {
namespace {

constexpr const char* kUsage =
    "usage: snapstage submit IMAGE [IMAGE2] [--service aihomedesign|autoenhance] [--api v3|v1]\n"
    "                        [--tool NAME] [--param KEY=VALUE]... [--mask FILE] [--out DIR]\n"
    "                        [--no-wait]\n"
    "\n"
    "Runs one job on the configured service (section \"service\" of the config): the photo (and\n"
    "an optional second angle) is copied into the spool first, then uploaded, processed and\n"
    "polled, and the results are downloaded into the job's folder in the spool. A job cut short\n"
    "(Ctrl-C, power loss, no network) resumes with `snapstage jobs --resume`, never twice.\n"
    "Finished jobs older than spool.keep_days are removed from the spool first.\n"
    "\n"
    "  --service V, --api A  the service (default: the config's service.vendor and .api)\n"
    "  --tool NAME        the tool (AI HomeDesign v3: tool-virtual-staging, ...; v1: the service\n"
    "                     name; default service.tool); `snapstage catalog` lists them\n"
    "  --param KEY=VALUE  a tool setting, e.g. space=living-room style=modern (v3 widgets and\n"
    "                     items, short or full slugs), or an Autoenhance setting such as\n"
    "                     enhance_type=warm; replaces the config's service.widgets for that key\n"
    "  --mask FILE        a PNG mask appended to the order (tool-item-removal-mask)\n"
    "  --out DIR          also copy the results into DIR\n"
    "  --no-wait          return once the service has accepted the job\n"
    "\n"
    "Events (--json): job.created, upload.progress, job.submitted, job.status, job.retry,\n"
    "download.progress, result.saved, job.done, job.failed.\n"
    "Exit codes: 0 done; 1 the service failed the job; 2 usage or config error; 3 network or TLS\n"
    "failure after retries (the job is kept); 4 the service rejected the request; 5 storage\n"
    "error; 130 interrupted (the job is kept).";

struct SubmitOptions {
    std::vector<std::string> images, params;
    std::string vendor, api, tool, mask, out;
    bool noWait = false;
};

bool parseArgs(Args& args, SubmitOptions& o) {
    std::string value;
    while (!args.done()) {
        if (args.option("--service", 0, o.vendor) || args.option("--api", 0, o.api) ||
            args.option("--tool", 0, o.tool) || args.option("--mask", 0, o.mask) ||
            args.option("--out", 0, o.out))
            continue;
        if (args.option("--param", 0, value))
            o.params.push_back(value);
        else if (args.flag("--no-wait"))
            o.noWait = true;
        else if (args.positional(value))
            o.images.push_back(value);
        else
            args.unknown();
    }
    return args.ok();
}

// The job's tool settings: the config's widgets (when the job is on the configured service and
// tool), each replaced by --param values for the same key.
Status collectParams(const Context& ctx, const SubmitOptions& o, bool configService,
                     std::vector<std::string>& keep, std::vector<cloud::ParamText>& out) {
    for (const std::string& p : o.params) {
        size_t eq = p.find('=');
        if (eq == std::string::npos || eq == 0)
            return failf(Errc::Usage, 0, "--param wants KEY=VALUE, not \"%s\"", p.c_str());
        out.push_back({std::string_view(p).substr(0, eq), std::string_view(p).substr(eq + 1)});
    }
    const ServiceConfig& sc = ctx.config.service;
    if (!configService || (!o.tool.empty() && o.tool != sc.tool)) return okStatus();
    keep.reserve(64);
    for (const auto& [widget, items] : sc.widgets) {
        // A --param naming this widget, short or full, replaces it.
        bool overridden = false;
        for (const std::string& p : o.params) {
            std::string_view key = std::string_view(p).substr(0, p.find('='));
            overridden =
                overridden || widget == key || widget.find("widget-" + std::string(key) + "-") == 0;
        }
        if (overridden) continue;
        for (const std::string& item : items)
            out.push_back({widget, item});
    }
    return okStatus();
}

// Copies each result of `job` into `dir`.
Status copyResults(Runtime& rt, const jobs::Job& job, const std::string& dir,
                   std::vector<std::string>& copied) {
    SNAPSTAGE_TRY(fs::makeDirs(dir));
    for (size_t i = 0; i < job.resultsSaved; ++i) {
        FixedString<fs::kMaxPathBytes> src;
        char name[64];
        std::snprintf(name, sizeof name, "result-%zu%s", i + 1, job.resultExt[i].c_str());
        rt.spool().jobFile(job.id.view(), name, src);
        auto data = fs::readFile(src.c_str(), 256u << 20);
        if (!data) return fail(data.error());
        std::string dst = dir + "/" + job.id.c_str() + "-" + name;
        SNAPSTAGE_TRY(fs::writeFileAtomic(dst, *data));
        copied.push_back(dst);
    }
    return okStatus();
}

// AI HomeDesign v1 names its widgets by ids the service lists per service and space: read them
// and check the job against them before anything is uploaded.
Status checkV1(Runtime& rt, cloud::JobRequest& request) {
    std::string path = "/v1/catalog/items/filter?service_name=" + std::string(request.tool.view());
    for (size_t i = 0; i < request.paramCount; ++i)
        if (request.params[i].key == "space_name")
            path += "&space_name=" + std::string(request.params[i].value.view());
    auto reply = rt.api().call("GET", path, nullptr, "read the service's widgets");
    if (!reply) {
        // The service says why (an unknown service or space): that is the user's to fix.
        if (reply.error().code() == Errc::ApiRejected)
            return failf(Errc::Usage, 0, "%s", reply.error().message());
        return fail(reply.error());
    }
    return cloud::checkV1Widgets(reply->data, request);
}

// The photos and mask the tool's input slots need, before anything is uploaded.
Status checkInputs(cloud::Vendor vendor, std::string_view tool, const SubmitOptions& o) {
    if (vendor != cloud::Vendor::AiHomeDesignV3) {
        if (o.images.size() > 1 || !o.mask.empty())
            return fail(Errc::Usage, "only AI HomeDesign v3 takes a second photo or a mask");
        return okStatus();
    }
    cloud::V3Slots slots;
    SNAPSTAGE_TRY(cloud::v3SlotsFor(tool, slots));
    int t = static_cast<int>(tool.size());
    if (!slots.secondary.empty() && o.images.size() < 2)
        return failf(Errc::Usage, 0, "%.*s needs two photos: IMAGE (before) and IMAGE2 (after)", t,
                     tool.data());
    if (!slots.mask.empty() && o.mask.empty())
        return failf(Errc::Usage, 0, "%.*s needs --mask FILE (a PNG the size of the photo)", t,
                     tool.data());
    if (slots.mask.empty() && !o.mask.empty())
        return failf(Errc::Usage, 0, "%.*s takes no mask (tool-item-removal-mask does)", t,
                     tool.data());
    return okStatus();
}

int report(Context& ctx, const Error& e) {
    return e.code() == Errc::Usage ? ctx.events.usage(e, "submit") : ctx.events.failure(e);
}

int runSubmit(Context& ctx, Args& args) {
    SubmitOptions o;
    if (!parseArgs(args, o)) return ctx.events.usage(args.error(), "submit");
    if (o.images.empty() || o.images.size() > 2)
        return ctx.events.usage(Error(Errc::Usage, "submit takes one photo, or two angles"),
                                "submit");
    Runtime rt(ctx);
    if (Status st = rt.openService({o.vendor, o.api}); !st) return report(ctx, st.error());
    if (Status st = rt.openSpool(); !st) return report(ctx, st.error());
    if (Status st = rt.ownSpool(false); !st) return report(ctx, st.error());
    // A box that runs a submit per photo may never run `jobs`: retention happens here too.
    if (auto said = rt.pruneSpool(); !said.empty()) ctx.events.say("%s", said.c_str());
    rt.writeMetrics();

    auto job = std::make_unique<jobs::Job>();
    job->vendor = rt.vendor();
    bool configService = o.vendor.empty() || o.vendor == ctx.config.service.vendor;
    std::vector<std::string> keep;
    std::vector<cloud::ParamText> params;
    if (Status st = collectParams(ctx, o, configService, keep, params); !st)
        return report(ctx, st.error());
    std::string tool = !o.tool.empty() ? o.tool : configService ? ctx.config.service.tool : "";
    LiveCatalog live = liveCatalog(rt, false);
    std::vector<std::string_view> liveTools(live.tools.begin(), live.tools.end());
    if (Status st = cloud::resolveJob(rt.vendor(), tool, params, liveTools, job->request); !st)
        return report(ctx, st.error());
    if (rt.vendor() == cloud::Vendor::AiHomeDesignV1)
        if (Status st = checkV1(rt, job->request); !st) return report(ctx, st.error());
    if (Status st = checkInputs(rt.vendor(), job->request.tool.view(), o); !st)
        return report(ctx, st.error());

    std::string_view second = o.images.size() > 1 ? std::string_view(o.images[1]) : "";
    jobs::NewJobInputs inputs{o.images[0], second, o.mask};
    if (Status st = rt.spool().create(*job, inputs); !st) {
        rt.jobNotCreated(st.error());
        return report(ctx, st.error());
    }
    JobEvents events(ctx.events);
    events.created(*job);

    InterruptGuard interrupts;
    jobs::Runner runner(rt.spool(), rt.api(), rt.clock(), rt.policy(), events,
                        InterruptGuard::flag(), &rt.metrics());
    Status st = runner.run(*job, rt.service(), !o.noWait);
    rt.api().close();
    if (st && !o.out.empty()) {
        std::vector<std::string> copied;
        st = copyResults(rt, *job, o.out, copied);
        for (const auto& c : copied)
            ctx.events.say("copied to %s", c.c_str());
    }
    if (st && o.noWait)
        ctx.events.say("job %s is with the service; `snapstage jobs --resume` fetches the result",
                       job->id.c_str());
    return events.finished(*job, st);
}

}  // namespace

const Command kSubmitCommand{"submit", runSubmit,
                             "one job on the service: upload, process, poll, download", kUsage};

}  // namespace snapstage::app
