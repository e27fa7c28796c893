// End to end through the built executable: the quickstart, determinism, bad configs,
// kill -9 + resume, readers during writes.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "panic/core/sha256.h"
#include "panic/core/utf8.h"
#include "panic/store/database.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/runs_table.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::TempDir;

// Everything a run produced, comparable across databases: per run number, its outputs
// (text, or the SHA-256 of the stored image bytes) and how it stopped.
using RunOutputs = std::map<int64_t, std::vector<std::string>>;

RunOutputs ReadOutputs(const std::string& db) {
  auto store = std::move(store::Database::Open(db, store::OpenMode::kWrite)).value();
  auto id = std::move(store::experiments::ResolveId(store->connection(), "latest")).value();
  RunOutputs out;
  for (const auto& r : std::move(store::runs::List(store->connection(), id)).value()) {
    auto& v = out[r.run_number];
    for (const auto& inv : std::move(store::invocations::ListForRun(store->connection(), r.id, true)).value()) {
      v.push_back(std::to_string(inv.sequence_number) + " " + inv.model + " " +
                  (inv.type == store::OutputType::kText ? inv.output_text : Sha256Hex(inv.output_image)));
    }
    v.push_back("stop " + r.stop_reason.value_or("-") + " " + std::to_string(r.loop_length.value_or(-1)));
  }
  return out;
}

int64_t Scalar(const std::string& db, const std::string& sql) {
  auto r = testing::RunShell("sqlite3 " + testing::ShellQuote(db) + " " + testing::ShellQuote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoll(r.out.empty() ? "-1" : r.out);
}

// A JSON list of lists. (nlohmann reads {{"a", "b"}} as the object {"a": "b"}.)
nlohmann::json Nets(const std::vector<std::vector<std::string>>& networks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& n : networks) out.push_back(nlohmann::json(n));
  return out;
}

std::string WriteConfig(const TempDir& dir, const std::string& name, const nlohmann::json& cfg) {
  std::string path = dir.File(name);
  testing::WriteFile(path, cfg.dump(2));
  return path;
}

TEST(ExperimentCliTest, QuickstartCompletesWithRightCounts) {
  TempDir dir;
  std::string db = dir.File("q.db");
  auto r = RunCli({"--db", db, "experiment", "run", testing::SourcePath("examples/quickstart.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("completed"), std::string::npos) << r.out;
  // Not a terminal: plain progress lines, each stage ending at 100 %.
  EXPECT_NE(r.err.find("runs: 0/"), std::string::npos) << r.err;
  for (const char* stage : {"runs", "embeddings", "diagrams"}) {
    EXPECT_NE(r.err.find(std::string(stage) + ": "), std::string::npos) << r.err;
  }
  EXPECT_EQ(r.err.find("\033["), std::string::npos) << "no terminal escapes when stderr is not a terminal";
  auto cfg = nlohmann::json::parse(testing::ReadFile(testing::SourcePath("examples/quickstart.json")));
  const int64_t runs = static_cast<int64_t>(cfg["networks"].size() * cfg["seeds"].size() * cfg["prompts"].size());
  const int64_t max_length = cfg["max_length"];
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs"), runs);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs WHERE stop_reason IS NULL OR stop_reason = 'failed'"), 0);
  // Runs that stopped by length have exactly max_length steps; duplicates fewer, ending at the repeat.
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs r WHERE stop_reason = 'length' AND "
                       "(SELECT count(*) FROM invocations i WHERE i.run_id = r.id) != " + std::to_string(max_length)), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs r WHERE stop_reason = 'duplicate' AND "
                       "((SELECT count(*) FROM invocations i WHERE i.run_id = r.id) > " + std::to_string(max_length) +
                       " OR loop_length < 1)"), 0);
  // Unseeded runs never stop early.
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs WHERE seed = -1 AND stop_reason != 'length'"), 0);
  // Sequence numbers are 0..n-1 in every run and each step's input is the previous step.
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs r WHERE (SELECT max(sequence_number) + 1 - count(*) "
                       "FROM invocations i WHERE i.run_id = r.id) != 0"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM invocations a JOIN invocations b ON b.run_id = a.run_id AND "
                       "b.sequence_number = a.sequence_number + 1 WHERE b.input_invocation_id IS NOT a.id"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM experiments WHERE completed_at IS NULL"), 0);

  auto show = RunCli({"--db", db, "--json", "experiment", "show", "latest"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto j = nlohmann::json::parse(show.out);
  EXPECT_EQ(j["runs"]["total"], runs);
  EXPECT_EQ(j["invocations"]["done"], Scalar(db, "SELECT count(*) FROM invocations"));
  EXPECT_EQ(j["invocations"]["done"], j["invocations"]["expected"]);
  EXPECT_EQ(j["status"], "completed");
}

TEST(ExperimentCliTest, SeededConfigIsDeterministic) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, "c.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}})},
                                                {"seeds", {3, 99}},
                                                {"prompts", {"a cat", "the sea"}},
                                                {"embedding_models", {"DummyText"}},
                                                {"max_length", 60}});
  ASSERT_EQ(RunCli({"--db", dir.File("a.db"), "experiment", "run", cfg}).exit_code, 0);
  ASSERT_EQ(RunCli({"--db", dir.File("b.db"), "experiment", "run", cfg}).exit_code, 0);
  RunOutputs a = ReadOutputs(dir.File("a.db"));
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a, ReadOutputs(dir.File("b.db")));
}

