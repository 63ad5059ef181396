// SPDX-License-Identifier: MIT
// Tests of UTF-8 validation and the printable rendering for terminals and logs.
#include "firmware/util/text.h"

#include <gtest/gtest.h>

#include <string>

namespace snapstage::text {
namespace {

TEST(Text, FindsTheFirstByteThatIsNotUtf8) {
    struct Case {
        std::string in;
        size_t expected;
    } cases[] = {
        {"plain", std::string::npos},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7", std::string::npos},
        {"\xff\xfe", 0},
        {"ab\x80", 2},            // stray continuation byte
        {"ab\xc3", 2},            // cut short
        {"\xc1\xbf", 0},          // overlong
        {"x\xe0\x80\xaf", 1},     // overlong 3-byte
        {"\xed\xb0\x80", 0},      // surrogate
        {"\xf4\x90\x80\x80", 0},  // past U+10FFFF
        {std::string("a\0b", 3), std::string::npos},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.in);
        EXPECT_EQ(firstInvalidUtf8(c.in), c.expected);
    }
}

TEST(Text, PrintableEscapesControlsAndInvalidBytes) {
    struct Case {
        std::string in;
        bool keepLineBreaks;
        std::string out;
    } cases[] = {
        {"key \x1b]0;pwned\x07", false, "key \\x1b]0;pwned\\x07"},
        {"a\nb\tc\r", true, "a\nb\tc\\x0d"},
        {"a\nb", false, "a\\x0ab"},
        {"\xff\xfe ok", false, "\\xff\\xfe ok"},
        {"c1 \xc2\x9b[2J", false, "c1 \\u009b[2J"},
        {"caf\xc3\xa9", false, "caf\xc3\xa9"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.out);
        char out[64];
        size_t n = printable(c.in, out, c.keepLineBreaks);
        EXPECT_EQ(std::string(out, n), c.out);
    }
}

TEST(Text, PrintableStopsBeforeAnEscapeThatWouldNotFit) {
    char out[6];
    size_t n = printable("abc\x1b", out, false);
    EXPECT_EQ(std::string(out, n), "abc");
}

}  // namespace
}  // namespace snapstage::text
