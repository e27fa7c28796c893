// Commands that only read a database leave its folder exactly as they found it: the same
// names, and every file with the same size, mtime and bytes — no -wal, -shm or journal, no
// migration, no journal-mode change. For a database of each version we read (ours now,
// the v1 and v2 releases' fixtures), the legacy Python- and Elixir-era files (refused by
// the readers, read by `import`), and a database file nobody may write (chmod 444), read by
// a process without root's capabilities. store/reader_files.h says how.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "support/test_support.h"

namespace panic::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [42, -1],
  "prompts": ["a red fox"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 8})";

// name → (size, mtime in ns, bytes) of every entry of a folder.
using Listing = std::map<std::string, std::tuple<uintmax_t, int64_t, std::string>>;

Listing List(const std::string& folder) {
  Listing out;
  for (const auto& entry : fs::directory_iterator(folder)) {
    struct stat st {};
    EXPECT_EQ(::stat(entry.path().c_str(), &st), 0);
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    out[entry.path().filename().string()] = {static_cast<uintmax_t>(st.st_size), mtime, ReadFile(entry.path().string())};
  }
  return out;
}

std::string Names(const Listing& listing) {
  std::string names;
  for (const auto& [name, entry] : listing) names += name + " ";
  return names;
}

struct Reader {
  std::vector<std::string> args;  // after --db DB
  int exit_code;                  // what it must exit with
};

// Every command that only reads the database of --db (outputs go to `out`).
std::vector<Reader> ReadersOfOurs(const std::string& out, bool latest_schema) {
  return {
      {{"experiment", "list"}, 0},
      {{"experiment", "show", "latest"}, 0},
      {{"--json", "experiment", "show", "latest"}, 0},
      {{"run", "list"}, 0},
      {{"run", "show", "latest#1"}, 0},
      {{"run", "diagram", "latest#1", "--model", "DummyText"}, 0},
      {{"cluster", "list"}, 0},
      {{"doctor"}, 0},
      {{"analyse", "drift"}, 0},
      {{"analyse", "runs"}, 0},
      {{"analyse", "distances", "--model", "DummyText"}, 0},
      {{"analyse", "changepoints"}, 0},
      {{"analyse", "lyapunov"}, 0},
      {{"export", "data", "latest", "--output", out + "/csv"}, 0},
      {{"export", "data", "latest", "--format", "parquet", "--output", out + "/parquet"}, 0},
      {{"export", "report", "latest", "--output", out + "/report.html"}, 0},
      {{"export", "charts", "latest", "--output", out + "/charts"}, 0},
      {{"export", "images", "latest", "--output", out + "/images"}, 0},
      {{"export", "video", "latest", "--output", out + "/video.mp4"}, 0},
      // Only the latest schema is copied from (an older one is refused, exit 2, untouched).
      {{"export", "db", "latest", out + "/copy.db"}, latest_schema ? 0 : 2},
  };
}

class ReadersLeaveFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(dir_.File("db"));
    fs::create_directory(dir_.File("out"));
  }
  std::string Db(const std::string& name) const { return dir_.File("db/" + name); }
  std::string Out() const { return dir_.File("out"); }

  // Runs each reader on `db` and checks its folder after each.
  void ExpectReadersLeaveFolder(const std::string& db, const std::vector<Reader>& readers) {
    const Listing before = List(Db(""));
    for (const Reader& reader : readers) {
      std::vector<std::string> args = {"--db", db};
      args.insert(args.end(), reader.args.begin(), reader.args.end());
      auto r = RunCli(args);
      std::string command;
      for (const auto& a : reader.args) command += a + " ";
      EXPECT_EQ(r.exit_code, reader.exit_code) << command << ": " << r.err;
      const Listing after = List(Db(""));
      EXPECT_EQ(Names(after), Names(before)) << command;
      EXPECT_TRUE(after == before) << command << " changed a file of the database's folder";
    }
  }
  TempDir dir_;
};

TEST_F(ReadersLeaveFolderTest, OursAtEverySchemaVersion) {
  WriteFile(dir_.File("cfg.json"), kConfig);
  ASSERT_EQ(RunCli({"--db", Db("now.db"), "experiment", "run", dir_.File("cfg.json")}).exit_code, 0);
  ASSERT_EQ(RunCli({"--db", Db("now.db"), "cluster", "run", "--min-cluster-size", "2"}).exit_code, 0);
  fs::copy_file(SourcePath("tests/fixtures/v1_release/panic_tda_v1.db"), Db("v1.db"));
  fs::copy_file(SourcePath("tests/fixtures/v2_release/panic_tda_v2.db"), Db("v2.db"));
  ASSERT_FALSE(fs::exists(Db("now.db-wal")));  // the writer removed its own on close
  for (const std::string name : {"now.db", "v1.db", "v2.db"}) {
    SCOPED_TRACE(name);
    fs::remove_all(Out());
    fs::create_directory(Out());
    std::vector<Reader> readers = ReadersOfOurs(Out(), name == "now.db");
    if (name == "now.db") readers.push_back({{"cluster", "show", "latest"}, 0});
    ExpectReadersLeaveFolder(Db(name), readers);
  }
  // The sources of `db merge` and `export db` are read, not written.
  ExpectReadersLeaveFolder(Db("now.db"), {{{"db", "merge", Db("now.db"), "--into", Out() + "/merged.db"}, 0}});
}

