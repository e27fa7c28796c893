// The dummy embedding models (issue 2 §4b): fixed vectors taken from Debian's numpy,
// the recipes against /usr/bin/python3 running the reference's recipe
// (tests/fixtures/dummy/oracle.py) for many texts — Unicode included — and images,
// and the batch interface (UTF-8 decoding: tests/core/utf8_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixtures/dummy/oracle_client.h"
#include "fixtures/dummy/test_images.h"
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/recipe_common.h"

namespace panic::models {
namespace {

using ::panic::testing::FloatsHex;
using ::panic::testing::HaveDummyOracle;
using ::panic::testing::ImageJson;
using ::panic::testing::RunDummyOracle;
using ::panic::testing::VarietyOfImages;

const std::vector<std::string>& Texts() {
  static const std::vector<std::string> texts = {
      "",
      "hello",
      "a red apple",
      "dummy caption: vivid scene #987",
      "dummy v2: sharp frame #4242",
      "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
      "\u65e5\u672c\u8a9e \U0001F427",
      "\U0001F427\U0001F525\U0001F30D\U0010FFFF",
      "e\u0301 \u00df \u03a9 \u0416 \u00ff\u0100",
      std::string(99, 'a') + "\u00e9\u00e9",   // the 100-character cut falls inside the 2-byte é's
      std::string(250, 'z'),
      std::string(2000, 'q') + "\u4e00",       // a large code-point sum
  };
  return texts;
}

TEST(DummyTextTest, FixedVectorsFromNumpy) {
  // np.random.seed(sum(map(ord, "hello"))); np.random.rand(768).astype(np.float32)
  auto v = DummyTextVector("hello");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 768U);
  EXPECT_EQ((*v)[0], 0.40887442231178284f);
  EXPECT_EQ((*v)[1], 0.7293798327445984f);
  EXPECT_EQ((*v)[2], 0.672092854976654f);
  EXPECT_EQ((*v)[767], 0.11840192973613739f);
  auto u = DummyTextVector("\u65e5\u672c\u8a9e \U0001F427");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ((*u)[0], 0.06317515671253204f);
  EXPECT_EQ((*u)[1], 0.833180844783783f);
  EXPECT_EQ((*u)[2], 0.7594200968742371f);
}

TEST(DummyTextTest, ACodePointSumBeyondNumpysSeedRangeIsAnError) {
  // 3856 × U+10FFFF = 4295812016 > 2^32 − 1: numpy would raise ValueError.
  std::string text;
  for (int i = 0; i < 3856; ++i) text += "\U0010FFFF";
  auto v = DummyTextVector(text);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  text.resize(text.size() - 4);  // 3855 × 1114111 = 4294897905 < 2^32: fine
  EXPECT_TRUE(DummyTextVector(text).ok());
}

TEST(DummyText2Test, CodePointsOverTwoFiftyFive) {
  const std::vector<float> v = DummyText2Vector("h\u00e9\U0001F427");
  ASSERT_EQ(v.size(), 768U);
  EXPECT_EQ(v[0], 0.40784314274787903f);
  EXPECT_EQ(v[1], 0.9137254953384399f);
  EXPECT_EQ(v[2], 502.1137390136719f);
  for (size_t i = 3; i < v.size(); ++i) ASSERT_EQ(v[i], 0.0f) << i;
  // Only the first 100 characters count.
  const std::vector<float> w = DummyText2Vector(std::string(150, 'a'));
  for (size_t i = 0; i < 100; ++i) ASSERT_EQ(w[i], static_cast<float>(97 / 255.0)) << i;
  for (size_t i = 100; i < w.size(); ++i) ASSERT_EQ(w[i], 0.0f) << i;
}

TEST(DummyText2Test, DoubleDivisionThenFloatRoundingEqualsFloatDivisionForEveryCodePoint) {
  // numpy divides in float64 and rounds to float32; a float32 division would round
  // once. Both agree on every code point, so neither reading of the recipe differs.
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    ASSERT_EQ(static_cast<float>(cp / 255.0), static_cast<float>(cp) / 255.0f) << cp;
  }
}

TEST(DummyVisionTest, FixedVectorsFromNumpy) {
  // (256 + 256 + 100 × (12 + 230 + 201)) = 44812 seeds numpy.
  const std::vector<float> v = DummyVisionVector(RgbImage::Solid(256, 256, 12, 230, 201));
  ASSERT_EQ(v.size(), 768U);
  EXPECT_EQ(v[0], 0.02012922242283821f);
  EXPECT_EQ(v[1], 0.09053410589694977f);
  EXPECT_EQ(v[2], 0.7100500464439392f);
  // No image: seed 0 for DummyVision, np.random.seed(1) for DummyVision2.
  EXPECT_EQ(DummyVisionVector(RgbImage{})[0], 0.5488135039273248f);
  const std::vector<float> none2 = DummyVision2Vector(RgbImage{});
  EXPECT_EQ(none2[0], 0.4170219898223877f);
  EXPECT_EQ(none2[1], 0.7203245162963867f);
  EXPECT_EQ(none2[2], 0.00011437481589382514f);
}

