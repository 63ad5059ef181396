// SPDX-License-Identifier: MIT
// Tests of the multipart/form-data writer.
#include "firmware/net/multipart.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

namespace snapstage::net {
namespace {

std::string readAll(BodySource& src, size_t piece) {
    EXPECT_TRUE(src.rewind().ok());
    std::string out;
    std::string buf(piece, '\0');
    for (;;) {
        auto n = src.read(std::span(reinterpret_cast<std::byte*>(buf.data()), buf.size()));
        EXPECT_TRUE(n.ok());
        if (!n.ok() || *n == 0) break;
        out.append(buf.data(), *n);
    }
    return out;
}

std::string tempFile(const std::string& content) {
    char path[] = "/tmp/snapstage-mp-XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
    return path;
}

TEST(MultipartTest, BodyMatchesItsSizeAndLayoutAtEveryReadSize) {
    // Given a field, a buffer part, an empty part and a file part
    std::string fileContent(70000, 'j');
    fileContent[0] = '\xff';
    std::string path = tempFile(fileContent);
    auto mp = std::make_unique<Multipart>();
    std::string mask = "MASK";
    ASSERT_TRUE(mp->addField("tool", "virtual-staging").ok());
    ASSERT_TRUE(mp->addBuffer("mask", fs::bytes(mask), "mask.png", "image/png").ok());
    ASSERT_TRUE(mp->addField("empty", "").ok());
    ASSERT_TRUE(mp->addFile("image", path.c_str()).ok());
    std::string b(mp->boundary());
    std::string expect = "--" + b +
                         "\r\nContent-Disposition: form-data; name=\"tool\"\r\n\r\n"
                         "virtual-staging\r\n--" +
                         b +
                         "\r\nContent-Disposition: form-data; name=\"mask\"; filename=\"mask.png\""
                         "\r\nContent-Type: image/png\r\n\r\nMASK\r\n--" +
                         b + "\r\nContent-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--" +
                         b + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" +
                         path.substr(5) + "\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                         fileContent + "\r\n--" + b + "--\r\n";
    // When it is read in pieces of many sizes; Then every read gives the same exact bytes.
    EXPECT_EQ(mp->size(), expect.size());
    for (size_t piece : {1u, 7u, 100u, 4096u, 16384u, 200000u})
        EXPECT_EQ(readAll(*mp, piece), expect) << piece;
    EXPECT_EQ(mp->contentType(), "multipart/form-data; boundary=" + b);
    ::unlink(path.c_str());
}

TEST(MultipartTest, EscapesQuotesAndLineBreaksInNames) {
    Multipart mp;
    ASSERT_TRUE(mp.addBuffer("a\"b", {}, "x\r\ny.jpg", "image/jpeg").ok());
    std::string body = readAll(mp, 64);
    EXPECT_NE(body.find("name=\"a%22b\"; filename=\"x%0D%0Ay.jpg\""), std::string::npos);
    EXPECT_EQ(body.size(), mp.size());
}

TEST(MultipartTest, ReportsOverflowInsteadOfGrowing) {
    Multipart mp;
    for (size_t i = 0; i < Multipart::kMaxParts; ++i)
        ASSERT_TRUE(mp.addField("f", "v").ok());
    EXPECT_EQ(mp.addField("f", "v").error().code(), Errc::Overflow);
    Multipart big;
    std::string huge(5000, 'v');
    EXPECT_EQ(big.addField("f", huge).error().code(), Errc::Overflow);
    std::string longName(1100, 'n');
    EXPECT_EQ(big.addField(longName, "v").error().code(), Errc::Overflow);
    EXPECT_EQ(big.partCount(), 0u);
    ASSERT_TRUE(big.addField("ok", "still fits").ok());
}

TEST(MultipartTest, BoundaryIsFreshPerRequest) {
    Multipart a;
    std::string first(a.boundary());
    a.clear();
    EXPECT_NE(first, a.boundary());
    EXPECT_EQ(a.partCount(), 0u);
    EXPECT_EQ(readAll(a, 10), "--" + std::string(a.boundary()) + "--\r\n");
}

TEST(MultipartTest, MissingFileNamesThePath) {
    Multipart mp;
    auto st = mp.addFile("image", "/nonexistent/photo.jpg");
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), Errc::NotFound);
    EXPECT_NE(std::string(st.error().message()).find("/nonexistent/photo.jpg"), std::string::npos);
}

TEST(MultipartTest, GuessesContentTypes) {
    EXPECT_EQ(guessContentType("a.JPG"), "image/jpeg");
    EXPECT_EQ(guessContentType("a.jpeg"), "image/jpeg");
    EXPECT_EQ(guessContentType("m.png"), "image/png");
    EXPECT_EQ(guessContentType("x.json"), "application/json");
    EXPECT_EQ(guessContentType("noext"), "application/octet-stream");
}

TEST(MultipartTest, FileSourceStreamsARawBody) {
    std::string path = tempFile("raw body bytes");
    FileSource src;
    ASSERT_TRUE(src.open(path.c_str(), "image/jpeg").ok());
    EXPECT_EQ(src.size(), 14u);
    EXPECT_EQ(src.contentType(), "image/jpeg");
    EXPECT_EQ(readAll(src, 3), "raw body bytes");
    EXPECT_EQ(readAll(src, 100), "raw body bytes");
    ::unlink(path.c_str());
    FileSource missing;
    EXPECT_EQ(missing.open("/nonexistent").error().code(), Errc::NotFound);
}

}  // namespace
}  // namespace snapstage::net
