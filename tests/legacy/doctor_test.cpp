// `panic-tda doctor`: each kind of damage, injected into a healthy database made by a small
// dummy-model experiment, is found; each fixable one is repaired, the re-check is clean, and
// the repaired database holds what the healthy one held (the dummy models are
// deterministic for a seeded run, so the recomputed steps equal the originals).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "legacy/doctor_fixture_helpers.h"
#include "support/sqlite_shell.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::RunShell;
using testing::ShellQuote;
using testing::TempDir;
using testing::doctor::Content;
using testing::SqlOutput;

nlohmann::json Doctor(const std::string& db, const std::vector<std::string>& extra, int* exit_code) {
  std::vector<std::string> args = {"--db", db, "doctor", "--format", "json", "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = RunCli(args);
  *exit_code = r.exit_code;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

int64_t Count(const nlohmann::json& findings, const std::string& check) {
  for (const auto& f : findings) {
    if (f["check"] == check) return f["count"].get<int64_t>();
  }
  ADD_FAILURE() << "no check " << check;
  return -1;
}

class DoctorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<TempDir>();
    ASSERT_EQ(testing::doctor::MakeHealthyDatabase(dir_->path().string(), Healthy()), "");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static std::string Healthy() { return dir_->File("healthy.db"); }

  // A copy of the healthy database (after a checkpoint, so the file holds everything).
  std::string Copy() {
    SqlOutput(Healthy(), "PRAGMA wal_checkpoint(TRUNCATE);");
    std::string path = local_.File("damaged.db");
    std::filesystem::copy_file(Healthy(), path, std::filesystem::copy_options::overwrite_existing);
    return path;
  }

  // Injects the damage (with foreign keys off, as a manual edit or an old importer
  // would), checks that the doctor finds it, repairs it and leaves it clean.
  void FindAndFix(const std::string& damage, const std::string& check, bool same_content = true) {
    const std::string db = Copy();
    const std::string before = Content(db);
    SqlOutput(db, "PRAGMA foreign_keys = OFF; " + damage);
    int rc = -1;
    nlohmann::json found = Doctor(db, {}, &rc);
    EXPECT_EQ(rc, 1);
    EXPECT_GT(Count(found["findings"], check), 0) << found.dump(1);
    EXPECT_FALSE(found["clean"].get<bool>());
    EXPECT_TRUE(found["remaining"].is_null());
    // Read-only without --fix: the same damage is still there.
    nlohmann::json again = Doctor(db, {}, &rc);
    EXPECT_EQ(Count(again["findings"], check), Count(found["findings"], check));

    nlohmann::json fixed = Doctor(db, {"--fix"}, &rc);
    EXPECT_EQ(rc, 0) << fixed.dump(1);
    EXPECT_TRUE(fixed["clean"].get<bool>());
    EXPECT_EQ(Count(fixed["remaining"], check), 0);
    nlohmann::json recheck = Doctor(db, {}, &rc);
    EXPECT_EQ(rc, 0) << recheck.dump(1);
    if (same_content) {
      EXPECT_EQ(Content(db), before);
    }
  }

  static std::unique_ptr<TempDir> dir_;
  TempDir local_;
};
std::unique_ptr<TempDir> DoctorTest::dir_;

#define RUN0 "(SELECT id FROM runs WHERE run_number = 0)"
#define RUN1 "(SELECT id FROM runs WHERE run_number = 1)"

TEST_F(DoctorTest, HealthyDatabaseIsCleanAndExitsZero) {
  int rc = -1;
  nlohmann::json j = Doctor(Healthy(), {}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
  EXPECT_TRUE(j["clean"].get<bool>());
  EXPECT_EQ(j["issues"], 0);
  EXPECT_EQ(j["findings"].size(), 31u);
  auto text = RunCli({"--db", Healthy(), "doctor"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("no issues"), std::string::npos) << text.out;
}

TEST_F(DoctorTest, InterruptedRunIsResumed) {
  FindAndFix("UPDATE runs SET stop_reason = NULL, completed_at = NULL WHERE run_number = 0; "
             "DELETE FROM invocations WHERE run_id = " RUN0 " AND sequence_number >= 6;",
             "run_not_stopped");
}

TEST_F(DoctorTest, SequenceGapIsTruncatedAndRecomputed) {
  FindAndFix("DELETE FROM invocations WHERE run_id = " RUN0 " AND sequence_number = 5;", "sequence_gap");
}

TEST_F(DoctorTest, BrokenInputChainIsTruncated) {
  FindAndFix("UPDATE invocations SET input_invocation_id = (SELECT id FROM invocations WHERE run_id = " RUN0
             " AND sequence_number = 1) WHERE run_id = " RUN0 " AND sequence_number = 4;",
             "broken_input_chain");
}

TEST_F(DoctorTest, NullOutputIsTruncated) {
  FindAndFix("UPDATE invocations SET output_text = NULL WHERE run_id = " RUN1 " AND type = 'text' AND "
             "sequence_number = 3;",
             "null_output");
}

TEST_F(DoctorTest, TruncatedImageIsFound) {
  FindAndFix("UPDATE invocations SET output_image = substr(output_image, 1, length(output_image) / 2) WHERE run_id = " RUN1
             " AND sequence_number = 2;",
             "undecodable_image");
}

// Damage inside the compressed data: the RIFF size and the header stay right, so the
// structural check passes it; --decode-images decodes it and finds it, and --fix with it
// truncates the run there and recomputes the rest.
TEST_F(DoctorTest, ImageDamagedInsideItsDataIsFoundOnlyByDecoding) {
  const std::string db = Copy();
  const std::string before = Content(db);
  // The 25 bytes of the RIFF, VP8L chunk and image headers stay; the bitstream after them
  // becomes zeros (the same length).
  SqlOutput(db, "UPDATE invocations SET output_image = CAST(substr(output_image, 1, 25) || zeroblob(length(output_image) - "
                "25) AS BLOB) WHERE run_id = " RUN1 " AND sequence_number = 2;");
  int rc = -1;
  nlohmann::json structural = Doctor(db, {}, &rc);
  EXPECT_EQ(Count(structural["findings"], "undecodable_image"), 0) << structural.dump(1);
  nlohmann::json decoded = Doctor(db, {"--decode-images"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(decoded["findings"], "undecodable_image"), 1) << decoded.dump(1);
  nlohmann::json fixed = Doctor(db, {"--fix", "--decode-images"}, &rc);
  EXPECT_EQ(rc, 0) << fixed.dump(1);
  EXPECT_EQ(Content(db), before);
}

TEST_F(DoctorTest, OutputTypeMismatchIsTruncated) {
  FindAndFix("UPDATE invocations SET model = 'DummyI2T' WHERE run_id = " RUN0 " AND sequence_number = 0;",
             "output_type_mismatch");
}

TEST_F(DoctorTest, MissingEmbeddingIsComputed) {
  FindAndFix("DELETE FROM embeddings WHERE rowid = (SELECT min(rowid) FROM embeddings);", "embedding_missing");
}

TEST_F(DoctorTest, EmbeddingOfWrongModalityIsReplaced) {
  FindAndFix("UPDATE embeddings SET embedding_model = 'DummyVision' WHERE rowid = (SELECT min(e.rowid) FROM embeddings "
             "e JOIN invocations i ON i.id = e.invocation_id WHERE i.type = 'text');",
             "embedding_wrong_modality");
}

TEST_F(DoctorTest, EmbeddingOfWrongLengthIsRecomputed) {
  FindAndFix("UPDATE embeddings SET vector = substr(vector, 1, 8) WHERE rowid = (SELECT max(rowid) FROM embeddings);",
             "embedding_wrong_length");
}

TEST_F(DoctorTest, NonFiniteEmbeddingIsRecomputed) {
  const std::string db = Copy();
  // A NaN (0x7FC00000) in every place of one vector of the right length.
  const int64_t bytes = std::stoll(SqlOutput(db, "SELECT length(vector) FROM embeddings WHERE rowid = 1;"));
  std::string hex;
  for (int64_t i = 0; i < bytes / 4; ++i) hex += "0000C07F";
  FindAndFix("UPDATE embeddings SET vector = X'" + hex + "' WHERE rowid = 1;", "embedding_non_finite");
}

// Non-finite values at the edges of the 16-float blocks the check reads at once, and the
// largest finite float (exponent 0xFE) beside them; numpy's isfinite over every stored vector
// is the oracle of the count.
TEST_F(DoctorTest, NonFiniteValuesAnywhereInAVectorAreCountedAsNumpyDoes) {
  const std::string db = Copy();
  // (|| makes text of blobs: each new value is cast back to a blob, as a vector is stored)
  SqlOutput(db, "UPDATE embeddings SET vector = CAST(substr(vector, 1, length(vector) - 4) || X'0000C07F' AS BLOB) WHERE "
                "rowid = 1; "
                "UPDATE embeddings SET vector = CAST(X'000080FF' || substr(vector, 5) AS BLOB) WHERE rowid = 2; "
                "UPDATE embeddings SET vector = CAST(substr(vector, 1, 60) || X'0000807F' || substr(vector, 65) AS BLOB) "
                "WHERE rowid = 3; "
                "UPDATE embeddings SET vector = CAST(substr(vector, 1, 64) || X'FFFF7F7F' || substr(vector, 69) AS BLOB) "
                "WHERE rowid = 4; "
                "UPDATE embeddings SET vector = CAST(X'FFFF7FFF' || substr(vector, 5) AS BLOB) WHERE rowid = 5;");
  auto oracle = RunShell("/usr/bin/python3 -c " +
                         ShellQuote("import sqlite3, sys, numpy as np\n"
                                    "rows = sqlite3.connect(sys.argv[1]).execute('SELECT vector FROM embeddings')\n"
                                    "print(sum(not np.isfinite(np.frombuffer(v, '<f4')).all() for (v,) in rows))") +
                         " " + ShellQuote(db));
  ASSERT_EQ(oracle.exit_code, 0) << oracle.err;
  EXPECT_EQ(std::stoll(oracle.out), 3);
  int rc = -1;
  nlohmann::json j = Doctor(db, {}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(j["findings"], "embedding_non_finite"), std::stoll(oracle.out)) << j.dump(1);
  EXPECT_EQ(Count(j["findings"], "embedding_wrong_length"), 0);
  EXPECT_EQ(Count(j["findings"], "embedding_wrong_modality"), 0);
}

// foreign_key_check reads the big tables through their indexes (and WITHOUT ROWID tables
// through the PRAGMA); SQLite's own PRAGMA foreign_key_check is the oracle of what it finds.
TEST_F(DoctorTest, ForeignKeyCheckFindsWhatSqlitesPragmaFinds) {
  const std::string db = Copy();
  SqlOutput(db, "PRAGMA foreign_keys = OFF; "
                "INSERT INTO embeddings VALUES ('orphan-emb', 'no-such-invocation', 'DummyText', X'00000000', 't', 't'); "
                "UPDATE invocations SET input_invocation_id = 'no-such-input' WHERE rowid = (SELECT max(rowid) FROM "
                "invocations); "
                "INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, "
                "completed_at) VALUES ('cr', NULL, 'DummyText', 'hdbscan', '{}', 't', 't'); "
                "INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, "
                "medoid_embedding_id) VALUES ('ec', (SELECT min(id) FROM embeddings), 'cr', 0, 'no-such-medoid'); "
                "INSERT INTO cluster_summaries VALUES ('no-such-result', 0, 1, 1, NULL);");
  const std::string pragma = SqlOutput(db, "PRAGMA foreign_key_check;");
  const int64_t expected = std::count(pragma.begin(), pragma.end(), '\n');
  EXPECT_EQ(expected, 4) << pragma;
  int rc = -1;
  nlohmann::json j = Doctor(db, {}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(j["findings"], "foreign_key_check"), expected) << j.dump(1) << pragma;
  std::string examples;
  for (const auto& f : j["findings"]) {
    if (f["check"] == "foreign_key_check") examples = f["examples"].dump();
  }
  for (const char* table : {"embeddings rowid", "invocations rowid", "embedding_clusters rowid", "cluster_summaries"}) {
    EXPECT_NE(examples.find(table), std::string::npos) << table << " in " << examples;
  }
}

TEST_F(DoctorTest, MissingDiagramIsComputed) {
  FindAndFix("DELETE FROM persistence_diagrams WHERE rowid = (SELECT min(rowid) FROM persistence_diagrams);",
             "diagram_missing");
}

TEST_F(DoctorTest, FailedDiagramIsRecomputed) {
  FindAndFix("UPDATE persistence_diagrams SET diagram_data = NULL, error = 'out of memory' WHERE rowid = (SELECT "
             "min(rowid) FROM persistence_diagrams);",
             "diagram_failed");
}

TEST_F(DoctorTest, UndecodableDiagramIsRecomputed) {
  FindAndFix("UPDATE persistence_diagrams SET diagram_data = X'504B0304DEADBEEF' WHERE rowid = (SELECT max(rowid) FROM "
             "persistence_diagrams);",
             "diagram_undecodable");
}

TEST_F(DoctorTest, DiagramOfModelNotInConfigIsDeleted) {
  FindAndFix("UPDATE persistence_diagrams SET embedding_model = 'DummyText2' WHERE rowid = (SELECT min(rowid) FROM "
             "persistence_diagrams);",
             "diagram_model_not_in_config");
}

TEST_F(DoctorTest, OrphansAreDeleted) {
  FindAndFix("INSERT INTO runs (id, experiment_id, run_number, network, seed, max_length, initial_prompt) VALUES "
             "('orphan-run', 'no-such-experiment', 0, '[\"DummyT2I\"]', 1, 2, 'x');",
             "orphan_runs");
  FindAndFix("INSERT INTO invocations (id, run_id, sequence_number, model, type, seed, output_text, started_at, "
             "completed_at) VALUES ('orphan-inv', 'no-such-run', 0, 'DummyI2T', 'text', 1, 'x', 't', 't');",
             "orphan_invocations");
  FindAndFix("INSERT INTO embeddings VALUES ('orphan-emb', 'no-such-invocation', 'DummyText', X'00000000', 't', 't');",
             "orphan_embeddings");
  FindAndFix("INSERT INTO persistence_diagrams (id, run_id, embedding_model, started_at, completed_at) VALUES "
             "('orphan-dgm', 'no-such-run', 'DummyText', 't', 't');",
             "orphan_diagrams");
  FindAndFix("INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, completed_at) VALUES ('orphan-cr', 'no-such-experiment', 'DummyText', 'hdbscan', '{}', "
             "'t', 't');",
             "orphan_clustering_results");
  FindAndFix("INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, medoid_embedding_id) VALUES ('orphan-ec', (SELECT min(id) FROM embeddings), 'no-such-result', "
             "0, NULL);",
             "orphan_cluster_assignments");
}

TEST_F(DoctorTest, ClusterAssignmentToMissingEmbeddingIsDeleted) {
  FindAndFix("INSERT INTO clustering_results (id, experiment_id, embedding_model, algorithm, parameters, started_at, completed_at) VALUES ('cr', NULL, 'DummyText', 'hdbscan', '{}', 't', 't'); "
             "INSERT INTO embedding_clusters (id, embedding_id, clustering_result_id, cluster_label, medoid_embedding_id) VALUES ('ec', 'no-such-embedding', 'cr', 0, NULL);",
             "cluster_assignment_missing_embedding");
}

TEST_F(DoctorTest, FalseCompletionIsCleared) {
  FindAndFix("UPDATE runs SET stop_reason = 'failed', error = 'OOM' WHERE run_number = 2;", "completed_but_unfinished");
}

// ---- the clustering snapshot (migration 4): a real `cluster run` result, then damaged.

// The snapshot's rows in one text, for comparing a repaired result with the original.
std::string Snapshot(const std::string& db) {
  return SqlOutput(db, "SELECT id, scope, point_count, cluster_count, outlier_count, completed_at IS NOT NULL FROM "
                       "clustering_results ORDER BY id; SELECT * FROM clustering_result_experiments ORDER BY 1, 2; "
                       "SELECT * FROM cluster_summaries ORDER BY 1, 2; SELECT embedding_id, cluster_label, "
                       "medoid_embedding_id, probability FROM embedding_clusters ORDER BY 1;");
}

class DoctorClusteringTest : public DoctorTest {
 protected:
  // A copy of the healthy database with one clustering result of its text outputs.
  std::string Clustered() {
    const std::string db = Copy();
    // OPTICS: HDBSCAN* with the reference defaults labels this small, diffuse set all noise (no
    // cluster, so no summaries to damage); the snapshot tables are the same for both algorithms.
    auto r = RunCli({"--db", db, "cluster", "run", "--model", "DummyText", "--algorithm", "optics"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM clustering_results WHERE completed_at IS NOT NULL;"), "1\n");
    EXPECT_NE(SqlOutput(db, "SELECT count(*) FROM cluster_summaries;"), "0\n");
    return db;
  }
  // Damages the snapshot; the doctor finds it under `check`; --fix repairs it to `after`
  // (the original snapshot, or "" when the fix removes the result) and the re-check is clean.
  void FindAndFixSnapshot(const std::string& damage, const std::string& check, bool restores) {
    const std::string db = Clustered();
    const std::string before = Snapshot(db);
    SqlOutput(db, "PRAGMA foreign_keys = OFF; " + damage);
    int rc = -1;
    nlohmann::json found = Doctor(db, {}, &rc);
    EXPECT_EQ(rc, 1) << check;
    EXPECT_GT(Count(found["findings"], check), 0) << found.dump(1);
    nlohmann::json fixed = Doctor(db, {"--fix"}, &rc);
    EXPECT_EQ(rc, 0) << fixed.dump(1);
    EXPECT_EQ(Count(fixed["remaining"], check), 0);
    if (restores) {
      EXPECT_EQ(Snapshot(db), before) << check;
    } else {
      EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM clustering_results;"), "0\n") << check;
    }
    EXPECT_EQ(Doctor(db, {}, &rc)["clean"], true);
  }
};

TEST_F(DoctorClusteringTest, ARealResultIsClean) {
  const std::string db = Clustered();
  int rc = -1;
  nlohmann::json j = Doctor(db, {}, &rc);
  EXPECT_EQ(rc, 0) << j.dump(1);
}

TEST_F(DoctorClusteringTest, ResultLeftIncompleteByAKilledWriterIsRemoved) {
  // Its writer ran on this host and its pid does not exist (beyond Linux's pid_max).
  std::string host = RunShell("hostname").out;
  host = host.substr(0, host.find('\n'));
  FindAndFixSnapshot("UPDATE clustering_results SET completed_at = NULL, writer_pid = 2147483647, writer_host = '" +
                         host + "';",
                     "clustering_incomplete", false);
}

TEST_F(DoctorClusteringTest, SummariesThatDisagreeWithTheAssignmentsAreRewritten) {
  FindAndFixSnapshot("UPDATE cluster_summaries SET size = size + 5, run_count = 99 WHERE cluster_label = 0; "
                     "UPDATE clustering_results SET outlier_count = outlier_count + 1;",
                     "cluster_summary_mismatch", true);
  FindAndFixSnapshot("DELETE FROM cluster_summaries WHERE cluster_label = 0;", "cluster_summary_mismatch", true);
}

TEST_F(DoctorClusteringTest, MissingScopeIsRestoredFromTheMembers) {
  FindAndFixSnapshot("DELETE FROM clustering_result_experiments;", "clustering_scope_mismatch", true);
}

TEST_F(DoctorClusteringTest, ProbabilityOutsideZeroToOneBecomesUnknown) {
  const std::string db = Clustered();
  SqlOutput(db, "UPDATE embedding_clusters SET probability = 1.5 WHERE rowid = 1; UPDATE embedding_clusters SET "
                "probability = -0.25 WHERE rowid = 2;");
  int rc = -1;
  EXPECT_EQ(Count(Doctor(db, {}, &rc)["findings"], "cluster_probability_invalid"), 2);
  nlohmann::json fixed = Doctor(db, {"--fix"}, &rc);
  EXPECT_EQ(rc, 0) << fixed.dump(1);
  EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM embedding_clusters WHERE probability IS NULL;"), "2\n");
  EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM embedding_clusters WHERE rowid IN (1, 2) AND probability IS NULL;"), "2\n");
}

TEST_F(DoctorClusteringTest, SnapshotRowsWithoutTheirResultAreDeleted) {
  FindAndFixSnapshot("INSERT INTO cluster_summaries VALUES ('no-such-result', 0, 1, 1, NULL); INSERT INTO "
                     "clustering_result_experiments VALUES ('no-such-result', (SELECT id FROM experiments));",
                     "clustering_snapshot_orphans", true);
  // A scope naming a missing experiment: the result goes, as deleting the experiment does.
  FindAndFixSnapshot("INSERT INTO clustering_result_experiments VALUES ((SELECT id FROM clustering_results), "
                     "'no-such-experiment');",
                     "clustering_snapshot_orphans", false);
}

TEST_F(DoctorClusteringTest, MedoidThatIsNotAMemberIsReportedNotGuessed) {
  const std::string db = Clustered();
  // Cluster 0's medoid becomes a member of another cluster (or an outlier).
  SqlOutput(db, "UPDATE cluster_summaries SET medoid_embedding_id = (SELECT embedding_id FROM embedding_clusters WHERE "
                "cluster_label != 0 LIMIT 1) WHERE cluster_label = 0;");
  const std::string damaged = Snapshot(db);
  int rc = -1;
  nlohmann::json found = Doctor(db, {}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_GT(Count(found["findings"], "cluster_medoid_not_member"), 0) << found.dump(1);
  nlohmann::json fixed = Doctor(db, {"--fix"}, &rc);
  EXPECT_EQ(rc, 1) << fixed.dump(1);
  EXPECT_GT(Count(fixed["remaining"], "cluster_medoid_not_member"), 0);
  EXPECT_EQ(Snapshot(db), damaged);  // no medoid is invented
}

// Every fixable kind of damage at once, on a clustered database: one --fix repairs it all —
// including what its own repairs cause (truncating a damaged run deletes its embeddings, one
// of them a cluster's medoid: that result can no longer be summarised and is deleted, as
// `cluster delete` would) — and a second --fix finds nothing. Before, the first --fix ended
// with an unfixable cluster_medoid_not_member that it had made itself, and the second
// reported it again (exit 1 both times).
TEST_F(DoctorClusteringTest, OneFixRepairsEveryKindAndWhatItsRepairsCause) {
  const std::string db = Clustered();
  // The medoid of cluster 0 is an embedding of a step that the truncation of its run deletes.
  const std::string medoid_run = SqlOutput(
      db, "SELECT r.run_number, i.sequence_number FROM cluster_summaries s JOIN embeddings e ON e.id = "
          "s.medoid_embedding_id JOIN invocations i ON i.id = e.invocation_id JOIN runs r ON r.id = i.run_id WHERE "
          "s.cluster_label = 0;");
  ASSERT_FALSE(medoid_run.empty());
  const std::string run = medoid_run.substr(0, medoid_run.find('|'));
  const std::string step = std::to_string(std::max(0, std::stoi(medoid_run.substr(medoid_run.find('|') + 1)) - 1));
  const std::string other = run == "0" ? "1" : "0";
  const std::string third = run == "2" ? "1" : "2";
  SqlOutput(db,
            "PRAGMA foreign_keys = OFF; "
            // the medoid's run: a gap just before the medoid's step
            "DELETE FROM invocations WHERE run_id = (SELECT id FROM runs WHERE run_number = " + run +
                ") AND sequence_number = " + step + "; "
            // another run: a text step without its text; the third: a truncated image
            "UPDATE invocations SET output_text = NULL WHERE run_id = (SELECT id FROM runs WHERE run_number = " + other +
                ") AND type = 'text' AND sequence_number = 9; "
            "UPDATE invocations SET output_image = substr(output_image, 1, length(output_image) / 2) WHERE run_id = "
            "(SELECT id FROM runs WHERE run_number = " + third + ") AND sequence_number = 8; "
            "UPDATE embeddings SET vector = substr(vector, 1, 8) WHERE rowid = (SELECT max(rowid) FROM embeddings); "
            "UPDATE persistence_diagrams SET diagram_data = X'504B0304DEADBEEF' WHERE rowid = (SELECT max(rowid) FROM "
            "persistence_diagrams); "
            "INSERT INTO runs (id, experiment_id, run_number, network, seed, max_length, initial_prompt) VALUES "
            "('orphan-run', 'no-such-experiment', 0, '[\"DummyT2I\"]', 1, 2, 'x'); "
            "INSERT INTO embeddings VALUES ('orphan-emb', 'no-such-invocation', 'DummyText', X'00000000', 't', 't'); "
            "UPDATE embedding_clusters SET probability = 1.5 WHERE rowid = (SELECT max(rowid) FROM embedding_clusters); "
            "UPDATE cluster_summaries SET size = size + 5 WHERE cluster_label = 0;");
  int rc = -1;
  nlohmann::json found = Doctor(db, {}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(Count(found["findings"], "cluster_medoid_missing"), 0) << found.dump(1);
  EXPECT_EQ(Count(found["findings"], "cluster_medoid_not_member"), 0) << found.dump(1);
  for (const char* check : {"sequence_gap", "null_output", "undecodable_image", "orphan_runs", "orphan_embeddings",
                            "diagram_undecodable", "cluster_summary_mismatch", "cluster_probability_invalid"}) {
    EXPECT_GT(Count(found["findings"], check), 0) << check;
  }
  nlohmann::json first = Doctor(db, {"--fix"}, &rc);
  EXPECT_EQ(rc, 0) << first.dump(1);
  EXPECT_TRUE(first["clean"].get<bool>()) << first.dump(1);
  int64_t deleted = -1;
  for (const auto& repair : first["repairs"]) {
    if (repair["name"] == "delete_clusterings_without_medoid") deleted = repair["rows"].get<int64_t>();
  }
  EXPECT_EQ(deleted, 1) << first.dump(1);
  EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM clustering_results;"), "0\n");
  nlohmann::json second = Doctor(db, {"--fix"}, &rc);
  EXPECT_EQ(rc, 0) << second.dump(1);
  EXPECT_EQ(second["issues"], 0) << second.dump(1);
  for (const auto& repair : second["repairs"]) EXPECT_EQ(repair["rows"], 0) << second.dump(1);
  // The runs are whole again (the dummy models recompute the same steps).
  EXPECT_EQ(SqlOutput(db, "SELECT count(*) FROM invocations;"), "30\n");
}

TEST_F(DoctorTest, ExperimentScopeLimitsTheRunChecks) {
  const std::string db = Copy();
  SqlOutput(db, "DELETE FROM invocations WHERE run_id = " RUN0 " AND sequence_number = 5;");
  const std::string id = SqlOutput(db, "SELECT id FROM experiments;").substr(0, 36);
  int rc = -1;
  nlohmann::json j = Doctor(db, {"--experiment", id}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(j["experiment_id"], id);
  EXPECT_EQ(Count(j["findings"], "sequence_gap"), 1);
  auto missing = RunCli({"--db", db, "doctor", "--experiment", "ffffffff"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

TEST_F(DoctorTest, DamageSqliteCannotRepairRemainsAndExitsOne) {
  const std::string db = Copy();
  // An index whose definition no longer matches its content: integrity_check reports the
  // rows missing from it.
  SqlOutput(db, "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = 'CREATE INDEX embeddings_by_model ON "
                "embeddings(started_at)' WHERE name = 'embeddings_by_model';");
  // Only the full integrity_check compares an index with its table; the default quick_check
  // reads every page and record but not that.
  int rc = -1;
  nlohmann::json j = Doctor(db, {"--full"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_GT(Count(j["findings"], "integrity_check"), 0) << j.dump(1);
  nlohmann::json quick = Doctor(db, {}, &rc);
  EXPECT_EQ(Count(quick["findings"], "integrity_check"), 0) << quick.dump(1);
  nlohmann::json fixed = Doctor(db, {"--fix", "--full"}, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_GT(Count(fixed["remaining"], "integrity_check"), 0);
}

TEST_F(DoctorTest, RefusesMissingAndLegacyFiles) {
  auto missing = RunCli({"--db", local_.File("none.db"), "doctor"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  const std::string legacy = local_.File("python.db");
  SqlOutput(legacy, "CREATE TABLE experimentconfig (id CHAR(32)); CREATE TABLE run (id CHAR(32)); CREATE TABLE invocation "
                    "(id CHAR(32)); CREATE TABLE embedding (id CHAR(32)); CREATE TABLE persistencediagram (id CHAR(32));");
  auto r = RunCli({"--db", legacy, "doctor"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace panic
