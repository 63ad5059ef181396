// SPDX-License-Identifier: MIT
// Tests of --json events and human output.
#include "firmware/app/events.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "firmware/util/json.h"

namespace snapstage::app {
namespace {

std::string drain(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[512];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        s.append(buf, n);
    return s;
}

TEST(Events, JsonModeWritesOneParsableObjectPerLine) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Events ev(true, 0, out, err);
    ev.emit("capture.done", {{"path", "a \"b\".jpg"}, {"bytes", 1234}, {"ok", true}});
    ev.progress("upload.progress", "upload", 100, 100, {{"job", "j1"}});
    std::string text = drain(out);
    size_t nl = text.find('\n');
    ASSERT_NE(nl, std::string::npos);
    auto first = json::Document::parse(text.substr(0, nl));
    ASSERT_TRUE(first.ok()) << text;
    EXPECT_EQ(first->root().get("event").asString(), "capture.done");
    EXPECT_EQ(first->root().get("path").asString(), "a \"b\".jpg");
    auto second = json::Document::parse(text.substr(nl + 1));
    ASSERT_TRUE(second.ok()) << text;
    EXPECT_EQ(second->root().get("job").asString(), "j1");
    EXPECT_EQ(second->root().get("total").asDouble(), 100);
    std::fclose(out);
    std::fclose(err);
}

TEST(Events, FailureGoesToStderrAndAsAnEventWithTheExitCode) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Events ev(true, 0, out, err);
    int code = ev.failure(Error(Errc::CameraBusy, "camera /dev/video0 is busy"));
    EXPECT_EQ(code, 5);
    EXPECT_EQ(drain(err), "snapstage: camera /dev/video0 is busy\n");
    auto doc = json::Document::parse(drain(out));
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->root().get("event").asString(), "error");
    EXPECT_EQ(doc->root().get("code").asString(), "device");
    std::fclose(out);
    std::fclose(err);
}

TEST(Events, WithoutJsonStdoutStaysEmptyAndQuietSilencesSay) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Events quiet(false, -1, out, err);
    quiet.emit("x");
    quiet.say("hello");
    EXPECT_EQ(drain(out), "");
    EXPECT_EQ(drain(err), "");
    std::fclose(out);
    std::fclose(err);
}

}  // namespace
}  // namespace snapstage::app
