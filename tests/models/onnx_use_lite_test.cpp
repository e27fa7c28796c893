// The proof on a real model: USELite exported to ONNX by tools/onnx/use_lite_to_onnx.py and
// run through the ONNX backend agrees with the native USELite (cosine ≥ 0.9999) on the
// 63 fixture texts of tests/fixtures/use_lite/texts.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "models/onnx_test_support.h"
#include "panic/models/native/use_lite_model.h"
#include "panic/models/onnx/onnx_embedding_models.h"
#include "panic/models/onnx/onnx_session.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

std::vector<std::string> FixtureTexts() {
  return nlohmann::json::parse(testing::ReadFile(testing::SourcePath("tests/fixtures/use_lite/texts.json")))
      .get<std::vector<std::string>>();
}

std::unique_ptr<OnnxTextEmbedding> LoadOnnxUseLite() {
  EXPECT_FALSE(UseLiteOnnxDir().empty());
  auto manifest = LoadManifest(UseLiteOnnxDir());
  EXPECT_TRUE(manifest.ok()) << manifest.status().ToString();
  if (!manifest.ok()) return nullptr;
  auto model = OnnxTextEmbedding::Load(*manifest, SessionOptions{});
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? std::move(model).value() : nullptr;
}

TEST(OnnxUseLite, AgreesWithNativeUseLite) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  auto native = native::UseLiteModel::LoadDefault();
  ASSERT_TRUE(native.ok()) << native.status().ToString();
  auto onnx = LoadOnnxUseLite();
  ASSERT_TRUE(onnx);
  const auto texts = FixtureTexts();
  ASSERT_EQ(texts.size(), 63u);
  const auto expected = (*native)->EmbedTexts(texts);

  // The graph: the native tokenizer's ids through the ONNX graph, every text.
  std::vector<std::vector<int64_t>> native_ids;
  for (const auto& t : texts) {
    auto ids = (*native)->tokenizer().Encode(t);
    ids.resize(std::min<size_t>(ids.size(), native::UseLiteModel::kMaxTokens));
    native_ids.emplace_back(ids.begin(), ids.end());
  }
  auto by_ids = onnx->EmbedIds(native_ids);
  ASSERT_TRUE(by_ids.ok()) << by_ids.status().ToString();
  double worst_graph = 1;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = Cosine((*by_ids)[i], expected[i]);
    worst_graph = std::min(worst_graph, c);
    EXPECT_GE(c, 0.9999) << "text " << i << ": " << texts[i];
  }

  // The whole backend: its own tokenizer (tokenizer.json, with the manifest's
  // "unigram_ties": "last", the reference's rule for equal-scoring paths).
  std::vector<Payload> inputs(texts.begin(), texts.end());
  auto vectors = onnx->EmbedBatch(inputs);
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  double worst_backend = 1;
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(onnx->Tokenize(texts[i]), native_ids[i]) << "text " << i << ": " << texts[i];
    const double c = Cosine((*vectors)[i], expected[i]);
    worst_backend = std::min(worst_backend, c);
    EXPECT_GE(c, 0.9999) << "text " << i << ": " << texts[i];
  }
  std::cout << std::setprecision(12) << "USELite ONNX vs native: smallest cosine " << worst_graph
            << " (native ids, 63 texts), " << worst_backend << " (own tokenizer, 63 texts)\n";
}

TEST(OnnxUseLite, BatchGivesWhatEachTextGivesAlone) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  auto onnx = LoadOnnxUseLite();
  ASSERT_TRUE(onnx);
  const auto texts = FixtureTexts();
  std::vector<Payload> inputs(texts.begin(), texts.begin() + 12);
  auto batch = onnx->EmbedBatch(inputs);
  ASSERT_TRUE(batch.ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto alone = onnx->EmbedBatch(std::span<const Payload>(&inputs[i], 1));
    ASSERT_TRUE(alone.ok());
    EXPECT_GE(Cosine((*alone)[0], (*batch)[i]), 0.999999) << texts[i];
  }
  auto image = onnx->EmbedBatch(std::vector<Payload>{RgbImage::Solid(2, 2, 0, 0, 0)});
  EXPECT_EQ(image.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::models::onnx
