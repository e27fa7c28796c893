// The sweep over the edges by length (triangle_sweep.h): its bands of sorted edges, and
// that its tie paths are taken on clouds with equal lengths (their columns are compared
// with the other assemblies in RipsScaleTest.EdgeByEdgeAndSweptTriangleAssemblyGiveTheSameDiagram).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/edge_ranks.h"
#include "panic/tda/triangle_sweep.h"

namespace panic::tda::internal {
namespace {

DistanceMatrix Quantized(size_t n, int levels, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> step(0, levels);
  std::vector<float> points;
  for (size_t i = 0; i < n * 3; ++i) points.push_back(static_cast<float>(step(rng)) / static_cast<float>(levels));
  return EuclideanDistances(points, n, 3, 1);
}

TEST(TriangleSweepTest, BandsHoldEveryEdgeOnceInOrder) {
  const DistanceMatrix d = Quantized(200, 64, 1);
  const float threshold = EnclosingRadius(d);
  size_t within = 0;
  for (size_t x = 1; x < d.n; ++x) {
    for (size_t y = 0; y < x; ++y) within += d(x, y) <= threshold;
  }
  for (size_t per_band : {size_t{0}, size_t{3000}, size_t{100}}) {
    const std::vector<float> bounds = EdgeBands(d, threshold, per_band == 0 ? within + 1 : per_band);
    ASSERT_GE(bounds.size(), 2u);
    EXPECT_EQ(bounds.front(), 0.0f);
    EXPECT_EQ(bounds.back(), threshold);
    EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
    if (per_band == 100) {
      EXPECT_GT(bounds.size(), 20u) << "the bands do not split the edges";
    }
    std::vector<uint64_t> all;
    for (size_t b = 0; b + 1 < bounds.size(); ++b) {
      std::vector<uint64_t> band = SortedEdgesInBand(d, bounds[b], bounds[b + 1], b + 2 == bounds.size(), 2);
      EXPECT_TRUE(std::is_sorted(band.begin(), band.end()));
      all.insert(all.end(), band.begin(), band.end());
    }
    ASSERT_EQ(all.size(), within) << "per band " << per_band;
    EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
    std::set<uint64_t> indices;
    for (uint64_t key : all) indices.insert(key & 0xFFFFFFFFu);
    EXPECT_EQ(indices.size(), within);
  }
}

// On rank keys the bands' edges are put at their places without a sort: the same words as
// the sort gives, at every band and two thresholds; without rank keys (ties, plain
// lengths) the placement finds out and the band is sorted all the same.
TEST(TriangleSweepTest, RankKeyBandsArePlacedAsTheSortGivesThem) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> coordinate;
  std::vector<float> points(300 * 4);
  for (float& x : points) x = coordinate(rng);
  DistanceMatrix ranked = EuclideanDistances(points, 300, 4, 2, /*residuals=*/true);
  RankEdges(ranked, 2);
  const DistanceMatrix plain = EuclideanDistances(points, 300, 4, 2);
  const DistanceMatrix tied = Quantized(200, 16, 4);
  size_t placed_bands = 0;
  const DistanceMatrix* const matrices[] = {&ranked, &plain, &tied};
  for (const DistanceMatrix* d : matrices) {
    const float radius = EnclosingRadius(*d);
    for (float threshold : {radius, (*d)(7, 3)}) {
      for (size_t per_band : {size_t{1} << 30, size_t{3000}, size_t{97}}) {
        const std::vector<float> bounds = EdgeBands(*d, threshold, per_band);
        for (size_t b = 0; b + 1 < bounds.size(); ++b) {
          const bool last = b + 2 == bounds.size();
          const std::vector<uint64_t> sorted = SortedEdgesInBand(*d, bounds[b], bounds[b + 1], last, 2);
          EXPECT_EQ(SortedEdgesInBand(*d, bounds[b], bounds[b + 1], last, 2, /*ranked=*/true), sorted)
              << "band " << b << " of " << bounds.size() - 1 << ", per band " << per_band;
          const auto placed = PlacedEdgesInBand(*d, bounds[b], bounds[b + 1], last, 2);
          if (d == &ranked) {
            ASSERT_TRUE(placed.has_value()) << "band " << b << ", per band " << per_band;
            EXPECT_EQ(*placed, sorted);
            placed_bands += !sorted.empty();
          } else if (!sorted.empty()) {
            EXPECT_FALSE(placed.has_value()) << "lengths that are no rank keys were placed";
          }
        }
      }
    }
  }
  EXPECT_GT(placed_bands, 20u);
}

TEST(TriangleSweepTest, EqualLengthsTakeTheTiePaths) {
  const DistanceMatrix d = Quantized(150, 64, 2);
  const float threshold = EnclosingRadius(d);
  size_t edges = 0;  // E: the edges ≤ the threshold
  for (size_t x = 1; x < d.n; ++x) {
    for (size_t y = 0; y < x; ++y) edges += d(x, y) <= threshold;
  }
  size_t columns = 0, tie_edges = 0;
  SweepStats stats;
  SweepTriangles(
      d, threshold, SweepOptions{}, [&](int, int, int, int, float) { ++columns; },
      [&](int, int x, int y, float length) {
        ++tie_edges;
        EXPECT_EQ(d(x, y), length);
      },
      &stats);
  EXPECT_GT(columns, 0u);
  EXPECT_GT(stats.tied_triangles, 0u);
  EXPECT_GT(stats.tie_edges, 0u);
  EXPECT_EQ(stats.tie_edges, tie_edges);
  EXPECT_EQ(stats.caught_up, 0u);  // one worker sweeps every edge itself
  // In parts, on one worker and on two: the same tie paths, each worker's calls its own.
  for (size_t part : {size_t{0}, size_t{7}}) {
    SweepOptions o;
    o.part_edges = part;
    size_t one_columns = 0, one_tie_edges = 0;
    SweepStats one;
    SweepTriangles(
        d, threshold, o, [&](int, int, int, int, float) { ++one_columns; },
        [&](int, int, int, float) { ++one_tie_edges; }, &one);
    EXPECT_EQ(one_columns, columns) << "part " << part << ", one worker";
    EXPECT_EQ(one_tie_edges, tie_edges) << "part " << part << ", one worker";
    EXPECT_EQ(one.caught_up, 0u) << "part " << part;
    o.threads = 2;
    std::vector<size_t> per_worker(2, 0);
    SweepStats two;
    SweepTriangles(
        d, threshold, o, [&](int worker, int, int, int, float) { ++per_worker[static_cast<size_t>(worker)]; },
        [&](int worker, int, int, float) { ++per_worker[static_cast<size_t>(worker)]; }, &two);
    EXPECT_EQ(two.tie_edges, stats.tie_edges) << "part " << part;
    EXPECT_EQ(two.tied_triangles, stats.tied_triangles) << "part " << part;
    EXPECT_EQ(per_worker[0] + per_worker[1], columns + tie_edges) << "part " << part;
    EXPECT_EQ(two.parts, one.parts) << "part " << part;
    if (part == 7) {
      EXPECT_GT(one.parts, 100u);
    }
    // Each worker's bitsets end holding every edge: the edges it did not sweep, it caught up on.
    // Two workers add 2E edges in all, and sweep E of them.
    EXPECT_EQ(two.caught_up, edges) << "part " << part;
  }
}

}  // namespace
}  // namespace panic::tda::internal
