// Errors in their right class (issue 9 §4): identity collisions are AlreadyExists (exit 2);
// other constraint failures, corrupt files and damaged stored bytes are exit-1 classes
// that name what is damaged.
#include <gtest/gtest.h>

#include <fstream>

#include "panic/core/uuid.h"
#include "panic/store/database.h"
#include "panic/store/diagrams_table.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::RunCli;
using testing::TempDir;

TEST(ErrorClassesTest, OnlyIdentityCollisionsAreAlreadyExists) {
  TempDir dir;
  auto store = std::move(Database::Open(dir.File("a.db"), OpenMode::kCreate)).value();
  ExperimentRecord e = MakeTestExperiment();
  auto runs = MakeTestRuns(e, 1);
  ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
  // The same experiment id again; the same (run, step) again.
  EXPECT_EQ(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, {}); }).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(store
                  ->Write([&](store::SqliteDb& c) {
                    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, 0, "a")}, {});
                  })
                  .ok());
  Status dup = store->Write([&](store::SqliteDb& c) {
    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, 0, "b")}, {});
  });
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.ToString();
  EXPECT_NE(dup.message().find("run " + runs[0].id + " step 0"), std::string::npos) << dup.message();
  // A reference to a run that does not exist: not the user's input colliding, exit 1.
  Status orphan = store->Write([&](store::SqliteDb& c) {
    return store::invocations::InsertStep(c, {MakeTestInvocation(NewUuidV7(), 0, "c")}, {});
  });
  EXPECT_EQ(orphan.code(), StatusCode::kIOError) << orphan.ToString();
  EXPECT_NE(orphan.message().find("constraint failed"), std::string::npos) << orphan.message();
  // A CHECK constraint.
  Status check = store->Write([&](store::SqliteDb& c) {
    return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, -1, "d")}, {});
  });
  EXPECT_EQ(check.code(), StatusCode::kIOError) << check.ToString();
}

TEST(ErrorClassesTest, CorruptFileIsCorruptionExitOne) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  ASSERT_FALSE(CreateTestDatabase(db, 50).empty());
  // Keep page 1 (header and schema); overwrite every later page with garbage.
  const std::string bytes = testing::ReadFile(db);
  ASSERT_GT(bytes.size(), 8192u);
  std::string damaged = bytes.substr(0, 4096) + std::string(bytes.size() - 4096, '\xA5');
  testing::WriteFile(db, damaged);
  // The schema may span damaged pages (then opening fails), or only the rows (then reading).
  auto store = Database::Open(db, OpenMode::kReadOnly);
  Status s = store.ok() ? store::experiments::List((*store)->connection()).status() : store.status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("is corrupt"), std::string::npos) << s.message();
  auto r = RunCli({"--db", db, "experiment", "list"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
}

struct RunWithDiagrams {
  TempDir dir;
  std::string db = dir.File("a.db");
  std::unique_ptr<Database> store;
  std::string run_id;
  std::string invocation_id;

  RunWithDiagrams() {
    store = std::move(Database::Open(db, OpenMode::kCreate)).value();
    ExperimentRecord e = MakeTestExperiment();
    auto runs = MakeTestRuns(e, 1);
    run_id = runs[0].id;
    EXPECT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
    std::vector<InvocationRecord> steps = {MakeTestInvocation(run_id, 0, "a"), MakeTestInvocation(run_id, 1, "b")};
    invocation_id = steps[0].id;
    EXPECT_TRUE(store
                    ->Write([&](store::SqliteDb& c) {
                      return store::invocations::InsertStep(
                          c, steps, {{run_id, "length", std::nullopt, std::nullopt, "2026-01-01T00:00:00Z"}});
                    })
                    .ok());
    std::vector<EmbeddingRecord> vectors;
    for (const auto& inv : steps) vectors.push_back({NewUuidV7(), inv.id, "DummyText", {1.0f, 2.0f}, "t", "t"});
    EXPECT_TRUE(store->Write([&](store::SqliteDb& c) { return store::embeddings::Insert(c, vectors); }).ok());
  }
  void Sql(const std::string& sql) {
    auto r = testing::RunShell("sqlite3 " + testing::ShellQuote(db) + " " + testing::ShellQuote(sql));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST(ErrorClassesTest, DamagedVectorIsCorruptionNamingTheRow) {
  RunWithDiagrams f;
  f.Sql("UPDATE embeddings SET vector = x'010203' WHERE invocation_id = '" + f.invocation_id + "'");
  auto vectors = store::embeddings::LoadRunVectors(f.store->connection(), f.run_id, "DummyText");
  ASSERT_FALSE(vectors.ok());
  EXPECT_EQ(vectors.status().code(), StatusCode::kCorruption);
  EXPECT_NE(vectors.status().message().find("embeddings row of invocation " + f.invocation_id), std::string::npos)
      << vectors.status().message();
}

TEST(ErrorClassesTest, DamagedAndFailedDiagramsExitOne) {
  RunWithDiagrams f;
  PersistenceDiagramRecord d;
  d.id = NewUuidV7();
  d.run_id = f.run_id;
  d.embedding_model = "DummyText";
  d.diagram_data = std::string("PK\x03\x04 not really a zip");
  d.started_at = d.completed_at = "2026-01-01T00:00:00Z";
  ASSERT_TRUE(f.store->Write([&](store::SqliteDb& c) { return store::diagrams::Put(c, d); }).ok());
  auto record = store::diagrams::Get(f.store->connection(), f.run_id, "DummyText");
  ASSERT_TRUE(record.ok());
  auto decoded = DecodeStoredDiagram(*record);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("persistence_diagrams row " + d.id), std::string::npos);
  auto r = RunCli({"--db", f.db, "run", "diagram", f.run_id});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("damaged diagram_data"), std::string::npos) << r.err;

  // A failed computation: exit 1 with the stored error.
  f.Sql("UPDATE persistence_diagrams SET diagram_data = NULL, error = 'ripser ran out of memory'");
  r = RunCli({"--db", f.db, "run", "diagram", f.run_id});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("ripser ran out of memory"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic::store
