// The dummy genAI models (issue 2 §4): the issue's fixed examples, the recipes against
// /usr/bin/python3 running the reference's recipe (tests/fixtures/dummy/oracle.py) for
// many prompts, seeds and images, the seed −1 paths, the batch interface, thread
// safety and the registry entries.
#include <gtest/gtest.h>

#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "fixtures/dummy/oracle_client.h"
#include "fixtures/dummy/test_images.h"
#include "panic/core/time.h"
#include "panic/models/dummy/dummy_i2t.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/models/dummy/recipe_common.h"
#include "panic/models/registry.h"

namespace panic::models {
namespace {

using ::panic::testing::HaveDummyOracle;
using ::panic::testing::ImageJson;
using ::panic::testing::RunDummyOracle;
using ::panic::testing::VarietyOfImages;

const std::vector<std::string>& Prompts() {
  static const std::vector<std::string> prompts = {
      "a red apple",
      "penguin by a campfire",
      "",
      " ",
      "A",
      "dummy caption: vivid scene #987",
      "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
      "\u65e5\u672c\u8a9e\u306e\u30d7\u30ed\u30f3\u30d7\u30c8",
      "\U0001F427 by a \U0001F525 at night",
      "e\u0301 combining accent, \u00df, \u03a9, \u0416",
      "tab\tnewline\nquote\" backslash\\",
      std::string(300, 'x') + " a long prompt",
  };
  return prompts;
}

const std::vector<int64_t>& Seeds() {
  static const std::vector<int64_t> seeds = {0,
                                             1,
                                             7,
                                             42,
                                             123,
                                             2000,
                                             -2,
                                             -5,
                                             -123456,
                                             2147483647,
                                             4294967295,
                                             4294967296,
                                             int64_t{1} << 40,
                                             std::numeric_limits<int64_t>::max(),
                                             std::numeric_limits<int64_t>::min()};
  return seeds;
}

RgbImage ImageOf(const Payload& p) { return std::get<RgbImage>(p); }

TEST(DummyT2ITest, IssueExamples) {
  EXPECT_EQ(DummyT2IColor("a red apple", 123), (Rgb{98, 206, 229}));
  EXPECT_EQ(DummyT2IColor("penguin by a campfire", 7), (Rgb{8, 212, 232}));
  EXPECT_EQ(DummyT2I2Color("a red apple", 123), (Rgb{252, 98, 244}));
}

TEST(DummyT2ITest, ModelsDrawSolid256ImagesOfTheRecipeColour) {
  auto t2i = MakeDummyT2I();
  auto t2i2 = MakeDummyT2I2();
  const std::vector<Payload> inputs = {std::string("a red apple"), std::string("penguin by a campfire")};
  const std::vector<int64_t> seeds = {123, 7};
  auto out = t2i->InvokeBatch(inputs, seeds);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 2U);
  EXPECT_EQ(ImageOf((*out)[0]), RgbImage::Solid(256, 256, 98, 206, 229));
  EXPECT_EQ(ImageOf((*out)[1]), RgbImage::Solid(256, 256, 8, 212, 232));
  auto out2 = t2i2->InvokeBatch(std::span(inputs).first(1), std::span(seeds).first(1));
  ASSERT_TRUE(out2.ok());
  EXPECT_EQ(ImageOf((*out2)[0]), RgbImage::Solid(256, 256, 252, 98, 244));
}

TEST(DummyT2ITest, MatchesTheReferenceRecipe) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  nlohmann::json requests = nlohmann::json::array();
  for (const char* model : {"DummyT2I", "DummyT2I2"}) {
    for (const auto& prompt : Prompts()) {
      for (int64_t seed : Seeds()) requests.push_back({{"op", "t2i"}, {"model", model}, {"prompt", prompt}, {"seed", seed}});
    }
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& q = requests[i];
    const std::string prompt = q["prompt"];
    const int64_t seed = q["seed"];
    const Rgb c = q["model"] == "DummyT2I" ? DummyT2IColor(prompt, seed) : DummyT2I2Color(prompt, seed);
    const Rgb want{answers[i][0].get<uint8_t>(), answers[i][1].get<uint8_t>(), answers[i][2].get<uint8_t>()};
    EXPECT_EQ(c, want) << q.dump();
  }
}

