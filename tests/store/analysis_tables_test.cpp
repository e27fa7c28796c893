// The analysis tables of schema migration 3 (issue 12): prompt embeddings and divergence
// results round-trip (NaN as NULL, +inf kept), replace by group, read back in trajectory
// order, and go with their experiment.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/analysis_tables.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::unique_ptr<Database> db = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment(3);
  std::vector<RunRecord> runs = MakeTestRuns(e, 2);

  Fixture() {
    Status s = db->Write([&](SqliteDb& c) -> Status {
      PANIC_RETURN_IF_ERROR(experiments::Insert(c, e, runs));
      for (const auto& run : runs) {
        std::vector<InvocationRecord> invs;
        std::vector<EmbeddingRecord> embs;
        for (int step = 0; step < 3; ++step) {
          invs.push_back(MakeTestInvocation(run.id, step, "t" + std::to_string(step)));
          if (step > 0) invs.back().input_invocation_id = invs[step - 1].id;
          embs.push_back({NewUuidV7(), invs.back().id, "M", {float(step), float(run.run_number), 1.0f}, NowIso(),
                          NowIso()});
        }
        PANIC_RETURN_IF_ERROR(invocations::InsertStep(c, invs, {}));
        PANIC_RETURN_IF_ERROR(embeddings::Insert(c, embs));
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

  LyapunovRecord Result(double tau) {
    LyapunovRecord r;
    r.id = NewUuidV7();
    r.experiment_id = e.id;
    r.network = {"A", "B"};
    r.initial_prompt = "p";
    r.embedding_model = "M";
    r.num_runs = 2;
    r.num_pairs = 1;
    r.num_timesteps = 3;
    r.exponent = 0.25;
    r.intercept = -1.5;
    r.r_squared = std::numeric_limits<double>::quiet_NaN();
    r.bounded_status = "above_range";
    r.d_inf = std::numeric_limits<double>::quiet_NaN();
    r.d0 = 0.5;
    r.tau = tau;
    r.bounded_r_squared = 0.75;
    r.curve = {0.1, 0.2, 0.4};
    r.runs_fingerprint = "f1";
    r.computed_at = NowIso();
    return r;
  }
};

TEST(AnalysisTablesTest, PromptEmbeddingsRoundTripAndAreUniquePerPromptAndModel) {
  Fixture f;
  PromptEmbeddingRecord p{NewUuidV7(), f.e.id, "a prompt", "M", {1.0f, -2.5f, 3.0f}, NowIso(), NowIso()};
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) { return prompt_embeddings::Insert(c, {p}); }).ok());
  auto listed = prompt_embeddings::List(f.db->connection(), f.e.id);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].initial_prompt, "a prompt");
  EXPECT_EQ((*listed)[0].vector, p.vector);
  p.id = NewUuidV7();
  Status dup = f.db->Write([&](SqliteDb& c) { return prompt_embeddings::Insert(c, {p}); });
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
}

TEST(AnalysisTablesTest, LyapunovResultsKeepNaNAndInfinityAndReplaceTheirGroup) {
  Fixture f;
  const double inf = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) { return lyapunov::Put(c, f.Result(inf)); }).ok());
  auto listed = lyapunov::List(f.db->connection(), f.e.id);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  const LyapunovRecord& r = (*listed)[0];
  EXPECT_EQ(r.network, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(r.other_prompt, "");
  EXPECT_DOUBLE_EQ(r.exponent, 0.25);
  EXPECT_TRUE(std::isnan(r.r_squared));
  EXPECT_TRUE(std::isnan(r.d_inf));
  EXPECT_EQ(r.tau, inf);
  EXPECT_EQ(r.curve, (std::vector<double>{0.1, 0.2, 0.4}));
  // The same group again replaces it; a cross-prompt result is a group of its own.
  LyapunovRecord again = f.Result(12.5);
  LyapunovRecord cross = f.Result(3.0);
  cross.other_prompt = "q";
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) -> Status {
    PANIC_RETURN_IF_ERROR(lyapunov::Put(c, again));
    return lyapunov::Put(c, cross);
  }).ok());
  listed = lyapunov::List(f.db->connection(), f.e.id);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].tau, 12.5);
  EXPECT_EQ((*listed)[1].other_prompt, "q");
  // A curve that does not match its length is refused.
  LyapunovRecord bad = f.Result(1.0);
  bad.curve.pop_back();
  EXPECT_EQ(f.db->Write([&](SqliteDb& c) { return lyapunov::Put(c, bad); }).code(), StatusCode::kInvalidArgument);
}

TEST(AnalysisTablesTest, EmbeddingsAreScannedInTrajectoryOrder) {
  Fixture f;
  std::vector<std::pair<int64_t, int64_t>> seen;  // (run number, step)
  Status s = analysis_reads::ForEachEmbedding(f.db->connection(), f.e.id, std::string("M"),
                                              [&](const TrajectoryPoint& p) {
                                                seen.push_back({static_cast<int64_t>(p.vector[1]), p.sequence_number});
                                                EXPECT_EQ(p.vector[0], static_cast<float>(p.sequence_number));
                                                return Status::Ok();
                                              });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(seen.size(), 6u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].first, f.runs[i / 3].run_number);
    EXPECT_EQ(seen[i].second, static_cast<int64_t>(i % 3));
  }
  int none = 0;
  ASSERT_TRUE(analysis_reads::ForEachEmbedding(f.db->connection(), f.e.id, std::string("other"), [&](const auto&) {
    ++none;
    return Status::Ok();
  }).ok());
  EXPECT_EQ(none, 0);
}

