// `panic-tda export db`: a subset copy of a database. sqlite3 (Python) checks the copy
// independently: PRAGMA integrity_check and foreign_key_check, every owned row identical
// to the source's, clustering results scoped to the copied embeddings (a medoid outside
// the copy NULL), appending a second experiment, and refusing one the target holds.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace panic::testing {
namespace {

constexpr const char* kConfig = R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1, 2],
  "prompts": ["PROMPT"], "embedding_models": ["DummyText"], "max_length": 8, "options": {"loop_detection": "off"}})";

// A cross-experiment clustering of every DummyText embedding, its medoid in experiment B;
// and experiment A's own clustering.
constexpr const char* kPlant = R"PY(
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
(a,), (b,) = con.execute("SELECT id FROM experiments ORDER BY created_at").fetchall()
emb = lambda exp: [r[0] for r in con.execute("SELECT e.id FROM embeddings e JOIN invocations i ON i.id = e.invocation_id "
                                             "JOIN runs r ON r.id = i.run_id WHERE r.experiment_id = ? ORDER BY e.id", (exp,))]
cr = "INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, completed_at) "
con.execute(cr + "VALUES ('c0ffee00-0000-7000-8000-00000000000c', NULL, 'DummyText', 'planted', '{}', 't', 't')")
con.execute(cr + "VALUES ('c0ffee00-0000-7000-8000-00000000000a', ?, 'DummyText', 'planted', '{}', 't', 't')", (a,))
for result, exp in (("c", a), ("c", b), ("a", a)):
    con.execute("INSERT INTO clustering_result_experiments VALUES (?, ?)", ("c0ffee00-0000-7000-8000-00000000000" + result, exp))
medoid = emb(b)[0]
n = 0
for e in emb(a) + emb(b):
    n += 1
    con.execute("INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, medoid_embedding_id) "
                "VALUES (?, ?, 'c0ffee00-0000-7000-8000-00000000000c', 0, ?)", ("x%d" % n, e, medoid))
for e in emb(a):
    n += 1
    con.execute("INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, medoid_embedding_id) "
                "VALUES (?, ?, 'c0ffee00-0000-7000-8000-00000000000a', 1, ?)", ("x%d" % n, e, emb(a)[0]))
con.commit()
print(a, b)
)PY";

constexpr const char* kCheck = R"PY(
import sqlite3, sys
src, dst, exps = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
s = sqlite3.connect(src); d = sqlite3.connect(dst)
assert d.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert d.execute("PRAGMA foreign_key_check").fetchall() == []
q = ",".join("?" * len(exps))
owned = {
  "experiments": f"SELECT * FROM experiments WHERE id IN ({q})",
  "runs": f"SELECT * FROM runs WHERE experiment_id IN ({q})",
  "invocations": f"SELECT i.* FROM invocations i JOIN runs r ON r.id = i.run_id WHERE r.experiment_id IN ({q})",
  "embeddings": f"SELECT e.* FROM embeddings e JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE r.experiment_id IN ({q})",
  "persistence_diagrams": f"SELECT p.* FROM persistence_diagrams p JOIN runs r ON r.id = p.run_id WHERE r.experiment_id IN ({q})",
  "prompt_embeddings": f"SELECT * FROM prompt_embeddings WHERE experiment_id IN ({q})",
  "lyapunov_results": f"SELECT * FROM lyapunov_results WHERE experiment_id IN ({q})",
}
for table, sql in owned.items():
    want = sorted(s.execute(sql, exps).fetchall()); got = sorted(d.execute(f"SELECT * FROM {table}").fetchall())
    assert want == got, (table, len(want), len(got))
    assert table in ("prompt_embeddings", "persistence_diagrams") or len(got) > 0, table
copied = {r[0] for r in d.execute("SELECT id FROM embeddings")}
labels = d.execute("SELECT embedding_id, clustering_result_id, medoid_embedding_id FROM embedding_clusters").fetchall()
assert labels and all(e in copied for e, _, _ in labels)
assert all(m is None or m in copied for _, _, m in labels)
want = s.execute(f"SELECT count(*) FROM embedding_clusters c JOIN embeddings e ON e.id = c.embedding_id JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE r.experiment_id IN ({q})", exps).fetchone()[0]
assert len(labels) == want, (len(labels), want)
scope = sorted(d.execute("SELECT clustering_result_id, experiment_id FROM clustering_result_experiments").fetchall())
assert scope == sorted(r for r in s.execute("SELECT clustering_result_id, experiment_id FROM clustering_result_experiments")
                       if r[1] in exps), scope