TEST(DummyT2ITest, ClockColoursFollowTheRecipe) {
  // us = 1700000000123456: us % 100 = 56, us % 56 = 1700000000123456 mod 56,
  // (us / 100) % 56 = 17000000001234 mod 56.
  const int64_t us = 1700000000123456;
  const auto m56 = static_cast<uint8_t>(us % 56);
  const auto h56 = static_cast<uint8_t>((us / 100) % 56);
  EXPECT_EQ(DummyT2IClockColor(us), (Rgb{56, static_cast<uint8_t>(200 + m56), static_cast<uint8_t>(200 + h56)}));
  EXPECT_EQ(DummyT2I2ClockColor(us), (Rgb{static_cast<uint8_t>(200 + m56), 56, static_cast<uint8_t>(200 + h56)}));
  EXPECT_EQ(DummyT2IClockColor(0), (Rgb{0, 200, 200}));
  EXPECT_EQ(DummyT2IClockColor(5599), (Rgb{99, 255, 255}));  // 5599 % 56 = 55, 55 % 56 = 55
}

TEST(DummyT2ITest, SeedMinusOneUsesTheClock) {
  auto t2i = MakeDummyT2I();
  auto t2i2 = MakeDummyT2I2();
  const std::vector<Payload> inputs(3, std::string("a red apple"));
  const std::vector<int64_t> seeds(3, kNonDeterministicSeed);
  const int64_t before = NowMicros();
  auto a = t2i->InvokeBatch(inputs, seeds);
  auto b = t2i2->InvokeBatch(inputs, seeds);
  const int64_t after = NowMicros();
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const RgbImage ia = ImageOf((*a)[i]);
    const RgbImage ib = ImageOf((*b)[i]);
    ASSERT_EQ(ia.width, 256);
    ASSERT_EQ(ib.height, 256);
    // A solid image whose colour is the clock colour of some instant within the call.
    const Rgb ca{ia.pixels[0], ia.pixels[1], ia.pixels[2]};
    const Rgb cb{ib.pixels[0], ib.pixels[1], ib.pixels[2]};
    EXPECT_EQ(ia, RgbImage::Solid(256, 256, ca.r, ca.g, ca.b));
    EXPECT_EQ(ib, RgbImage::Solid(256, 256, cb.r, cb.g, cb.b));
    bool found_a = false;
    bool found_b = false;
    for (int64_t us = before; us <= after; ++us) {
      found_a = found_a || DummyT2IClockColor(us) == ca;
      found_b = found_b || DummyT2I2ClockColor(us) == cb;
    }
    EXPECT_TRUE(found_a) << "image " << i;
    EXPECT_TRUE(found_b) << "image " << i;
  }
}

TEST(DummyI2TTest, IssueExample) {
  const RgbImage img = RgbImage::Solid(256, 256, 12, 230, 201);
  EXPECT_EQ(PixelListRepr(img),
            "[(12, 230, 201), (12, 230, 201), (12, 230, 201), (12, 230, 201), (12, 230, 201), (12, 230, 201), "
            "(12, 230, 201), (12, 230, 201), (12, 230, 201), (12, 230, 201)]");
  EXPECT_EQ(DummyI2TCaption(img, 123), "dummy caption: vivid scene #987");
  auto model = MakeDummyI2T();
  const std::vector<Payload> inputs = {img};
  const std::vector<int64_t> seeds = {123};
  auto out = model->InvokeBatch(inputs, seeds);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(std::get<std::string>((*out)[0]), "dummy caption: vivid scene #987");
}

TEST(DummyI2TTest, PixelReprOfSmallImagesHasFewerPixels) {
  EXPECT_EQ(PixelListRepr(RgbImage::Solid(1, 1, 0, 5, 255)), "[(0, 5, 255)]");
  EXPECT_EQ(PixelListRepr(RgbImage{}), "[]");
}

