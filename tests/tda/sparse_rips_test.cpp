// Issue 18, the sparse-graph backend of --approximate: the greedy permutation without the
// matrix against the dense O(n²) one, the kept edges against SparsifyDistances, the
// reduction over neighbour lists against the dense kernel and ripser on the same
// filtration, and the whole approximate diagram against the exact one (log-scale bound).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/rips_sparse.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_range.h"
#include "panic/tda/sparse_rips_reducer.h"
#include "support/walk_cloud.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using internal::CloudMetric;
using testing::PointCloud;

constexpr float kInf = std::numeric_limits<float>::infinity();

PointCloud Projected(size_t n, uint64_t seed) {
  return PointCloud{n, 768, testing::SphereWalkPoints(n, 768, seed, /*renormalise_state=*/false)};
}

// A cloud with exact duplicates and ties: points of a small integer grid, some twice.
PointCloud GridWithDuplicates() {
  PointCloud c{0, 2, {}};
  for (int x = 0; x < 6; ++x) {
    for (int y = 0; y < 5; ++y) {
      c.values.push_back(static_cast<float>(x));
      c.values.push_back(static_cast<float>(y));
      if ((x + y) % 4 == 0) {
        c.values.push_back(static_cast<float>(x));
        c.values.push_back(static_cast<float>(y));
      }
    }
  }
  c.n = c.values.size() / 2;
  return c;
}

// The dense matrix of the distances CloudMetric computes (the reference's input).
internal::DistanceMatrix DenseOf(const CloudMetric& m) {
  internal::DistanceMatrix d;
  d.n = m.n();
  d.values.assign(d.n * d.n, 0.0f);
  for (size_t i = 0; i < d.n; ++i) {
    for (size_t j = 0; j < i; ++j) d.values[i * d.n + j] = d.values[j * d.n + i] = m.Distance(i, j);
  }
  return d;
}

// The graph as a dense matrix: the re-weighted lengths, +inf for the edges left out.
internal::DistanceMatrix MatrixOf(const internal::SparseGraph& g) {
  internal::DistanceMatrix d;
  d.n = g.n;
  d.values.assign(g.n * g.n, kInf);
  for (size_t i = 0; i < g.n; ++i) {
    d.values[i * g.n + i] = 0;
    for (const auto& nb : g.row(i)) d.values[i * g.n + nb.vertex] = nb.length;
  }
  return d;
}

internal::SparseGraphResult Graph(const CloudMetric& m, double eps) {
  auto lambda = internal::GreedyInsertionRadii(m, nullptr, nullptr);
  auto r = internal::BuildSparseGraph(m, lambda, eps, NAN, 2, size_t{1} << 32);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : internal::SparseGraphResult{};
}

