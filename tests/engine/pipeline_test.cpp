// The whole pipeline through the library: runs → embeddings → diagrams.
#include "panic/engine/pipeline.h"

#include <gtest/gtest.h>

#include <map>

#include "panic/core/uuid.h"
#include "panic/core/time.h"
#include "panic/engine/config_validation.h"
#include "panic/engine/diagrams_stage.h"
#include "panic/engine/experiment_setup.h"
#include "panic/engine/experiment_summary.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/run_progress.h"
#include "panic/models/dummy/dummy_embeddings.h"
#include "panic/store/npz_codec.h"
#include "panic/store/runs_table.h"
#include "panic/tda/persistent_entropy.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using panic::testing::TempDir;

struct Pipeline {
  TempDir dir;
  std::string db = dir.File("p.db");
  std::unique_ptr<store::Database> store = std::move(store::Database::Open(db, store::OpenMode::kCreate)).value();
  models::ModelRegistry& registry = models::ModelRegistry::Default();

  std::string Create(const std::string& json) {
    auto cfg = ParseExperimentConfig(json, "test");
    EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
    EXPECT_TRUE(ValidateConfigModels(*cfg, registry).ok());
    return std::move(CreateExperiment(*store, *cfg)).value();
  }
  PipelineResult Execute(const std::string& id, PipelineOptions options = {}) {
    auto r = ExecuteExperiment(*store, registry, id, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : PipelineResult{};
  }
  int64_t Scalar(const std::string& sql) {
    auto r = testing::RunShell("sqlite3 " + db + " " + testing::ShellQuote(sql));
    return std::stoll(r.out.empty() ? "-1" : r.out);
  }
};

constexpr const char* kConfig = R"({
  "networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]],
  "seeds": [42, -1],
  "prompts": ["a red apple", "penguin by a campfire"],
  "embedding_models": ["DummyText", "DummyVision", "DummyText2"],
  "max_length": 40
})";

TEST(PipelineTest, CountsOfEmbeddingsAndDiagramsAreExact) {
  Pipeline p;
  std::string id = p.Create(kConfig);
  PipelineResult r = p.Execute(id);
  EXPECT_TRUE(r.completed);
  const int64_t text = p.Scalar("SELECT count(*) FROM invocations WHERE type = 'text'");
  const int64_t image = p.Scalar("SELECT count(*) FROM invocations WHERE type = 'image'");
  ASSERT_GT(text, 0);
  ASSERT_GT(image, 0);
  // Text models embed text outputs only, image models images only.
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings WHERE embedding_model = 'DummyText'"), text);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings WHERE embedding_model = 'DummyText2'"), text);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings WHERE embedding_model = 'DummyVision'"), image);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
                     "WHERE (e.embedding_model LIKE 'DummyText%') != (i.type = 'text')"), 0);
  EXPECT_EQ(r.written("embeddings"), 2 * text + image);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings WHERE length(vector) != 768 * 4"), 0);
  // Every run has ≥ 2 points per model here (max_length 40), so runs × models diagrams.
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams WHERE diagram_data IS NOT NULL"), 8 * 3);
  EXPECT_EQ(r.written("diagrams"), 24);
  // Running again computes nothing.
  PipelineResult again = p.Execute(id);
  EXPECT_EQ(again.written("runs") + again.written("embeddings") + again.written("diagrams"), 0);
  EXPECT_TRUE(again.completed);
}

TEST(PipelineTest, StoredVectorsEqualTheRecipes) {
  Pipeline p;
  std::string id = p.Create(kConfig);
  p.Execute(id);
  int checked = 0;
  for (const auto& run : std::move(store::runs::List(p.store->connection(), id)).value()) {
    auto invocations = std::move(store::invocations::ListForRun(p.store->connection(), run.id, true)).value();
    auto text_vectors =
        std::move(store::embeddings::LoadRunVectors(p.store->connection(), run.id, "DummyText")).value();
    size_t t = 0;
    for (const auto& inv : invocations) {
      if (inv.type != store::OutputType::kText) continue;
      ASSERT_LT(t, text_vectors.size());
      EXPECT_EQ(text_vectors[t++], *models::DummyTextVector(inv.output_text));
      ++checked;
    }
    EXPECT_EQ(t, text_vectors.size());
  }
  EXPECT_GT(checked, 100);
}

