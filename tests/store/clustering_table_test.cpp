// The clustering-snapshot migration (4) on a database at schema version 2 (so 3, the analysis
// tables, runs too), the clustering table's write/read/delete cycle, the selection scan, and what `experiment delete` does to
// the results that include the experiment.
#include <gtest/gtest.h>

#include <unistd.h>

#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/store/clustering_table.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "panic/store/writer_lease.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteDb> OpenRaw(const std::string& path) {
  SqliteDb::Options options;
  options.create_if_missing = false;
  return std::move(SqliteDb::Open(path, options)).value();
}

int64_t Scalar(SqliteDb& db, const std::string& sql) { return *(*db.Prepare(sql))->ScalarInt(); }

// The v1 fixture migrated to exactly version 2, as the release before migration 3 left it.
std::string MakeV2Database(const std::string& path) {
  std::string id = MakeV1Database(path);
  auto db = OpenRaw(path);
  EXPECT_TRUE(db->Exec("PRAGMA foreign_keys=OFF").ok());
  EXPECT_TRUE(db->Exec("BEGIN IMMEDIATE").ok());
  EXPECT_TRUE(db->Exec(Migrations()[1]).ok());
  EXPECT_TRUE(db->Exec("INSERT INTO schema_version VALUES (2, '2026-02-03T04:05:06.789Z')").ok());
  EXPECT_TRUE(db->Exec("COMMIT").ok());
  EXPECT_EQ(*CurrentSchemaVersion(*db), 2);
  return id;
}

TEST(ClusteringMigrationTest, V2DatabaseGainsTheSnapshotAndKeepsEveryRow) {
  TempDir dir;
  const std::string path = dir.File("v2.db");
  const std::string experiment_id = MakeV2Database(path);
  const std::vector<std::string> tables = {"experiments", "runs", "invocations", "embeddings",
                                           "persistence_diagrams", "clustering_results", "embedding_clusters"};
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::string> before;
  {
    auto db = OpenRaw(path);
    for (const auto& t : tables) {
      columns[t] = TableColumns(*db, t);
      before[t] = DumpTable(*db, t, columns[t]);
    }
  }
  // A reader of the version-2 file sees the result through the compatibility views, with
  // the counts the migration would derive, and leaves the file at version 2.
  {
    auto reader = Database::Open(path, OpenMode::kReadOnly);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto list = clustering::List((*reader)->connection());
    ASSERT_TRUE(list.ok()) << list.status().ToString();
    ASSERT_EQ(list->size(), 1u);
    EXPECT_EQ((*list)[0].point_count, 6);
    EXPECT_EQ((*list)[0].cluster_count, 1);
    EXPECT_EQ((*list)[0].outlier_count, 2);
    EXPECT_EQ((*list)[0].experiment_ids, std::vector<std::string>{experiment_id});
    auto clusters = clustering::Clusters((*reader)->connection(), (*list)[0].id, 20);
    ASSERT_TRUE(clusters.ok()) << clusters.status().ToString();
    ASSERT_EQ(clusters->size(), 1u);
    EXPECT_EQ((*clusters)[0].size, 4);
    EXPECT_EQ((*clusters)[0].run_count, 1);
  }
  EXPECT_EQ(*CurrentSchemaVersion(*OpenRaw(path)), 2);

  auto opened = Database::Open(path, OpenMode::kWrite);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  opened->reset();
  auto db = OpenRaw(path);
  EXPECT_EQ(*CurrentSchemaVersion(*db), LatestSchemaVersion());
  for (const auto& t : tables) EXPECT_EQ(DumpTable(*db, t, columns[t]), before[t]) << t;
  // Derived from the assignments: scope, counts and the summary of cluster 0 (rows 0, 1, 3, 4;
  // medoid = the fixture's first embedding).
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM clustering_result_experiments"), 1);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM clustering_results WHERE scope = 'experiments' AND point_count = 6 "
                        "AND cluster_count = 1 AND outlier_count = 2 AND completed_at IS NOT NULL"), 1);
  EXPECT_EQ(Scalar(*db, "SELECT size FROM cluster_summaries WHERE cluster_label = 0"), 4);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM cluster_summaries s JOIN embedding_clusters ec "
                        "ON ec.medoid_embedding_id = s.medoid_embedding_id AND ec.cluster_label = 0"), 4);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM embedding_clusters WHERE probability IS NULL"), 6);
  // Deleting the experiment takes its result with it.
  db.reset();
  auto writer = std::move(Database::Open(path, OpenMode::kWrite)).value();
  ASSERT_TRUE(writer->Write([&](SqliteDb& c) { return experiments::Delete(c, experiment_id); }).ok());
  for (const char* t : {"clustering_results", "embedding_clusters", "cluster_summaries", "clustering_result_experiments"}) {
    EXPECT_EQ(Scalar(writer->connection(), std::string("SELECT count(*) FROM ") + t), 0) << t;
  }
}

// Two experiments of `runs` runs × `steps` text steps, each step embedded under "M" with a
// distinct 4-vector (and every third one under "N" too).
struct TwoExperiments {
  std::string a, b;
  std::vector<std::string> embeddings_a, embeddings_b;  // under M, in run and step order
};

