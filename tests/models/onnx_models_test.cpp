// The ONNX backend end to end on tiny random-weight graphs with the real signatures
// (tools/onnx/make_tiny_models.py), against the outputs of an independent numpy + Pillow
// implementation of the same graphs, preprocessing, decoding and scheduling; and its
// errors on bad graphs (wrong signature, dimension mismatch, truncated file).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "models/onnx_test_support.h"
#include "panic/models/onnx/image_preprocess.h"
#include "panic/models/onnx/onnx_embedding_models.h"
#include "panic/models/onnx/onnx_genai_models.h"
#include "panic/models/onnx/onnx_session.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

using nlohmann::json;

const json& Expected() {
  static const json e = json::parse(testing::ReadFile((TinyModelsDir() / "expected.json").string()));
  return e;
}

// make_tiny_models.py's test_image.
RgbImage TestImage(int i, int w, int h) {
  RgbImage im{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = im.pixels.data() + (static_cast<size_t>(y) * w + x) * 3;
      p[0] = static_cast<uint8_t>((x * 7 + y * 3 + 50 * i) % 256);
      p[1] = static_cast<uint8_t>((x * 5 + y * 2 + 11 * i) % 256);
      p[2] = static_cast<uint8_t>((y * 9 + x + 3 * i) % 256);
    }
  }
  return im;
}

std::vector<Payload> TestImages() {
  std::vector<Payload> out;
  const auto& sizes = Expected()["image_sizes"];
  for (size_t i = 0; i < sizes.size(); ++i) out.emplace_back(TestImage(static_cast<int>(i), sizes[i][0], sizes[i][1]));
  return out;
}

Manifest Tiny(const std::string& name) {
  auto m = LoadManifest(TinyModelsDir() / name);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : Manifest{};
}

template <typename T>
std::unique_ptr<T> Load(const std::string& name) {
  auto m = T::Load(Tiny(name), SessionOptions{});
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? std::move(m).value() : nullptr;
}

TEST(OnnxPreprocess, MatchesPillowAndClipImageProcessor) {
  ASSERT_FALSE(TinyModelsDir().empty());
  ImageSpec spec;
  spec.resize = 32;
  spec.crop = 24;
  const auto images = TestImages();
  for (size_t i = 0; i < images.size(); ++i) {
    const auto ours = PreprocessImage(std::get<RgbImage>(images[i]), spec);
    const auto theirs = Expected()["preprocessed"][i].get<std::vector<float>>();
    ASSERT_EQ(ours.size(), theirs.size());
    // Pillow rounds its fixed-point filter sums; one level of 255 is 1/255/std ≈ 0.015 here.
    double worst = 0, total = 0;
    for (size_t k = 0; k < ours.size(); ++k) {
      worst = std::max(worst, std::fabs(static_cast<double>(ours[k]) - theirs[k]));
      total += std::fabs(static_cast<double>(ours[k]) - theirs[k]);
    }
    EXPECT_LE(worst, 0.0155) << "image " << i;
    EXPECT_LE(total / ours.size(), 0.002) << "image " << i;
  }
}

TEST(OnnxModels, ClipVisionEmbeddingMatchesNumpyInChunksOfTheBatchCap) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  auto model = Load<OnnxImageEmbedding>("TinyClipVision");
  ASSERT_TRUE(model);
  auto vectors = model->EmbedBatch(TestImages());  // 3 images, max_batch 2
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  const auto expected = Expected()["clip_vision"]["vectors"].get<std::vector<std::vector<float>>>();
  ASSERT_EQ(vectors->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    for (size_t k = 0; k < 6; ++k) EXPECT_NEAR((*vectors)[i][k], expected[i][k], 5e-3) << i << "," << k;
  }
  EXPECT_FALSE(model->EmbedBatch(std::vector<Payload>{std::string("text")}).ok());
}

TEST(OnnxModels, BertTextEmbeddingMatchesNumpy) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  auto model = Load<OnnxTextEmbedding>("TinyBert");
  ASSERT_TRUE(model);
  std::vector<Payload> texts;
  for (const auto& c : Expected()["bert"]["cases"]) texts.emplace_back(c["text"].get<std::string>());
  auto vectors = model->EmbedBatch(texts);  // 5 texts, max_batch 3: two graph calls
  ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
  for (size_t i = 0; i < texts.size(); ++i) {
    const json& c = Expected()["bert"]["cases"][i];
    EXPECT_EQ(model->Tokenize(c["text"]), c["ids"].get<std::vector<int64_t>>()) << c["text"];
    const auto want = c["vector"].get<std::vector<float>>();
    for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR((*vectors)[i][k], want[k], 1e-5) << c["text"];
  }
}