TEST(DummyI2TTest, MatchesTheReferenceRecipe) {
  if (!HaveDummyOracle()) GTEST_SKIP() << "/usr/bin/python3 with numpy and PIL is not available";
  std::vector<RgbImage> images;
  for (auto& [name, img] : VarietyOfImages()) images.push_back(img);
  // The dummy T2I colours, as in a real run.
  for (const auto& prompt : Prompts()) {
    const Rgb c = DummyT2IColor(prompt, 3);
    images.push_back(RgbImage::Solid(256, 256, c.r, c.g, c.b));
  }
  nlohmann::json requests = nlohmann::json::array();
  for (size_t k = 0; k < images.size(); ++k) {
    nlohmann::json repr = ImageJson(images[k]);
    repr["op"] = "pixel_repr";
    requests.push_back(repr);
    for (const char* model : {"DummyI2T", "DummyI2T2"}) {
      nlohmann::json q = ImageJson(images[k]);
      q["op"] = "i2t";
      q["model"] = model;
      q["seeds"] = Seeds();
      requests.push_back(q);
    }
  }
  const nlohmann::json answers = RunDummyOracle(requests);
  ASSERT_EQ(answers.size(), requests.size());
  size_t a = 0;
  for (const RgbImage& img : images) {
    EXPECT_EQ(PixelListRepr(img), answers[a++].get<std::string>());
    for (const char* model : {"DummyI2T", "DummyI2T2"}) {
      const nlohmann::json& captions = answers[a++];
      ASSERT_EQ(captions.size(), Seeds().size());
      for (size_t j = 0; j < Seeds().size(); ++j) {
        const int64_t seed = Seeds()[j];
        const std::string ours = std::string(model) == "DummyI2T" ? DummyI2TCaption(img, seed) : DummyI2T2Caption(img, seed);
        EXPECT_EQ(ours, captions[j].get<std::string>()) << model << " seed " << seed << " " << img.width << "x"
                                                        << img.height;
      }
    }
  }
}

TEST(DummyI2TTest, SeedMinusOneGivesRandomHexSuffixes) {
  const std::vector<Payload> inputs(2, RgbImage::Solid(256, 256, 1, 2, 3));
  const std::vector<int64_t> seeds(2, kNonDeterministicSeed);
  auto a = MakeDummyI2T()->InvokeBatch(inputs, seeds);
  auto b = MakeDummyI2T2()->InvokeBatch(inputs, seeds);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::regex re_a("dummy text caption [0-9a-f]{8}");
  const std::regex re_b("dummy text v2 [0-9a-f]{8}");
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(std::regex_match(std::get<std::string>((*a)[i]), re_a)) << std::get<std::string>((*a)[i]);
    EXPECT_TRUE(std::regex_match(std::get<std::string>((*b)[i]), re_b)) << std::get<std::string>((*b)[i]);
  }
  // 32 random bits each: equal with probability 2^-32.
  EXPECT_NE(std::get<std::string>((*a)[0]), std::get<std::string>((*a)[1]));
}

