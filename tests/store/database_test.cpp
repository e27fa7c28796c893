// The split store: Database transactions, the one keyset-paged invocation scan, and the
// columns of migration 2 through the per-table queries.
#include "panic/store/database.h"

#include <gtest/gtest.h>

#include "panic/core/uuid.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

struct Scenario {
  TempDir dir;
  std::unique_ptr<Database> db;
  ExperimentRecord experiment = MakeTestExperiment();
  std::vector<RunRecord> run_records = MakeTestRuns(experiment, 3);
  std::vector<InvocationRecord> all;  // in (run_number, step) order

  Scenario() {
    db = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
    EXPECT_TRUE(db->Write([&](SqliteDb& c) { return experiments::Insert(c, experiment, run_records); }).ok());
    // Another experiment whose invocations no scan of the first may return.
    ExperimentRecord other = MakeTestExperiment();
    auto other_runs = MakeTestRuns(other, 1);
    EXPECT_TRUE(db->Write([&](SqliteDb& c) {
                    PANIC_RETURN_IF_ERROR(experiments::Insert(c, other, other_runs));
                    return invocations::InsertStep(c, {MakeTestInvocation(other_runs[0].id, 0, "x")}, {});
                  }).ok());
    // Runs written in reverse order: the scan orders by run number, not by insertion.
    for (int r = 2; r >= 0; --r) {
      std::vector<InvocationRecord> steps;
      for (int s = 0; s < 5; ++s) {
        InvocationRecord inv = MakeTestInvocation(run_records[r].id, s, "r" + std::to_string(r) + "s" + std::to_string(s));
        if (s % 2 == 1) {
          inv.type = OutputType::kImage;
          inv.output_text.clear();
          inv.output_image = "img" + std::to_string(r * 10 + s);
        }
        inv.batch_size = 3;
        inv.batch_position = r;
        steps.push_back(inv);
      }
      EXPECT_TRUE(db->Write([&](SqliteDb& c) { return invocations::InsertStep(c, steps, {}); }).ok());
      all.insert(all.begin(), steps.begin(), steps.end());
    }
  }
};

std::vector<std::string> Ids(const std::vector<InvocationRecord>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.id);
  return out;
}

// Every page of a scan, concatenated.
std::vector<InvocationRecord> ScanAll(Database& db, const InvocationFilter& filter, int64_t page) {
  InvocationCursor cursor;
  std::vector<InvocationRecord> out;
  while (true) {
    auto got = invocations::Scan(db.connection(), filter, page, &cursor);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || got->empty()) return out;
    EXPECT_LE(static_cast<int64_t>(got->size()), page);
    out.insert(out.end(), got->begin(), got->end());
  }
}

TEST(InvocationScanTest, PagesInRunAndStepOrderWithinOneExperiment) {
  Scenario s;
  InvocationFilter filter;
  filter.experiment_id = s.experiment.id;
  for (int64_t page : {1, 4, 15, 100}) {
    auto got = ScanAll(*s.db, filter, page);
    EXPECT_EQ(Ids(got), Ids(s.all)) << "page " << page;
  }
  auto got = ScanAll(*s.db, filter, 4);
  ASSERT_EQ(got.size(), 15u);
  EXPECT_EQ(got[1].output_image, "img1");
  EXPECT_EQ(got[0].output_text, "r0s0");
  EXPECT_EQ(got[7].batch_size, 3);
  EXPECT_EQ(got[7].batch_position, 1);
  filter.with_outputs = false;
  got = ScanAll(*s.db, filter, 4);
  EXPECT_EQ(Ids(got), Ids(s.all));
  EXPECT_TRUE(got[0].output_text.empty());
  EXPECT_TRUE(got[1].output_image.empty());
}

TEST(InvocationScanTest, FiltersByTypeRunAndMissingEmbedding) {
  Scenario s;
  InvocationFilter texts;
  texts.experiment_id = s.experiment.id;
  texts.type = OutputType::kText;
  std::vector<std::string> expected;
  for (const auto& r : s.all) {
    if (r.type == OutputType::kText) expected.push_back(r.id);
  }
  EXPECT_EQ(Ids(ScanAll(*s.db, texts, 2)), expected);

  // Embed every other text invocation; the scan for missing ones returns the rest.
  std::vector<EmbeddingRecord> vectors;
  std::vector<std::string> missing;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i % 2 == 0) vectors.push_back({NewUuidV7(), expected[i], "DummyText", {1.0f}, "t", "t"});
    else missing.push_back(expected[i]);
  }
  ASSERT_TRUE(s.db->Write([&](SqliteDb& c) { return embeddings::Insert(c, vectors); }).ok());
  InvocationFilter unembedded = texts;
  unembedded.without_embedding = "DummyText";
  EXPECT_EQ(Ids(ScanAll(*s.db, unembedded, 2)), missing);
  unembedded.without_embedding = "OtherModel";
  EXPECT_EQ(Ids(ScanAll(*s.db, unembedded, 2)), expected);

  InvocationFilter one_run;
  one_run.run_id = s.run_records[1].id;
  auto run1 = ScanAll(*s.db, one_run, 2);
  EXPECT_EQ(Ids(run1), Ids(std::vector<InvocationRecord>(s.all.begin() + 5, s.all.begin() + 10)));
  auto listed = invocations::ListForRun(s.db->connection(), s.run_records[1].id, true);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(Ids(*listed), Ids(run1));
}

TEST(DatabaseTest, WriteRollsBackWhenTheWorkFails) {
  Scenario s;
  ExperimentRecord e = MakeTestExperiment();
  Status s1 = s.db->Write([&](SqliteDb& c) -> Status {
    PANIC_RETURN_IF_ERROR(experiments::Insert(c, e, MakeTestRuns(e, 2)));
    return Status::Cancelled("changed my mind");
  });
  EXPECT_EQ(s1.code(), StatusCode::kCancelled);
  EXPECT_EQ(experiments::Get(s.db->connection(), e.id).status().code(), StatusCode::kNotFound);
  // A failing statement in the middle rolls back the earlier ones too.
  Status s2 = s.db->Write([&](SqliteDb& c) -> Status {
    PANIC_RETURN_IF_ERROR(experiments::Insert(c, e, MakeTestRuns(e, 2)));
    return experiments::Insert(c, e, {});  // the same id again
  });
  EXPECT_EQ(s2.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(experiments::Get(s.db->connection(), e.id).status().code(), StatusCode::kNotFound);
  auto n = s.db->Read([&](SqliteDb& c) { return runs::ListAll(c); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->size(), 4u);
}

TEST(DatabaseTest, DiagramProvenanceRoundTrips) {
  Scenario s;
  PersistenceDiagramRecord d;
  d.id = NewUuidV7();
  d.run_id = s.run_records[0].id;
  d.embedding_model = "DummyText";
  d.diagram_data = "npz";
  d.started_at = d.completed_at = "2026-01-01T00:00:00Z";
  d.point_count = 5;
  d.last_sequence_number = 4;
  d.approximation_epsilon = 0.125;
  ASSERT_TRUE(s.db->Write([&](SqliteDb& c) { return diagrams::Put(c, d); }).ok());
  auto back = diagrams::Get(s.db->connection(), d.run_id, "DummyText");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->point_count, 5);
  EXPECT_EQ(back->last_sequence_number, 4);
  EXPECT_EQ(back->approximation_epsilon, 0.125);
}

}  // namespace
}  // namespace panic::store
