// Issue 18: the approximate mode's apparent-pair pass (sparse_rips_apparent.h) in every
// vector form this CPU runs — the scans down a block's rows and the triangle lanes, sixteen
// at a time (AVX-512) or eight (AVX2) — gives exactly the scalar pass's edge table and
// triangle columns, on loopy clouds whose blocks are wide enough for many vector steps.
#include "panic/tda/sparse_rips_apparent.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "panic/tda/binomial_table.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_greedy.h"
#include "tda/simd_levels.h"
#include "tda/tda_oracle_helpers.h"

namespace panic::tda::internal {
namespace {

std::vector<TriangleColumn> Sorted(std::vector<TriangleColumn> t) {
  std::sort(t.begin(), t.end(), [](const TriangleColumn& x, const TriangleColumn& y) { return x.index < y.index; });
  return t;
}

TEST(SparseRipsApparentTest, EveryVectorFormGivesTheScalarPairs) {
  const std::vector<SimdLevel> levels = SimdLevelsHere();
  if (levels.size() < 2) GTEST_SKIP() << "neither AVX2 nor AVX-512 on this CPU";
  struct Case {
    const char* name;
    testing::PointCloud cloud;
    double eps;
  };
  const Case cases[] = {{"unit-sphere walk", testing::UnitSphereWalk(400, 768, 0.01, 51), 0.1},
                        {"walk", testing::WalkCloud(400, 768, 52), 0.5},
                        {"noisy circle", testing::Circle(500, 0.1, 53), 0.1},
                        {"2-sphere", testing::SphereSample(300, 54), 0.3}};
  for (const Case& k : cases) {
    const testing::PointCloud& c = k.cloud;
    const CloudMetric m(c.values, c.n, c.dim, Metric::kEuclidean);
    const auto lambda = GreedyInsertionRadii(m, nullptr, nullptr);
    auto built = BuildSparseGraph(m, lambda, k.eps, NAN, 2, size_t{1} << 32);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    const SparseGraph& g = built->graph;
    // The vector lanes run on a's neighbours below a, a row's width at a time: the clouds
    // must give blocks wide enough for several steps of the widest form.
    size_t widest = 0;
    for (size_t a = 0; a < g.n; ++a) {
      const auto row = g.row(a);
      widest = std::max<size_t>(widest, static_cast<size_t>(std::count_if(
                                            row.begin(), row.end(), [&](const auto& nb) { return nb.vertex < a; })));
    }
    EXPECT_GE(widest, 48u) << k.name;
    const BinomialTable binomial(static_cast<int64_t>(g.n), 4);
    const SparseApparentPairs want = FindApparentPairs(g, binomial, true, 2, SimdLevel::kScalar);
    const std::vector<TriangleColumn> want_triangles = Sorted(want.triangles);
    EXPECT_FALSE(want_triangles.empty()) << k.name;
    for (SimdLevel simd : levels) {
      for (int threads : {1, 2}) {
        const SparseApparentPairs got = FindApparentPairs(g, binomial, true, threads, simd);
        const auto where = [&] { return std::string(k.name) + ", simd " + std::to_string(static_cast<int>(simd)); };
        EXPECT_EQ(got.edges.lower_offsets, want.edges.lower_offsets) << where();
        EXPECT_EQ(got.edges.value, want.edges.value) << where();
        const std::vector<TriangleColumn> triangles = Sorted(got.triangles);
        ASSERT_EQ(triangles.size(), want_triangles.size()) << where();
        for (size_t i = 0; i < triangles.size(); ++i) {
          ASSERT_EQ(triangles[i].index, want_triangles[i].index) << where() << ", column " << i;
          ASSERT_EQ(triangles[i].diam, want_triangles[i].diam) << where() << ", column " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal
