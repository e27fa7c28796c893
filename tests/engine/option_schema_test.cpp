// Options belong to the layer that uses them: each stage declares its keys in its
// StageInfo, each backend through the model registry, and the engine joins them. These
// tests check that a stage's and a backend's options reach them, that the built-in keys
// are checked by their owners with the messages the config layer used to give, that an
// unknown key names the known keys of every owner, and that a key has one owner.
#include "panic/engine/option_schema.h"

#include <gtest/gtest.h>

#include <mutex>

#include "panic/engine/config_validation.h"
#include "panic/engine/diagrams_stage.h"
#include "panic/engine/embeddings_stage.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/engine/runs_stage.h"
#include "panic/engine/stage_registry.h"
#include "panic/models/model_options.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using nlohmann::json;
using panic::testing::TempDir;

Status Check(const json& options, const StageRegistry& stages = StageRegistry::Default(),
             const models::ModelRegistry& registry = models::ModelRegistry::Default()) {
  auto schema = JoinOptionSchema(stages, registry);
  if (!schema.ok()) return schema.status();
  return schema->Validate(options);
}

std::string Message(const json& options) {
  Status s = Check(options);
  EXPECT_FALSE(s.ok()) << options.dump();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  return s.message();
}

// ---- a test stage with an option of its own ----
struct ScaleOptions {
  int scale = 1;
};
const std::vector<OptionField<ScaleOptions>>& ScaleFields() {
  static const std::vector<OptionField<ScaleOptions>> kFields = {
      {"scale", [](const json& v, const std::string& field, ScaleOptions& out) -> Status {
         PANIC_ASSIGN_OR_RETURN(int64_t s, option_values::Int(v, field, 1, 9, option_values::IntRange(1, 9)));
         out.scale = static_cast<int>(s);
         return Status::Ok();
       }}};
  return kFields;
}

struct ScaleBook {
  std::mutex mu;
  std::vector<int> planned_with;  // the scale each Plan read
};

// Does no work; its Plan records the option it read.
class ScaleStage : public TypedStage<int, int> {
 public:
  ScaleStage(ScaleBook& book, std::string name, std::string key) : book_(book) {
    std::vector<OptionField<ScaleOptions>> fields = ScaleFields();
    fields[0].name = key;
    info_ = StageInfo{std::move(name), "items", "test stage", false, DeclareOptions("scale stage", fields)};
    key_ = std::move(key);
  }
  const StageInfo& info() const override { return info_; }
  Result<StagePlan> Plan(StageContext& ctx) override {
    std::vector<OptionField<ScaleOptions>> fields = ScaleFields();
    fields[0].name = key_;
    PANIC_ASSIGN_OR_RETURN(ScaleOptions options, ReadOptions(ctx.options, fields));
    std::lock_guard<std::mutex> l(book_.mu);
    book_.planned_with.push_back(options.scale);
    return StagePlan{};
  }
  std::vector<StageCount> Count(const ExperimentFacts&) const override { return {}; }
  int64_t Remaining(const ExperimentFacts&) const override { return 0; }

 protected:
  Result<std::optional<int>> Next(StageContext&) override { return std::optional<int>(); }
  Result<int> Run(const int& unit, ExecuteContext&) override { return unit; }
  Result<UnitOutcome> Write(StageContext&, int&) override { return UnitOutcome{}; }

 private:
  ScaleBook& book_;
  StageInfo info_;
  std::string key_;
};

// A backend with one option, "knob", whose hook records what it was given.
struct KnobBackend {
  std::mutex mu;
  std::vector<int> applied;

  void Register(models::ModelRegistry& registry) {
    struct Knob {
      int knob = 0;
    };
    static const std::vector<OptionField<Knob>> kFields = {
        {"knob", [](const json& v, const std::string& field, Knob& out) -> Status {
           PANIC_ASSIGN_OR_RETURN(int64_t k, option_values::Int(v, field, 0, 100, option_values::IntRange(0, 100)));
           out.knob = static_cast<int>(k);
           return Status::Ok();
         }}};
    ASSERT_TRUE(registry.DeclareOptions(DeclareOptions("knob backend", kFields)).ok());
    registry.AddOptionsHook([this](const json& options) -> Status {
      PANIC_ASSIGN_OR_RETURN(Knob k, ReadOptions(options, kFields));
      std::lock_guard<std::mutex> l(mu);
      applied.push_back(k.knob);
      return Status::Ok();
    });
  }
};

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1], "prompts": ["p"],
  "embedding_models": ["DummyText"], "max_length": 3, "options": %s})";

std::string ConfigWith(const std::string& options) {
  std::string s = kConfig;
  s.replace(s.find("%s"), 2, options);
  return s;
}