TwoExperiments Populate(Database& db, int runs, int steps) {
  TwoExperiments out;
  for (int which = 0; which < 2; ++which) {
    ExperimentRecord e = MakeTestExperiment(steps);
    auto run_records = MakeTestRuns(e, runs);
    (which == 0 ? out.a : out.b) = e.id;
    EXPECT_TRUE(db.Write([&](SqliteDb& c) { return experiments::Insert(c, e, run_records); }).ok());
    for (const auto& run : run_records) {
      std::vector<InvocationRecord> invocations;
      std::vector<EmbeddingRecord> embeddings;
      for (int step = 0; step < steps; ++step) {
        InvocationRecord inv = MakeTestInvocation(run.id, step, "text " + std::to_string(step));
        for (const char* model : {"M", "N"}) {
          if (std::string(model) == "N" && step % 3 != 0) continue;
          EmbeddingRecord emb;
          emb.id = NewUuidV7();
          emb.invocation_id = inv.id;
          emb.embedding_model = model;
          emb.vector = {static_cast<float>(which), static_cast<float>(run.run_number), static_cast<float>(step), 1};
          emb.started_at = emb.completed_at = NowIso();
          if (std::string(model) == "M") (which == 0 ? out.embeddings_a : out.embeddings_b).push_back(emb.id);
          embeddings.push_back(std::move(emb));
        }
        invocations.push_back(std::move(inv));
      }
      EXPECT_TRUE(db.Write([&](SqliteDb& c) -> Status {
        PANIC_RETURN_IF_ERROR(invocations::InsertStep(c, invocations, {}));
        return embeddings::Insert(c, embeddings);
      }).ok());
    }
  }
  return out;
}

std::vector<std::string> ScanIds(Database& db, const clustering::Selection& s, const std::string& model, int64_t page) {
  std::vector<std::string> ids;
  Status st = db.Read([&](SqliteDb& c) {
    return clustering::ScanSelection(c, s, model, page, [&](const clustering::ScannedEmbedding& e) -> Status {
      EXPECT_EQ(e.vector.size(), 16u);
      ids.emplace_back(e.embedding_id);
      return Status::Ok();
    });
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return ids;
}

TEST(ClusteringTableTest, ScanPagesInOrderAndDownsamplesAsTheCountSays) {
  TempDir dir;
  auto db = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate, Durability::kNormal)).value();
  TwoExperiments t = Populate(*db, 3, 7);
  clustering::Selection s{{t.a, t.b}, false, 1};
  std::vector<std::string> all = t.embeddings_a;
  all.insert(all.end(), t.embeddings_b.begin(), t.embeddings_b.end());
  for (int64_t page : {1, 4, 1000}) EXPECT_EQ(ScanIds(*db, s, "M", page), all) << "page " << page;
  // Every 3rd output of each run: steps 0, 3, 6 of each of the 6 runs.
  s.downsample = 3;
  std::vector<std::string> kept;
  for (size_t i = 0; i < all.size(); ++i) {
    if ((i % 7) % 3 == 0) kept.push_back(all[i]);
  }
  EXPECT_EQ(ScanIds(*db, s, "M", 2), kept);
  auto counts = db->Read([&](SqliteDb& c) { return clustering::CountSelection(c, s); });
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  ASSERT_EQ(counts->size(), 2u);
  for (const auto& m : *counts) {
    EXPECT_EQ(m.dimension, 4);
    EXPECT_EQ(m.runs, 6);
    EXPECT_EQ(m.experiment_ids, (std::vector<std::string>{t.a, t.b}));
    // N has vectors only at steps 0, 3, 6, which are the kept ones.
    EXPECT_EQ(m.points, 18) << m.model;
  }
  // N under downsample 2 keeps steps 0, 2, 4, 6 of which only 0 and 6 have a vector: the
  // outputs without one still count (nothing shifts).
  s.downsample = 2;
  counts = db->Read([&](SqliteDb& c) { return clustering::CountSelection(c, s); });
  ASSERT_TRUE(counts.ok());
  for (const auto& m : *counts) EXPECT_EQ(m.points, m.model == "N" ? 12 : 24) << m.model;
  EXPECT_EQ(ScanIds(*db, s, "N", 3).size(), 12u);
}

