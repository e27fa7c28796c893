// Supervision of the Python worker under injected faults (python/panic_worker/faults.py):
// a crash mid-batch, a hang, a malformed frame, a Python exception and a device fault
// are each healed by a retry (with a fresh process where the fault poisons it); out of
// memory halves the batch in the same process and the model keeps the size that fitted;
// options.max_batch replaces the worker's cap, bounded by what fits; an error that
// persists ends in ModelFailed after the bounded attempts, one the worker marks
// permanent at once; the same classes hold while loading and for embedding calls; a missing interpreter or Python package gives a message that
// names it; release to the CPU keeps the model loaded, ReleaseAll unloads it.
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

ModelInfo PyInfo(const std::string& name, int max_batch = 0) {
  if (name == "PyDummyT2I") {
    return {name, ModelKind::kTextToImage, Modality::kText, Modality::kImage, 0, "python", "", max_batch};
  }
  return {name, ModelKind::kTextEmbedding, Modality::kText, Modality::kText, 768, "python", "", max_batch};
}

std::vector<Payload> Prompts(int n) {
  std::vector<Payload> out;
  for (int i = 0; i < n; ++i) out.emplace_back("prompt " + std::to_string(i));
  return out;
}

std::vector<int64_t> Seeds(int n) {
  std::vector<int64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(100 + i);
  return out;
}

// How many requests matched fault `index` (python/panic_worker/faults.py counts them
// across restarts); 0 when none did.
int FaultCount(const TempDir& state, int index) {
  const std::string text = panic::testing::ReadFile(state.File("fault-" + std::to_string(index) + ".count"));
  return text.empty() ? 0 : std::stoi(text);
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

TEST(PythonWorkerSupervisionTest, OutOfMemoryHalvesTheBatchAndKeepsTheSizeThatFits) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  // Batches of more than 2 prompts run out of GPU memory, every time.
  auto settings = WithFaults(TestWorkerSettings(),
                             json::array({{{"fault", "oom"}, {"op", "invoke"}, {"above", 2}, {"times", 0}}}), state.path());
  auto worker = std::make_shared<PythonWorker>(settings);
  PythonGenAIModel t2i(PyInfo("PyDummyT2I", 8), worker);
  const auto prompts = Prompts(8);
  const auto seeds = Seeds(8);
  auto expected = MakeDummyT2I()->InvokeBatch(prompts, seeds);
  ASSERT_TRUE(expected.ok());
  auto images = t2i.InvokeBatch(prompts, seeds);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  EXPECT_EQ(*images, *expected) << "seeded outputs must not depend on the batch size";
  EXPECT_EQ(worker->FittedBatch("PyDummyT2I"), 2);
  EXPECT_EQ(worker->BatchLimit(t2i.info()), 2);
  EXPECT_EQ(FaultCount(state, 0), 2) << "the batch of 8, then of 4, ran out of memory";
  EXPECT_EQ(worker->starts(), 1) << "out of memory is not a reason to replace the worker";
  // The size that fitted is kept: no batch above 2 is sent again.
  images = t2i.InvokeBatch(prompts, seeds);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  EXPECT_EQ(*images, *expected);
  EXPECT_EQ(FaultCount(state, 0), 2);
  // Other load options (another image size) start from the configured cap again.
  auto other = worker->settings();
  other.load_options["PyDummyT2I"] = {{"image_size", 1024}};
  worker->UpdateSettings(other);
  EXPECT_EQ(worker->FittedBatch("PyDummyT2I"), 0);
  EXPECT_EQ(worker->BatchLimit(t2i.info()), 8);
}

TEST(PythonWorkerSupervisionTest, OutOfMemoryForOneInputIsAnOrdinaryFailure) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  auto worker = std::make_shared<PythonWorker>(WithFaults(
      TestWorkerSettings(), json::array({{{"fault", "oom"}, {"op", "invoke"}, {"times", 0}}}), state.path()));
  PythonGenAIModel t2i(PyInfo("PyDummyT2I", 4), worker);
  auto r = t2i.InvokeBatch(Prompts(2), Seeds(2));
  ASSERT_EQ(r.status().code(), StatusCode::kModelFailed);
  EXPECT_NE(r.status().message().find("CUDA out of memory"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("after 3 attempt(s)"), std::string::npos) << r.status().message();
  EXPECT_EQ(FaultCount(state, 0), 4) << "the batch of 2, then three attempts with 1";
  EXPECT_EQ(worker->FittedBatch("PyDummyT2I"), 1);
  EXPECT_EQ(worker->starts(), 1);
}