TEST(OnnxModels, TextPrefixGoesInFrontOfEveryText) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  testing::TempDir dir;
  std::filesystem::copy(TinyModelsDir() / "TinyBert", dir.path() / "Prefixed");
  std::string text = testing::ReadFile(dir.File("Prefixed/manifest.json"));
  text.replace(text.find("\"normalize\": true"), 17, "\"normalize\": true, \"prefix\": \"search_document: \"");
  testing::WriteFile(dir.File("Prefixed/manifest.json"), text);
  auto manifest = LoadManifest(dir.path() / "Prefixed");
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  auto prefixed = OnnxTextEmbedding::Load(*manifest, SessionOptions{});
  auto plain = Load<OnnxTextEmbedding>("TinyBert");
  ASSERT_TRUE(prefixed.ok() && plain);
  EXPECT_EQ((*prefixed)->Tokenize("a cat"), plain->Tokenize("search_document: a cat"));
}

TEST(OnnxModels, CaptionerGreedyAndBeamMatchNumpy) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  const auto images = TestImages();
  const std::vector<int64_t> seeds(images.size(), 1);
  auto greedy = Load<OnnxImageToText>("TinyCaptioner");
  ASSERT_TRUE(greedy);
  auto ids = greedy->GenerateIds(images, seeds);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, Expected()["captioner"]["greedy"].get<std::vector<std::vector<int64_t>>>());
  auto beam = Load<OnnxImageToText>("TinyCaptionerBeam");
  ASSERT_TRUE(beam);
  auto beam_ids = beam->GenerateIds(images, seeds);
  ASSERT_TRUE(beam_ids.ok()) << beam_ids.status().ToString();
  EXPECT_EQ(*beam_ids, Expected()["captioner"]["beam"].get<std::vector<std::vector<int64_t>>>());

  // The texts are the tokenizer's decoding of those ids.
  auto texts = greedy->InvokeBatch(images, seeds);
  ASSERT_TRUE(texts.ok());
  auto tok = HfTokenizer::LoadFile(TinyModelsDir() / "TinyCaptioner" / "tokenizer.json");
  ASSERT_TRUE(tok.ok());
  for (size_t i = 0; i < images.size(); ++i) {
    std::string want = (*tok)->Decode((*ids)[i]);
    want.erase(0, want.find_first_not_of(" "));
    want.erase(want.find_last_not_of(" ") + 1);
    EXPECT_EQ(std::get<std::string>((*texts)[i]), want);
  }
}

TEST(OnnxModels, CaptionerSamplingIsSeeded) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  auto model = Load<OnnxImageToText>("TinyCaptionerSample");
  ASSERT_TRUE(model);
  const auto images = TestImages();
  std::vector<Payload> same(4, images[1]);
  const std::vector<int64_t> seeds = {5, 5, 6, 7};
  auto a = model->GenerateIds(same, seeds);
  auto b = model->GenerateIds(same, seeds);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);                // a fixed seed gives the same caption
  EXPECT_EQ((*a)[0], (*a)[1]);      // whatever else is in the batch
  EXPECT_TRUE((*a)[0] != (*a)[2] || (*a)[0] != (*a)[3]);  // other seeds, other captions
  auto alone = model->GenerateIds(std::vector<Payload>{images[1]}, std::vector<int64_t>{6});
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ((*alone)[0], (*a)[2]);
}

void ExpectImagesMatch(const std::string& name) {
  auto model = Load<OnnxTextToImage>(name);
  ASSERT_TRUE(model);
  const json& d = Expected()["diffusion"];
  std::vector<Payload> prompts;
  for (const auto& p : d["prompts"]) prompts.emplace_back(p.get<std::string>());
  const auto seeds = d["seeds"].get<std::vector<int64_t>>();
  auto images = model->InvokeBatch(prompts, seeds);  // 3 prompts, max_batch 2
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto& im = std::get<RgbImage>((*images)[i]);
    ASSERT_EQ(im.width, 32);
    ASSERT_EQ(im.height, 32);
    const auto want = d["images"][name][i].get<std::vector<int>>();
    int worst = 0;
    for (size_t k = 0; k < want.size(); ++k) worst = std::max(worst, std::abs(im.pixels[k] - want[k]));
    EXPECT_LE(worst, 1) << name << " prompt " << i;  // float32 here, float64 in numpy
  }
  // A fixed seed gives identical images, alone or in another batch.
  auto again = model->InvokeBatch(std::vector<Payload>{prompts[2], prompts[0]}, std::vector<int64_t>{seeds[2], seeds[0]});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(std::get<RgbImage>((*again)[0]), std::get<RgbImage>((*images)[2]));
  EXPECT_EQ(std::get<RgbImage>((*again)[1]), std::get<RgbImage>((*images)[0]));
  auto other = model->InvokeBatch(std::vector<Payload>{prompts[0]}, std::vector<int64_t>{seeds[0] + 1});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(std::get<RgbImage>((*other)[0]), std::get<RgbImage>((*images)[0]));
}

