// The explicit bulk delete of an experiment (issue 9 §1): it removes exactly what the
// experiment owns, leaves no orphan rows behind, and leaves every other experiment whole.
#include <gtest/gtest.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

const std::vector<std::string> kOwnedTables = {"experiments", "runs", "invocations", "embeddings",
                                               "persistence_diagrams"};

// An experiment of `runs` runs of `steps` chained text invocations, one embedding each and one
// diagram per run.
std::string Populate(Database& store, int runs, int steps) {
  ExperimentRecord e = MakeTestExperiment(steps);
  auto run_records = MakeTestRuns(e, runs);
  EXPECT_TRUE(store.Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, run_records); }).ok());
  const std::string now = NowIso();
  for (const auto& run : run_records) {
    std::vector<InvocationRecord> invocations;
    std::vector<EmbeddingRecord> embeddings;
    std::optional<std::string> previous;
    for (int step = 0; step < steps; ++step) {
      InvocationRecord inv = MakeTestInvocation(run.id, step, "t" + std::to_string(step));
      inv.input_invocation_id = previous;
      previous = inv.id;
      EmbeddingRecord emb;
      emb.id = NewUuidV7();
      emb.invocation_id = inv.id;
      emb.embedding_model = "DummyText";
      emb.vector.assign(8, static_cast<float>(step));
      emb.started_at = emb.completed_at = now;
      invocations.push_back(std::move(inv));
      embeddings.push_back(std::move(emb));
    }
    EXPECT_TRUE(
        store.Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, invocations, {}); }).ok());
    EXPECT_TRUE(store.Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, embeddings); }).ok());
    PersistenceDiagramRecord d;
    d.id = NewUuidV7();
    d.run_id = run.id;
    d.embedding_model = "DummyText";
    d.error = "not computed in this test";
    d.started_at = d.completed_at = now;
    EXPECT_TRUE(store.Write([&](store::SqliteDb& c) { return store::diagrams::Put(c, d); }).ok());
  }
  return e.id;
}

int64_t Scalar(SqliteDb& db, const std::string& sql, const std::string& id) {
  auto q = *db.Prepare(sql);
  q->Bind(1, id);
  return *q->ScalarInt();
}

// Rows of each owned table that belong to experiment `id`, joined down the ownership tree.
std::vector<int64_t> OwnedCounts(SqliteDb& db, const std::string& id) {
  return {Scalar(db, "SELECT count(*) FROM experiments WHERE id = ?1", id),
          Scalar(db, "SELECT count(*) FROM runs WHERE experiment_id = ?1", id),
          Scalar(db, "SELECT count(*) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ?1",
                 id),
          Scalar(db, "SELECT count(*) FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
                     "JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ?1", id),
          Scalar(db, "SELECT count(*) FROM persistence_diagrams d JOIN runs r ON r.id = d.run_id "
                     "WHERE r.experiment_id = ?1", id)};
}

TEST(DeleteTest, LeavesNoOrphansAndKeepsOtherExperimentsIntact) {
  TempDir dir;
  const std::string path = dir.File("a.db");
  std::string doomed, kept_before, kept_after;
  {
    auto store = std::move(Database::Open(path, OpenMode::kCreate, Durability::kNormal)).value();
    kept_before = Populate(*store, 2, 40);
    doomed = Populate(*store, 3, 1500);  // a chain longer than SQLite's 1000-deep recursion
    kept_after = Populate(*store, 2, 40);
  }
  SqliteDb::Options options;
  options.create_if_missing = false;
  std::vector<int64_t> kept_before_counts, kept_after_counts;
  {
    auto db = std::move(SqliteDb::Open(path, options)).value();
    EXPECT_EQ(OwnedCounts(*db, doomed), (std::vector<int64_t>{1, 3, 4500, 4500, 3}));
    kept_before_counts = OwnedCounts(*db, kept_before);
    kept_after_counts = OwnedCounts(*db, kept_after);
    EXPECT_EQ(kept_before_counts, (std::vector<int64_t>{1, 2, 80, 80, 2}));
  }
  {
    auto store = std::move(Database::Open(path, OpenMode::kWrite)).value();
    Status s = store::DeleteExperiment(*store, doomed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(store::DeleteExperiment(*store, doomed).code(), StatusCode::kNotFound);
  }
  auto db = std::move(SqliteDb::Open(path, options)).value();
  EXPECT_EQ(OwnedCounts(*db, doomed), (std::vector<int64_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(OwnedCounts(*db, kept_before), kept_before_counts);
  EXPECT_EQ(OwnedCounts(*db, kept_after), kept_after_counts);
  // Totals: nothing but the two kept experiments is left, and no row points at a missing parent.
  const std::vector<int64_t> totals = {2, 4, 160, 160, 4};
  for (size_t t = 0; t < kOwnedTables.size(); ++t) {
    auto q = *db->Prepare("SELECT count(*) FROM " + kOwnedTables[t]);
    EXPECT_EQ(*q->ScalarInt(), totals[t]) << kOwnedTables[t];
  }
  auto fk = *db->Prepare("SELECT count(*) FROM pragma_foreign_key_check");
  EXPECT_EQ(*fk->ScalarInt(), 0);
}

TEST(DeleteTest, RestoresTheConnectionsSecureDeleteSetting) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  const std::string id = Populate(*store, 1, 3);
  auto before = *store->connection().Prepare("PRAGMA secure_delete");
  const int64_t setting = *before->ScalarInt();
  ASSERT_TRUE(store::DeleteExperiment(*store, id).ok());
  auto after = *store->connection().Prepare("PRAGMA secure_delete");
  EXPECT_EQ(*after->ScalarInt(), setting);
}

}  // namespace
}  // namespace panic::store
