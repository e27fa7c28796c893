// OPTICS against scikit-learn's: the same ordering, reachability and ξ labels.
#include "panic/cluster/optics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "cluster/caption_like_data.h"
#include "cluster/cluster_oracles.h"
#include "panic/cluster/agreement.h"

namespace panic::cluster {
namespace {

using testing::CaptionLikeCloud;

OpticsResult RunOptics(const testing::LabelledCloud& cloud, const OpticsOptions& o) {
  Result<OpticsResult> r = Optics(cloud.values, cloud.n, cloud.dim, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : OpticsResult{};
}

void ExpectSameAsSklearn(const testing::LabelledCloud& cloud, const OpticsOptions& o,
                         double min_ari) {
  OpticsResult ours = RunOptics(cloud, o);
  auto sk = testing::RunSklearnOptics(testing::Normalized(cloud.values, cloud.dim), cloud.n,
                                      cloud.dim, o.min_samples, o.max_eps, o.xi,
                                      o.min_cluster_size == 0 ? o.min_samples : o.min_cluster_size);
  ASSERT_EQ(sk.labels.size(), cloud.n);
  size_t same_order = 0, close_reach = 0;
  std::string first_difference;
  auto both_inf_or_near = [](double a, double b) {
    return (std::isinf(a) && std::isinf(b)) || std::fabs(a - b) <= 1e-5;
  };
  for (size_t i = 0; i < cloud.n; ++i) {
    const bool same = static_cast<int64_t>(ours.ordering[i]) == sk.ordering[i];
    same_order += same;
    if (!same && first_difference.empty()) {
      const size_t p = ours.ordering[i], q = static_cast<size_t>(sk.ordering[i]);
      first_difference = "position " + std::to_string(i) + ": ours " + std::to_string(p) + " (reach " +
                         std::to_string(ours.reachability[p]) + "), sklearn " + std::to_string(q) +
                         " (reach " + std::to_string(sk.reachability[q]) + ")";
    }
    close_reach += both_inf_or_near(ours.reachability[i], sk.reachability[i]);
    EXPECT_TRUE(both_inf_or_near(ours.core_distances[i], sk.core_distances[i]))
        << i << ": " << ours.core_distances[i] << " vs " << sk.core_distances[i];
  }
  // Float distances against sklearn's doubles: a near-tie (two reachabilities equal to
  // 6 digits) may swap points and reorder the segment after them, but the reachability
  // plot, position by position, stays the same.
  EXPECT_GE(static_cast<double>(same_order), 0.95 * static_cast<double>(cloud.n)) << first_difference;
  size_t close_plot = 0;
  for (size_t i = 0; i < cloud.n; ++i) {
    close_plot += both_inf_or_near(ours.reachability[ours.ordering[i]],
                                   sk.reachability[static_cast<size_t>(sk.ordering[i])]);
  }
  EXPECT_GE(static_cast<double>(close_plot), 0.99 * static_cast<double>(cloud.n));
  EXPECT_GE(static_cast<double>(close_reach), 0.99 * static_cast<double>(cloud.n));
  const double ari = AdjustedRandIndex(ours.labels, sk.labels);
  EXPECT_GE(ari, min_ari) << ours.cluster_count << " clusters";
}

TEST(OpticsOracleTest, SameAsSklearnOnWellSeparatedClusters) {
  if (!testing::HaveSklearn()) GTEST_SKIP() << "python3-sklearn not installed";
  auto cloud = CaptionLikeCloud(300, 32, 5, 0.0, 0.3, 61);
  OpticsOptions o;
  o.min_samples = 10;
  o.threads = 2;
  ExpectSameAsSklearn(cloud, o, 1.0);
}

TEST(OpticsOracleTest, AgreesWithSklearnOnNoisyDataWithMaxEps) {
  if (!testing::HaveSklearn()) GTEST_SKIP() << "python3-sklearn not installed";
  auto cloud = CaptionLikeCloud(500, 64, 8, 0.45, 0.6, 62);
  OpticsOptions o;
  o.min_samples = 6;
  o.xi = 0.1;
  o.threads = 2;
  o.max_eps = 0.9;  // cuts the noise off (sklearn is slow: one run per test)
  ExpectSameAsSklearn(cloud, o, 0.99);
}

TEST(OpticsTest, SameResultForAnyThreadCount) {
  auto cloud = CaptionLikeCloud(1200, 64, 8, 0.45, 0.6, 63);
  OpticsOptions o;
  o.min_samples = 6;
  o.threads = 1;
  OpticsResult one = RunOptics(cloud, o);
  o.threads = 3;
  OpticsResult three = RunOptics(cloud, o);
  EXPECT_EQ(one.ordering, three.ordering);
  EXPECT_EQ(one.reachability, three.reachability);
  EXPECT_EQ(one.labels, three.labels);
  EXPECT_EQ(one.medoids, three.medoids);
}

TEST(OpticsTest, RejectsBadParameters) {
  auto cloud = CaptionLikeCloud(20, 4, 2, 0.0, 0.3, 64);
  OpticsOptions o;
  o.min_samples = 21;
  EXPECT_NE(Optics(cloud.values, cloud.n, cloud.dim, o).status().message().find("min_samples = 21"),
            std::string::npos);
  o.min_samples = 5;
  o.xi = 1.5;
  EXPECT_NE(Optics(cloud.values, cloud.n, cloud.dim, o).status().message().find("xi"), std::string::npos);
  o.xi = 0.05;
  o.max_eps = 0;
  EXPECT_NE(Optics(cloud.values, cloud.n, cloud.dim, o).status().message().find("max_eps"), std::string::npos);
}

}  // namespace
}  // namespace panic::cluster
