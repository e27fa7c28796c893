// One live writer per experiment, across processes.
#include "panic/store/writer_lease.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "panic/store/database.h"
#include "panic/store/experiment_delete.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "store/store_test_fixtures.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::SpawnCli;
using testing::WaitChild;
using testing::WriteFile;
using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::string db = dir.File("a.db");
  std::unique_ptr<Database> store;
  std::string id;

  Fixture() {
    store = std::move(Database::Open(db, OpenMode::kCreate)).value();
    ExperimentRecord e = MakeTestExperiment(3);
    e.networks = {{"DummyT2I", "DummyI2T"}};
    e.seeds = {1};
    e.prompts = {"a red balloon"};
    e.embedding_models = {"DummyText"};
    auto runs = MakeTestRuns(e, 1);
    runs[0].initial_prompt = "a red balloon";
    EXPECT_TRUE(store->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, e, runs); }).ok());
    id = e.id;
  }

  void PutLease(int64_t pid, const std::string& host, const std::string& heartbeat) {
    auto q = store->connection().Prepare(
        "INSERT OR REPLACE INTO writer_leases VALUES (?, 'someone-else', ?, ?, '2026-01-01T00:00:00.000Z', " +
        heartbeat + ")");
    ASSERT_TRUE(q.ok());
    (*q)->Bind(1, id).Bind(2, pid).Bind(3, host);
    ASSERT_TRUE((*q)->Run().ok());
  }
  int64_t LeaseRows() { return *(*store->connection().Prepare("SELECT count(*) FROM writer_leases"))->ScalarInt(); }
};

const std::string kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

TEST(WriterLeaseTest, SecondWriterProcessIsRefusedReadersAreNot) {
  Fixture f;
  auto lease = WriterLease::Acquire(*f.store, f.id);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  const std::string holder = "experiment " + f.id + " is being run by process " + std::to_string(::getpid()) +
                             " on " + LocalHostName() + " since 20";
  // Another process: resume and delete exit 1 saying who holds it; nothing is written.
  auto resume = RunCli({"--db", f.db, "experiment", "resume", f.id});
  EXPECT_EQ(resume.exit_code, 1) << resume.err;
  EXPECT_NE(resume.err.find(holder), std::string::npos) << resume.err;
  auto del = RunCli({"--db", f.db, "experiment", "delete", f.id, "--yes"});
  EXPECT_EQ(del.exit_code, 1) << del.err;
  EXPECT_NE(del.err.find(holder), std::string::npos) << del.err;
  EXPECT_TRUE(store::experiments::Get(f.store->connection(), f.id).ok());
  EXPECT_TRUE(store::invocations::CountsByRun(f.store->connection(), f.id)->empty());
  // Readers go on.
  auto show = RunCli({"--db", f.db, "experiment", "show", f.id});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  auto list = RunCli({"--db", f.db, "run", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  // A second lease in this very process is refused too.
  auto second = WriterLease::Acquire(*f.store, f.id);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
  // Released: the other process runs it.
  lease->reset();
  EXPECT_EQ(f.LeaseRows(), 0);
  resume = RunCli({"--db", f.db, "experiment", "resume", f.id, "--stages", "runs"});
  EXPECT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_EQ(store::invocations::CountsByRun(f.store->connection(), f.id)->size(), 1u);
  EXPECT_EQ(f.LeaseRows(), 0);  // released at exit
}

TEST(WriterLeaseTest, LeaseOfADeadProcessOnThisHostIsTakenOver) {
  Fixture f;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // reaped: that pid is gone
  f.PutLease(child, LocalHostName(), kNow);
  auto live = LiveWriter(*f.store, f.id);
  ASSERT_TRUE(live.ok());
  EXPECT_FALSE(live->has_value());
  auto lease = WriterLease::Acquire(*f.store, f.id);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ((*lease)->took_over(), "took over the writer lease of experiment " + f.id + " from process " +
                                       std::to_string(child) + " on " + LocalHostName() +
                                       " (since 2026-01-01T00:00:00.000Z): that process has ended");
  auto q = *f.store->connection().Prepare("SELECT pid, token FROM writer_leases");
  ASSERT_TRUE(*q->Step());
  EXPECT_EQ(q->Int(0), ::getpid());
  EXPECT_EQ(q->Text(1), (*lease)->token());
  q->Reset();
}

// The state letter of /proc/PID/stat ('R', 'S', 'Z', …), or 0 when there is none.
char ProcState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : 0;
}

// A real writer process: refused while it runs; SIGKILLed (and not yet reaped by its
// parent, a zombie, as under a busy mpirun), its lease is taken over at once, saying so.
TEST(WriterLeaseTest, AKilledWriterIsTakenOverAtOnceALiveOneIsRefused) {
  TempDir dir;
  const std::string db = dir.File("w.db");
  WriteFile(dir.File("cfg.json"),
            R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2], "prompts": ["a red fox"],
                "embedding_models": ["DummyText"], "max_length": 100000, "options": {"loop_detection": "off"}})");
  const int child = SpawnCli({"--db", db, "experiment", "run", dir.File("cfg.json"), "--threads", "1"},
                             dir.File("child.log"));
  ASSERT_GT(child, 0);
  struct KillAtEnd {  // never leave the writer running, whatever fails below
    int pid;
    bool reaped = false;
    ~KillAtEnd() {
      if (reaped) return;
      ::kill(pid, SIGKILL);
      WaitChild(pid);
    }
  } guard{child};
  // Wait for its lease (the database and the experiment exist then).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t holder = 0;
  while (holder != child && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = RunShell("sqlite3 " + ShellQuote(db) + " 'SELECT pid FROM writer_leases' 2>/dev/null");
    holder = r.out.empty() ? 0 : std::stoll(r.out);
  }
  ASSERT_EQ(holder, child) << ReadFile(dir.File("child.log"));
  // Alive: refused, naming it; its lease stays.
  auto refused = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "prompt_embeddings"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("is being run by process " + std::to_string(child) + " on " + LocalHostName()),
            std::string::npos)
      << refused.err;
  EXPECT_NE(ProcState(child), 'Z');
  // Killed, and left unreaped: a zombie, which kill(pid, 0) still finds.
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  while (ProcState(child) != 'Z' && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(ProcState(child), 'Z');
  ASSERT_EQ(::kill(child, 0), 0);
  auto resumed = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "prompt_embeddings"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("note: took over the writer lease of experiment "), std::string::npos) << resumed.err;
  EXPECT_NE(resumed.err.find(" from process " + std::to_string(child) + " on " + LocalHostName() + " (since 20"),
            std::string::npos)
      << resumed.err;
  EXPECT_NE(resumed.err.find("): that process has ended"), std::string::npos) << resumed.err;
  EXPECT_EQ(WaitChild(child), 128 + SIGKILL);
  guard.reaped = true;
  // Released at its exit; reaped, the next writer finds no lease at all and says nothing.
  EXPECT_EQ(RunShell("sqlite3 " + ShellQuote(db) + " 'SELECT count(*) FROM writer_leases'").out, "0\n");
  auto again = RunCli({"--db", db, "experiment", "resume", "latest", "--stages", "prompt_embeddings"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("took over"), std::string::npos) << again.err;
}

