// A crash inside migration 2 (issue 9 §6): the process dies right before migration 2 commits
// (PANIC_TDA_FAULT=before_commit:1; on a v1 database migration 2 is a writer's first
// commit). The file must still be a valid v1 database with every row as it was, and the
// next writer must migrate it fully, to the same rows as a migration that was not
// interrupted.
#include <gtest/gtest.h>

#include <filesystem>

#include "panic/store/database.h"
#include "panic/store/fault_injection.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
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

// Every table's rows (quote() of each value, blobs as hex) and the schema's SQL.
std::string Dump(const std::string& path) {
  auto db = OpenRaw(path);
  std::string out;
  std::vector<std::string> tables;
  auto q = *db->Prepare("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite%' ORDER BY type, name");
  EXPECT_TRUE(q->ForEachRow([&](const Statement& row) {
                 out += row.Text(0) + ": " + (row.IsNull(1) ? "" : row.Text(1)) + "\n";
                 if (row.Text(1).rfind("CREATE TABLE", 0) == 0) tables.push_back(row.Text(0));
                 return Status::Ok();
               }).ok());
  for (const auto& t : tables) out += "== " + t + "\n" + DumpTable(*db, t, TableColumns(*db, t));
  return out;
}

std::string IntegrityCheck(const std::string& path) {
  auto db = OpenRaw(path);
  auto q = *db->Prepare("PRAGMA integrity_check");
  EXPECT_TRUE(*q->Step());
  std::string result = q->Text(0);
  q->Reset();
  return result;
}

TEST(MigrationCrashTest, KilledBeforeMigrationTwoCommitsLeavesAValidV1DatabaseThatTheNextWriterMigrates) {
  TempDir dir;
  const std::string crashed = dir.File("crashed.db"), reference = dir.File("reference.db");
  const std::string experiment_id = MakeV1Database(crashed);
  std::filesystem::copy_file(crashed, reference);
  const std::string v1 = Dump(crashed);
  ASSERT_NE(v1.find("ON DELETE CASCADE,\n  output_text"), std::string::npos) << "not the v1 invocations table";

  // A writer (here `experiment delete`) opens the v1 file: migration 2 is its first commit.
  auto killed = testing::RunCli({"--db", crashed, "experiment", "delete", experiment_id, "--yes"},
                                "PANIC_TDA_FAULT=before_commit:1");
  ASSERT_EQ(killed.exit_code, kFaultExitCode) << killed.err;
  EXPECT_NE(killed.err.find("exiting before commit 1"), std::string::npos) << killed.err;
  // Still v1, row for row and in its schema, and sound.
  EXPECT_EQ(*CurrentSchemaVersion(*OpenRaw(crashed)), 1);
  EXPECT_EQ(Dump(crashed), v1);
  EXPECT_EQ(IntegrityCheck(crashed), "ok");

  // The next writer migrates it fully: the same as a migration that was never interrupted
  // (schema_version's applied_at differs; it is compared apart).
  ASSERT_TRUE(Database::Open(crashed, OpenMode::kWrite).ok());
  ASSERT_TRUE(Database::Open(reference, OpenMode::kWrite).ok());
  EXPECT_EQ(*CurrentSchemaVersion(*OpenRaw(crashed)), LatestSchemaVersion());
  auto without_times = [](const std::string& path) {
    auto db = OpenRaw(path);
    EXPECT_TRUE(db->Exec("UPDATE schema_version SET applied_at = ''").ok());
    return Dump(path);
  };
  EXPECT_EQ(without_times(crashed), without_times(reference));
  EXPECT_EQ(IntegrityCheck(crashed), "ok");
}

}  // namespace
}  // namespace panic::store
