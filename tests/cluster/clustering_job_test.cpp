// `cluster run` below the CLI (engine/clustering_job.h): the stored result is the
// algorithm's result on the same vectors, bad selections are refused before anything is
// written, and an interrupted write leaves nothing.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cluster/caption_like_data.h"
#include "cluster/cluster_db_fixture.h"
#include "panic/cluster/hdbscan.h"
#include "panic/cluster/optics.h"
#include "panic/core/time.h"
#include "panic/core/uuid.h"
#include "panic/engine/clustering_job.h"
#include "panic/store/database.h"
#include "panic/store/embeddings_table.h"
#include "panic/store/experiments_table.h"
#include "panic/store/invocations_table.h"
#include "panic/store/sqlite_db.h"
#include "support/test_support.h"

namespace panic::engine {
namespace {

using testing::TempDir;
namespace clustering = store::clustering;

int64_t Scalar(store::Database& db, const std::string& sql) {
  return *(*db.connection().Prepare(sql))->ScalarInt();
}

// Checks the stored result against the algorithm's answer on the cloud's rows.
void ExpectStoredEquals(store::Database& db, const clustering::ResultRecord& r, const testing::StoredCloud& stored,
                        const std::vector<int32_t>& labels, const std::vector<float>& probabilities,
                        const std::vector<uint32_t>& medoids) {
  auto rows = db.Read([&](store::SqliteDb& c) { return clustering::ListAssignments(c, r.id); });
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), stored.embedding_ids.size());
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < stored.embedding_ids.size(); ++i) row_of[stored.embedding_ids[i]] = i;
  for (const auto& a : *rows) {
    const size_t i = row_of.at(a.embedding_id);
    ASSERT_EQ(a.label, labels[i]) << "row " << i;
    EXPECT_FLOAT_EQ(static_cast<float>(*a.probability), probabilities[i]) << "row " << i;
    if (labels[i] < 0) {
      EXPECT_FALSE(a.medoid_embedding_id.has_value());
    } else {
      EXPECT_EQ(*a.medoid_embedding_id, stored.embedding_ids[medoids[static_cast<size_t>(labels[i])]]);
    }
  }
  // The summaries: sizes, distinct runs and medoids per cluster.
  std::map<int32_t, int64_t> size;
  std::map<int32_t, std::set<std::string>> runs;
  int64_t outliers = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) {
      ++outliers;
      continue;
    }
    ++size[labels[i]];
    runs[labels[i]].insert(stored.run_ids[i]);
  }
  EXPECT_EQ(r.cluster_count, static_cast<int64_t>(medoids.size()));
  EXPECT_EQ(r.outlier_count, outliers);
  auto clusters = db.Read([&](store::SqliteDb& c) { return clustering::Clusters(c, r.id, -1); });
  ASSERT_TRUE(clusters.ok());
  ASSERT_EQ(clusters->size(), medoids.size());
  for (const auto& c : *clusters) {
    const auto l = static_cast<int32_t>(c.label);
    EXPECT_EQ(c.size, size[l]);
    EXPECT_EQ(c.run_count, static_cast<int64_t>(runs[l].size()));
    EXPECT_EQ(*c.medoid_embedding_id, stored.embedding_ids[medoids[static_cast<size_t>(l)]]);
    EXPECT_EQ(c.medoid_text, "caption " + std::to_string(medoids[static_cast<size_t>(l)]));
  }
}

