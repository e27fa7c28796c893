// Whole experiments through the Python worker (PyDummy* models): equal to the same
// experiment on the native dummies (counts, and outputs of seeded runs byte for byte);
// completing despite a crash, a hang, a malformed frame and an exception injected
// mid-experiment, and despite batches that run out of memory (halved, same outputs, no
// restart); empty captions stored as "", embedded, and detected as a loop; an error
// that persists fails only the runs it hits, and resume finishes them; configs naming
// a model whose Python package or interpreter is missing, or an image size a model
// does not take, are rejected before anything is written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <tuple>

#include "models/python_worker_test_support.h"
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/option_schema.h"
#include "panic/engine/pipeline.h"
#include "panic/models/python/python_models.h"
#include "support/sqlite_shell.h"

namespace panic::engine {
namespace {

using nlohmann::json;
using panic::testing::HavePythonWorkerDeps;
using panic::testing::TempDir;
using panic::testing::TestWorkerSettings;
using panic::testing::WithFaults;

struct WorkerExperiment {
  explicit WorkerExperiment(models::python::WorkerSettings settings)
      : worker(std::make_shared<models::python::PythonWorker>(settings)),
        base(std::make_shared<models::python::WorkerSettings>(settings)) {
    models::RegisterDummyModels(registry);
    EXPECT_TRUE(registry.DeclareOptions(models::python::PythonOptionSpecs()).ok());
    registry.SetDiscoverer([w = worker](models::ModelRegistry& r) { return models::python::DiscoverPythonModels(r, w); });
    // The engine applies each experiment's options on top of the test's settings, as the
    // default registry does on top of DefaultWorkerSettings().
    registry.AddOptionsHook([w = worker, b = base, r = &registry](const json& o) -> Status {
      PANIC_ASSIGN_OR_RETURN(models::python::WorkerSettings s, models::python::ApplyExperimentOptions(*b, o));
      w->UpdateSettings(std::move(s));
      PANIC_ASSIGN_OR_RETURN(models::python::PythonOptions python, models::python::ReadPythonOptions(o));
      return models::python::ValidatePythonModelOptions(python, *r, *w);
    });
  }

  // Changes the worker's environment (as a new machine or a fixed install would).
  void SetSettings(const models::python::WorkerSettings& settings) {
    *base = settings;
    worker->UpdateSettings(settings);
  }

  TempDir dir;
  std::string db = dir.File("p.db");
  std::unique_ptr<store::Database> store = std::move(store::Database::Open(db, store::OpenMode::kCreate)).value();
  models::ModelRegistry registry;
  std::shared_ptr<models::python::PythonWorker> worker;
  std::shared_ptr<models::python::WorkerSettings> base;

  std::string Create(const std::string& text) {
    auto cfg = ParseExperimentConfig(text, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    Status valid = ValidateConfigModels(*cfg, registry);
    EXPECT_TRUE(valid.ok()) << valid.ToString();
    return std::move(CreateExperiment(*store, *cfg)).value();
  }
  PipelineResult Execute(const std::string& id) {
    auto r = ExecuteExperiment(*store, registry, id, PipelineOptions{});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : PipelineResult{};
  }
  std::string Sql(const std::string& sql) { return panic::testing::SqlOutput(db, sql); }
  int64_t Scalar(const std::string& sql) {
    const std::string out = Sql(sql);
    return out.empty() ? -1 : std::stoll(out);
  }
};

std::string Config(const std::string& t2i, const std::string& i2t, const std::string& text, const std::string& vision,
                   const std::string& seeds, int max_length, const std::string& options = "{}") {
  return json::parse(R"({"networks": [[")" + t2i + R"(", ")" + i2t + R"("]], "seeds": )" + seeds +
                     R"(, "prompts": ["a red apple", "penguin by a campfire"], "embedding_models": [")" + text +
                     R"(", ")" + vision + R"("], "max_length": )" + std::to_string(max_length) +
                     R"(, "options": )" + options + "}")
      .dump();
}

// Seeded outputs and their vectors, in an order both experiments share.
constexpr const char* kSeededOutputs =
    "SELECT r.seed, r.initial_prompt, i.sequence_number, i.type, i.output_text, hex(i.output_image) "
    "FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.seed != -1 ORDER BY 1, 2, 3";
