// SPDX-License-Identifier: MIT
// Tests of --json events and human output.
#include "firmware/app/events.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "firmware/util/json.h"
#include "firmware/util/redact.h"
#include "firmware/util/text.h"

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
    quiet.show("asked for");  // output the user asked for is shown even with -q
    EXPECT_EQ(drain(err), "asked for\n");
    std::fclose(out);
    std::fclose(err);
}

TEST(Events, BadBytesInAMessageGiveValidJsonAndNoRawControlsOnStderr) {
    // Given an error whose message holds a key from a config file: 0xFF and an escape sequence
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Events ev(true, 0, out, err);
    // When it is reported
    ev.failure(Error(Errc::Config, "c.json: jpeg.\xff\x1b[2Jx: unknown key"));
    ev.say("said \x1b]0;title\x07 and \xc2\x9b");
    // Then the event is valid UTF-8 JSON with U+FFFD for the bad byte and the escape escaped
    const std::string events = drain(out);
    EXPECT_EQ(text::firstInvalidUtf8(events), std::string::npos) << events;
    auto doc = json::Document::parse(events);
    ASSERT_TRUE(doc.ok()) << events;
    EXPECT_EQ(doc->root().get("message").asString(),
              "c.json: jpeg.\xEF\xBF\xBD\x1b[2Jx: unknown key");
    EXPECT_NE(events.find("\\u001b"), std::string::npos) << events;
    // And stderr shows both visibly, with no control character but the line ends
    const std::string human = drain(err);
    EXPECT_EQ(human,
              "snapstage: c.json: jpeg.\\xff\\x1b[2Jx: unknown key\n"
              "said \\x1b]0;title\\x07 and \\u009b\n");
    std::fclose(out);
    std::fclose(err);
}

TEST(Events, RegisteredSecretsAreMaskedInEveryOutput) {
    // Given a registered secret
    redact::clearForTesting();
    ASSERT_TRUE(redact::add("sk-test-9876543210"));
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    Events ev(true, 1, out, err);
    // When it reaches an event field, a human line and an error, from wherever
    ev.emit("fetch.done", {{"url", "https://h/?key=sk-test-9876543210"}});
    ev.detail("echo: %s", "x-api-key: sk-test-9876543210");
    ev.failure(Error(Errc::ApiRejected, "401: {\"key\":\"sk-test-9876543210\"}"));
    redact::clearForTesting();
    // Then it appears nowhere, masked everywhere
    const std::string events = drain(out), human = drain(err);
    EXPECT_EQ(events.find("sk-test-9876543210"), std::string::npos) << events;
    EXPECT_EQ(human.find("sk-test-9876543210"), std::string::npos) << human;
    EXPECT_NE(events.find("key=[redacted]"), std::string::npos) << events;
    EXPECT_NE(events.find("\\\"key\\\":\\\"[redacted]\\\""), std::string::npos) << events;
    EXPECT_NE(human.find("x-api-key: [redacted]"), std::string::npos) << human;
    std::fclose(out);
    std::fclose(err);
}

}  // namespace
}  // namespace snapstage::app
