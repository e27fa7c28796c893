// HDBSCAN*: R's dbscan::hdbscan as oracle, hand-built cases for what it lacks (epsilon,
// single cluster, ties, duplicates, degenerate inputs), medoids against brute force,
// determinism, and the approximate path against the exact one.
#include "panic/cluster/hdbscan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "cluster/caption_like_data.h"
#include "cluster/cluster_oracles.h"
#include "panic/cluster/agreement.h"
#include "panic/cluster/approximate_neighbors.h"
#include "panic/cluster/condensed_tree.h"

namespace panic::cluster {
namespace {

using testing::CaptionLikeCloud;

HdbscanOptions Options(size_t mcs, size_t ms, HdbscanPath path = HdbscanPath::kExact) {
  HdbscanOptions o;
  o.min_cluster_size = mcs;
  o.min_samples = ms;
  o.path = path;
  o.threads = 2;
  return o;
}

Clustering Cluster(const std::vector<float>& v, size_t n, size_t dim, const HdbscanOptions& o) {
  Result<Clustering> r = Hdbscan(v, n, dim, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Clustering{};
}

// Appends `count` copies of the unit vector along `axes` (weights) with a small
// deterministic jitter of size `jitter`.
void AddBlob(std::vector<float>& v, size_t dim, const std::vector<std::pair<size_t, float>>& axes,
             size_t count, float jitter, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t i = 0; i < count; ++i) {
    std::vector<float> row(dim, 0.0f);
    for (auto [axis, w] : axes) row[axis] = w;
    for (float& x : row) x += jitter * u(rng);
    v.insert(v.end(), row.begin(), row.end());
  }
}

// The labelling's invariants: labels in −1..clusters−1, every cluster has a member,
// one medoid per cluster that is a member of it, probability 0 exactly for noise.
void ExpectConsistent(const Clustering& c) {
  std::vector<size_t> members(c.clusters, 0);
  for (size_t i = 0; i < c.labels.size(); ++i) {
    ASSERT_GE(c.labels[i], -1) << i;
    ASSERT_LT(c.labels[i], static_cast<int32_t>(c.clusters)) << i;
    if (c.labels[i] >= 0) {
      ++members[static_cast<size_t>(c.labels[i])];
    } else {
      EXPECT_EQ(c.probabilities[i], 0.0f) << i;
    }
  }
  for (size_t k = 0; k < c.clusters; ++k) EXPECT_GT(members[k], 0u) << "cluster " << k;
  ASSERT_EQ(c.medoids.size(), c.clusters);
  for (size_t k = 0; k < c.clusters; ++k) EXPECT_EQ(c.labels[c.medoids[k]], static_cast<int32_t>(k));
}

TEST(HdbscanOracleTest, SameAsRDbscanOnWellSeparatedClusters) {
  if (!testing::HaveRDbscan()) GTEST_SKIP() << "R dbscan not installed";
  auto cloud = CaptionLikeCloud(1500, 64, 10, 0.0, 0.3, 11);
  Clustering ours = Cluster(cloud.values, cloud.n, cloud.dim, Options(10, 10));
  auto r = testing::RHdbscanLabels(testing::Normalized(cloud.values, cloud.dim), cloud.n, cloud.dim, 10);
  ASSERT_EQ(r.size(), cloud.n);
  EXPECT_EQ(ours.clusters, 10u);
  EXPECT_DOUBLE_EQ(AdjustedRandIndex(ours.labels, r), 1.0);
}

TEST(HdbscanOracleTest, AgreesWithRDbscanOnNoisyCaptionLikeData) {
  if (!testing::HaveRDbscan()) GTEST_SKIP() << "R dbscan not installed";
  for (uint64_t seed : {21u}) {
    auto cloud = CaptionLikeCloud(2000, 768, 40, 0.45, 0.6, seed);
    Clustering ours = Cluster(cloud.values, cloud.n, cloud.dim, Options(8, 8));
    auto r = testing::RHdbscanLabels(testing::Normalized(cloud.values, cloud.dim), cloud.n, cloud.dim, 8);
    ASSERT_EQ(r.size(), cloud.n);
    const double ari = AdjustedRandIndex(ours.labels, r);
    EXPECT_GE(ari, 0.99) << "seed " << seed << ": " << ours.clusters << " clusters";
    EXPECT_GE(ours.clusters, 30u);  // 40 generated
  }
}

// Three tight groups on S²: A and B 0.2 apart, C far. Epsilon 0.5 merges A and B.
TEST(HdbscanHandBuiltTest, EpsilonMergesClustersCloserThanIt) {
  std::vector<float> v;
  AddBlob(v, 3, {{0, 1.0f}}, 30, 0.01f, 1);
  AddBlob(v, 3, {{0, std::cos(0.2f)}, {1, std::sin(0.2f)}}, 30, 0.01f, 2);
  AddBlob(v, 3, {{2, 1.0f}}, 30, 0.01f, 3);
  HdbscanOptions o = Options(5, 5);
  Clustering plain = Cluster(v, 90, 3, o);
  ASSERT_EQ(plain.clusters, 3u);
  EXPECT_NE(plain.labels[0], plain.labels[30]);
  o.cluster_selection_epsilon = 0.5;
  Clustering merged = Cluster(v, 90, 3, o);
  ASSERT_EQ(merged.clusters, 2u);
  for (size_t i = 0; i < 60; ++i) EXPECT_EQ(merged.labels[i], merged.labels[0]) << i;
  for (size_t i = 60; i < 90; ++i) EXPECT_EQ(merged.labels[i], merged.labels[60]) << i;
  EXPECT_NE(merged.labels[0], merged.labels[60]);
  // Epsilon below the A–B gap changes nothing.
  o.cluster_selection_epsilon = 0.1;
  EXPECT_EQ(Cluster(v, 90, 3, o).labels, plain.labels);
}

// One blob and a few scattered points: only allow_single_cluster may return the blob.
TEST(HdbscanHandBuiltTest, AllowSingleClusterKeepsTheOneBlob) {
  std::vector<float> v;
  AddBlob(v, 3, {{0, 1.0f}}, 60, 0.02f, 5);
  AddBlob(v, 3, {{1, 1.0f}}, 1, 0.0f, 6);
  AddBlob(v, 3, {{2, 1.0f}}, 1, 0.0f, 7);
  AddBlob(v, 3, {{1, -1.0f}}, 1, 0.0f, 8);
  HdbscanOptions o = Options(20, 5);
  o.allow_single_cluster = true;
  o.cluster_selection_epsilon = 0.4;
  Clustering single = Cluster(v, 63, 3, o);
  ASSERT_EQ(single.clusters, 1u);
  for (size_t i = 0; i < 60; ++i) EXPECT_EQ(single.labels[i], 0) << i;
  for (size_t i = 60; i < 63; ++i) EXPECT_EQ(single.labels[i], -1) << i;
  o.allow_single_cluster = false;
  Clustering none = Cluster(v, 63, 3, o);
  std::set<int32_t> blob_labels(none.labels.begin(), none.labels.begin() + 60);
  EXPECT_NE(blob_labels, std::set<int32_t>{0}) << "without it the blob is not one cluster";
}

// Two groups whose internal distances are all equal: every tree is a tie; the result
// must not depend on how the ties are broken, nor on the thread count.
TEST(HdbscanHandBuiltTest, ExactTiesGiveTheObviousClustersForAnyThreadCount) {
  const size_t dim = 22;
  std::vector<float> v;
  for (size_t i = 0; i < 10; ++i) AddBlob(v, dim, {{0, 0.6f}, {1 + i, 0.8f}}, 1, 0.0f, 0);
  for (size_t i = 0; i < 10; ++i) AddBlob(v, dim, {{11, 0.6f}, {12 + i, 0.8f}}, 1, 0.0f, 0);
  HdbscanOptions o = Options(5, 5);
  o.threads = 1;
  Clustering one = Cluster(v, 20, dim, o);
  ASSERT_EQ(one.clusters, 2u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(one.labels[i], one.labels[i < 10 ? 0 : 10]);
    EXPECT_FLOAT_EQ(one.probabilities[i], 1.0f);
  }
  EXPECT_NE(one.labels[0], one.labels[10]);
  for (int threads : {2, 3, 8}) {
    o.threads = threads;
    Clustering many = Cluster(v, 20, dim, o);
    EXPECT_EQ(many.labels, one.labels);
    EXPECT_EQ(many.medoids, one.medoids);
  }
}

// Three directions, each repeated 20 times, and a few other points.
TEST(HdbscanHandBuiltTest, DuplicateVectorsFormTheirOwnClusters) {
  std::vector<float> v;
  AddBlob(v, 4, {{0, 1.0f}}, 20, 0.0f, 0);
  AddBlob(v, 4, {{1, 1.0f}}, 20, 0.0f, 0);
  AddBlob(v, 4, {{2, 2.0f}}, 20, 0.0f, 0);  // same direction at another length
  AddBlob(v, 4, {{3, 1.0f}, {0, 0.5f}}, 3, 0.3f, 9);
  Clustering c = Cluster(v, 63, 4, Options(5, 5));
  ASSERT_EQ(c.clusters, 3u);
  for (size_t g = 0; g < 3; ++g) {
    for (size_t i = 20 * g; i < 20 * g + 20; ++i) {
      EXPECT_EQ(c.labels[i], c.labels[20 * g]);
      EXPECT_FLOAT_EQ(c.probabilities[i], 1.0f);
    }
    // Every member is a medoid (all sums 0): the smallest index wins.
    EXPECT_EQ(c.medoids[static_cast<size_t>(c.labels[20 * g])], 20 * g);
  }
}

TEST(HdbscanHandBuiltTest, AllIdenticalIsOneClusterOrNone) {
  std::vector<float> v;
  AddBlob(v, 5, {{0, 0.3f}, {4, -0.2f}}, 40, 0.0f, 0);
  HdbscanOptions o = Options(5, 5);
  o.allow_single_cluster = true;
  Clustering single = Cluster(v, 40, 5, o);
  ASSERT_EQ(single.clusters, 1u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(single.labels[i], 0);
    EXPECT_FLOAT_EQ(single.probabilities[i], 1.0f);
  }
  EXPECT_EQ(single.medoids, std::vector<uint32_t>{0});
  o.allow_single_cluster = false;
  Clustering none = Cluster(v, 40, 5, o);
  EXPECT_EQ(none.clusters, 0u);
  for (int32_t l : none.labels) EXPECT_EQ(l, -1);
}

TEST(HdbscanHandBuiltTest, FewerPointsThanMinClusterSizeIsRejected) {
  std::vector<float> v;
  AddBlob(v, 3, {{0, 1.0f}}, 4, 0.1f, 1);
  Result<Clustering> r = Hdbscan(v, 4, 3, Options(5, 5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("min_cluster_size = 5"), std::string::npos);
  EXPECT_NE(r.status().message().find("4 points"), std::string::npos);
}

TEST(HdbscanInputTest, BadInputsNameTheField) {
  std::vector<float> v(12, 1.0f);
  EXPECT_EQ(Hdbscan(v, 4, 3, Options(1, 1)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hdbscan(v, 5, 3, Options(2, 2)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Hdbscan({}, 0, 3, Options(2, 2)).status().code(), StatusCode::kInvalidArgument);
  v[7] = std::numeric_limits<float>::quiet_NaN();
  Status s = Hdbscan(v, 4, 3, Options(2, 2)).status();
  EXPECT_NE(s.message().find("point 2 coordinate 1"), std::string::npos) << s.ToString();
  v[7] = 0;
  HdbscanOptions o = Options(2, 2);
  o.cluster_selection_epsilon = -1;
  EXPECT_NE(Hdbscan(v, 4, 3, o).status().message().find("cluster_selection_epsilon"), std::string::npos);
  o = Options(2, 9);
  EXPECT_NE(Hdbscan(v, 4, 3, o).status().message().find("min_samples = 9"), std::string::npos);
}

TEST(HdbscanMedoidTest, MedoidsHaveTheLeastSummedDistance) {
  auto cloud = CaptionLikeCloud(1200, 96, 6, 0.3, 0.6, 31);
  Clustering c = Cluster(cloud.values, cloud.n, cloud.dim, Options(10, 10));
  ASSERT_GE(c.clusters, 3u);
  ASSERT_EQ(c.medoids.size(), c.clusters);
  std::vector<float> unit = testing::Normalized(cloud.values, cloud.dim);
  auto dist = [&](size_t i, size_t j) {
    double s = 0;
    for (size_t k = 0; k < cloud.dim; ++k) {
      double t = static_cast<double>(unit[i * cloud.dim + k]) - unit[j * cloud.dim + k];
      s += t * t;
    }
    return std::sqrt(s);
  };
  for (size_t label = 0; label < c.clusters; ++label) {
    std::vector<size_t> members;
    for (size_t i = 0; i < cloud.n; ++i) {
      if (c.labels[i] == static_cast<int32_t>(label)) members.push_back(i);
    }
    double best = std::numeric_limits<double>::infinity(), ours = 0;
    for (size_t i : members) {
      double s = 0;
      for (size_t j : members) s += dist(i, j);
      best = std::min(best, s);
      if (i == c.medoids[label]) ours = s;
    }
    EXPECT_EQ(c.labels[c.medoids[label]], static_cast<int32_t>(label));
    EXPECT_NEAR(ours, best, 1e-4 * best) << "cluster " << label;
  }
  EXPECT_TRUE(c.medoids_exact);
}

TEST(HdbscanDeterminismTest, SameLabelsForAnyThreadCount) {
  auto cloud = CaptionLikeCloud(2000, 128, 12, 0.45, 0.6, 41);
  for (HdbscanPath path : {HdbscanPath::kExact, HdbscanPath::kApproximate}) {
    HdbscanOptions o = Options(10, 10, path);
    o.threads = 1;
    Clustering one = Cluster(cloud.values, cloud.n, cloud.dim, o);
    for (int threads : {2, 3}) {
      o.threads = threads;
      Clustering many = Cluster(cloud.values, cloud.n, cloud.dim, o);
      EXPECT_EQ(many.labels, one.labels);
      EXPECT_EQ(many.probabilities, one.probabilities);
      EXPECT_EQ(many.medoids, one.medoids);
    }
  }
  // The approximate path with core distances from the subsample (min_samples past the lists).
  HdbscanOptions o = Options(40, 40, HdbscanPath::kApproximate);
  o.knn_neighbors = 16;
  o.threads = 1;
  Clustering one = Cluster(cloud.values, cloud.n, cloud.dim, o);
  EXPECT_GT(one.core_sample_stride, 1u);
  for (int threads : {2, 3}) {
    o.threads = threads;
    Clustering many = Cluster(cloud.values, cloud.n, cloud.dim, o);
    EXPECT_EQ(many.labels, one.labels);
    EXPECT_EQ(many.probabilities, one.probabilities);
  }
}

// The int8 kernels (portable, AVX2, VNNI with the +128 bias) give the same integer for
// every length (full 128-byte steps, a masked tail, shorter than one step) and at the
// extremes of the range, so the approximate path's graphs are the same on every CPU.
TEST(HdbscanApproximateTest, Int8DotKernelsGiveTheSameInteger) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> value(-127, 127);
  for (size_t dim : {1u, 31u, 32u, 63u, 64u, 65u, 127u, 128u, 200u, 256u, 768u, 1000u}) {
    std::vector<int8_t> x(dim), y(dim), low(dim, -127), high(dim, 127);
    for (size_t k = 0; k < dim; ++k) {
      x[k] = static_cast<int8_t>(value(rng));
      y[k] = static_cast<int8_t>(value(rng));
    }
    for (auto [a, b] : {std::pair{&x, &y}, std::pair{&low, &high}, std::pair{&low, &low}, std::pair{&high, &y}}) {
      const std::vector<int32_t> dots = internal::Int8DotByEveryKernel(a->data(), b->data(), dim);
      int64_t expected = 0;
      for (size_t k = 0; k < dim; ++k) expected += int64_t{(*a)[k]} * int64_t{(*b)[k]};
      for (size_t kernel = 0; kernel < dots.size(); ++kernel) {
        EXPECT_EQ(dots[kernel], expected) << "dim " << dim << ", kernel " << kernel;
      }
    }
  }
}

TEST(HdbscanApproximateTest, AgreesWithExactAndSaysWhichPathRan) {
  auto cloud = CaptionLikeCloud(4000, 256, 20, 0.45, 0.6, 51);
  Clustering exact = Cluster(cloud.values, cloud.n, cloud.dim, Options(10, 10, HdbscanPath::kExact));
  Clustering approx = Cluster(cloud.values, cloud.n, cloud.dim, Options(10, 10, HdbscanPath::kApproximate));
  EXPECT_TRUE(exact.exact);
  EXPECT_FALSE(approx.exact);
  EXPECT_GE(approx.knn_neighbors, 10u);
  EXPECT_GE(AdjustedRandIndex(exact.labels, approx.labels), 0.97);
  HdbscanOptions o = Options(10, 10, HdbscanPath::kAuto);
  o.exact_max_points = 3999;
  EXPECT_FALSE(Cluster(cloud.values, cloud.n, cloud.dim, o).exact);
}

// The crash of `cluster run` above 60 000 points (issue 11): with the reference defaults
// (ε = 0.4, allow_single_cluster) on diffuse caption-like data, excess of mass selects the
// root — its stability, Σ λ·size over the whole cloud, beats its 40 children's, which
// split off at almost the λ of the noise — and the single root cluster admits only points
// that stayed past 1/ε, while every mutual reachability distance here is above ε. The
// hdbscan library labels every point noise and reports no cluster; the selection used to
// report one cluster with no member, and the medoid step read an empty list. Both paths.
TEST(HdbscanSelectionTest, DiffuseDataWithReferenceDefaultsIsAllNoiseOnBothPaths) {
  auto cloud = CaptionLikeCloud(2000, 64, 40, 0.45, 0.6, 1);
  for (HdbscanPath path : {HdbscanPath::kExact, HdbscanPath::kApproximate}) {
    SCOPED_TRACE(path == HdbscanPath::kExact ? "exact" : "approximate");
    HdbscanOptions o = ReferenceDefaults(cloud.n);
    o.min_cluster_size = o.min_samples = 5;
    o.path = path;
    o.threads = 2;
    Clustering single = Cluster(cloud.values, cloud.n, cloud.dim, o);
    ExpectConsistent(single);
    EXPECT_EQ(single.clusters, 0u);
    EXPECT_EQ(std::count(single.labels.begin(), single.labels.end(), -1), 2000);
    // ε = 0: the root's rule admits the points that stayed to its last split-off.
    o.cluster_selection_epsilon = 0.0;
    Clustering root = Cluster(cloud.values, cloud.n, cloud.dim, o);
    ExpectConsistent(root);
    EXPECT_EQ(root.clusters, 1u);
    // Without allow_single_cluster the children are selected: the planted clusters.
    o.cluster_selection_epsilon = 0.4;
    o.allow_single_cluster = false;
    Clustering many = Cluster(cloud.values, cloud.n, cloud.dim, o);
    ExpectConsistent(many);
    EXPECT_GE(many.clusters, 30u);
  }
}

// The single-root rule on a hand-built condensed tree (root = 6, no child cluster):
// points leaving at λ = 3 (distance 1/3) stay past 1/ε for ε = 0.4; those at λ = 1 do not.
TEST(HdbscanSelectionTest, SingleRootClusterKeepsOnlyPointsPastOneOverEpsilon) {
  SelectionOptions s;
  s.min_cluster_size = 3;
  s.allow_single_cluster = true;
  s.cluster_selection_epsilon = 0.4;
  std::vector<internal::CondensedRow> tree;
  for (uint32_t p = 0; p < 6; ++p) tree.push_back({6, p, p < 3 ? 3.0 : 1.0, 1});
  internal::Labelling some = internal::SelectClusters(6, tree, s);
  EXPECT_EQ(some.clusters, 1u);
  EXPECT_EQ(some.labels, (std::vector<int32_t>{0, 0, 0, -1, -1, -1}));
  // Nobody past 1/ε: no cluster at all (the library's labelling), not an empty one.
  for (auto& r : tree) r.lambda = 1.0;
  internal::Labelling none = internal::SelectClusters(6, tree, s);
  EXPECT_EQ(none.clusters, 0u);
  EXPECT_EQ(none.labels, std::vector<int32_t>(6, -1));
  EXPECT_EQ(none.probabilities, std::vector<float>(6, 0.0f));
}

// Past the lists, core distances come from every s-th row: against the exact core
// distances (the 99th neighbour), the estimate from a quarter of the rows (s = 4,
// the 25th sampled neighbour) stays within a few per cent, and the labels agree. The
// clusters (≈ 440 members) are several times min_samples, as at scale (n = 10⁶:
// ≈ 14 000 members, min_samples 1 000); where min_samples nears a cluster's size the
// core distance jumps at the cluster's edge and a subsample cannot place the jump.
TEST(HdbscanApproximateTest, SampledCoreDistancesTrackTheExactOnes) {
  auto cloud = CaptionLikeCloud(4000, 256, 5, 0.45, 0.6, 61);
  const internal::UnitRows rows = internal::NormalizeRows(cloud.values, cloud.n, cloud.dim);
  const size_t min_samples = 100;
  const std::vector<float> exact =
      internal::CoreDistances(internal::ExactNeighbors(rows, min_samples - 1, 2), min_samples);
  internal::ApproximateNeighbors approx = internal::FindApproximateNeighbors(rows, 16, min_samples, 42, 2);
  EXPECT_EQ(approx.core_sample_stride, 4u);
  ASSERT_EQ(approx.core.size(), exact.size());
  std::vector<double> error(exact.size());
  for (size_t i = 0; i < exact.size(); ++i) error[i] = std::fabs(approx.core[i] - exact[i]) / exact[i];
  std::sort(error.begin(), error.end());
  EXPECT_LT(error[error.size() / 2], 0.02) << "median relative error";
  EXPECT_LT(error[error.size() * 95 / 100], 0.06) << "95th percentile";
  HdbscanOptions o = Options(min_samples, min_samples, HdbscanPath::kApproximate);
  o.knn_neighbors = 16;
  Clustering a = Cluster(cloud.values, cloud.n, cloud.dim, o);
  o.path = HdbscanPath::kExact;
  Clustering e = Cluster(cloud.values, cloud.n, cloud.dim, o);
  ExpectConsistent(a);
  EXPECT_GE(AdjustedRandIndex(e.labels, a.labels), 0.95);
}

TEST(AgreementTest, AdjustedRandIndexKnownValues) {
  std::vector<int32_t> a{0, 0, 1, 1, -1, -1}, b{5, 5, 7, 7, 2, 2}, c{0, 1, 0, 1, 0, 1};
  EXPECT_DOUBLE_EQ(AdjustedRandIndex(a, b), 1.0);
  EXPECT_LT(AdjustedRandIndex(a, c), 0.0);
  // sklearn.metrics.adjusted_rand_score([0,0,1,1], [0,0,1,2]) = 0.5714285714285715
  std::vector<int32_t> x{0, 0, 1, 1}, y{0, 0, 1, 2};
  EXPECT_NEAR(AdjustedRandIndex(x, y), 0.5714285714285715, 1e-12);
}

}  // namespace
}  // namespace panic::cluster