constexpr const char* kSeededVectors =
    "SELECT r.seed, r.initial_prompt, i.sequence_number, hex(e.vector) FROM embeddings e "
    "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE r.seed != -1 ORDER BY 1, 2, 3";
constexpr const char* kRunEnds = "SELECT seed, initial_prompt, stop_reason, loop_length FROM runs ORDER BY 1, 2";

TEST(PythonWorkerPipelineTest, EqualsTheSameExperimentOnNativeDummies) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  WorkerExperiment native(TestWorkerSettings()), python(TestWorkerSettings());
  const std::string seeds = "[42, 7, -1]";
  const std::string a = native.Create(Config("DummyT2I", "DummyI2T", "DummyText", "DummyVision", seeds, 14));
  const std::string b = python.Create(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", seeds, 14));
  EXPECT_EQ(native.worker->starts(), 0) << "native models must not start Python";
  const PipelineResult ra = native.Execute(a), rb = python.Execute(b);
  EXPECT_TRUE(ra.completed);
  EXPECT_TRUE(rb.completed);
  EXPECT_EQ(rb.written("runs"), ra.written("runs"));
  EXPECT_EQ(rb.written("embeddings"), ra.written("embeddings"));
  EXPECT_EQ(rb.written("diagrams"), ra.written("diagrams"));
  EXPECT_EQ(rb.failed("runs"), 0);
  EXPECT_GT(rb.written("runs"), 0);
  EXPECT_EQ(python.Sql(kRunEnds), native.Sql(kRunEnds));
  const std::string outputs = python.Sql(kSeededOutputs);
  EXPECT_FALSE(outputs.empty());
  EXPECT_EQ(outputs, native.Sql(kSeededOutputs));
  EXPECT_EQ(python.Sql(kSeededVectors), native.Sql(kSeededVectors));
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations WHERE model = 'PyDummyI2T'"),
            native.Scalar("SELECT count(*) FROM invocations WHERE model = 'DummyI2T'"));
  EXPECT_EQ(python.worker->starts(), 1);
}

// The worker's own account (the `status` op) of the models whose weights it holds.
json WorkerStatus(models::python::PythonWorker& worker) {
  models::python::Frame request;
  request.header = {{"op", "status"}};
  auto reply = worker.Call(std::move(request), 10);
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  return reply.ok() ? reply->header : json::object();
}

TEST(PythonWorkerPipelineTest, EveryModelLeavesTheWorkerAfterItsStage) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  // Counters only (an `at` never reached): the load and the release requests of each model.
  const std::vector<std::string> models = {"PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision"};
  json counters = json::array();
  for (const auto& model : models) {
    for (const char* op : {"load", "release"}) {
      counters.push_back({{"fault", "raise"}, {"op", op}, {"model", model}, {"at", 1000000}});
    }
  }
  WorkerExperiment python(WithFaults(TestWorkerSettings(), counters, state.path()));
  const std::string id = python.Create(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[3, 4]", 6));
  const PipelineResult r = python.Execute(id);
  EXPECT_TRUE(r.completed);
  EXPECT_GT(r.written("embeddings"), 0);
  // The same worker process served the whole experiment and holds nothing now: the runs
  // stage released the genAI models after their group, the embeddings and prompt
  // embeddings stages released the embedding models when they finished (nothing else
  // releases them: the registry and its instances outlive the pipeline here).
  EXPECT_EQ(python.worker->starts(), 1);
  const json status = WorkerStatus(*python.worker);
  EXPECT_EQ(status.value("loaded", json()), json::array()) << status.dump();
  EXPECT_EQ(status.value("cuda_alloc_conf", std::string()), "expandable_segments:True");
  auto count = [&](size_t index) {
    const std::string text = panic::testing::ReadFile(state.File("fault-" + std::to_string(index) + ".count"));
    return text.empty() ? 0 : std::stoi(text);
  };
  for (size_t m = 0; m < models.size(); ++m) {
    EXPECT_GE(count(2 * m), 1) << models[m] << " was loaded";
    EXPECT_EQ(count(2 * m + 1), count(2 * m)) << models[m] << ": one release after each load";
  }
}

