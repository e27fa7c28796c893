// Image codecs (store/image_codec.h): lossless WEBP round trips exactly, lossy WEBP
// and JPEG decode close to the original, bad bytes are Corruption, and JPEG bytes equal
// Pillow's — the reference's loop-detection encoding — byte for byte, with the
// collisions between nearby solid colours that its loop lengths depend on.
#include "panic/store/image_codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "fixtures/dummy/oracle_client.h"
#include "fixtures/dummy/test_images.h"

namespace panic::store {
namespace {

using ::panic::testing::HaveDummyOracle;
using ::panic::testing::ImageJson;
using ::panic::testing::RunDummyOracle;
using ::panic::testing::ToHex;
using ::panic::testing::VarietyOfImages;

double MeanChannelDifference(const RgbImage& a, const RgbImage& b) {
  EXPECT_EQ(a.pixels.size(), b.pixels.size());
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size() && i < b.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return a.pixels.empty() ? 0.0 : sum / static_cast<double>(a.pixels.size());
}

std::string Jpeg30(const RgbImage& image) {
  auto bytes = EncodeJpeg(image, kLoopDetectionJpegQuality);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.ok() ? *bytes : std::string();
}

TEST(ImageCodecTest, LosslessWebpRoundTripsExactly) {
  for (const auto& [name, image] : VarietyOfImages()) {
    auto webp = EncodeWebp(image);
    ASSERT_TRUE(webp.ok()) << name << ": " << webp.status().ToString();
    EXPECT_EQ(SniffImageFormat(*webp), ImageFormat::kWebp) << name;
    auto decoded = DecodeImage(*webp);
    ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, image) << name;
  }
}

TEST(ImageCodecTest, LosslessWebpOfASolidImageIsSmall) {
  auto webp = EncodeWebp(RgbImage::Solid(256, 256, 98, 206, 229));
  ASSERT_TRUE(webp.ok());
  EXPECT_LT(webp->size(), 200U);  // one colour compresses to a few dozen bytes
}

TEST(ImageCodecTest, LossyWebpAndJpegDecodeCloseToTheOriginal) {
  const RgbImage image = panic::testing::GradientImage(256, 256);
  auto webp = EncodeWebp(image, /*lossless=*/false, 90);
  ASSERT_TRUE(webp.ok()) << webp.status().ToString();
  auto from_webp = DecodeImage(*webp);
  ASSERT_TRUE(from_webp.ok()) << from_webp.status().ToString();
  EXPECT_EQ(from_webp->width, 256);
  EXPECT_LT(MeanChannelDifference(*from_webp, image), 3.0);
  EXPECT_NE(*from_webp, image);  // it really is lossy

  auto jpeg = EncodeJpeg(image, 95);
  ASSERT_TRUE(jpeg.ok());
  EXPECT_EQ(SniffImageFormat(*jpeg), ImageFormat::kJpeg);
  auto from_jpeg = DecodeImage(*jpeg);
  ASSERT_TRUE(from_jpeg.ok()) << from_jpeg.status().ToString();
  EXPECT_EQ(from_jpeg->height, 256);
  EXPECT_LT(MeanChannelDifference(*from_jpeg, image), 3.0);
}

TEST(ImageCodecTest, BadBytesAreCorruption) {
  const std::vector<std::string> bad = {
      "",
      "not an image at all",
      std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16),
      "RIFF\x10\0\0\0WEBPVP8L",
      "\xFF\xD8\xFF\xE0 truncated jpeg",
  };
  for (const std::string& bytes : bad) {
    auto decoded = DecodeImage(bytes);
    ASSERT_FALSE(decoded.ok()) << ToHex(bytes);
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption) << ToHex(bytes);
  }
}