// Without a model filter every model is read, each run's trajectory under a model
// contiguous: by run number, then model name, then step. Models of another experiment
// only ("Z") and a run without a model's vectors are no trouble; a damaged blob is
// Corruption naming its row.
TEST(AnalysisTablesTest, EmbeddingsOfEveryModelComeByRunThenModelThenStep) {
  Fixture f;
  std::vector<EmbeddingRecord> more;
  std::string damaged_id;
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) -> Status {
    for (const auto& run : f.runs) {
      PANIC_ASSIGN_OR_RETURN(auto invs, invocations::ListForRun(c, run.id, false));
      for (const auto& inv : invs) {
        // "A" sorts before "M"; only the first run has "A" vectors.
        if (run.run_number == f.runs[0].run_number) {
          more.push_back({NewUuidV7(), inv.id, "A", {float(inv.sequence_number), float(run.run_number), 2.0f},
                          NowIso(), NowIso()});
        }
      }
    }
    PANIC_RETURN_IF_ERROR(embeddings::Insert(c, more));
    return Status::Ok();
  }).ok());
  std::vector<std::tuple<int64_t, std::string, int64_t>> seen;  // (run number, model, step)
  Status s = analysis_reads::ForEachEmbedding(f.db->connection(), f.e.id, std::nullopt, [&](const TrajectoryPoint& p) {
    seen.emplace_back(static_cast<int64_t>(p.vector[1]), p.embedding_model, p.sequence_number);
    EXPECT_EQ(p.vector[0], static_cast<float>(p.sequence_number));
    EXPECT_EQ(p.vector[2], p.embedding_model == "A" ? 2.0f : 1.0f);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  const int64_t r0 = f.runs[0].run_number, r1 = f.runs[1].run_number;
  const std::vector<std::tuple<int64_t, std::string, int64_t>> want = {
      {r0, "A", 0}, {r0, "A", 1}, {r0, "A", 2}, {r0, "M", 0}, {r0, "M", 1},
      {r0, "M", 2}, {r1, "M", 0}, {r1, "M", 1}, {r1, "M", 2}};
  EXPECT_EQ(seen, want);

  // A blob whose length is not a multiple of 4 stops the scan with Corruption.
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) -> Status {
    PANIC_ASSIGN_OR_RETURN(Statement * q, c.Prepare("UPDATE embeddings SET vector = x'0102' WHERE id = ?"));
    q->Bind(1, more[1].id);
    return q->Run();
  }).ok());
  int before = 0;
  s = analysis_reads::ForEachEmbedding(f.db->connection(), f.e.id, std::nullopt, [&](const TrajectoryPoint&) {
    ++before;
    return Status::Ok();
  });
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find(more[1].id), std::string::npos) << s.ToString();
  EXPECT_EQ(before, 1);
}

TEST(AnalysisTablesTest, ResultsGoWithTheirExperimentAndNoReferenceBreaks) {
  Fixture f;
  PromptEmbeddingRecord p{NewUuidV7(), f.e.id, "a prompt", "M", {1.0f}, NowIso(), NowIso()};
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) -> Status {
    PANIC_RETURN_IF_ERROR(prompt_embeddings::Insert(c, {p}));
    return lyapunov::Put(c, f.Result(2.0));
  }).ok());
  ASSERT_TRUE(f.db->Write([&](SqliteDb& c) { return experiments::Delete(c, f.e.id); }).ok());
  SqliteDb& c = f.db->connection();
  for (const char* table : {"prompt_embeddings", "lyapunov_results"}) {
    auto n = (*c.Prepare(std::string("SELECT count(*) FROM ") + table))->ScalarInt();
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0) << table;
  }
  // Every foreign key of the new tables has an index that leads with it.
  for (const char* table : {"prompt_embeddings", "lyapunov_results"}) {
    auto q = c.Prepare(std::string("SELECT count(*) FROM pragma_index_list('") + table +
                       "') l JOIN pragma_index_info(l.name) i WHERE i.seqno = 0 AND i.name = 'experiment_id'");
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(*(*q)->ScalarInt(), 1) << table;
  }
}

TEST(AnalysisTablesTest, AnOlderDatabaseReadsTheAnalysisTablesAsEmpty) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  const std::string id = MakeV1Database(path);
  auto db = Database::Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto prompts = prompt_embeddings::List((*db)->connection(), id);
  ASSERT_TRUE(prompts.ok()) << prompts.status().ToString();
  EXPECT_TRUE(prompts->empty());
  auto results = lyapunov::List((*db)->connection(), id);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_TRUE(results->empty());
}

}  // namespace
}  // namespace panic::store