// Settings for a worker on the stand-ins (tests/python/stand_in_site) that records their
// calls to `calls_file`. Its start imports torch and a call may move a 1024 px image, so the
// timeouts are generous: a timeout would replace the worker, which these tests rule out.
models::python::WorkerSettings StandInSettings(const std::string& calls_file) {
  auto settings = TestWorkerSettings();
  settings.package_dir += ":" + panic::testing::SourcePath("tests/python/stand_in_site");
  settings.extra_env = {{"PANIC_STANDIN_CALLS", calls_file}};
  settings.handshake_timeout_s = settings.load_timeout_s = 120;
  settings.t2i_timeout_s = settings.i2t_timeout_s = settings.text_embedding_timeout_s =
      settings.image_embedding_timeout_s = 120;
  return settings;
}

// The stand-in calls the worker recorded (tests/python/stand_in_site), by name.
std::map<std::string, std::vector<json>> StandInCalls(const std::string& path) {
  std::map<std::string, std::vector<json>> out;
  std::istringstream lines(panic::testing::ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    json call = json::parse(line);
    out[call["what"].get<std::string>()].push_back(call);
  }
  return out;
}

// The real adapters (not the PyDummy twins) through the C++ supervisor and the whole
// pipeline, on the stand-in libraries (tests/python/stand_in_site puts them under the
// worker): the experiment's image size reaches the adapter through `load`, the default
// size applies elsewhere, seeded runs repeat exactly, BLIP-2 samples with top_p 0.9, Nomic
// embeds with its prefix, and every model leaves the worker after its stage.
TEST(PythonWorkerPipelineTest, RealAdaptersOnStandInsThroughTheWholePipeline) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  if (panic::testing::RunShell("/usr/bin/python3 -c 'import torch'").exit_code != 0) {
    GTEST_SKIP() << "needs Debian's python3-torch";
  }
  const std::string config = json::parse(R"({
      "networks": [["FluxSchnell", "BLIP2"], ["SD35Medium", "Florence2"]], "seeds": [5, -1],
      "prompts": ["a red apple"], "embedding_models": ["Nomic", "NomicVision"], "max_length": 4,
      "options": {"image_size": {"FluxSchnell": 320}}})").dump();
  std::string outputs[2];
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir calls_dir;
    WorkerExperiment python(StandInSettings(calls_dir.File("calls.jsonl")));
    const PipelineResult r = python.Execute(python.Create(config));
    EXPECT_TRUE(r.completed);
    EXPECT_EQ(r.failed("runs"), 0);
    EXPECT_EQ(r.failed("embeddings"), 0);
    EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations"), 2 * 2 * 4);
    outputs[round] = python.Sql(kSeededOutputs);
    EXPECT_EQ(WorkerStatus(*python.worker).value("loaded", json()), json::array());
    EXPECT_EQ(python.worker->starts(), 1);

    auto calls = StandInCalls(calls_dir.File("calls.jsonl"));
    ASSERT_EQ(calls["FluxPipeline.from_pretrained"].size(), 1u);
    EXPECT_EQ(calls["FluxPipeline.from_pretrained"][0]["repo"], "black-forest-labs/FLUX.1-schnell");
    EXPECT_EQ(calls["FluxPipeline.from_pretrained"][0]["torch_dtype"], "torch.bfloat16");
    ASSERT_EQ(calls["StableDiffusion3Pipeline.from_pretrained"].size(), 1u);
    EXPECT_EQ(calls["StableDiffusion3Pipeline.from_pretrained"][0]["text_encoder_3"], nullptr);
    for (const auto& [pipe, steps, guidance, size] :
         {std::tuple{"FluxPipeline()", 6, 3.5, 320}, std::tuple{"StableDiffusion3Pipeline()", 20, 5.0, 1024}}) {
      ASSERT_FALSE(calls[pipe].empty()) << pipe;
      for (const json& call : calls[pipe]) {
        EXPECT_EQ(call["height"], size) << pipe;
        EXPECT_EQ(call["width"], size) << pipe;
        EXPECT_EQ(call["num_inference_steps"], steps) << pipe;
        EXPECT_EQ(call["guidance_scale"], guidance) << pipe;
        EXPECT_EQ(call["generator"].size(), call["prompt"].size()) << "one generator per item";
      }
    }
    int sampled = 0;
    for (const json& call : calls["Blip2.generate"]) {
      EXPECT_EQ(call["max_length"], 50);
      EXPECT_EQ(call["num_beams"], 5);
      if (call["do_sample"] == true) {
        ++sampled;
        EXPECT_EQ(call["top_p"], 0.9);
      } else {
        EXPECT_FALSE(call.contains("top_p"));
      }
    }
    EXPECT_EQ(sampled, 2) << "the seeded run's two captions sample, the unseeded run's search";
    EXPECT_EQ(calls["Florence2.generate"].size(), 4u);
    ASSERT_FALSE(calls["SentenceTransformer.encode"].empty());
    for (const json& call : calls["SentenceTransformer.encode"]) {
      for (const json& sentence : call["sentences"]) {
        EXPECT_EQ(sentence.get<std::string>().rfind("search_document: ", 0), 0u) << sentence;
      }
      EXPECT_EQ(call["normalize_embeddings"], true);
    }
    EXPECT_EQ(python.Scalar("SELECT count(*) FROM embeddings WHERE embedding_model = 'Nomic'"), 2 * 2 * 2);
    EXPECT_EQ(python.Scalar("SELECT count(*) FROM embeddings WHERE embedding_model = 'NomicVision'"), 2 * 2 * 2);
  }
  EXPECT_FALSE(outputs[0].empty());
  EXPECT_EQ(outputs[0], outputs[1]) << "seeded runs through the real adapters repeat exactly";
}

