#include "panic/engine/runs_stage.h"

#include <gtest/gtest.h>

#include <map>

#include "engine/fake_models.h"
#include "panic/core/sha256.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/image_codec.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using panic::testing::TempDir;
using testing::LengthT2I;
using testing::RedI2T;

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Database> store;
  models::ModelRegistry registry;
  std::shared_ptr<LengthT2I> t2i = std::make_shared<LengthT2I>();
  std::shared_ptr<RedI2T> i2t = std::make_shared<RedI2T>();
  std::shared_ptr<testing::FlakyTextEmbedding> flaky = std::make_shared<testing::FlakyTextEmbedding>();

  Fixture() {
    store = std::move(store::Database::Open(dir.File("t.db"), store::OpenMode::kCreate)).value();
    models::RegisterDummyModels(registry);
    auto t = t2i;
    auto i = i2t;
    registry.RegisterGenAI(t2i->info(), [t]() -> Result<std::shared_ptr<models::GenAIModel>> { return std::shared_ptr<models::GenAIModel>(t); });
    registry.RegisterGenAI(i2t->info(), [i]() -> Result<std::shared_ptr<models::GenAIModel>> { return std::shared_ptr<models::GenAIModel>(i); });
    auto e = flaky;
    registry.RegisterEmbedding(flaky->info(), [e]() -> Result<std::shared_ptr<models::EmbeddingModel>> {
      return std::shared_ptr<models::EmbeddingModel>(e);
    });
  }

  std::string Create(const std::string& json) {
    auto cfg = ParseExperimentConfig(json, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    EXPECT_TRUE(ValidateConfigModels(*cfg, registry).ok());
    return std::move(CreateExperiment(*store, *cfg)).value();
  }

  Result<PipelineResult> Execute(const std::string& id, PipelineOptions options = {}) {
    return ExecuteExperiment(*store, registry, id, options);
  }

  std::vector<store::RunRecord> Runs(const std::string& experiment_id) {
    return std::move(store::runs::List(store->connection(), experiment_id)).value();
  }
  std::vector<store::InvocationRecord> Invocations(const std::string& run_id) {
    return std::move(store::invocations::ListForRun(store->connection(), run_id, true)).value();
  }
  store::RunRecord Run(const std::string& run_id) {
    return std::move(store::runs::Get(store->connection(), run_id)).value();
  }

  // run_number → (outputs as text or image-pixel digests, stop reason, loop length)
  std::map<int64_t, std::tuple<std::vector<std::string>, std::string, int64_t>> Outputs(const std::string& id) {
    std::map<int64_t, std::tuple<std::vector<std::string>, std::string, int64_t>> out;
    for (const auto& r : Runs(id)) {
      std::vector<std::string> steps;
      for (const auto& inv : Invocations(r.id)) {
        if (inv.type == store::OutputType::kText) {
          steps.push_back(inv.model + ":" + inv.output_text);
        } else {
          auto img = store::DecodeImage(inv.output_image);
          EXPECT_TRUE(img.ok());
          steps.push_back(inv.model + ":" + Sha256Hex(std::span<const uint8_t>(img->pixels)));
        }
      }
      out[r.run_number] = {steps, r.stop_reason.value_or("-"), r.loop_length.value_or(-1)};
    }
    return out;
  }
};

std::string Config(const std::string& seeds, int max_length, const std::string& options = "{}",
                   const std::string& network = R"(["LengthT2I", "RedI2T"])") {
  return R"({"networks": [)" + network + R"(], "seeds": )" + seeds +
         R"(, "prompts": ["a", "bb", "cccc"], "embedding_models": ["DummyText"], "max_length": )" +
         std::to_string(max_length) + R"(, "options": )" + options + "}";
}

