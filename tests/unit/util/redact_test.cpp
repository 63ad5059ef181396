// SPDX-License-Identifier: MIT
// Tests of the secret registry and redaction, and of the log writer applying it.
#include "firmware/util/redact.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "firmware/util/log.h"

namespace snapstage::redact {
namespace {

class RedactTest : public ::testing::Test {
protected:
    void SetUp() override { clearForTesting(); }
    void TearDown() override { clearForTesting(); }
    static std::string applied(std::string_view text) {
        char out[512];
        return std::string(scrub(text, out));
    }
};

TEST_F(RedactTest, MasksEveryOccurrenceOfEachSecret) {
    // Given two registered secrets
    ASSERT_TRUE(add("sk-live-0123456789"));
    ASSERT_TRUE(add("hunter2-hunter2"));
    // Then each occurrence, anywhere, is masked, and other text is left alone
    EXPECT_EQ(applied("401: {\"x-api-key\":\"sk-live-0123456789\"} hunter2-hunter2!"),
              "401: {\"x-api-key\":\"[redacted]\"} [redacted]!");
    EXPECT_EQ(applied("sk-live-0123456789sk-live-0123456789"), "[redacted][redacted]");
    EXPECT_EQ(applied("nothing secret here"), "nothing secret here");
    EXPECT_TRUE(contains("a sk-live-0123456789 b"));
    EXPECT_FALSE(contains("sk-live-01234"));
}

TEST_F(RedactTest, MasksASecretCutShortAtTheEndOfTheText) {
    ASSERT_TRUE(add("sk-live-0123456789"));
    // A message truncated in the middle of the key (a 200-byte error body, an Error's capacity)
    EXPECT_EQ(applied("key was sk-live-01234"), "key was [redacted]");
    EXPECT_EQ(applied("key was sk-live-01234..."), "key was [redacted]");
    // but a short common prefix in mid-text is not a secret
    EXPECT_EQ(applied("sk-live-01234 and more"), "sk-live-01234 and more");
}

TEST_F(RedactTest, RefusesShortLongAndTooManySecrets) {
    EXPECT_FALSE(add("short"));
    EXPECT_FALSE(add(std::string(kMaxSecretBytes + 1, 'x')));
    EXPECT_EQ(count(), 0u);
    EXPECT_EQ(applied("short"), "short");
    for (size_t i = 0; i < kMaxSecrets; ++i) {
        char name[32];  // (not string + to_string: GCC 12 -O3 warns -Wrestrict on armhf)
        std::snprintf(name, sizeof name, "secret-number-%zu", i);
        ASSERT_TRUE(add(name));
    }
    EXPECT_TRUE(add("secret-number-0"));  // already held
    EXPECT_FALSE(add("one-secret-too-many"));
    EXPECT_EQ(count(), kMaxSecrets);
}

TEST_F(RedactTest, HeaderValuesRegisterTheirCredentialParts) {
    ASSERT_TRUE(addHeaderValue("Bearer abcdefghijkl"));
    ASSERT_TRUE(addHeaderValue("session=0123456789abcdef; theme=dark"));
    EXPECT_EQ(applied("token abcdefghijkl"), "token [redacted]");
    EXPECT_EQ(applied("cookie 0123456789abcdef"), "cookie [redacted]");
    EXPECT_EQ(applied("theme=dark"), "theme=dark");  // too short to be a secret
}

TEST_F(RedactTest, StopsAtTheEndOfTheOutputBuffer) {
    ASSERT_TRUE(add("0123456789"));
    char out[8];
    EXPECT_EQ(scrub("ab0123456789", out), "ab[redac");
}

TEST_F(RedactTest, TheLogWriterMasksSecretsAndEscapesControls) {
    // Given a registered secret and a log sink
    ASSERT_TRUE(add("sk-live-0123456789"));
    std::FILE* sink = std::tmpfile();
    log::setSink(sink);
    // When a message holding it and an escape sequence is logged
    log::write(log::Level::Warn, "server said %s\x1b[2J", "key=sk-live-0123456789");
    log::setSink(nullptr);
    std::fflush(sink);
    std::rewind(sink);
    char buf[256] = {};
    size_t n = std::fread(buf, 1, sizeof buf - 1, sink);
    std::fclose(sink);
    // Then the line holds neither
    EXPECT_EQ(std::string(buf, n), "snapstage: warning: server said key=[redacted]\\x1b[2J\n");
}

}  // namespace
}  // namespace snapstage::redact