// FluxDev + Moondream + SD35Medium + BLIP2 (51 GiB of weights) in one network on a
// simulated 48 GiB card: the worker's residency pool swaps them through host memory at
// each step, never holding more than the card, and never loads a model twice.
TEST(PythonWorkerPipelineTest, ANetworkLargerThanTheGpuIsSwappedThroughHostMemory) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  if (panic::testing::RunShell("/usr/bin/python3 -c 'import torch'").exit_code != 0) {
    GTEST_SKIP() << "needs Debian's python3-torch";
  }
  TempDir calls_dir;
  auto settings = StandInSettings(calls_dir.File("calls.jsonl"));
  settings.extra_env.push_back({"PANIC_STANDIN_GPU_GIB", "48"});
  WorkerExperiment python(settings);
  const PipelineResult r = python.Execute(python.Create(json::parse(R"({
      "networks": [["FluxDev", "Moondream", "SD35Medium", "BLIP2"]], "seeds": [5], "prompts": ["a red apple"],
      "embedding_models": ["Nomic"], "max_length": 8})").dump()));
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.failed("runs"), 0);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations"), 8);
  EXPECT_EQ(python.worker->starts(), 1);
  EXPECT_EQ(WorkerStatus(*python.worker).value("loaded", json()), json::array());

  auto calls = StandInCalls(calls_dir.File("calls.jsonl"));
  double peak = 0;
  for (const auto& [what, list] : calls) {
    for (const json& call : list) peak = std::max(peak, call["gpu_gib"].get<double>());
  }
  EXPECT_LE(peak, 48.0) << "the card was never asked for more than it has";
  EXPECT_GE(peak, 33.0) << "FluxDev ran on the card";
  int to_host = 0;
  for (const json& move : calls["moved"]) to_host += move["device"] == "cpu";
  EXPECT_GE(to_host, 4) << "each of the two cycles swaps models out";
  for (const char* load : {"FluxPipeline.from_pretrained", "AutoModelForCausalLM.from_pretrained",
                           "StableDiffusion3Pipeline.from_pretrained", "Blip2ForConditionalGeneration.from_pretrained"}) {
    EXPECT_EQ(calls[load].size(), 1u) << load << ": swapped through host memory, not loaded again";
  }
}

