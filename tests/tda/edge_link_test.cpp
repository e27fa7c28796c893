// The own-diameter cofacets of the reduction from an edge's link graph (edge_link.h):
// the sequence LinkCofacets yields, batch after batch, must be the one that repeated
// top-down scans (ScanCofacetCandidate, the reducer's other path) return, on random
// symmetric distance matrices full of ties, for simplices of 3 and 4 vertices, from the
// top and from random starting vertices, whatever the batch size.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "tda/simd_levels.h"
#include "panic/tda/cofacet_scan.h"
#include "panic/tda/edge_link.h"

namespace panic::tda::internal {
namespace {

// A symmetric n × n matrix with few distinct values (ties everywhere), zero diagonal.
std::vector<float> TiedDistances(std::mt19937& rng, int n) {
  std::uniform_int_distribution<int> level(1, 6);
  std::vector<float> m(static_cast<size_t>(n) * static_cast<size_t>(n), 0.0f);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) {
      const float x = 0.25f * static_cast<float>(level(rng));
      m[static_cast<size_t>(i) * static_cast<size_t>(n) + static_cast<size_t>(j)] = x;
      m[static_cast<size_t>(j) * static_cast<size_t>(n) + static_cast<size_t>(i)] = x;
    }
  }
  return m;
}

template <int M>
void CheckRandomSimplex(std::mt19937& rng, int n, EdgeLinkCache& cache) {
  const std::vector<float> m = TiedDistances(rng, n);
  auto row = [&](int v) { return m.data() + static_cast<size_t>(v) * static_cast<size_t>(n); };
  // M distinct vertices, descending, as the reducer's cursors hold them.
  std::vector<int> all(static_cast<size_t>(n));
  for (int v = 0; v < n; ++v) all[static_cast<size_t>(v)] = v;
  std::shuffle(all.begin(), all.end(), rng);
  int w[M];
  std::copy(all.begin(), all.begin() + M, w);
  std::sort(w, w + M, [](int a, int b) { return a > b; });
  const float* r[M];
  float diam = 0;
  for (int q = 0; q < M; ++q) r[q] = row(w[q]);
  for (int a = 0; a < M; ++a) {
    for (int b = a + 1; b < M; ++b) diam = std::max(diam, r[a][w[b]]);
  }
  // Any edge of the simplex's diameter will do (ties: there may be several); take a random one.
  std::vector<std::pair<int, int>> edges;
  for (int a = 0; a < M; ++a) {
    for (int b = a + 1; b < M; ++b) {
      if (r[a][w[b]] == diam) edges.emplace_back(a, b);
    }
  }
  const auto [ea, eb] = edges[std::uniform_int_distribution<size_t>(0, edges.size() - 1)(rng)];
  const int64_t key = static_cast<int64_t>(w[ea]) * (w[ea] - 1) / 2 + w[eb];
  EdgeLink* link = cache.Find(key);
  if (link == nullptr) link = &cache.Build(DetectSimdLevel(), key, r[ea], r[eb], w[ea], w[eb], n, diam);
  const uint64_t* rows[M - 2];
  for (int q = 0, k = 0; q < M; ++q) {
    if (q != ea && q != eb) rows[k++] = link->Row(link->Position(w[q]), r[q]);
  }
  const int v0 = std::uniform_int_distribution<int>(0, 1)(rng) ? n : std::uniform_int_distribution<int>(0, n)(rng);
  std::vector<int> expected;
  for (int v = v0;;) {
    v = ScanCofacetCandidate<M>(SimdLevel::kScalar, r, w, 0, v, diam);
    if (v < 0) break;
    expected.push_back(v);
  }
  for (int cap : {1, 2, 8}) {
    std::vector<int> got, batch(static_cast<size_t>(cap));
    for (int v = v0;;) {
      const int k = LinkCofacets(link->vertices(), rows, M - 2, v, cap, batch.data());
      ASSERT_LE(k, cap);
      if (k == 0) break;
      got.insert(got.end(), batch.begin(), batch.begin() + k);
      v = batch[static_cast<size_t>(k - 1)];
    }
    EXPECT_EQ(got, expected) << "M=" << M << " n=" << n << " cap=" << cap << " v0=" << v0;
  }
}

TEST(EdgeLinkTest, LinkCofacetsEqualTheScannedSequence) {
  std::mt19937 rng(29);
  for (int n : {5, 16, 17, 40, 130, 300}) {
    for (int trial = 0; trial < 40; ++trial) {
      EdgeLinkCache cache;  // per matrix: the cache is keyed by edge only
      CheckRandomSimplex<3>(rng, n, cache);
      EdgeLinkCache cache4;
      CheckRandomSimplex<4>(rng, n, cache4);
    }
  }
}

// The link itself, vector and scalar, against its definition.
TEST(EdgeLinkTest, LinkVerticesAreTheCommonNeighbours) {
  std::mt19937 rng(3);
  for (int n : {2, 15, 16, 33, 250}) {
    const std::vector<float> m = TiedDistances(rng, n);
    for (int trial = 0; trial < 20; ++trial) {
      const int a = std::uniform_int_distribution<int>(1, n - 1)(rng);
      const int b = std::uniform_int_distribution<int>(0, a - 1)(rng);
      const float* ra = m.data() + static_cast<size_t>(a) * static_cast<size_t>(n);
      const float* rb = m.data() + static_cast<size_t>(b) * static_cast<size_t>(n);
      const float d = ra[b];
      std::vector<int> expected;
      for (int v = 0; v < n; ++v) {
        if (v != a && v != b && ra[v] <= d && rb[v] <= d) expected.push_back(v);
      }
      for (SimdLevel l : SimdLevelsHere()) {
        std::vector<int> got(static_cast<size_t>(n));
        got.resize(static_cast<size_t>(EdgeLinkVertices(l, ra, rb, a, b, n, d, got.data())));
        EXPECT_EQ(got, expected) << "n=" << n << " level=" << static_cast<int>(l);
      }
    }
  }
}

}  // namespace
}  // namespace panic::tda::internal
