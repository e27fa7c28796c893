// `panic-tda db merge`: two seeded dummy experiments run into A.db and B.db, merged into
// C.db. Python's sqlite3 checks the result independently: every table of C is exactly
// the union of A's and B's rows (ids kept), and C holds the same content, modulo ids and
// timestamps, as one database D that ran both configs. Also: the sources are byte-identical
// afterwards, merging again changes nothing, and a source with a conflicting row (same id,
// other content) is refused whole with the table, id and column named.
//
// `--rename-conflicts`: a diverged copy of an experiment is copied under new ids with
// everything under it (and the clustering results that refer to it); Python's sqlite3
// checks that the target is exactly its old rows plus the source's renamed rows, translated
// id for id (kRenameCheck), with integrity_check and foreign_key_check clean. Merging again
// changes nothing; another diverged version gets other ids; a clustering result that
// conflicts by itself is renamed alone; a kill before the commit leaves the target as it
// was; rows that have no id to rename still refuse the source.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

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

// A source that cannot be merged at all (missing, not SQLite, empty, another program's) is
// found before the target is opened: nothing is written, not even an empty target (the old
// code created the target with our schema, then refused, exit 2). Every bad source is named.
TEST(MergeDatabasesTest, BadSourcesRefuseTheMergeBeforeTheTargetIsCreated) {
  TempDir dir;
  WriteFile(dir.File("a.json"), kConfigA);
  const std::string a = dir.File("A.db"), c = dir.File("C.db");
  ASSERT_EQ(RunCli({"--db", a, "experiment", "run", dir.File("a.json")}).exit_code, 0);
  WriteFile(dir.File("notes.txt"), "my notes\n");
  WriteFile(dir.File("empty.db"), "");
  auto r = RunCli({"db", "merge", a, dir.File("notes.txt"), dir.File("empty.db"), dir.File("none.db"), "--into", c});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'" + dir.File("notes.txt") + "' is not a SQLite database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'" + dir.File("empty.db") + "' is an empty database"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'" + dir.File("none.db") + "' does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was merged (" + c + " was not created)"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(c));
  EXPECT_EQ(ReadFile(dir.File("notes.txt")), "my notes\n");
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

// argv: C (after the merge), A (C before it), B (the source), the source ids of the
// experiments B's report renamed (JSON list) and of the clustering results it renamed on
// their own account (JSON list). The map old → new is rebuilt independently of the report:
// a new id of C (not in A) keeps the first 64 bits (time and counter, the first 18
// characters) of exactly one id of B. Prints "ok <ids renamed> <rows renamed>".
constexpr const char* kRenameCheck = R"PY(
import json, sqlite3, sys
c, a, b = (sqlite3.connect(p) for p in sys.argv[1:4])
experiments, alone = json.loads(sys.argv[4]), json.loads(sys.argv[5])
assert experiments or alone
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert c.execute("PRAGMA foreign_key_check").fetchall() == []
tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                  "AND name NOT IN ('schema_version', 'writer_leases')")]
def ids(db):
    out = set()
    for t in tables:
        if "id" in [r[1] for r in db.execute(f"PRAGMA table_info({t})")]:
            out |= {r[0] for r in db.execute(f"SELECT id FROM {t}")}
    return out
by_prefix = {}
for i in ids(b):
    by_prefix.setdefault(i[:18], []).append(i)
rename = {}
for new in ids(c) - ids(a):
    olds = by_prefix.get(new[:18], [])
    assert len(olds) == 1, (new, olds)
    assert new[14] == "7" and new[19] in "89ab", new
    rename[olds[0]] = new
assert len(set(rename.values())) == len(rename)
# What B's renamed experiments own, the clustering results whose scope includes one of
# them, and the clustering results renamed alone.
q, qa = ",".join("?" * len(experiments)), ",".join("?" * len(alone))
e, cl = experiments, experiments + alone + experiments
runs = f"SELECT id FROM runs WHERE experiment_id IN ({q})"
invocations = f"SELECT id FROM invocations WHERE run_id IN ({runs})"
clusterings = (f"SELECT id FROM clustering_results WHERE experiment_id IN ({q}) OR id IN ({qa}) UNION SELECT "
               f"clustering_result_id FROM clustering_result_experiments WHERE experiment_id IN ({q})")
