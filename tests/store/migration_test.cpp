// Migration 2 on a database that the schema-1 release wrote, and deletes at any size.
#include <gtest/gtest.h>

#include "panic/store/database.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

const std::vector<std::string> kV1Tables = {"schema_version", "experiments",        "runs",
                                            "invocations",    "embeddings",         "persistence_diagrams",
                                            "clustering_results", "embedding_clusters"};

std::unique_ptr<SqliteDb> OpenRaw(const std::string& path) {
  SqliteDb::Options options;
  options.create_if_missing = false;
  return std::move(SqliteDb::Open(path, options)).value();
}

TEST(MigrationTest, V1DatabaseKeepsEveryRowAndBlobByteForByte) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  const std::string experiment_id = MakeV1Database(path);
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::string> before;
  {
    auto db = OpenRaw(path);
    ASSERT_EQ(*CurrentSchemaVersion(*db), 1);
    for (const auto& t : kV1Tables) {
      columns[t] = TableColumns(*db, t);
      before[t] = DumpTable(*db, t, columns[t]);
      ASSERT_FALSE(before[t].empty()) << t << " has no rows: the fixture would prove nothing";
    }
  }
  auto store = Database::Open(path, OpenMode::kWrite);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store->reset();
  auto db = OpenRaw(path);
  EXPECT_EQ(*CurrentSchemaVersion(*db), LatestSchemaVersion());
  for (const auto& t : kV1Tables) {
    if (t == "schema_version") continue;  // gains the row of migration 2
    EXPECT_EQ(DumpTable(*db, t, columns[t]), before[t]) << t;
  }
  EXPECT_EQ(DumpTable(*db, "schema_version", columns["schema_version"]).substr(0, before["schema_version"].size()),
            before["schema_version"]);
  // The new columns start unknown.
  auto q = db->Prepare("SELECT count(*) FROM persistence_diagrams WHERE point_count IS NULL AND "
                       "last_sequence_number IS NULL AND approximation_epsilon IS NULL");
  EXPECT_EQ(*(*q)->ScalarInt(), 2);
  q = db->Prepare("SELECT count(*) FROM invocations WHERE batch_size IS NULL AND batch_position IS NULL");
  EXPECT_EQ(*(*q)->ScalarInt(), 6);
  // And the migrated database deletes its experiment with everything it owns.
  db.reset();
  auto reopened = std::move(Database::Open(path, OpenMode::kWrite)).value();
  ASSERT_TRUE(store::DeleteExperiment(*reopened, experiment_id).ok());
  db = OpenRaw(path);
  for (const auto& t : kV1Tables) {
    if (t == "schema_version") continue;
    auto n = db->Prepare("SELECT count(*) FROM " + t);
    EXPECT_EQ(*(*n)->ScalarInt(), 0) << t;
  }
}

TEST(MigrationTest, InputInvocationNoLongerCascades) {
  TempDir dir;
  ASSERT_TRUE(Database::Open(dir.File("a.db"), OpenMode::kCreate).ok());
  auto db = OpenRaw(dir.File("a.db"));
  auto q = *db->Prepare("SELECT \"table\", on_delete FROM pragma_foreign_key_list('invocations') WHERE \"from\" = "
                        "'input_invocation_id'");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Text(0), "invocations");
  EXPECT_EQ(q->Text(1), "NO ACTION");
  q->Reset();
}

