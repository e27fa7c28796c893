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
#include "panic/store/fault_injection.h"
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

// Every table of the database, each row as quote() writes its values (DumpTable), in
// sqlite_master order: two equal dumps hold the same rows, byte for byte.
std::string DumpAll(SqliteDb& db) {
  std::vector<std::string> tables;
  auto q = *db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name");
  EXPECT_TRUE(q->ForEachRow([&](const Statement& row) {
                 tables.push_back(row.Text(0));
                 return Status::Ok();
               }).ok());
  std::string out;
  for (const auto& t : tables) out += "== " + t + "\n" + DumpTable(db, t, TableColumns(db, t));
  return out;
}

void ExecOrFail(SqliteDb& db, const std::string& sql) {
  Status s = db.Exec(sql);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << sql;
}

std::unique_ptr<SqliteDb> OpenPlain(const std::string& path) {
  SqliteDb::Options options;
  options.create_if_missing = false;
  return std::move(SqliteDb::Open(path, options)).value();
}

// Three experiments; the middle one is deleted. Around it, everything that refers to what it
// owns: its own clustering, a clustering across experiments with rows of the doomed and of a
// kept experiment (one of the kept rows has a doomed medoid: SET NULL), and, when `extra`,
// a table as a later migration might add (cascading from runs, SET NULL to embeddings).
struct Scene {
  std::string path, doomed, kept;
};

Scene MakeScene(const TempDir& dir, const std::string& name, bool extra, const std::string& more_sql = "") {
  Scene scene{dir.File(name), "", ""};
  {
    auto store = std::move(Database::Open(scene.path, OpenMode::kCreate, Durability::kNormal)).value();
    scene.kept = Populate(*store, 2, 30);
    scene.doomed = Populate(*store, 3, 40);
    Populate(*store, 1, 20);
  }
  auto db = OpenPlain(scene.path);
  const std::string d = scene.doomed, k = scene.kept;
  auto emb = [&](const std::string& experiment, int n) {
    return "(SELECT e.id FROM embeddings e JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id "
           "WHERE r.experiment_id = '" + experiment + "' ORDER BY e.rowid LIMIT 1 OFFSET " + std::to_string(n) + ")";
  };
  const std::string cr = "INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, "
                         "started_at, completed_at) VALUES ";
  ExecOrFail(*db, cr + "('cr_own', '" + d + "', 'DummyText', 'hdbscan', '{}', 't', 't');" + cr +
                  "('cr_all', NULL, 'DummyText', 'hdbscan', '{}', 't', 't');" + cr + "('cr_kept', '" + k +
                  "', 'DummyText', 'hdbscan', '{}', 't', 't');" + cr +
                  "('cr_scope', NULL, 'DummyText', 'hdbscan', '{}', 't', 't');"
                  // cr_scope's scope names both experiments: it goes whole with the doomed one.
                  "INSERT INTO clustering_result_experiments VALUES ('cr_scope', '" + d + "'), ('cr_scope', '" + k +
                  "')");
  const std::string ec = "INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, "
                         "medoid_embedding_id) VALUES ";
  for (int n = 0; n < 5; ++n) {
    const std::string i = std::to_string(n);
    ExecOrFail(*db, ec + "('own" + i + "', " + emb(d, n) + ", 'cr_own', 0, " + emb(d, 0) + ");" + ec + "('alld" + i +
                    "', " + emb(d, n) + ", 'cr_all', 1, " + emb(d, 1) + ");" + ec + "('allk" + i + "', " + emb(k, n) +
                    ", 'cr_all', 1, " + emb(n % 2 ? d : k, 2) + ");" + ec + "('kept" + i + "', " + emb(k, n) +
                    ", 'cr_kept', 2, " + emb(k, 3) + ");" + ec + "('scope" + i + "', " + emb(n % 2 ? d : k, n) +
                    ", 'cr_scope', 0, NULL)");
  }
  if (extra) {
    ExecOrFail(*db, "CREATE TABLE run_notes (id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE "
                    "CASCADE, about TEXT REFERENCES embeddings(id) ON DELETE SET NULL, note TEXT);"
                    "CREATE INDEX run_notes_by_run ON run_notes(run_id); CREATE INDEX run_notes_by_about ON run_notes(about);"
                    "INSERT INTO run_notes SELECT 'n' || rowid, id, NULL, 'own' FROM runs WHERE experiment_id = '" + d + "';"
                    "INSERT INTO run_notes SELECT 'k' || rowid, id, " + emb(d, 4) + ", 'kept, about a doomed vector' "
                    "FROM runs WHERE experiment_id = '" + k + "';");
  }
  if (!more_sql.empty()) ExecOrFail(*db, more_sql);
  return scene;
}

