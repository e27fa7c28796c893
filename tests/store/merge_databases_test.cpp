// `panic-tda db merge`: two seeded dummy experiments run into A.db and B.db, merged into
// C.db. Python's sqlite3 checks the result independently: every table of C is exactly
// the union of A's and B's rows (ids kept), and C holds the same content, modulo ids and
// timestamps, as one database D that ran both configs. Also: the sources are byte-identical
// afterwards, merging again changes nothing, and a source with a conflicting row (same id,
// other content) is refused whole with the table, id and column named.
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace panic::testing {
namespace {

constexpr const char* kConfigA = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2],
  "prompts": ["PROMPT"], "embedding_models": ["DummyText"], "max_length": 8})";
constexpr const char* kConfigB = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [3],
  "prompts": ["another prompt"], "embedding_models": ["DummyText"], "max_length": 6})";

// argv: C A B D. Prints "ok <rows of C>".
constexpr const char* kCheck = R"PY(
import sqlite3, sys
c, a, b, d = (sqlite3.connect(p) for p in sys.argv[1:5])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert c.execute("PRAGMA foreign_key_check").fetchall() == []
tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                  "AND name NOT IN ('schema_version', 'writer_leases')")]
total = 0
for t in tables:
    got = sorted(c.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
    want = sorted(a.execute(f"SELECT * FROM {t}").fetchall() + b.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
    assert got == want, (t, len(got), len(want))
    total += len(got)
# The same content as one database that ran both configs (ids and timestamps aside).
content = {
  "runs": "SELECT run_number, network, seed, max_length, initial_prompt, stop_reason, loop_length, error FROM runs",
  "invocations": "SELECT r.seed, r.initial_prompt, i.sequence_number, i.model, i.type, i.seed, i.output_text, "
                 "i.output_image FROM invocations i JOIN runs r ON r.id = i.run_id",
  "embeddings": "SELECT r.seed, i.sequence_number, e.embedding_model, e.vector FROM embeddings e "
                "JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id",
  "diagrams": "SELECT r.seed, p.embedding_model, p.diagram_data, p.error, p.point_count, p.last_sequence_number "
              "FROM persistence_diagrams p JOIN runs r ON r.id = p.run_id",
  "prompt_embeddings": "SELECT initial_prompt, embedding_model, vector FROM prompt_embeddings",
  "lyapunov": "SELECT network, initial_prompt, embedding_model, num_runs, exponent, curve FROM lyapunov_results",
  "experiments": "SELECT networks, seeds, prompts, embedding_models, max_length, options, completed_at IS NULL FROM experiments",
}
for name, sql in content.items():
    got, want = sorted(c.execute(sql).fetchall(), key=repr), sorted(d.execute(sql).fetchall(), key=repr)
    assert got == want, (name, len(got), len(want))
    assert name == "lyapunov" or got, name
print("ok", total)
)PY";

std::string Sha(const std::string& path) {
  auto r = RunShell("cat " + ShellQuote(path) + " " + ShellQuote(path) + "-wal 2>/dev/null | sha256sum");
  return r.out;
}
std::string Dump(const std::string& path) { return RunShell("sqlite3 " + ShellQuote(path) + " .dump | sha256sum").out; }

TEST(MergeDatabasesTest, UnionEqualsOneDatabaseOfBothConfigsAndSourcesStayUntouched) {
  TempDir dir;
  const std::string a = dir.File("A.db"), b = dir.File("B.db"), c = dir.File("C.db"), d = dir.File("D.db");
  WriteFile(dir.File("a.json"), kConfigA);
  WriteFile(dir.File("b.json"), kConfigB);
  for (auto [db, cfg] : {std::pair{a, "a.json"}, {b, "b.json"}, {d, "a.json"}, {d, "b.json"}}) {
    auto r = RunCli({"--db", db, "experiment", "run", dir.File(cfg)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string sha_a = Sha(a), sha_b = Sha(b);

  auto merged = RunCli({"db", "merge", a, b, "--into", c});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_NE(merged.out.find("0 already present"), std::string::npos) << merged.out;
  WriteFile(dir.File("check.py"), kCheck);
  auto check = RunShell("/usr/bin/python3 " + ShellQuote(dir.File("check.py")) + " " + ShellQuote(c) + " " +
                        ShellQuote(a) + " " + ShellQuote(b) + " " + ShellQuote(d));
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out.substr(0, 3), "ok ") << check.out;
  EXPECT_EQ(Sha(a), sha_a);
  EXPECT_EQ(Sha(b), sha_b);

  // Again: everything is already there, nothing changes.
  const std::string dump = Dump(c);
  auto again = RunCli({"db", "merge", b, a, "--into", c, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("\"identical\": 16"), std::string::npos) << again.out;  // A's invocations
  EXPECT_EQ(again.out.find("\"copied\": 1"), std::string::npos) << again.out;
  EXPECT_EQ(Dump(c), dump);
}

TEST(MergeDatabasesTest, AConflictingSourceIsRefusedWholeAndNamed) {
  TempDir dir;
  const std::string a = dir.File("A.db"), b = dir.File("B.db"), bad = dir.File("bad.db"), c = dir.File("C.db");
  WriteFile(dir.File("a.json"), kConfigA);
  WriteFile(dir.File("b.json"), kConfigB);
  ASSERT_EQ(RunCli({"--db", a, "experiment", "run", dir.File("a.json")}).exit_code, 0);
  ASSERT_EQ(RunCli({"--db", b, "experiment", "run", dir.File("b.json")}).exit_code, 0);
  ASSERT_EQ(RunCli({"db", "merge", a, "--into", c}).exit_code, 0);
  // A copy of A whose run 1 has another seed: same ids, other content.
  auto copy = RunShell("sqlite3 " + ShellQuote(a) + " \".backup " + bad + "\" && sqlite3 " + ShellQuote(bad) +
                       " \"UPDATE runs SET seed = 99 WHERE run_number = 1; SELECT id FROM runs WHERE run_number = 1\"");
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  const std::string run_id = copy.out.substr(0, 36);
  const std::string dump = Dump(c), sha_bad = Sha(bad);

  // The conflicting source is refused whole; B (after it) is still merged.
  auto r = RunCli({"db", "merge", bad, b, "--into", c});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("runs '" + run_id + "': differs in seed"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find(b + ": 13 rows copied"), std::string::npos) << r.out;
  EXPECT_EQ(Sha(bad), sha_bad);
  auto runs = RunShell("sqlite3 " + ShellQuote(c) + " \"SELECT seed FROM runs ORDER BY seed\"");
  EXPECT_EQ(runs.out, "1\n2\n3\n");

  // A source that only conflicts: the target is unchanged.
  const std::string with_b = Dump(c);
  EXPECT_NE(with_b, dump);
  EXPECT_EQ(RunCli({"db", "merge", bad, "--into", c}).exit_code, 2);
  EXPECT_EQ(Dump(c), with_b);

  EXPECT_EQ(RunCli({"db", "merge", a}).exit_code, 2);                       // no --into
  EXPECT_EQ(RunCli({"db", "merge", a, "--into", a}).exit_code, 2);          // into itself
  EXPECT_EQ(RunCli({"db", "merge", dir.File("none.db"), "--into", c}).exit_code, 2);
}

}  // namespace
}  // namespace panic::testing
