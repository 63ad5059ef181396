// SPDX-License-Identifier: MIT
// `snapstage jobs [--resume]` (the spool) and `snapstage status JOB` (one job).
#include <cstdio>
#include <memory>
#include <string>

#include "firmware/app/commands.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/interrupt.h"
#include "firmware/app/job_events.h"
#include "firmware/app/runtime.h"

namespace snapstage::app {
namespace {

constexpr const char* kJobsUsage =
    "usage: snapstage jobs [--resume]\n"
    "\n"
    "Lists the jobs in the spool (spool.dir): id, state, age, service and tool. Finished jobs\n"
    "older than spool.keep_days are removed first; unfinished ones never are. A damaged job.json\n"
    "is moved aside into the spool's damaged/ folder with a message.\n"
    "\n"
    "  --resume   carry every unfinished job on to its end, in the foreground, from its last\n"
    "             saved step (an order is never placed twice)\n"
    "\n"
    "Events (--json): job.listed per job; with --resume those of `submit` as well.\n"
    "Exit codes: 0 listed (and every resumed job done); else the exit code of the first job\n"
    "that did not finish (1, 3, 4, 5), 130 when interrupted.";

constexpr const char* kStatusUsage =
    "usage: snapstage status JOB\n"
    "\n"
    "The state of one job in the spool, found by its local id or by the id the service gave it\n"
    "(order, process or image id): state, service, tool, remote ids, results, last error.\n"
    "\n"
    "Events (--json): job.status.\n"
    "Exit codes: 0 found; 2 usage; 5 no such job or a damaged record.";

void describeAge(int64_t seconds, char* out, size_t cap) {
    if (seconds < 120)
        std::snprintf(out, cap, "%llds", static_cast<long long>(seconds));
    else if (seconds < 7200)
        std::snprintf(out, cap, "%lldm", static_cast<long long>(seconds / 60));
    else if (seconds < 172800)
        std::snprintf(out, cap, "%lldh", static_cast<long long>(seconds / 3600));
    else
        std::snprintf(out, cap, "%lldd", static_cast<long long>(seconds / 86400));
}

void noticeToStderr(const char* message) {
    std::fprintf(stderr, "snapstage: %s\n", message);
}

int listAndResume(Context& ctx, Runtime& rt, bool resume) {
    if (auto said = rt.pruneSpool(); !said.empty()) ctx.events.say("%s", said.c_str());
    if (resume) rt.writeMetrics();  // the spool is ours: the gauges as they stand now
    auto ids = rt.spool().ids();
    if (!ids) return ctx.events.failure(ids.error());
    auto job = std::make_unique<jobs::Job>();
    int64_t now = rt.clock().wallSeconds();
    int exit = toInt(Exit::Done);
    bool headed = false;
    for (const jobs::JobId& id : *ids) {
        if (!rt.spool().load(id.view(), *job)) continue;  // moved aside, with a message
        char age[32];
        describeAge(now - job->createdS, age, sizeof age);
        ctx.events.emit("job.listed", {{"job", job->id.view()},
                                       {"state", jobs::to_string(job->state)},
                                       {"age_s", now - job->createdS},
                                       {"service", cloud::vendorName(job->vendor)},
                                       {"api", cloud::apiName(job->vendor)},
                                       {"tool", job->request.tool.view()}});
        if (!ctx.events.json()) {
            if (!headed)
                std::printf("%-26s %-12s %6s  %-16s %s\n", "JOB", "STATE", "AGE", "SERVICE",
                            "TOOL");
            headed = true;
            char service[32];
            std::snprintf(service, sizeof service, "%s %s", cloud::vendorName(job->vendor),
                          cloud::apiName(job->vendor));
            std::printf("%-26s %-12s %6s  %-16s %s\n", job->id.c_str(), jobs::to_string(job->state),
                        age, service, job->request.tool.c_str());
        }
        if (!resume || jobs::finished(job->state)) continue;
        if (job->vendor != rt.vendor()) {
            ctx.events.say("job %s is for %s %s, but the config names another service: skipped",
                           job->id.c_str(), cloud::vendorName(job->vendor),
                           cloud::apiName(job->vendor));
            continue;
        }
        InterruptGuard interrupts;
        JobEvents events(ctx.events);
        jobs::Runner runner(rt.spool(), rt.api(), rt.clock(), rt.policy(), events,
                            InterruptGuard::flag(), &rt.metrics());
        ctx.events.say("job %s: resuming from %s", job->id.c_str(), jobs::to_string(job->state));
        Status st = runner.run(*job, rt.service(), true);
        int code = events.finished(*job, st);
        if (code != toInt(Exit::Done) && exit == toInt(Exit::Done)) exit = code;
        if (code == toInt(Exit::Interrupted)) return code;
    }
    if (!headed && !ctx.events.json())
        ctx.events.say("no jobs in %s", ctx.config.spool.dir.c_str());
    return exit;
}

int runJobs(Context& ctx, Args& args) {
    bool resume = false;
    while (!args.done()) {
        if (args.flag("--resume"))
            resume = true;
        else
            args.unknown();
    }
    if (!args.ok()) return ctx.events.usage(args.error(), "jobs");
    jobs::setSpoolNotice(noticeToStderr);
    Runtime rt(ctx);
    if (Status st = rt.openSpool(); !st) return ctx.events.failure(st.error());
    if (resume) {
        if (Status st = rt.openService({}); !st) return ctx.events.failure(st.error());
        if (Status st = rt.ownSpool(true); !st) return ctx.events.failure(st.error());
    }
    return listAndResume(ctx, rt, resume);
}

// Finds a job by its local id, or by a remote id among the spool's jobs.
Status findJob(Runtime& rt, const std::string& ident, jobs::Job& job) {
    if (rt.spool().load(ident, job)) return okStatus();
    auto ids = rt.spool().ids();
    if (!ids) return fail(ids.error());
    for (const jobs::JobId& id : *ids) {
        if (!rt.spool().load(id.view(), job)) continue;
        const cloud::Remote& r = job.remote;
        if (r.order == ident || r.process == ident || r.image == ident || r.project == ident)
            return okStatus();
    }
    return failf(Errc::NotFound, 0, "no job %s in the spool (neither a local nor a remote id)",
                 ident.c_str());
}

int runStatus(Context& ctx, Args& args) {
    std::string ident;
    while (!args.done())
        if (!(ident.empty() && args.positional(ident))) args.unknown();
    if (!args.ok()) return ctx.events.usage(args.error(), "status");
    if (ident.empty())
        return ctx.events.usage(Error(Errc::Usage, "status needs a JOB id"), "status");
    jobs::setSpoolNotice(noticeToStderr);
    Runtime rt(ctx);
    if (Status st = rt.openSpool(); !st) return ctx.events.failure(st.error());
    auto job = std::make_unique<jobs::Job>();
    if (Status st = findJob(rt, ident, *job); !st) return ctx.events.failure(st.error());
    FixedString<fs::kMaxPathBytes> dir;
    rt.spool().jobDir(job->id.view(), dir);
    ctx.events.emit("job.status", {{"job", job->id.view()},
                                   {"state", jobs::to_string(job->state)},
                                   {"service", cloud::vendorName(job->vendor)},
                                   {"api", cloud::apiName(job->vendor)},
                                   {"tool", job->request.tool.view()},
                                   {"remote_id", remoteId(*job)},
                                   {"results", job->resultsSaved},
                                   {"folder", dir.view()},
                                   {"error", job->error.view()}});
    if (!ctx.events.json()) {
        std::printf("job      %s\nstate    %s\nservice  %s %s\ntool     %s\n", job->id.c_str(),
                    jobs::to_string(job->state), cloud::vendorName(job->vendor),
                    cloud::apiName(job->vendor), job->request.tool.c_str());
        if (!remoteId(*job).empty())
            std::printf("remote   %.*s\n", static_cast<int>(remoteId(*job).size()),
                        remoteId(*job).data());
        std::printf("folder   %s\n", dir.c_str());
        for (size_t i = 0; i < job->resultsSaved; ++i)
            std::printf("result   %s/result-%zu%s\n", dir.c_str(), i + 1,
                        job->resultExt[i].c_str());
        if (!job->error.empty()) std::printf("error    %s\n", job->error.c_str());
    }
    return toInt(Exit::Done);
}

}  // namespace

const Command kJobsCommand{"jobs", runJobs, "the spool's jobs; --resume carries unfinished ones on",
                           kJobsUsage};
const Command kStatusCommand{"status", runStatus, "one job's state (local or remote id)",
                             kStatusUsage};

}  // namespace snapstage::app