TEST(PythonWorkerSupervisionTest, MaxBatchOptionReplacesTheWorkersCapBoundedByWhatFits) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  // Batches of more than 4 run out of memory (a fault that only counts otherwise).
  const json faults = json::array({{{"fault", "oom"}, {"op", "invoke"}, {"above", 4}, {"times", 0}},
                                   {{"fault", "raise"}, {"op", "invoke"}, {"above", 2}, {"at", 1000000}}});
  auto settings = WithFaults(TestWorkerSettings(), faults, state.path());
  const ModelInfo capped = PyInfo("PyDummyT2I", 2);  // the worker's own cap: 2
  {
    auto worker = std::make_shared<PythonWorker>(settings);
    ASSERT_TRUE(PythonGenAIModel(capped, worker).InvokeBatch(Prompts(10), Seeds(10)).ok());
    EXPECT_EQ(FaultCount(state, 1), 0) << "without the option no batch is above the worker's cap";
  }
  settings.max_batch["PyDummyT2I"] = 6;
  auto worker = std::make_shared<PythonWorker>(settings);
  PythonGenAIModel t2i(capped, worker);
  auto images = t2i.InvokeBatch(Prompts(10), Seeds(10));
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  EXPECT_EQ(*images, *MakeDummyT2I()->InvokeBatch(Prompts(10), Seeds(10)));
  EXPECT_EQ(FaultCount(state, 0), 1) << "the option's batch of 6 was tried and did not fit";
  EXPECT_EQ(worker->FittedBatch("PyDummyT2I"), 3);
  EXPECT_GT(FaultCount(state, 1), 0) << "batches above the worker's own cap of 2 were sent";
}

// A fault while loading: a device fault replaces the worker, out of memory (which
// leaves the context intact) is retried in the same one; either way the batch comes out
// as the native model makes it, at the size it was sent.
TEST(PythonWorkerSupervisionTest, FaultsWhileLoadingTellADeviceFaultFromOutOfMemory) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  for (const auto& [fault, starts] : {std::pair<std::string, int>{"cuda", 2}, {"oom", 1}}) {
    SCOPED_TRACE(fault);
    TempDir state;
    auto worker = std::make_shared<PythonWorker>(
        WithFaults(TestWorkerSettings(), json::array({{{"fault", fault}, {"op", "load"}}}), state.path()));
    PythonGenAIModel t2i(PyInfo("PyDummyT2I", 8), worker);
    auto images = t2i.InvokeBatch(Prompts(5), Seeds(5));
    ASSERT_TRUE(images.ok()) << images.status().ToString();
    EXPECT_EQ(*images, *MakeDummyT2I()->InvokeBatch(Prompts(5), Seeds(5)));
    EXPECT_EQ(FaultCount(state, 0), 2) << "the failed load and the one that worked";
    EXPECT_EQ(worker->starts(), starts);
    EXPECT_EQ(worker->FittedBatch("PyDummyT2I"), 0) << "a load that failed says nothing about batch sizes";
  }
}

// The embeddings stage's calls take the same paths as the runs stage's: a device fault
// replaces the worker and resends the same batch; out of memory halves it in the same
// process. The vectors are the native model's either way.
TEST(PythonWorkerSupervisionTest, EmbeddingCallsTellADeviceFaultFromOutOfMemory) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  std::vector<Payload> texts;
  for (int i = 0; i < 6; ++i) texts.emplace_back("caption " + std::to_string(i));
  auto expected = MakeDummyText()->EmbedBatch(texts);
  ASSERT_TRUE(expected.ok());
  struct Case {
    json fault;
    int starts, fitted;
  };
  // Each fault matches two requests: the device fault the batch of 6 and its resend in a
  // fresh worker; out of memory the batches of 6 and 3 (batches of 2 fit).
  for (const Case& c : {Case{{{"fault", "cuda"}, {"op", "embed"}}, 2, 0},
                        Case{{{"fault", "oom"}, {"op", "embed"}, {"above", 2}, {"times", 0}}, 1, 2}}) {
    SCOPED_TRACE(c.fault.dump());
    TempDir state;
    auto worker = std::make_shared<PythonWorker>(WithFaults(TestWorkerSettings(), json::array({c.fault}), state.path()));
    PythonEmbeddingModel text(PyInfo("PyDummyText", 64), worker);
    auto vectors = text.EmbedBatch(texts);
    ASSERT_TRUE(vectors.ok()) << vectors.status().ToString();
    EXPECT_EQ(*vectors, *expected);
    EXPECT_EQ(worker->starts(), c.starts);
    EXPECT_EQ(worker->FittedBatch("PyDummyText"), c.fitted);
    EXPECT_EQ(FaultCount(state, 0), 2);
  }
}

