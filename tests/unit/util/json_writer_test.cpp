// SPDX-License-Identifier: MIT
// Tests of the JSON text writer.
#include "firmware/util/json_writer.h"

#include <gtest/gtest.h>

#include "firmware/util/json.h"

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

}  // namespace
}  // namespace snapstage