TEST(RunsStageTest, LockstepOneBatchPerStepAndChains) {
  Fixture f;
  std::string id = f.Create(Config("[-1, -1]", 6, R"({"loop_detection": "off"})"));
  auto result = f.Execute(id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->completed);
  EXPECT_EQ(result->written("runs"), 6 * 6);
  // 6 runs advance together: T2I is called at steps 0, 2, 4 with all 6 inputs.
  EXPECT_EQ(f.t2i->batch_sizes, (std::vector<size_t>{6, 6, 6}));
  for (const auto& r : f.Runs(id)) {
    auto invs = f.Invocations(r.id);
    ASSERT_EQ(invs.size(), 6u);
    EXPECT_EQ(*r.stop_reason, store::kStopLength);
    for (size_t i = 0; i < invs.size(); ++i) {
      EXPECT_EQ(invs[i].sequence_number, static_cast<int64_t>(i));
      EXPECT_EQ(invs[i].model, i % 2 ? "RedI2T" : "LengthT2I");
      EXPECT_EQ(invs[i].type, i % 2 ? store::OutputType::kText : store::OutputType::kImage);
      EXPECT_EQ(invs[i].seed, -1);
      if (i == 0) EXPECT_FALSE(invs[i].input_invocation_id.has_value());
      else EXPECT_EQ(*invs[i].input_invocation_id, invs[i - 1].id);
      EXPECT_LE(invs[i].started_at, invs[i].completed_at);
    }
    // Step 0 is the model applied to the prompt; step 1 the caption of that image.
    auto img = store::DecodeImage(invs[0].output_image);
    EXPECT_EQ(*img, LengthT2I::Apply(r.initial_prompt));
    EXPECT_EQ(invs[1].output_text, RedI2T::Apply(*img, -1));
  }
}

TEST(RunsStageTest, MaxBatchSplitsCalls) {
  Fixture f;
  std::string id = f.Create(Config("[-1, -1]", 2, R"({"loop_detection": "off", "max_batch": {"LengthT2I": 4}})"));
  ASSERT_TRUE(f.Execute(id).ok());
  EXPECT_EQ(f.t2i->batch_sizes, (std::vector<size_t>{4, 2}));
  // Each invocation records its call: size and place; the items of a call share its times.
  auto calls = panic::testing::RunShell(
      "sqlite3 " + f.dir.File("t.db") +
      " \"SELECT batch_size, group_concat(batch_position, ','), count(DISTINCT started_at || completed_at) FROM "
      "(SELECT * FROM invocations WHERE sequence_number = 0 ORDER BY batch_position) GROUP BY started_at, "
      "completed_at, batch_size ORDER BY batch_size DESC\"");
  EXPECT_EQ(calls.out, "4|0,1,2,3|1\n2|0,1|1\n") << calls.err;
}

// The trajectory the models must produce, by iterating them in the test, stopping at
// the first output equal to an earlier one (texts exactly, images by pixels).
std::pair<int64_t, int64_t> ExpectedStop(const std::string& prompt, int64_t seed, int64_t max_length) {
  std::vector<std::string> seen;
  std::string text = prompt;
  for (int64_t n = 0; n < max_length; ++n) {
    std::string key;
    if (n % 2 == 0) {
      RgbImage img = LengthT2I::Apply(text);
      key = "i" + std::string(img.pixels.begin(), img.pixels.end());
      text = RedI2T::Apply(img, seed);
    } else {
      key = "t" + text;
    }
    for (size_t k = 0; k < seen.size(); ++k) {
      if (seen[k] == key) return {n + 1, n - static_cast<int64_t>(k)};
    }
    seen.push_back(key);
  }
  return {max_length, -1};
}

TEST(RunsStageTest, SeededRunsStopAtFirstRepeat) {
  Fixture f;
  std::string id = f.Create(Config("[0, 1, 2, 5]", 50, R"({"loop_detection": "exact"})"));
  ASSERT_TRUE(f.Execute(id).ok());
  int duplicates = 0;
  for (const auto& r : f.Runs(id)) {
    auto [steps, loop] = ExpectedStop(r.initial_prompt, r.seed, r.max_length);
    EXPECT_EQ(static_cast<int64_t>(f.Invocations(r.id).size()), steps) << r.run_number;
    if (loop > 0) {
      ++duplicates;
      EXPECT_EQ(*r.stop_reason, store::kStopDuplicate);
      EXPECT_EQ(*r.loop_length, loop);
    } else {
      EXPECT_EQ(*r.stop_reason, store::kStopLength);
    }
  }
  EXPECT_GT(duplicates, 0) << "the fake models cycle, so seeded runs must stop early";
}

