// Issue 9 §9: every option and argument is checked before the database is opened for
// writing; config messages name the field and state the whole rule; odd config paths are
// named for what they are; a failed write of the output fails the command; a model that
// cannot run is found before the experiment is written.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "panic/core/sha256.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::CommandResult;
using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::TempDir;

constexpr const char* kGoodConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"],
    "embedding_models": ["DummyText"], "max_length": 3)";

std::string Config(const TempDir& dir, const std::string& name, const std::string& extra_or_override) {
  std::string text = std::string(kGoodConfig) + extra_or_override + "}";
  testing::WriteFile(dir.File(name), text);
  return dir.File(name);
}

TEST(ArgumentChecksTest, BadExecuteOptionsWriteNothing) {
  TempDir dir;
  const std::string fresh = dir.File("fresh.db");
  const std::string config = Config(dir, "c.json", "");
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--threads", "0"}, {"--threads", "-1"}, {"--threads", "100000"}, {"--threads", "abc"},
           {"--threads", "99999999999999999999"}, {"--sync", "sometimes"}, {"--stages", "runs,nope"},
           {"--mpi-timeout", "5"}}) {  // without --mpi: it was ignored
    std::vector<std::string> args = {"--db", fresh, "experiment", "run", config};
    args.insert(args.end(), bad.begin(), bad.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << bad[0] << " " << bad[1] << ": " << r.err;
    EXPECT_NE(r.err.find(bad[0]), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(fresh)) << bad[0] << " " << bad[1] << " created the database";
  }
  auto threads = RunCli({"--db", fresh, "experiment", "run", config, "--threads", "0"});
  EXPECT_NE(threads.err.find("1..1024"), std::string::npos) << threads.err;

  // An existing database stays byte-identical: resume and run-by-id check first too.
  const std::string db = dir.File("x.db");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", config}).exit_code, 0);
  const std::string before = Sha256Hex(testing::ReadFile(db));
  for (const char* verb : {"resume", "run"}) {
    auto r = RunCli({"--db", db, "experiment", verb, "latest", "--threads", "abc"});
    EXPECT_EQ(r.exit_code, 2) << verb << ": " << r.err;
  }
  EXPECT_EQ(Sha256Hex(testing::ReadFile(db)), before);
}

// A command that only changes what a database holds (resume, delete, cluster, doctor --fix)
// refuses an empty file — zero bytes, or SQLite without tables — as readers do, and leaves
// it as it was: it used to write the whole schema (≈ 200 KB) and then fail with exit 2.
TEST(ArgumentChecksTest, WritersRefuseAnEmptyDatabaseAndLeaveItAsItWas) {
  TempDir dir;
  const std::string zero = dir.File("zero.db"), no_tables = dir.File("no_tables.db");
  testing::WriteFile(zero, "");
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(no_tables) + " 'CREATE TABLE t(x); DROP TABLE t;'").exit_code, 0);
  ASSERT_GT(std::filesystem::file_size(no_tables), 0u);
  for (const std::string& db : {zero, no_tables}) {
    const std::string before = testing::ReadFile(db);
    for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
             {"experiment", "resume", "latest"},
             {"experiment", "run", "01a23a44-2293-716e-a6b0-ae71820d5577"},
             {"experiment", "delete", "latest", "--yes"},
             {"cluster", "run"},
             {"cluster", "delete", "all", "--yes"},
             {"doctor", "--fix"}}) {
      std::vector<std::string> args = {"--db", db};
      args.insert(args.end(), command.begin(), command.end());
      auto r = RunCli(args);
      EXPECT_EQ(r.exit_code, 2) << command[0] << " " << command[1] << ": " << r.err;
      EXPECT_NE(r.err.find("is empty: it has no experiments yet"), std::string::npos) << r.err;
      EXPECT_EQ(testing::ReadFile(db), before) << command[0] << " " << command[1] << " wrote to " << db;
      EXPECT_FALSE(std::filesystem::exists(db + "-wal")) << command[0] << " " << command[1];
    }
  }
  // A config still makes an empty file a database (kCreate).
  auto created = RunCli({"--db", zero, "experiment", "run", Config(dir, "c.json", "")});
  EXPECT_EQ(created.exit_code, 0) << created.err;
}

