// A new stage is one class and one registration line: a test-only stage that records the
// length of every stopped run runs through the pipeline, `--stages` parsing, progress,
// the follow-the-runs release points and the one definition of "done".
#include "panic/engine/stage_registry.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "panic/engine/completion.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/experiment_summary.h"
#include "panic/engine/pipeline.h"
#include "panic/store/experiments_table.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using panic::testing::TempDir;

// Where the test stage "commits" (a test has no table of its own to write).
struct LengthBook {
  std::mutex mu;
  std::map<std::string, int64_t> lengths;  // run id → steps
  std::vector<size_t> pass_sizes;          // units per pass (follower passes included)
};

// ---- the whole new stage: one class ----
struct LengthUnit {
  std::string run_id;
  int64_t last_sequence = 0;
};
class RunLengthStage : public TypedStage<LengthUnit, LengthUnit> {
 public:
  explicit RunLengthStage(LengthBook& book) : book_(book) {}
  const StageInfo& info() const override {
    static const StageInfo kInfo{"lengths", "runs", "record each stopped run's length (test stage)", true, {}};
    return kInfo;
  }
  Result<StagePlan> Plan(StageContext& ctx) override {
    PANIC_ASSIGN_OR_RETURN(facts_, LoadExperimentFacts(ctx.db, ctx.registry, ctx.experiment.id));
    next_ = 0;
    StagePlan plan;
    plan.total = static_cast<int64_t>(facts_.runs.size());
    std::lock_guard<std::mutex> l(book_.mu);
    for (const auto& r : facts_.runs) plan.done += book_.lengths.count(r.id) ? 1 : 0;
    book_.pass_sizes.push_back(0);
    return plan;
  }
  std::vector<StageCount> Count(const ExperimentFacts& facts) const override {
    StageCount c;
    std::lock_guard<std::mutex> l(book_.mu);
    for (const auto& r : facts.runs) {
      ++c.expected;
      auto it = book_.lengths.find(r.id);
      if (it != book_.lengths.end() && it->second == r.invocations()) ++c.done;
    }
    return {c};
  }
  int64_t Remaining(const ExperimentFacts& facts) const override {
    auto c = Count(facts)[0];
    return c.expected - c.done;
  }

 protected:
  Result<std::optional<LengthUnit>> Next(StageContext&) override {
    while (next_ < facts_.runs.size()) {
      const RunFacts& r = facts_.runs[next_++];
      std::lock_guard<std::mutex> l(book_.mu);
      if (r.done() && !book_.lengths.count(r.id)) return std::optional<LengthUnit>(LengthUnit{r.id, r.last_sequence});
    }
    return std::optional<LengthUnit>();
  }
  Result<LengthUnit> Run(const LengthUnit& unit, ExecuteContext&) override {
    return LengthUnit{unit.run_id, unit.last_sequence + 1};  // steps = last step + 1
  }
  Result<UnitOutcome> Write(StageContext&, LengthUnit& out) override {
    std::lock_guard<std::mutex> l(book_.mu);
    book_.lengths[out.run_id] = out.last_sequence;
    ++book_.pass_sizes.back();
    UnitOutcome o;
    o.written = 1;
    return o;
  }

 private:
  LengthBook& book_;
  ExperimentFacts facts_;
  size_t next_ = 0;
};
// ---- end of the stage ----

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Database> store =
      std::move(store::Database::Open(dir.File("s.db"), store::OpenMode::kCreate)).value();
  models::ModelRegistry& models = models::ModelRegistry::Default();
  LengthBook book;
  StageRegistry stages = [this] {
    StageRegistry r = StageRegistry::Default();
    EXPECT_TRUE(r.Add([this] { return std::make_unique<RunLengthStage>(book); }).ok());  // the registration line
    return r;
  }();

  std::string Create(const std::string& json) {
    auto cfg = ParseExperimentConfig(json, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    EXPECT_TRUE(ValidateConfigModels(*cfg, models).ok());
    return std::move(CreateExperiment(*store, *cfg)).value();
  }
};

constexpr const char* kTwoGroups = R"({"networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]],
  "seeds": [1, 2], "prompts": ["p"], "embedding_models": ["DummyText"], "max_length": 7,
  "options": {"loop_detection": "off"}})";

TEST(StageRegistryTest, DefaultOrderAndParsingComeFromTheRegistry) {
  const StageRegistry& r = StageRegistry::Default();
  EXPECT_EQ(r.Names(),
            (std::vector<std::string>{"runs", "embeddings", "diagrams", "prompt_embeddings", "lyapunov"}));
  EXPECT_EQ(*r.Parse("diagrams,runs"), (std::set<std::string>{"runs", "diagrams"}));
  auto bad = r.Parse("runs,plots");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("unknown stage 'plots' (allowed: runs, embeddings, diagrams, prompt_embeddings, lyapunov)"),
            std::string::npos)
      << bad.status().message();
  EXPECT_FALSE(r.Parse("").ok());
}

TEST(StageRegistryTest, ANewStageIsOneClassAndOneRegistration) {
  Fixture f;
  EXPECT_EQ(f.stages.NameList(), "runs, embeddings, diagrams, prompt_embeddings, lyapunov, lengths");
  EXPECT_TRUE(f.stages.Parse("runs,lengths").ok());
  std::string id = f.Create(kTwoGroups);
  PipelineOptions options;
  options.registry = &f.stages;
  std::vector<std::string> stages_seen;
  options.progress = [&](const ProgressEvent& e) {
    if (stages_seen.empty() || stages_seen.back() != e.stage) stages_seen.push_back(e.stage);
  };
  auto r = ExecuteExperiment(*f.store, f.models, id, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->written("lengths"), 4);
  EXPECT_EQ(stages_seen,
            (std::vector<std::string>{"runs", "embeddings", "diagrams", "prompt_embeddings", "lyapunov", "lengths"}));
  // It follows runs: one pass at the end of each network group (2 runs each), then its own
  // full pass finds nothing left.
  EXPECT_EQ(f.book.pass_sizes, (std::vector<size_t>{2, 2, 0}));
  for (const auto& [run, length] : f.book.lengths) EXPECT_EQ(length, 7) << run;
  // Its share of "done" is part of the summary.
  auto summary = SummarizeExperiment(*f.store, f.models, id, f.stages);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->stages.size(), 6u);
  EXPECT_EQ(summary->stages[5].info.name, "lengths");
  EXPECT_EQ(summary->stages[5].counts[0].done, 4);
  EXPECT_TRUE(summary->AllWorkDone());
}

TEST(StageRegistryTest, ANewStageNotYetRunKeepsTheExperimentIncomplete) {
  Fixture f;
  std::string id = f.Create(kTwoGroups);
  PipelineOptions options;
  options.registry = &f.stages;
  options.stages = {"runs", "embeddings", "diagrams"};
  auto r = ExecuteExperiment(*f.store, f.models, id, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->completed) << "the lengths stage has not run";
  EXPECT_FALSE(store::experiments::Get(f.store->connection(), id)->completed_at.has_value());
  options.stages = {"lengths"};
  r = ExecuteExperiment(*f.store, f.models, id, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->completed);
  // The default registry does not know it.
  options.registry = nullptr;
  EXPECT_EQ(ExecuteExperiment(*f.store, f.models, id, options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace panic::engine
