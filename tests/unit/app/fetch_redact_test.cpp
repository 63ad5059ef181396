// SPDX-License-Identifier: MIT
// `snapstage fetch` against an in-process server that echoes the request back, credentials and
// all, in its error body and headers: no secret reaches stderr or the --json events.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "firmware/app/commands.h"
#include "firmware/util/redact.h"
#include "firmware/util/clock.h"
#include "tests/unit/net/test_server.h"

namespace snapstage::app {
namespace {

constexpr const char* kApiKey = "sk-echo-4f9a1c2e7b3d";
constexpr const char* kToken = "tok-5e6f7a8b9c0d";

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

// A 401 whose body is the request head, with the API key echoed in a header too.
bool echoHandler(net::test::ServerConn& c) {
    std::string head = c.readHead();
    if (head.empty()) return false;
    std::string key;
    if (size_t at = head.find("x-api-key: "); at != std::string::npos)
        key = head.substr(at + 11, head.find("\r\n", at) - at - 11);
    return c.write(net::test::response(401, head, "X-Echo-Key: " + key + "\r\n"));
}

TEST(FetchRedaction, AnEchoingServerNeverGetsTheCredentialsPrinted) {
    redact::clearForTesting();
    // Given a server that echoes every request header back in its 401 reply
    net::test::TestServer server(nullptr, echoHandler);
    char outPath[] = "/tmp/snapstage-fetch-XXXXXX";
    const int fd = ::mkstemp(outPath);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    GlobalOptions options;
    options.json = true;
    Config config;
    Events events(true, 1, out, err);
    SystemClock clock;
    Context ctx{options, config, events, clock};
    // When fetch sends an API key and a bearer token to it, with -i and --json
    Args args({"http://127.0.0.1:" + std::to_string(server.port()) + "/echo", "-o", outPath, "-i",
               "-H", std::string("x-api-key: ") + kApiKey, "-H",
               std::string("Authorization: Bearer ") + kToken});
    const int code = kFetchCommand.run(ctx, args);
    redact::clearForTesting();
    ::unlink(outPath);
    // Then the request failed as rejected, and the echo was shown with both values masked
    EXPECT_EQ(code, 4);
    const std::string json = drain(out), human = drain(err);
    for (const char* secret : {kApiKey, kToken}) {
        EXPECT_EQ(json.find(secret), std::string::npos) << json;
        EXPECT_EQ(human.find(secret), std::string::npos) << human;
    }
    EXPECT_NE(human.find("X-Echo-Key: [redacted]"), std::string::npos) << human;
    EXPECT_NE(human.find("x-api-key: [redacted]"), std::string::npos) << human;
    EXPECT_NE(json.find("\"event\":\"error\""), std::string::npos) << json;
    EXPECT_NE(json.find("[redacted]"), std::string::npos) << json;
    std::fclose(out);
    std::fclose(err);
}

}  // namespace
}  // namespace snapstage::app
