// The Python worker's frame codec (models/python/frame_codec.h) on its own: exact round
// trips, malformed frames and the limits on outside bytes (issue 9 §3). Pure: it needs no
// worker, so the sanitizer build of the decoders (cmake/DecoderBuild.cmake) runs it too.
#include <gtest/gtest.h>

#include <string>

#include "panic/models/python/frame_codec.h"

namespace panic::models::python {
namespace {

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s + "\xff\xfe\x80 not UTF-8 \xc3";
}

TEST(FrameCodecTest, RoundTripsHeaderAndBlobsExactly) {
  Frame f;
  f.header = {{"op", "invoke"}, {"model", "X"}, {"seeds", {1, -1}}};
  f.blobs = {AllBytes(), std::string(), std::string(1 << 20, '\0')};
  const std::string bytes = EncodeFrame(f);
  ASSERT_EQ(bytes.substr(0, 4), "PNKW");
  auto back = DecodeFrame(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->blobs, f.blobs);
  EXPECT_EQ(back->header["model"], "X");
  EXPECT_EQ(back->header["blobs"], nlohmann::json({f.blobs[0].size(), 0, 1 << 20}));
}

TEST(FrameCodecTest, RejectsMalformedFrames) {
  Frame f;
  f.header = {{"op", "x"}};
  f.blobs = {"abc"};
  std::string good = EncodeFrame(f);
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_EQ(DecodeFrame(bad_magic).status().code(), StatusCode::kCorruption);
  EXPECT_NE(DecodeFrame(bad_magic).status().message().find("bad magic"), std::string::npos);
  EXPECT_EQ(DecodeFrame(good.substr(0, good.size() - 1)).status().code(), StatusCode::kCorruption);
  // Blob sizes that do not add up to the body.
  auto parts = DecodeFrameParts(R"({"blobs":[2]})", "abc");
  EXPECT_EQ(parts.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeFrameParts("not json", "").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeFrameParts("[1]", "").status().code(), StatusCode::kCorruption);
}

// Issue 9 §3: worker frames are outside bytes; their lengths, blob counts and header
// nesting are capped, and blob sizes are checked without overflow.
TEST(FrameCodecTest, EnforcesTheLimits) {
  auto prefix = [](uint32_t header_len, uint64_t body_len) {
    std::string p("PNKW", 4);
    for (int i = 0; i < 4; ++i) p.push_back(static_cast<char>((header_len >> (8 * i)) & 0xff));
    for (int i = 0; i < 8; ++i) p.push_back(static_cast<char>((body_len >> (8 * i)) & 0xff));
    return p;
  };
  EXPECT_TRUE(DecodeFramePrefix(prefix(kMaxHeaderBytes, kMaxBodyBytes)).ok());
  EXPECT_EQ(DecodeFramePrefix(prefix(kMaxHeaderBytes + 1, 0)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeFramePrefix(prefix(2, kMaxBodyBytes + 1)).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeFramePrefix(prefix(2, ~uint64_t{0})).status().code(), StatusCode::kCorruption);
  // Blob sizes near 2^64 must not wrap the running sum.
  auto wrap = DecodeFrameParts(R"({"blobs":[2, 18446744073709551615]})", "abc");
  EXPECT_EQ(wrap.status().code(), StatusCode::kCorruption);
  wrap = DecodeFrameParts(R"({"blobs":[2, 9223372036854775807, 9223372036854775807]})", "abc");
  EXPECT_EQ(wrap.status().code(), StatusCode::kCorruption);
  std::string deep = R"({"blobs":[], "x":)" + std::string(kMaxHeaderNesting, '[') + std::string(kMaxHeaderNesting, ']') + "}";
  auto r = DecodeFrameParts(deep, "");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("nested"), std::string::npos) << r.status().message();
  std::string many = R"({"blobs":[0)";
  for (size_t i = 0; i < kMaxBlobs; ++i) many += ",0";
  r = DecodeFrameParts(many + "]}", "");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("blobs, at most"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace panic::models::python