TEST(PipelineTest, NumpyReadsVectorsAndDiagramsAsTheKernelComputesThem) {
  if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  Pipeline p;
  std::string id = p.Create(kConfig);
  p.Execute(id);
  auto run = std::move(store::runs::List(p.store->connection(), id)).value()[0];
  // numpy: the DummyText recipe on each stored caption equals the stored blob.
  std::string script = R"(
import sqlite3, sys, io, numpy as np
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT i.output_text, e.vector FROM embeddings e JOIN invocations i ON i.id = e.invocation_id
                     WHERE i.run_id = ? AND e.embedding_model = 'DummyText'""", (sys.argv[2],)).fetchall()
for text, blob in rows:
    np.random.seed(sum(ord(c) for c in text))
    assert np.array_equal(np.frombuffer(blob, "<f4"), np.random.rand(768).astype(np.float32)), text
blob = db.execute("SELECT diagram_data FROM persistence_diagrams WHERE run_id = ? AND embedding_model = 'DummyText'",
                  (sys.argv[2],)).fetchone()[0]
z = np.load(io.BytesIO(blob))
print(len(rows), int(z["dgms_count"][0]) if z["dgms_count"].shape == (1,) else len(z["dgms_count"]))
for d in range(3):
    a = z["dgms_%d" % d]
    assert a.dtype == np.float32 and a.ndim == 2 and a.shape[1] == 2
    print(" ".join("%.9g %.9g" % (b, e) for b, e in a))
print(" ".join("%.9g" % x for x in z["entropy"]))
)";
  testing::WriteFile(p.dir.File("check.py"), script);
  auto py = testing::RunShell("/usr/bin/python3 " + p.dir.File("check.py") + " " + p.db + " " + run.id);
  ASSERT_EQ(py.exit_code, 0) << py.err;

  // The kernel on the same vectors, formatted the same way.
  auto vectors = std::move(store::embeddings::LoadRunVectors(p.store->connection(), run.id, "DummyText")).value();
  std::vector<float> points;
  for (const auto& v : vectors) points.insert(points.end(), v.begin(), v.end());
  auto diagram = tda::ComputeRips(points, vectors.size(), 768, RipsOptionsFor(DiagramsOptions{}));
  ASSERT_TRUE(diagram.ok());
  auto entropy = tda::PersistentEntropy(*diagram);
  std::string want = std::to_string(vectors.size()) + " 3\n";
  char buf[64];
  for (size_t d = 0; d < 3; ++d) {
    std::string line;
    for (const auto& bar : diagram->bars(d)) {
      std::snprintf(buf, sizeof buf, "%.9g %.9g", bar.birth, bar.death);
      line += (line.empty() ? "" : " ") + std::string(buf);
    }
    want += line + "\n";
  }
  std::string line;
  for (float e : entropy) {
    std::snprintf(buf, sizeof buf, "%.9g", e);
    line += (line.empty() ? "" : " ") + std::string(buf);
  }
  want += line + "\n";
  EXPECT_EQ(py.out, want);
}

TEST(PipelineTest, OnePointGetsNoDiagramAndNoError) {
  Pipeline p;
  std::string id = p.Create(R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1], "prompts": ["p"],
                                "embedding_models": ["DummyText", "DummyVision"], "max_length": 1})");
  PipelineResult r = p.Execute(id);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings"), 1);  // the single image
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams"), 0);
  EXPECT_EQ(r.failed("diagrams"), 0);
}

TEST(PipelineTest, StagesCanBeRunOneAtATime) {
  Pipeline p;
  std::string id = p.Create(kConfig);
  PipelineOptions runs_only;
  runs_only.stages = {"runs"};
  PipelineResult r = p.Execute(id, runs_only);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings"), 0);
  PipelineOptions embeddings_only;
  embeddings_only.stages = {"embeddings"};
  r = p.Execute(id, embeddings_only);
  EXPECT_GT(r.written("embeddings"), 0);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams"), 0);
  EXPECT_FALSE(r.completed);
  r = p.Execute(id);
  EXPECT_EQ(r.written("embeddings"), 0);
  EXPECT_EQ(r.written("diagrams"), 24);
  EXPECT_TRUE(r.completed);
}

TEST(PipelineTest, FailedDiagramIsRecordedAndRetried) {
  Pipeline p;
  // Cosine distance is undefined for a zero vector: the kernel refuses, the stage records it.
  std::string id = p.Create(R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2], "prompts": ["p"],
                                "embedding_models": ["DummyText"], "max_length": 6,
                                "options": {"metric": "cosine"}})");
  PipelineOptions runs_only;
  runs_only.stages = {"runs"};
  p.Execute(id, runs_only);
  auto runs = std::move(store::runs::List(p.store->connection(), id)).value();
  std::vector<store::EmbeddingRecord> zeros;
  for (const auto& inv : std::move(store::invocations::ListForRun(p.store->connection(), runs[0].id, false)).value()) {
    if (inv.type == store::OutputType::kText) {
      zeros.push_back({NewUuidV7(), inv.id, "DummyText", std::vector<float>(768, 0.0f), NowIso(), NowIso()});
    }
  }
  ASSERT_TRUE(p.store->Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, zeros); }).ok());
  PipelineResult r = p.Execute(id);
  EXPECT_FALSE(r.completed);
  EXPECT_EQ(r.failed("diagrams"), 1);
  EXPECT_EQ(r.written("diagrams"), 1);
  auto failed = store::diagrams::Get(p.store->connection(), runs[0].id, "DummyText");
  ASSERT_TRUE(failed.ok());
  EXPECT_FALSE(failed->diagram_data.has_value());
  ASSERT_TRUE(failed->error.has_value());
  auto counts = std::move(store::experiments::Count(p.store->connection(), id)).value();
  EXPECT_EQ(counts.diagram_failures.at("DummyText"), 1);
  // Resume retries it (still failing here) without duplicating rows.
  r = p.Execute(id);
  EXPECT_EQ(r.failed("diagrams"), 1);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams"), 2);
}

TEST(PipelineTest, NoDiagramForARunThatIsStillGrowing) {
  Pipeline p;
  std::string id = p.Create(R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [-1], "prompts": ["p"],
                                "embedding_models": ["DummyText"], "max_length": 40})");
  // Stop the runs stage part-way, then embed and compute diagrams as a second process
  // would while the runs go on.
  CancelFlag cancel{false};
  int events = 0;
  PipelineOptions runs_only;
  runs_only.stages = {"runs"};
  runs_only.cancel = &cancel;
  runs_only.progress = [&](const ProgressEvent&) {
    if (++events == 10) cancel = true;
  };
  auto first = ExecuteExperiment(*p.store, p.registry, id, runs_only);
  ASSERT_EQ(first.status().code(), StatusCode::kCancelled);
  PipelineOptions later;
  later.stages = {"embeddings", "diagrams"};
  PipelineResult r = p.Execute(id, later);
  EXPECT_GT(r.written("embeddings"), 2);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams"), 0) << "the run has not stopped yet";
  r = p.Execute(id);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM persistence_diagrams WHERE diagram_data IS NOT NULL"), 1);
  EXPECT_EQ(p.Scalar("SELECT count(*) FROM embeddings"), 20);
}

// §7 of issue 9: diagrams only from complete trajectories, however the stages are split.
constexpr const char* kSeeded = R"({
  "networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]],
  "seeds": [1, 2, 3], "prompts": ["a red apple", "penguin"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 30,
  "options": {"loop_detection": "off", "embedding_batch_size": 8}
})";

// (run_number, model) → the diagram's NPZ bytes, for the diagrams with data.
std::map<std::pair<int64_t, std::string>, std::string> Diagrams(store::Database& store, const std::string& id) {
  std::map<std::pair<int64_t, std::string>, std::string> out;
  for (const auto& r : std::move(store::runs::List(store.connection(), id)).value()) {
    for (const char* m : {"DummyText", "DummyVision"}) {
      auto d = store::diagrams::Get(store.connection(), r.id, m);
      if (d.ok() && d->diagram_data) out[{r.run_number, m}] = *d->diagram_data;
    }
  }
  return out;
}

struct Reference {
  Pipeline p;
  std::string id = p.Create(kSeeded);
  std::map<std::pair<int64_t, std::string>, std::string> diagrams;
  Reference() {
    EXPECT_TRUE(p.Execute(id).completed);
    diagrams = Diagrams(*p.store, id);
    EXPECT_EQ(diagrams.size(), 24u);
  }
};

// Every diagram in `got` equals the reference's.
void ExpectSubsetOfReference(const std::map<std::pair<int64_t, std::string>, std::string>& got,
                             const Reference& ref) {
  for (const auto& [key, blob] : got) {
    auto it = ref.diagrams.find(key);
    ASSERT_NE(it, ref.diagrams.end());
    EXPECT_TRUE(it->second == blob) << "run " << key.first << " under " << key.second
                                    << " differs from the uninterrupted reference";
  }
}

PipelineOptions Only(std::set<std::string> stages) {
  PipelineOptions o;
  o.stages = std::move(stages);
  return o;
}

TEST(PipelineTest, SeparateStagesWithAnInterruptedEmbeddingsStageGiveTheReferenceDiagrams) {
  Reference ref;
  Pipeline p;
  std::string id = p.Create(kSeeded);
  p.Execute(id, Only({"runs"}));
  // The embeddings stage stopped part-way (Ctrl-C after a few rounds).
  CancelFlag cancel{false};
  int events = 0;
  PipelineOptions embeddings = Only({"embeddings"});
  embeddings.cancel = &cancel;
  embeddings.progress = [&](const ProgressEvent&) {
    if (++events == 6) cancel = true;
  };
  auto stopped = ExecuteExperiment(*p.store, p.registry, id, embeddings);
  ASSERT_EQ(stopped.status().code(), StatusCode::kCancelled);
  const int64_t partial = p.Scalar("SELECT count(*) FROM embeddings");
  ASSERT_GT(partial, 0);
  // The diagrams stage alone: only complete trajectories get a diagram.
  PipelineResult r = p.Execute(id, Only({"diagrams"}));
  EXPECT_FALSE(r.completed);
  auto early = Diagrams(*p.store, id);
  EXPECT_LT(early.size(), 24u);
  ExpectSubsetOfReference(early, ref);
  auto summary = SummarizeExperiment(*p.store, p.registry, id);
  ASSERT_TRUE(summary.ok());
  EXPECT_NE(summary->status, "completed");
  EXPECT_FALSE(summary->AllWorkDone());
  // A full resume completes it, with the reference's diagrams.
  r = p.Execute(id);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(Diagrams(*p.store, id), ref.diagrams);
}

TEST(PipelineTest, ASideProcessComputesNoDiagramFromAPartialTrajectory) {
  Reference ref;
  Pipeline p;
  std::string id = p.Create(kSeeded);
  // The main process runs part of the runs stage...
  CancelFlag cancel{false};
  int events = 0;
  PipelineOptions runs = Only({"runs"});
  runs.cancel = &cancel;
  runs.progress = [&](const ProgressEvent&) {
    if (++events == 12) cancel = true;
  };
  ASSERT_EQ(ExecuteExperiment(*p.store, p.registry, id, runs).status().code(), StatusCode::kCancelled);
  // ...a side process (its own connection) embeds what exists...
  auto side = std::move(store::Database::Open(p.db, store::OpenMode::kWrite)).value();
  ASSERT_TRUE(ExecuteExperiment(*side, p.registry, id, Only({"embeddings"})).ok());
  // ...the runs finish...
  p.Execute(id, Only({"runs"}));
  // ...and the side process computes diagrams: the runs have stopped, but their later
  // outputs have no vectors yet, so no diagram may come from what was embedded.
  auto r = ExecuteExperiment(*side, p.registry, id, Only({"diagrams"}));
  ASSERT_TRUE(r.ok());
  ExpectSubsetOfReference(Diagrams(*p.store, id), ref);
  EXPECT_FALSE(SummarizeExperiment(*p.store, p.registry, id)->AllWorkDone());
  EXPECT_TRUE(p.Execute(id).completed);
  EXPECT_EQ(Diagrams(*p.store, id), ref.diagrams);
}

TEST(PipelineTest, AStaleDiagramIsRecomputedAndTheExperimentIsNotCompletedMeanwhile) {
  Pipeline p;
  if (!store::DiagramsHaveProvenance(p.store->connection()).value())
    GTEST_SKIP() << "needs schema migration 2 (provenance)";
  std::string id = p.Create(kSeeded);
  ASSERT_TRUE(p.Execute(id).completed);
  const auto reference = Diagrams(*p.store, id);
  // As if the diagram had been computed from one point fewer (an older version's partial
  // trajectory), and one row of an older version without provenance.
  p.Scalar("UPDATE persistence_diagrams SET point_count = point_count - 1 WHERE rowid = (SELECT min(rowid) FROM "
           "persistence_diagrams); SELECT 0");
  p.Scalar("UPDATE persistence_diagrams SET point_count = NULL, last_sequence_number = NULL WHERE rowid = (SELECT "
           "max(rowid) FROM persistence_diagrams); SELECT 0");
  auto summary = SummarizeExperiment(*p.store, p.registry, id);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->status, "incomplete");
  int64_t stale = 0;
  for (const auto& s : summary->stages) {
    for (const auto& c : s.counts) stale += c.stale;
  }
  EXPECT_EQ(stale, 2);
  PipelineResult r = p.Execute(id);
  EXPECT_EQ(r.written("diagrams"), 2);
  EXPECT_TRUE(r.completed);
  EXPECT_EQ(Diagrams(*p.store, id), reference);
}

TEST(PipelineTest, ExpectedDiagramsCountEveryRunNotOnlyTheStartedOnes) {
  // "diagrams USELite: 0/8" for 16 runs after a Ctrl-C in the first network group.
  Pipeline p;
  std::string id = p.Create(kSeeded);  // 2 networks × 3 seeds × 2 prompts = 12 runs
  CancelFlag cancel{false};
  PipelineOptions runs = Only({"runs"});
  runs.cancel = &cancel;
  runs.progress = [&](const ProgressEvent& e) {
    if (e.done_this_session > 0) cancel = true;
  };
  ASSERT_EQ(ExecuteExperiment(*p.store, p.registry, id, runs).status().code(), StatusCode::kCancelled);
  auto summary = SummarizeExperiment(*p.store, p.registry, id);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->stages.size(), 5u);  // the analysis stages count nothing towards "done"
  EXPECT_TRUE(summary->stages[3].counts.empty() && summary->stages[4].counts.empty());
  EXPECT_EQ(summary->stages[0].counts[0].expected, 12);
  EXPECT_EQ(summary->stages[0].counts[0].done, 0);
  for (const auto& c : summary->stages[2].counts) {
    EXPECT_EQ(c.expected, 12) << c.label;
    EXPECT_EQ(c.done, 0) << c.label;
  }
  for (const auto& c : summary->stages[1].counts) EXPECT_EQ(c.expected, 12 * 15) << c.label;  // 15 of each type
}

}  // namespace
}  // namespace panic::engine