TEST(DummyVision2Test, TheFirstChannelValuesOverTwoFiftyFive) {
  const std::vector<float> v = DummyVision2Vector(RgbImage::Solid(256, 256, 255, 0, 51));
  ASSERT_EQ(v.size(), 768U);
  for (size_t i = 0; i < v.size(); i += 3) {
    ASSERT_EQ(v[i], 1.0f);
    ASSERT_EQ(v[i + 1], 0.0f);
    ASSERT_EQ(v[i + 2], 0.2f);
  }
  // A 2×2 image has 12 channel values; the rest is zero padding.
  const std::vector<float> small = DummyVision2Vector(RgbImage::Solid(2, 2, 255, 255, 255));
  for (size_t i = 0; i < 12; ++i) ASSERT_EQ(small[i], 1.0f);
  for (size_t i = 12; i < small.size(); ++i) ASSERT_EQ(small[i], 0.0f);
}

TEST(DummyEmbeddingsTest, MatchTheReferenceRecipes) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  nlohmann::json requests = nlohmann::json::array();
  for (const auto& text : Texts()) {
    for (const char* model : {"DummyText", "DummyText2"}) {
      requests.push_back({{"op", "embed_text"}, {"model", model}, {"text", text}});
    }
  }
  std::vector<RgbImage> images = {RgbImage{}};  // no image
  for (auto& [name, img] : VarietyOfImages()) images.push_back(img);
  for (const RgbImage& img : images) {
    for (const char* model : {"DummyVision", "DummyVision2"}) {
      nlohmann::json q = img.empty() ? nlohmann::json{{"none", true}} : ImageJson(img);
      q["op"] = "embed_image";
      q["model"] = model;
      requests.push_back(q);
    }
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  size_t a = 0;
  for (const auto& text : Texts()) {
    auto v = DummyTextVector(text);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(FloatsHex(*v), answers[a++].get<std::string>()) << "DummyText " << text.substr(0, 40);
    EXPECT_EQ(FloatsHex(DummyText2Vector(text)), answers[a++].get<std::string>()) << "DummyText2 " << text.substr(0, 40);
  }
  for (const RgbImage& img : images) {
    EXPECT_EQ(FloatsHex(DummyVisionVector(img)), answers[a++].get<std::string>())
        << "DummyVision " << img.width << "x" << img.height;
    EXPECT_EQ(FloatsHex(DummyVision2Vector(img)), answers[a++].get<std::string>())
        << "DummyVision2 " << img.width << "x" << img.height;
  }
}

TEST(DummyEmbeddingsTest, BatchesEmbedEachInputInOrder) {
  auto text = MakeDummyText();
  auto text2 = MakeDummyText2();
  auto vision = MakeDummyVision();
  auto vision2 = MakeDummyVision2();
  std::vector<Payload> texts;
  for (const auto& t : Texts()) texts.push_back(t);
  auto a = text->EmbedBatch(texts);
  auto b = text2->EmbedBatch(texts);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ((*a)[i], *DummyTextVector(Texts()[i]));
    EXPECT_EQ((*b)[i], DummyText2Vector(Texts()[i]));
  }
  std::vector<Payload> images;
  for (auto& [name, img] : VarietyOfImages()) images.push_back(img);
  auto c = vision->EmbedBatch(images);
  auto d = vision2->EmbedBatch(images);
  ASSERT_TRUE(c.ok() && d.ok());
  for (size_t i = 0; i < images.size(); ++i) {
    EXPECT_EQ((*c)[i], DummyVisionVector(std::get<RgbImage>(images[i])));
    EXPECT_EQ((*d)[i], DummyVision2Vector(std::get<RgbImage>(images[i])));
    EXPECT_EQ((*c)[i].size(), static_cast<size_t>(vision->info().dimension));
  }
}

TEST(DummyEmbeddingsTest, WrongModalityOrMalformedImageIsInvalidArgument) {
  const std::vector<Payload> image = {RgbImage::Solid(2, 2, 1, 2, 3)};
  const std::vector<Payload> text = {std::string("hi")};
  EXPECT_EQ(MakeDummyText()->EmbedBatch(image).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDummyText2()->EmbedBatch(image).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDummyVision()->EmbedBatch(text).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDummyVision2()->EmbedBatch(text).status().code(), StatusCode::kInvalidArgument);
  RgbImage malformed{3, 3, std::vector<uint8_t>(5)};
  const std::vector<Payload> bad = {malformed};
  EXPECT_EQ(MakeDummyVision()->EmbedBatch(bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeDummyVision2()->EmbedBatch(bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::models