TEST(PythonWorkerPipelineTest, CompletesDespiteACrashAHangAMalformedFrameAndAnException) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  const json faults = json::array({
      {{"fault", "exit"}, {"op", "invoke"}, {"model", "PyDummyI2T"}, {"at", 2}},
      {{"fault", "hang"}, {"op", "invoke"}, {"model", "PyDummyT2I"}, {"at", 3}},
      {{"fault", "malformed"}, {"op", "embed"}, {"model", "PyDummyText"}, {"at", 1}},
      {{"fault", "raise"}, {"op", "embed"}, {"model", "PyDummyVision"}, {"at", 1}},
  });
  WorkerExperiment native(TestWorkerSettings()), python(WithFaults(TestWorkerSettings(), faults, state.path()));
  const std::string seeds = "[3, 11]";
  const std::string a = native.Create(Config("DummyT2I", "DummyI2T", "DummyText", "DummyVision", seeds, 10));
  const std::string b = python.Create(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", seeds, 10));
  native.Execute(a);
  const PipelineResult r = python.Execute(b);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.failed("runs"), 0);
  // Every fault fired once, and the worker was replaced for the crash, hang and malformed frame.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(panic::testing::ReadFile(state.File("fault-" + std::to_string(i) + ".count")).empty(), false) << i;
  }
  EXPECT_EQ(python.worker->starts(), 4);
  EXPECT_EQ(python.Sql(kSeededOutputs), native.Sql(kSeededOutputs));
  EXPECT_EQ(python.Sql(kSeededVectors), native.Sql(kSeededVectors));
}

TEST(PythonWorkerPipelineTest, BatchesThatRunOutOfMemoryAreHalvedWithTheSameOutputs) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  const json faults = json::array({{{"fault", "oom"}, {"op", "invoke"}, {"model", "PyDummyT2I"}, {"above", 1}, {"times", 0}},
                                   {{"fault", "oom"}, {"op", "embed"}, {"model", "PyDummyText"}, {"above", 3}, {"times", 0}}});
  WorkerExperiment native(TestWorkerSettings()), python(WithFaults(TestWorkerSettings(), faults, state.path()));
  const std::string seeds = "[3, 11, 12]";
  const std::string a = native.Create(Config("DummyT2I", "DummyI2T", "DummyText", "DummyVision", seeds, 8));
  const std::string b = python.Create(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", seeds, 8,
                                             R"({"max_batch": {"PyDummyT2I": 4, "PyDummyText": 16}})"));
  native.Execute(a);
  const PipelineResult r = python.Execute(b);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.failed("runs"), 0);
  EXPECT_EQ(python.worker->FittedBatch("PyDummyT2I"), 1);
  EXPECT_EQ(python.worker->FittedBatch("PyDummyText"), 2);
  EXPECT_EQ(python.worker->starts(), 1) << "out of memory must not replace the worker";
  EXPECT_EQ(python.Sql(kRunEnds), native.Sql(kRunEnds));
  EXPECT_EQ(python.Sql(kSeededOutputs), native.Sql(kSeededOutputs));
  EXPECT_EQ(python.Sql(kSeededVectors), native.Sql(kSeededVectors));
}

TEST(PythonWorkerPipelineTest, EmptyCaptionsAreStoredEmbeddedAndDetectedAsALoop) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  const json faults = json::array({{{"fault", "empty"}, {"op", "invoke"}, {"model", "PyDummyI2T"}, {"times", 0}}});
  WorkerExperiment python(WithFaults(TestWorkerSettings(), faults, state.path()));
  const std::string id = python.Create(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[5, -1]", 9));
  const PipelineResult r = python.Execute(id);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(r.failed("runs"), 0);
  // Seeded: prompt → image → "" → image of "" → "" again: a loop of length 2 at step 3.
  EXPECT_EQ(python.Sql("SELECT DISTINCT stop_reason || ' ' || loop_length FROM runs WHERE seed = 5"), "duplicate 2\n");
  EXPECT_EQ(python.Scalar("SELECT max(sequence_number) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.seed = 5"), 3);
  // Unseeded runs go to max_length, feeding "" as the prompt every other step.
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.seed = -1"), 18);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations WHERE type = 'text' AND output_text = ''"), 2 * 2 + 2 * 4);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations WHERE type = 'text' AND output_text IS NULL"), 0);
  // Every empty caption has its text embedding: DummyText's recipe for "" (sum of code points 0).
  auto empty_vector = models::DummyTextVector("");
  ASSERT_TRUE(empty_vector.ok());
  const std::string hex = python.Sql(
      "SELECT DISTINCT hex(e.vector) FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
      "WHERE i.output_text = '' AND e.embedding_model = 'PyDummyText'");
  std::string expected_hex;
  for (float f : *empty_vector) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(&f);
    for (int k = 0; k < 4; ++k) {
      static const char* digits = "0123456789ABCDEF";
      expected_hex += digits[bytes[k] >> 4];
      expected_hex += digits[bytes[k] & 15];
    }
  }
  EXPECT_EQ(hex, expected_hex + "\n");
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations i WHERE i.output_text = '' AND NOT EXISTS "
                          "(SELECT 1 FROM embeddings e WHERE e.invocation_id = i.id)"),
            0);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM persistence_diagrams WHERE diagram_data IS NOT NULL"), 2 * 2 * 2);
}

