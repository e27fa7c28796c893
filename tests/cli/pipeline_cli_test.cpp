// The full pipeline from the CLI: deterministic crashes (the PANIC_TDA_FAULT seam) inside
// every stage, resume, and compare with an uninterrupted run; `run diagram`; `--stages`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

#include "panic/store/schema.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::TempDir;

int64_t Scalar(const std::string& db, const std::string& sql) {
  auto r = testing::RunShell("sqlite3 " + db + " " + testing::ShellQuote(sql) + " 2>/dev/null");
  return r.exit_code == 0 && !r.out.empty() ? std::stoll(r.out) : -1;
}

// Everything the embeddings and diagrams stages wrote, keyed so that two databases of
// the same seeded config compare equal: (run_number, step, model) → hex of the vector,
// (run_number, model) → hex of the NPZ blob.
std::string Dump(const std::string& db) {
  auto r = testing::RunShell(
      "sqlite3 " + db + " \"SELECT r.run_number, i.sequence_number, e.embedding_model, hex(e.vector) FROM embeddings e "
      "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id ORDER BY 1, 2, 3; "
      "SELECT r.run_number, d.embedding_model, hex(d.diagram_data), d.error FROM persistence_diagrams d "
      "JOIN runs r ON r.id = d.run_id ORDER BY 1, 2\"");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

// The crash seam of the store (PANIC_TDA_FAULT): the process exits with 86 right before or
// right after its N-th write commit, so a crash lands at an exact point, not a raced one.
constexpr int kFaultExit = 86;

testing::CommandResult RunWithFault(const std::vector<std::string>& args, const std::string& fault) {
  return RunCli(args, fault.empty() ? "" : "PANIC_TDA_FAULT=" + fault);
}

bool HaveFaultSeam(const TempDir& dir) {
  testing::WriteFile(dir.File("probe.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1],
      "prompts": ["p"], "embedding_models": ["DummyText"], "max_length": 4})");
  return RunWithFault({"--db", dir.File("probe.db"), "experiment", "run", dir.File("probe.json")}, "after_commit:1")
             .exit_code == kFaultExit;
}

constexpr const char* kFaultConfig = R"({
  "networks": [["DummyT2I", "DummyI2T"], ["DummyT2I2", "DummyI2T2"]], "seeds": [1, 2, 3], "prompts": ["a prompt"],
  "embedding_models": ["DummyText", "DummyVision"], "max_length": 40,
  "options": {"loop_detection": "off", "maxdim": 1, "embedding_batch_size": 4}
})";

// Counts that tell which stage a crash interrupted.
struct Progress {
  int64_t invocations, embeddings, diagrams;
  bool operator==(const Progress&) const = default;
};
Progress Read(const std::string& db) {
  return {Scalar(db, "SELECT count(*) FROM invocations"), Scalar(db, "SELECT count(*) FROM embeddings"),
          Scalar(db, "SELECT count(*) FROM persistence_diagrams")};
}

