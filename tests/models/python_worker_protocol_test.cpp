// Binary round trips through the real worker: texts with every byte value, images of odd
// sizes and vectors come back byte for byte; the worker's dummy models equal the native
// dummies. The frame codec alone is tested in frame_codec_test.cpp.
#include <gtest/gtest.h>

#include <random>

#include "fixtures/dummy/test_images.h"
#include "models/python_worker_test_support.h"
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/dummy_i2t.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/models/python/frame_codec.h"
#include "panic/models/python/python_models.h"

namespace panic::models::python {
namespace {

using panic::testing::HavePythonWorkerDeps;
using panic::testing::TestWorkerSettings;

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s + "\xff\xfe\x80 not UTF-8 \xc3";
}

RgbImage Noise(int w, int h, uint32_t seed) {
  std::mt19937 gen(seed);
  RgbImage img{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (auto& p : img.pixels) p = static_cast<uint8_t>(gen());
  return img;
}

TEST(PythonWorkerProtocolTest, EchoReturnsTextsAndImagesByteForByte) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  PythonWorker worker(TestWorkerSettings());
  ModelInfo echo{"echo", ModelKind::kTextToImage, Modality::kText, Modality::kText, 0, "python", "", 0};
  std::vector<Payload> texts = {AllBytes(), std::string(), std::string("plain ascii"), std::string("naïve — ✓")};
  Frame req;
  req.header = {{"op", "echo"}};
  ASSERT_TRUE(AppendInputs(echo, texts, req).ok());
  auto reply = worker.Call(req, 10);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_TRUE(reply->header["ok"].get<bool>()) << reply->header.dump();
  auto back = ParseOutputs(echo, *reply, texts.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, texts);

  echo.input = echo.output = Modality::kImage;
  std::vector<Payload> images = {Noise(257, 3, 1), Noise(1, 1, 2), Noise(640, 480, 3), panic::testing::GradientImage(31, 17)};
  Frame req2;
  req2.header = {{"op", "echo"}};
  ASSERT_TRUE(AppendInputs(echo, images, req2).ok());
  auto reply2 = worker.Call(req2, 10);
  ASSERT_TRUE(reply2.ok()) << reply2.status().ToString();
  auto back2 = ParseOutputs(echo, *reply2, images.size());
  ASSERT_TRUE(back2.ok()) << back2.status().ToString();
  EXPECT_EQ(*back2, images);
}

class PythonDummyTwinsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
    worker_ = std::make_shared<PythonWorker>(TestWorkerSettings());
    auto models = worker_->ListModels();
    ASSERT_TRUE(models.ok()) << models.status().ToString();
    for (const auto& m : *models) infos_[m.info.name] = m;
  }
  std::shared_ptr<PythonWorker> worker_;
  std::map<std::string, WorkerModel> infos_;
};

TEST_F(PythonDummyTwinsTest, ListReportsKindsDimensionsAndAvailability) {
  ASSERT_TRUE(infos_.count("PyDummyT2I"));
  EXPECT_EQ(infos_["PyDummyT2I"].info.kind, ModelKind::kTextToImage);
  EXPECT_EQ(infos_["PyDummyI2T"].info.input, Modality::kImage);
  EXPECT_EQ(infos_["PyDummyText"].info.dimension, 768);
  EXPECT_EQ(infos_["PyDummyVision"].info.kind, ModelKind::kImageEmbedding);
  EXPECT_TRUE(infos_["PyDummyVision"].available);
  for (const char* real : {"FluxDev", "FluxSchnell", "SDXLTurbo", "SD35Medium", "Moondream", "BLIP2", "Florence2",
                           "STSBMpnet", "STSBRoberta", "STSBDistilRoberta", "Nomic", "JinaClip", "NomicVision",
                           "JinaClipVision"}) {
    ASSERT_TRUE(infos_.count(real)) << real;
    EXPECT_EQ(infos_[real].info.backend, "python");
    if (!infos_[real].available) {
      EXPECT_FALSE(infos_[real].missing.empty()) << real << " unavailable but names no missing package";
    }
  }
  EXPECT_EQ(infos_["Nomic"].info.dimension, 768);
}

TEST_F(PythonDummyTwinsTest, SeededOutputsEqualTheNativeDummies) {
  PythonGenAIModel t2i(infos_["PyDummyT2I"].info, worker_);
  PythonGenAIModel i2t(infos_["PyDummyI2T"].info, worker_);
  PythonEmbeddingModel text(infos_["PyDummyText"].info, worker_);
  PythonEmbeddingModel vision(infos_["PyDummyVision"].info, worker_);
  const std::vector<std::string> prompts = {"a red apple", "penguin by a campfire", "naïve ✓", ""};
  const std::vector<int64_t> seeds = {42, 7, -5, 1234567890123};
  std::vector<Payload> inputs(prompts.begin(), prompts.end());

  auto images = t2i.InvokeBatch(inputs, seeds);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  auto native_t2i = MakeDummyT2I();
  auto expected_images = native_t2i->InvokeBatch(inputs, seeds);
  ASSERT_TRUE(expected_images.ok());
  EXPECT_EQ(*images, *expected_images);

  std::vector<Payload> pictures = {Noise(64, 48, 9), panic::testing::GradientImage(256, 256), (*images)[0], Noise(3, 2, 4)};
  auto captions = i2t.InvokeBatch(pictures, seeds);
  ASSERT_TRUE(captions.ok()) << captions.status().ToString();
  auto expected_captions = MakeDummyI2T()->InvokeBatch(pictures, seeds);
  ASSERT_TRUE(expected_captions.ok());
  EXPECT_EQ(*captions, *expected_captions);

  auto vectors = text.EmbedBatch(inputs);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  for (size_t i = 0; i < prompts.size(); ++i) EXPECT_EQ((*vectors)[i], *DummyTextVector(prompts[i])) << prompts[i];

  auto image_vectors = vision.EmbedBatch(pictures);
  ASSERT_TRUE(image_vectors.ok()) << image_vectors.status().ToString();
  for (size_t i = 0; i < pictures.size(); ++i) {
    EXPECT_EQ((*image_vectors)[i], DummyVisionVector(std::get<RgbImage>(pictures[i]))) << i;
  }
}

TEST_F(PythonDummyTwinsTest, BatchesAreSplitByTheModelCap) {
  ModelInfo capped = infos_["PyDummyText"].info;
  capped.max_batch = 3;
  PythonEmbeddingModel text(capped, worker_);
  std::vector<Payload> inputs;
  for (int i = 0; i < 10; ++i) inputs.emplace_back("text " + std::to_string(i));
  auto vectors = text.EmbedBatch(inputs);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  ASSERT_EQ(vectors->size(), 10u);
  EXPECT_EQ((*vectors)[9], *DummyTextVector("text 9"));
}

TEST_F(PythonDummyTwinsTest, WrongModalityIsRejectedBeforeTheWorker) {
  PythonGenAIModel i2t(infos_["PyDummyI2T"].info, worker_);
  std::vector<Payload> inputs = {std::string("not an image")};
  std::vector<int64_t> seeds = {1};
  auto r = i2t.InvokeBatch(inputs, seeds);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::models::python
