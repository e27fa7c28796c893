#include "panic/models/dummy/dummy_t2i.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "panic/core/time.h"
#include "panic/models/dummy/python_random.h"
#include "panic/models/dummy/recipe_common.h"
#include "panic/models/dummy/recipe_model.h"

namespace panic::models {

namespace {

uint8_t Channel(PythonRandom& rng, int lo, int hi) { return static_cast<uint8_t>(rng.RandInt(lo, hi)); }

// The reference adds a fixed offset to the seed to tell its second model apart.
constexpr uint64_t kT2I2SeedOffset = 2000;

// RgbImage::Solid, filled by doubling copies instead of pixel by pixel: the image is
// most of a dummy invocation's cost.
RgbImage SolidImage(Rgb c) {
  const size_t bytes = size_t{kDummyImageSize} * kDummyImageSize * 3;
  RgbImage image{kDummyImageSize, kDummyImageSize, std::vector<uint8_t>(bytes)};
  uint8_t* p = image.pixels.data();
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
  for (size_t filled = 3; filled < bytes;) {
    const size_t n = std::min(filled, bytes - filled);
    std::memcpy(p + filled, p, n);
    filled += n;
  }
  return image;
}

using ColorRecipe = Rgb (*)(std::string_view prompt, int64_t seed);
using ClockRecipe = Rgb (*)(int64_t micros);

std::unique_ptr<GenAIModel> MakeSolidColorModel(ModelInfo info, ColorRecipe seeded, ClockRecipe clock) {
  return std::make_unique<RecipeGenAIModel>(
      std::move(info), [seeded, clock](const Payload& input, int64_t seed) -> Result<Payload> {
        const Rgb c = seed == kNonDeterministicSeed ? clock(NowMicros())
                                                    : seeded(std::get<std::string>(input), seed);
        return Payload(SolidImage(c));
      });
}

ModelInfo T2IInfo(std::string name, std::string description) {
  return ModelInfo{std::move(name), ModelKind::kTextToImage, Modality::kText, Modality::kImage, 0, "dummy",
                   std::move(description), 0};
}

}  // namespace

Rgb DummyT2IColor(std::string_view prompt, int64_t seed) {
  PythonRandom rng(PyAbsOfSum(seed, Sha8(prompt)));
  Rgb c;
  c.r = Channel(rng, 0, 100);  // evaluation order matters: r, then g, then b
  c.g = Channel(rng, 200, 255);
  c.b = Channel(rng, 200, 255);
  return c;
}

Rgb DummyT2I2Color(std::string_view prompt, int64_t seed) {
  PythonRandom rng(PyAbsOfSum(seed, uint64_t{Sha8(prompt)} + kT2I2SeedOffset));
  Rgb c;
  c.r = Channel(rng, 200, 255);
  c.g = Channel(rng, 0, 100);
  c.b = Channel(rng, 200, 255);
  return c;
}

Rgb DummyT2IClockColor(int64_t micros) {
  return Rgb{static_cast<uint8_t>(micros % 100), static_cast<uint8_t>(200 + micros % 56),
             static_cast<uint8_t>(200 + (micros / 100) % 56)};
}

Rgb DummyT2I2ClockColor(int64_t micros) {
  return Rgb{static_cast<uint8_t>(200 + micros % 56), static_cast<uint8_t>(micros % 100),
             static_cast<uint8_t>(200 + (micros / 100) % 56)};
}

ModelInfo DummyT2IInfo() {
  return T2IInfo("DummyT2I", "solid 256x256 colour (low red, high green/blue) from SHA-256 of the prompt and the seed");
}

ModelInfo DummyT2I2Info() {
  return T2IInfo("DummyT2I2", "solid 256x256 colour (high red/blue, low green) from SHA-256 of the prompt and the seed");
}

std::unique_ptr<GenAIModel> MakeDummyT2I() {
  return MakeSolidColorModel(DummyT2IInfo(), DummyT2IColor, DummyT2IClockColor);
}

std::unique_ptr<GenAIModel> MakeDummyT2I2() {
  return MakeSolidColorModel(DummyT2I2Info(), DummyT2I2Color, DummyT2I2ClockColor);
}

}  // namespace panic::models
