// SPDX-License-Identifier: MIT
// Heap allocations of whole cloud jobs in one process: N jobs run as `snapstage submit` runs one.
//
// Builds what the submit command builds (app::Runtime from a config: TLS contexts, API client,
// service adapter, spool; the job request from the config's tool and widgets; a Runner reporting
// through JobEvents) once, then runs N jobs in a row against the configured service (the sandbox)
// and prints, per job, its wall time and the heap allocations made on this thread: global
// operator new calls (C++ allocations: the project's code and the standard library it calls) and
// malloc-family calls made directly by the C libraries (Mbed TLS, cJSON, libjpeg-turbo, libc).
// Job 1 is the warm-up; jobs 2..N are the steady state. Each job closes the API client at its
// end, as the submit command does, so every job connects (and handshakes) anew.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "firmware/app/catalog_cache.h"
#include "firmware/app/config.h"
#include "firmware/app/context.h"
#include "firmware/app/events.h"
#include "firmware/app/job_events.h"
#include "firmware/app/runtime.h"
#include "firmware/cloud/catalog.h"
#include "firmware/jobs/runner.h"
#include "tests/support/alloc_counter.h"

namespace {

using namespace snapstage;

constexpr const char* kUsage =
    "usage: job_bench -c CONFIG [--jobs N] [--events none|text|json] PHOTO\n"
    "Runs N (default 5) jobs of the config's service, tool and widgets on PHOTO in one process\n"
    "and prints each job's wall time and heap allocations (job 1 is the warm-up). --events: what\n"
    "the jobs report, to /dev/null: nothing (default, as `submit -q`), the human lines, or the\n"
    "--json events.";

struct Options {
    std::string config;
    std::string photo;
    int jobs = 5;
    std::string events = "none";
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "-c") && i + 1 < argc)
            o.config = argv[++i];
        else if (!std::strcmp(argv[i], "--events") && i + 1 < argc)
            o.events = argv[++i];
        else if (!std::strcmp(argv[i], "--jobs") && i + 1 < argc)
            o.jobs = std::atoi(argv[++i]);
        else if (argv[i][0] != '-' && o.photo.empty())
            o.photo = argv[i];
        else
            return false;
    }
    bool eventsOk = o.events == "none" || o.events == "text" || o.events == "json";
    return !o.config.empty() && !o.photo.empty() && o.jobs > 0 && eventsOk;
}

double nowS() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Where a debugger stops to watch the steady state: `break steadyStateBegins`, then `break
// operator new` once it is hit. Not inlined, so that the symbol is there in a release build.
[[gnu::noinline]] void steadyStateBegins(int job) {
    asm volatile("" : : "r"(job) : "memory");
}

struct JobFigures {
    double wallS = 0;
    test::AllocCounts create, run;
};

int fail(const char* what, const Error& e) {
    std::fprintf(stderr, "job_bench: %s: %s\n", what, e.message());
    return 1;
}

unsigned long long u(uint64_t n) {
    return static_cast<unsigned long long>(n);
}

// What submit does per command before its job, outside the jobs: the cached tool catalog and the
// job request from the config. Counted on a second call (the first warms, and fetches the
// catalog into an empty spool).
int countSetUp(app::Runtime& rt, const app::Config& config,
               std::span<const cloud::ParamText> params, jobs::Job& job) {
    for (int pass = 0; pass < 2; ++pass) {
        test::AllocScope catalogScope;
        app::LiveCatalog live = app::liveCatalog(rt, false);
        test::AllocCounts catalog = catalogScope.stop();
        std::vector<std::string_view> liveTools(live.tools.begin(), live.tools.end());
        test::AllocScope resolveScope;
        Status st =
            cloud::resolveJob(rt.vendor(), config.service.tool, params, liveTools, job.request);
        test::AllocCounts resolve = resolveScope.stop();
        if (!st) return fail("job", st.error());
        if (pass == 1)
            std::printf(
                "submit's set-up, second call: liveCatalog (cached, %zu tools) %llu new, "
                "%llu lib; resolveJob %llu new, %llu lib\n",
                live.tools.size(), u(catalog.operatorNew), u(catalog.library()),
                u(resolve.operatorNew), u(resolve.library()));
    }
    return 0;
}