owned = {
  "experiments": (f"id IN ({q})", e),
  "runs": (f"experiment_id IN ({q})", e),
  "invocations": (f"run_id IN ({runs})", e),
  "embeddings": (f"invocation_id IN ({invocations})", e),
  "persistence_diagrams": (f"run_id IN ({runs})", e),
  "prompt_embeddings": (f"experiment_id IN ({q})", e),
  "lyapunov_results": (f"experiment_id IN ({q})", e),
  "legacy_import_experiments": (f"experiment_id IN ({q})", e),
  "clustering_results": (f"id IN ({clusterings})", cl),
  "embedding_clusters": (f"clustering_result_id IN ({clusterings})", cl),
  "clustering_result_experiments": (f"clustering_result_id IN ({clusterings})", cl),
  "cluster_summaries": (f"clustering_result_id IN ({clusterings})", cl),
}
rows = 0
for t in tables:
    source = []
    if t in owned:
        where, params = owned[t]
        source = b.execute(f"SELECT * FROM {t} WHERE {where}", params).fetchall()
    has_id = "id" in [r[1] for r in b.execute(f"PRAGMA table_info({t})")]
    translated = []
    for row in source:
        if has_id:
            assert row[0] in rename, (t, row[0])  # every id it owns is renamed …
        new = tuple(rename.get(v, v) if isinstance(v, str) else v for v in row)
        assert new != row and not any(isinstance(v, str) and v in rename for v in new), (t, row)  # … and every reference
        translated.append(new)
    got = sorted(c.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
    want = sorted(set(a.execute(f"SELECT * FROM {t}").fetchall()) | set(translated), key=repr)
    assert got == want, (t, len(got), len(want))
    rows += len(source)
print("ok", len(rename), rows)
)PY";

