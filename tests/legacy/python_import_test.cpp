// `panic-tda import python`: fixture databases written from the format description
// (make_python_era_db.py, with Debian's numpy and PIL) are imported losslessly; the source's
// bytes never change; skipped rows are reported by table and reason; a second import adds
// nothing; a killed import finishes when run again; bad input exits 2 with the target
// untouched; the doctor finds nothing after a clean import, and the commands work on it.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "panic/core/sha256.h"
#include "support/sqlite_shell.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::ReadFile;
using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::SourcePath;
using testing::SqlValue;
using testing::TempDir;

std::string FileHash(const std::string& path) { return Sha256Hex(ReadFile(path)); }

// The target's content, for comparing two imports.
std::string Content(const std::string& db) {
  return SqlValue(db,
                  "SELECT id, networks, seeds, prompts, embedding_models, max_length, started_at, completed_at FROM "
                  "experiments ORDER BY id; SELECT id, experiment_id, run_number, seed, stop_reason, loop_length FROM runs "
                  "ORDER BY id; SELECT id, run_id, sequence_number, model, type, input_invocation_id, output_text, "
                  "hex(output_image), started_at FROM invocations ORDER BY id; SELECT id, invocation_id, embedding_model, "
                  "hex(vector) FROM embeddings ORDER BY id; SELECT id, run_id, embedding_model, hex(diagram_data), error, "
                  "point_count, last_sequence_number FROM persistence_diagrams ORDER BY id; SELECT * FROM "
                  "clustering_results ORDER BY id; SELECT * FROM embedding_clusters ORDER BY id; SELECT source_table, "
                  "source_id, reason FROM legacy_import_skips ORDER BY 1, 2;");
}

class PythonImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveSystemNumpy()) GTEST_SKIP() << "Debian's python3 with numpy is needed for the fixtures";
  }
  std::string MakeSource(const std::string& name, const std::string& flags = "") {
    const std::string path = dir_.File(name);
    auto r = RunShell("/usr/bin/python3 " + ShellQuote(SourcePath("tests/legacy/make_python_era_db.py")) + " " +
                      ShellQuote(path) + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }
  nlohmann::json Import(const std::string& source, const std::string& target, int* rc,
                        const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--db", target, "import", "python", source, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = RunCli(args);
    *rc = r.exit_code;
    last_err_ = r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  static int64_t Table(const nlohmann::json& report, const std::string& table, const std::string& field) {
    for (const auto& t : report["tables"]) {
      if (t["table"] == table) return t[field].get<int64_t>();
    }
    return -1;
  }
  TempDir dir_;
  std::string last_err_;
};

TEST_F(PythonImportTest, ImportsEveryTableLosslesslyAndLeavesTheSourceUnchanged) {
  const std::string source = MakeSource("clean.sqlite");
  const std::string hash = FileHash(source);
  const std::string target = dir_.File("ours.db");
  int rc = -1;
  nlohmann::json report = Import(source, target, &rc);
  ASSERT_EQ(rc, 0) << last_err_;
  EXPECT_EQ(FileHash(source), hash);
  EXPECT_FALSE(std::filesystem::exists(source + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(source + "-shm"));
  EXPECT_EQ(report["time_zone"], "unknown");
  EXPECT_TRUE(report["skipped"].empty()) << report.dump(1);
  // A target the import created has 16 KiB pages (five embedding rows a page), in WAL.
  EXPECT_EQ(SqlValue(target, "PRAGMA page_size"), "16384");
  EXPECT_EQ(SqlValue(target, "PRAGMA journal_mode"), "wal");

  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM experiments; SELECT count(*) FROM runs; SELECT count(*) FROM "
                             "invocations; SELECT count(*) FROM embeddings; SELECT count(*) FROM persistence_diagrams; "
                             "SELECT count(*) FROM clustering_results WHERE experiment_id IS NULL; SELECT count(*) FROM "
                             "embedding_clusters;"),
            "2\n5\n30\n30\n10\n1\n30");
  // Ids keep their digits and gain hyphens; every id of the source is found.
  EXPECT_EQ(SqlValue(source, "SELECT group_concat(id, ',') FROM (SELECT id FROM invocation ORDER BY id)"),
            SqlValue(target, "SELECT group_concat(replace(id, '-', ''), ',') FROM (SELECT id FROM invocations ORDER BY id)"));
  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM invocations WHERE length(id) = 36 AND substr(id, 9, 1) = '-'"), "30");
  // Types, times, vectors and images as they were.
  EXPECT_EQ(SqlValue(target, "SELECT type, count(*) FROM invocations GROUP BY type"), "image|15\ntext|15");
  EXPECT_EQ(SqlValue(source, "SELECT started_at FROM invocation ORDER BY rowid LIMIT 1"),
            SqlValue(target, "SELECT replace(replace(started_at, 'T', ' '), 'Z', '') FROM invocations ORDER BY id LIMIT 1"));
  EXPECT_EQ(SqlValue(source, "SELECT group_concat(h, ',') FROM (SELECT hex(vector) AS h FROM embedding ORDER BY id)"),
            SqlValue(target, "SELECT group_concat(h, ',') FROM (SELECT hex(vector) AS h FROM embeddings ORDER BY id)"));
  EXPECT_EQ(SqlValue(source, "SELECT group_concat(h, ',') FROM (SELECT hex(output_image_data) AS h FROM invocation WHERE "
                             "type = 'IMAGE' ORDER BY id)"),
            SqlValue(target, "SELECT group_concat(h, ',') FROM (SELECT hex(output_image) AS h FROM invocations WHERE type "
                             "= 'image' ORDER BY id)"));
  EXPECT_EQ(SqlValue(target, "SELECT DISTINCT time_zone FROM legacy_import_experiments"), "unknown");
  // Stop reasons by our loop detection: A#0 repeats step 1 at step 5; B#0 repeats step 0 at
  // step 2 but has 6 steps (reported); the rest ran to max_length.
  EXPECT_EQ(SqlValue(target, "SELECT stop_reason, loop_length, count(*) FROM runs GROUP BY 1, 2 ORDER BY 1, 2"),
            "duplicate|2|1\nduplicate|4|1\nlength||3");
  ASSERT_EQ(report["stop_notes"].size(), 1u) << report.dump(1);
  EXPECT_NE(report["stop_notes"][0].get<std::string>().find("step 2"), std::string::npos);
  // Clustering: medoids numbered per result, outliers -1, parameters kept.
  EXPECT_EQ(SqlValue(target, "SELECT cluster_label, count(*) FROM embedding_clusters GROUP BY 1 ORDER BY 1"),
            "-1|10\n0|10\n1|10");
  // A snapshot of migration 4's shape, scoped to the imported experiments.
  EXPECT_EQ(SqlValue(target, "SELECT scope, point_count, cluster_count, outlier_count, dimension FROM clustering_results; "
                             "SELECT count(*) FROM clustering_result_experiments; SELECT sum(size) FROM cluster_summaries"),
            "experiments|30|2|10|768\n2\n20");
  EXPECT_EQ(SqlValue(target, "SELECT parameters FROM clustering_results"),
            SqlValue(source, "SELECT parameters FROM clusteringresult"));

  // Diagrams (deflate, one zip64, legacy gens_*/_meta keys) are re-encoded in our layout:
  // numpy reads our blobs and finds the bars and entropy the fixture wrote.
  const std::string check = dir_.File("check.py");
  testing::WriteFile(check, R"(
import io, json, sqlite3, sys
import numpy as np
expected = json.load(open(sys.argv[2]))["diagrams"]
db = sqlite3.connect(sys.argv[1])
n = 0
for did, data in db.execute("SELECT replace(id, '-', ''), diagram_data FROM persistence_diagrams"):
    z = np.load(io.BytesIO(data))
    assert sorted(z.files) == ["dgms_0", "dgms_1", "dgms_2", "dgms_count", "entropy"], z.files
    for k in ("dgms_0", "dgms_1", "dgms_2", "entropy"):
        assert np.array_equal(z[k], np.array(expected[did][k], dtype=np.float32)), (did, k)
    n += 1
print(n)
)");
  auto oracle = RunShell("/usr/bin/python3 " + ShellQuote(check) + " " + ShellQuote(target) + " " +
                         ShellQuote(source + ".expected.json"));
  EXPECT_EQ(oracle.exit_code, 0) << oracle.err;
  EXPECT_EQ(oracle.out, "10\n");

  // The doctor finds nothing; the commands work on the imported data.
  auto doctor = RunCli({"--db", target, "doctor"});
  EXPECT_EQ(doctor.exit_code, 0) << doctor.out << doctor.err;
  const std::string exp = SqlValue(target, "SELECT id FROM experiments ORDER BY id LIMIT 1");
  auto show = RunCli({"--db", target, "experiment", "show", exp});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("(completed)"), std::string::npos) << show.out;
  auto diagram = RunCli({"--db", target, "run", "diagram", exp + "#0", "--model", "DummyText"});
  EXPECT_EQ(diagram.exit_code, 0) << diagram.err;
  auto images = RunCli({"--db", target, "export", "images", exp, "--output", dir_.File("images")});
  EXPECT_EQ(images.exit_code, 0) << images.err;
}

