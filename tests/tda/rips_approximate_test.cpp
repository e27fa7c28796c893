// Issue 18: the approximate (sparse Rips) diagram, checked against the exact one on a log
// scale and, for its reduction, against ripser on the same sparse filtration; its CLI flag.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "panic/store/npz_codec.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_sparse.h"
#include "support/test_support.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::CompareDiagrams;
using testing::LogBottleneck;
using testing::PointCloud;

Diagram Exact(const PointCloud& c, int maxdim) {
  RipsOptions o;
  o.maxdim = maxdim;
  auto r = ComputeRips(c.values, c.n, c.dim, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Diagram{};
}

ApproximateDiagram Approximate(const PointCloud& c, int maxdim, double epsilon, int threads = 1) {
  RipsOptions o;
  o.maxdim = maxdim;
  o.threads = threads;
  auto r = ComputeApproximateRips(c.values, c.n, c.dim, o, epsilon);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ApproximateDiagram{};
}

size_t LongBars(const Bars& bars, float ratio) {
  size_t k = 0;
  for (const Bar& b : bars) k += b.death > ratio * b.birth;
  return k;
}

TEST(RipsScaleTest, ApproximateRejectsBadEpsilon) {
  PointCloud c = testing::Circle(10, 0, 1);
  RipsOptions o;
  for (double eps : {0.0, -0.5, 11.0, std::numeric_limits<double>::quiet_NaN()}) {
    auto r = ComputeApproximateRips(c.values, c.n, c.dim, o, eps);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("epsilon"), std::string::npos);
  }
}

TEST(RipsScaleTest, InsertionRadiiAreTheGreedyPermutation) {
  // Points on a line at 0, 1, 3, 7: greedy from 0 picks 7 (λ 7), then 3 (λ 3), then 1 (λ 1).
  std::vector<float> line = {0, 1, 3, 7};
  internal::DistanceMatrix d = internal::EuclideanDistances(line, 4, 1, 1);
  std::vector<double> lambda = internal::InsertionRadii(d);
  EXPECT_TRUE(std::isinf(lambda[0]));
  EXPECT_EQ(lambda[3], 7.0);
  EXPECT_EQ(lambda[2], 3.0);
  EXPECT_EQ(lambda[1], 1.0);
  // ε = 1: μ = 2 min λ. Edge {1, 0}: μ = 2, d = 1 ≤ 4: kept as is. Edge {3, 1}: μ = 2,
  // d = 6 in (4, 6]: 2(6 − 2) = 8. Edge {2, 1}: μ = 2, d = 2: kept.
  internal::SparsifyDistances(d, lambda, 1.0);
  EXPECT_EQ(d(1, 0), 1.0f);
  EXPECT_EQ(d(2, 1), 2.0f);
  EXPECT_NEAR(d(3, 1), 8.0f, 1e-5);
  EXPECT_GE(d(3, 1), 8.0f);
  // ε = 0.25: μ = 5 min λ; {3, 1}: μ = 5, d = 6 ≤ 10: kept. Nothing is dropped on 4 points.
  d = internal::EuclideanDistances(line, 4, 1, 1);
  EXPECT_EQ(internal::SparsifyDistances(d, lambda, 0.25), 6u);
}

// The reduction of the sparse filtration against ripser on the same edges.
TEST(RipsScaleTest, SparseFiltrationMatchesRipserOnItsEdges) {
  if (!testing::HaveRipser()) GTEST_SKIP() << "/usr/bin/ripser is not installed";
  struct Case {
    PointCloud cloud;
    double eps;
  };
  for (const Case& k : {Case{testing::Circle(200, 0.05, 2), 0.5}, Case{testing::SphereSample(150, 5), 0.3},
                        Case{testing::WalkCloud(150, 768, 6), 0.1}}) {
    const PointCloud& c = k.cloud;
    internal::DistanceMatrix d = internal::EuclideanDistances(c.values, c.n, c.dim, 1);
    const float threshold = static_cast<float>((1 + k.eps) * internal::EnclosingRadius(d));
    internal::SparsifyDistances(d, internal::InsertionRadii(d), k.eps);
    internal::ReducerOptions r;
    r.maxdim = 2;
    r.threshold = threshold;
    Diagram ours = internal::ReduceRips(d, r);
    Diagram expected = testing::RipserOnSparseEdges(d.values, c.n, 2, threshold);
    ASSERT_EQ(expected.num_dimensions(), 3u);
    EXPECT_EQ(CompareDiagrams(ours, expected, 1e-5), "") << "n=" << c.n << " eps=" << k.eps;
  }
}