TEST(PythonWorkerPipelineTest, ImageSizeIsCheckedAgainstTheModelsThatTakeIt) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  WorkerExperiment python(TestWorkerSettings());
  const struct {
    const char* option;
    const char* message;
  } cases[] = {
      {R"({"PyDummyT2I": 512})", "options.image_size.PyDummyT2I: PyDummyT2I takes no image size"},
      {R"({"DummyT2I": 512})", "options.image_size.DummyT2I: DummyT2I takes no image size"},
      {R"({"PyDummyI2T": 512})", "takes no image size"},
      {R"({"FluxDev": 1000})", "options.image_size.FluxDev: 1000 is not allowed (a multiple of 16 from 256 to 2048 pixels)"},
      {R"({"SD35Medium": 4096})", "options.image_size.SD35Medium: 4096 is not allowed"},
      {R"({"Nope": 512})", "options.image_size.Nope: unknown model 'Nope'"},
  };
  for (const auto& c : cases) {
    auto cfg = ParseExperimentConfig(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[1]", 4,
                                            std::string(R"({"image_size": )") + c.option + "}"),
                                     "test");
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    Status s = ValidateConfigModels(*cfg, python.registry);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.option;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
  // A size the model takes passes (the model cannot run here, which is reported separately).
  auto cfg = ParseExperimentConfig(Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[1]", 4,
                                          R"({"image_size": {"SD35Medium": 512}})"),
                                   "test");
  ASSERT_TRUE(cfg.ok());
  EXPECT_TRUE(ValidateConfigModels(*cfg, python.registry).ok());
  EXPECT_EQ(python.worker->settings().load_options.at("SD35Medium"), json({{"image_size", 512}}));
}

TEST(PythonWorkerPipelineTest, PersistentErrorFailsOnlyItsRunsAndResumeFinishesThem) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  TempDir state;
  const json faults = json::array({{{"fault", "raise"}, {"op", "invoke"}, {"model", "PyDummyI2T"}, {"seed", 7},
                                    {"times", 0}}});
  WorkerExperiment python(WithFaults(TestWorkerSettings(), faults, state.path()));
  const std::string id = python.Create(
      Config("PyDummyT2I", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[7, 8, 9]", 8, R"({"max_batch": {"PyDummyI2T": 1}})"));
  const PipelineResult r = python.Execute(id);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.failed("runs"), 2);  // seed 7 with each of the two prompts
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM runs WHERE stop_reason = 'failed' AND seed = 7"), 2);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM runs WHERE stop_reason = 'failed'"), 2);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM runs WHERE stop_reason IS NOT NULL AND stop_reason != 'failed'"), 4);
  EXPECT_NE(python.Sql("SELECT error FROM runs WHERE seed = 7 LIMIT 1").find("injected fault"), std::string::npos);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.seed = 7"), 2)
      << "each failed run keeps its first (T2I) step only";

  // The fault gone (a new worker environment), resume finishes the failed runs.
  auto healthy = TestWorkerSettings();
  python.SetSettings(healthy);
  const PipelineResult again = python.Execute(id);
  EXPECT_TRUE(again.completed);
  EXPECT_EQ(again.failed("runs"), 0);
  EXPECT_EQ(python.Scalar("SELECT count(*) FROM runs WHERE stop_reason = 'failed'"), 0);
}

