// SPDX-License-Identifier: MIT
// Tests of command argument parsing and exit code mapping.
#include "firmware/app/args.h"

#include <gtest/gtest.h>

#include "firmware/app/exit_codes.h"

namespace snapstage::app {
namespace {

TEST(Args, AcceptsEveryOptionForm) {
    for (auto tokens : std::vector<std::vector<std::string>>{
             {"-o", "a.jpg"}, {"-oa.jpg"}, {"--output", "a.jpg"}, {"--output=a.jpg"}}) {
        Args args(tokens);
        std::string out;
        ASSERT_TRUE(args.option("--output", 'o', out));
        EXPECT_EQ(out, "a.jpg");
        EXPECT_TRUE(args.done());
        EXPECT_TRUE(args.ok());
    }
}

TEST(Args, PositionalsFlagsAndDoubleDash) {
    Args args({"one", "--no-wait", "--", "-two"});
    std::string p;
    ASSERT_TRUE(args.positional(p));
    EXPECT_EQ(p, "one");
    EXPECT_FALSE(args.positional(p));
    EXPECT_TRUE(args.flag("--no-wait"));
    ASSERT_TRUE(args.positional(p));
    EXPECT_EQ(p, "-two");
    EXPECT_TRUE(args.done());
}

TEST(Args, UsageErrorsSayWhatIsWrong) {
    Args missing({"-o"});
    std::string out;
    EXPECT_TRUE(missing.option("--output", 'o', out));
    EXPECT_FALSE(missing.ok());
    EXPECT_STREQ(missing.error().message(), "option -o needs a value");

    Args unknown({"--frobnicate"});
    unknown.unknown();
    EXPECT_STREQ(unknown.error().message(), "unknown option '--frobnicate'");
}

TEST(ExitCodes, FollowTheDesignContract) {
    EXPECT_EQ(toInt(exitFor(Errc::Ok)), 0);
    EXPECT_EQ(toInt(exitFor(Errc::ApiJobFailed)), 1);
    EXPECT_EQ(toInt(exitFor(Errc::Config)), 2);
    EXPECT_EQ(toInt(exitFor(Errc::Usage)), 2);
    EXPECT_EQ(toInt(exitFor(Errc::TlsExpired)), 3);
    EXPECT_EQ(toInt(exitFor(Errc::NetTimeout)), 3);
    EXPECT_EQ(toInt(exitFor(Errc::ApiRateLimited)), 3);
    EXPECT_EQ(toInt(exitFor(Errc::ApiRejected)), 4);
    EXPECT_EQ(toInt(exitFor(Errc::CameraBusy)), 5);
    EXPECT_EQ(toInt(exitFor(Errc::StorageFull)), 5);
    EXPECT_EQ(toInt(exitFor(Errc::Interrupted)), 130);
}

}  // namespace
}  // namespace snapstage::app