// SQLite's own cascade, the oracle: foreign keys on, one DELETE of the experiment row.
Status OracleDelete(const std::string& path, const std::string& id) {
  auto db = OpenPlain(path);
  PANIC_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys = ON; BEGIN"));
  // The one rule beyond foreign keys (experiment_delete.cpp): a clustering result whose scope
  // includes the experiment goes with it.
  auto scope = *db->Prepare("DELETE FROM clustering_results WHERE id IN (SELECT clustering_result_id FROM "
                            "clustering_result_experiments WHERE experiment_id = ?1)");
  scope->Bind(1, id);
  Status s = scope->Run();
  auto q = *db->Prepare("DELETE FROM experiments WHERE id = ?1");
  q->Bind(1, id);
  if (s.ok()) s = q->Run();
  (void)db->Exec(s.ok() ? "COMMIT" : "ROLLBACK");
  return s;
}

void ExpectSameAsSqlitesCascade(const TempDir& dir, bool extra, const std::string& more_sql, bool explicit_path) {
  Scene scene = MakeScene(dir, "ours.db", extra, more_sql);
  const std::string oracle = dir.File("oracle.db");
  std::filesystem::copy_file(scene.path, oracle);
  std::string before;
  {
    auto db = OpenPlain(scene.path);
    before = DumpAll(*db);
  }
  ASSERT_TRUE(OracleDelete(oracle, scene.doomed).ok());
  {
    auto db = std::move(Database::Open(scene.path, OpenMode::kWrite)).value();
    EXPECT_EQ(*DeletesByExplicitCascade(*db), explicit_path);
    Status s = DeleteExperiment(*db, scene.doomed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(DeleteExperiment(*db, scene.doomed).code(), StatusCode::kNotFound);
    // The connection is as before: foreign keys enforced again.
    auto fk = *db->connection().Prepare("PRAGMA foreign_keys");
    EXPECT_EQ(*fk->ScalarInt(), 1);
  }
  auto ours_db = OpenPlain(scene.path);
  auto oracle_db = OpenPlain(oracle);
  const std::string ours = DumpAll(*ours_db);
  EXPECT_NE(ours, before);  // the scene did lose rows
  EXPECT_EQ(ours, DumpAll(*oracle_db));
  // What the scene was built to exercise did happen: kept rows with a doomed medoid lost it.
  auto nulled = *ours_db->Prepare("SELECT count(*) FROM embedding_clusters WHERE medoid_embedding_id IS NULL");
  EXPECT_EQ(*nulled->ScalarInt(), 2);
  // The clustering whose scope named the doomed experiment is gone whole.
  auto scoped = *ours_db->Prepare("SELECT (SELECT count(*) FROM clustering_results WHERE id = 'cr_scope') + "
                                  "(SELECT count(*) FROM embedding_clusters WHERE clustering_result_id = 'cr_scope')");
  EXPECT_EQ(*scoped->ScalarInt(), 0);
  auto fk = *ours_db->Prepare("SELECT count(*) FROM pragma_foreign_key_check");
  EXPECT_EQ(*fk->ScalarInt(), 0);
}

TEST(DeleteTest, ExplicitCascadeLeavesWhatSqlitesOwnCascadeLeaves) {
  TempDir dir;
  ExpectSameAsSqlitesCascade(dir, false, "", true);
}

TEST(DeleteTest, ExplicitCascadeFollowsATableALaterMigrationAdds) {
  TempDir dir;
  ExpectSameAsSqlitesCascade(dir, true, "", true);
  auto db = OpenPlain(dir.File("ours.db"));
  // The doomed runs' notes are gone; the kept runs' notes stay, their `about` set NULL.
  auto notes = *db->Prepare("SELECT count(*) FROM run_notes");
  EXPECT_EQ(*notes->ScalarInt(), 2);
  auto about = *db->Prepare("SELECT count(about) FROM run_notes");
  EXPECT_EQ(*about->ScalarInt(), 0);
}

TEST(DeleteTest, ASchemaWithATriggerIsDeletedBySqlitesOwnCascade) {
  TempDir dir;
  ExpectSameAsSqlitesCascade(dir, true,
                             "CREATE TABLE deleted_runs (id TEXT); CREATE TRIGGER log_run AFTER DELETE ON runs "
                             "BEGIN INSERT INTO deleted_runs VALUES (old.id); END;",
                             false);
}

// A row outside the experiment that refers to one of its rows without an action (here
// another experiment's invocation whose input is one of the doomed invocations) makes the
// delete fail, as SQLite's foreign keys would, and nothing is deleted.
TEST(DeleteTest, AReferenceFromOutsideWithoutActionFailsTheDeleteAndKeepsEverything) {
  TempDir dir;
  Scene scene = MakeScene(dir, "ours.db", false);
  {
    auto db = OpenPlain(scene.path);
    ExecOrFail(*db, "UPDATE invocations SET input_invocation_id = (SELECT i.id FROM invocations i JOIN runs r ON "
                    "r.id = i.run_id WHERE r.experiment_id = '" + scene.doomed + "' LIMIT 1) WHERE rowid = (SELECT "
                    "i.rowid FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = '" + scene.kept +
                    "' LIMIT 1)");
  }
  const std::string oracle = dir.File("oracle.db");
  std::filesystem::copy_file(scene.path, oracle);
  EXPECT_FALSE(OracleDelete(oracle, scene.doomed).ok());
  std::string before;
  {
    auto db = OpenPlain(scene.path);
    before = DumpAll(*db);
  }
  {
    auto db = std::move(Database::Open(scene.path, OpenMode::kWrite)).value();
    Status s = DeleteExperiment(*db, scene.doomed);
    EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();
    EXPECT_NE(s.message().find("table invocations"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("input_invocation_id"), std::string::npos) << s.ToString();
  }
  auto db = OpenPlain(scene.path);
  EXPECT_EQ(DumpAll(*db), before);
}

// Crash safety: the delete is one transaction. Killed right before its commit
// (PANIC_TDA_FAULT=before_commit:1; the database needs no migration, so the delete is the
// CLI's first commit) the database is exactly as before, and a second `experiment delete`
// finishes; killed right after it, the experiment is gone exactly as SQLite's cascade
// removes it.
TEST(DeleteTest, KilledBeforeItsCommitTheDeleteLeavesEverythingAndASecondDeleteFinishes) {
  TempDir dir;
  Scene scene = MakeScene(dir, "ours.db", true);
  const std::string oracle = dir.File("oracle.db"), after = dir.File("after.db");
  std::filesystem::copy_file(scene.path, oracle);
  std::filesystem::copy_file(scene.path, after);
  ASSERT_TRUE(OracleDelete(oracle, scene.doomed).ok());
  std::string before_dump, oracle_dump;
  {
    before_dump = DumpAll(*OpenPlain(scene.path));
    oracle_dump = DumpAll(*OpenPlain(oracle));
  }
  auto killed = testing::RunCli({"--db", scene.path, "experiment", "delete", scene.doomed, "--yes"},
                                "PANIC_TDA_FAULT=before_commit:1");
  ASSERT_EQ(killed.exit_code, kFaultExitCode) << killed.err;
  EXPECT_EQ(DumpAll(*OpenPlain(scene.path)), before_dump);
  {
    auto db = OpenPlain(scene.path);
    auto integrity = *db->Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(*integrity->Step());
    EXPECT_EQ(integrity->Text(0), "ok");
    integrity->Reset();
  }
  auto again = testing::RunCli({"--db", scene.path, "experiment", "delete", scene.doomed, "--yes"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(DumpAll(*OpenPlain(scene.path)), oracle_dump);

  auto committed = testing::RunCli({"--db", after, "experiment", "delete", scene.doomed, "--yes"},
                                   "PANIC_TDA_FAULT=after_commit:1");
  ASSERT_EQ(committed.exit_code, kFaultExitCode) << committed.err;
  EXPECT_EQ(DumpAll(*OpenPlain(after)), oracle_dump);
}

}  // namespace
}  // namespace panic::store
