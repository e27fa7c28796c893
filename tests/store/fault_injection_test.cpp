// The fault-injection seam: PANIC_TDA_FAULT=before_commit:N / after_commit:N /
// sigint_after_open / sigterm_after_open.
#include "panic/store/fault_injection.h"

#include <gtest/gtest.h>

#include <csignal>

#include "panic/store/schema.h"
#include "panic/store/sqlite_db.h"
#include "support/test_support.h"

namespace panic::store {
namespace {

using testing::TempDir;

TEST(FaultSpecTest, Parses) {
  auto never = ParseFaultSpec("");
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(never->when, FaultPlan::When::kNever);
  auto before = ParseFaultSpec("before_commit:3");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->when, FaultPlan::When::kBeforeCommit);
  EXPECT_EQ(before->commit, 3);
  auto after = ParseFaultSpec("after_commit:12");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->when, FaultPlan::When::kAfterCommit);
  EXPECT_EQ(after->commit, 12);
  auto sigint = ParseFaultSpec("sigint_after_open");
  ASSERT_TRUE(sigint.ok());
  EXPECT_EQ(sigint->when, FaultPlan::When::kSignalAfterOpen);
  EXPECT_EQ(sigint->signal, SIGINT);
  auto sigterm = ParseFaultSpec("sigterm_after_open");
  ASSERT_TRUE(sigterm.ok());
  EXPECT_EQ(sigterm->signal, SIGTERM);
  for (const char* bad : {"after_commit", "after_commit:", "after_commit:0", "after_commit:-1", "after_commit:2x",
                          "during_commit:1", "before_commit:99999999999999999999", "1", "sigint_after_open:1",
                          "sighup_after_open"}) {
    auto r = ParseFaultSpec(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("before_commit:N or after_commit:N"), std::string::npos);
  }
}

// The row counts of every table (a missing table counts -1), as one string.
std::string Census(const std::string& db_path) {
  if (!std::filesystem::exists(db_path)) return "no file";
  SqliteDb::Options options;
  options.read_only = true;
  auto db = SqliteDb::Open(db_path, options);
  if (!db.ok()) return db.status().ToString();
  std::string out;
  for (const char* t : {"schema_version", "experiments", "runs", "invocations", "embeddings", "persistence_diagrams",
                        "writer_leases"}) {
    auto q = (*db)->Prepare(std::string("SELECT count(*) FROM ") + t);
    out += std::string(t) + "=" + (q.ok() ? std::to_string(*(*q)->ScalarInt()) : "-1") + " ";
  }
  return out;
}

testing::CommandResult RunWithFault(const std::string& db, const std::string& fault) {
  return testing::RunCli({"--db", db, "experiment", "run", testing::SourcePath("examples/quickstart.json"), "--stages",
                          "runs"},
                         "PANIC_TDA_FAULT=" + fault);
}

TEST(FaultInjectionTest, DiesAtExactlyTheNthCommit) {
  TempDir dir;
  // Commits 1 and 2 are migrations 1 and 2 of the fresh database.
  auto r = RunWithFault(dir.File("b1.db"), "before_commit:1");
  EXPECT_EQ(r.exit_code, kFaultExitCode) << r.err;
  EXPECT_NE(r.err.find("PANIC_TDA_FAULT: exiting before commit 1"), std::string::npos) << r.err;
  EXPECT_EQ(Census(dir.File("b1.db")).substr(0, 17), "schema_version=-1");
  r = RunWithFault(dir.File("a1.db"), "after_commit:1");
  EXPECT_EQ(r.exit_code, kFaultExitCode) << r.err;
  EXPECT_EQ(Census(dir.File("a1.db")).substr(0, 16), "schema_version=1");
  r = RunWithFault(dir.File("b2.db"), "before_commit:2");
  EXPECT_EQ(r.exit_code, kFaultExitCode) << r.err;
  EXPECT_EQ(Census(dir.File("b2.db")), Census(dir.File("a1.db")));
  r = RunWithFault(dir.File("a2.db"), "after_commit:2");
  EXPECT_EQ(r.exit_code, kFaultExitCode) << r.err;
  EXPECT_EQ(Census(dir.File("a2.db")).substr(0, 16), "schema_version=2");
}

TEST(FaultInjectionTest, SameNSameStateAndBeforeNPlusOneEqualsAfterN) {
  TempDir dir;
  // A fault-free run counts the commits: the N past the last commit never fires.
  auto full = RunWithFault(dir.File("full.db"), "after_commit:100000");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  for (int n : {3, 4, 5, 7}) {
    const std::string a = dir.File("a" + std::to_string(n) + ".db");
    const std::string again = dir.File("again" + std::to_string(n) + ".db");
    const std::string b = dir.File("b" + std::to_string(n + 1) + ".db");
    ASSERT_EQ(RunWithFault(a, "after_commit:" + std::to_string(n)).exit_code, kFaultExitCode) << n;
    ASSERT_EQ(RunWithFault(again, "after_commit:" + std::to_string(n)).exit_code, kFaultExitCode) << n;
    ASSERT_EQ(RunWithFault(b, "before_commit:" + std::to_string(n + 1)).exit_code, kFaultExitCode) << n;
    EXPECT_EQ(Census(a), Census(again)) << n;
    EXPECT_EQ(Census(a), Census(b)) << n;
    EXPECT_NE(Census(a), Census(full.exit_code == 0 ? dir.File("full.db") : "")) << n;
  }
}

TEST(FaultInjectionTest, InvalidSpecExitsTwoBeforeWriting) {
  TempDir dir;
  auto r = RunWithFault(dir.File("x.db"), "sometimes");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("PANIC_TDA_FAULT: 'sometimes' is not allowed"), std::string::npos) << r.err;
  EXPECT_EQ(Census(dir.File("x.db")).substr(0, 17), "schema_version=-1");
}

}  // namespace
}  // namespace panic::store