TEST_F(PythonImportTest, QuirksAreSkippedWithTheirReasonsAndTheDoctorRepairsTheRest) {
  const std::string source = MakeSource("quirks.sqlite", "--quirks");
  const std::string target = dir_.File("ours.db");
  int rc = -1;
  nlohmann::json report = Import(source, target, &rc);
  ASSERT_EQ(rc, 0) << last_err_;
  const auto& counts = report["skip_counts"];
  EXPECT_EQ(counts["run"]["orphan: its experiment was not imported"], 1) << counts.dump(1);
  EXPECT_EQ(counts["embedding"]["orphan: its invocation was not imported"], 1);
  EXPECT_EQ(counts["embedding"]["NULL vector"], 1);
  EXPECT_EQ(counts["invocation"]["duplicate: another invocation has the same run and sequence_number"], 1);
  // The NULL vector's assignment has no embedding to point at.
  EXPECT_EQ(counts["embeddingcluster"]["orphan: its embedding, medoid or clustering result was not imported"], 1);
  EXPECT_EQ(report["skipped"].size(), 5u) << report.dump(1);
  EXPECT_EQ(Table(report, "persistencediagram", "imported"), 10);  // the NULL one as a failed diagram
  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM persistence_diagrams WHERE diagram_data IS NULL AND error IS NOT NULL"),
            "1");
  EXPECT_EQ(SqlValue(target, "SELECT count(*) FROM legacy_import_skips"), "5");

  int drc = -1;
  auto found = nlohmann::json::parse(RunCli({"--db", target, "doctor", "--format", "json"}).out);
  for (const auto& f : found["findings"]) {
    if (f["check"] == "embedding_missing") {
      EXPECT_EQ(f["count"], 1);
    }
    if (f["check"] == "diagram_failed") {
      EXPECT_EQ(f["count"], 1);
    }
  }
  auto fixed = RunCli({"--db", target, "doctor", "--fix", "--threads", "2"});
  drc = fixed.exit_code;
  EXPECT_EQ(drc, 0) << fixed.out << fixed.err;
  EXPECT_EQ(RunCli({"--db", target, "doctor"}).exit_code, 0);
}

TEST_F(PythonImportTest, SecondImportAddsNothing) {
  const std::string source = MakeSource("quirks.sqlite", "--quirks");
  const std::string target = dir_.File("ours.db");
  int rc = -1;
  Import(source, target, &rc);
  ASSERT_EQ(rc, 0) << last_err_;
  const std::string once = Content(target);
  nlohmann::json again = Import(source, target, &rc);
  ASSERT_EQ(rc, 0) << last_err_;
  for (const auto& t : again["tables"]) EXPECT_EQ(t["imported"], 0) << t.dump();
  EXPECT_EQ(Table(again, "embedding", "already_there"), 29);
  EXPECT_EQ(Content(target), once);
}