TEST(RunsStageTest, UnseededRunsNeverStopEarly) {
  Fixture f;
  std::string id = f.Create(Config("[-1]", 30));
  ASSERT_TRUE(f.Execute(id).ok());
  for (const auto& r : f.Runs(id)) {
    EXPECT_EQ(*r.stop_reason, store::kStopLength);
    EXPECT_EQ(f.Invocations(r.id).size(), 30u);
  }
}

TEST(RunsStageTest, FailingModelFailsOnlyItsRunsAndResumeRetries) {
  Fixture f;
  f.i2t->fail_seeds = {3};
  f.i2t->failing = true;
  // Batch size 1 on the I2T, so the failure of seed 3 does not take its batch-mates down.
  std::string id = f.Create(Config("[3, 4]", 8, R"({"loop_detection": "off", "max_batch": {"RedI2T": 1}})"));
  auto result = f.Execute(id);
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->completed);
  EXPECT_EQ(result->failed("runs"), 3);
  for (const auto& r : f.Runs(id)) {
    if (r.seed == 3) {
      EXPECT_EQ(*r.stop_reason, store::kStopFailed);
      EXPECT_NE(r.error->find("injected failure"), std::string::npos);
      EXPECT_EQ(f.Invocations(r.id).size(), 1u);  // the T2I step before the failure
    } else {
      EXPECT_EQ(*r.stop_reason, store::kStopLength);
      EXPECT_EQ(f.Invocations(r.id).size(), 8u);
    }
  }
  EXPECT_FALSE(store::experiments::Get(f.store->connection(), id)->completed_at.has_value());
  f.i2t->failing = false;
  auto resumed = f.Execute(id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->completed);
  EXPECT_EQ(resumed->written("runs"), 3 * 7);
  for (const auto& r : f.Runs(id)) {
    EXPECT_EQ(*r.stop_reason, store::kStopLength);
    EXPECT_FALSE(r.error.has_value());
  }
  EXPECT_TRUE(store::experiments::Get(f.store->connection(), id)->completed_at.has_value());
}

TEST(RunsStageTest, BisectionFailsOnlyTheItemsThatFailOnTheirOwn) {
  Fixture f;
  f.i2t->fail_seeds = {3};
  f.i2t->failing = true;
  // No batch cap: seeds 3 and 4 share every RedI2T call, which fails as a whole.
  std::string id = f.Create(Config("[3, 4]", 8, R"({"loop_detection": "off"})"));
  auto result = f.Execute(id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->completed);
  EXPECT_EQ(result->failed("runs"), 3);  // seed 3 × 3 prompts
  for (const auto& r : f.Runs(id)) {
    if (r.seed == 3) {
      EXPECT_EQ(*r.stop_reason, store::kStopFailed) << r.run_number;
      EXPECT_NE(r.error->find("injected failure"), std::string::npos);
      EXPECT_EQ(f.Invocations(r.id).size(), 1u);
    } else {
      EXPECT_EQ(*r.stop_reason, store::kStopLength) << "batch-mates of a failing item complete";
      EXPECT_EQ(f.Invocations(r.id).size(), 8u);
    }
  }
  // The seed-4 outputs equal a run without any failure (bisection feeds the same inputs).
  Fixture clean;
  std::string clean_id = clean.Create(Config("[3, 4]", 8, R"({"loop_detection": "off"})"));
  ASSERT_TRUE(clean.Execute(clean_id).ok());
  auto got = f.Outputs(id), want = clean.Outputs(clean_id);
  for (const auto& r : f.Runs(id)) {
    if (r.seed == 4) {
      EXPECT_EQ(got[r.run_number], want[r.run_number]) << r.run_number;
    }
  }
  f.i2t->failing = false;
  auto resumed = f.Execute(id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->completed);
  EXPECT_EQ(f.Outputs(id), want);
}

