// SPDX-License-Identifier: MIT
// Tests of Error and Result.
#include "firmware/util/result.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace snapstage {
namespace {

Result<int> half(int v) {
    if (v % 2) return failf(Errc::InvalidArgument, v, "%d is odd", v);
    return v / 2;
}

Status chain(int v) {
    SNAPSTAGE_TRY(half(v));
    return {};
}

TEST(Result, CarriesValueOrError) {
    auto ok = half(8);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok, 4);
    auto bad = half(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code(), Errc::InvalidArgument);
    EXPECT_EQ(bad.error().detail(), 3);
    EXPECT_STREQ(bad.error().message(), "3 is odd");
}

TEST(Result, TryPropagatesTheError) {
    EXPECT_TRUE(chain(2).ok());
    Status s = chain(5);
    ASSERT_FALSE(s.ok());
    EXPECT_STREQ(s.error().message(), "5 is odd");
}

TEST(Result, HoldsMoveOnlyAndNonTrivialValues) {
    Result<std::string> r(std::string(300, 'x'));
    Result<std::string> moved(std::move(r));
    EXPECT_EQ(moved->size(), 300u);
    moved = fail(Errc::NotFound, "gone");
    EXPECT_FALSE(moved.ok());
}

TEST(Error, LongMessagesAreTruncatedWithEllipsis) {
    std::string longText(500, 'a');
    Error e = Error::format(Errc::Internal, 0, "%s", longText.c_str());
    EXPECT_EQ(std::strlen(e.message()), Error::kMessageCapacity - 1);
    EXPECT_STREQ(e.message() + Error::kMessageCapacity - 4, "...");
}

TEST(Error, ContextIsPrefixed) {
    Error e(Errc::CameraBusy, "device busy");
    EXPECT_STREQ(e.withContext("/dev/video0").message(), "/dev/video0: device busy");
    EXPECT_EQ(e.withContext("x").code(), Errc::CameraBusy);
}

TEST(Errc, EveryCodeHasAName) {
    EXPECT_STREQ(to_string(Errc::TlsNotYetValid), "certificate not yet valid");
    EXPECT_STREQ(to_string(static_cast<Errc>(0x7777)), "unknown error");
}

}  // namespace
}  // namespace snapstage
