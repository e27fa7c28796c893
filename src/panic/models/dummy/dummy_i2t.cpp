#include "panic/models/dummy/dummy_i2t.h"

#include <algorithm>
#include <array>

#include "panic/models/dummy/python_random.h"
#include "panic/models/dummy/recipe_common.h"
#include "panic/models/dummy/recipe_model.h"

namespace panic::models {

namespace {

constexpr size_t kHashedPixels = 10;
constexpr uint64_t kI2T2SeedOffset = 1000;

using Words = std::array<const char*, 8>;
constexpr Words kI2TAdjectives = {"bright", "dark", "vivid", "muted", "complex", "simple", "detailed", "abstract"};
constexpr Words kI2TNouns = {"scene", "image", "picture", "view", "composition", "artwork", "photo", "visual"};
constexpr Words kI2T2Adjectives = {"colorful", "monochrome", "sharp", "blurred",
                                   "dynamic",  "static",     "bold",  "subtle"};
constexpr Words kI2T2Nouns = {"display",  "capture",    "moment",    "frame",
                              "snapshot", "impression", "rendering", "portrayal"};

struct CaptionStyle {
  uint64_t seed_offset;
  const Words& adjectives;
  const Words& nouns;
  int num_lo;
  int num_hi;
  const char* prefix;         // seeded captions
  const char* random_prefix;  // seed −1 captions
};

const CaptionStyle kI2TStyle{0, kI2TAdjectives, kI2TNouns, 100, 999, "dummy caption: ", "dummy text caption "};
const CaptionStyle kI2T2Style{kI2T2SeedOffset, kI2T2Adjectives, kI2T2Nouns, 1000, 9999, "dummy v2: ",
                              "dummy text v2 "};

std::string SeededCaption(const CaptionStyle& style, const RgbImage& image, int64_t seed) {
  PythonRandom rng(PyAbsOfSum(seed, uint64_t{Sha8(PixelListRepr(image))} + style.seed_offset));
  // Python evaluates the f-string's fields left to right: adjective, noun, number.
  const char* adjective = style.adjectives[static_cast<size_t>(rng.RandInt(0, 7))];
  const char* noun = style.nouns[static_cast<size_t>(rng.RandInt(0, 7))];
  const int64_t num = rng.RandInt(style.num_lo, style.num_hi);
  return std::string(style.prefix) + adjective + " " + noun + " #" + std::to_string(num);
}

std::unique_ptr<GenAIModel> MakeCaptionModel(ModelInfo info, const CaptionStyle& style) {
  return std::make_unique<RecipeGenAIModel>(
      std::move(info), [&style](const Payload& input, int64_t seed) -> Result<Payload> {
        const auto& image = std::get<RgbImage>(input);
        PANIC_RETURN_IF_ERROR(CheckImageShape(image));
        if (seed == kNonDeterministicSeed) return Payload(std::string(style.random_prefix) + RandomHex8());
        return Payload(SeededCaption(style, image, seed));
      });
}

ModelInfo I2TInfo(std::string name, std::string description) {
  return ModelInfo{std::move(name), ModelKind::kImageToText, Modality::kImage, Modality::kText, 0, "dummy",
                   std::move(description), 0};
}

}  // namespace

std::string PixelListRepr(const RgbImage& image) {
  const size_t n = std::min(kHashedPixels, image.pixels.size() / 3);
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ", ";
    out += "(" + std::to_string(image.pixels[3 * i]) + ", " + std::to_string(image.pixels[3 * i + 1]) + ", " +
           std::to_string(image.pixels[3 * i + 2]) + ")";
  }
  return out + "]";
}

std::string DummyI2TCaption(const RgbImage& image, int64_t seed) { return SeededCaption(kI2TStyle, image, seed); }
std::string DummyI2T2Caption(const RgbImage& image, int64_t seed) { return SeededCaption(kI2T2Style, image, seed); }

ModelInfo DummyI2TInfo() {
  return I2TInfo("DummyI2T", "caption 'dummy caption: <adjective> <noun> #<100-999>' from the first pixels and the seed");
}

ModelInfo DummyI2T2Info() {
  return I2TInfo("DummyI2T2", "caption 'dummy v2: <adjective> <noun> #<1000-9999>' from the first pixels and the seed");
}

std::unique_ptr<GenAIModel> MakeDummyI2T() { return MakeCaptionModel(DummyI2TInfo(), kI2TStyle); }
std::unique_ptr<GenAIModel> MakeDummyI2T2() { return MakeCaptionModel(DummyI2T2Info(), kI2T2Style); }

}  // namespace panic::models