TEST(ClusteringJobTest, StoredHdbscanResultIsTheAlgorithmsOnTheSameVectors) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(900, 24, 6, 0.3, 0.35, 7);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 2, 5, "M");
  auto db = std::move(store::Database::Open(dir.File("a.db"), store::OpenMode::kWrite)).value();
  ClusteringJob job;
  job.experiment_ids = stored.experiment_ids;
  job.write_chunk_rows = 128;  // several chunks
  job.read_page_rows = 100;    // several pages
  job.parameters.min_cluster_size = 10;
  job.parameters.threads = 2;
  auto results = RunClusteringJob(*db, job);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 1u);
  const auto& r = (*results)[0];
  EXPECT_EQ(r.embedding_model, "M");
  EXPECT_EQ(r.point_count, 900);
  EXPECT_EQ(r.dimension, 24);
  EXPECT_EQ(r.path, "exact");
  std::vector<std::string> scope = stored.experiment_ids;
  std::sort(scope.begin(), scope.end());
  EXPECT_EQ(r.experiment_ids, scope);

  cluster::HdbscanOptions o = cluster::ReferenceDefaults(cloud.n);
  o.min_cluster_size = o.min_samples = 10;
  auto direct = cluster::Hdbscan(cloud.values, cloud.n, cloud.dim, o);
  ASSERT_TRUE(direct.ok());
  ASSERT_GE(direct->clusters, 2u) << "the data should have structure, or this test proves little";
  ExpectStoredEquals(*db, r, stored, direct->labels, direct->probabilities, direct->medoids);
  auto parameters = nlohmann::json::parse(r.parameters_json);
  EXPECT_EQ(parameters["min_cluster_size"], 10);
  EXPECT_EQ(parameters["min_samples"], 10);
  EXPECT_DOUBLE_EQ(parameters["cluster_selection_epsilon"].get<double>(), 0.4);
  EXPECT_EQ(parameters["downsample"], 1);
  EXPECT_EQ(parameters["path"], "exact");
  // Running again makes a second result; the first is untouched.
  auto again = RunClusteringJob(*db, job);
  ASSERT_TRUE(again.ok());
  EXPECT_NE((*again)[0].id, r.id);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM clustering_results WHERE completed_at IS NOT NULL"), 2);
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM embedding_clusters"), 1800);
}

TEST(ClusteringJobTest, StoredOpticsResultIsTheAlgorithmsAndDownsamplingKeepsEveryNth) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(600, 16, 4, 0.2, 0.3, 11);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 4, "M");
  auto db = std::move(store::Database::Open(dir.File("a.db"), store::OpenMode::kWrite)).value();
  ClusteringJob job;
  job.all_experiments = true;
  job.downsample = 2;
  job.parameters.algorithm = ClusterAlgorithm::kOptics;
  job.parameters.min_samples = 5;
  auto results = RunClusteringJob(*db, job);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  const auto& r = (*results)[0];
  EXPECT_EQ(r.scope, "all");
  EXPECT_EQ(r.experiment_ids, stored.experiment_ids);
  // Every run has 150 consecutive rows: steps 0, 2, 4, … of each.
  testing::StoredCloud kept;
  std::vector<float> values;
  for (size_t i = 0; i < cloud.n; ++i) {
    if ((i % 150) % 2 != 0) continue;
    kept.embedding_ids.push_back(stored.embedding_ids[i]);
    kept.run_ids.push_back(stored.run_ids[i]);
    values.insert(values.end(), cloud.values.begin() + static_cast<std::ptrdiff_t>(i * cloud.dim),
                  cloud.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * cloud.dim));
  }
  ASSERT_EQ(r.point_count, 300);
  cluster::OpticsOptions o;
  o.min_samples = 5;
  auto direct = cluster::Optics(values, 300, cloud.dim, o);
  ASSERT_TRUE(direct.ok());
  ASSERT_GE(direct->cluster_count, 2u);
  std::vector<float> probabilities(300);
  for (size_t i = 0; i < 300; ++i) probabilities[i] = direct->labels[i] >= 0 ? 1.0f : 0.0f;
  // Medoid texts name the cloud row, not the kept row: check ids, sizes and runs only.
  auto rows = db->Read([&](store::SqliteDb& c) { return clustering::ListAssignments(c, r.id); });
  ASSERT_TRUE(rows.ok());
  std::map<std::string, size_t> row_of;
  for (size_t i = 0; i < kept.embedding_ids.size(); ++i) row_of[kept.embedding_ids[i]] = i;
  ASSERT_EQ(rows->size(), 300u);
  for (const auto& a : *rows) {
    const size_t i = row_of.at(a.embedding_id);
    EXPECT_EQ(a.label, direct->labels[i]);
    EXPECT_FLOAT_EQ(static_cast<float>(*a.probability), probabilities[i]);
    if (direct->labels[i] >= 0) {
      EXPECT_EQ(*a.medoid_embedding_id, kept.embedding_ids[direct->medoids[static_cast<size_t>(direct->labels[i])]]);
    }
  }
}