TEST(SparseRipsTest, GreedyPermutationEqualsTheDenseOne) {
  struct Case {
    const char* name;
    PointCloud cloud;
    Metric metric;
  };
  const Case cases[] = {
      {"circle", testing::Circle(400, 0.05, 1), Metric::kEuclidean},
      {"2-sphere", testing::SphereSample(300, 2), Metric::kEuclidean},
      {"gauss 3-D", testing::GaussianCloud(300, 3, 3), Metric::kEuclidean},
      {"grid with duplicates", GridWithDuplicates(), Metric::kEuclidean},
      {"walk 768-D", testing::WalkCloud(300, 768, 4), Metric::kEuclidean},
      {"projected walk", Projected(600, 5), Metric::kEuclidean},
      {"projected walk, cosine", Projected(300, 6), Metric::kCosine},
      {"gauss 8-D, cosine", testing::GaussianCloud(300, 8, 7), Metric::kCosine},
  };
  for (const Case& k : cases) {
    const CloudMetric m(k.cloud.values, k.cloud.n, k.cloud.dim, k.metric);
    std::vector<uint32_t> order;
    size_t evaluations = 0;
    const std::vector<double> fast = internal::GreedyInsertionRadii(m, &order, &evaluations);
    const std::vector<double> dense = internal::InsertionRadii(DenseOf(m));
    ASSERT_EQ(fast.size(), dense.size());
    for (size_t i = 0; i < fast.size(); ++i) {
      ASSERT_EQ(fast[i], dense[i]) << k.name << ": point " << i;
    }
    ASSERT_EQ(order.size(), k.cloud.n) << k.name;
    for (size_t q = 1; q < order.size(); ++q) {  // the order is the one of the radii
      EXPECT_GE(fast[order[q - 1]], fast[order[q]]) << k.name;
    }
    std::printf("%-24s n=%zu distance evaluations %zu (n(n-1)/2 = %zu)\n", k.name, k.cloud.n,
                evaluations, k.cloud.n * (k.cloud.n - 1) / 2);
  }
  // On a cloud of low doubling dimension the work is far below the dense n(n − 1)/2.
  const PointCloud circle = testing::Circle(4000, 0.01, 8);
  const CloudMetric m(circle.values, circle.n, circle.dim, Metric::kEuclidean);
  size_t evaluations = 0;
  internal::GreedyInsertionRadii(m, nullptr, &evaluations);
  EXPECT_LT(evaluations, circle.n * (circle.n - 1) / 2 / 10);
}

// Both ways of finding the kept edges: the GEMM screen of all pairs and the range search
// over the greedy tree (on every cloud, also where the rule would not choose it).
internal::SparseGraphResult Graph(const CloudMetric& m, double eps, bool range,
                                  float threshold = NAN) {
  internal::GreedyTree tree;
  auto lambda = internal::GreedyInsertionRadii(m, nullptr, nullptr, &tree);
  auto r = range ? internal::BuildSparseGraphByRange(m, lambda, tree, eps, threshold, 2, size_t{1} << 32)
                 : internal::BuildSparseGraph(m, lambda, eps, threshold, 2, size_t{1} << 32);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : internal::SparseGraphResult{};
}

TEST(SparseRipsTest, KeptEdgesAreTheSparsifiedMatrix) {
  for (double eps : {0.1, 0.5, 1.0}) {
    for (const PointCloud& c : {testing::Circle(300, 0.05, 9), Projected(400, 10),
                                testing::GaussianCloud(200, 3, 11), GridWithDuplicates(),
                                testing::WalkCloud(150, 768, 24)}) {
     for (bool range : {false, true}) {
      SCOPED_TRACE(range ? "range search" : "GEMM screen");
      const CloudMetric m(c.values, c.n, c.dim, Metric::kEuclidean);
      internal::SparseGraphResult built = Graph(m, eps, range);
      internal::DistanceMatrix d = DenseOf(m);
      EXPECT_EQ(built.enclosing_radius, internal::EnclosingRadius(d));
      EXPECT_EQ(built.threshold,
                std::nextafter(static_cast<float>((1 + eps) * built.enclosing_radius), kInf));
      internal::SparsifyDistances(d, internal::InsertionRadii(d), eps);
      size_t kept = 0;
      for (size_t i = 0; i < c.n; ++i) {
        for (size_t j = 0; j < c.n; ++j) {
          if (i == j) continue;
          const float want = d(i, j) <= built.threshold ? d(i, j) : kInf;
          kept += want != kInf;
          ASSERT_EQ(built.graph.Length(static_cast<uint32_t>(i), static_cast<uint32_t>(j)), want)
              << "eps " << eps << " edge " << i << "-" << j;
        }
      }
      EXPECT_EQ(built.graph.num_edges(), kept / 2);
     }
    }
  }
}

