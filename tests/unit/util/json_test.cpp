// SPDX-License-Identifier: MIT
// Tests of the cJSON wrapper.
#include "firmware/util/json.h"

#include <gtest/gtest.h>

namespace snapstage::json {
namespace {

TEST(Json, ParsesAndWalksTypedValues) {
    auto doc = Document::parse(R"({"a": 1, "b": "two", "c": [true, null, 2.5], "d": {}})");
    ASSERT_TRUE(doc.ok()) << doc.error().message();
    Value root = doc->root();
    int64_t a = 0;
    EXPECT_TRUE(root.get("a").asInt64(a));
    EXPECT_EQ(a, 1);
    EXPECT_EQ(root.get("b").asString(), "two");
    EXPECT_EQ(root.get("c").size(), 3);
    EXPECT_TRUE(root.get("c").at(0).asBool());
    EXPECT_TRUE(root.get("c").at(1).isNull());
    EXPECT_FALSE(root.get("c").at(2).asInt64(a));  // not integral
    EXPECT_TRUE(root.get("d").isObject());
    EXPECT_FALSE(root.get("missing").valid());
    int members = 0;
    for (Value v : root) {
        EXPECT_FALSE(v.name().empty());
        ++members;
    }
    EXPECT_EQ(members, 4);
}

TEST(Json, SyntaxErrorsNameLineAndColumn) {
    auto doc = Document::parse("{\n  \"a\": 1,\n  \"b\": ]\n}");
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.error().code(), Errc::StorageFormat);
    EXPECT_NE(std::string(doc.error().message()).find("line 3"), std::string::npos)
        << doc.error().message();
}

TEST(Json, TrailingTextIsAnError) {
    auto doc = Document::parse("{} {}");
    ASSERT_FALSE(doc.ok());
    EXPECT_NE(std::string(doc.error().message()).find("after the JSON value"), std::string::npos);
}

TEST(Json, ParsesIntoAnArenaWithoutTheHeap) {
    Arena arena;
    ASSERT_TRUE(arena.init(4096));
    {
        auto doc = Document::parse(R"({"status": "done", "ids": ["x", "y"]})", &arena);
        ASSERT_TRUE(doc.ok());
        EXPECT_EQ(doc->root().get("status").asString(), "done");
        EXPECT_GT(arena.used(), 0u);
    }
    arena.reset();
    EXPECT_EQ(arena.used(), 0u);
}

TEST(Json, ArenaExhaustionIsReportedAsNoMemory) {
    Arena arena;
    ASSERT_TRUE(arena.init(256));
    auto doc = Document::parse(R"({"a": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                  "b": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                                  "c": "ccccccccccccccccccccccccccccccccccccccccccccccccc"})",
                               &arena);
    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.error().code(), Errc::NoMemory);
}

}  // namespace
}  // namespace snapstage::json
