// Every migration since a release's schema on a database that the release itself wrote:
// tests/fixtures/v1_release (schema 1, the CLI of commit 0fba878: migrations 2 and later)
// and tests/fixtures/v2_release (schema 2, the CLI of commit cfcf4b6: migrations 3 and
// later). Every row and blob must come through byte for byte. The expected values are read
// from a copy by the sqlite3 shell, not by our code; the committed fixture is only ever
// copied and must stay byte-identical.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "panic/store/database.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The sqlite3 shell's answer to `sql` on `path` (read-only), as text.
std::string Shell(const std::string& path, const std::string& sql) {
  auto r = testing::RunShell("sqlite3 -readonly -batch " + testing::ShellQuote(path) + " " + testing::ShellQuote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A database written by a release, as committed under tests/fixtures/.
struct ReleaseFixture {
  std::string path;       // relative to the source tree
  size_t bytes;           // its size, so a rewritten fixture is noticed
  int schema_version;     // the schema that release wrote
  size_t tables;          // its tables (ours, sqlite_* excluded)
};

// Migrates a copy of `release` with a writer's open and compares every value of every
// table's original columns with what the sqlite3 shell read from another copy; then deletes
// the experiment from the migrated file, and checks the fixture kept its bytes.
void ExpectMigratesByteForByte(const ReleaseFixture& release) {
  const std::string fixture = testing::SourcePath(release.path);
  const std::string fixture_bytes = FileBytes(fixture);
  ASSERT_EQ(fixture_bytes.size(), release.bytes);
  TempDir dir;
  const std::string original = dir.File("original.db"), migrated = dir.File("migrated.db");
  std::filesystem::copy_file(fixture, original);
  std::filesystem::copy_file(fixture, migrated);

  // What the release wrote, as the sqlite3 shell reads it: per table, its columns and every
  // row (rowid, then quote() of each value: blobs as X'hex', reals to full precision).
  std::string versions;
  for (int v = 1; v <= release.schema_version; ++v) versions += (v > 1 ? "," : "") + std::to_string(v);
  ASSERT_EQ(Shell(original, "SELECT group_concat(version) FROM (SELECT version FROM schema_version ORDER BY version)"),
            versions + "\n");
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::string> expected;
  for (const auto& table : Lines(Shell(original, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                                                 "LIKE 'sqlite%' ORDER BY name"))) {
    columns[table] = Lines(Shell(original, "SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid"));
    std::string select = "SELECT rowid";
    for (const auto& c : columns[table]) select += " || '|' || quote(" + c + ")";
    expected[table] = Shell(original, select + " FROM " + table + " ORDER BY rowid");
  }
  ASSERT_EQ(columns.size(), release.tables);
  // The fixture holds what the test is about: rows in every owned table, and real blobs.
  for (const char* t : {"experiments", "runs", "invocations", "embeddings", "persistence_diagrams"}) {
    EXPECT_FALSE(expected[t].empty()) << t;
  }
  EXPECT_EQ(Lines(expected["invocations"]).size(), 12u);
  EXPECT_NE(expected["invocations"].find("X'52494646"), std::string::npos) << "no WEBP image (RIFF) in the fixture";
  EXPECT_NE(expected["persistence_diagrams"].find("X'504B0304"), std::string::npos) << "no NPZ (zip) diagram";
  EXPECT_EQ(Lines(expected["embeddings"]).size(), 12u);

  // A writer opens it: every migration since the release's runs.
  {
    auto db = Database::Open(migrated, OpenMode::kWrite);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  SqliteDb::Options options;
  options.create_if_missing = false;
  auto db = std::move(SqliteDb::Open(migrated, options)).value();
  EXPECT_EQ(*CurrentSchemaVersion(*db), LatestSchemaVersion());
  for (const auto& [table, cols] : columns) {
    if (table == "schema_version") {  // keeps its rows and gains one per migration
      EXPECT_EQ(DumpTable(*db, table, cols).substr(0, expected[table].size()), expected[table]);
      continue;
    }
    EXPECT_EQ(DumpTable(*db, table, cols), expected[table]) << table;
  }
  auto fk = *db->Prepare("SELECT count(*) FROM pragma_foreign_key_check");
  EXPECT_EQ(*fk->ScalarInt(), 0);
  auto integrity = *db->Prepare("PRAGMA integrity_check");
  ASSERT_TRUE(*integrity->Step());
  EXPECT_EQ(integrity->Text(0), "ok");
  integrity->Reset();
  db.reset();

  // The migrated database deletes its experiment with everything it owns.
  {
    auto writer = std::move(Database::Open(migrated, OpenMode::kWrite)).value();
    const std::string id = Lines(expected["experiments"]).at(0).substr(Lines(expected["experiments"])[0].find("'") + 1, 36);
    Status s = DeleteExperiment(*writer, id);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(Shell(migrated, "SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM invocations) + "
                            "(SELECT count(*) FROM embeddings) + (SELECT count(*) FROM persistence_diagrams)"),
            "0\n");

  // The committed fixture: the same bytes, nothing beside it.
  EXPECT_EQ(FileBytes(fixture), fixture_bytes);
  EXPECT_FALSE(std::filesystem::exists(fixture + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(fixture + "-shm"));
}

bool HaveSqliteShell() { return testing::RunShell("command -v sqlite3").exit_code == 0; }

// Schema 1, 8 tables: migrations 2 and later.
TEST(V1ReleaseMigrationTest, EveryRowAndBlobComesThroughByteForByteAndTheFixtureIsUntouched) {
  if (!HaveSqliteShell()) GTEST_SKIP() << "no sqlite3 shell (Debian sqlite3)";
  ExpectMigratesByteForByte({"tests/fixtures/v1_release/panic_tda_v1.db", 159744, 1, 8});
}

// Schema 2, 9 tables (migration 2 added writer_leases): migrations 3 and later.
TEST(V2ReleaseMigrationTest, EveryRowAndBlobComesThroughByteForByteAndTheFixtureIsUntouched) {
  if (!HaveSqliteShell()) GTEST_SKIP() << "no sqlite3 shell (Debian sqlite3)";
  ExpectMigratesByteForByte({"tests/fixtures/v2_release/panic_tda_v2.db", 180224, 2, 9});
}

}  // namespace
}  // namespace panic::store
