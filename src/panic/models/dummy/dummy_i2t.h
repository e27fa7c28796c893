// DummyI2T and DummyI2T2: image → a short caption, bit for bit with the Python
// reference's recipes (issue 2 §4). h = sha8(P), P = Python's repr of the list of the
// image's first 10 pixels as RGB tuples, "[(12, 230, 201), (12, 230, 201), ...]".
// With seed s ≠ −1:
//   DummyI2T:  random.seed(s + h);        "dummy caption: {adj} {noun} #{randint(100,999)}"
//   DummyI2T2: random.seed(s + h + 1000); "dummy v2: {adj} {noun} #{randint(1000,9999)}"
// where adj = ADJ[randint(0,7)] and then noun = NOUN[randint(0,7)], each model with its
// own word lists. With seed −1: "dummy text caption " / "dummy text v2 " + 8 random hex.
//
// Thread safety: the models hold only constant state; calls may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "panic/models/model.h"

namespace panic::models {

// P for `image`: the repr of its first min(10, width × height) pixels in row-major
// order. REQUIRES: CheckImageShape(image) is OK.
std::string PixelListRepr(const RgbImage& image);

// The seeded captions. REQUIRES: CheckImageShape(image) is OK.
std::string DummyI2TCaption(const RgbImage& image, int64_t seed);
std::string DummyI2T2Caption(const RgbImage& image, int64_t seed);

ModelInfo DummyI2TInfo();
ModelInfo DummyI2T2Info();
// The models: an image in, a caption out; a malformed image is InvalidArgument.
std::unique_ptr<GenAIModel> MakeDummyI2T();
std::unique_ptr<GenAIModel> MakeDummyI2T2();

}  // namespace panic::models
