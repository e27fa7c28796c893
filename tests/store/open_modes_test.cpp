// Opening databases: files that are not ours are refused untouched, readers never write
// (read-only files and directories, older schemas), only writers migrate.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "panic/store/database.h"
#include "panic/store/database_file.h"
#include "panic/store/diagrams_table.h"
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

using testing::ReadFile;
using testing::RunShell;
using testing::ShellQuote;
using testing::TempDir;

bool Exists(const std::string& path) { return std::filesystem::exists(path); }

void Sqlite(const std::string& db, const std::string& sql) {
  auto r = RunShell("sqlite3 " + ShellQuote(db) + " " + ShellQuote(sql));
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// A Python-era database as SQLModel's create_all wrote it (rollback journal), with a row.
void MakePythonEraDatabase(const std::string& db) {
  Sqlite(db,
         "CREATE TABLE experimentconfig (id CHAR(32) PRIMARY KEY, networks JSON, seeds JSON, prompts JSON, "
         "embedding_models JSON, max_length INTEGER, started_at DATETIME, completed_at DATETIME);"
         "CREATE TABLE run (id CHAR(32) PRIMARY KEY, network JSON, seed INTEGER, max_length INTEGER, "
         "initial_prompt VARCHAR, experiment_id CHAR(32));"
         "CREATE TABLE invocation (id CHAR(32) PRIMARY KEY, started_at DATETIME, completed_at DATETIME, model VARCHAR, "
         "type VARCHAR(5), seed INTEGER, run_id CHAR(32), sequence_number INTEGER, input_invocation_id CHAR(32), "
         "output_text VARCHAR, output_image_data BLOB);"
         "CREATE TABLE embedding (id CHAR(32) PRIMARY KEY, invocation_id CHAR(32), embedding_model VARCHAR, vector BLOB);"
         "INSERT INTO experimentconfig VALUES ('0192f0c1a2b37c4d8e9f001122334455', '[[\"A\",\"B\"]]', '[-1]', "
         "'[\"p\"]', '[\"Nomic\"]', 10, '2024-05-01 10:00:00.000000', NULL);");
}

// An Elixir-era database (Ecto's schema_migrations; ecto_sqlite3 uses WAL).
void MakeElixirEraDatabase(const std::string& db) {
  Sqlite(db,
         "PRAGMA journal_mode=WAL;"
         "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, inserted_at TEXT);"
         "CREATE TABLE experiments (id TEXT PRIMARY KEY, networks TEXT, num_runs INTEGER, prompts TEXT, "
         "embedding_models TEXT, max_length INTEGER, started_at TEXT, completed_at TEXT, inserted_at TEXT, "
         "updated_at TEXT);"
         "CREATE TABLE runs (id TEXT PRIMARY KEY, experiment_id TEXT, network TEXT, run_number INTEGER, "
         "max_length INTEGER, initial_prompt TEXT, inserted_at TEXT, updated_at TEXT);"
         "CREATE TABLE invocations (id TEXT PRIMARY KEY, run_id TEXT, input_invocation_id TEXT, model TEXT, type TEXT, "
         "sequence_number INTEGER, output_text TEXT, output_image BLOB, started_at TEXT, completed_at TEXT, "
         "inserted_at TEXT, updated_at TEXT);"
         "INSERT INTO schema_migrations VALUES (20250101000000, '2025-01-01T00:00:00');"
         "INSERT INTO experiments VALUES ('0192f0c1-a2b3-7c4d-8e9f-001122334455', '[[\"A\"]]', 2, '[\"p\"]', "
         "'[\"Nomic\"]', 5, NULL, NULL, '2026-06-10T01:02:05.519162Z', '2026-06-10T01:02:05.519162Z');");
}

struct ForeignCase {
  std::string name;
  void (*make)(const std::string&);
  DatabaseOrigin origin;
  std::string looks_like;
  std::string advice;
};

class ForeignDatabaseTest : public ::testing::TestWithParam<ForeignCase> {};

TEST_P(ForeignDatabaseTest, IsRefusedByEveryModeAndLeftByteIdentical) {
  const ForeignCase& c = GetParam();
  TempDir dir;
  const std::string db = dir.File("theirs.db");
  c.make(db);
  ASSERT_FALSE(Exists(db + "-wal"));
  const std::string before = ReadFile(db);
  ASSERT_FALSE(before.empty());

  auto inspection = InspectDatabase(db);
  ASSERT_TRUE(inspection.ok()) << inspection.status().ToString();
  EXPECT_EQ(inspection->origin, c.origin);
  for (auto mode : {OpenMode::kReadOnly, OpenMode::kWrite, OpenMode::kCreate}) {
    auto store = Database::Open(db, mode);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find(c.looks_like), std::string::npos) << store.status().message();
    EXPECT_NE(store.status().message().find("left unchanged"), std::string::npos) << store.status().message();
  }
  // Readers and writers of the CLI: exit 2, what it looks like and what to do.
  const std::vector<std::vector<std::string>> commands = {
      {"--db", db, "experiment", "list"},
      {"--db", db, "run", "list"},
      {"--db", db, "experiment", "show", "latest"},
      {"--db", db, "experiment", "resume", "latest"},
      {"--db", db, "experiment", "delete", "latest", "--yes"},
      {"--db", db, "experiment", "run", testing::SourcePath("examples/quickstart.json"), "--stages", "runs"},
  };
  for (const auto& args : commands) {
    auto r = testing::RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << args[3] << ": " << r.err;
    EXPECT_NE(r.err.find(c.looks_like), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.advice), std::string::npos) << r.err;
  }
  EXPECT_EQ(ReadFile(db), before);
  EXPECT_FALSE(Exists(db + "-wal"));
  EXPECT_FALSE(Exists(db + "-shm"));
  EXPECT_FALSE(Exists(db + "-journal"));
}