TEST(MigrationTest, EveryForeignKeyColumnIsIndexed) {
  TempDir dir;
  ASSERT_TRUE(Database::Open(dir.File("a.db"), OpenMode::kCreate).ok());
  auto db = OpenRaw(dir.File("a.db"));
  // (table, column) of every foreign key, and the first column of every index.
  auto fks = *db->Prepare("SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                          "WHERE m.type = 'table'");
  std::vector<std::pair<std::string, std::string>> keys;
  ASSERT_TRUE(fks->ForEachRow([&](const Statement& row) -> Status {
    keys.emplace_back(row.Text(0), row.Text(1));
    return Status::Ok();
  }).ok());
  ASSERT_GE(keys.size(), 9u);
  for (const auto& [table, column] : keys) {
    auto idx = *db->Prepare("SELECT count(*) FROM pragma_index_list(?1) l, pragma_index_info(l.name) i "
                            "WHERE i.seqno = 0 AND i.name = ?2");
    idx->Bind(1, table).Bind(2, column);
    EXPECT_GE(*idx->ScalarInt(), 1) << table << "." << column << " has no index";
  }
}

TEST(MigrationTest, MigrationIsIdempotentAcrossOpens) {
  TempDir dir;
  MakeV1Database(dir.File("v1.db"));
  ASSERT_TRUE(Database::Open(dir.File("v1.db"), OpenMode::kWrite).ok());
  ASSERT_TRUE(Database::Open(dir.File("v1.db"), OpenMode::kWrite).ok());
  auto db = OpenRaw(dir.File("v1.db"));
  auto q = *db->Prepare("SELECT group_concat(version) FROM schema_version");
  ASSERT_TRUE(*q->Step());
  std::string all = "1";
  for (int v = 2; v <= LatestSchemaVersion(); ++v) all += "," + std::to_string(v);
  EXPECT_EQ(q->Text(0), all);
  q->Reset();
}

// Migration 6 on an older database: the covering indexes of `experiment show`'s progress
// queries appear, and the queries read them instead of the rows (whose timestamps and
// types lie after the output blob). Before, each read the table: 0.65 s at 10^5 steps.
TEST(MigrationTest, ProgressQueriesReadCoveringIndexesAfterMigration6) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  MakeV1Database(path);
  const auto plan = [&](const std::string& sql) {
    auto db = OpenRaw(path);
    auto q = db->Prepare("EXPLAIN QUERY PLAN " + sql);
    EXPECT_TRUE(q.ok()) << sql;
    std::string out;
    EXPECT_TRUE((*q)->ForEachRow([&](const Statement& row) {
                      out += row.Text(3) + "\n";
                      return Status::Ok();
                    })
                    .ok());
    return out;
  };
  const std::string types =
      "SELECT i.type, count(*) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = 'x' "
      "GROUP BY i.type";
  const std::string steps =
      "SELECT i.started_at, i.completed_at, count(*) FROM invocations i JOIN runs r ON r.id = i.run_id WHERE "
      "r.experiment_id = 'x' GROUP BY i.started_at, i.completed_at ORDER BY i.started_at";
  const std::string vectors =
      "SELECT e.started_at, e.completed_at, count(*) FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
      "JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = 'x' GROUP BY e.started_at, e.completed_at";
  EXPECT_EQ(plan(types).find("COVERING INDEX invocations_progress"), std::string::npos) << plan(types);
  auto store = Database::Open(path, OpenMode::kWrite);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store->reset();
  EXPECT_EQ(*CurrentSchemaVersion(*OpenRaw(path)), LatestSchemaVersion());
  EXPECT_NE(plan(types).find("COVERING INDEX invocations_progress"), std::string::npos) << plan(types);
  EXPECT_NE(plan(steps).find("COVERING INDEX invocations_progress"), std::string::npos) << plan(steps);
  EXPECT_NE(plan(vectors).find("COVERING INDEX embeddings_progress"), std::string::npos) << plan(vectors);
}

TEST(DeleteTest, RunOfHundredThousandStepsDeletes) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate, Durability::kNormal)).value();
  ExperimentRecord e = MakeTestExperiment(100000);
  auto runs = MakeTestRuns(e, 1);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  constexpr int kSteps = 100000;
  std::optional<std::string> previous;
  std::vector<InvocationRecord> chunk;
  for (int step = 0; step < kSteps; ++step) {
    InvocationRecord inv = MakeTestInvocation(runs[0].id, step, "t" + std::to_string(step));
    inv.input_invocation_id = previous;
    previous = inv.id;
    chunk.push_back(std::move(inv));
    if (chunk.size() == 10000) {
      ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::invocations::InsertStep(c, chunk, {}); }).ok());
      chunk.clear();
    }
  }
  ASSERT_TRUE(store::invocations::CountsByRun(store->connection(), e.id).ok());
  EXPECT_EQ(store::invocations::CountsByRun(store->connection(), e.id)->at(runs[0].id), kSteps);
  Status s = store::DeleteExperiment(*store, e.id);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store::experiments::Get(store->connection(), e.id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store::runs::Get(store->connection(), runs[0].id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store::invocations::CountsByRun(store->connection(), e.id)->empty());
}

TEST(DeleteTest, DecliningTheConfirmationExitsZeroAndKeepsTheExperiment) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  const std::string id = CreateTestDatabase(db, 2);
  ASSERT_FALSE(id.empty());
  auto r = testing::RunShell("echo n | " + testing::ShellQuote(testing::CliPath()) + " --db " +
                             testing::ShellQuote(db) + " experiment delete " + id);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("not deleted"), std::string::npos) << r.err;
  auto store = std::move(Database::Open(db, OpenMode::kWrite)).value();
  EXPECT_TRUE(store::experiments::Get(store->connection(), id).ok());
  // And --yes deletes it.
  store.reset();
  r = testing::RunCli({"--db", db, "experiment", "delete", id, "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  store = std::move(Database::Open(db, OpenMode::kWrite)).value();
  EXPECT_EQ(store::experiments::Get(store->connection(), id).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace panic::store