TEST(WriterLeaseTest, ALiveLeaseElsewhereHoldsUntilItsHeartbeatIsStale) {
  Fixture f;
  // Another host's writer with a fresh heartbeat: we cannot see its pid, so it holds.
  f.PutLease(4242, "another-host", kNow);
  auto refused = WriterLease::Acquire(*f.store, f.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("is being run by process 4242 on another-host since "
                                            "2026-01-01T00:00:00.000Z"),
            std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(store::DeleteExperiment(*f.store, f.id).ok());
  // Its heartbeat older than the timeout: a crashed writer, taken over.
  f.PutLease(4242, "another-host", "'2026-01-01T00:00:00.000Z'");
  auto taken = WriterLease::Acquire(*f.store, f.id);
  ASSERT_TRUE(taken.ok());
  EXPECT_NE((*taken)->took_over().find("from process 4242 on another-host (since 2026-01-01T00:00:00.000Z): its "
                                       "last heartbeat was "),
            std::string::npos)
      << (*taken)->took_over();
  taken->reset();
  // A live pid on this host (ours) with an ancient heartbeat is stale too (pid reuse).
  f.PutLease(::getpid(), LocalHostName(), "'2000-01-01T00:00:00Z'");
  EXPECT_FALSE(LiveWriter(*f.store, f.id)->has_value());
  // A stale lease does not stop a delete.
  EXPECT_TRUE(store::DeleteExperiment(*f.store, f.id).ok());
}

TEST(WriterLeaseTest, HeartbeatRenewsAndNoticesALostLease) {
  Fixture f;
  LeaseOptions options;
  options.heartbeat_every_s = 0.02;
  auto lease = std::move(WriterLease::Acquire(*f.store, f.id, options)).value();
  auto heartbeat = [&] {
    auto q = *f.store->connection().Prepare("SELECT heartbeat_at FROM writer_leases");
    std::string at = *q->Step() ? q->Text(0) : "";
    q->Reset();
    return at;
  };
  const std::string first = heartbeat();
  ASSERT_FALSE(first.empty());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (heartbeat() == first && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(heartbeat(), first);
  EXPECT_FALSE(lease->lost());
  // Someone took it over (as after a stall longer than the timeout): the holder learns it.
  f.PutLease(4242, "another-host", kNow);
  while (!lease->lost() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(lease->lost());
  lease.reset();  // does not release the other holder's lease
  EXPECT_EQ(f.LeaseRows(), 1);
}

}  // namespace
}  // namespace panic::store
