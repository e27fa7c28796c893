// Supervision of the Python worker under injected faults (python/panic_worker/faults.py):
// a crash mid-batch, a hang, a malformed frame, a Python exception and a CUDA-type
// error are each healed by a retry (with a fresh process where the fault poisons it);
// an error that persists ends in ModelFailed after the bounded attempts; a missing
// interpreter or Python package gives a message that names it.
#include <gtest/gtest.h>

#include "models/python_worker_test_support.h"
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/models/dummy/dummy_t2i.h"
#include "panic/models/python/python_models.h"

namespace panic::models::python {
namespace {

using nlohmann::json;
using panic::testing::HavePythonWorkerDeps;
using panic::testing::TempDir;
using panic::testing::TestWorkerSettings;
using panic::testing::WithFaults;

ModelInfo PyInfo(const std::string& name) {
  if (name == "PyDummyT2I") return {name, ModelKind::kTextToImage, Modality::kText, Modality::kImage, 0, "python", "", 0};
  return {name, ModelKind::kTextEmbedding, Modality::kText, Modality::kText, 768, "python", "", 0};
}

struct FaultCase {
  const char* fault;
  bool restarts;  // whether recovery needs a fresh process
};

class PythonWorkerFaultTest : public ::testing::TestWithParam<FaultCase> {};

TEST_P(PythonWorkerFaultTest, OneFaultIsHealedByARetry) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  // The second invoke fails once; the retry must give the right images.
  auto worker = std::make_shared<PythonWorker>(WithFaults(
      TestWorkerSettings(), json::array({{{"fault", GetParam().fault}, {"op", "invoke"}, {"at", 2}}}), state.path()));
  PythonGenAIModel t2i(PyInfo("PyDummyT2I"), worker);
  std::vector<Payload> prompts = {std::string("a"), std::string("b"), std::string("c")};
  std::vector<int64_t> seeds = {1, 2, 3};
  auto expected = MakeDummyT2I()->InvokeBatch(prompts, seeds);
  ASSERT_TRUE(expected.ok());
  for (int call = 1; call <= 3; ++call) {
    auto images = t2i.InvokeBatch(prompts, seeds);
    ASSERT_TRUE(images.ok()) << "call " << call << ": " << images.status().ToString();
    EXPECT_EQ(*images, *expected) << "call " << call;
  }
  EXPECT_EQ(worker->starts(), GetParam().restarts ? 2 : 1);
}

INSTANTIATE_TEST_SUITE_P(Faults, PythonWorkerFaultTest,
                         ::testing::Values(FaultCase{"exit", true}, FaultCase{"hang", true},
                                           FaultCase{"malformed", true}, FaultCase{"cuda", true},
                                           FaultCase{"raise", false}),
                         [](const auto& param_info) { return std::string(param_info.param.fault); });

TEST(PythonWorkerSupervisionTest, PersistentErrorFailsAfterBoundedAttempts) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  auto worker = std::make_shared<PythonWorker>(WithFaults(
      TestWorkerSettings(), json::array({{{"fault", "exit"}, {"op", "embed"}, {"at", 1}, {"times", 0}}}),
      state.path()));
  PythonEmbeddingModel text(PyInfo("PyDummyText"), worker);
  std::vector<Payload> inputs = {std::string("x")};
  auto r = text.EmbedBatch(inputs);
  ASSERT_EQ(r.status().code(), StatusCode::kModelFailed);
  EXPECT_NE(r.status().message().find("after 3 attempt(s)"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("exit code 17"), std::string::npos) << r.status().message();
  EXPECT_EQ(panic::testing::ReadFile(state.File("fault-0.count")), "3");
  EXPECT_EQ(worker->starts(), 3);
  // The worker itself is healthy for other calls once the faulty op is not asked.
  PythonGenAIModel t2i(PyInfo("PyDummyT2I"), worker);
  std::vector<int64_t> seeds = {5};
  EXPECT_TRUE(t2i.InvokeBatch(inputs, seeds).ok());
}

TEST(PythonWorkerSupervisionTest, PythonErrorsCarryTypeAndMessage) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  auto settings = TestWorkerSettings();
  settings.retries = 0;
  auto worker = std::make_shared<PythonWorker>(settings);
  // numpy's seed() raises ValueError beyond 2^32, as the native DummyText refuses it.
  PythonEmbeddingModel text(PyInfo("PyDummyText"), worker);
  std::vector<Payload> inputs = {std::string(5000, '\xf4') };
  const std::string big = "\U0010FFFF";
  std::string huge;
  for (int i = 0; i < 5000; ++i) huge += big;
  inputs[0] = huge;
  auto r = text.EmbedBatch(inputs);
  ASSERT_EQ(r.status().code(), StatusCode::kModelFailed);
  EXPECT_NE(r.status().message().find("ValueError"), std::string::npos) << r.status().message();
  EXPECT_FALSE(DummyTextVector(huge).ok());
}