TEST(PythonWorkerPipelineTest, MissingPythonPackageIsRejectedBeforeAnythingIsWritten) {
  if (!HavePythonWorkerDeps()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy and PIL";
  WorkerExperiment python(TestWorkerSettings());
  python.registry.Find("PyDummyT2I");
  const auto listed = python.worker->Listed("FluxDev");
  ASSERT_TRUE(listed.has_value());
  if (listed->missing.empty()) GTEST_SKIP() << "FluxDev's packages are installed here";
  auto cfg = ParseExperimentConfig(Config("FluxDev", "PyDummyI2T", "PyDummyText", "PyDummyVision", "[1]", 4), "test");
  ASSERT_TRUE(cfg.ok());
  Status s = ValidateConfigModels(*cfg, python.registry);
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("networks[0][0]: 'FluxDev' cannot run here"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'" + listed->missing.front() + "'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/usr/bin/python3"), std::string::npos) << s.message();
}

TEST(PythonWorkerPipelineTest, MissingInterpreterFromTheOptionsIsNamed) {
  WorkerExperiment python(TestWorkerSettings());
  auto cfg = ParseExperimentConfig(Config("PyDummyT2I", "PyDummyI2T", "DummyText", "DummyVision", "[1]", 4,
                                          R"({"python": "/nonexistent/bin/python3"})"),
                                   "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  Status s = ValidateConfigModels(*cfg, python.registry);
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown genAI model 'PyDummyT2I'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("/nonexistent/bin/python3"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace panic::engine

namespace panic::engine {
namespace {

// The Python backend's options are declared by it and checked against the joined schema
// (engine/option_schema.h); the backend reads its own keys.
Status CheckOptions(const std::string& text) {
  auto schema = JoinOptionSchema(StageRegistry::Default(), models::ModelRegistry::Default());
  if (!schema.ok()) return schema.status();
  return schema->Validate(json::parse(text));
}

TEST(PythonWorkerOptionsTest, WorkerOptionsAreParsedAndBadOnesNamed) {
  const json ok = json::parse(
      R"({"python": "/opt/venv/bin/python", "worker_timeouts": {"T2I": 900, "load": 7200}, "worker_retries": 3,
          "worker_backoff": 1.5, "max_batch": {"FluxDev": 16}, "image_size": {"SD35Medium": 768}})");
  ASSERT_TRUE(CheckOptions(ok.dump()).ok()) << CheckOptions(ok.dump()).ToString();
  auto python = models::python::ReadPythonOptions(ok);
  ASSERT_TRUE(python.ok());
  EXPECT_EQ(python->python, "/opt/venv/bin/python");
  auto applied = models::python::ApplyExperimentOptions(models::python::WorkerSettings{}, ok);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  const models::python::WorkerSettings& settings = *applied;
  EXPECT_EQ(settings.t2i_timeout_s, 900);
  EXPECT_EQ(settings.load_timeout_s, 7200);
  EXPECT_EQ(settings.retries, 3);
  EXPECT_EQ(settings.backoff_s, 1.5);
  EXPECT_EQ(settings.max_batch.at("FluxDev"), 16);
  EXPECT_EQ(settings.load_options.at("SD35Medium"), json({{"image_size", 768}}));
  if (std::getenv("PANIC_TDA_PYTHON") == nullptr) {
    EXPECT_EQ(settings.python, "/opt/venv/bin/python");
  }
  // --python (a registry backend option) beats options.python.
  EXPECT_EQ(models::python::ApplyExperimentOptions(models::python::DefaultWorkerSettings("/flag/python"), ok,
                                                   "/flag/python")
                ->python,
            "/flag/python");
  EXPECT_EQ(models::python::DefaultWorkerSettings("/flag/python").python, "/flag/python");
  EXPECT_FALSE(CheckOptions(R"({"image_size": {"FluxDev": "big"}})").ok());
  EXPECT_FALSE(CheckOptions(R"({"image_size": 512})").ok());
  Status bad_kind = CheckOptions(R"({"worker_timeouts": {"T2l": 5}})");
  ASSERT_EQ(bad_kind.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_kind.message().find("did you mean 'T2I'"), std::string::npos) << bad_kind.message();
  Status bad_value = CheckOptions(R"({"worker_timeouts": {"I2T": 0}})");
  EXPECT_NE(bad_value.message().find("options.worker_timeouts.I2T: 0 is not allowed"), std::string::npos)
      << bad_value.message();
  EXPECT_FALSE(CheckOptions(R"({"worker_retries": 11})").ok());
  EXPECT_FALSE(CheckOptions(R"({"python": ""})").ok());
}

}  // namespace
}  // namespace panic::engine
