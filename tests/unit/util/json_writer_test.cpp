// SPDX-License-Identifier: MIT
// Tests of the JSON text writer.
#include "firmware/util/json_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "firmware/util/json.h"
#include "firmware/util/text.h"

namespace snapstage {
namespace {

TEST(JsonWriter, WritesNestedValuesWithEscapes) {
    char buf[256];
    JsonWriter w(buf);
    w.beginObject()
        .key("name")
        .value("a\"b\\c\n\x01")
        .key("n")
        .value(-5)
        .key("u")
        .value(uint64_t{18446744073709551615u})
        .key("list")
        .beginArray()
        .value(true)
        .null()
        .value(1.5)
        .endArray()
        .key("empty")
        .beginObject()
        .endObject()
        .endObject();
    ASSERT_FALSE(w.overflowed());
    EXPECT_EQ(w.text(), R"({"name":"a\"b\\c\n\u0001","n":-5,"u":18446744073709551615,)"
                        R"("list":[true,null,1.5],"empty":{}})");
    auto doc = json::Document::parse(w.text());
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(doc->root().get("name").asString(), "a\"b\\c\n\x01");
}

TEST(JsonWriter, ReportsOverflowInsteadOfGrowing) {
    char buf[8];
    JsonWriter w(buf);
    w.beginObject().key("long key").value("long value").endObject();
    EXPECT_TRUE(w.overflowed());
    EXPECT_LE(w.text().size(), sizeof buf);
}

TEST(JsonWriter, ReplacesInvalidUtf8AndEscapesEveryControlCharacter) {
    struct Case {
        std::string in;
        std::string out;  // the JSON string written, quotes included
    } cases[] = {
        {"\xff\xfe", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},                  // invalid bytes: U+FFFD each
        {"k\xc3", "\"k\xEF\xBF\xBD\""},                                // a sequence cut short
        {"\xc0\xaf", "\"\xEF\xBF\xBD\xEF\xBF\xBD\""},                  // overlong '/'
        {"\xed\xa0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""},  // a surrogate
        {"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""},  // valid UTF-8 kept
        {"\x1b[31mred", "\"\\u001b[31mred\""},                         // ESC escaped
        {"del\x7f", "\"del\\u007f\""},                                 // DEL escaped
        {"csi\xc2\x9b", "\"csi\\u009b\""},                             // C1 CSI escaped
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.out);
        // Given a string of bytes from outside
        char buf[128];
        JsonWriter w(buf);
        // When it is written as a JSON string
        w.value(c.in);
        // Then the text is valid UTF-8 with no raw control character, as expected
        EXPECT_EQ(std::string(w.text()), c.out);
        EXPECT_EQ(text::firstInvalidUtf8(w.text()), std::string_view::npos);
    }
}

TEST(JsonWriter, KeysAreCleanedLikeValues) {
    char buf[64];
    JsonWriter w(buf);
    w.beginObject().key("bad\xff\x1b").value(1).endObject();
    EXPECT_EQ(std::string(w.text()), "{\"bad\xEF\xBF\xBD\\u001b\":1}");
}

}  // namespace
}  // namespace snapstage