// Runs `count` jobs of `blank`'s request on `photo`, one table row each, into `figures`.
int runJobs(app::Runtime& rt, jobs::Runner& runner, const jobs::Job& blank, const char* photo,
            int count, std::vector<JobFigures>& figures) {
    auto job = std::make_unique<jobs::Job>();
    jobs::NewJobInputs inputs{photo, "", ""};
    std::printf("%4s %8s %12s %12s %12s %12s %s\n", "job", "wall s", "create: new", "create: lib",
                "run: new", "run: lib", "id");
    for (int i = 1; i <= count; ++i) {
        if (i == 2) steadyStateBegins(i);
        *job = blank;
        JobFigures f;
        double t0 = nowS();
        test::AllocScope createScope;
        Status st = rt.spool().create(*job, inputs);
        f.create = createScope.stop();
        if (!st) return fail("spool create", st.error());
        test::AllocScope runScope;
        st = runner.run(*job, rt.service(), true);
        rt.api().close();
        f.run = runScope.stop();
        f.wallS = nowS() - t0;
        if (!st) return fail("job", st.error());
        figures.push_back(f);
        std::printf("%4d %8.3f %12llu %12llu %12llu %12llu %s\n", i, f.wallS,
                    u(f.create.operatorNew), u(f.create.library()), u(f.run.operatorNew),
                    u(f.run.library()), job->id.c_str());
        std::fflush(stdout);
    }
    return 0;
}

// One summary line for scripts: "steady OURS LIB_MIN LIB_MAX", the most operator new calls of a
// job after the first, and the fewest and most C-library calls.
void printSteady(const std::vector<JobFigures>& figures) {
    if (figures.size() < 2) return;
    uint64_t ours = 0, libMin = ~0ull, libMax = 0;
    for (size_t i = 1; i < figures.size(); ++i) {
        const JobFigures& f = figures[i];
        ours = std::max<uint64_t>(ours, f.create.operatorNew + f.run.operatorNew);
        uint64_t lib = f.create.library() + f.run.library();
        libMin = std::min(libMin, lib);
        libMax = std::max(libMax, lib);
    }
    std::printf("steady %llu %llu %llu\n", u(ours), u(libMin), u(libMax));
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr, "%s\n", kUsage);
        return 2;
    }
    auto config = app::loadConfig(o.config);
    if (!config) return fail("config", config.error());
    app::GlobalOptions global;
    global.configPath = o.config;
    std::FILE* devNull = std::fopen("/dev/null", "w");
    if (!devNull) return fail("events", Error(Errc::StorageIo, "cannot open /dev/null"));
    app::Events events(o.events == "json", o.events == "none" ? -1 : 0, devNull, devNull);
    app::Context ctx{global, *config, events, systemClock()};

    // What runSubmit builds, once.
    app::Runtime rt(ctx);
    if (Status st = rt.openService({}); !st) return fail("service", st.error());
    if (Status st = rt.openSpool(); !st) return fail("spool", st.error());
    std::vector<cloud::ParamText> params;
    for (const auto& [widget, items] : config->service.widgets)
        for (const std::string& item : items)
            params.push_back({widget, item});
    auto blank = std::make_unique<jobs::Job>();  // the request, before the spool gives it an id
    blank->vendor = rt.vendor();
    if (Status st =
            cloud::resolveJob(rt.vendor(), config->service.tool, params, {}, blank->request);
        !st)
        return fail("job", st.error());
    app::JobEvents observer(events);
    jobs::Runner runner(rt.spool(), rt.api(), rt.clock(), rt.policy(), observer, nullptr);

    auto scratch = std::make_unique<jobs::Job>(*blank);
    if (int rc = countSetUp(rt, *config, params, *scratch)) return rc;
    std::printf("job_bench: %d jobs of %s on %s, events: %s (allocations counted by %s)\n", o.jobs,
                config->service.tool.c_str(), o.photo.c_str(), o.events.c_str(),
                test::countingMethod());
    std::vector<JobFigures> figures;
    figures.reserve(static_cast<size_t>(o.jobs));
    if (int rc = runJobs(rt, runner, *blank, o.photo.c_str(), o.jobs, figures)) return rc;
    printSteady(figures);
    return 0;
}