TEST(DummyGenAIBatchTest, RejectsMismatchedOrWrongInputs) {
  auto t2i = MakeDummyT2I();
  auto i2t = MakeDummyI2T();
  const std::vector<Payload> texts = {std::string("a"), std::string("b")};
  const std::vector<int64_t> one_seed = {1};
  auto mismatched = t2i->InvokeBatch(texts, one_seed);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.status().code(), StatusCode::kInvalidArgument);

  const std::vector<int64_t> two_seeds = {1, 2};
  auto wrong = i2t->InvokeBatch(texts, two_seeds);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("input 0"), std::string::npos) << wrong.status().message();

  const std::vector<Payload> image = {RgbImage::Solid(4, 4, 1, 2, 3)};
  auto wrong_t2i = t2i->InvokeBatch(image, one_seed);
  EXPECT_EQ(wrong_t2i.status().code(), StatusCode::kInvalidArgument);

  RgbImage malformed = RgbImage::Solid(4, 4, 1, 2, 3);
  malformed.pixels.pop_back();
  const std::vector<Payload> bad_image = {malformed};
  auto bad = i2t->InvokeBatch(bad_image, one_seed);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);

  auto empty = t2i->InvokeBatch({}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(DummyGenAIBatchTest, ABatchEqualsItsItemsOneByOne) {
  auto t2i = MakeDummyT2I2();
  auto i2t = MakeDummyI2T2();
  std::vector<Payload> prompts;
  std::vector<int64_t> seeds;
  for (const auto& p : Prompts()) {
    for (int64_t s : {1, 2, 99}) {
      prompts.push_back(p);
      seeds.push_back(s);
    }
  }
  auto images = t2i->InvokeBatch(prompts, seeds);
  ASSERT_TRUE(images.ok());
  auto captions = i2t->InvokeBatch(*images, seeds);
  ASSERT_TRUE(captions.ok());
  for (size_t i = 0; i < prompts.size(); ++i) {
    const Rgb c = DummyT2I2Color(std::get<std::string>(prompts[i]), seeds[i]);
    EXPECT_EQ(ImageOf((*images)[i]), RgbImage::Solid(256, 256, c.r, c.g, c.b));
    EXPECT_EQ(std::get<std::string>((*captions)[i]), DummyI2T2Caption(ImageOf((*images)[i]), seeds[i]));
  }
}

TEST(DummyGenAIBatchTest, ConcurrentCallsGiveTheSerialResults) {
  std::shared_ptr<GenAIModel> t2i = MakeDummyT2I();
  std::shared_ptr<GenAIModel> i2t = MakeDummyI2T();
  std::vector<Payload> prompts;
  std::vector<int64_t> seeds;
  for (int i = 0; i < 64; ++i) {
    prompts.push_back("prompt " + std::to_string(i));
    seeds.push_back(i);
  }
  auto serial_images = t2i->InvokeBatch(prompts, seeds);
  ASSERT_TRUE(serial_images.ok());
  auto serial_captions = i2t->InvokeBatch(*serial_images, seeds);
  ASSERT_TRUE(serial_captions.ok());
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        auto images = t2i->InvokeBatch(prompts, seeds);
        auto captions = i2t->InvokeBatch(*images, seeds);
        if (!images.ok() || !captions.ok()) {
          ++failures[t];
          continue;
        }
        for (size_t i = 0; i < prompts.size(); ++i) {
          if (!(ImageOf((*images)[i]) == ImageOf((*serial_images)[i])) ||
              std::get<std::string>((*captions)[i]) != std::get<std::string>((*serial_captions)[i])) {
            ++failures[t];
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(DummyRegistrationTest, RegistersTheEightModelsWithTheirInfo) {
  ModelRegistry registry;
  RegisterDummyModels(registry);
  struct Want {
    const char* name;
    ModelKind kind;
    Modality input;
    Modality output;
    int dimension;
  };
  const Want wants[] = {
      {"DummyT2I", ModelKind::kTextToImage, Modality::kText, Modality::kImage, 0},
      {"DummyT2I2", ModelKind::kTextToImage, Modality::kText, Modality::kImage, 0},
      {"DummyI2T", ModelKind::kImageToText, Modality::kImage, Modality::kText, 0},
      {"DummyI2T2", ModelKind::kImageToText, Modality::kImage, Modality::kText, 0},
      {"DummyText", ModelKind::kTextEmbedding, Modality::kText, Modality::kText, 768},
      {"DummyText2", ModelKind::kTextEmbedding, Modality::kText, Modality::kText, 768},
      {"DummyVision", ModelKind::kImageEmbedding, Modality::kImage, Modality::kImage, 768},
      {"DummyVision2", ModelKind::kImageEmbedding, Modality::kImage, Modality::kImage, 768},
  };
  EXPECT_EQ(registry.List().size(), std::size(wants));
  for (const Want& w : wants) {
    const ModelInfo* info = registry.Find(w.name);
    ASSERT_NE(info, nullptr) << w.name;
    EXPECT_EQ(info->kind, w.kind) << w.name;
    EXPECT_EQ(info->input, w.input) << w.name;
    EXPECT_EQ(info->output, w.output) << w.name;
    EXPECT_EQ(info->dimension, w.dimension) << w.name;
    EXPECT_EQ(info->backend, "dummy") << w.name;
    EXPECT_FALSE(info->description.empty()) << w.name;
    EXPECT_EQ(info->description.find('\n'), std::string::npos) << w.name;
    if (info->is_embedding()) {
      auto model = registry.GetEmbedding(w.name);
      ASSERT_TRUE(model.ok()) << model.status().ToString();
      EXPECT_EQ((*model)->info().name, w.name);
      EXPECT_EQ(registry.GetGenAI(w.name).status().code(), StatusCode::kInvalidArgument);
    } else {
      auto model = registry.GetGenAI(w.name);
      ASSERT_TRUE(model.ok()) << model.status().ToString();
      EXPECT_EQ((*model)->info().name, w.name);
      EXPECT_EQ(registry.GetEmbedding(w.name).status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(registry.NamesOfKind(ModelKind::kTextToImage), (std::vector<std::string>{"DummyT2I", "DummyT2I2"}));
}

TEST(DummyRegistrationTest, TheDefaultRegistryRunsTheRecipes) {
  auto t2i = ModelRegistry::Default().GetGenAI("DummyT2I");
  ASSERT_TRUE(t2i.ok()) << t2i.status().ToString();
  const std::vector<Payload> inputs = {std::string("a red apple")};
  const std::vector<int64_t> seeds = {123};
  auto out = (*t2i)->InvokeBatch(inputs, seeds);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(ImageOf((*out)[0]), RgbImage::Solid(256, 256, 98, 206, 229));
}

}  // namespace
}  // namespace panic::models
