// The Python worker through the built executable: `model list` shows its models, an
// experiment on PyDummy models runs to completion with the worker's faults healed,
// and configs whose interpreter (--python) or Python package is missing exit 2 with a
// message naming it, writing nothing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::TempDir;

bool HaveWorkerDeps() { return testing::RunShell("/usr/bin/python3 -c 'import numpy, PIL'").exit_code == 0; }

std::string WriteConfig(const TempDir& dir, const std::string& t2i, const std::string& options = "{}") {
  const std::string path = dir.File("config.json");
  testing::WriteFile(path, R"({"networks": [[")" + t2i + R"(", "PyDummyI2T"]], "seeds": [5, 6],
    "prompts": ["a lighthouse"], "embedding_models": ["PyDummyText", "PyDummyVision"], "max_length": 6,
    "options": )" + options + "}");
  return path;
}

TEST(PythonWorkerCliTest, ModelListShowsWorkerModels) {
  if (!HaveWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  auto r = RunCli({"--json", "model", "list"}, "PANIC_TDA_PYTHON=/usr/bin/python3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> byName;
  for (const auto& m : nlohmann::json::parse(r.out)) byName[m["name"].get<std::string>()] = m;
  ASSERT_TRUE(byName.count("PyDummyT2I"));
  EXPECT_EQ(byName["PyDummyT2I"]["backend"], "python");
  EXPECT_EQ(byName["PyDummyVision"]["dimension"], 768);
  EXPECT_TRUE(byName["PyDummyText"]["available"].get<bool>());
  ASSERT_TRUE(byName.count("FluxDev"));
  EXPECT_TRUE(byName.count("DummyT2I")) << "native models are still listed";
}

TEST(PythonWorkerCliTest, ExperimentRunsThroughTheWorkerAndSurvivesACrash) {
  if (!HaveWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir dir;
  const std::string faults = R"([{"fault": "exit", "op": "invoke", "model": "PyDummyI2T", "at": 2}])";
  const std::string env = "PANIC_WORKER_FAULTS=" + testing::ShellQuote(faults) +
                          " PANIC_WORKER_FAULT_STATE=" + testing::ShellQuote(dir.path().string());
  auto r = RunCli({"--db", dir.File("x.db"), "--json", "experiment", "run",
                   WriteConfig(dir, "PyDummyT2I", R"({"worker_backoff": 0.05})")},
                  env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = nlohmann::json::parse(r.out);
  EXPECT_TRUE(out["completed"].get<bool>());
  EXPECT_EQ(out["stages"]["runs"]["failed"], 0);
  EXPECT_NE(r.err.find("attempt 1/3 failed"), std::string::npos) << r.err;
  // One I2T batch per I2T step (both runs advance in lockstep), plus the one retried batch.
  auto steps = testing::RunShell("sqlite3 " + dir.File("x.db") +
                                 " \"SELECT count(DISTINCT sequence_number) FROM invocations WHERE model = 'PyDummyI2T'\"");
  ASSERT_FALSE(steps.out.empty());
  EXPECT_EQ(std::stoi(testing::ReadFile(dir.File("fault-0.count"))), std::stoi(steps.out) + 1);
}

TEST(PythonWorkerCliTest, MissingInterpreterExitsTwoNamingIt) {
  TempDir dir;
  auto r = RunCli({"--db", dir.File("never.db"), "--python", "/nonexistent/bin/python3", "experiment", "run",
                   WriteConfig(dir, "PyDummyT2I")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/bin/python3"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("never.db")));
}

TEST(PythonWorkerCliTest, MissingPythonPackageExitsTwoNamingIt) {
  if (!HaveWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  if (testing::RunShell("/usr/bin/python3 -c 'import diffusers'").exit_code == 0) GTEST_SKIP() << "diffusers is installed here";
  TempDir dir;
  auto r = RunCli({"--db", dir.File("never.db"), "experiment", "run", WriteConfig(dir, "SDXLTurbo")},
                  "PANIC_TDA_PYTHON=/usr/bin/python3");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'SDXLTurbo' cannot run here"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'diffusers'"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("never.db")));
}

}  // namespace
}  // namespace panic
