// SPDX-License-Identifier: MIT
// Tests of URL parsing, normalisation and redirect resolution.
#include "firmware/net/url.h"

#include <gtest/gtest.h>

#include <string>

namespace snapstage::net {
namespace {

struct ParseCase {
    const char* input;
    bool https;
    const char* host;
    uint16_t port;
    const char* target;
    const char* text;
};

TEST(UrlTest, ParsesTable) {
    const ParseCase cases[] = {
        {"https://api.example.com", true, "api.example.com", 443, "/", "https://api.example.com/"},
        {"HTTPS://API.Example.COM/v3/Orders?x=1#frag", true, "api.example.com", 443,
         "/v3/Orders?x=1", "https://api.example.com/v3/Orders?x=1"},
        {"http://localhost:8080/a", false, "localhost", 8080, "/a", "http://localhost:8080/a"},
        {"https://example.com:443/x", true, "example.com", 443, "/x", "https://example.com/x"},
        {"https://[::1]:8443/p", true, "::1", 8443, "/p", "https://[::1]:8443/p"},
        {"https://[2001:db8::1]/", true, "2001:db8::1", 443, "/", "https://[2001:db8::1]/"},
        {"http://h?q=1", false, "h", 80, "/?q=1", "http://h/?q=1"},
        {"https://h/a b", true, "h", 443, "/a%20b", "https://h/a%20b"},
        {"https://h/%41%zz%", true, "h", 443, "/%41%25zz%25", "https://h/%41%25zz%25"},
        {"https://h/\xc3\xa9", true, "h", 443, "/%C3%A9", "https://h/%C3%A9"},
        {"https://h:/x", true, "h", 443, "/x", "https://h/x"},
        {"  https://h/x  ", true, "h", 443, "/x", "https://h/x"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.input);
        // Given a URL; When it is parsed; Then each part is as expected.
        auto u = Url::parse(c.input);
        ASSERT_TRUE(u.ok()) << u.error().message();
        EXPECT_EQ(u->https(), c.https);
        EXPECT_EQ(u->host(), c.host);
        EXPECT_EQ(u->port(), c.port);
        EXPECT_EQ(u->target(), c.target);
        EXPECT_EQ(u->text(), c.text);
    }
}

TEST(UrlTest, RefusesBadUrlsWithAReason) {
    const struct {
        const char* input;
        const char* says;
    } cases[] = {
        {"ftp://h/", "https://"},
        {"https://", "no host"},
        {"https://u:p@h/", "user:password"},
        {"https://h:99999/", "port"},
        {"https://h:12x/", "port"},
        {"https://[::1/", "unclosed"},
        {"https://[zz]/", "IPv6"},
        {"https://h^st/", "bad character"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.input);
        auto u = Url::parse(c.input);
        ASSERT_FALSE(u.ok());
        EXPECT_EQ(u.error().code(), Errc::InvalidArgument);
        EXPECT_NE(std::string(u.error().message()).find(c.says), std::string::npos)
            << u.error().message();
    }
}

TEST(UrlTest, TooLongIsOverflow) {
    std::string longUrl = "https://h/" + std::string(3000, 'a');
    auto u = Url::parse(longUrl);
    ASSERT_FALSE(u.ok());
    EXPECT_EQ(u.error().code(), Errc::Overflow);
}

TEST(UrlTest, ResolvesRedirectLocations) {
    auto base = Url::parse("https://api.example.com:8443/v3/orders/7?x=1");
    ASSERT_TRUE(base.ok());
    const struct {
        const char* location;
        const char* expect;
    } cases[] = {
        {"https://cdn.example.net/r.jpg", "https://cdn.example.net/r.jpg"},
        {"//cdn.example.net/r", "https://cdn.example.net/r"},
        {"/v1/jobs", "https://api.example.com:8443/v1/jobs"},
        {"8", "https://api.example.com:8443/v3/orders/8"},
        {"../items?y=2", "https://api.example.com:8443/v3/items?y=2"},
        {"./a/./b/../c", "https://api.example.com:8443/v3/orders/a/c"},
        {"?page=2", "https://api.example.com:8443/v3/orders/7?page=2"},
        {"/a/../../..", "https://api.example.com:8443/"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.location);
        auto r = base->resolve(c.location);
        ASSERT_TRUE(r.ok()) << r.error().message();
        EXPECT_EQ(r->text(), c.expect);
    }
}

TEST(UrlTest, OriginAndHostHeader) {
    auto a = Url::parse("https://h:8443/a");
    auto b = Url::parse("https://h:8443/b");
    auto c = Url::parse("https://h/a");
    auto v6 = Url::parse("http://[::1]:8080/");
    ASSERT_TRUE(a.ok() && b.ok() && c.ok() && v6.ok());
    EXPECT_TRUE(a->sameOrigin(*b));
    EXPECT_FALSE(a->sameOrigin(*c));
    char host[64];
    ASSERT_GT(a->hostHeader(host, sizeof host), 0u);
    EXPECT_STREQ(host, "h:8443");
    ASSERT_GT(c->hostHeader(host, sizeof host), 0u);
    EXPECT_STREQ(host, "h");
    ASSERT_GT(v6->hostHeader(host, sizeof host), 0u);
    EXPECT_STREQ(host, "[::1]:8080");
    EXPECT_EQ(a->hostHeader(host, 3), 0u);
}

TEST(UrlTest, PercentDecode) {
    char out[16];
    auto n = percentDecode("a%20b%2Fc", out, sizeof out);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(out, *n), "a b/c");
    EXPECT_EQ(percentDecode("%2", out, sizeof out).error().code(), Errc::InvalidArgument);
    EXPECT_EQ(percentDecode("%zz", out, sizeof out).error().code(), Errc::InvalidArgument);
    EXPECT_EQ(percentDecode("abcdef", out, 3).error().code(), Errc::Overflow);
}

}  // namespace
}  // namespace snapstage::net