TEST(ClusteringJobTest, BadSelectionsAreRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(40, 8, 2, 0.0, 0.2, 3);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 2, "M");
  auto db = std::move(store::Database::Open(dir.File("a.db"), store::OpenMode::kWrite)).value();
  // An experiment without embeddings.
  store::ExperimentRecord empty;
  empty.id = NewUuidV7();
  empty.networks = {{"DummyT2I", "DummyI2T"}};
  empty.seeds = {1};
  empty.prompts = {"p"};
  empty.embedding_models = {"M"};
  empty.max_length = 3;
  empty.created_at = empty.updated_at = NowIso();
  ASSERT_TRUE(db->Write([&](store::SqliteDb& c) { return store::experiments::Insert(c, empty, {}); }).ok());

  ClusteringJob job;
  job.experiment_ids = {empty.id};
  auto r = RunClusteringJob(*db, job);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("experiment " + empty.id), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("no embeddings"), std::string::npos) << r.status().message();

  job.experiment_ids = stored.experiment_ids;
  job.model = "Nope";
  r = RunClusteringJob(*db, job);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("'Nope'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("M (40 points)"), std::string::npos) << r.status().message();

  job.model = "M";
  job.parameters.min_cluster_size = 41;
  r = RunClusteringJob(*db, job);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--min-cluster-size: 41 is not allowed (an integer 2..40: the 40 points clustered)"),
            std::string::npos)
      << r.status().message();
  // Downsampling can make too few too.
  job.parameters.min_cluster_size = 15;
  job.downsample = 4;  // 2 runs of 20 → 5 + 5
  r = RunClusteringJob(*db, job);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("10 points"), std::string::npos) << r.status().message();
  EXPECT_EQ(Scalar(*db, "SELECT count(*) FROM clustering_results"), 0);
}

TEST(ClusteringJobTest, ImagesAreClusteredOnlyWhenAskedFor) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(60, 8, 2, 0.0, 0.2, 5);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 1, "M");
  auto db = std::move(store::Database::Open(dir.File("a.db"), store::OpenMode::kWrite)).value();
  // One image output at step 60 of the run, embedded under M.
  store::InvocationRecord image;
  image.id = NewUuidV7();
  image.run_id = stored.run_ids[0];
  image.sequence_number = 60;
  image.model = "DummyT2I";
  image.type = store::OutputType::kImage;
  image.output_image = "not decoded here";
  image.started_at = image.completed_at = NowIso();
  store::EmbeddingRecord e;
  e.id = NewUuidV7();
  e.invocation_id = image.id;
  e.embedding_model = "M";
  e.vector.assign(cloud.values.begin(), cloud.values.begin() + 8);
  e.started_at = e.completed_at = image.started_at;
  ASSERT_TRUE(db->Write([&](store::SqliteDb& c) -> Status {
    PANIC_RETURN_IF_ERROR(store::invocations::InsertStep(c, {image}, {}));
    return store::embeddings::Insert(c, {e});
  }).ok());
  ClusteringJob job;
  job.experiment_ids = stored.experiment_ids;
  auto text_only = RunClusteringJob(*db, job);
  ASSERT_TRUE(text_only.ok()) << text_only.status().ToString();
  EXPECT_EQ((*text_only)[0].point_count, 60);
  job.include_images = true;
  auto with_images = RunClusteringJob(*db, job);
  ASSERT_TRUE(with_images.ok());
  EXPECT_EQ((*with_images)[0].point_count, 61);
  EXPECT_EQ(nlohmann::json::parse((*with_images)[0].parameters_json)["include_images"], true);
}

TEST(ClusteringJobTest, CancelWhileWritingLeavesNothing) {
  TempDir dir;
  const auto cloud = testing::CaptionLikeCloud(500, 8, 3, 0.1, 0.2, 9);
  auto stored = testing::StoreCloud(dir.File("a.db"), cloud.values, cloud.n, cloud.dim, 1, 2, "M");
  auto db = std::move(store::Database::Open(dir.File("a.db"), store::OpenMode::kWrite)).value();
  CancelFlag cancel{false};
  ClusteringJob job;
  job.experiment_ids = stored.experiment_ids;
  job.write_chunk_rows = 50;
  job.cancel = &cancel;
  int chunks = 0;
  job.progress = [&](const ProgressEvent& e) {
    if (e.stage == "write" && !e.finished && ++chunks == 3) cancel.store(true);
  };
  auto r = RunClusteringJob(*db, job);
  ASSERT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  EXPECT_EQ(chunks, 3);
  for (const char* t : {"clustering_results", "embedding_clusters", "cluster_summaries", "clustering_result_experiments"}) {
    EXPECT_EQ(Scalar(*db, std::string("SELECT count(*) FROM ") + t), 0) << t;
  }
}

}  // namespace
}  // namespace panic::engine
