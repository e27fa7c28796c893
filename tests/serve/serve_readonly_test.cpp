// `serve` never writes: an older database and a foreign file stay byte-identical, the
// binding rule, and reading while an experiment writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "panic/core/sha256.h"
#include "serve/serve_fixture.h"

namespace panic::testing {
namespace {

std::string FileSha(const std::string& path) { return Sha256Hex(ReadFile(path)); }

// Asks every kind of endpoint of the database's first experiment and its first run; returns
// how many answered 200.
int AskEverything(const ServedDatabase& s) {
  int ok = 0;
  auto count = [&](const std::string& path) {
    auto res = s.Get(path);
    if (res && res->status == 200) ++ok;
    else ADD_FAILURE() << path << ": " << (res ? std::to_string(res->status) + " " + res->body : "no response");
  };
  auto list = s.GetJson("/api/experiments");
  if (!list.is_array() || list.empty()) return ok;
  const std::string exp = list[0]["id"];
  count("/api/experiments/" + exp);
  auto runs = s.GetJson("/api/experiments/" + exp + "/runs?sort=length&order=desc");
  if (runs["runs"].empty()) return ok;
  const std::string run = runs["runs"][0]["id"];
  auto shown = s.GetJson("/api/runs/" + run);
  count("/api/runs/" + run + "/diagrams");
  count("/api/runs/" + run + "/drift");
  count("/api/clusters");
  for (const auto& step : shown["invocations"]) {
    if (step["type"] == "image") count("/api/images/" + step["id"].get<std::string>());
  }
  count("/");
  return ok;
}

TEST(ServeReadOnlyTest, AnOlderDatabaseStaysByteIdentical) {
  TempDir tmp;
  const std::string db = tmp.File("v2.db");
  std::filesystem::copy_file(SourcePath("tests/fixtures/v2_release/panic_tda_v2.db"), db);
  const std::string before = FileSha(db);
  {
    ServedDatabase s(db);
    ASSERT_TRUE(s.ok()) << s.error();
    EXPECT_GE(AskEverything(s), 8);  // 6 images of a schema-2 file, read through the compatibility views
  }
  EXPECT_EQ(FileSha(db), before) << "the schema-2 file was written";
  CommandResult versions = RunShell("sqlite3 " + ShellQuote(db) + " 'SELECT group_concat(version) FROM schema_version'");
  EXPECT_EQ(versions.out, "1,2\n") << "serve migrated the file";
}

TEST(ServeReadOnlyTest, AForeignFileIsRefusedUntouched) {
  TempDir tmp;
  const std::string db = tmp.File("other.db");
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(db) + " 'CREATE TABLE notes(x); INSERT INTO notes VALUES (1)'").exit_code, 0);
  const std::string before = FileSha(db);
  serve::ServeOptions options;
  options.db_path = db;
  options.port = 0;
  auto server = serve::DashboardServer::Create(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument) << server.status().ToString();
  EXPECT_EQ(FileSha(db), before);
  CommandResult cli = RunCli({"--db", db, "serve", "--port", "0"});
  EXPECT_EQ(cli.exit_code, 2) << cli.err;
  EXPECT_EQ(FileSha(db), before);
  CommandResult missing = RunCli({"--db", tmp.File("none.db"), "serve", "--port", "0"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(tmp.File("none.db"))) << "serve created a database";
}

TEST(ServeReadOnlyTest, RemoteHostNeedsAllowRemote) {
  for (const char* host : {"0.0.0.0", "::", "192.168.1.2", "example.org"}) {
    CommandResult r = RunCli({"--db", "/nonexistent.db", "serve", "--host", host, "--port", "0"});
    EXPECT_EQ(r.exit_code, 2) << host << ": " << r.err;
    EXPECT_NE(r.err.find("--allow-remote"), std::string::npos) << host << ": " << r.err;
  }
  EXPECT_TRUE(serve::IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(serve::IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(serve::IsLoopbackHost("::1"));
  EXPECT_TRUE(serve::IsLoopbackHost("localhost"));
  EXPECT_FALSE(serve::IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(serve::IsLoopbackHost("0.0.0.0"));
  EXPECT_EQ(RunCli({"serve", "--port", "70000"}).exit_code, 2);
  EXPECT_EQ(RunCli({"serve", "--threads", "0"}).exit_code, 2);
}

TEST(ServeReadOnlyTest, AllowRemoteWarnsAndCtrlCStops) {
  TempDir tmp;
  const std::string db = tmp.File("d.db");
  ASSERT_EQ(MakeDashboardDatabase(db, tmp.path().string(), 4), "");
  const std::string log = tmp.File("serve.log");
  const int pid = SpawnCli({"--db", db, "serve", "--host", "0.0.0.0", "--allow-remote", "--port", "0"}, log);
  std::string text;
  for (int i = 0; i < 200 && text.find("serving") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = ReadFile(log);
  }
  EXPECT_NE(text.find("warning: serving"), std::string::npos) << text;
  EXPECT_NE(text.find("no authentication"), std::string::npos) << text;
  EXPECT_NE(text.find("http://0.0.0.0:"), std::string::npos) << text;
  kill(pid, SIGINT);
  EXPECT_EQ(WaitChild(pid), 130);
}

// The experiment of the list whose first prompt is "one".
const nlohmann::json& Live(const nlohmann::json& list) {
  return list[0]["prompts"][0] == "one" ? list[0] : list[1];
}

// An experiment writes (another process) while the server answers: every answer is 200 and
// the progress it reports only grows, up to completion.
TEST(ServeReadOnlyTest, ReadsWhileAnExperimentWrites) {
  TempDir tmp;
  const std::string db = tmp.File("live.db");
  // A first, small experiment makes the file; the second one is written while we read.
  ASSERT_EQ(MakeDashboardDatabase(db, tmp.path().string(), 4), "");
  nlohmann::json c = {{"networks", nlohmann::json::array({nlohmann::json::array({"DummyT2I", "DummyI2T"})})},
                      {"seeds", {1, 2, 3, 4}},
                      {"prompts", {"one", "two"}},
                      {"embedding_models", {"DummyText"}},
                      {"max_length", 200},
                      {"options", {{"loop_detection", "off"}}}};
  WriteFile(tmp.File("big.json"), c.dump());
  ServedDatabase s(db);
  ASSERT_TRUE(s.ok()) << s.error();
  const int pid = SpawnCli({"--db", db, "experiment", "run", tmp.File("big.json")}, tmp.File("writer.log"));
  std::vector<int64_t> seen;
  int answers = 0;
  bool writer_done = false;
  for (int i = 0; i < 3000 && !writer_done; ++i) {
    auto list = s.GetJson("/api/experiments");
    ++answers;
    if (list.size() == 2) {
      const auto& live = Live(list);
      seen.push_back(live["invocations"].get<int64_t>());
      writer_done = live["status"] == "completed";
      const std::string id = live["id"];
      s.GetJson("/api/experiments/" + id);
      s.GetJson("/api/experiments/" + id + "/runs?sort=length&order=desc&per_page=5");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(WaitChild(pid), 0) << ReadFile(tmp.File("writer.log"));
  ASSERT_FALSE(seen.empty());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
  auto final_list = s.GetJson("/api/experiments");
  EXPECT_EQ(Live(final_list)["status"], "completed");
  EXPECT_EQ(Live(final_list)["invocations"], 8 * 200);
  std::set<int64_t> distinct(seen.begin(), seen.end());
  EXPECT_GE(distinct.size(), 2u) << "no progress seen between " << answers << " answers";
}

}  // namespace
}  // namespace panic::testing