TEST(PythonWorkerSupervisionTest, PermanentErrorsAreNotRetried) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  auto settings = TestWorkerSettings();
  settings.backoff_s = 10;  // a retry would make this test slow
  settings.load_options["PyDummyT2I"] = {{"image_size", 512}};
  auto worker = std::make_shared<PythonWorker>(settings);
  PythonGenAIModel t2i(PyInfo("PyDummyT2I"), worker);
  auto r = t2i.InvokeBatch(Prompts(1), Seeds(1));
  ASSERT_EQ(r.status().code(), StatusCode::kModelFailed);
  EXPECT_NE(r.status().message().find("PyDummyT2I takes no load options (got image_size)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("after 1 attempt(s)"), std::string::npos) << r.status().message();
}

TEST(PythonWorkerSupervisionTest, ReleaseToTheCpuKeepsTheModelAndReleaseAllUnloadsIt) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  // A fault that never fires counts the loads.
  auto worker = std::make_shared<PythonWorker>(WithFaults(
      TestWorkerSettings(), json::array({{{"fault", "raise"}, {"op", "load"}, {"at", 1000000}}}), state.path()));
  PythonGenAIModel t2i(PyInfo("PyDummyT2I"), worker);
  ASSERT_TRUE(t2i.InvokeBatch(Prompts(1), Seeds(1)).ok());
  ASSERT_TRUE(worker->Release("PyDummyT2I", "cpu").ok());
  ASSERT_TRUE(t2i.InvokeBatch(Prompts(1), Seeds(1)).ok());
  EXPECT_EQ(FaultCount(state, 0), 1);
  ASSERT_TRUE(worker->ReleaseAll().ok());
  ASSERT_TRUE(t2i.InvokeBatch(Prompts(1), Seeds(1)).ok());
  EXPECT_EQ(FaultCount(state, 0), 2) << "after ReleaseAll the model is loaded again";
  // New load options (another experiment's image size) load it afresh, even for a
  // model the worker still holds; this dummy refuses them.
  auto changed = worker->settings();
  changed.load_options["PyDummyT2I"] = {{"image_size", 1024}};
  worker->UpdateSettings(changed);
  EXPECT_FALSE(t2i.InvokeBatch(Prompts(1), Seeds(1)).ok());
  EXPECT_EQ(FaultCount(state, 0), 3);
  EXPECT_EQ(worker->starts(), 1);
}

TEST(PythonWorkerSupervisionTest, RegistryReleaseAllRunsTheReleaseHooks) {
  ModelRegistry registry;
  RegisterDummyModels(registry);
  int released = 0;
  registry.AddReleaseHook([&] { ++released; });
  ASSERT_TRUE(registry.GetGenAI("DummyT2I").ok());
  registry.ReleaseAll();
  EXPECT_EQ(released, 1);
}

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
  // FluxDev cannot run here: its packages are missing, or (with them) there is no CUDA GPU.
  const auto flux_listed = worker->Listed("FluxDev");
  ASSERT_TRUE(flux_listed.has_value());
  const std::string why = registry.UnavailableReason("FluxDev");
  ASSERT_FALSE(why.empty());
  for (const auto& p : flux_listed->missing) EXPECT_NE(why.find("'" + p + "'"), std::string::npos) << why;
  if (flux_listed->missing.empty()) {
    EXPECT_NE(why.find("no CUDA GPU"), std::string::npos) << why;
  }
  auto flux = registry.GetGenAI("FluxDev");
  EXPECT_EQ(flux.status().code(), StatusCode::kNotFound);
  EXPECT_NE(flux.status().message().find(why), std::string::npos);
}

}  // namespace
}  // namespace panic::models::python
