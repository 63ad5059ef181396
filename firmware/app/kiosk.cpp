// SPDX-License-Identifier: MIT
// The kiosk loop: screens, inputs, capture on the main thread; jobs on the worker.
#include "firmware/app/kiosk.h"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "firmware/app/control.h"
#include "firmware/app/exit_codes.h"
#include "firmware/app/interrupt.h"
#include "firmware/app/job_worker.h"
#include "firmware/app/live_camera.h"
#include "firmware/app/notify.h"
#include "firmware/cloud/catalog.h"
#include "firmware/ui/screens.h"
#include "hal/input.h"

namespace snapstage::app {
namespace {

enum class Mode : uint8_t { Ready, Countdown, Uploading, Processing, Result, Error };
const char* modeName(Mode m) {
    constexpr const char* kNames[] = {"ready",      "countdown", "uploading",
                                      "processing", "result",    "error"};
    return kNames[static_cast<int>(m)];
}

// What the visitor reads when something went wrong: what happened and what happens next.
void plainWords(Errc code, const char* detail, FixedString<256>& out) {
    if (code == Errc::TlsNotYetValid)
        out.assign(
            "The clock is not set yet: waiting for network time. The photo is saved and "
            "will be sent then.");
    else if (cloud::isTransient(Error(code, "")))
        out.assign("No network: the photo is saved and will be sent when the network is back.");
    else if (code == Errc::ApiJobFailed)
        out.format("The service could not process this photo. Try another angle. (%.120s)", detail);
    else if (code == Errc::ApiRejected)
        out.format("The service refused the photo: %.160s", detail);
    else if (code == Errc::StorageFull)
        out.assign("The device's storage is full: the photo could not be kept. Call for help.");
    else if ((static_cast<unsigned>(code) >> 8) == 0x02)
        out.format("The camera is not working: %.160s", detail);
    else
        out.format("%.200s", detail);
}

struct Row {
    const cloud::Widget* widget;
    size_t value;
};

// "living-room" as "Living room", and the widget purposes as a visitor says them.
void title(std::string_view slug, FixedString<48>& out) {
    if (slug == "space") slug = "room";
    if (slug == "darkness-factor") slug = "light";
    char text[48];
    size_t n = std::min(slug.size(), sizeof text);
    for (size_t i = 0; i < n; ++i)
        text[i] = slug[i] == '-' ? ' ' : slug[i];
    if (n && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
    out.assign(std::string_view(text, n));
}

class Kiosk {
public:
    Kiosk(Runtime& rt, const KioskOptions& o) noexcept : rt_(rt), o_(o), worker_(rt) {}
    int run() noexcept;

private:
    Status init() noexcept;
    uint32_t previewFps(const hal::CameraInfo& ci) noexcept;
    void setMode(Mode m) noexcept;
    Status draw(const ImageView* preview = nullptr) noexcept;
    bool previewing() const noexcept {
        return (mode_ == Mode::Ready || mode_ == Mode::Countdown) && camera_.live();
    }
    void showPreview(int64_t t) noexcept;
    void onInput(const hal::InputEvent& e) noexcept;
    void onNews(const WorkerNews& n) noexcept;
    void capture() noexcept;
    void showError(Errc code, const char* detail) noexcept;
    Status loadResult(const WorkerNews& n) noexcept;
    void chooserInit() noexcept;
    void request(cloud::JobRequest& out) noexcept;
    int64_t now() const noexcept { return rt_.clock().monotonicMs(); }

    Runtime& rt_;
    KioskOptions o_;
    JobWorker worker_;
    Events& events_ = rt_.context().events;
    LiveCamera camera_;
    std::unique_ptr<hal::Display> display_;
    std::unique_ptr<hal::Input> input_;
    image::Encoder encoder_;
    ui::Screens screens_;
    ControlSocket control_;
    ServiceNotifier notifier_;
    ui::Rect previewShown_;  // the preview's place in the last screen.shown event
    Mode mode_ = Mode::Ready;
    int64_t modeSinceMs_ = 0;
    bool dirty_ = true;
    bool quit_ = false;
    int exit_ = 0;
    int shots_ = 0;
    jobs::JobId current_;
    uint64_t sent_ = 0, total_ = 0;
    int64_t etaS_ = -1;
    FixedString<256> error_;
    Row rows_[4] = {};
    size_t rowCount_ = 0;
    int focused_ = 0;
    int resultView_ = 0;  // 0 both, 1 after, 2 before
    std::span<const std::byte> photo_;
    FixedString<net::Url::kCapacity> link_;
    std::unique_ptr<std::byte[]> before_, after_;
    size_t beforeBytes_ = 0, afterBytes_ = 0;
    static constexpr size_t kImageBytes = 32u << 20;
    std::unique_ptr<cloud::JobRequest> request_ = std::make_unique<cloud::JobRequest>();
};

void Kiosk::chooserInit() noexcept {
    if (rt_.vendor() != cloud::Vendor::AiHomeDesignV3) return;
    const cloud::Tool* tool = cloud::findV3Tool(rt_.context().config.service.tool);
    if (!tool) return;
    for (const cloud::Widget& w : tool->widgets) {
        if (w.multi || w.items.empty() || rowCount_ == std::size(rows_)) continue;
        Row row{&w, 0};
        // The config's choice is the default.
        char slug[160];
        std::snprintf(slug, sizeof slug, "widget-%s-%s", w.purpose, tool->slug);
        for (const auto& [widget, items] : rt_.context().config.service.widgets)
            if (widget == slug && !items.empty())
                for (size_t i = 0; i < w.items.size(); ++i) {
                    char item[256];
                    std::snprintf(item, sizeof item, "item-%s-%s", w.items[i], slug);
                    if (items[0] == item || items[0] == w.items[i]) row.value = i;
                }
        rows_[rowCount_++] = row;
    }
}

void Kiosk::request(cloud::JobRequest& out) noexcept {
    cloud::ParamText params[cloud::kMaxParams];
    size_t n = 0;
    if (rt_.vendor() == cloud::Vendor::AiHomeDesignV3) {
        for (size_t i = 0; i < rowCount_; ++i)
            params[n++] = {rows_[i].widget->purpose, rows_[i].widget->items[rows_[i].value]};
    } else {
        for (const auto& [widget, items] : rt_.context().config.service.widgets)
            for (const auto& item : items)
                if (n < cloud::kMaxParams) params[n++] = {widget, item};
    }
    out = cloud::JobRequest{};
    Status st = cloud::resolveJob(rt_.vendor(), rt_.context().config.service.tool,
                                  std::span(params, n), {}, out);
    if (!st) events_.say("warning: %s", st.error().message());
}

Status Kiosk::init() noexcept {
    SNAPSTAGE_TRY(rt_.openService({}));
    SNAPSTAGE_TRY(rt_.openSpool());
    SNAPSTAGE_TRY(rt_.ownSpool(true));
    rt_.writeMetrics();
    auto display = rt_.display();
    if (!display) return fail(display.error());
    display_ = std::move(*display);
    hal::DisplayInfo di = display_->info();
    SNAPSTAGE_TRY(screens_.init(di.width, di.height));
    auto camera = rt_.camera();
    if (!camera) return fail(camera.error());
    hal::CameraInfo ci = (*camera)->info();
    camera_.reset(std::move(*camera), previewFps(ci));
    SNAPSTAGE_TRY(rt_.encoder(encoder_, ci.width, ci.height));
    auto input = hal::makeInput(rt_.context().config.input);
    if (!input) return fail(input.error().withContext("input"));
    input_ = std::move(*input);
    if (Status st = input_->init(); !st) return fail(st.error().withContext("input"));
    before_.reset(new (std::nothrow) std::byte[kImageBytes]);
    after_.reset(new (std::nothrow) std::byte[kImageBytes]);
    if (!before_ || !after_) return fail(Errc::NoMemory, "no memory for the result images");
    FixedString<fs::kMaxPathBytes> incoming;
    incoming.format("%.*s/incoming", static_cast<int>(rt_.spool().dir().size()),
                    rt_.spool().dir().data());
    SNAPSTAGE_TRY(fs::makeDirs(incoming.c_str()));
    if (!o_.control.empty()) SNAPSTAGE_TRY(control_.open(o_.control));
    events_.setTee(&control_);
    chooserInit();
    SNAPSTAGE_TRY(worker_.start(o_.retryMs));
    events_.emit("kiosk.ready", {{"display", di.backend},
                                 {"width", di.width},
                                 {"height", di.height},
                                 {"camera", ci.backend},
                                 {"preview_fps", camera_.previewFps()},
                                 {"input", input_->info().backend},
                                 {"control", std::string_view(o_.control)}});
    events_.say("kiosk ready: camera %s %ux%u, display %s %ux%u, input %s", ci.backend, ci.width,
                ci.height, di.backend, di.width, di.height, input_->info().backend);
    return okStatus();
}

// The preview rate: the config's, when the camera streams and the screens can show its frames.
uint32_t Kiosk::previewFps(const hal::CameraInfo& ci) noexcept {
    const uint32_t fps = rt_.context().config.previewFps;
    if (!fps) return 0;
    if (!ci.streams) {
        events_.say("no live preview: the %s camera does not stream", ci.backend);
        return 0;
    }
    if (Status st = screens_.initPreview(ci.format); !st) {
        events_.say("no live preview: %s", st.error().message());
        return 0;
    }
    events_.say("live preview at up to %u frames a second (%s%s)", fps,
                ci.format == PixelFormat::Mjpeg ? "TurboJPEG, then " : "",
                image::to_string(screens_.previewScaler().path()));
    return fps;
}

void Kiosk::showPreview(int64_t t) noexcept {
    auto frame = camera_.newest(0);
    if (!frame) {
        camera_.notYet(t);  // input is read meanwhile
        if (frame.error().code() == Errc::CameraTimeout) return;
        events_.say("warning: live preview stopped: %s", frame.error().message());
        camera_.stop();
        return;
    }
    camera_.shown(t);
    if (Status st = draw(&frame->frame()); !st) events_.say("warning: %s", st.error().message());
}

void Kiosk::setMode(Mode m) noexcept {
    // The camera streams while the ready screen shows it, and on until the photo is taken.
    if (m == Mode::Ready && camera_.previewFps())
        if (Status st = camera_.start(now()); !st)
            events_.say("warning: no live preview: %s", st.error().message());
    if (m != Mode::Ready && m != Mode::Countdown) camera_.stop();
    mode_ = m;
    modeSinceMs_ = now();
    dirty_ = true;
    events_.emit("kiosk.state", {{"state", modeName(m)}});
    char status[64];
    std::snprintf(status, sizeof status, "%s", modeName(m));
    notifier_.status(status);
}

void Kiosk::showError(Errc code, const char* detail) noexcept {
    plainWords(code, detail, error_);
    events_.emit("kiosk.error", {{"code", to_string(code)}, {"message", error_.view()}});
    setMode(Mode::Error);
}

void Kiosk::capture() noexcept {
    ui::ScreenState flash;
    flash.kind = ui::ScreenKind::Capture;
    if (auto f = display_->frame(); f && screens_.render(flash, *f)) (void)display_->present();
    // The same open camera as the preview's, still streaming or started now.
    Status st = camera_.start(now());
    auto frame = st ? camera_.newest(5000) : Result<hal::FrameLease>(fail(st.error()));
    if (!frame) {
        camera_.stop();
        showError(frame.error().code(), frame.error().message());
        return;
    }
    int64_t wall = rt_.clock().wallSeconds();
    const Config& cfg = rt_.context().config;
    image::ExifInfo exif{wall >= 1577836800 ? wall : 0, cfg.board.make, cfg.board.model,
                         static_cast<uint16_t>(cfg.jpeg.orientation)};
    auto jpeg = encoder_.encode(frame->frame(), exif);
    frame->reset();
    camera_.stop();
    if (!jpeg) {
        showError(jpeg.error().code(), jpeg.error().message());
        return;
    }
    FixedString<fs::kMaxPathBytes> path;
    path.format("%.*s/incoming/photo-%lld-%d.jpg", static_cast<int>(rt_.spool().dir().size()),
                rt_.spool().dir().data(), static_cast<long long>(wall), ++shots_);
    if (Status w = fs::writeFileAtomic(path.view(), *jpeg); !w) {
        showError(w.error().code(), w.error().message());
        return;
    }
    events_.emit("capture.done", {{"path", path.view()}, {"bytes", jpeg->size()}});
    photo_ = *jpeg;  // the encoder's buffer: shown while the job runs, until the next photo
    request(*request_);
    if (!worker_.submit(path.view(), *request_)) {
        showError(Errc::Overflow, "Too many photos are waiting: please wait a moment.");
        return;
    }
    sent_ = total_ = 0;
    etaS_ = -1;
    setMode(Mode::Uploading);
}

Status Kiosk::loadResult(const WorkerNews& n) noexcept {
    auto b = fs::readInto(n.photo.c_str(), std::span(before_.get(), kImageBytes));
    if (!b) return fail(b.error());
    auto a = fs::readInto(n.result.c_str(), std::span(after_.get(), kImageBytes));
    if (!a) return fail(a.error());
    beforeBytes_ = *b;
    afterBytes_ = *a;
    return okStatus();
}

void Kiosk::onNews(const WorkerNews& n) noexcept {
    switch (n.kind) {
        case WorkerNews::Kind::Created:
            current_ = n.job;
            events_.emit("job.created", {{"job", n.job.view()}});
            break;
        case WorkerNews::Kind::Upload:
            sent_ = n.sent;
            total_ = n.total;
            events_.progress("upload.progress", "upload", n.sent, n.total, {{"job", n.job.view()}});
            if (mode_ == Mode::Uploading) dirty_ = true;
            break;
        case WorkerNews::Kind::Status:
            etaS_ = n.etaS;
            events_.emit(
                "job.status",
                {{"job", n.job.view()}, {"state", cloud::to_string(n.state)}, {"eta_s", n.etaS}});
            if (mode_ == Mode::Uploading) setMode(Mode::Processing);
            if (mode_ == Mode::Processing) dirty_ = true;
            break;
        case WorkerNews::Kind::Done: {
            events_.emit("job.done", {{"job", n.job.view()}, {"result", n.result.view()}});
            // A result shows when the kiosk waits for it, or when it is idle (a job resumed).
            if (mode_ != Mode::Ready && !(n.job == current_.view())) break;
            if (Status st = loadResult(n); !st) {
                showError(st.error().code(), st.error().message());
                break;
            }
            events_.emit(
                "kiosk.result",
                {{"job", n.job.view()}, {"before", n.photo.view()}, {"after", n.result.view()}});
            resultView_ = 0;
            link_ = n.link;
            setMode(Mode::Result);
            break;
        }
        case WorkerNews::Kind::Failed:
            events_.emit("job.failed", {{"job", n.job.view()},
                                        {"code", to_string(n.code)},
                                        {"resumable", n.resumable},
                                        {"message", n.message.view()}});
            if (n.code == Errc::Interrupted) break;
            if (mode_ != Mode::Ready || n.job == current_.view()) {
                showError(n.code, n.message.c_str());
                // --once ends the process on this failure: say why, not only on the screen.
                if (o_.once) {
                    exit_ = toInt(exitFor(n.code));
                    events_.say("job %s failed: %s", n.job.c_str(), n.message.c_str());
                }
            }
            break;
        case WorkerNews::Kind::Queued:
            break;
    }
}

void Kiosk::onInput(const hal::InputEvent& e) noexcept {
    events_.emit("input", {{"kind", hal::to_string(e.kind)}, {"x", e.x}, {"y", e.y}});
    if (e.kind == hal::InputKind::Quit) {
        quit_ = true;
        return;
    }
    switch (mode_) {
        case Mode::Ready: {
            bool onChooser =
                e.kind == hal::InputKind::Tap && rowCount_ && e.y >= 2500 && e.y < 7000;
            if (e.kind == hal::InputKind::LongPress || onChooser) {
                // Long press: the next value of the focused row; a tap picks a row's next value.
                size_t row =
                    onChooser
                        ? std::min<size_t>(rowCount_ - 1,
                                           static_cast<size_t>((e.y - 2500) *
                                                               static_cast<int>(rowCount_) / 4500))
                        : static_cast<size_t>(focused_);
                if (rowCount_) {
                    Row& r = rows_[row];
                    r.value = (r.value + 1) % r.widget->items.size();
                    focused_ = static_cast<int>(row);
                    dirty_ = true;
                }
                break;
            }
            setMode(Mode::Countdown);
            break;
        }
        case Mode::Result:
            if (e.kind == hal::InputKind::LongPress) {
                setMode(Mode::Ready);
            } else {
                resultView_ = (resultView_ + 1) % 3;  // both, after, before
                dirty_ = true;
            }
            break;
        case Mode::Error:
            setMode(Mode::Ready);
            break;
        default:
            break;  // counting down or busy with a job: the press waits for the result
    }
}

Status Kiosk::draw(const ImageView* preview) noexcept {
    ui::ScreenState s;
    ui::Choice choices[4];
    FixedString<48> labels[4], values[4];
    int64_t inMode = now() - modeSinceMs_;
    switch (mode_) {
        case Mode::Ready:
            s.kind = ui::ScreenKind::Ready;
            s.message = worker_.unfinished() > 0
                            ? "Press the button to take a photo. Photos waiting for the network "
                              "will be sent when it is back."
                            : "Press the button to take a photo. Hold it to change the style.";
            for (size_t i = 0; i < rowCount_; ++i) {
                title(rows_[i].widget->purpose, labels[i]);
                title(rows_[i].widget->items[rows_[i].value], values[i]);
                choices[i] = {labels[i].view(), values[i].view()};
            }
            s.choices = std::span(choices, rowCount_);
            s.focused = focused_;
            s.preview = preview;
            break;
        case Mode::Countdown:
            s.kind = ui::ScreenKind::Countdown;
            s.countdown = static_cast<int>(o_.countdownS - inMode / 1000);
            s.preview = preview;
            break;
        case Mode::Uploading:
            s.kind = ui::ScreenKind::Uploading;
            s.sent = sent_;
            s.total = total_;
            s.before = photo_;
            break;
        case Mode::Processing:
            s.kind = ui::ScreenKind::Processing;
            s.etaS = etaS_;
            s.elapsedS = inMode / 1000;
            s.before = photo_;
            break;
        case Mode::Result:
            s.kind = ui::ScreenKind::Result;
            s.before = std::span(before_.get(), beforeBytes_);
            s.after = std::span(after_.get(), afterBytes_);
            if (resultView_ == 2) s.after = s.before;
            s.afterOnly = resultView_ != 0;
            s.link = link_.view();
            s.caption = resultView_ == 1 ? "After. Press to see before, hold to start again."
                                         : "Before. Press to see both, hold to start again.";
            break;
        case Mode::Error:
            s.kind = ui::ScreenKind::Error;
            s.message = error_.view();
            break;
    }
    auto frame = display_->frame();
    if (!frame) return fail(frame.error());
    auto layout = screens_.render(s, *frame);
    SNAPSTAGE_TRY(display_->present());
    const bool changed = dirty_;
    dirty_ = false;
    if (!layout) return fail(layout.error());
    // Where things are, for rigs that read the screen back: on each new screen, and when the
    // live preview moves (not for each of its frames).
    const ui::ScreenLayout& l = *layout;
    const ui::Rect& p = l.preview;
    const ui::Rect& was = previewShown_;
    if (!changed && p.x == was.x && p.y == was.y && p.w == was.w && p.h == was.h) return okStatus();
    previewShown_ = p;
    events_.emit("screen.shown", {{"screen", ui::to_string(s.kind)},
                                  {"after_x", l.after.x},
                                  {"after_y", l.after.y},
                                  {"after_w", l.after.w},
                                  {"after_h", l.after.h},
                                  {"before_x", l.before.x},
                                  {"before_y", l.before.y},
                                  {"before_w", l.before.w},
                                  {"before_h", l.before.h},
                                  {"preview_x", p.x},
                                  {"preview_y", p.y},
                                  {"preview_w", p.w},
                                  {"preview_h", p.h},
                                  {"bar_w", l.bar.w},
                                  {"bar_filled", l.barFilled.w}});
    return okStatus();
}

int Kiosk::run() noexcept {
    if (Status st = init(); !st) return events_.failure(st.error());
    InterruptGuard interrupts;
    notifier_.ready();
    setMode(Mode::Ready);
    int lastCount = -1;
    while (!quit_ && !InterruptGuard::flag()->load()) {
        int64_t t = now();
        notifier_.keepAlive(t);
        if (mode_ == Mode::Countdown) {
            int count = static_cast<int>(o_.countdownS - (t - modeSinceMs_) / 1000);
            if (count <= 0) {
                capture();
                continue;
            }
            if (count != lastCount) dirty_ = true;
            lastCount = count;
        }
        if ((mode_ == Mode::Result && t - modeSinceMs_ > o_.resultS * 1000) ||
            (mode_ == Mode::Error && t - modeSinceMs_ > o_.errorS * 1000))
            setMode(Mode::Ready);
        if (dirty_ && previewing()) showPreview(t);  // the new screen with the newest frame
        if (dirty_) {
            Mode drawn = mode_;
            if (Status st = draw(); !st) events_.say("warning: %s", st.error().message());
            if (o_.once && (drawn == Mode::Result || drawn == Mode::Error)) break;
        } else if (previewing() && camera_.due(t)) {
            showPreview(t);
        }
        pollfd fds[8];
        size_t n = 0;
        fds[n++] = {worker_.wakeFd(), POLLIN, 0};
        if (input_->pollFd() >= 0) fds[n++] = {input_->pollFd(), POLLIN, 0};
        n += control_.pollFds(fds + n, std::size(fds) - n);
        int64_t wait = mode_ == Mode::Countdown ? 100 : 1000;
        if (input_->nextWakeMs() >= 0)
            wait = std::min(wait, std::max<int64_t>(0, input_->nextWakeMs() - t));
        if (int64_t due = notifier_.keepAliveDueMs(t); due >= 0) wait = std::min(wait, due);
        // The next preview frame is due: the wait ends then, so input is read between frames.
        if (previewing()) wait = std::min(wait, camera_.waitMs(now()));
        ::poll(fds, n, static_cast<int>(wait));
        hal::InputEvent events[8];
        auto got = input_->read(events, now());
        if (got)
            for (size_t i = 0; i < *got; ++i)
                onInput(events[i]);
        ControlCommand cmd;
        while (control_.next(cmd)) {
            if (cmd.kind == ControlCommand::Kind::Capture) onInput({hal::InputKind::Press, -1, -1});
            if (cmd.kind == ControlCommand::Kind::Quit) quit_ = true;
            if (cmd.kind == ControlCommand::Kind::Status)
                events_.emit("kiosk.status", {{"state", modeName(mode_)},
                                              {"unfinished", worker_.unfinished()},
                                              {"job", current_.view()}});
            if (cmd.kind == ControlCommand::Kind::Show) {
                WorkerNews fake;
                fake.photo.assign(cmd.path.view());
                fake.result.assign(cmd.path.view());
                if (loadResult(fake)) {
                    resultView_ = 1;
                    setMode(Mode::Result);
                }
            }
        }
        WorkerNews news;
        while (worker_.next(news))
            onNews(news);
    }
    events_.emit("kiosk.stopped", {{"unfinished", worker_.unfinished()}});
    notifier_.stopping();
    worker_.stop();
    events_.setTee(nullptr);
    return exit_;
}

}  // namespace

int runKiosk(Runtime& rt, const KioskOptions& options) noexcept {
    auto kiosk = std::make_unique<Kiosk>(rt, options);
    return kiosk->run();
}

}  // namespace snapstage::app