TEST_F(ReadersLeaveFolderTest, LegacyFilesAreRefusedOrImportedUntouched) {
  // Elixir era (ecto_sqlite3 writes WAL) and a Python-era file when Debian's numpy is here.
  auto sh = RunShell(
      "sqlite3 " + ShellQuote(Db("elixir.sqlite")) +
      " \"PRAGMA journal_mode=WAL; CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, inserted_at TEXT);"
      " CREATE TABLE experiments (id TEXT PRIMARY KEY, networks TEXT, num_runs INTEGER, prompts TEXT,"
      " embedding_models TEXT, max_length INTEGER, started_at TEXT, completed_at TEXT, inserted_at TEXT,"
      " updated_at TEXT); CREATE TABLE runs (id TEXT PRIMARY KEY, experiment_id TEXT, network TEXT, run_number INTEGER,"
      " max_length INTEGER, initial_prompt TEXT, inserted_at TEXT, updated_at TEXT); CREATE TABLE invocations (id TEXT"
      " PRIMARY KEY, run_id TEXT, input_invocation_id TEXT, model TEXT, type TEXT, sequence_number INTEGER, output_text"
      " TEXT, output_image BLOB, started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT);"
      " CREATE TABLE embeddings (id TEXT PRIMARY KEY, invocation_id TEXT, embedding_model TEXT, vector BLOB,"
      " started_at TEXT, completed_at TEXT, inserted_at TEXT, updated_at TEXT); CREATE TABLE persistence_diagrams (id"
      " TEXT PRIMARY KEY, run_id TEXT, embedding_model TEXT, diagram_data BLOB, started_at TEXT, completed_at TEXT,"
      " inserted_at TEXT, updated_at TEXT); INSERT INTO schema_migrations VALUES (20250101000000, '2025-01-01');\"");
  ASSERT_EQ(sh.exit_code, 0) << sh.err;
  std::vector<std::string> legacy = {"elixir.sqlite"};
  if (HaveSystemNumpy()) {
    sh = RunShell("/usr/bin/python3 " + ShellQuote(SourcePath("tests/legacy/make_python_era_db.py")) + " " +
                  ShellQuote(Db("python.sqlite")));
    ASSERT_EQ(sh.exit_code, 0) << sh.err;
    legacy.push_back("python.sqlite");
  }
  for (const std::string& name : legacy) {
    SCOPED_TRACE(name);
    const std::string era = name == "elixir.sqlite" ? "elixir" : "python";
    ExpectReadersLeaveFolder(Db(name), {{{"experiment", "list"}, 2},
                                        {{"experiment", "show", "latest"}, 2},
                                        {{"run", "list"}, 2},
                                        {{"doctor"}, 2},
                                        {{"export", "data", "latest", "--output", Out() + "/x"}, 2}});
    // `import` reads it (the target is elsewhere).
    auto r = RunCli({"--db", Out() + "/" + era + ".db", "import", era, Db(name)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ExpectReadersLeaveFolder(Db(name), {});
  }
}

// Runs a shell command without root's capabilities when the tests run as root (root
// ignores file permissions), so that a file without write bits is read-only to it.
std::string AsUnprivileged(const std::string& command) {
  if (::geteuid() != 0) return command;
  return "setpriv --bounding-set=-all --inh-caps=-all " + command;
}

TEST_F(ReadersLeaveFolderTest, AFileNobodyMayWriteInAWritableFolder) {
  WriteFile(dir_.File("cfg.json"), kConfig);
  ASSERT_EQ(RunCli({"--db", Db("a.db"), "experiment", "run", dir_.File("cfg.json"), "--stages", "runs"}).exit_code, 0);
  ASSERT_EQ(::chmod(Db("a.db").c_str(), 0444), 0);
  const Listing before = List(Db(""));
  const std::string cli = ShellQuote(CliPath()) + " --db " + ShellQuote(Db("a.db")) + " ";
  for (const std::string& args : std::vector<std::string>{"experiment list", "run show latest#1",
                                   "export data latest --output " + Out() + "/d"}) {
    auto r = RunShell(AsUnprivileged(cli + args));
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    EXPECT_TRUE(List(Db("")) == before) << args << " left: " << Names(List(Db("")));
  }
  ASSERT_EQ(::chmod(Db("a.db").c_str(), 0644), 0);
}

// Runs the CLI with `args`, its standard output a pipe whose reading end is already closed
// (a `| head` that has exited), standard error to /dev/null, SIGPIPE at its default as a
// shell leaves it; returns the wait status.
int RunIntoClosedPipe(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  ::close(fds[0]);
  std::vector<std::string> all = {CliPath()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGPIPE, SIG_DFL);
    ::dup2(fds[1], STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// `panic-tda analyse drift | head -1`: the write to the pipe fails while the database is
// open. The command ends as before, killed by SIGPIPE, but only after closing the database:
// its folder is as it was (it used to get a -wal and a -shm that no later reader removed).
TEST_F(ReadersLeaveFolderTest, AReaderWhosePipeWasClosedByItsReader) {
  WriteFile(dir_.File("cfg.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [42, -1],
    "prompts": ["a red fox"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 40})");
  ASSERT_EQ(RunCli({"--db", Db("a.db"), "experiment", "run", dir_.File("cfg.json")}).exit_code, 0);
  const Listing before = List(Db(""));
  // Each writes its table (80 rows, more than stdio's buffer holds) while its database is open.
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"analyse", "drift"}, {"analyse", "drift", "--format", "json"}}) {
    std::vector<std::string> full = {"--db", Db("a.db")};
    full.insert(full.end(), args.begin(), args.end());
    const int status = RunIntoClosedPipe(full);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) << args[1] << ": wait status " << status;
    EXPECT_EQ(Names(List(Db(""))), Names(before)) << args[1];
    EXPECT_TRUE(List(Db("")) == before) << args[1] << " changed a file of the database's folder";
  }
}


// Ctrl-C (or SIGTERM) while a reader has the database open — PANIC_TDA_FAULT raises it right
// after the open (store/fault_injection.h): the command stops with 130, writes no output and
// closes the database, so its folder is as it was. The exports and doctor used to be killed
// by it (no handler, or checks that ignored it), leaving a -wal and a -shm.
TEST_F(ReadersLeaveFolderTest, ACommandInterruptedWhileItReadsLeavesNoTrace) {
  // Fixed seeds: the grid of cluster -1 below must have members. With kConfig's seed -1 the
  // dummy models draw afresh each time, and about one clustering in six had no noise points,
  // so that command failed with "0 members" instead of being interrupted (a flaky test).
  WriteFile(dir_.File("cfg.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [42, 7],
  "prompts": ["a red fox"], "embedding_models": ["DummyText", "DummyVision"], "max_length": 8})");
  ASSERT_EQ(RunCli({"--db", Db("a.db"), "experiment", "run", dir_.File("cfg.json")}).exit_code, 0);
  ASSERT_EQ(RunCli({"--db", Db("a.db"), "cluster", "run", "--min-cluster-size", "2"}).exit_code, 0);
  const Listing before = List(Db(""));
  const std::string out = Out();
  const std::vector<std::vector<std::string>> commands = {
      {"export", "charts", "latest", "--output", out + "/charts"},
      {"export", "report", "latest", "--output", out + "/report.html"},
      {"export", "timeline", "latest#1", "--output", out + "/timeline.png"},
      {"export", "grid", "latest#1", "--output", out + "/grid.png"},
      {"export", "grid", "--cluster", "latest:-1", "--output", out + "/cluster.png"},
      {"export", "images", "latest", "--output", out + "/images"},
      {"doctor"},
      {"doctor", "--fix"},
  };
  for (const std::string signal : {"sigint", "sigterm"}) {
    for (const auto& command : commands) {
      std::string name = signal + ":";
      for (const auto& a : command) name += " " + a;
      std::vector<std::string> args = {"--db", Db("a.db")};
      args.insert(args.end(), command.begin(), command.end());
      auto r = RunCli(args, "PANIC_TDA_FAULT=" + signal + "_after_open");
      EXPECT_EQ(r.exit_code, 130) << name << ": " << r.err;
      EXPECT_NE(r.err.find("interrupted"), std::string::npos) << name << ": " << r.err;
      EXPECT_EQ(Names(List(Db(""))), Names(before)) << name;
      EXPECT_TRUE(List(Db("")) == before) << name << " changed a file of the database's folder";
      // No output file, whole or partial (nor AtomicFile's hidden temporary one).
      for (const auto& entry : fs::recursive_directory_iterator(out)) {
        EXPECT_FALSE(entry.is_regular_file()) << name << " left " << entry.path();
      }
    }
  }
}

}  // namespace
}  // namespace panic::testing