TEST_F(PythonImportTest, KilledImportFinishesWhenRunAgain) {
  const std::string source = MakeSource("big.sqlite", "--embeddings 20000");
  const std::string reference = dir_.File("reference.db");
  int rc = -1;
  Import(source, reference, &rc);
  ASSERT_EQ(rc, 0) << last_err_;

  const std::string target = dir_.File("killed.db");
  int pid = testing::SpawnCli({"--db", target, "import", "python", source, "--batch", "200"}, dir_.File("log"));
  // Kill it once some embeddings are in (WAL: sqlite3 reads while the importer writes).
  bool started = false;
  for (int i = 0; i < 2000 && !started; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!std::filesystem::exists(target)) continue;
    auto n = RunShell("sqlite3 " + ShellQuote(target) + " 'SELECT count(*) FROM embeddings' 2>/dev/null");
    started = n.exit_code == 0 && !n.out.empty() && n.out != "0\n";
  }
  kill(pid, SIGKILL);
  EXPECT_EQ(testing::WaitChild(pid), 128 + SIGKILL);
  ASSERT_TRUE(started);
  const int64_t partial = std::stoll(SqlValue(target, "SELECT count(*) FROM embeddings"));
  EXPECT_LT(partial, 20030);
  nlohmann::json resumed = Import(source, target, &rc);
  ASSERT_EQ(rc, 0) << last_err_;
  EXPECT_GT(Table(resumed, "embedding", "already_there"), 0);
  EXPECT_EQ(Content(target), Content(reference));
}

TEST_F(PythonImportTest, BadInputExitsTwoAndLeavesTheTargetUnchanged) {
  const std::string target = dir_.File("target.db");
  testing::WriteFile(dir_.File("cfg.json"), R"({"networks": [["DummyT2I", "DummyI2T"]], "seeds": [1], "prompts": )"
                                            R"(["x"], "embedding_models": ["DummyText"], "max_length": 2})");
  ASSERT_EQ(RunCli({"--db", target, "experiment", "run", dir_.File("cfg.json")}).exit_code, 0);
  SqlValue(target, "PRAGMA wal_checkpoint(TRUNCATE);");
  const std::string before = FileHash(target);

  testing::WriteFile(dir_.File("text.sqlite"), "this is not a database at all, just some text long enough");
  const std::string good = MakeSource("good.sqlite");
  const std::string truncated = dir_.File("truncated.sqlite");
  testing::WriteFile(truncated, ReadFile(good).substr(0, ReadFile(good).size() / 2));
  const std::string newer = dir_.File("newer.sqlite");
  std::filesystem::copy_file(good, newer);
  SqlValue(newer, "ALTER TABLE invocation RENAME COLUMN output_image_data TO output_image_ref;");
  const std::string other = dir_.File("other.sqlite");
  SqlValue(other, "CREATE TABLE things (id INTEGER);");

  for (const std::string& bad : {dir_.File("text.sqlite"), truncated, newer, other, target, dir_.File("none.sqlite")}) {
    int rc = -1;
    Import(bad, target, &rc);
    EXPECT_EQ(rc, 2) << bad << ": " << last_err_;
    EXPECT_FALSE(last_err_.empty());
    EXPECT_EQ(FileHash(target), before) << bad;
  }
  // A target that does not exist is not created.
  int rc = -1;
  Import(truncated, dir_.File("fresh.db"), &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("fresh.db")));
  // `import elixir` of a Python file: exit 2.
  auto wrong = RunCli({"--db", dir_.File("fresh.db"), "import", "elixir", good});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.err;
}

}  // namespace
}  // namespace panic