TEST(OptionSchemaTest, AStagesOptionReachesTheStage) {
  TempDir dir;
  auto db = std::move(store::Database::Open(dir.File("o.db"), store::OpenMode::kCreate)).value();
  models::ModelRegistry registry;
  models::RegisterDummyModels(registry);
  ScaleBook book;
  StageRegistry stages = StageRegistry::Default();
  ASSERT_TRUE(stages.Add([&] { return std::make_unique<ScaleStage>(book, "scaler", "scale"); }).ok());

  auto cfg = ParseExperimentConfig(ConfigWith(R"({"scale": 7, "loop_detection": "off"})"), "test");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  // Without the stage registered, its key is unknown; with it, the value is checked by it.
  EXPECT_NE(ValidateConfigModels(*cfg, registry).message().find("options: unknown key 'scale'"), std::string::npos);
  Status valid = ValidateConfigModels(*cfg, registry, stages);
  ASSERT_TRUE(valid.ok()) << valid.ToString();
  auto bad = ParseExperimentConfig(ConfigWith(R"({"scale": 12})"), "test");
  EXPECT_EQ(ValidateConfigModels(*bad, registry, stages).message(), "options.scale: 12 is not allowed (an integer 1..9)");

  auto id = CreateExperiment(*db, *cfg);
  ASSERT_TRUE(id.ok());
  PipelineOptions options;
  options.registry = &stages;
  options.stages = {"scaler"};
  auto r = ExecuteExperiment(*db, registry, *id, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(book.planned_with, std::vector<int>{7});  // from the stored options
}

TEST(OptionSchemaTest, ABackendsOptionReachesTheBackend) {
  TempDir dir;
  auto db = std::move(store::Database::Open(dir.File("o.db"), store::OpenMode::kCreate)).value();
  models::ModelRegistry registry;
  models::RegisterDummyModels(registry);
  KnobBackend backend;
  backend.Register(registry);

  auto cfg = ParseExperimentConfig(ConfigWith(R"({"knob": 42})"), "test");
  ASSERT_TRUE(cfg.ok());
  Status valid = ValidateConfigModels(*cfg, registry);
  ASSERT_TRUE(valid.ok()) << valid.ToString();
  EXPECT_EQ(backend.applied, std::vector<int>{42});
  auto bad = ParseExperimentConfig(ConfigWith(R"({"knob": "high"})"), "test");
  EXPECT_EQ(ValidateConfigModels(*bad, registry).message(), "options.knob: \"high\" is not allowed (an integer 0..100)");
  EXPECT_EQ(backend.applied.size(), 1u);  // a refused value never reaches the backend

  // The pipeline gives the stored options to the backend again (a resume in a new process).
  auto id = CreateExperiment(*db, *cfg);
  ASSERT_TRUE(id.ok());
  PipelineOptions options;
  options.stages = {"runs"};
  ASSERT_TRUE(ExecuteExperiment(*db, registry, *id, options).ok());
  EXPECT_EQ(backend.applied, (std::vector<int>{42, 42}));
}

TEST(OptionSchemaTest, BuiltInKeysAreCheckedAndReadByTheirOwners) {
  const json options = {{"loop_detection", "exact"}, {"webp_quality", 80},         {"maxdim", 1},
                        {"metric", "cosine"},        {"threshold", 1.5},           {"embedding_batch_size", 8},
                        {"max_batch", {{"DummyT2I", 4}}}};
  ASSERT_TRUE(Check(options).ok()) << Check(options).ToString();
  auto runs = ReadOptions(options, RunsOptionFields());
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->loop_detection, LoopDetection::kExact);
  EXPECT_EQ(runs->webp_quality, 80);
  auto diagrams = ReadOptions(options, DiagramsOptionFields());
  ASSERT_TRUE(diagrams.ok());
  EXPECT_EQ(diagrams->maxdim, 1);
  EXPECT_EQ(diagrams->metric, "cosine");
  EXPECT_DOUBLE_EQ(*diagrams->threshold, 1.5);
  EXPECT_EQ(ReadOptions(options, EmbeddingOptionFields())->embedding_batch_size, 8);
  EXPECT_EQ(models::ReadModelOptions(options)->max_batch.at("DummyT2I"), 4);
  // Defaults when absent are each owner's.
  EXPECT_EQ(ReadOptions(json::object(), RunsOptionFields())->loop_detection, LoopDetection::kJpegQ30);
  EXPECT_FALSE(ReadOptions(json::object(), RunsOptionFields())->webp_quality.has_value());
  EXPECT_EQ(ReadOptions(json::object(), DiagramsOptionFields())->maxdim, 2);
  EXPECT_EQ(ReadOptions(json::object(), EmbeddingOptionFields())->embedding_batch_size, 64);

  // Bad values name the field, the value and what is allowed.
  EXPECT_EQ(Message({{"maxdim", 4}}), "options.maxdim: 4 is not allowed (an integer 0..3)");
  EXPECT_EQ(Message({{"loop_detection", "png"}}),
            "options.loop_detection: \"png\" is not allowed (one of \"jpeg-q30\", \"exact\", \"off\")");
  EXPECT_EQ(Message({{"webp_quality", 101}}),
            "options.webp_quality: 101 is not allowed (null for lossless, or an integer 0..100 for lossy)");
  EXPECT_EQ(Message({{"metric", "manhattan"}}), "options.metric: \"manhattan\" is not allowed (\"euclidean\" or \"cosine\")");
  EXPECT_EQ(Message({{"threshold", -1}}),
            "options.threshold: -1 is not allowed (a number > 0, or null for the enclosing radius)");
  EXPECT_EQ(Message({{"embedding_batch_size", 0}}),
            "options.embedding_batch_size: 0 is not allowed (an integer 1..1048576)");
  EXPECT_EQ(Message({{"max_batch", {{"DummyT2I", 0}}}}), "options.max_batch.DummyT2I: 0 is not allowed (an integer 1..1048576)");
  EXPECT_EQ(Message({{"onnx_provider", "gpu"}}),
            "options.onnx_provider: \"gpu\" is not allowed (one of \"cpu\", \"cuda\", \"auto\")");
  EXPECT_EQ(Message({{"worker_retries", 11}}), "options.worker_retries: 11 is not allowed (an integer 0..10)");
  EXPECT_EQ(Message(json::array()), "options: expected an object, got a list []");
}