TEST(OnnxModels, DiffusionEulerAncestralMatchesNumpy) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  ExpectImagesMatch("TinyDiffusion");
  auto model = Load<OnnxTextToImage>("TinyDiffusion");
  ASSERT_TRUE(model);
  const auto ids = model->PromptIds("a cat");
  EXPECT_EQ(ids.size(), 16u);  // padded to tokenizer.max_tokens
}

TEST(OnnxModels, DiffusionEulerWithGuidanceMatchesNumpy) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  ExpectImagesMatch("TinyDiffusionGuided");
}

// A copy of a tiny model folder with one file replaced, or a manifest changed.
class BadModel {
 public:
  explicit BadModel(const std::string& from) {
    std::filesystem::copy(TinyModelsDir() / from, dir_.path() / from);
    folder_ = dir_.path() / from;
  }
  const std::filesystem::path& folder() const { return folder_; }
  void Replace(const std::string& file, const std::string& with) {
    std::filesystem::copy_file(TinyModelsDir() / with, folder_ / file, std::filesystem::copy_options::overwrite_existing);
  }
  void EditManifest(const std::string& from, const std::string& to) {
    std::string text = testing::ReadFile((folder_ / "manifest.json").string());
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    testing::WriteFile((folder_ / "manifest.json").string(), text);
  }
  Manifest manifest() const {
    auto m = LoadManifest(folder_);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : Manifest{};
  }

 private:
  testing::TempDir dir_;
  std::filesystem::path folder_;
};

TEST(OnnxBadInput, WrongGraphSignatureNamesTheTensor) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  BadModel bert("TinyBert");
  bert.Replace("model.onnx", "TinyClipVision/vision.onnx");  // an image graph as a text encoder
  auto m = OnnxTextEmbedding::Load(bert.manifest(), SessionOptions{});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("no input 'input_ids'"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("pixel_values"), std::string::npos) << m.status().message();

  BadModel unet("TinyDiffusion");
  unet.Replace("unet.onnx", "TinyDiffusion/vae_decoder.onnx");
  auto t2i = OnnxTextToImage::Load(unet.manifest(), SessionOptions{});
  ASSERT_FALSE(t2i.ok());
  EXPECT_NE(t2i.status().message().find("unet.onnx: the graph has no input 'sample'"), std::string::npos)
      << t2i.status().message();

  BadModel caption("TinyCaptioner");
  caption.EditManifest("\"eos_id\": ", "\"eos_id\": 100000");  // outside the vocabulary
  auto i2t = OnnxImageToText::Load(caption.manifest(), SessionOptions{});
  ASSERT_FALSE(i2t.ok());
  EXPECT_NE(i2t.status().message().find("outside the decoder's vocabulary"), std::string::npos) << i2t.status().message();
}

TEST(OnnxBadInput, DimensionMismatchIsReported) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  BadModel clip("TinyClipVision");
  clip.EditManifest("\"dimension\": 6", "\"dimension\": 7");
  auto m = OnnxImageEmbedding::Load(clip.manifest(), SessionOptions{});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("the manifest's dimension is 7"), std::string::npos) << m.status().message();

  BadModel pooled("TinyBert");
  pooled.EditManifest("\"pooling\": \"mean\"", "\"pooling\": \"none\"");  // [B, L, 8] is not [B, 8]
  auto p = OnnxTextEmbedding::Load(pooled.manifest(), SessionOptions{});
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("expected 2 dimensions"), std::string::npos) << p.status().message();
}

TEST(OnnxBadInput, TruncatedOrGarbageGraphIsAClearError) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  BadModel bert("TinyBert");
  const auto graph = bert.folder() / "model.onnx";
  std::filesystem::resize_file(graph, std::filesystem::file_size(graph) / 2);
  auto m = OnnxTextEmbedding::Load(bert.manifest(), SessionOptions{});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kCorruption);
  EXPECT_NE(m.status().message().find("model.onnx"), std::string::npos) << m.status().message();
  testing::WriteFile(graph.string(), "not a graph at all");
  auto g = OnnxTextEmbedding::Load(bert.manifest(), SessionOptions{});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  std::filesystem::remove(graph);
  auto gone = OnnxSession::Open(graph, SessionOptions{});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
}

TEST(OnnxBadInput, CudaOnACpuRuntimeSaysSo) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  const auto providers = OnnxRuntimeProviders();
  if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") != providers.end()) {
    GTEST_SKIP() << "this runtime has CUDA";
  }
  SessionOptions cuda;
  cuda.provider = Provider::kCuda;
  auto s = OnnxSession::Open(TinyModelsDir() / "TinyBert" / "model.onnx", cuda);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no CUDA execution provider"), std::string::npos) << s.status().message();
  SessionOptions automatic;
  automatic.provider = Provider::kAuto;
  auto a = OnnxSession::Open(TinyModelsDir() / "TinyBert" / "model.onnx", automatic);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->provider(), Provider::kCpu);
}

}  // namespace
}  // namespace panic::models::onnx
