// The analysis stages of issue 12 through the pipeline: prompt_embeddings stores each
// prompt once per text embedding model; lyapunov stores one result per (model, network,
// prompt) group of ≥ 2 runs and per pair of prompts, its curve equal to the mean pairwise
// distance computed here by hand; both resume after a kill to the same rows, write nothing
// on a second pass, and recompute a result whose inputs changed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "panic/engine/config_validation.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/pipeline.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/runs_table.h"
#include "panic/store/sqlite_db.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using panic::testing::TempDir;

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2, 3],
  "prompts": ["a red fox", "a blue whale"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 12,
  "options": {"loop_detection": "off"}})";

struct Fixture {
  TempDir dir;
  std::unique_ptr<store::Database> store =
      std::move(store::Database::Open(dir.File("s.db"), store::OpenMode::kCreate)).value();
  models::ModelRegistry& models = models::ModelRegistry::Default();
  std::string id;

  Fixture() {
    auto cfg = ParseExperimentConfig(kConfig, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    id = std::move(CreateExperiment(*store, *cfg)).value();
  }
  store::SqliteDb& db() { return store->connection(); }
  std::vector<store::LyapunovRecord> Results() { return std::move(store::lyapunov::List(db(), id)).value(); }
};

// The rows without their ids and timestamps.
std::string Describe(const std::vector<store::LyapunovRecord>& rows) {
  std::string out;
  for (const auto& r : rows) {
    out += r.embedding_model + "|" + r.initial_prompt + "|" + r.other_prompt + "|" + std::to_string(r.num_pairs) +
           "|" + std::to_string(r.num_timesteps) + "|" + std::to_string(r.exponent) + "|" + std::to_string(r.tau) +
           "|" + r.bounded_status + "|" + r.runs_fingerprint + "|";
    for (double d : r.curve) out += std::to_string(d) + ",";
    out += "\n";
  }
  return out;
}

TEST(AnalysisStagesTest, PromptEmbeddingsAreTheModelsVectorsOfEachPromptOnce) {
  Fixture f;
  auto r = ExecuteExperiment(*f.store, f.models, f.id, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->completed);
  EXPECT_EQ(r->written("prompt_embeddings"), 2);
  auto rows = store::prompt_embeddings::List(f.db(), f.id);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u) << "one per prompt under DummyText; DummyVision embeds images and has none";
  auto model = f.models.GetEmbedding("DummyText");
  ASSERT_TRUE(model.ok());
  for (const auto& row : *rows) {
    EXPECT_EQ(row.embedding_model, "DummyText");
    std::vector<models::Payload> in{models::Payload(row.initial_prompt)};
    auto v = (*model)->EmbedBatch(in);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(row.vector, (*v)[0]) << row.initial_prompt;
  }
  // A second pass finds nothing to do.
  auto again = ExecuteExperiment(*f.store, f.models, f.id, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->written("prompt_embeddings"), 0);
  EXPECT_EQ(again->written("lyapunov"), 0);
}