TEST(ArgumentChecksTest, ConfigNumbersOutOfRangeNameTheFieldAndTheRule) {
  TempDir dir;
  struct Case {
    std::string config;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"], "embedding_models": ["DummyText"],
           "max_length": 1e400})", "max_length: 1e400 is out of range"},
      {R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"], "embedding_models": ["DummyText"],
           "max_length": 1000000000000})", "max_length: 1000000000000 is not allowed (an integer 1..100000000)"},
      {R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5, 9223372036854775808], "prompts": ["p"],
           "embedding_models": ["DummyText"], "max_length": 3})", "seeds[1]: 9223372036854775808 is not allowed (-1 for "
                                                                  "non-deterministic, or an integer 0..9223372036854775807)"},
      {R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1e30], "prompts": ["p"],
           "embedding_models": ["DummyText"], "max_length": 3})", "seeds[0]: 1e+30 is not allowed"},
      {R"({"networks": [["DummyT2I", "DummyI2T"]], "seed_count": 18446744073709551616, "prompts": ["p"],
           "embedding_models": ["DummyText"], "max_length": 3})", "an integer 1..1000000"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir.File("c" + std::to_string(i) + ".json");
    testing::WriteFile(path, cases[i].config);
    auto r = RunCli({"--db", dir.File("n.db"), "experiment", "run", path});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(cases[i].expected), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.File("n.db")));
}

TEST(ArgumentChecksTest, ConfigPathThatIsAFifoOrADirectoryIsNamed) {
  TempDir dir;
  ASSERT_EQ(mkfifo(dir.File("fifo").c_str(), 0600), 0);
  // A FIFO without a writer would block an open(); the timeout turns a hang into a failure.
  auto fifo = RunShell("timeout 20 " + ShellQuote(testing::CliPath()) + " --db " + ShellQuote(dir.File("f.db")) +
                       " experiment run " + ShellQuote(dir.File("fifo")));
  EXPECT_EQ(fifo.exit_code, 2) << fifo.err;
  EXPECT_NE(fifo.err.find("is a FIFO"), std::string::npos) << fifo.err;
  std::filesystem::create_directory(dir.File("conf.d"));
  auto directory = RunCli({"--db", dir.File("f.db"), "experiment", "run", dir.File("conf.d")});
  EXPECT_EQ(directory.exit_code, 2) << directory.err;
  EXPECT_NE(directory.err.find("is a directory"), std::string::npos) << directory.err;
  EXPECT_EQ(directory.err.find("not valid JSON"), std::string::npos) << directory.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("f.db")));
}

TEST(ArgumentChecksTest, FailedWritesOfTheOutputFailTheCommand) {
  TempDir dir;
  const std::string db = dir.File("x.db");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", Config(dir, "c.json", "")}).exit_code, 0);
  const std::string cli = ShellQuote(testing::CliPath()) + " --db " + ShellQuote(db);
  for (const char* cmd : {" run list", " experiment list", " --json experiment show", " model list", " --version"}) {
    auto full = RunShell(cli + cmd + " > /dev/full");
    EXPECT_EQ(full.exit_code, 1) << cmd;
    // The reason is named when the last write saw it (errno of a write stdio made earlier
    // during the command is gone by the final flush).
    EXPECT_NE(full.err.find("cannot write to standard output: "), std::string::npos) << cmd << ": " << full.err;
    auto closed = RunShell(cli + cmd + " >&-");
    EXPECT_EQ(closed.exit_code, 1) << cmd;
    EXPECT_NE(closed.err.find("standard output"), std::string::npos) << cmd << ": " << closed.err;
  }
  // A closed standard output is refused before anything is written.
  auto run = RunShell(cli + " experiment run " + ShellQuote(dir.File("c.json")) + " >&-");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(RunShell("sqlite3 " + ShellQuote(db) + " 'SELECT count(*) FROM experiments'").out, "1\n");
}

TEST(ArgumentChecksTest, AModelThatCannotRunIsFoundBeforeTheExperimentIsWritten) {
  TempDir dir, empty_models;
  testing::WriteFile(dir.File("u.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"],
      "embedding_models": ["DummyText", "USELite"], "max_length": 3})");
  auto r = RunCli({"--db", dir.File("u.db"), "experiment", "run", dir.File("u.json")},
                  "PANIC_TDA_MODELS=" + ShellQuote(empty_models.path().string()));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("embedding_models[1]: 'USELite' cannot run here"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fetch_models.sh"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("u.db")));
}

