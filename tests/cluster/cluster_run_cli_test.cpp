// `cluster run|list|show|delete` from the CLI: the stored result equals `cluster points` on
// the same vectors, bad input exits 2 naming the problem, a crash or kill -9 at any point of
// the write leaves no partial result, and deleting cascades.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "cluster/caption_like_data.h"
#include "cluster/cluster_db_fixture.h"
#include "panic/store/npy_codec.h"
#include "support/test_support.h"

namespace panic {
namespace {

using testing::RunCli;
using testing::TempDir;

int64_t Scalar(const std::string& db, const std::string& sql) {
  auto r = testing::RunShell("sqlite3 " + db + " " + testing::ShellQuote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoll(r.out.empty() ? "-1" : r.out);
}

// The cloud as a float32 .npy file, for `cluster points`.
void WriteNpy(const std::string& path, const std::vector<float>& values, size_t n, size_t dim) {
  store::NpyArray a;
  a.dtype = store::NpyDtype::kFloat32;
  a.shape = {n, dim};
  a.data.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  testing::WriteFile(path, store::EncodeNpy(a));
}

TEST(ClusterRunCliTest, StoredResultEqualsClusterPointsAndShowListsItsClusters) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(800, 32, 5, 0.3, 0.35, 21);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 2, 4, "M");
  WriteNpy(dir.File("p.npy"), cloud.values, cloud.n, cloud.dim);
  const std::string db = dir.File("a.db");
  auto points = RunCli({"cluster", "points", dir.File("p.npy"), "--min-cluster-size", "8", "--format", "json"});
  ASSERT_EQ(points.exit_code, 0) << points.err;
  auto expected = nlohmann::json::parse(points.out);
  auto run = RunCli({"--db", db, "--json", "cluster", "run", "--experiment", stored.experiment_ids[0], "--experiment",
                     stored.experiment_ids[1].substr(0, 30), "--min-cluster-size", "8", "--threads", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto results = nlohmann::json::parse(run.out);
  ASSERT_EQ(results.size(), 1u);
  const std::string id = results[0]["id"];
  EXPECT_EQ(results[0]["point_count"], 800);
  EXPECT_EQ(results[0]["path"], "exact");
  EXPECT_EQ(results[0]["cluster_count"], expected["clusters"].size());
  EXPECT_EQ(results[0]["outlier_count"], expected["noise"]);
  // Label, probability and medoid of every embedding, as `cluster points` gave them per row.
  auto dump = testing::RunShell("sqlite3 -separator ' ' " + db + " " + testing::ShellQuote(
      "SELECT ec.embedding_id, ec.cluster_label, ec.probability, coalesce(ec.medoid_embedding_id, '-') "
      "FROM embedding_clusters ec WHERE ec.clustering_result_id = '" + id + "'"));
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < stored.embedding_ids.size(); ++i) row_of[stored.embedding_ids[i]] = i;
  std::istringstream lines(dump.out);
  std::string embedding, medoid;
  int label = 0;
  double probability = 0;
  size_t seen = 0;
  std::map<int, size_t> medoid_row;
  for (size_t c = 0; c < expected["clusters"].size(); ++c) medoid_row[static_cast<int>(c)] = expected["clusters"][c]["medoid"];
  while (lines >> embedding >> label >> probability >> medoid) {
    const size_t i = row_of.at(embedding);
    ASSERT_EQ(label, expected["labels"][i].get<int>()) << "row " << i;
    EXPECT_NEAR(probability, expected["probabilities"][i].get<double>(), 1e-6) << "row " << i;
    EXPECT_EQ(medoid, label < 0 ? "-" : stored.embedding_ids[medoid_row[label]]);
    ++seen;
  }
  EXPECT_EQ(seen, 800u);

  // show: the clusters by size with their medoids' text, share and runs; latest is this one.
  auto show = RunCli({"--db", db, "cluster", "show", "latest", "--limit", "2"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("clustering result " + id), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("LABEL  SIZE"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("caption "), std::string::npos) << show.out;
  auto show_json = RunCli({"--db", db, "--json", "cluster", "show", id.substr(0, 32), "--limit", "0"});
  ASSERT_EQ(show_json.exit_code, 0) << show_json.err;
  auto j = nlohmann::json::parse(show_json.out);
  ASSERT_EQ(j["clusters"].size(), expected["clusters"].size());
  int64_t previous = INT64_MAX, total = 0;
  for (const auto& c : j["clusters"]) {
    EXPECT_LE(c["size"].get<int64_t>(), previous);
    previous = c["size"];
    total += previous;
    const size_t m = medoid_row[c["label"].get<int>()];
    EXPECT_EQ(c["medoid_text"], "caption " + std::to_string(m));
    EXPECT_GE(c["run_count"].get<int>(), 1);
    EXPECT_NEAR(c["share"].get<double>(), c["size"].get<double>() / 800.0, 1e-12);
  }
  EXPECT_EQ(total + j["outlier_count"].get<int64_t>(), 800);
  EXPECT_EQ(j["parameters"]["min_cluster_size"], 8);

  auto list = RunCli({"--db", db, "--json", "cluster", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(nlohmann::json::parse(list.out)[0]["id"], id);

  // delete asks first; with --yes it removes the result and its rows.
  auto declined = RunCli({"--db", db, "cluster", "delete", id}, "echo n |");
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM clustering_results"), 1) << declined.err;
  auto deleted = RunCli({"--db", db, "cluster", "delete", id, "--yes"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  for (const char* t : {"clustering_results", "embedding_clusters", "cluster_summaries", "clustering_result_experiments"}) {
    EXPECT_EQ(Scalar(db, std::string("SELECT count(*) FROM ") + t), 0) << t;
  }
}

// The reference defaults (epsilon 0.4, a single cluster allowed) find no cluster in
// diffuse data (hdbscan_test.cpp, DiffuseDataWithReferenceDefaultsIsAllNoiseOnBothPaths):
// `cluster run` says so and what to try, in text and in JSON, and says nothing when
// there are clusters.
TEST(ClusterRunCliTest, NoClusterResultPrintsANoteNamingTheParametersAndWhatToTry) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(2000, 64, 40, 0.45, 0.6, 1);
  testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 2, 4, "M");
  const std::string db = dir.File("a.db");
  auto r = RunCli({"--db", db, "cluster", "run", "--all", "--min-cluster-size", "5", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 clusters"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("note: all 2000 points are outliers (no cluster) under epsilon 0.4, min_cluster_size 5, "
                       "min_samples 5"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("try --epsilon 0, or a smaller --min-cluster-size"), std::string::npos) << r.out;
  auto json = RunCli({"--db", db, "--json", "cluster", "run", "--all", "--min-cluster-size", "5", "--threads", "2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto results = nlohmann::json::parse(json.out);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["cluster_count"], 0);
  ASSERT_TRUE(results[0].contains("note")) << json.out;
  EXPECT_NE(results[0]["note"].get<std::string>().find("--epsilon 0"), std::string::npos);
  // With epsilon 0 the same points form a cluster, and there is no note.
  auto found = RunCli({"--db", db, "cluster", "run", "--all", "--min-cluster-size", "5", "--epsilon", "0", "--threads", "2"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_EQ(found.out.find("0 clusters"), std::string::npos) << found.out;
  EXPECT_EQ(found.out.find("note:"), std::string::npos) << found.out;
}

TEST(ClusterRunCliTest, BadInputExitsTwoNamingTheSelectionAndTheModelsPresent) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(30, 8, 2, 0.0, 0.2, 3);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 1, "M");
  const std::string db = dir.File("a.db");
  auto r = RunCli({"--db", db, "cluster", "run", "--model", "Other"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'Other'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("M (30 points)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(stored.experiment_ids[0]), std::string::npos) << r.err;
  r = RunCli({"--db", db, "cluster", "run", "--min-cluster-size", "31"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--min-cluster-size: 31 is not allowed (an integer 2..30: the 30 points clustered)"),
            std::string::npos)
      << r.err;
  r = RunCli({"--db", db, "cluster", "run", "--downsample", "0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--downsample: 0"), std::string::npos) << r.err;
  r = RunCli({"--db", db, "cluster", "run", "--all", "--experiment", "latest"});
  EXPECT_EQ(r.exit_code, 2);
  r = RunCli({"--db", db, "cluster", "run", "--algorithm", "kmeans"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--algorithm: 'kmeans' is not one of: hdbscan, optics"), std::string::npos) << r.err;
  r = RunCli({"--db", db, "cluster", "run", "--experiment", "ffffffff"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ffffffff"), std::string::npos) << r.err;
  r = RunCli({"--db", db, "cluster", "show", "latest"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no clustering results"), std::string::npos) << r.err;
  r = RunCli({"--db", db, "cluster", "delete", "0123", "--yes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM clustering_results"), 0);
}

// The commits of `cluster run` on 900 points: 1 Begin, 1 chunk of rows (20 000 per chunk),
// 1 Complete. A crash right before or after each leaves nothing visible; the next run
// removes what the crashed one left, and completes.
TEST(ClusterRunCliTest, CrashAtEveryCommitLeavesNoPartialResult) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(900, 16, 4, 0.2, 0.3, 5);
  testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 3, "M");
  const std::string db = dir.File("a.db");
  auto probe = RunCli({"--db", db, "cluster", "run"}, "PANIC_TDA_FAULT=before_commit:1");
  if (probe.exit_code != 86) GTEST_SKIP() << "this build has no PANIC_TDA_FAULT seam";
  for (const char* fault : {"after_commit:1", "before_commit:2", "after_commit:2", "before_commit:3"}) {
    auto r = RunCli({"--db", db, "cluster", "run"}, std::string("PANIC_TDA_FAULT=") + fault);
    ASSERT_EQ(r.exit_code, 86) << fault << ": " << r.err;
    auto list = RunCli({"--db", db, "--json", "cluster", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(nlohmann::json::parse(list.out).size(), 0u) << fault;
  }
  // Each crash after the first commit left an incomplete result behind (invisible)…
  EXPECT_GE(Scalar(db, "SELECT count(*) FROM clustering_results WHERE completed_at IS NULL"), 1);
  // …which the next run removes before writing its own.
  auto ok = RunCli({"--db", db, "cluster", "run"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM clustering_results"), 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embedding_clusters"), 900);
}

// A real SIGKILL at an arbitrary moment of `cluster run`: wherever it lands, nothing partial
// is visible, and the next run leaves exactly one complete result's rows.
TEST(ClusterRunCliTest, KillNineDuringRunLeavesNoPartialResult) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(3000, 32, 6, 0.3, 0.3, 8);
  testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 6, "M");
  const std::string db = dir.File("a.db");
  for (int delay_ms : {150, 400, 900}) {
    int pid = testing::SpawnCli({"--db", db, "cluster", "run", "--threads", "1"}, dir.File("log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    testing::WaitChild(pid);
    auto list = RunCli({"--db", db, "--json", "cluster", "list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    // Either the run finished before the kill (one complete result per finished run) or it
    // left nothing visible; never a result with fewer rows than points.
    for (const auto& r : nlohmann::json::parse(list.out)) {
      const std::string id = r["id"];
      EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embedding_clusters WHERE clustering_result_id = '" + id + "'"), 3000);
    }
  }
  ASSERT_EQ(RunCli({"--db", db, "cluster", "run"}).exit_code, 0);
  const int64_t complete = Scalar(db, "SELECT count(*) FROM clustering_results WHERE completed_at IS NOT NULL");
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM clustering_results"), complete);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embedding_clusters"), 3000 * complete);
}

TEST(ClusterRunCliTest, DeletingAnExperimentDeletesTheResultsThatIncludeIt) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(200, 8, 2, 0.1, 0.2, 4);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 2, 2, "M");
  const std::string db = dir.File("a.db");
  ASSERT_EQ(RunCli({"--db", db, "cluster", "run", "--all"}).exit_code, 0);                                   // both
  ASSERT_EQ(RunCli({"--db", db, "cluster", "run", "--experiment", stored.experiment_ids[0]}).exit_code, 0);  // first
  ASSERT_EQ(RunCli({"--db", db, "cluster", "run", "--experiment", stored.experiment_ids[1]}).exit_code, 0);  // second
  ASSERT_EQ(RunCli({"--db", db, "experiment", "delete", stored.experiment_ids[1], "--yes"}).exit_code, 0);
  auto list = RunCli({"--db", db, "--json", "cluster", "list"});
  ASSERT_EQ(list.exit_code, 0);
  auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["experiment_ids"], nlohmann::json::array({stored.experiment_ids[0]}));
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embedding_clusters"), 100);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM clustering_result_experiments"), 1);
  auto all = RunCli({"--db", db, "--json", "cluster", "delete", "all", "--yes"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(nlohmann::json::parse(all.out)["deleted"], 1);
  EXPECT_EQ(Scalar(db, "SELECT count(*) FROM embedding_clusters"), 0);
}

}  // namespace
}  // namespace panic
