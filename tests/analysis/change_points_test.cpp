// Kernel change-point detection: planted change points found exactly, the reference's
// penalty convention (and what it implies for unit-length embeddings), and the solver
// checked against an exhaustive optimal-partitioning dynamic programme written here from
// the definitions alone (segment costs from 2-D prefix sums of the full kernel matrix,
// distances in long double), on random inputs where small penalties make many segments.
#include "panic/analysis/change_points.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace panic::analysis {
namespace {

// Piecewise-constant means plus Gaussian noise: segment s covers [bounds[s], bounds[s+1]).
std::vector<float> Piecewise(const std::vector<size_t>& bounds, const std::vector<std::vector<double>>& means,
                             double noise, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  size_t dim = means[0].size();
  std::vector<float> x(bounds.back() * dim);
  for (size_t s = 0; s + 1 < bounds.size(); ++s) {
    for (size_t t = bounds[s]; t < bounds[s + 1]; ++t) {
      for (size_t k = 0; k < dim; ++k) x[t * dim + k] = static_cast<float>(means[s][k] + noise * normal(rng));
    }
  }
  return x;
}

TEST(ChangePointsTest, FindsPlantedChangesExactly) {
  // Three dimensions, as the reference penalty 3·ln n allows detection at this size.
  std::vector<float> x = Piecewise({0, 20, 45, 60}, {{0, 0, 0}, {30, 0, 0}, {30, 30, 0}}, 1.0, 1);
  auto r = DetectChangePoints(x, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->change_points, (std::vector<size_t>{20, 45}));
  EXPECT_DOUBLE_EQ(r->penalty, 3 * std::log(60.0));
  EXPECT_NEAR(r->penalized_cost, r->cost + 2 * r->penalty, 1e-9);

  // Segments as short as the minimum (5) are found where β = 1·ln 30 lets a 5-point
  // segment pay for itself (a split of two 5-point segments gains at most about 5).
  std::vector<float> y = Piecewise({0, 5, 10, 30}, {{0}, {-40}, {50}}, 0.5, 2);
  EXPECT_EQ(DetectChangePoints(y, 1)->change_points, (std::vector<size_t>{5, 10}));
  // A constant signal has none.
  std::vector<float> flat = Piecewise({0, 80}, {{1, 2, 3}}, 0.5, 3);
  EXPECT_TRUE(DetectChangePoints(flat, 3)->change_points.empty());
}

TEST(ChangePointsTest, UnitEmbeddingsAndTheReferencePenalty) {
  // 768-d unit vectors: two orthogonal directions with small noise. Every kernel value lies
  // in [e^−0.04, e^−0.01], so no split can gain more than about 0.03 per point, far below
  // the reference's β = 768·ln n: it finds nothing, and a small β finds the change exactly.
  const size_t dim = 768, n = 100;
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal;
  std::vector<float> x(n * dim);
  for (size_t t = 0; t < n; ++t) {
    std::vector<double> v(dim);
    v[t < 60 ? 0 : 1] = 1;
    for (double& c : v) c += 0.001 * normal(rng);
    double norm = 0;
    for (double c : v) norm += c * c;
    for (size_t k = 0; k < dim; ++k) x[t * dim + k] = static_cast<float>(v[k] / std::sqrt(norm));
  }
  auto reference = DetectChangePoints(x, dim);
  ASSERT_TRUE(reference.ok());
  EXPECT_TRUE(reference->change_points.empty());
  EXPECT_LT(reference->cost, 0.03 * n);
  KernelCpdOptions small;
  small.penalty = 0.05;
  EXPECT_EQ(DetectChangePoints(x, dim, small)->change_points, (std::vector<size_t>{60}));
}

TEST(ChangePointsTest, KernelMatchesRupturesClipping) {
  EXPECT_DOUBLE_EQ(ClippedRbfKernel(0, 0.01), std::exp(-static_cast<double>(0.01f)));
  EXPECT_DOUBLE_EQ(ClippedRbfKernel(0.5, 0.01), std::exp(-static_cast<double>(0.01f)));  // γd² = 0.005 → 0.01
  EXPECT_DOUBLE_EQ(ClippedRbfKernel(3, 0.01), std::exp(-static_cast<double>(0.03f)));
  EXPECT_DOUBLE_EQ(ClippedRbfKernel(1e6, 0.01), std::exp(-100.0));
}

// Exhaustive optimal partitioning: F(t) = min over every admissible last segment [s, t)
// of F(s) + c([s, t)) + β, with segment costs from 2-D prefix sums of the full kernel
// matrix. No pruning; ties go to the smallest s, as the definition in change_points.h.
struct Oracle {
  std::vector<size_t> change_points;
  double penalized_cost = 0;
};

Oracle OptimalPartitioning(const std::vector<float>& x, size_t dim, double gamma, size_t m, double beta) {
  const size_t n = x.size() / dim;
  std::vector<double> prefix((n + 1) * (n + 1), 0.0), diag(n + 1, 0.0);
  auto kernel = [&](size_t i, size_t j) {
    long double d2 = 0;
    for (size_t k = 0; k < dim; ++k) {
      long double d = static_cast<long double>(x[i * dim + k]) - x[j * dim + k];
      d2 += d * d;
    }
    float g = static_cast<float>(gamma * static_cast<double>(d2));
    g = g < 0.01f ? 0.01f : (g > 100.0f ? 100.0f : g);
    return std::exp(-static_cast<double>(g));
  };
  for (size_t i = 0; i < n; ++i) {
    diag[i + 1] = diag[i] + kernel(i, i);
    for (size_t j = 0; j < n; ++j) {
      prefix[(i + 1) * (n + 1) + j + 1] = kernel(i, j) + prefix[i * (n + 1) + j + 1] +
                                           prefix[(i + 1) * (n + 1) + j] - prefix[i * (n + 1) + j];
    }
  }
  auto cost = [&](size_t s, size_t t) {
    double block = prefix[t * (n + 1) + t] - prefix[s * (n + 1) + t] - prefix[t * (n + 1) + s] +
                   prefix[s * (n + 1) + s];
    return diag[t] - diag[s] - block / static_cast<double>(t - s);
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> f(n + 1, inf);
  std::vector<size_t> last(n + 1, 0);
  f[0] = 0;
  for (size_t t = m; t <= n; ++t) {
    for (size_t s = 0; s + m <= t; ++s) {
      if (s != 0 && s < m) continue;  // [0, s) would be too short
      if (f[s] == inf) continue;
      double v = f[s] + cost(s, t) + beta;
      if (v < f[t]) {
        f[t] = v;
        last[t] = s;
      }
    }
  }
  Oracle o;
  for (size_t u = last[n]; u > 0; u = last[u]) o.change_points.insert(o.change_points.begin(), u);
  o.penalized_cost = f[n] - beta;  // the programme charges β per segment
  return o;
}

TEST(ChangePointsTest, AgreesWithExhaustiveOptimalPartitioning) {
  std::mt19937_64 rng(5);
  int with_changes = 0;
  for (int trial = 0; trial < 300; ++trial) {
    size_t dim = 1 + trial % 3, m = 1 + trial % 5;
    size_t n = 2 * m + rng() % 50;
    // Random piecewise means on the kernel's scale (γ = 0.5 here), so that costs and
    // penalties compete.
    std::vector<size_t> bounds{0};
    while (bounds.back() < n) bounds.push_back(std::min(n, bounds.back() + 1 + rng() % 15));
    std::vector<std::vector<double>> means;
    std::uniform_real_distribution<double> u(-3, 3);
    for (size_t s = 0; s + 1 < bounds.size(); ++s) {
      means.emplace_back(dim);
      for (double& v : means.back()) v = u(rng);
    }
    std::vector<float> x = Piecewise(bounds, means, 0.4, 1000 + trial);
    KernelCpdOptions options;
    options.gamma = 0.5;
    options.min_size = m;
    options.penalty = std::pow(10.0, -1.5 + 3.0 * static_cast<double>(rng() % 1000) / 1000);
    SCOPED_TRACE("trial " + std::to_string(trial) + " n " + std::to_string(n) + " m " + std::to_string(m) +
                 " beta " + std::to_string(options.penalty));
    auto pelt = DetectChangePoints(x, dim, options);
    ASSERT_TRUE(pelt.ok());
    Oracle oracle = OptimalPartitioning(x, dim, options.gamma, m, options.penalty);
    EXPECT_NEAR(pelt->penalized_cost, oracle.penalized_cost, 1e-9 * std::max(1.0, oracle.penalized_cost));
    EXPECT_EQ(pelt->change_points, oracle.change_points);
    with_changes += !oracle.change_points.empty();
  }
  EXPECT_GT(with_changes, 100);  // the comparison covered real segmentations
}

TEST(ChangePointsTest, ShortSignalsAndBadOptions) {
  std::vector<float> nine(9 * 2, 1.0f);
  auto r = DetectChangePoints(nine, 2);  // < 2·min_size points
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->change_points.empty());
  EXPECT_TRUE(DetectChangePoints(std::vector<float>{}, 2)->change_points.empty());
  EXPECT_EQ(DetectChangePoints(nine, 4).status().code(), StatusCode::kInvalidArgument);
  KernelCpdOptions bad;
  bad.gamma = 0;
  EXPECT_EQ(DetectChangePoints(nine, 2, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.min_size = 0;
  EXPECT_EQ(DetectChangePoints(nine, 2, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.penalty = -1;
  std::vector<float> twenty(20 * 2, 1.0f);
  EXPECT_EQ(DetectChangePoints(twenty, 2, bad).status().code(), StatusCode::kInvalidArgument);
  twenty[7] = NAN;
  auto nan = DetectChangePoints(twenty, 2);
  EXPECT_EQ(nan.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nan.status().message().find("point 3"), std::string::npos);
}

}  // namespace
}  // namespace panic::analysis