TEST(OptionSchemaTest, AnUnknownKeyNamesTheKnownKeysOfEveryOwner) {
  const std::string m = Message({{"maxdim", 1}, {"loop_detect", "off"}});
  EXPECT_EQ(m.rfind("options: unknown key 'loop_detect' — did you mean 'loop_detection'? (known keys: ", 0), 0u) << m;
  for (const char* part : {"loop_detection, webp_quality (runs stage)", "embedding_batch_size (embeddings stage)",
                           "maxdim, metric, threshold, approximate, exact_up_to (diagrams stage)", "max_batch (model registry)",
                           "onnx_provider (onnx backend)",
                           "python, worker_timeouts, worker_retries, worker_backoff, image_size (python backend)"}) {
    EXPECT_NE(m.find(part), std::string::npos) << part << " in " << m;
  }
  // A registered test stage's and a test backend's keys are listed too.
  ScaleBook book;
  StageRegistry stages = StageRegistry::Default();
  ASSERT_TRUE(stages.Add([&] { return std::make_unique<ScaleStage>(book, "scaler", "scale"); }).ok());
  models::ModelRegistry registry;
  KnobBackend backend;
  backend.Register(registry);
  const std::string listed = Check({{"sclae", 2}}, stages, registry).message();
  EXPECT_NE(listed.find("did you mean 'scale'"), std::string::npos) << listed;
  EXPECT_NE(listed.find("scale (scale stage)"), std::string::npos) << listed;
  EXPECT_NE(listed.find("knob (knob backend)"), std::string::npos) << listed;
}

TEST(OptionSchemaTest, AKeyDeclaredByTwoOwnersIsRefusedAtRegistration) {
  ScaleBook book;
  // Two stages.
  StageRegistry stages = StageRegistry::Default();
  Status twice = stages.Add([&] { return std::make_unique<ScaleStage>(book, "rescaler", "maxdim"); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.code(), StatusCode::kInternal);
  EXPECT_EQ(twice.message(),
            "stage 'rescaler': option 'maxdim' is declared by the diagrams stage already (an option has one owner)");
  EXPECT_EQ(stages.Names().size(), StageRegistry::Default().Names().size());  // not added
  // Two backends (the registry's own max_batch included).
  models::ModelRegistry registry;
  KnobBackend backend;
  backend.Register(registry);
  Status again = registry.DeclareOptions({OptionSpec{"knob", "other backend", nullptr}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.message(),
            "the other backend declares option 'knob', declared by the knob backend already (an option has one owner)");
  EXPECT_FALSE(registry.DeclareOptions({OptionSpec{"max_batch", "other backend", nullptr}}).ok());
  EXPECT_FALSE(registry
                   .DeclareOptions({OptionSpec{"fresh", "other backend", nullptr},
                                    OptionSpec{"fresh", "other backend", nullptr}})
                   .ok());
  // A stage and a backend: refused when the engine joins them.
  StageRegistry with_knob = StageRegistry::Default();
  ASSERT_TRUE(with_knob.Add([&] { return std::make_unique<ScaleStage>(book, "knobber", "knob"); }).ok());
  auto joined = JoinOptionSchema(with_knob, registry);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.status().message(),
            "option 'knob' is declared by both the scale stage and the knob backend (an option has one owner)");
  // The built-in stages and backends join.
  EXPECT_TRUE(JoinOptionSchema(StageRegistry::Default(), models::ModelRegistry::Default()).ok());
}

}  // namespace
}  // namespace panic::engine