// The range search with a given threshold and under the cosine metric, against the GEMM
// screen (itself checked against SparsifyDistances above): the same lists, entry for entry.
TEST(SparseRipsTest, RangeSearchEqualsTheScreenWithThresholdAndCosine) {
  for (const PointCloud& c : {Projected(500, 25), testing::SphereSample(200, 26)}) {
    for (Metric metric : {Metric::kEuclidean, Metric::kCosine}) {
      for (float threshold : {NAN, 0.3f}) {
        const CloudMetric m(c.values, c.n, c.dim, metric);
        const internal::SparseGraphResult a = Graph(m, 0.2, false, threshold);
        const internal::SparseGraphResult b = Graph(m, 0.2, true, threshold);
        EXPECT_EQ(a.threshold, b.threshold);
        EXPECT_EQ(a.enclosing_radius, b.enclosing_radius);
        ASSERT_EQ(a.graph.offsets, b.graph.offsets) << "n=" << c.n << " threshold " << threshold;
        for (size_t q = 0; q < a.graph.neighbors.size(); ++q) {
          ASSERT_EQ(a.graph.neighbors[q].vertex, b.graph.neighbors[q].vertex);
          ASSERT_EQ(a.graph.neighbors[q].length, b.graph.neighbors[q].length);
        }
      }
    }
  }
}

// The reduction over neighbour lists against the dense kernel on the same filtration
// (the graph written into a matrix): the same bars, exactly.
TEST(SparseRipsTest, SparseReductionEqualsTheDenseKernel) {
  struct Case {
    const char* name;
    PointCloud cloud;
  };
  const Case cases[] = {{"circle", testing::Circle(200, 0.05, 12)},
                        {"2-sphere", testing::SphereSample(120, 13)},
                        {"projected walk", Projected(250, 14)},
                        {"walk 768-D", testing::WalkCloud(100, 768, 15)},
                        {"grid with duplicates", GridWithDuplicates()}};
  for (const Case& k : cases) {
    for (double eps : {0.1, 0.5, 1.0}) {
      const PointCloud& c = k.cloud;
      const CloudMetric m(c.values, c.n, c.dim, Metric::kEuclidean);
      internal::SparseGraphResult built = Graph(m, eps);
      internal::ReducerOptions dense;
      dense.maxdim = 2;
      dense.threshold = built.threshold;
      const Diagram want = internal::ReduceRips(MatrixOf(built.graph), dense);
      for (bool apparent : {true, false}) {
        for (bool blocks : {true, false}) {
          internal::SparseReducerOptions o;
          o.maxdim = 2;
          o.apparent_pairs = apparent;
          o.blocks = blocks;
          o.threads = blocks ? 2 : 1;
          EXPECT_EQ(internal::ReduceSparseRips(built.graph, o), want)
              << k.name << " eps " << eps << (apparent ? "" : " without apparent pairs")
              << (blocks ? " (blocks)" : " (list searches)");
        }
      }
      // Z/3 as well: the signs of the coboundary and of the apparent pairs' facets.
      dense.modulus = 3;
      internal::SparseReducerOptions o3;
      o3.maxdim = 2;
      o3.modulus = 3;
      EXPECT_EQ(internal::ReduceSparseRips(built.graph, o3), internal::ReduceRips(MatrixOf(built.graph), dense))
          << k.name << " eps " << eps << " mod 3";
    }
  }
}

// ripser's own sparse mode on the same edges is the independent oracle.
TEST(SparseRipsTest, SparseReductionMatchesRipserOnTheSameEdges) {
  if (!testing::HaveRipser()) GTEST_SKIP() << "/usr/bin/ripser is not installed";
  for (const PointCloud& c : {testing::Circle(250, 0.05, 16), Projected(300, 17),
                              testing::SphereSample(120, 18)}) {
    for (double eps : {0.1, 0.5}) {
      const CloudMetric m(c.values, c.n, c.dim, Metric::kEuclidean);
      internal::SparseGraphResult built = Graph(m, eps);
      internal::SparseReducerOptions o;
      o.maxdim = 2;
      const Diagram ours = internal::ReduceSparseRips(built.graph, o);
      const Diagram expected =
          testing::RipserOnSparseEdges(MatrixOf(built.graph).values, c.n, 2, built.threshold);
      ASSERT_EQ(expected.num_dimensions(), 3u);
      EXPECT_EQ(testing::CompareDiagrams(ours, expected, 1e-5), "") << "n=" << c.n << " eps=" << eps;
    }
  }
}

