// ONNX models through the command line and the pipeline: found by name in
// $PANIC_TDA_ONNX_PATH, listed, used by an experiment like any other model, and rejected
// before anything runs (exit 2, naming the model and the problem) when their folder is bad.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "models/onnx_test_support.h"
#include "panic/models/onnx/onnx_session.h"
#include "support/test_support.h"

namespace panic::models::onnx {
namespace {

std::string OnnxEnv(const std::filesystem::path& path) {
  return "PANIC_TDA_ONNX_PATH=" + testing::ShellQuote(path.string());
}

std::string WriteConfig(const testing::TempDir& dir, const std::string& networks, const std::string& embedders,
                        const std::string& options = "{}") {
  const std::string path = dir.File("config.json");
  testing::WriteFile(path, R"({"networks": )" + networks + R"(, "seeds": [3, 4], "prompts": ["a cat on a sofa"],
    "embedding_models": )" + embedders + R"(, "max_length": 4, "options": )" + options + "}");
  return path;
}

TEST(OnnxCli, ModelsAreListedAndRunInAnExperiment) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  ASSERT_FALSE(TinyModelsDir().empty());
  const std::string env = OnnxEnv(TinyModelsDir());
  auto list = testing::RunCli({"model", "list", "--json"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto models = nlohmann::json::parse(list.out);
  int onnx = 0;
  for (const auto& m : models) {
    if (m["backend"] != "onnx") continue;
    ++onnx;
    EXPECT_TRUE(m["available"].get<bool>()) << m.dump();
  }
  EXPECT_EQ(onnx, 7);

  auto embed = testing::RunCli({"model", "embed", "TinyBert", "a cat on a sofa"}, env);
  ASSERT_EQ(embed.exit_code, 0) << embed.err;
  EXPECT_EQ(nlohmann::json::parse(embed.out)[0]["vector"].size(), 8u);

  testing::TempDir dir;
  const std::string config = WriteConfig(dir, R"([["TinyDiffusion", "TinyCaptioner"]])",
                                         R"(["TinyBert", "TinyClipVision", "USELite"])", R"({"onnx_provider": "auto"})");
  auto run = testing::RunCli({"--db", dir.File("x.db"), "experiment", "run", config}, env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("completed"), std::string::npos) << run.out;
  // Every output embedded: 2 runs × 2 images + ≤ 2 × 2 captions, each by its modality's models.
  auto rows = testing::RunShell("sqlite3 " + testing::ShellQuote(dir.File("x.db")) +
                                " \"SELECT embedding_model, count(*) FROM embeddings GROUP BY 1 ORDER BY 1\"");
  ASSERT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_NE(rows.out.find("TinyClipVision|4"), std::string::npos) << rows.out;
  EXPECT_NE(rows.out.find("TinyBert|"), std::string::npos) << rows.out;
}

TEST(OnnxCli, BadModelFoldersAreRejectedBeforeAnythingRuns) {
  ASSERT_FALSE(TinyModelsDir().empty());
  testing::TempDir dir;
  const auto root = dir.path() / "models";
  std::filesystem::create_directories(root);
  std::filesystem::copy(TinyModelsDir() / "TinyBert", root / "NoGraph");
  std::filesystem::remove(root / "NoGraph" / "model.onnx");
  std::filesystem::copy(TinyModelsDir() / "TinyCaptioner", root / "BadManifest");
  testing::WriteFile((root / "BadManifest" / "manifest.json").string(), R"({"schema": 1, "kind": "image-to-text"})");
  const std::string env = OnnxEnv(root);

  auto list = testing::RunCli({"model", "list"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("NoGraph"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("UNAVAILABLE: "), std::string::npos) << list.out;

  const std::string db = dir.File("x.db");
  auto missing = testing::RunCli({"--db", db, "experiment", "run", WriteConfig(dir, R"([["DummyT2I", "DummyI2T"]])", R"(["NoGraph"])")}, env);
  EXPECT_EQ(missing.exit_code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.err.find("embedding_models[0]: 'NoGraph' cannot run here"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("model.onnx does not exist"), std::string::npos) << missing.err;

  auto bad = testing::RunCli({"--db", db, "experiment", "run", WriteConfig(dir, R"([["DummyT2I", "BadManifest"]])", R"(["DummyText"])")}, env);
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("networks[0][1]: 'BadManifest' cannot run here"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("graphs is missing"), std::string::npos) << bad.err;
  if (std::filesystem::exists(db)) {  // nothing written
    EXPECT_EQ(testing::RunShell("sqlite3 " + testing::ShellQuote(db) + " 'SELECT count(*) FROM experiments'").out, "0\n");
  }
}

TEST(OnnxCli, CudaProviderWithoutCudaIsRejectedUpFront) {
  PANIC_SKIP_WITHOUT_ONNX_RUNTIME();
  const auto providers = OnnxRuntimeProviders();
  if (std::find(providers.begin(), providers.end(), "CUDAExecutionProvider") != providers.end()) {
    GTEST_SKIP() << "this runtime has CUDA";
  }
  testing::TempDir dir;
  auto r = testing::RunCli({"--db", dir.File("x.db"), "experiment", "run",
                            WriteConfig(dir, R"([["DummyT2I", "DummyI2T"]])", R"(["TinyBert"])", R"({"onnx_provider": "cuda"})")},
                           OnnxEnv(TinyModelsDir()));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("no CUDA execution provider"), std::string::npos) << r.err;
  auto typo = testing::RunCli({"--db", dir.File("x.db"), "experiment", "run",
                               WriteConfig(dir, R"([["DummyT2I", "DummyI2T"]])", R"(["TinyBert"])", R"({"onnx_provider": "gpu"})")},
                              OnnxEnv(TinyModelsDir()));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("options.onnx_provider"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace panic::models::onnx
