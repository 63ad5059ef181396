// SPDX-License-Identifier: MIT
// Tests of each adapter's reading of the service's answers: both body forms, src and temp_src,
// and a missing or mistyped field named with its call.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "firmware/cloud/adapters.h"

namespace snapstage::cloud {
namespace {

class ReadersTest : public ::testing::Test {
protected:
    json::Value parse(const char* text) {
        auto d = json::Document::parse(text);
        EXPECT_TRUE(d.ok()) << text;
        doc_ = std::move(*d);
        return unwrapData(doc_.root());
    }
    json::Document doc_;
    std::unique_ptr<Remote> r_ = std::make_unique<Remote>();
};

TEST_F(ReadersTest, V3OrderInBothFormsKeepsTheOrderAndAssetIds) {
    for (
        const char* body :
        {R"({"data":{"order_id":"aa11","assets":[{"id":"p1","asset_role":"primary_angle"},{"id":"s2","asset_role":"secondary_angle"}]},"message":"ok"})",
         R"({"order_id":"aa11","assets":[{"id":"p1"},{"id":"s2"}]})"}) {
        r_ = std::make_unique<Remote>();
        ASSERT_TRUE(readV3Order(parse(body), *r_).ok()) << body;
        EXPECT_EQ(r_->order.view(), "aa11");
        EXPECT_EQ(r_->assets[0].view(), "p1");
        EXPECT_EQ(r_->assets[1].view(), "s2");
    }
}

TEST_F(ReadersTest, V3ProcessResultsFromSrcElseTempSrc) {
    auto done = readV3Process(
        parse(
            R"({"status":"done","final_assets":[{"src":"https://cdn.example/a.jpg"},{"temp_src":"https://cdn.example/b.jpg"}]})"),
        *r_);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->state, RemoteState::Done);
    ASSERT_EQ(r_->resultCount, 2u);
    EXPECT_EQ(r_->results[1].view(), "https://cdn.example/b.jpg");
    auto pending = readV3Process(parse(R"({"status":"pending"})"), *r_);
    ASSERT_TRUE(pending.ok());
    EXPECT_EQ(pending->state, RemoteState::Pending);
    auto failed = readV3Process(parse(R"({"status":"failed","error":"no room found"})"), *r_);
    ASSERT_TRUE(failed.ok());
    EXPECT_EQ(failed->state, RemoteState::Failed);
    EXPECT_EQ(failed->message.view(), "no room found");
}

TEST_F(ReadersTest, AMissingOrMistypedFieldNamesTheFieldAndTheCall) {
    auto noStatus = readV3Process(parse(R"({"final_assets":[]})"), *r_);
    ASSERT_FALSE(noStatus.ok());
    EXPECT_EQ(noStatus.error().code(), Errc::ApiResponse);
    EXPECT_STREQ(noStatus.error().message(), "read the process: the answer has no \"status\"");
    auto typed = readV3Order(parse(R"({"order_id":42,"assets":[]})"), *r_);
    ASSERT_FALSE(typed.ok());
    EXPECT_STREQ(typed.error().message(), "create order: \"order_id\" is a number, not a string");
    auto badUrl =
        readV3Process(parse(R"({"status":"done","final_assets":[{"src":"ftp://x/y"}]})"), *r_);
    ASSERT_FALSE(badUrl.ok());
    EXPECT_NE(std::string(badUrl.error().message()).find("\"src\""), std::string::npos);
    auto badId = readV3Order(parse(R"({"order_id":"../../etc","assets":[{"id":"p"}]})"), *r_);
    ASSERT_FALSE(badId.ok());
}

TEST_F(ReadersTest, V1OrderIsDoneWhenEveryGeneratedImageIsFinished) {
    auto working = readV1Order(
        parse(R"({"status":"processing","generated_images":[{"status":"processing"}]})"), *r_);
    ASSERT_TRUE(working.ok());
    EXPECT_EQ(working->state, RemoteState::Processing);
    auto done = readV1Order(
        parse(
            R"({"generated_images":[{"status":"regular_finished","src":"https://s3.example/a.jpeg"}]})"),
        *r_);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->state, RemoteState::Done);
    EXPECT_EQ(r_->results[0].view(), "https://s3.example/a.jpeg");
    auto failed = readV1Order(parse(R"({"generated_images":[{"status":"failed"}]})"), *r_);
    ASSERT_TRUE(failed.ok());
    EXPECT_EQ(failed->state, RemoteState::Failed);
}

TEST_F(ReadersTest, AutoenhanceCreatedTakesUploadUrlElseS3PutObjectUrl) {
    r_->image.assign("abc-1");
    ASSERT_TRUE(
        readAeCreated(
            parse(R"({"image_id":"abc-1","s3PutObjectUrl":"https://s3.example/put?x=1"})"), *r_)
            .ok());
    EXPECT_EQ(r_->uploadUrl.view(), "https://s3.example/put?x=1");
    EXPECT_FALSE(readAeCreated(parse(R"({"image_id":"abc-1"})"), *r_).ok());
    EXPECT_FALSE(
        readAeCreated(parse(R"({"image_id":"other","upload_url":"https://s3.example/p"})"), *r_)
            .ok());
    auto done = readAeImage(parse(R"({"status":"processed","enhanced":true})"), *r_);
    ASSERT_TRUE(done.ok());
    EXPECT_EQ(done->state, RemoteState::Done);
    EXPECT_EQ(r_->results[0].view(), "/v3/images/abc-1/enhanced?preview=false");
    auto err =
        readAeImage(parse(R"({"status":"error","error":true,"status_reason":"blurred"})"), *r_);
    ASSERT_TRUE(err.ok());
    EXPECT_EQ(err->message.view(), "blurred");
}

}  // namespace
}  // namespace snapstage::cloud