struct BadConfig {
  std::string name;
  nlohmann::json config;
  std::string expected;  // a fragment of the message naming the field
};

TEST(ExperimentCliTest, BadConfigsExitTwoAndWriteNothing) {
  const nlohmann::json good = {{"networks", Nets({{"DummyT2I", "DummyI2T"}})},
                               {"seeds", {1}},
                               {"prompts", {"p"}},
                               {"embedding_models", {"DummyText"}},
                               {"max_length", 5}};
  auto with = [&](const std::string& key, const nlohmann::json& v) {
    nlohmann::json c = good;
    c[key] = v;
    return c;
  };
  nlohmann::json renamed = good;
  renamed.erase("networks");
  renamed["network"] = good["networks"];
  std::vector<BadConfig> cases = {
      {"unknown key", renamed, "did you mean 'networks'"},
      {"wrong type", with("max_length", "5"), "max_length"},
      {"empty networks", with("networks", nlohmann::json::array()), "networks: the list is empty"},
      {"empty prompts", with("prompts", nlohmann::json::array()), "prompts: the list is empty"},
      {"empty seeds", with("seeds", nlohmann::json::array()), "seeds: the list is empty"},
      {"zero length", with("max_length", 0), "max_length: 0 is not allowed"},
      {"negative length", with("max_length", -3), "max_length: -3 is not allowed"},
      {"unknown genAI model", with("networks", Nets({{"DummyT2I", "DummyI2X"}})), "networks[0][1]: unknown genAI model 'DummyI2X'"},
      {"unknown embedding model", with("embedding_models", {"DummyTxt"}), "embedding_models[0]: unknown embedding model"},
      {"embedding model in network", with("networks", Nets({{"DummyText"}})), "networks[0][0]: 'DummyText' is an embedding model"},
      {"first model takes images", with("networks", Nets({{"DummyI2T", "DummyT2I"}})), "networks[0]: the first model 'DummyI2T' takes image"},
      {"cannot chain", with("networks", Nets({{"DummyT2I", "DummyT2I2"}})), "networks[0]: cannot chain"},
      {"cannot cycle", with("networks", Nets({{"DummyT2I"}})), "networks[0]: cannot chain"},
      {"bad option", with("options", {{"loop_detection", "fuzzy"}}), "options.loop_detection"},
      // Each option is checked by the layer that declares it (engine/option_schema.h).
      {"bad stage option", with("options", {{"maxdim", 4}}), "options.maxdim: 4 is not allowed (an integer 0..3)"},
      {"bad backend option", with("options", {{"worker_retries", 11}}),
       "options.worker_retries: 11 is not allowed (an integer 0..10)"},
      {"bad registry option", with("options", {{"max_batch", {{"DummyT2I", 0}}}}),
       "options.max_batch.DummyT2I: 0 is not allowed (an integer 1..1048576)"},
      {"unknown option", with("options", {{"maxdims", 2}}),
       "options: unknown key 'maxdims' — did you mean 'maxdim'? (known keys: loop_detection, webp_quality (runs stage)"},
      {"options not an object", with("options", 3), "options: expected an object, got an integer 3"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string cfg = WriteConfig(dir, "bad.json", c.config);
    std::string db = dir.File("never.db");
    auto r = RunCli({"--db", db, "experiment", "run", cfg});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    // One rule: every message about the config starts with its file's name (the field
    // errors of the config layer had none, the engine's checks had it).
    EXPECT_NE(r.err.find("error: " + cfg + ": "), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(db)) << "a rejected config must not create the database";
  }
  // An existing database is left byte for byte as it was.
  std::string db = dir.File("existing.db");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", WriteConfig(dir, "good.json", good)}).exit_code, 0);
  const std::string before = testing::ReadFile(db);
  auto r = RunCli({"--db", db, "experiment", "run", WriteConfig(dir, "bad.json", with("max_length", 0))});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(testing::ReadFile(db), before);
  // Not JSON at all, and a missing file.
  testing::WriteFile(dir.File("garbage.json"), "{networks: oops");
  r = RunCli({"--db", db, "experiment", "run", dir.File("garbage.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
  r = RunCli({"--db", db, "experiment", "run", dir.File("missing.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
  EXPECT_EQ(testing::ReadFile(db), before);
}

TEST(ExperimentCliTest, UsageErrorsAndHelp) {
  EXPECT_EQ(RunCli({"--help"}).exit_code, 0);
  EXPECT_EQ(RunCli({}).exit_code, 2);
  EXPECT_EQ(RunCli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunCli({"experiment", "frob"}).exit_code, 2);
  EXPECT_EQ(RunCli({"experiment", "run"}).exit_code, 2);
  auto r = RunCli({"experiment", "run", "x.json", "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos);
  for (auto cmd : {std::vector<std::string>{"experiment", "run"}, {"experiment", "resume"}, {"experiment", "list"},
                   {"experiment", "show"}, {"experiment", "delete"}, {"run", "list"}, {"run", "show"},
                   {"model", "list"}, {"model", "embed"}}) {
    cmd.push_back("--help");
    auto h = RunCli(cmd);
    EXPECT_EQ(h.exit_code, 0) << cmd[0] << " " << cmd[1];
    EXPECT_NE(h.out.find("usage: panic-tda"), std::string::npos);
  }
  TempDir dir;
  r = RunCli({"--db", dir.File("none.db"), "experiment", "show", "latest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no database"), std::string::npos) << r.err;
}

// The main help's summaries stand in one column, counted in characters: "EXPERIMENT…" is
// 11 wide, not 13 (the "…" is 3 bytes), so those lines used to stand two columns left.
TEST(ExperimentCliTest, MainHelpSummariesStandInOneColumn) {
  auto h = RunCli({"--help"});
  ASSERT_EQ(h.exit_code, 0);
  std::istringstream lines(h.out);
  std::string line;
  int checked = 0, with_ellipsis = 0;
  while (std::getline(lines, line)) {
    const bool ellipsis = line.find("…") != std::string::npos;
    if (!ellipsis && line.rfind("  experiment ", 0) != 0) continue;
    const std::u32string wide = DecodeUtf8(line);
    ASSERT_GT(wide.size(), 37u) << line;
    EXPECT_EQ(wide[35], U' ') << line;
    EXPECT_NE(wide[36], U' ') << "the summary does not start at column 36: " << line;
    ++checked;
    with_ellipsis += ellipsis;
  }
  EXPECT_GE(with_ellipsis, 3) << h.out;
  EXPECT_GE(checked, 8) << h.out;
}

// A noun alone (`panic-tda import`) says what is missing; its commands' summaries stand in
// one column (they used to follow each command at its own width, after a dash).
TEST(ExperimentCliTest, ANounAloneNamesItsCommandsInOneColumn) {
  auto r = RunCli({"import"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("error: 'import' needs a command after it: python, elixir\n"), std::string::npos) << r.err;
  auto h = RunCli({"experiment", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_EQ(h.out.find("error"), std::string::npos) << h.out;
  std::istringstream lines(h.out);
  std::string line;
  std::set<size_t> columns;
  while (std::getline(lines, line)) {
    if (line.rfind("  experiment ", 0) != 0) continue;
    const std::u32string wide = DecodeUtf8(line);
    size_t at = wide.find(U"  ", 2);  // the gap before the summary
    while (at < wide.size() && wide[at] == U' ') ++at;
    columns.insert(at);
  }
  EXPECT_EQ(columns.size(), 1u) << h.out;
  EXPECT_NE(h.out.find("  experiment run CONFIG|ID"), std::string::npos) << h.out;
}

// The stages listed by `experiment run --help` (and resume's) have their descriptions in one
// column, and the list is followed by one blank line, not two.
TEST(ExperimentCliTest, StagesInTheHelpStandInOneColumn) {
  for (const char* verb : {"run", "resume"}) {
    auto h = RunCli({"experiment", verb, "--help"});
    ASSERT_EQ(h.exit_code, 0);
    const size_t from = h.out.find("Stages, in order:\n");
    ASSERT_NE(from, std::string::npos) << h.out;
    std::istringstream lines(h.out.substr(from));
    std::string line;
    std::getline(lines, line);
    std::set<size_t> columns;
    int stages = 0;
    while (std::getline(lines, line) && !line.empty()) {
      const size_t gap = line.find("  ", 2);
      ASSERT_NE(gap, std::string::npos) << line;
      columns.insert(line.find_first_not_of(' ', gap));
      ++stages;
    }
    EXPECT_GE(stages, 5) << h.out;
    EXPECT_EQ(columns.size(), 1u) << h.out;
    EXPECT_EQ(h.out.find("\n\n\n"), std::string::npos) << h.out;
  }
}

// `--format` is listed among the global options: it is accepted before the command too,
// and an unknown option there is called an option, not a command.
TEST(ExperimentCliTest, FormatBeforeTheCommandAndUnknownGlobalOptions) {
  TempDir dir;
  const std::string db = dir.File("f.db");
  std::string cfg = WriteConfig(dir, "c.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})}, {"seeds", {1}},
                                                {"prompts", {"p"}}, {"embedding_models", {"DummyText"}},
                                                {"max_length", 2}});
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", cfg}).exit_code, 0);
  auto before = RunCli({"--db", db, "--format", "json", "experiment", "list"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(nlohmann::json::parse(before.out).size(), 1u) << before.out;
  auto inline_value = RunCli({"--format=json", "--db", db, "experiment", "list"});
  EXPECT_EQ(inline_value.out, before.out);
  EXPECT_EQ(RunCli({"--db", db, "--format", "xml", "experiment", "list"}).exit_code, 2);
  auto unknown = RunCli({"--db", db, "--nope", "experiment", "list"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown option '--nope'"), std::string::npos) << unknown.err;
}

TEST(ExperimentCliTest, ListShowDeleteAndPrefixes) {
  TempDir dir;
  std::string db = dir.File("q.db");
  std::string cfg = WriteConfig(dir, "c.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})}, {"seeds", {1, 2}},
                                                {"prompts", {"p"}}, {"embedding_models", {"DummyText"}},
                                                {"max_length", 4}});
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", cfg}).exit_code, 0);
  auto list = RunCli({"--db", db, "--json", "experiment", "list"});
  ASSERT_EQ(list.exit_code, 0);
  auto experiments = nlohmann::json::parse(list.out);
  ASSERT_EQ(experiments.size(), 1u);
  std::string id = experiments[0]["id"];
  auto runs = nlohmann::json::parse(RunCli({"--db", db, "--json", "run", "list", "--experiment", id.substr(0, 8)}).out);
  ASSERT_EQ(runs.size(), 2u);
  std::string run_id = runs[1]["id"];
  auto show = RunCli({"--db", db, "--json", "run", "show", run_id});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto run = nlohmann::json::parse(show.out);
  EXPECT_EQ(run["invocations"].size(), 4u);
  EXPECT_EQ(run["invocations"][0]["type"], "image");
  EXPECT_EQ(run["invocations"][0]["image_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(run["invocations"][1]["output_text"].get<std::string>().rfind("dummy caption: ", 0), 0u);
  auto text = RunCli({"--db", db, "run", "show", run_id});
  EXPECT_NE(text.out.find("DummyI2T"), std::string::npos);

  auto refused = RunCli({"--db", db, "experiment", "delete", id});  // stdin is /dev/null: no confirmation
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs"), 2);
  ASSERT_EQ(RunCli({"--db", db, "experiment", "delete", id, "--yes"}).exit_code, 0);
  EXPECT_EQ(Scalar(db, "SELECT (SELECT count(*) FROM experiments) + (SELECT count(*) FROM runs) + "
                       "(SELECT count(*) FROM invocations)"), 0);
  EXPECT_EQ(RunCli({"--db", db, "experiment", "show", id}).exit_code, 2);
}

TEST(ExperimentCliTest, EnvironmentChoosesTheDatabase) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, "c.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})}, {"seeds", {1}},
                                                {"prompts", {"p"}}, {"embedding_models", {"DummyText"}},
                                                {"max_length", 2}});
  auto r = RunCli({"experiment", "run", cfg}, "PANIC_TDA_DB=" + testing::ShellQuote(dir.File("env.db")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Scalar(dir.File("env.db"), "SELECT count(*) FROM invocations"), 2);
}

// Polls the database until it holds at least `n` invocations or the child exits.
bool WaitForInvocations(const std::string& db, int64_t n, int pid) {
  for (int i = 0; i < 6000; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return false;
    auto r = testing::RunShell("sqlite3 " + db + " 'SELECT count(*) FROM invocations' 2>/dev/null");
    if (r.exit_code == 0 && !r.out.empty() && std::stoll(r.out) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(ExperimentCliTest, AConfigBeyondTheSizeLimitsIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  std::vector<std::string> prompts;
  for (int p = 0; p < 1000; ++p) prompts.push_back("prompt " + std::to_string(p));
  // 1 network × 1001 seeds × 1000 prompts = 1 001 000 runs, over the 1 000 000 limit.
  std::string cfg = WriteConfig(dir, "big.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})},
                                                  {"seed_count", 1001},
                                                  {"prompts", prompts},
                                                  {"embedding_models", {"DummyText"}},
                                                  {"max_length", 2}});
  auto r = RunCli({"--db", dir.File("big.db"), "experiment", "run", cfg});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("1 networks × 1001 seeds × 1000 prompts is more than 1000000 runs"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("big.db"))) << "nothing may be written";
  // Prompts stored once per run: 10 seeds × 1 prompt of 30 MiB = 300 MiB > 256 MiB.
  std::string huge = WriteConfig(dir, "huge.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})},
                                                    {"seed_count", 10},
                                                    {"prompts", {std::string(30 << 20, 'a')}},
                                                    {"embedding_models", {"DummyText"}},
                                                    {"max_length", 2}});
  r = RunCli({"--db", dir.File("big.db"), "experiment", "run", huge});
  EXPECT_EQ(r.exit_code, 2) << r.err.substr(0, 300);
  EXPECT_NE(r.err.find("exceed 256 MiB"), std::string::npos) << r.err.substr(0, 300);
  EXPECT_FALSE(std::filesystem::exists(dir.File("big.db")));
}

TEST(ExperimentCliTest, KillNineAndResumeEqualsUninterrupted) {
  TempDir dir;
  std::vector<int64_t> seeds;
  for (int s = 1; s <= 8; ++s) seeds.push_back(s);
  std::vector<std::string> prompts;
  for (int p = 0; p < 6; ++p) prompts.push_back("prompt number " + std::to_string(p));
  std::string cfg = WriteConfig(dir, "k.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}, {"DummyT2I2", "DummyI2T2"}})},
                                                {"seeds", seeds},
                                                {"prompts", prompts},
                                                {"embedding_models", {"DummyText"}},
                                                {"max_length", 300}});
  ASSERT_EQ(RunCli({"--db", dir.File("ref.db"), "experiment", "run", cfg, "--stages", "runs"}).exit_code, 0);
  const RunOutputs reference = ReadOutputs(dir.File("ref.db"));
  const int64_t total = Scalar(dir.File("ref.db"), "SELECT count(*) FROM invocations");
  ASSERT_GT(total, 2000);

  // Kill at three points, one per process, then let a last resume finish.
  std::string db = dir.File("k.db");
  int kills = 0;
  for (double fraction : {0.1, 0.4, 0.75}) {
    std::vector<std::string> args = {"--db", db, "experiment"};
    if (kills == 0) args.insert(args.end(), {"run", cfg, "--stages", "runs"});
    else args.insert(args.end(), {"resume", "latest", "--stages", "runs"});
    int pid = testing::SpawnCli(args, dir.File("log"));
    if (WaitForInvocations(db, static_cast<int64_t>(fraction * total), pid)) {
      kill(pid, SIGKILL);
      EXPECT_EQ(testing::WaitChild(pid), 128 + SIGKILL);
      ++kills;
    } else {
      testing::WaitChild(pid);
    }
  }
  EXPECT_GE(kills, 2) << "the experiment finished before it could be killed: make it longer";
  auto done = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "runs"});
  ASSERT_EQ(done.exit_code, 0) << done.err << testing::ReadFile(dir.File("log"));
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM invocations"), total);
  EXPECT_EQ(ReadOutputs(db), reference);
}

TEST(ExperimentCliTest, ShowWorksWhileAnotherProcessWrites) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, "w.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})},
                                                {"seeds", {-1, -1, -1, -1}},
                                                {"prompts", {"a", "b", "c", "d"}},
                                                {"embedding_models", {"DummyText"}},
                                                {"max_length", 400}});
  std::string db = dir.File("w.db");
  int pid = testing::SpawnCli({"--db", db, "experiment", "run", cfg, "--stages", "runs"}, dir.File("log"));
  ASSERT_TRUE(WaitForInvocations(db, 100, pid)) << testing::ReadFile(dir.File("log"));
  int shows = 0;
  int64_t last_done = -1;
  bool increased = false;
  while (waitpid(pid, nullptr, WNOHANG) == 0 && shows < 200) {
    auto r = RunCli({"--db", db, "--json", "experiment", "show", "latest"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    int64_t done = nlohmann::json::parse(r.out)["invocations"]["done"];
    EXPECT_GE(done, last_done);
    if (last_done >= 0 && done > last_done) increased = true;
    last_done = done;
    ++shows;
  }
  EXPECT_GT(shows, 1);
  EXPECT_TRUE(increased) << "show should see the writer's progress";
  kill(pid, SIGKILL);
  testing::WaitChild(pid);
}

TEST(ExperimentCliTest, CtrlCStopsCleanlyAndResumeFinishes) {
  TempDir dir;
  std::string cfg = WriteConfig(dir, "i.json", {{"networks", Nets({{"DummyT2I", "DummyI2T"}})},
                                                {"seeds", {-1, -1, -1, -1}},
                                                {"prompts", {"a", "b"}},
                                                {"embedding_models", {"DummyText"}},
                                                {"max_length", 2000}});
  std::string db = dir.File("i.db");
  int pid = testing::SpawnCli({"--db", db, "experiment", "run", cfg, "--stages", "runs", "--sync", "normal"}, dir.File("log"));
  ASSERT_TRUE(WaitForInvocations(db, 200, pid)) << testing::ReadFile(dir.File("log"));
  kill(pid, SIGINT);
  EXPECT_EQ(testing::WaitChild(pid), 130);
  std::string log = testing::ReadFile(dir.File("log"));
  EXPECT_NE(log.find("experiment resume"), std::string::npos) << log;
  const int64_t at_stop = Scalar(db, "SELECT count(*) FROM invocations");
  EXPECT_LT(at_stop, 8 * 2000);
  // Every step that was started was committed whole: runs stand at most one step apart.
  EXPECT_LE(Scalar(db, "SELECT max(n) - min(n) FROM (SELECT count(*) AS n FROM invocations GROUP BY run_id)"), 1);
  auto done = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "runs", "--sync", "normal"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM invocations"), 8 * 2000);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM runs WHERE stop_reason = 'length'"), 8);
}

}  // namespace
}  // namespace panic