TEST(AnalysisStagesTest, LyapunovCurvesAreMeanPairwiseDistancesOnTheSphere) {
  Fixture f;
  auto r = ExecuteExperiment(*f.store, f.models, f.id, {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Per model: two prompts' groups of 3 runs and their cross pair.
  const auto results = f.Results();
  ASSERT_EQ(results.size(), 6u);
  EXPECT_EQ(r->written("lyapunov"), 6);
  auto runs = std::move(store::runs::List(f.db(), f.id)).value();
  for (const auto& res : results) {
    std::vector<std::vector<std::vector<float>>> a, b;
    for (const auto& run : runs) {
      auto v = std::move(store::embeddings::LoadRunVectors(f.db(), run.id, res.embedding_model)).value();
      if (run.initial_prompt == res.initial_prompt) a.push_back(v);
      if (run.initial_prompt == res.other_prompt) b.push_back(v);
    }
    const bool cross = !res.other_prompt.empty();
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(res.num_pairs, cross ? 9 : 3);
    EXPECT_EQ(res.num_runs, cross ? 6 : 3);
    EXPECT_EQ(res.network, (std::vector<std::string>{"DummyT2I", "DummyI2T"}));
    ASSERT_EQ(static_cast<size_t>(res.num_timesteps), a[0].size()) << "every run has the same length here";
    EXPECT_EQ(res.num_timesteps, 6) << "12 invocations, half of each modality";
    auto dist = [](const std::vector<float>& x, const std::vector<float>& y) {
      double nx = 0, ny = 0, s = 0;
      for (size_t k = 0; k < x.size(); ++k) nx += double(x[k]) * x[k], ny += double(y[k]) * y[k];
      for (size_t k = 0; k < x.size(); ++k) {
        const double d = x[k] / std::sqrt(nx) - y[k] / std::sqrt(ny);
        s += d * d;
      }
      return std::sqrt(s);
    };
    for (size_t t = 0; t < res.curve.size(); ++t) {
      double sum = 0;
      int n = 0;
      if (cross) {
        for (const auto& x : a) for (const auto& y : b) sum += dist(x[t], y[t]), ++n;
      } else {
        for (size_t i = 0; i < a.size(); ++i) for (size_t j = i + 1; j < a.size(); ++j) sum += dist(a[i][t], a[j][t]), ++n;
      }
      EXPECT_NEAR(res.curve[t], sum / n, 1e-9) << res.embedding_model << " " << res.initial_prompt << " t=" << t;
    }
    // The exponent is the least-squares slope of ln d(t).
    double tm = 0, ym = 0;
    const size_t T = res.curve.size();
    for (size_t t = 0; t < T; ++t) tm += double(t) / T, ym += std::log(std::max(res.curve[t], 1e-10)) / T;
    double sxy = 0, sxx = 0;
    for (size_t t = 0; t < T; ++t) {
      sxy += (t - tm) * (std::log(std::max(res.curve[t], 1e-10)) - ym);
      sxx += (t - tm) * (t - tm);
    }
    EXPECT_NEAR(res.exponent, sxy / sxx, 1e-9);
  }
}

TEST(AnalysisStagesTest, AKilledPassResumesToTheSameRowsAndStaleResultsAreRecomputed) {
  Fixture whole;
  ASSERT_TRUE(ExecuteExperiment(*whole.store, whole.models, whole.id, {}).ok());
  const std::string expected = Describe(whole.Results());

  // The same experiment in a second database (the same seeds: the same trajectories),
  // killed after the first lyapunov group.
  Fixture f;
  {
    // Its id differs; give it the same rows by running every stage but lyapunov first.
    PipelineOptions before;
    before.stages = {"runs", "embeddings", "diagrams", "prompt_embeddings"};
    ASSERT_TRUE(ExecuteExperiment(*f.store, f.models, f.id, before).ok());
  }
  std::atomic<bool> cancel{false};
  PipelineOptions killed;
  killed.cancel = &cancel;
  killed.progress = [&](const ProgressEvent& e) {
    if (e.stage == "lyapunov" && e.done_this_session > 0) cancel = true;
  };
  auto r = ExecuteExperiment(*f.store, f.models, f.id, killed);
  ASSERT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  EXPECT_EQ(f.Results().size(), 1u);
  auto resumed = ExecuteExperiment(*f.store, f.models, f.id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->written("lyapunov"), 5);
  // Run ids differ between the databases, so fingerprints do too: compare without them.
  auto strip = [](std::vector<store::LyapunovRecord> rows) {
    for (auto& row : rows) row.runs_fingerprint.clear();
    return Describe(rows);
  };
  EXPECT_EQ(strip(f.Results()), strip(whole.Results()));
  EXPECT_FALSE(expected.empty());

  // A result whose inputs changed (here: its fingerprint no longer matches) is recomputed,
  // and only that one.
  ASSERT_TRUE(f.store->Write([&](store::SqliteDb& c) {
    return c.Exec("UPDATE lyapunov_results SET runs_fingerprint = 'old', exponent = 99 WHERE rowid = "
                  "(SELECT min(rowid) FROM lyapunov_results)");
  }).ok());
  auto again = ExecuteExperiment(*f.store, f.models, f.id, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->written("lyapunov"), 1);
  EXPECT_EQ(strip(f.Results()), strip(whole.Results()));
}

}  // namespace
}  // namespace panic::engine
