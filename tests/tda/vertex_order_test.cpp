// The kernel's renumbering of the vertices (vertex_order.h): a fixed permutation, moved
// into the distance matrix exactly, and invisible in the diagram.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"
#include "panic/tda/rips_reducer.h"
#include "panic/tda/vertex_order.h"
#include "support/walk_cloud.h"

namespace panic::tda::internal {
namespace {

TEST(VertexOrderTest, ScrambledOrderIsAFixedPermutationThatMovesMostVertices) {
  for (size_t n : {0u, 1u, 2u, 7u, 1000u}) {
    const std::vector<uint32_t> a = ScrambledVertexOrder(n), b = ScrambledVertexOrder(n);
    EXPECT_EQ(a, b) << "n = " << n;
    std::vector<uint32_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i) << "not a permutation, n = " << n;
  }
  const std::vector<uint32_t> order = ScrambledVertexOrder(1000);
  size_t fixed = 0, neighbours_kept = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    fixed += order[i] == i;
    if (i > 0) neighbours_kept += order[i] == order[i - 1] + 1;
  }
  // A uniform permutation fixes ≈ 1 point and keeps ≈ 1 consecutive pair.
  EXPECT_LT(fixed, 10u);
  EXPECT_LT(neighbours_kept, 10u);
}

TEST(VertexOrderTest, RenumberingMovesEveryDistanceExactly) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 3.0f);
  for (size_t n : {1u, 2u, 37u, 300u}) {
    for (int threads : {1, 3}) {
      DistanceMatrix d;
      d.n = n;
      d.values.assign(n * n, 0.0f);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < i; ++j) d.values[i * n + j] = d.values[j * n + i] = u(rng);
      }
      // A permutation with fixed points and cycles of several lengths.
      std::vector<uint32_t> order = ScrambledVertexOrder(n);
      if (n > 4) std::swap(order[0], order[order[0] == 0 ? 1 : 0]);
      const DistanceMatrix before = d;
      RenumberVertices(d, order, threads);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          ASSERT_EQ(d(i, j), before(order[i], order[j])) << "n " << n << " (" << i << ", " << j << ")";
        }
      }
    }
  }
}

// The public kernel (renumbered) against the reduction in the cloud's own numbering:
// the same bars, value for value, on a loopy cloud and on one with many equal distances.
TEST(VertexOrderTest, DiagramDoesNotDependOnTheNumbering) {
  struct Case {
    const char* name;
    std::vector<float> points;
    size_t n, dim;
  };
  std::vector<Case> cases;
  cases.push_back({"unit-sphere walk", panic::testing::SphereWalkPoints(250, 768, 3, true), 250, 768});
  std::vector<float> grid;  // a 6 × 6 × 6 grid: ties everywhere
  for (int x = 0; x < 6; ++x) {
    for (int y = 0; y < 6; ++y) {
      for (int z = 0; z < 6; ++z) grid.insert(grid.end(), {float(x), float(y), float(z)});
    }
  }
  cases.push_back({"grid", grid, 216, 3});
  for (const Case& c : cases) {
    for (int modulus : {2, 3}) {
      RipsOptions o;
      o.maxdim = 2;
      o.modulus = modulus;
      auto renumbered = ComputeRips(c.points, c.n, c.dim, o);
      ASSERT_TRUE(renumbered.ok()) << renumbered.status().ToString();
      DistanceMatrix d = EuclideanDistances(c.points, c.n, c.dim, 1);
      ReducerOptions r;
      r.maxdim = 2;
      r.modulus = modulus;
      r.threshold = EnclosingRadius(d);
      const Diagram own = ReduceRips(d, r);
      ASSERT_EQ(renumbered->dimensions.size(), own.dimensions.size());
      for (size_t k = 0; k < own.dimensions.size(); ++k) {
        EXPECT_EQ(renumbered->dimensions[k], own.dimensions[k]) << c.name << ", Z/" << modulus << ", H" << k;
      }
      EXPECT_GT(own.dimensions[1].size() + own.dimensions[2].size(), 0u) << c.name << ": no bar to compare";
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal
