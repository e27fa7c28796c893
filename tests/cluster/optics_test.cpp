// OPTICS against scikit-learn's: the same ordering (up to exact ties), reachability and ξ labels.
#include "panic/cluster/optics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

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

// Tolerances of the comparison. Reachabilities that are equal in exact arithmetic (the
// core distance of a point offered to its neighbours, or two mutual k-th neighbours' core
// distances) come out of double computations within 1e-12 of each other, in an order
// that depends on the CPU's BLAS kernel: within kTie they are a tie, and either may be
// taken first. Our float values are within kReach of the exact ones (6.8e-7 at most on
// these clouds: float Gram products over 32–64 dimensions); two of them can swap only if
// they are within 2·kReach, so every gap between the least reachability and one not tied
// with it must exceed 2·kReach (asserted; the least gaps here are 8.5e-6 and 4.3e-6):
// then only real ties can be taken in another order.
constexpr double kTie = 1e-9;
constexpr double kReach = 1.5e-6;

// OPTICS replayed in double precision along a given ordering: at each step the
// ordering's point must be one of least reachability among the unprocessed points (the
// smallest index when all are undefined), and the reachability each point gets is
// recorded. This checks the invariants directly: a point's reachability is the least
// max(core distance, distance) over the core points before it (within max_eps).
struct Replay {
  std::vector<double> reachability, core;
  std::vector<char> tie;  // per step: another unprocessed point was tied for least
  double least_gap = std::numeric_limits<double>::infinity();  // over the steps
  std::string error;      // the first step that took a point of more than least reach
};

template <typename Index>
Replay ReplayOptics(const std::vector<float>& unit, size_t n, size_t dim, size_t min_samples,
                    double max_eps, const std::vector<Index>& ordering) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<double> d(n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < dim; ++k) {
        const double t = static_cast<double>(unit[i * dim + k]) - unit[j * dim + k];
        s += t * t;
      }
      d[i * n + j] = std::sqrt(s);
    }
  }
  Replay r;
  r.core.resize(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> row(d.begin() + static_cast<ptrdiff_t>(i * n),
                            d.begin() + static_cast<ptrdiff_t>((i + 1) * n));
    std::nth_element(row.begin(), row.begin() + static_cast<ptrdiff_t>(min_samples - 1), row.end());
    r.core[i] = row[min_samples - 1] > max_eps ? inf : row[min_samples - 1];
  }
  r.reachability.assign(n, inf);
  r.tie.assign(n, 0);
  std::vector<char> processed(n, 0);
  for (size_t step = 0; step < n; ++step) {
    const size_t p = static_cast<size_t>(ordering[step]);
    double least = inf;
    size_t first_unprocessed = n;
    for (size_t o = 0; o < n; ++o) {
      if (processed[o]) continue;
      least = std::min(least, r.reachability[o]);
      first_unprocessed = std::min(first_unprocessed, o);
    }
    const bool taken_ok = least == inf ? p == first_unprocessed
                                       : !processed[p] && r.reachability[p] <= least + kTie;
    if (!taken_ok && r.error.empty()) {
      r.error = "step " + std::to_string(step) + " took " + std::to_string(p) + " (reach " +
                std::to_string(r.reachability[p]) + "), the least is " + std::to_string(least);
    }
    for (size_t o = 0; o < n && least < inf; ++o) {
      if (processed[o] || o == p) continue;
      if (r.reachability[o] <= least + kTie) {
        r.tie[step] = 1;
      } else {
        r.least_gap = std::min(r.least_gap, r.reachability[o] - least);
      }
    }
    processed[p] = 1;
    if (r.core[p] == inf) continue;
    for (size_t o = 0; o < n; ++o) {
      const double dist = d[p * n + o];
      if (!processed[o] && dist <= max_eps) {
        r.reachability[o] = std::min(r.reachability[o], std::max(r.core[p], dist));
      }
    }
  }
  return r;
}

bool Near(double a, double b, double tolerance) {
  return (std::isinf(a) && std::isinf(b)) || std::fabs(a - b) <= tolerance;
}

// Ours against sklearn's: the same core distances; the same ordering and reachabilities
// up to the first step where the two took different points of a tie; after it (a tie
// changes what OPTICS expands next) both orderings satisfy the invariants of the exact
// replay, which reproduces sklearn's reachabilities; and the same ξ clusters (ARI).
void ExpectSameAsSklearn(const testing::LabelledCloud& cloud, const OpticsOptions& o,
                         double min_ari) {
  OpticsResult ours = RunOptics(cloud, o);
  const std::vector<float> unit = testing::Normalized(cloud.values, cloud.dim);
  auto sk = testing::RunSklearnOptics(unit, cloud.n, cloud.dim, o.min_samples, o.max_eps, o.xi,
                                      o.min_cluster_size == 0 ? o.min_samples : o.min_cluster_size);
  ASSERT_EQ(sk.labels.size(), cloud.n);
  ASSERT_EQ(ours.ordering.size(), cloud.n);
  const Replay theirs = ReplayOptics(unit, cloud.n, cloud.dim, o.min_samples, o.max_eps, sk.ordering);
  const Replay mine = ReplayOptics(unit, cloud.n, cloud.dim, o.min_samples, o.max_eps, ours.ordering);
  // The replay is itself checked against the oracle: it accepts sklearn's ordering and
  // gives sklearn's reachabilities and core distances.
  ASSERT_TRUE(theirs.error.empty()) << "sklearn's ordering: " << theirs.error;
  for (size_t i = 0; i < cloud.n; ++i) {
    ASSERT_TRUE(Near(theirs.reachability[i], sk.reachability[i], kTie))
        << i << ": " << theirs.reachability[i] << " vs sklearn " << sk.reachability[i];
    ASSERT_TRUE(Near(theirs.core[i], sk.core_distances[i], kTie)) << i;
  }
  EXPECT_GT(std::min(theirs.least_gap, mine.least_gap), 2 * kReach) << "a near-tie the floats cannot order";
  EXPECT_TRUE(mine.error.empty()) << "our ordering: " << mine.error;
  size_t first_difference = 0;
  while (first_difference < cloud.n &&
         static_cast<int64_t>(ours.ordering[first_difference]) == sk.ordering[first_difference]) {
    ++first_difference;
  }
  if (first_difference < cloud.n) {
    EXPECT_TRUE(mine.tie[first_difference] && theirs.tie[first_difference])
        << "the orderings part at position " << first_difference << " without a tie: ours "
        << ours.ordering[first_difference] << ", sklearn " << sk.ordering[first_difference];
  }
  for (size_t step = 0; step < cloud.n; ++step) {
    const size_t p = ours.ordering[step];
    // Up to the parting, sklearn's reachabilities; after it, the replay's of our ordering.
    const double expected = step < first_difference ? sk.reachability[p] : mine.reachability[p];
    EXPECT_TRUE(Near(ours.reachability[p], expected, kReach))
        << "step " << step << ", point " << p << ": " << ours.reachability[p] << " vs " << expected;
    EXPECT_TRUE(Near(ours.core_distances[p], sk.core_distances[p], kReach))
        << p << ": " << ours.core_distances[p] << " vs " << sk.core_distances[p];
  }
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