TEST(PipelineCliTest, DieAfterNCommitsInEveryStageThenResumeEqualsUninterrupted) {
  TempDir dir;
  if (!HaveFaultSeam(dir)) GTEST_SKIP() << "this build has no PANIC_TDA_FAULT seam";
  testing::WriteFile(dir.File("c.json"), kFaultConfig);
  ASSERT_EQ(RunCli({"--db", dir.File("ref.db"), "experiment", "run", dir.File("c.json")}).exit_code, 0);
  const std::string reference = Dump(dir.File("ref.db"));
  const Progress full = Read(dir.File("ref.db"));
  ASSERT_EQ(full, (Progress{6 * 40, 6 * 40, 12}));

  // Stage by stage (--stages), crashing before and after commits inside each stage; every
  // process counts its own commits from 1, and the first process's first commits are the
  // schema migrations (one each), so its crash points are counted after them.
  const int migrations = store::LatestSchemaVersion();
  auto after_migrations = [&](const char* kind, int n) { return std::string(kind) + std::to_string(migrations + n); };
  const std::string db = dir.File("k.db");
  struct Crash {
    std::string stages, fault;
  };
  const std::vector<Crash> crashes = {
      {"runs", after_migrations("after_commit:", 2)}, {"runs", "before_commit:9"},       {"runs", "after_commit:25"},
      {"runs", ""},                      {"embeddings", "after_commit:3"}, {"embeddings", "before_commit:10"},
      {"embeddings", "after_commit:8"},  {"embeddings", ""},               {"diagrams", "after_commit:4"},
      {"diagrams", "before_commit:6"},
  };
  Progress before{0, 0, 0};
  bool first = true;
  for (const auto& c : crashes) {
    std::vector<std::string> args = {"--db", db, "experiment"};
    if (first) args.insert(args.end(), {"run", dir.File("c.json")});
    else args.insert(args.end(), {"resume", "latest"});
    args.insert(args.end(), {"--stages", c.stages});
    first = false;
    auto r = RunWithFault(args, c.fault);
    const Progress now = Read(db);
    if (c.fault.empty()) {
      ASSERT_EQ(r.exit_code, 0) << c.stages << ": " << r.err;
    } else {
      ASSERT_EQ(r.exit_code, kFaultExit) << c.stages << " " << c.fault << " did not crash: " << r.err;
      // The crash landed inside the stage: it had written some and not all of its rows.
      if (c.stages == "runs") {
        EXPECT_LT(now.invocations, full.invocations) << c.fault;
        EXPECT_EQ(now.embeddings, 0);
      } else if (c.stages == "embeddings") {
        EXPECT_EQ(now.invocations, full.invocations);
        EXPECT_LT(now.embeddings, full.embeddings) << c.fault;
      } else {
        EXPECT_EQ(now.embeddings, full.embeddings);
        EXPECT_LT(now.diagrams, full.diagrams) << c.fault;
      }
    }
    EXPECT_TRUE(now.invocations >= before.invocations && now.embeddings >= before.embeddings &&
                now.diagrams >= before.diagrams);
    before = now;
  }
  EXPECT_GT(before.diagrams, 0) << "the diagrams crashes came after some diagrams";

  // The whole pipeline at once (the stages that follow runs interleave with them), crashing
  // at commits spread over it, in a second database.
  const std::string db2 = dir.File("k2.db");
  first = true;
  std::vector<Progress> seen;
  for (const std::string& fault :
       {after_migrations("after_commit:", 3), after_migrations("after_commit:", 18),
        after_migrations("before_commit:", 18), after_migrations("after_commit:", 38),
        after_migrations("after_commit:", 58)}) {
    std::vector<std::string> args = {"--db", db2, "experiment"};
    if (first) args.insert(args.end(), {"run", dir.File("c.json")});
    else args.insert(args.end(), {"resume", "latest"});
    first = false;
    auto r = RunWithFault(args, fault);
    if (r.exit_code == 0) break;  // finished before the fault
    ASSERT_EQ(r.exit_code, kFaultExit) << fault << ": " << r.err;
    seen.push_back(Read(db2));
  }
  ASSERT_GE(seen.size(), 3u);
  EXPECT_GT(seen.back().embeddings, 0) << "crashes landed after the embeddings had started";

  for (const std::string& d : {db, db2}) {
    auto done = RunCli({"--db", d, "experiment", "resume", "latest"});
    ASSERT_EQ(done.exit_code, 0) << done.err;
    EXPECT_EQ(Dump(d), reference) << d << ": vectors and diagrams must equal an uninterrupted run's";
    auto show = nlohmann::json::parse(RunCli({"--db", d, "--json", "experiment", "show", "latest"}).out);
    EXPECT_EQ(show["status"], "completed");
    for (const char* m : {"DummyText", "DummyVision"}) {
      const auto& p = show["embedding_models_progress"][m];
      EXPECT_EQ(p["embeddings"]["done"], 120) << m;
      EXPECT_EQ(p["embeddings"]["expected"], 120) << m;
      EXPECT_EQ(p["diagrams"]["done"], 6) << m;
      EXPECT_EQ(p["diagrams"]["expected"], 6) << m;
    }
  }
}

TEST(PipelineCliTest, RunDiagramPrintsTheStoredDiagram) {
  TempDir dir;
  std::string db = dir.File("d.db");
  testing::WriteFile(dir.File("c.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"],
      "embedding_models": ["DummyText", "DummyVision"], "max_length": 30, "options": {"loop_detection": "off"}})");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", dir.File("c.json")}).exit_code, 0);
  std::string run_id = nlohmann::json::parse(RunCli({"--db", db, "--json", "run", "list"}).out)[0]["id"];
  auto ambiguous = RunCli({"--db", db, "run", "diagram", run_id});
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_NE(ambiguous.err.find("--model"), std::string::npos);
  auto j = RunCli({"--db", db, "run", "diagram", run_id, "--model", "DummyText", "--format", "json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto d = nlohmann::json::parse(j.out);
  ASSERT_EQ(d["dimensions"].size(), 3u);
  // 15 text points: H0 has 15 bars, one of them essential (death null, as `tda ph` gives it).
  EXPECT_EQ(d["dimensions"][0]["dim"], 0);
  EXPECT_EQ(d["dimensions"][0]["bars"].size(), 15u);
  int essential = 0;
  for (const auto& bar : d["dimensions"][0]["bars"]) essential += bar[1].is_null();
  EXPECT_EQ(essential, 1);
  EXPECT_TRUE(d["dimensions"][2]["entropy"].is_number());
  auto text = RunCli({"--db", db, "run", "diagram", run_id, "--model", "DummyVision"});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("# H0: "), std::string::npos);
  EXPECT_EQ(RunCli({"--db", db, "run", "diagram", run_id, "--model", "Nope"}).exit_code, 2);
  auto show = RunCli({"--db", db, "--json", "run", "show", run_id});
  auto steps = nlohmann::json::parse(show.out)["invocations"];
  EXPECT_EQ(steps[0]["embedded_by"], nlohmann::json({"DummyVision"}));
  EXPECT_EQ(steps[1]["embedded_by"], nlohmann::json({"DummyText"}));
}

TEST(PipelineCliTest, StagesOptionStopsAfterAStage) {
  TempDir dir;
  std::string db = dir.File("s.db");
  testing::WriteFile(dir.File("c.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [5], "prompts": ["p"],
      "embedding_models": ["DummyText"], "max_length": 10})");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", dir.File("c.json"), "--stages", "runs,embeddings"}).exit_code, 0);
  EXPECT_GT(Scalar(db, "SELECT count(*) FROM embeddings"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persistence_diagrams"), 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM experiments WHERE completed_at IS NULL"), 1);
  auto bad = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "runs,plots"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown stage 'plots'"), std::string::npos);
  ASSERT_EQ(RunCli({"--db", db, "experiment", "resume", "latest"}).exit_code, 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persistence_diagrams"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM experiments WHERE completed_at IS NULL"), 0);
}

}  // namespace
}  // namespace panic