// The guarantee on the projected walk, through the sparse backend: on a log
// scale the bottleneck distance to the exact diagram is at most ln(1 + ε).
TEST(SparseRipsTest, SparseBackendIsWithinTheBoundOfExact) {
  struct Case {
    PointCloud cloud;
    int maxdim;
    double eps;
  };
  const Case cases[] = {{Projected(1000, 19), 1, 0.1},  {Projected(1000, 19), 1, 0.5},
                        {Projected(400, 20), 2, 0.1},   {Projected(400, 20), 2, 1.0},
                        {testing::Circle(500, 0.05, 21), 2, 0.1}};
  for (const Case& k : cases) {
    const PointCloud& c = k.cloud;
    RipsOptions o;
    o.maxdim = k.maxdim;
    o.threads = 2;
    auto exact = ComputeRips(c.values, c.n, c.dim, o);
    ASSERT_TRUE(exact.ok()) << exact.status().ToString();
    auto approx = internal::ComputeApproximateRipsWith(c.values, c.n, c.dim, o, k.eps,
                                                       internal::ApproximateBackend::kSparse);
    ASSERT_TRUE(approx.ok()) << approx.status().ToString();
    EXPECT_TRUE(approx->sparse_backend);
    const double error = testing::LogBottleneck(approx->diagram, *exact);
    EXPECT_LE(error, std::log1p(k.eps) + 1e-5) << "n=" << c.n << " eps=" << k.eps;
    std::printf("n=%zu maxdim %d eps=%.2f edges kept %5.1f%%  log-bottleneck %.4f  bound %.4f\n",
                c.n, k.maxdim, k.eps,
                100.0 * double(approx->edges_kept) / double(approx->edges_total), error,
                std::log1p(k.eps));
  }
}

TEST(SparseRipsTest, BackendsAgreeThroughTheFrontEnd) {
  const PointCloud c = Projected(300, 22);
  RipsOptions o;
  o.maxdim = 2;
  for (double eps : {0.1, 0.5}) {
    auto s = internal::ComputeApproximateRipsWith(c.values, c.n, c.dim, o, eps,
                                                  internal::ApproximateBackend::kSparse);
    auto d = internal::ComputeApproximateRipsWith(c.values, c.n, c.dim, o, eps,
                                                  internal::ApproximateBackend::kDense);
    ASSERT_TRUE(s.ok() && d.ok());
    EXPECT_TRUE(s->sparse_backend);
    EXPECT_FALSE(d->sparse_backend);
    EXPECT_EQ(s->edges_kept, d->edges_kept);
    EXPECT_EQ(s->diagram, d->diagram) << "eps " << eps;
  }
}

// Past the dense kernel's memory the sparse backend still runs; its own need (the
// neighbour lists) is refused with the bytes it would take.
TEST(SparseRipsTest, MemoryLimitOfTheSparseBackend) {
  const PointCloud c = Projected(2000, 23);
  RipsOptions o;
  o.maxdim = 1;
  o.memory_limit_bytes = size_t{12} << 20;  // below the dense 2000² matrix (15.3 MiB + table)
  auto r = ComputeApproximateRips(c.values, c.n, c.dim, o, 0.5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->sparse_backend);
  o.memory_limit_bytes = size_t{1} << 20;
  auto refused = ComputeApproximateRips(c.values, c.n, c.dim, o, 0.1);
  ASSERT_FALSE(refused.ok());
  const std::string msg = refused.status().message();
  EXPECT_NE(msg.find("n: at epsilon 0.1 the sparse filtration of 2000 points keeps"), std::string::npos) << msg;
  EXPECT_NE(msg.find("MiB"), std::string::npos) << msg;
}

}  // namespace
}  // namespace panic::tda