// A result over both experiments: labels alternate 0/1/−1 by row.
clustering::ResultRecord WriteResult(Database& db, const TwoExperiments& t, bool complete) {
  clustering::ResultRecord r;
  r.id = NewUuidV7();
  r.embedding_model = "M";
  r.algorithm = "hdbscan";
  r.experiment_ids = {t.a, t.b};
  r.started_at = NowIso();
  std::vector<std::string> ids = t.embeddings_a;
  ids.insert(ids.end(), t.embeddings_b.begin(), t.embeddings_b.end());
  std::vector<int32_t> labels(ids.size());
  std::vector<float> probabilities(ids.size(), 0.5f);
  for (size_t i = 0; i < ids.size(); ++i) labels[i] = static_cast<int32_t>(i % 3) - 1;
  std::vector<uint32_t> medoids = {1, 2};  // rows labelled 0 and 1
  clustering::Assignments a{ids, labels, probabilities, medoids};
  EXPECT_TRUE(db.Write([&](SqliteDb& c) { return clustering::Begin(c, r, ::getpid(), LocalHostName()); }).ok());
  for (size_t begin = 0; begin < ids.size(); begin += 5) {
    size_t end = std::min(ids.size(), begin + 5);
    EXPECT_TRUE(db.Write([&](SqliteDb& c) { return clustering::AppendAssignments(c, r.id, a, begin, end); }).ok());
  }
  if (complete) {
    r.completed_at = NowIso();
    r.point_count = static_cast<int64_t>(ids.size());
    r.cluster_count = 2;
    std::vector<clustering::ClusterSummary> clusters(2);
    for (int c = 0; c < 2; ++c) {
      clusters[c].label = c;
      clusters[c].size = static_cast<int64_t>(ids.size() / 3);
      clusters[c].run_count = 4;
      clusters[c].medoid_embedding_id = ids[medoids[c]];
    }
    EXPECT_TRUE(db.Write([&](SqliteDb& c) { return clustering::Complete(c, r, clusters); }).ok());
  }
  return r;
}

TEST(ClusteringTableTest, IncompleteResultsAreInvisibleAndAbandonedOnesAreRemoved) {
  TempDir dir;
  auto db = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate, Durability::kNormal)).value();
  TwoExperiments t = Populate(*db, 2, 6);
  clustering::ResultRecord done = WriteResult(*db, t, true);
  clustering::ResultRecord pending = WriteResult(*db, t, false);
  SqliteDb& c = db->connection();
  auto list = clustering::List(c);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, done.id);
  EXPECT_EQ((*list)[0].experiment_ids.size(), 2u);
  EXPECT_EQ(*clustering::ResolveId(c, "latest"), done.id);
  EXPECT_EQ(clustering::Get(c, pending.id).status().code(), StatusCode::kNotFound);
  auto rows = clustering::ListAssignments(c, done.id);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 24u);
  for (const auto& row : *rows) {
    EXPECT_EQ(row.medoid_embedding_id.has_value(), row.label >= 0);
    EXPECT_DOUBLE_EQ(*row.probability, 0.5);
  }
  // This process is alive: its pending result is not abandoned.
  EXPECT_EQ(*db->Write([&](SqliteDb& w) { return clustering::DeleteAbandoned(w); }), 0);
  // A writer pid that does not exist on this host: abandoned.
  ASSERT_TRUE(c.Exec("UPDATE clustering_results SET writer_pid = 2147483646 WHERE id = '" + pending.id + "'").ok());
  EXPECT_EQ(*db->Write([&](SqliteDb& w) { return clustering::DeleteAbandoned(w); }), 1);
  EXPECT_EQ(Scalar(c, "SELECT count(*) FROM embedding_clusters"), 24);
  EXPECT_EQ(Scalar(c, "SELECT count(*) FROM clustering_result_experiments"), 2);
  // Completing a result that was deleted meanwhile says so.
  clustering::ResultRecord gone = WriteResult(*db, t, false);
  ASSERT_TRUE(db->Write([&](SqliteDb& w) { return clustering::Delete(w, gone.id); }).ok());
  gone.completed_at = NowIso();
  EXPECT_EQ(db->Write([&](SqliteDb& w) { return clustering::Complete(w, gone, {}); }).code(), StatusCode::kNotFound);
}

TEST(ClusteringTableTest, DeletingOneExperimentRemovesTheResultsThatIncludeIt) {
  TempDir dir;
  auto db = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate, Durability::kNormal)).value();
  TwoExperiments t = Populate(*db, 2, 6);
  TwoExperiments other = Populate(*db, 1, 3);
  WriteResult(*db, t, true);                     // spans a and b
  clustering::ResultRecord kept = WriteResult(*db, other, true);
  ASSERT_TRUE(db->Write([&](SqliteDb& c) { return experiments::Delete(c, t.b); }).ok());
  SqliteDb& c = db->connection();
  auto list = clustering::List(c);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, kept.id);
  // Nothing of the removed result is left, and the other result is whole.
  EXPECT_EQ(Scalar(c, "SELECT count(*) FROM embedding_clusters"), 6);
  EXPECT_EQ(Scalar(c, "SELECT count(*) FROM cluster_summaries"), 2);
  EXPECT_EQ(Scalar(c, "SELECT count(*) FROM clustering_result_experiments"), 2);
  EXPECT_TRUE(c.Exec("PRAGMA foreign_key_check").ok());
  auto fk = *c.Prepare("PRAGMA foreign_key_check");
  EXPECT_FALSE(*fk->Step());
  fk->Reset();
  // Deleting every result leaves the clustering tables empty.
  EXPECT_EQ(*db->Write([&](SqliteDb& w) { return clustering::DeleteAll(w); }), 1);
  for (const char* table : {"clustering_results", "embedding_clusters", "cluster_summaries"}) {
    EXPECT_EQ(Scalar(c, std::string("SELECT count(*) FROM ") + table), 0) << table;
  }
}

}  // namespace
}  // namespace panic::store
