#include "panic/models/dummy/dummy_embeddings.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "panic/core/utf8.h"
#include "panic/models/dummy/numpy_random.h"
#include "panic/models/dummy/recipe_common.h"
#include "panic/models/dummy/recipe_model.h"

namespace panic::models {

namespace {

constexpr size_t kText2Characters = 100;
constexpr size_t kVisionSeedPixels = 100;
constexpr uint32_t kVision2EmptyImageSeed = 1;

// value / 255.0 in double, then rounded to float32 (numpy's true division of an
// integer array by a Python float yields float64; astype then rounds).
float Scaled(uint32_t value) { return static_cast<float>(static_cast<double>(value) / 255.0); }

ModelInfo EmbeddingInfo(std::string name, ModelKind kind, Modality modality, std::string description) {
  return ModelInfo{std::move(name), kind, modality, modality, kDummyEmbeddingDim, "dummy", std::move(description), 0};
}

std::unique_ptr<EmbeddingModel> MakeImageModel(ModelInfo info, std::vector<float> (*recipe)(const RgbImage&)) {
  return std::make_unique<RecipeEmbeddingModel>(std::move(info),
                                                [recipe](const Payload& input) -> Result<std::vector<float>> {
                                                  const auto& image = std::get<RgbImage>(input);
                                                  PANIC_RETURN_IF_ERROR(CheckImageShape(image));
                                                  return recipe(image);
                                                });
}

}  // namespace

Result<std::vector<float>> DummyTextVector(std::string_view utf8_text) {
  uint64_t sum = 0;
  for (char32_t cp : DecodeUtf8(utf8_text)) sum += cp;
  if (sum > UINT32_MAX) {
    return Status::InvalidArgument("DummyText: the code points of this text sum to " + std::to_string(sum) +
                                   ", beyond numpy's seed range [0, 2^32)");
  }
  return NumpyLegacyRandom(static_cast<uint32_t>(sum)).RandFloat32(kDummyEmbeddingDim);
}

std::vector<float> DummyText2Vector(std::string_view utf8_text) {
  const std::u32string cps = DecodeUtf8(utf8_text);
  std::vector<float> v(kDummyEmbeddingDim, 0.0f);
  const size_t n = std::min(cps.size(), kText2Characters);
  for (size_t i = 0; i < n; ++i) v[i] = Scaled(cps[i]);
  return v;
}

std::vector<float> DummyVisionVector(const RgbImage& image) {
  uint32_t seed = 0;
  if (!image.empty()) {
    // Unsigned arithmetic wraps mod 2^32, which is the recipe's "mod 2^32".
    seed = static_cast<uint32_t>(image.width) + static_cast<uint32_t>(image.height);
    const size_t channels = std::min(image.pixels.size(), kVisionSeedPixels * 3);
    for (size_t i = 0; i < channels; ++i) seed += image.pixels[i];
  }
  return NumpyLegacyRandom(seed).RandFloat32(kDummyEmbeddingDim);
}

std::vector<float> DummyVision2Vector(const RgbImage& image) {
  if (image.empty()) return NumpyLegacyRandom(kVision2EmptyImageSeed).RandFloat32(kDummyEmbeddingDim);
  // The first 768 pixels have 2304 channel values; truncating to 768 keeps the first 768.
  std::vector<float> v(kDummyEmbeddingDim, 0.0f);
  const size_t n = std::min(image.pixels.size(), static_cast<size_t>(kDummyEmbeddingDim));
  for (size_t i = 0; i < n; ++i) v[i] = Scaled(image.pixels[i]);
  return v;
}

ModelInfo DummyTextInfo() {
  return EmbeddingInfo("DummyText", ModelKind::kTextEmbedding, Modality::kText,
                       "768 uniform floats from numpy's legacy MT19937 seeded by the sum of the text's code points");
}

ModelInfo DummyText2Info() {
  return EmbeddingInfo("DummyText2", ModelKind::kTextEmbedding, Modality::kText,
                       "code points of the first 100 characters / 255, zero-padded to 768");
}

ModelInfo DummyVisionInfo() {
  return EmbeddingInfo("DummyVision", ModelKind::kImageEmbedding, Modality::kImage,
                       "768 uniform floats from numpy's legacy MT19937 seeded by the size and first 100 pixels");
}

ModelInfo DummyVision2Info() {
  return EmbeddingInfo("DummyVision2", ModelKind::kImageEmbedding, Modality::kImage,
                       "the first 768 channel values (r, g, b, ...) / 255, zero-padded to 768");
}

std::unique_ptr<EmbeddingModel> MakeDummyText() {
  return std::make_unique<RecipeEmbeddingModel>(DummyTextInfo(), [](const Payload& input) {
    return DummyTextVector(std::get<std::string>(input));
  });
}

std::unique_ptr<EmbeddingModel> MakeDummyText2() {
  return std::make_unique<RecipeEmbeddingModel>(DummyText2Info(), [](const Payload& input) {
    return Result<std::vector<float>>(DummyText2Vector(std::get<std::string>(input)));
  });
}

std::unique_ptr<EmbeddingModel> MakeDummyVision() { return MakeImageModel(DummyVisionInfo(), DummyVisionVector); }
std::unique_ptr<EmbeddingModel> MakeDummyVision2() { return MakeImageModel(DummyVision2Info(), DummyVision2Vector); }

}  // namespace panic::models