TEST(PythonWorkerSupervisionTest, MissingInterpreterIsNamedAndNotRetried) {
  auto settings = TestWorkerSettings();
  settings.python = "/nonexistent/bin/python3.99";
  settings.backoff_s = 10;  // a retry would make this test slow
  auto worker = std::make_shared<PythonWorker>(settings);
  auto list = worker->ListModels();
  ASSERT_EQ(list.status().code(), StatusCode::kNotFound);
  EXPECT_NE(list.status().message().find("/nonexistent/bin/python3.99"), std::string::npos) << list.status().message();
  PythonGenAIModel t2i(PyInfo("PyDummyT2I"), worker);
  std::vector<Payload> inputs = {std::string("x")};
  std::vector<int64_t> seeds = {1};
  auto r = t2i.InvokeBatch(inputs, seeds);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/nonexistent/bin/python3.99"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("after 1 attempt(s)"), std::string::npos) << r.status().message();
}

TEST(PythonWorkerSupervisionTest, InterpreterWithoutThePackageIsExplained) {
  auto settings = TestWorkerSettings();
  settings.package_dir = "/nonexistent/python";
  PythonWorker worker(settings);
  auto list = worker.ListModels();
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.status().message().find("No module named panic_worker"), std::string::npos) << list.status().message();
}

TEST(PythonWorkerSupervisionTest, MissingPythonPackagesAreNamed) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  // Debian's python without site-packages (-S) has neither numpy nor PIL.
  TempDir dir;
  const std::string wrapper = dir.File("python-without-site");
  panic::testing::WriteFile(wrapper, "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
  ASSERT_EQ(panic::testing::RunShell("chmod +x " + wrapper).exit_code, 0);
  auto settings = TestWorkerSettings();
  settings.python = wrapper;
  auto worker = std::make_shared<PythonWorker>(settings);
  auto list = worker->ListModels();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  bool seen = false;
  for (const auto& m : *list) {
    if (m.info.name != "PyDummyText") continue;
    seen = true;
    EXPECT_FALSE(m.available);
    EXPECT_EQ(m.missing, std::vector<std::string>{"numpy"});
  }
  EXPECT_TRUE(seen);
  PythonEmbeddingModel text(PyInfo("PyDummyText"), worker);
  std::vector<Payload> inputs = {std::string("x")};
  auto r = text.EmbedBatch(inputs);
  ASSERT_EQ(r.status().code(), StatusCode::kModelFailed);
  EXPECT_NE(r.status().message().find("ModuleNotFoundError"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("numpy"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("after 1 attempt(s)"), std::string::npos) << r.status().message();
}

TEST(PythonWorkerSupervisionTest, RegistryDiscoversWorkerModelsAndMarksUnavailableOnes) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  ModelRegistry registry;
  RegisterDummyModels(registry);
  auto worker = std::make_shared<PythonWorker>(TestWorkerSettings());
  registry.SetDiscoverer([worker](ModelRegistry& r) { return DiscoverPythonModels(r, worker); });
  ASSERT_NE(registry.Find("DummyT2I"), nullptr);
  EXPECT_EQ(worker->starts(), 0) << "a native name must not start Python";
  const ModelInfo* py = registry.Find("PyDummyI2T");
  ASSERT_NE(py, nullptr);
  EXPECT_EQ(py->backend, "python");
  EXPECT_EQ(worker->starts(), 1);
  EXPECT_EQ(registry.UnavailableReason("PyDummyI2T"), "");
  if (registry.UnavailableReason("FluxDev").empty()) GTEST_SKIP() << "torch is installed here";
  EXPECT_NE(registry.UnavailableReason("FluxDev").find("'torch'"), std::string::npos) << registry.UnavailableReason("FluxDev");
  auto flux = registry.GetGenAI("FluxDev");
  EXPECT_EQ(flux.status().code(), StatusCode::kNotFound);
  EXPECT_NE(flux.status().message().find("torch"), std::string::npos);
}

}  // namespace
}  // namespace panic::models::python