void MakeUnknownDatabase(const std::string& db) { Sqlite(db, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');"); }
void MakeTextFile(const std::string& db) { testing::WriteFile(db, "these are my notes, not a database\n"); }

INSTANTIATE_TEST_SUITE_P(
    Eras, ForeignDatabaseTest,
    ::testing::Values(
        ForeignCase{"python", MakePythonEraDatabase, DatabaseOrigin::kPythonEra,
                    "Python-era panic-tda database (tables embedding, experimentconfig, invocation, run)",
                    "import it with `panic-tda import python"},
        ForeignCase{"elixir", MakeElixirEraDatabase, DatabaseOrigin::kElixirEra,
                    "Elixir-era panic-tda database (tables experiments, invocations, runs, schema_migrations)",
                    "import it with `panic-tda import elixir"},
        ForeignCase{"unknown", MakeUnknownDatabase, DatabaseOrigin::kUnknown,
                    "a SQLite database of another program (tables notes)", "its own file with --db"},
        ForeignCase{"text", MakeTextFile, DatabaseOrigin::kNotSqlite, "not a SQLite database",
                    "its own file with --db"}),
    [](const ::testing::TestParamInfo<ForeignCase>& param) { return param.param.name; });

TEST(OpenModesTest, ReadOnlyOfMissingFileCreatesNothing) {
  TempDir dir;
  auto store = Database::Open(dir.File("none.db"), OpenMode::kReadOnly);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Exists(dir.File("none.db")));
}

TEST(OpenModesTest, ReadOnlyNeverWrites) {
  TempDir dir;
  const std::string db = dir.File("a.db");
  const std::string id = CreateTestDatabase(db, 2);
  ASSERT_FALSE(id.empty());
  auto reader = std::move(Database::Open(db, OpenMode::kReadOnly)).value();
  EXPECT_EQ(store::experiments::List(reader->connection())->size(), 1u);
  Status s =
      reader->Write([&](store::SqliteDb& c) { return store::experiments::SetStarted(c, id, "2026-01-01T00:00:00Z"); });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(store::DeleteExperiment(*reader, id).ok());
  EXPECT_TRUE(store::experiments::Get(reader->connection(), id)->started_at == std::nullopt);
}

TEST(OpenModesTest, ReaderReadsAnOlderSchemaWithoutMigratingIt) {
  TempDir dir;
  const std::string db = dir.File("v1.db");
  const std::string id = MakeV1Database(db);
  const std::string before = ReadFile(db);
  {
    auto reader = Database::Open(db, OpenMode::kReadOnly);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto experiments = store::experiments::List((*reader)->connection());
    ASSERT_TRUE(experiments.ok()) << experiments.status().ToString();
    ASSERT_EQ(experiments->size(), 1u);
    auto counts = (*reader)->Read([&](store::SqliteDb& c) { return store::experiments::Count(c, id); });
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->invocations, 6);
    EXPECT_EQ(counts->diagrams.at("DummyText"), 1);
    auto runs = store::runs::List((*reader)->connection(), id);
    ASSERT_TRUE(runs.ok());
    auto invocations =
        (*reader)->Read([&](store::SqliteDb& c) { return store::invocations::ListForRun(c, (*runs)[0].id, true); });
    ASSERT_TRUE(invocations.ok()) << invocations.status().ToString();
    EXPECT_EQ(invocations->size(), 6u);
    auto diagram = store::diagrams::Get((*reader)->connection(), (*runs)[0].id, "DummyText");
    ASSERT_TRUE(diagram.ok()) << diagram.status().ToString();
  }
  // Through the CLI too.
  auto r = testing::RunCli({"--db", db, "experiment", "show", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = testing::RunCli({"--db", db, "run", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(db), before);
  SqliteDb::Options options;
  options.read_only = true;
  auto raw = std::move(SqliteDb::Open(db, options)).value();
  EXPECT_EQ(*CurrentSchemaVersion(*raw), 1);
}

// Runs a shell command without root's capabilities when the tests run as root (root
// ignores file permissions), so that a read-only file and directory are read-only to it.
std::string AsUnprivileged(const std::string& command) {
  if (::geteuid() != 0) return command;
  return "setpriv --bounding-set=-all --inh-caps=-all " + command;
}

TEST(OpenModesTest, ReadersWorkOnAReadOnlyFileInAReadOnlyDirectory) {
  TempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string ro_dir = dir.File("ro");
  std::filesystem::create_directory(ro_dir);
  const std::string db = ro_dir + "/a.db";
  std::string id;
  {
    auto store = std::move(Database::Open(db, OpenMode::kCreate)).value();
    ExperimentRecord e = MakeTestExperiment();
    auto runs = MakeTestRuns(e, 2);
    ASSERT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
    ASSERT_TRUE(store
                    ->Write([&](store::SqliteDb& c) {
                      return store::invocations::InsertStep(c, {MakeTestInvocation(runs[0].id, 0, "hello")}, {});
                    })
                    .ok());
    id = e.id;
  }
  ASSERT_FALSE(Exists(db + "-wal"));
  const std::string before = ReadFile(db);
  ASSERT_EQ(::chmod(db.c_str(), 0444), 0);
  ASSERT_EQ(::chmod(ro_dir.c_str(), 0555), 0);
  const std::string cli = ShellQuote(testing::CliPath()) + " --db " + ShellQuote(db) + " ";
  // The environment really is read-only to the reader.
  auto probe = RunShell(AsUnprivileged("touch " + ShellQuote(ro_dir + "/x")));
  EXPECT_NE(probe.exit_code, 0);
  const std::vector<std::string> readers = {"experiment list", "experiment show " + id, "--json run list"};
  for (const std::string& args : readers) {
    auto r = RunShell(AsUnprivileged(cli + args));
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_NE(r.out.find(id), std::string::npos) << args << ": " << r.out;
  }
  // A writer there fails cleanly (exit 1), and writes nothing.
  auto w = RunShell(AsUnprivileged(cli + "experiment delete " + id + " --yes"));
  EXPECT_EQ(w.exit_code, 1) << w.err;
  ASSERT_EQ(::chmod(ro_dir.c_str(), 0755), 0);
  EXPECT_EQ(ReadFile(db), before);
  EXPECT_FALSE(Exists(db + "-wal"));
  EXPECT_FALSE(Exists(db + "-shm"));
}

// A database that cannot be created says why (SQLite says only "unable to open database
// file"): the folder, and the system's reason.
TEST(OpenModesTest, ADatabaseThatCannotBeCreatedNamesItsFolder) {
  TempDir dir;
  auto missing = Database::Open(dir.File("no/such/a.db"), OpenMode::kCreate);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIOError);
  EXPECT_NE(missing.status().message().find("cannot create database '" + dir.File("no/such/a.db") + "': its folder '" +
                                            dir.File("no/such") + "': No such file or directory"),
            std::string::npos)
      << missing.status().message();
  const std::string ro = dir.File("ro");
  std::filesystem::create_directory(ro);
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  auto r = RunShell(AsUnprivileged(ShellQuote(testing::CliPath()) + " --db " + ShellQuote(ro + "/a.db") +
                                   " experiment run " + ShellQuote(testing::SourcePath("examples/quickstart.json"))));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("its folder '" + ro + "': Permission denied"), std::string::npos) << r.err;
  ASSERT_EQ(::chmod(ro.c_str(), 0755), 0);
  EXPECT_TRUE(std::filesystem::is_empty(ro));
}

TEST(OpenModesTest, EmptyFileBecomesOursOnlyForWriters) {
  TempDir dir;
  const std::string db = dir.File("empty.db");
  testing::WriteFile(db, "");
  auto reader = Database::Open(db, OpenMode::kReadOnly);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(std::filesystem::file_size(db), 0u);
  auto writer = Database::Open(db, OpenMode::kWrite);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto inspection = InspectDatabase(db);
  EXPECT_EQ(inspection->origin, DatabaseOrigin::kOurs);
  EXPECT_EQ(inspection->schema_version, LatestSchemaVersion());
}

}  // namespace
}  // namespace panic::store
