// The full pipeline from the CLI: kill -9 inside the embeddings and the diagrams
// stages, resume, and compare with an uninterrupted run; `run diagram`; `--stages`.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <thread>

#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::TempDir;

constexpr const char* kConfig = R"({
  "networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2, 3, 4, 5, 6, 7, 8], "prompts": ["a prompt"],
  "embedding_models": ["DummyText", "DummyVision", "DummyText2", "DummyVision2"], "max_length": 600,
  "options": {"loop_detection": "off", "maxdim": 2}
})";

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

// Runs `args` in the background and kills it with SIGKILL once `sql` counts ≥ n.
// Returns whether it was killed (false: it finished first).
bool KillWhen(const std::vector<std::string>& args, const std::string& db, const std::string& sql, int64_t n,
              const std::string& log) {
  int pid = testing::SpawnCli(args, log);
  for (int i = 0; i < 12000; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return false;
    if (Scalar(db, sql) >= n) {
      kill(pid, SIGKILL);
      EXPECT_EQ(testing::WaitChild(pid), 128 + SIGKILL);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  testing::WaitChild(pid);
  return false;
}

TEST(PipelineCliTest, KillInsideEmbeddingsAndDiagramsThenResumeEqualsUninterrupted) {
  TempDir dir;
  testing::WriteFile(dir.File("c.json"), kConfig);
  ASSERT_EQ(RunCli({"--db", dir.File("ref.db"), "experiment", "run", dir.File("c.json")}).exit_code, 0);
  const std::string reference = Dump(dir.File("ref.db"));
  const int64_t embeddings = Scalar(dir.File("ref.db"), "SELECT count(*) FROM embeddings");
  ASSERT_EQ(embeddings, 4 * (8 * 600 / 2));  // 4 models, each over half of the 4800 outputs
  ASSERT_EQ(Scalar(dir.File("ref.db"), "SELECT count(*) FROM persistence_diagrams WHERE diagram_data IS NOT NULL"), 32);

  const std::string db = dir.File("k.db");
  ASSERT_EQ(RunCli({"--db", db, "experiment", "run", dir.File("c.json"), "--stages", "runs"}).exit_code, 0);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embeddings"), 0);
  // Inside the embeddings stage.
  bool killed = KillWhen({"--db", db, "experiment", "resume", "latest"}, db, "SELECT count(*) FROM embeddings",
                         embeddings / 4, dir.File("log"));
  ASSERT_TRUE(killed) << "finished before the kill";
  const int64_t at_kill = Scalar(db, "SELECT count(*) FROM embeddings");
  EXPECT_LT(at_kill, embeddings);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM persistence_diagrams"), 0);
  // Inside the diagrams stage.
  killed = KillWhen({"--db", db, "experiment", "resume", "latest"}, db, "SELECT count(*) FROM persistence_diagrams", 3,
                    dir.File("log"));
  ASSERT_TRUE(killed) << "finished before the kill";
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embeddings"), embeddings);
  EXPECT_LT(Scalar(db, "SELECT count(*) FROM persistence_diagrams"), 32);

  auto done = RunCli({"--db", db, "experiment", "resume", "latest"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Dump(db), reference) << "vectors and diagrams must equal an uninterrupted run's";
  auto show = nlohmann::json::parse(RunCli({"--db", db, "--json", "experiment", "show", "latest"}).out);
  EXPECT_EQ(show["status"], "completed");
  for (const char* m : {"DummyText", "DummyVision", "DummyText2", "DummyVision2"}) {
    const auto& p = show["embedding_models_progress"][m];
    EXPECT_EQ(p["embeddings"]["done"], 2400) << m;
    EXPECT_EQ(p["embeddings"]["expected"], 2400) << m;
    EXPECT_EQ(p["diagrams"]["done"], 8) << m;
    EXPECT_EQ(p["diagrams"]["expected"], 8) << m;
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