// The guarantee: on a log scale the bottleneck distance to the exact diagram is at most
// ln(1 + ε). Loopy clouds (a circle, a 2-sphere, 768-D walks with returns, the issue's
// unit-sphere walk), several ε.
TEST(RipsScaleTest, ApproximateIsWithinTheBoundOfExact) {
  struct Case {
    const char* name;
    PointCloud cloud;
    int maxdim;
    double eps;
  };
  const Case cases[] = {
      {"circle", testing::Circle(300, 0.05, 3), 1, 0.1},
      {"circle", testing::Circle(300, 0.05, 3), 1, 0.5},
      {"circle", testing::Circle(300, 0.05, 3), 1, 2.0},
      {"sphere", testing::SphereSample(150, 6), 2, 0.3},
      {"gauss3", testing::GaussianCloud(200, 3, 8), 2, 1.0},
      {"walk", testing::WalkCloud(250, 768, 9), 2, 0.1},
      {"walk", testing::WalkCloud(250, 768, 9), 2, 0.5},
      {"unit-sphere walk", testing::UnitSphereWalk(250, 768, 0.01, 10), 2, 0.1},
      {"unit-sphere walk", testing::UnitSphereWalk(250, 768, 0.01, 10), 2, 1.0},
  };
  for (const Case& k : cases) {
    Diagram exact = Exact(k.cloud, k.maxdim);
    ApproximateDiagram approx = Approximate(k.cloud, k.maxdim, k.eps, 2);
    EXPECT_EQ(approx.epsilon, k.eps);
    EXPECT_EQ(approx.edges_total, k.cloud.n * (k.cloud.n - 1) / 2);
    EXPECT_LE(approx.edges_kept, approx.edges_total);
    const double error = LogBottleneck(approx.diagram, exact);
    const double bound = std::log1p(k.eps);
    EXPECT_LE(error, bound + 1e-5) << k.name << " eps=" << k.eps;
    std::printf("%-17s n=%zu eps=%.2f edges kept %5.1f%%  log-bottleneck %.4f  bound %.4f\n", k.name,
                k.cloud.n, k.eps, 100.0 * double(approx.edges_kept) / double(approx.edges_total),
                error, bound);
  }
  // On a low-dimensional cloud the filtration is sparse indeed, and the circle's loop
  // survives.
  ApproximateDiagram circle = Approximate(testing::Circle(300, 0.05, 3), 1, 0.5);
  EXPECT_LT(circle.edges_kept, circle.edges_total / 2);
  EXPECT_EQ(LongBars(circle.diagram.bars(1), 3.0f), 1u);
}

TEST(RipsScaleTest, ApproximateDoesNotDependOnThreads) {
  PointCloud c = testing::UnitSphereWalk(200, 768, 0.01, 11);
  EXPECT_EQ(Approximate(c, 2, 0.2, 1).diagram, Approximate(c, 2, 0.2, 2).diagram);
}

// `tda ph --approximate EPS`: ε in the JSON and the text output, bad ε refused (exit 2).
TEST(RipsScaleTest, CliApproximateFlag) {
  testing::TempDir dir;
  PointCloud c = testing::Circle(80, 0.05, 13);
  std::string csv;
  for (size_t i = 0; i < c.n; ++i) {
    csv += std::to_string(c.values[2 * i]) + "," + std::to_string(c.values[2 * i + 1]) + "\n";
  }
  const std::string file = dir.File("circle.csv");
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(csv.c_str(), f);
    std::fclose(f);
  }
  auto r = testing::RunCli({"tda", "ph", file, "--maxdim", "1", "--approximate", "0.25", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"approximation_epsilon\":0.25"), std::string::npos) << r.out;
  r = testing::RunCli({"tda", "ph", file, "--maxdim", "1", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"approximation_epsilon\":null"), std::string::npos) << r.out;
  r = testing::RunCli({"tda", "ph", file, "--approximate", "0.25"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("# approximate: sparse Rips, epsilon 0.25", 0), 0u) << r.out;
  // The NPZ carries ε as its approximation_epsilon key (docs/TDA.md).
  r = testing::RunCli({"tda", "ph", file, "--approximate", "0.25", "--format", "npz", "--output", dir.File("c.npz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto npz = store::DecodeDiagramNpz(testing::ReadFile(dir.File("c.npz")));
  ASSERT_TRUE(npz.ok()) << npz.status().ToString();
  EXPECT_EQ(npz->approximation_epsilon, 0.25);
  for (const char* bad : {"0", "-1", "11", "x"}) {
    r = testing::RunCli({"tda", "ph", file, "--approximate", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--approximate"), std::string::npos) << r.err;
  }
  r = testing::RunCli({"tda", "ph", file, "--memory-limit", "0.00001"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("80 points need at least"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace panic::tda
