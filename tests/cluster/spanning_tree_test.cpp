// The exact mutual-reachability tree against Prim's algorithm on the full matrix.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "cluster/caption_like_data.h"
#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/spanning_tree.h"
#include "panic/cluster/unit_rows.h"

namespace panic::cluster::internal {
namespace {

using testing::CaptionLikeCloud;

// Brute force: every distance directly in double; core distance by sorting.
struct BruteForce {
  std::vector<double> d;  // n × n
  std::vector<double> core;
};

BruteForce Brute(const UnitRows& rows, size_t min_samples) {
  const size_t n = rows.n;
  BruteForce b;
  b.d.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) b.d[i * n + j] = Distance(rows, i, j);
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> row(b.d.begin() + static_cast<long>(i * n), b.d.begin() + static_cast<long>((i + 1) * n));
    std::sort(row.begin(), row.end());
    b.core.push_back(row[min_samples - 1]);  // row[0] is the point itself
  }
  return b;
}

double PrimWeight(const BruteForce& b, size_t n) {
  std::vector<double> key(n, std::numeric_limits<double>::infinity());
  std::vector<char> in(n, 0);
  key[0] = 0;
  double total = 0;
  for (size_t step = 0; step < n; ++step) {
    size_t v = n;
    for (size_t i = 0; i < n; ++i) {
      if (!in[i] && (v == n || key[i] < key[v])) v = i;
    }
    in[v] = 1;
    total += key[v];
    for (size_t u = 0; u < n; ++u) {
      if (in[u]) continue;
      key[u] = std::min(key[u], std::max({b.core[u], b.core[v], b.d[v * n + u]}));
    }
  }
  return total;
}

double TreeWeight(const std::vector<MstEdge>& edges) {
  double s = 0;
  for (const MstEdge& e : edges) s += e.weight;
  return s;
}

bool Spans(const std::vector<MstEdge>& edges, size_t n) {
  std::vector<size_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  std::function<size_t(size_t)> find = [&](size_t x) { return p[x] == x ? x : p[x] = find(p[x]); };
  size_t joins = 0;
  for (const MstEdge& e : edges) {
    size_t a = find(e.a), b = find(e.b);
    if (a != b) {
      p[a] = b;
      ++joins;
    }
  }
  return joins + 1 == n && edges.size() + 1 == n;
}

TEST(ExactNeighborsTest, MatchesSortedBruteForce) {
  auto cloud = CaptionLikeCloud(300, 24, 5, 0.3, 0.4, 1);
  UnitRows rows = NormalizeRows(cloud.values, cloud.n, cloud.dim);
  Neighbors nb = ExactNeighbors(rows, 7, 3);
  BruteForce b = Brute(rows, 2);
  for (size_t i = 0; i < rows.n; ++i) {
    std::vector<double> row;
    for (size_t j = 0; j < rows.n; ++j) {
      if (j != i) row.push_back(b.d[i * rows.n + j]);
    }
    std::sort(row.begin(), row.end());
    for (size_t t = 0; t < 7; ++t) EXPECT_NEAR(nb.distances(i)[t], row[t], 1e-5) << i << " " << t;
  }
}

// Short lists make the certified Borůvka stop early, so the cross-component passes do
// most of the work; a pair-table limit of 2 forces the scan rounds too.
TEST(SpanningTreeTest, ExactTreeHasPrimsWeight) {
  for (uint64_t seed : {2u, 3u}) {
    auto cloud = CaptionLikeCloud(400, 32, 6, 0.45, 0.5, seed);
    UnitRows rows = NormalizeRows(cloud.values, cloud.n, cloud.dim);
    const size_t min_samples = 5;
    BruteForce b = Brute(rows, min_samples);
    const double prim = PrimWeight(b, rows.n);
    for (size_t list : {4u, 32u}) {
      for (size_t pair_limit : {2u, 1024u}) {
        Neighbors nb = ExactNeighbors(rows, std::max<size_t>(list, min_samples - 1), 2);
        std::vector<float> core = CoreDistances(nb, min_samples);
        for (size_t i = 0; i < rows.n; ++i) ASSERT_NEAR(core[i], b.core[i], 1e-5);
        auto edges = ExactMutualReachabilityTree(rows, nb, core, 2, pair_limit);
        ASSERT_TRUE(Spans(edges, rows.n));
        EXPECT_NEAR(TreeWeight(edges), prim, 1e-4 * prim) << "list " << list << " limit " << pair_limit;
        EXPECT_TRUE(std::is_sorted(edges.begin(), edges.end(), EdgeLess));
      }
    }
  }
}

TEST(SpanningTreeTest, SameTreeForAnyThreadCount) {
  auto cloud = CaptionLikeCloud(700, 48, 8, 0.45, 0.5, 4);
  UnitRows rows = NormalizeRows(cloud.values, cloud.n, cloud.dim);
  Neighbors nb1 = ExactNeighbors(rows, 8, 1);
  std::vector<float> core = CoreDistances(nb1, 5);
  auto one = ExactMutualReachabilityTree(rows, nb1, core, 1, 4);
  for (int threads : {2, 5}) {
    Neighbors nb = ExactNeighbors(rows, 8, threads);
    ASSERT_EQ(nb.index, nb1.index);
    auto many = ExactMutualReachabilityTree(rows, nb, core, threads, 4);
    ASSERT_EQ(many.size(), one.size());
    for (size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(many[i].a, one[i].a);
      EXPECT_EQ(many[i].b, one[i].b);
      EXPECT_EQ(many[i].weight, one[i].weight);
    }
  }
}

}  // namespace
}  // namespace panic::cluster::internal