print("ok", len(labels))
)PY";

TEST(ExportDbCliTest, CopiesASubsetWholeAndAppendsAnother) {
  TempDir dir;
  const std::string src = dir.File("src.db"), dst = dir.File("copy.db");
  WriteFile(dir.File("cfg.json"), kConfig);
  for (int i = 0; i < 2; ++i) {
    auto r = RunCli({"--db", src, "experiment", "run", dir.File("cfg.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  WriteFile(dir.File("plant.py"), kPlant);
  auto planted = RunShell("/usr/bin/python3 " + ShellQuote(dir.File("plant.py")) + " " + ShellQuote(src));
  ASSERT_EQ(planted.exit_code, 0) << planted.err;
  const std::string a = planted.out.substr(0, 36), b = planted.out.substr(37, 36);
  WriteFile(dir.File("check.py"), kCheck);
  auto check = [&](const std::string& exps) {
    auto r = RunShell("/usr/bin/python3 " + ShellQuote(dir.File("check.py")) + " " + ShellQuote(src) + " " +
                      ShellQuote(dst) + " " + exps);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };

  auto first = RunCli({"--db", src, "export", "db", a.substr(0, 24), dst});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("copied 1 experiment"), std::string::npos) << first.out;
  // A's own labels (8: 2 runs × 4 texts) and its share of the cross-experiment result (8),
  // whose medoid (in B) is NULL in the copy.
  EXPECT_EQ(check(a), "ok 16\n");
  auto medoids = RunShell("sqlite3 " + ShellQuote(dst) +
                          " \"SELECT count(*) FROM embedding_clusters WHERE medoid_embedding_id IS NULL\"");
  EXPECT_EQ(medoids.out, "8\n");

  auto again = RunCli({"--db", src, "export", "db", a, dst});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds experiment " + a), std::string::npos) << again.err;

  auto second = RunCli({"--db", src, "export", "db", b, dst});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(check(a + "," + b), "ok 24\n");

  auto self = RunCli({"--db", src, "export", "db", a, src});
  EXPECT_EQ(self.exit_code, 2) << self.err;
  auto missing = RunCli({"--db", src, "export", "db", "nope", dir.File("x.db")});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

// A TARGET that did not exist is there whole or not at all: killed at each commit of the
// copy (the store's PANIC_TDA_FAULT seam: before it, or after it and before the rename), the
// command leaves no TARGET and no -wal or -shm of it; only its hidden temporary file.
TEST(ExportDbCliTest, ANewTargetAppearsWholeOrNotAtAll) {
  TempDir dir;
  const std::string src = dir.File("src.db");
  WriteFile(dir.File("cfg.json"), kConfig);
  ASSERT_EQ(RunCli({"--db", src, "experiment", "run", dir.File("cfg.json")}).exit_code, 0);
  int killed = 0;
  for (const std::string when : {"before_commit:", "after_commit:"}) {
    bool done = false;
    for (int n = 1; n <= 30 && !done; ++n) {
      const std::string out = dir.File(when.substr(0, 5) + std::to_string(n));
      std::filesystem::create_directory(out);
      auto r = RunCli({"--db", src, "export", "db", "latest", out + "/copy.db"}, "PANIC_TDA_FAULT=" + when + std::to_string(n));
      if (r.exit_code == 0) {
        done = true;
        EXPECT_EQ(RunCli({"--db", out + "/copy.db", "experiment", "list"}).exit_code, 0);
        continue;
      }
      ASSERT_EQ(r.exit_code, 86) << when << n << ": " << r.err;
      ++killed;
      for (const auto& e : std::filesystem::directory_iterator(out)) {
        EXPECT_EQ(e.path().filename().string().rfind(".copy.tmp-", 0), 0u) << when << n << " left " << e.path();
      }
    }
    EXPECT_TRUE(done) << when;
  }
  EXPECT_GE(killed, 2);
}

}  // namespace
}  // namespace panic::testing