TEST(ImageCodecTest, TruncatedOrDamagedStreamsAreCorruption) {
  const RgbImage image = panic::testing::NoiseImage(64, 64, 9);
  auto webp = EncodeWebp(image);
  auto jpeg = EncodeJpeg(image, 75);
  ASSERT_TRUE(webp.ok() && jpeg.ok());
  for (const std::string* good : {&*webp, &*jpeg}) {
    const std::string half = good->substr(0, good->size() / 2);
    auto decoded = DecodeImage(half);
    ASSERT_FALSE(decoded.ok()) << "truncated to " << half.size() << " bytes";
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  // The magic number intact, the header's dimensions destroyed.
  std::string damaged = *webp;
  for (size_t i = 12; i < 30 && i < damaged.size(); ++i) damaged[i] = '\xFF';
  EXPECT_EQ(DecodeImage(damaged).status().code(), StatusCode::kCorruption);
}

// Issue 9 §3: the dimensions a header claims are checked before any allocation. A
// 64×64 JPEG whose SOF0 claims 60000×60000 (3.6 Gpx, 10.8 GB of RGB) is refused from
// its header; a truncated large JPEG stops at the first damaged scanline.
TEST(ImageCodecTest, ClaimedSizesBeyondTheCapAreRefusedFromTheHeader) {
  auto jpeg = EncodeJpeg(panic::testing::NoiseImage(64, 64, 3), 75);
  ASSERT_TRUE(jpeg.ok());
  size_t sof = jpeg->find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  std::string huge = *jpeg;
  huge[sof + 5] = static_cast<char>(60000 >> 8);  // height
  huge[sof + 6] = static_cast<char>(60000 & 0xff);
  huge[sof + 7] = static_cast<char>(60000 >> 8);  // width
  huge[sof + 8] = static_cast<char>(60000 & 0xff);
  auto decoded = DecodeImage(huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("60000x60000 is larger than any image we store"), std::string::npos)
      << decoded.status().message();
  std::string tall = *jpeg;  // 64 wide, 4000 high: 256 000 px, allowed, but the data ends after 64 rows
  tall[sof + 5] = static_cast<char>(4000 >> 8);
  tall[sof + 6] = static_cast<char>(4000 & 0xff);
  EXPECT_EQ(DecodeImage(tall).status().code(), StatusCode::kCorruption);
}

TEST(ImageCodecTest, EncodersRejectMalformedImagesAndQualities) {
  RgbImage malformed = RgbImage::Solid(8, 8, 1, 2, 3);
  malformed.pixels.resize(10);
  EXPECT_EQ(EncodeWebp(malformed).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(malformed, 30).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeWebp(RgbImage{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(RgbImage{}, 30).status().code(), StatusCode::kInvalidArgument);
  const RgbImage ok = RgbImage::Solid(8, 8, 1, 2, 3);
  EXPECT_EQ(EncodeWebp(ok, true, 101).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeWebp(ok, false, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(ok, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(ok, 101).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageCodecTest, JpegIsDeterministicAndHasPillowsHeader) {
  const RgbImage image = RgbImage::Solid(256, 256, 98, 206, 229);
  const std::string a = Jpeg30(image);
  EXPECT_EQ(a, Jpeg30(image));
  // SOI, then a JFIF 1.01 APP0 with no density unit and density 1:1.
  ASSERT_GT(a.size(), 20U);
  EXPECT_EQ(a.substr(0, 20), std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20));
  EXPECT_EQ(a.substr(a.size() - 2), "\xFF\xD9");
}

TEST(ImageCodecTest, JpegBytesEqualPillows) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  std::vector<std::pair<std::string, RgbImage>> images = VarietyOfImages();
  images.push_back({"gradient 250x256", panic::testing::GradientImage(250, 256)});
  images.push_back({"noise 100x3", panic::testing::NoiseImage(100, 3, 4)});
  const std::vector<int> qualities = {30, 1, 10, 50, 75, 95, 100};
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& [name, image] : images) {
    for (int q : qualities) {
      nlohmann::json r = ImageJson(image);
      r["op"] = "jpeg";
      r["quality"] = q;
      requests.push_back(r);
    }
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  size_t a = 0;
  for (const auto& [name, image] : images) {
    for (int q : qualities) {
      auto ours = EncodeJpeg(image, q);
      ASSERT_TRUE(ours.ok()) << ours.status().ToString();
      EXPECT_EQ(ToHex(*ours), answers[a++].get<std::string>()) << name << " at quality " << q;
    }
  }
}

TEST(ImageCodecTest, NearbySolidColoursCollideAtQuality30) {
  // Loop detection compares JPEG-q30 bytes, which quantise away small colour changes:
  // (77, 213, 240) and (78, 213, 240) encode identically at q30 but not at q100.
  const RgbImage base = RgbImage::Solid(256, 256, 77, 213, 240);
  const RgbImage red_plus_one = RgbImage::Solid(256, 256, 78, 213, 240);
  const RgbImage blue_plus_one = RgbImage::Solid(256, 256, 77, 213, 241);
  EXPECT_EQ(Jpeg30(base), Jpeg30(red_plus_one));
  EXPECT_NE(Jpeg30(base), Jpeg30(blue_plus_one));
  EXPECT_NE(*EncodeJpeg(base, 100), *EncodeJpeg(red_plus_one, 100));
  // The 101 DummyT2I reds at a fixed green and blue fall into far fewer classes
  // (24 under Pillow).
  std::set<std::string> classes;
  for (int r = 0; r <= 100; ++r) classes.insert(Jpeg30(RgbImage::Solid(256, 256, static_cast<uint8_t>(r), 230, 230)));
  EXPECT_EQ(classes.size(), 24U);
}

TEST(ImageCodecTest, NearbyColourCollisionsAgreeWithPillow) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  // A sweep of one channel around a dummy colour: our equal/unequal pattern of
  // encodings is Pillow's because the bytes are.
  std::vector<RgbImage> images;
  for (int g = 200; g <= 255; ++g) images.push_back(RgbImage::Solid(16, 16, 40, static_cast<uint8_t>(g), 230));
  nlohmann::json requests = nlohmann::json::array();
  for (const RgbImage& image : images) {
    nlohmann::json r = ImageJson(image);
    r["op"] = "jpeg";
    r["quality"] = 30;
    requests.push_back(r);
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  std::set<std::string> ours_distinct;
  std::set<std::string> pillow_distinct;
  for (size_t i = 0; i < images.size(); ++i) {
    const std::string ours = ToHex(Jpeg30(images[i]));
    EXPECT_EQ(ours, answers[i].get<std::string>()) << "green " << 200 + i;
    ours_distinct.insert(ours);
    pillow_distinct.insert(answers[i].get<std::string>());
  }
  EXPECT_EQ(ours_distinct, pillow_distinct);
  EXPECT_LT(ours_distinct.size(), images.size());
}

}  // namespace
}  // namespace panic::store