// Commands without a verb (serve, doctor) were named "serve " in messages and help.
// An explicit --format that the --output extension contradicts is refused before any work
// (the database and the inputs here do not exist: the check comes first) and nothing is
// written; a file without an extension or with an unknown one stays allowed.
TEST(ArgumentChecksTest, AFormatContradictingTheOutputExtensionIsRefusedFirst) {
  TempDir dir;
  const std::string db = dir.File("none.db"), points = dir.File("none.npy");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--db", db, "analyse", "drift", "--format", "parquet", "--output", dir.File("d.csv")},
       "--format parquet contradicts --output '" + dir.File("d.csv") + "' (a .csv file)"},
      {{"tda", "ph", points, "--format", "npz", "--output", dir.File("x.npy")},
       "--format npz contradicts --output '" + dir.File("x.npy") + "' (a .npy file)"},
      {{"tda", "ph", points, "--json", "--output", dir.File("x.NPZ")},
       "--json contradicts --output '" + dir.File("x.NPZ") + "' (a .npz file)"},
      {{"tda", "distance-matrix", points, points, "--format", "npy", "--output", dir.File("m.csv")},
       "--format npy contradicts"},
      {{"--db", db, "run", "diagram", "1", "--format", "npz", "--output", dir.File("r.json")},
       "--format npz contradicts"},
      {{"--db", db, "cluster", "points", points, "--format", "npy", "--output", dir.File("c.csv")},
       "--format npy contradicts"},
      {{"model", "embed", "DummyText", "--format", "npy", "--output", dir.File("e.json"), "hi"},
       "--format npy contradicts"},
      // Image and drawing formats, also for a folder --output (a folder x.jpg of PNG files).
      {{"--db", db, "export", "images", "latest", "--format", "png", "--output", dir.File("x.jpg")},
       "--format png contradicts --output '" + dir.File("x.jpg") + "' (a .jpg file)"},
      {{"--db", db, "export", "images", "latest", "--format", "jpeg", "--output", dir.File("x.WEBP")},
       "--format jpeg contradicts --output '" + dir.File("x.WEBP") + "' (a .webp file)"},
      {{"--db", db, "export", "charts", "latest", "--format", "pdf", "--output", dir.File("c.svg")},
       "--format pdf contradicts --output '" + dir.File("c.svg") + "' (a .svg file)"},
      {{"tda", "ph", points, "--format", "npz", "--output", dir.File("d.png")},
       "--format npz contradicts --output '" + dir.File("d.png") + "' (a .png file)"},
      // A command whose file's format is its --output's extension says so, naming both.
      {{"--db", db, "export", "image", "0123", "--format", "png", "--output", dir.File("x.jpg")},
       "--format: 'png' is not one of: text, json (how the command reports; the file's format is --output's "
       "extension: '" + dir.File("x.jpg") + "')"},
  };
  for (const Case& c : cases) {
    CommandResult r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args[2] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path())) << "something was written";

  // Allowed: no extension, an unknown one, the format's own in capitals, a text format.
  testing::WriteFile(dir.File("p.csv"), "0 0\n1 0\n0 1\n");
  for (const char* out : {"a", "a.dat", "a.NPZ"}) {
    CommandResult r = RunCli({"tda", "ph", dir.File("p.csv"), "--format", "npz", "--output", dir.File(out)});
    EXPECT_EQ(r.exit_code, 0) << out << ": " << r.err;
  }
  CommandResult r = RunCli({"tda", "ph", dir.File("p.csv"), "--format", "text", "--output", dir.File("t.csv")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // jpeg and jpg are one format: refused for the missing database, not the format.
  r = RunCli({"--db", db, "export", "images", "latest", "--format", "jpeg", "--output", dir.File("i.jpg")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("contradicts"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
}

TEST(ArgumentChecksTest, AVerblessCommandIsNamedWithoutATrailingSpace) {
  for (const std::string command : {"serve", "doctor"}) {
    CommandResult r = RunCli({"--db", "/nonexistent/x.db", command, "--nope"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("unknown option '--nope' for '" + command + "'; known: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage: panic-tda [--db PATH] " + command + " [options]"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace panic
