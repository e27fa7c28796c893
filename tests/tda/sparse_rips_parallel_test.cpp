// Issue 18: the sparse reducer's column-parallel reduction (batches reduced by the workers
// against the earlier batches, then finished in column order) gives the same diagram for
// 1, 2 and 4 threads, equal to the dense kernel on the same filtration, on loopy clouds
// with many columns (several batches), Z/2 and Z/3, blocks and list searches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_reducer.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda {
namespace {

using testing::PointCloud;

internal::DistanceMatrix MatrixOf(const internal::SparseGraph& g) {
  internal::DistanceMatrix d;
  d.n = g.n;
  d.values.assign(g.n * g.n, std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < g.n; ++i) {
    d.values[i * g.n + i] = 0;
    for (const auto& nb : g.row(i)) d.values[i * g.n + nb.vertex] = nb.length;
  }
  return d;
}

TEST(SparseRipsParallelTest, ReductionIsTheSameForEveryThreadCount) {
  struct Case {
    const char* name;
    PointCloud cloud;
    double eps;
  };
  const Case cases[] = {{"unit-sphere walk", testing::UnitSphereWalk(260, 768, 0.01, 41), 0.1},
                        {"unit-sphere walk", testing::UnitSphereWalk(260, 768, 0.01, 42), 1.0},
                        {"walk", testing::WalkCloud(300, 768, 43), 0.5},
                        {"noisy circle", testing::Circle(400, 0.1, 44), 0.1},
                        {"2-sphere", testing::SphereSample(200, 45), 0.3}};
  for (const Case& k : cases) {
    const PointCloud& c = k.cloud;
    const internal::CloudMetric m(c.values, c.n, c.dim, Metric::kEuclidean);
    const auto lambda = internal::GreedyInsertionRadii(m, nullptr, nullptr);
    auto built = internal::BuildSparseGraph(m, lambda, k.eps, NAN, 2, size_t{1} << 32);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    for (int modulus : {2, 3}) {
      internal::ReducerOptions dense;
      dense.maxdim = 2;
      dense.modulus = modulus;
      dense.threshold = built->threshold;
      const Diagram want = internal::ReduceRips(MatrixOf(built->graph), dense);
      for (bool blocks : {true, false}) {
        for (int threads : {1, 2, 4}) {
          internal::SparseReducerOptions o;
          o.maxdim = 2;
          o.modulus = modulus;
          o.blocks = blocks;
          o.threads = threads;
          EXPECT_EQ(internal::ReduceSparseRips(built->graph, o), want)
              << k.name << " eps " << k.eps << " mod " << modulus << " threads " << threads
              << (blocks ? " (blocks)" : " (list searches)");
        }
      }
      std::printf("%-16s n=%zu eps=%.1f mod %d: bars %zu/%zu/%zu, edges %zu\n", k.name, c.n, k.eps,
                  modulus, want.bars(0).size(), want.bars(1).size(), want.bars(2).size(),
                  built->graph.num_edges());
    }
  }
}

}  // namespace
}  // namespace panic::tda
