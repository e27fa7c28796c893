// The dummy embedding models, bit for bit with the Python reference's recipes (issue 2
// §4b). Each returns kDummyEmbeddingDim (768) float32 values, not normalised.
//   DummyText(text):    np.random.seed(Σ ord(c) for c in text); np.random.rand(768).astype(float32)
//   DummyText2(text):   [ord(c) for c in text[:100]] zero-padded to 768, each / 255.0, as float32
//   DummyVision(img):   np.random.seed((w + h + Σ channel values of the first 100 pixels) mod 2^32);
//                       rand(768) as float32. No image (an empty one) → seed 0.
//   DummyVision2(img):  channel values of the first 768 pixels flattened (r, g, b, r, …),
//                       truncated or zero-padded to 768, each / 255.0, as float32.
//                       No image (an empty one) → np.random.seed(1); rand(768).
// Divisions are done in double and then rounded to float32, as numpy does for
// `np.array(ints) / 255.0` followed by `.astype(np.float32)`.
//
// Thread safety: the models hold only constant state; calls may run concurrently.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "panic/models/model.h"

namespace panic::models {

// InvalidArgument when the code-point sum reaches 2^32: numpy's seed() raises
// ValueError there, so the reference has no vector for such a text either (it takes
// about four thousand characters from the top of Unicode, or forty million ASCII ones).
Result<std::vector<float>> DummyTextVector(std::string_view utf8_text);
std::vector<float> DummyText2Vector(std::string_view utf8_text);
// REQUIRES: CheckImageShape(image) is OK (the models check it and return InvalidArgument).
std::vector<float> DummyVisionVector(const RgbImage& image);
std::vector<float> DummyVision2Vector(const RgbImage& image);

ModelInfo DummyTextInfo();
ModelInfo DummyText2Info();
ModelInfo DummyVisionInfo();
ModelInfo DummyVision2Info();
std::unique_ptr<EmbeddingModel> MakeDummyText();
std::unique_ptr<EmbeddingModel> MakeDummyText2();
std::unique_ptr<EmbeddingModel> MakeDummyVision();
std::unique_ptr<EmbeddingModel> MakeDummyVision2();

}  // namespace panic::models