// A database with two experiments (configs A and B) and three clustering results: one of
// each experiment's and one of both. Returns the id of config A's experiment.
std::string RichDatabase(const TempDir& dir, const std::string& db) {
  WriteFile(dir.File("a.json"), kConfigA);
  WriteFile(dir.File("b.json"), kConfigB);
  for (const char* cfg : {"a.json", "b.json"}) {
    auto r = RunCli({"--db", db, "experiment", "run", dir.File(cfg)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  auto ids = RunShell("sqlite3 " + ShellQuote(db) + " \"SELECT id FROM experiments ORDER BY max_length DESC\"");
  const std::string a = ids.out.substr(0, 36), b = ids.out.substr(37, 36);
  for (std::vector<std::string> scope : {std::vector<std::string>{"--experiment", a},
                                         std::vector<std::string>{"--experiment", b}, std::vector<std::string>{"--all"}}) {
    // Leaf selection without ε finds a cluster among these few captions: summaries and medoids.
    std::vector<std::string> args = {"--db", db,        "cluster",     "run",    "--model", "DummyText",
                                     "--min-cluster-size", "2", "--epsilon", "0", "--selection", "leaf"};
    args.insert(args.end(), scope.begin(), scope.end());
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return a;
}

// A copy of `db` whose run 1 of experiment `experiment` has another seed.
void DivergedCopy(const std::string& db, const std::string& copy, const std::string& experiment, int seed) {
  auto r = RunShell("sqlite3 " + ShellQuote(db) + " \".backup " + copy + "\" && sqlite3 " + ShellQuote(copy) +
                    " \"UPDATE runs SET seed = " + std::to_string(seed) + " WHERE run_number = 1 AND experiment_id = '" +
                    experiment + "'\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

std::string RenameCheck(const TempDir& dir, const std::string& c, const std::string& before, const std::string& source,
                        const std::string& experiments, const std::string& clusterings_alone = "[]") {
  WriteFile(dir.File("rename_check.py"), kRenameCheck);
  auto r = RunShell("/usr/bin/python3 " + ShellQuote(dir.File("rename_check.py")) + " " + ShellQuote(c) + " " +
                    ShellQuote(before) + " " + ShellQuote(source) + " " + ShellQuote(experiments) + " " +
                    ShellQuote(clusterings_alone));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(MergeDatabasesTest, RenameConflictsCopiesADivergedExperimentUnderNewIdsOnce) {
  TempDir dir;
  const std::string a = dir.File("A.db"), bad = dir.File("bad.db"), c = dir.File("C.db");
  const std::string experiment = RichDatabase(dir, a);
  ASSERT_EQ(RunCli({"db", "merge", a, "--into", c}).exit_code, 0);
  DivergedCopy(a, bad, experiment, 99);
  const std::string before = dir.File("before.db");
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(c) + " \".backup " + before + "\"").exit_code, 0);
  const std::string dump = Dump(c);

  // Without the flag the source is refused, as before.
  auto refused = RunCli({"db", "merge", bad, "--into", c});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("differs in seed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--rename-conflicts"), std::string::npos) << refused.err;
  EXPECT_EQ(Dump(c), dump);

  auto merged = RunCli({"--json", "db", "merge", bad, "--into", c, "--rename-conflicts"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  const auto report = nlohmann::json::parse(merged.out)["sources"][0];
  ASSERT_EQ(report["merged"], true) << merged.out;
  // The experiment, its own clustering result and the one of both experiments; not the
  // other experiment (identical in the target) nor its own clustering result.
  const auto& renamed = report["renamed"];
  ASSERT_EQ(renamed.size(), 3u) << merged.out;
  EXPECT_EQ(renamed[0]["table"], "experiments");
  EXPECT_EQ(renamed[0]["old"], experiment);
  EXPECT_NE(renamed[0]["reason"].get<std::string>().find("differs in seed"), std::string::npos) << merged.out;
  EXPECT_EQ(renamed[1]["table"], "clustering_results");
  EXPECT_EQ(renamed[2]["table"], "clustering_results");
  int64_t ids = 0;
  for (const auto& r : renamed) {
    EXPECT_EQ(r["already_present"], false);
    EXPECT_EQ(r["new"].get<std::string>().substr(0, 18), r["old"].get<std::string>().substr(0, 18));
    ids += r["ids"].get<int64_t>();
  }
  EXPECT_EQ(report["tables"]["experiments"]["copied"], 1);
  EXPECT_EQ(report["tables"]["clustering_results"]["copied"], 2);
  auto summaries = RunShell("sqlite3 " + ShellQuote(c) + " \"SELECT count(*) FROM cluster_summaries s JOIN "
                            "clustering_results r ON r.id = s.clustering_result_id WHERE r.scope = 'all'\"");
  EXPECT_EQ(summaries.out, "2\n");  // the --all result's one cluster, original and renamed copy
  const std::string check = RenameCheck(dir, c, before, bad, "[\"" + experiment + "\"]");
  EXPECT_EQ(check.substr(0, 3 + std::to_string(ids).size()), "ok " + std::to_string(ids)) << check;
  auto doctor = RunCli({"--db", c, "doctor"});  // the project's own consistency checks
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;

  // The same merge again: the same new ids, already there; nothing changes.
  const std::string merged_dump = Dump(c);
  auto again = RunCli({"db", "merge", bad, a, "--into", c, "--rename-conflicts"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 rows copied"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("renamed experiments " + experiment + " → " + renamed[0]["new"].get<std::string>()),
            std::string::npos) << again.out;
  EXPECT_NE(again.out.find("already merged before"), std::string::npos) << again.out;
  EXPECT_EQ(Dump(c), merged_dump);

  // Another diverged version: other ids (salt 1's are taken by the first copy).
  const std::string bad2 = dir.File("bad2.db"), before2 = dir.File("before2.db");
  DivergedCopy(a, bad2, experiment, 77);
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(c) + " \".backup " + before2 + "\"").exit_code, 0);
  auto second = RunCli({"--json", "db", "merge", bad2, "--into", c, "--rename-conflicts"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto renamed2 = nlohmann::json::parse(second.out)["sources"][0]["renamed"];
  ASSERT_EQ(renamed2.size(), 3u) << second.out;
  EXPECT_NE(renamed2[0]["new"], renamed[0]["new"]);
  EXPECT_EQ(RenameCheck(dir, c, before2, bad2, "[\"" + experiment + "\"]").substr(0, 3), "ok ");
  auto seeds = RunShell("sqlite3 " + ShellQuote(c) + " \"SELECT seed FROM runs WHERE run_number = 1 ORDER BY seed\"");
  EXPECT_EQ(seeds.out, "2\n77\n99\n");  // run 1 (seed 2) as merged from A, then its two diverged versions
  const std::string dump2 = Dump(c);
  ASSERT_EQ(RunCli({"db", "merge", bad2, bad, a, "--into", c, "--rename-conflicts"}).exit_code, 0);
  EXPECT_EQ(Dump(c), dump2);
}

TEST(MergeDatabasesTest, RenameConflictsRenamesAClusteringResultThatConflictsByItselfAlone) {
  TempDir dir;
  const std::string a = dir.File("A.db"), other = dir.File("other.db"), c = dir.File("C.db");
  RichDatabase(dir, a);
  ASSERT_EQ(RunCli({"db", "merge", a, "--into", c}).exit_code, 0);
  const std::string before = dir.File("before.db");
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(c) + " \".backup " + before + "\"").exit_code, 0);
  // The same cross-experiment result, timed differently: the experiments are identical.
  auto copy = RunShell("sqlite3 " + ShellQuote(a) + " \".backup " + other + "\" && sqlite3 " + ShellQuote(other) +
                       " \"UPDATE clustering_results SET write_seconds = 9 WHERE scope = 'all'; "
                       "SELECT id FROM clustering_results WHERE scope = 'all'\"");
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  const std::string result = copy.out.substr(0, 36);
  auto merged = RunCli({"--json", "db", "merge", other, "--into", c, "--rename-conflicts"});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  const auto report = nlohmann::json::parse(merged.out)["sources"][0];
  ASSERT_EQ(report["renamed"].size(), 1u) << merged.out;
  EXPECT_EQ(report["renamed"][0]["table"], "clustering_results");
  EXPECT_EQ(report["renamed"][0]["old"], result);
  EXPECT_NE(report["renamed"][0]["reason"].get<std::string>().find("differs in write_seconds"), std::string::npos);
  EXPECT_EQ(report["tables"]["experiments"]["copied"], 0);
  EXPECT_EQ(report["tables"]["embeddings"]["copied"], 0);
  EXPECT_EQ(RenameCheck(dir, c, before, other, "[]", "[\"" + result + "\"]").substr(0, 3), "ok ");
}

TEST(MergeDatabasesTest, RenameConflictsIsOneTransactionAndStillRefusesRowsWithoutIds) {
  TempDir dir;
  const std::string a = dir.File("A.db"), bad = dir.File("bad.db"), c = dir.File("C.db");
  const std::string experiment = RichDatabase(dir, a);
  ASSERT_EQ(RunCli({"db", "merge", a, "--into", c}).exit_code, 0);
  DivergedCopy(a, bad, experiment, 99);
  const std::string dump = Dump(c);

  // Killed right before the source's commit (the first of this process): the target is as
  // it was; run again, the merge completes.
  auto killed = RunCli({"db", "merge", bad, "--into", c, "--rename-conflicts"}, "PANIC_TDA_FAULT=before_commit:1");
  EXPECT_EQ(killed.exit_code, 86) << killed.err;
  EXPECT_EQ(Dump(c), dump);
  ASSERT_EQ(RunCli({"db", "merge", bad, "--into", c, "--rename-conflicts"}).exit_code, 0);
  EXPECT_NE(Dump(c), dump);

  // Import records of the same source file that differ: no id to rename, still refused.
  const std::string legacy = dir.File("legacy.db");
  const std::string insert = "INSERT INTO legacy_imports VALUES ('python:/data/old.db', 'python', '/data/old.db', "
                             "'unknown', '2026-01-0";
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(c) + " \"" + insert + "1', NULL)\"").exit_code, 0);
  ASSERT_EQ(RunShell("sqlite3 " + ShellQuote(a) + " \".backup " + legacy + "\" && sqlite3 " + ShellQuote(legacy) +
                     " \"" + insert + "2', NULL)\"").exit_code, 0);
  const std::string with_import = Dump(c);
  auto refused = RunCli({"db", "merge", legacy, "--into", c, "--rename-conflicts"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("no id to rename"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("legacy_imports 'python:/data/old.db': differs in started_at"), std::string::npos)
      << refused.err;
  EXPECT_EQ(Dump(c), with_import);
}

}  // namespace
}  // namespace panic::testing