TEST(RunsStageTest, EmbeddingBisectionLeavesOnlyTheFailingOutputsWithoutVectors) {
  Fixture f;
  const std::string cfg = R"({"networks": [["LengthT2I", "RedI2T"]], "seeds": [1, 2, 3], "prompts": ["a", "bb"],
      "embedding_models": ["FlakyText"], "max_length": 6,
      "options": {"loop_detection": "off", "embedding_batch_size": 16}})";
  std::string id = f.Create(cfg);
  // The caption the seed-2 run of prompt "a" gives at step 1 (and no other run gives).
  const std::string bad = RedI2T::Apply(LengthT2I::Apply("a"), 2);
  int64_t bad_count = 0, text_count = 0;
  {
    PipelineOptions runs_only;
    runs_only.stages = {"runs"};
    ASSERT_TRUE(f.Execute(id, runs_only).ok());
    for (const auto& r : f.Runs(id)) {
      for (const auto& inv : f.Invocations(r.id)) {
        if (inv.type != store::OutputType::kText) continue;
        ++text_count;
        bad_count += inv.output_text == bad;
      }
    }
  }
  ASSERT_GT(bad_count, 0);
  ASSERT_LT(bad_count, text_count / 2) << "pick a caption that few outputs share";
  f.flaky->fail_texts = {bad};
  f.flaky->failing = true;
  auto result = f.Execute(id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->completed);
  EXPECT_EQ(result->failed("embeddings"), bad_count);
  EXPECT_EQ(result->written("embeddings"), text_count - bad_count);
  // Every other output has its vector, equal to the model's; runs with a missing vector
  // get no diagram (their trajectory is incomplete), the others do.
  int64_t with_diagram = 0;
  for (const auto& r : f.Runs(id)) {
    bool complete = true;
    auto vectors = std::move(store::embeddings::LoadRunVectors(f.store->connection(), r.id, "FlakyText")).value();
    size_t k = 0;
    for (const auto& inv : f.Invocations(r.id)) {
      if (inv.type != store::OutputType::kText) continue;
      if (inv.output_text == bad) {
        complete = false;
        continue;
      }
      ASSERT_LT(k, vectors.size());
      EXPECT_EQ(vectors[k++], testing::FlakyTextEmbedding::Apply(inv.output_text));
    }
    EXPECT_EQ(k, vectors.size());
    auto diagram = store::diagrams::Get(f.store->connection(), r.id, "FlakyText");
    EXPECT_EQ(diagram.ok(), complete) << r.run_number;
    with_diagram += diagram.ok();
  }
  EXPECT_EQ(result->written("diagrams"), with_diagram);
  EXPECT_GT(with_diagram, 0);
  f.flaky->failing = false;
  auto resumed = f.Execute(id);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->completed);
  EXPECT_EQ(resumed->written("embeddings"), bad_count);
}

// Cancels after `stop_after` progress events, then resumes; the result must equal an
// uninterrupted run of the same seeded config.
void CheckCancelAndResume(const std::string& network, const std::string& options, int stop_after) {
  const std::string cfg = Config("[11, 12, 13]", 40, options, network);
  Fixture reference;
  std::string ref_id = reference.Create(cfg);
  ASSERT_TRUE(reference.Execute(ref_id).ok());

  Fixture f;
  std::string id = f.Create(cfg);
  CancelFlag cancel{false};
  int events = 0;
  PipelineOptions opts;
  opts.cancel = &cancel;
  opts.progress = [&](const ProgressEvent&) {
    if (++events >= stop_after) cancel = true;
  };
  auto first = f.Execute(id, opts);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kCancelled);
  auto resumed = f.Execute(id);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_TRUE(resumed->completed);
  auto got = f.Outputs(id);
  auto want = reference.Outputs(ref_id);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [n, w] : want) EXPECT_EQ(got[n], w) << "run " << n << " stop_after " << stop_after;
}

TEST(RunsStageTest, CancelAndResumeEqualsUninterruptedWithFakes) {
  for (int stop_after : {1, 2, 3}) CheckCancelAndResume(R"(["LengthT2I", "RedI2T"])", "{}", stop_after);
}

TEST(RunsStageTest, CancelAndResumeEqualsUninterruptedWithDummiesAndLossyImages) {
  for (int stop_after : {2, 7, 20}) {
    CheckCancelAndResume(R"(["DummyT2I", "DummyI2T", "DummyT2I2", "DummyI2T2"])", R"({"webp_quality": 50})", stop_after);
  }
}

}  // namespace
}  // namespace panic::engine
