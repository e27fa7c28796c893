// Layers point one way (DESIGN.md §4): every #include "panic/<layer>/…" in src/panic is
// checked against the matrix that src/panic/CMakeLists.txt declares.
#include <gtest/gtest.h>

#include <filesystem>

#include "layering/layer_matrix.h"
#include "support/test_support.h"

namespace panic::testing {
namespace {

namespace fs = std::filesystem;

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

LayerMatrix SourceMatrix() {
  auto m = ReadLayerMatrix(SourcePath("src/panic/CMakeLists.txt"));
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : LayerMatrix{};
}

TEST(LayeringTest, MatrixIsTheDesignsOrder) {
  const LayerMatrix m = SourceMatrix();
  ASSERT_TRUE(m.allowed.count("core") && m.allowed.count("cli") && m.allowed.count("store"));
  EXPECT_EQ(m.allowed.at("core"), (std::set<std::string>{"core"}));
  EXPECT_EQ(m.allowed.at("tda"), (std::set<std::string>{"core", "tda"}));
  for (const char* pure : {"tda", "cluster", "analysis"}) {
    for (const char* above : {"store", "models", "engine", "export", "cli", "serve"}) {
      EXPECT_FALSE(m.allowed.at(pure).count(above)) << pure << " may include " << above;
    }
  }
  EXPECT_FALSE(m.allowed.at("store").count("models"));
  EXPECT_FALSE(m.allowed.at("models").count("engine"));
  EXPECT_FALSE(m.allowed.at("engine").count("cli"));
  EXPECT_TRUE(m.allowed.at("cli").count("engine"));
  EXPECT_TRUE(m.allowed.at("cli").count("core"));  // transitively
}

TEST(LayeringTest, EveryIncludeInSrcFollowsTheMatrix) {
  const LayerMatrix m = SourceMatrix();
  const auto violations = CheckLayering(SourcePath("src/panic"), m);
  EXPECT_TRUE(violations.empty()) << Join(violations);
}

// The check must be able to fail: plant an upward include (and a folder that is no layer)
// in a copy of the tree and expect both, with file and line.
TEST(LayeringTest, PlantedUpwardIncludeIsReportedWithFileAndLine) {
  TempDir tmp;
  const fs::path src = tmp.path() / "src" / "panic";
  fs::create_directories(src);
  fs::copy(SourcePath("src/panic"), src, fs::copy_options::recursive);
  const fs::path planted = src / "tda" / "planted.cpp";
  WriteFile(planted.string(), "// planted\n#include <vector>\n#include \"panic/store/database.h\"\n");
  fs::create_directories(src / "rogue");
  WriteFile((src / "rogue" / "x.cpp").string(), "#include \"panic/core/status.h\"\n");
  const LayerMatrix m = SourceMatrix();
  const auto violations = CheckLayering(src, m);
  ASSERT_EQ(violations.size(), 2u) << Join(violations);
  const std::string all = Join(violations);
  EXPECT_NE(all.find(planted.string() + ":3: tda/ may not include panic/store/"), std::string::npos) << all;
  EXPECT_NE(all.find("folder 'rogue' is not a layer"), std::string::npos) << all;
}

TEST(LayeringTest, MatrixRefusesALayerLinkingOneDeclaredLater) {
  TempDir tmp;
  WriteFile(tmp.File("CMakeLists.txt"), "panic_layer(panic_core core panic_store)\npanic_layer(panic_store store panic_core)\n");
  auto m = ReadLayerMatrix(tmp.File("CMakeLists.txt"));
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("core links panic_store"), std::string::npos) << m.status().message();
}

}  // namespace
}  // namespace panic::testing
