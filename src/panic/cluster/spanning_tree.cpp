#include "panic/cluster/spanning_tree.h"

#include <algorithm>
#include <limits>

#include "panic/cluster/parallel_blocks.h"
#include "panic/cluster/union_find.h"
#include "panic/core/parallel.h"

namespace panic::cluster::internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr size_t kTile = 256;                 // rows per side of a cross-pair tile

// A candidate edge; an empty one (weight ∞) loses to every real edge.
struct Candidate {
  float w = kInf;
  uint32_t a = kNone;
  uint32_t b = kNone;
};

inline bool Better(const Candidate& x, const Candidate& y) {
  if (x.w != y.w) return x.w < y.w;
  if (x.a != y.a) return x.a < y.a;
  return x.b < y.b;
}

inline Candidate MakeCandidate(uint32_t p, uint32_t q, float w) {
  return p < q ? Candidate{w, p, q} : Candidate{w, q, p};
}

// Borůvka rounds over the neighbour lists. With `certify`, a component's cheapest
// listed edge is taken only when no unlisted edge of any member can be cheaper
// (see spanning_tree.h); without it (approximate lists) it is always taken.
void NeighborBoruvka(const Neighbors& nb, std::span<const float> core, bool certify,
                     UnionFind& uf, std::vector<MstEdge>& edges, int threads) {
  const size_t n = nb.n;
  if (nb.k == 0) return;
  const bool lists_complete = nb.k + 1 >= n;  // every other point is listed
  std::vector<uint32_t> comp(n);
  std::vector<Candidate> best(n), comp_best(n);
  std::vector<float> lower(n), comp_lower(n, kInf);
  for (;;) {
    for (size_t i = 0; i < n; ++i) comp[i] = uf.Find(static_cast<uint32_t>(i));
    ParallelFor(n, threads, [&](size_t i) {
      Candidate c;
      const uint32_t* idx = nb.indices(i);
      const float* dist = nb.distances(i);
      for (size_t j = 0; j < nb.k; ++j) {
        const uint32_t q = idx[j];
        if (comp[q] == comp[i]) continue;
        const float w = std::max({core[i], core[q], dist[j]});
        Candidate e = MakeCandidate(static_cast<uint32_t>(i), q, w);
        if (Better(e, c)) c = e;
      }
      best[i] = c;
      lower[i] = lists_complete ? kInf : std::max(core[i], dist[nb.k - 1]);
    });
    for (size_t i = 0; i < n; ++i) {
      const uint32_t r = comp[i];
      if (Better(best[i], comp_best[r])) comp_best[r] = best[i];
      if (certify && !(best[i].w <= lower[i])) comp_lower[r] = std::min(comp_lower[r], lower[i]);
    }
    size_t added = 0;
    for (size_t r = 0; r < n; ++r) {
      if (comp[r] != r) continue;
      const Candidate c = comp_best[r];
      comp_best[r] = Candidate{};
      const float bound = comp_lower[r];
      comp_lower[r] = kInf;
      if (c.w == kInf) continue;
      if (certify && !(c.w <= bound)) continue;
      if (uf.Union(c.a, c.b)) {
        edges.push_back(MstEdge{c.a, c.b, c.w});
        ++added;
      }
    }
    if (added == 0) return;
  }
}

// Rows of a subset gathered in component order, for blocked cross-component passes.
struct Grouped {
  UnitRows rows;
  std::vector<uint32_t> ids;   // original index of each gathered row
  std::vector<float> core;     // core distance of each gathered row
  std::vector<uint32_t> comp;  // component of each gathered row, 0..components-1
  size_t components = 0;
};

void Relabel(Grouped& g, UnionFind& uf) {
  std::vector<uint32_t> roots(g.ids.size());
  for (size_t i = 0; i < g.ids.size(); ++i) roots[i] = uf.Find(g.ids[i]);
  std::vector<uint32_t> sorted = roots;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  g.comp.resize(g.ids.size());
  for (size_t i = 0; i < g.ids.size(); ++i) {
    g.comp[i] = static_cast<uint32_t>(std::lower_bound(sorted.begin(), sorted.end(), roots[i]) -
                                      sorted.begin());
  }
  g.components = sorted.size();
}

Grouped GroupByComponent(const UnitRows& rows, std::span<const float> core,
                         std::vector<uint32_t> subset, UnionFind& uf) {
  std::stable_sort(subset.begin(), subset.end(),
                   [&](uint32_t x, uint32_t y) { return uf.Find(x) < uf.Find(y); });
  Grouped g;
  g.rows = GatherRows(rows, subset);
  g.core.resize(subset.size());
  for (size_t i = 0; i < subset.size(); ++i) g.core[i] = core[subset[i]];
  g.ids = std::move(subset);
  Relabel(g, uf);
  return g;
}

// The component of every row of tile t, or kNone when the tile spans several.
std::vector<uint32_t> TileComponents(const Grouped& g) {
  const size_t m = g.ids.size(), tiles = (m + kTile - 1) / kTile;
  std::vector<uint32_t> tc(tiles);
  for (size_t t = 0; t < tiles; ++t) {
    const size_t lo = t * kTile, hi = std::min(m, lo + kTile);
    tc[t] = g.comp[lo];
    for (size_t i = lo; i < hi && tc[t] != kNone; ++i) {
      if (g.comp[i] != g.comp[lo]) tc[t] = kNone;
    }
  }
  return tc;
}

// One exact Borůvka round over the gathered rows: every component's cheapest edge to
// another component. Returns the number of edges added.
size_t ScanRound(const Grouped& g, UnionFind& uf, std::vector<MstEdge>& edges, int threads) {
  const size_t m = g.ids.size(), tiles = (m + kTile - 1) / kTile;
  const std::vector<uint32_t> tc = TileComponents(g);
  std::vector<Candidate> best(m);
  ParallelFor(tiles, threads, [&](size_t ti) {
    const size_t a0 = ti * kTile, am = std::min(kTile, m - a0);
    std::vector<float> gram, tile(am * kTile);
    for (size_t tj = 0; tj < tiles; ++tj) {
      if (tc[ti] != kNone && tc[ti] == tc[tj]) continue;
      const size_t b0 = tj * kTile, bm = std::min(kTile, m - b0);
      BlockDistances(g.rows, a0, am, g.rows, b0, bm, gram, tile.data());
      for (size_t a = 0; a < am; ++a) {
        const size_t i = a0 + a;
        Candidate& c = best[i];
        for (size_t b = 0; b < bm; ++b) {
          const size_t j = b0 + b;
          if (g.comp[i] == g.comp[j]) continue;
          const float w = std::max({g.core[i], g.core[j], tile[a * bm + b]});
          if (w > c.w) continue;
          Candidate e = MakeCandidate(g.ids[i], g.ids[j], w);
          if (Better(e, c)) c = e;
        }
      }
    }
  });
  std::vector<Candidate> comp_best(g.components);
  for (size_t i = 0; i < m; ++i) {
    if (Better(best[i], comp_best[g.comp[i]])) comp_best[g.comp[i]] = best[i];
  }
  size_t added = 0;
  for (const Candidate& c : comp_best) {
    if (c.w != kInf && uf.Union(c.a, c.b)) {
      edges.push_back(MstEdge{c.a, c.b, c.w});
      ++added;
    }
  }
  return added;
}

// The cheapest edge between every pair of components, in one pass over the
// cross-component tile pairs; then Kruskal over them joins all components.
void PairPass(const Grouped& g, UnionFind& uf, std::vector<MstEdge>& edges, int threads) {
  const size_t m = g.ids.size(), tiles = (m + kTile - 1) / kTile, C = g.components;
  const std::vector<uint32_t> tc = TileComponents(g);
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t ti = 0; ti < tiles; ++ti) {
    for (size_t tj = ti; tj < tiles; ++tj) {
      if (tc[ti] != kNone && tc[ti] == tc[tj]) continue;
      pairs.emplace_back(ti, tj);
    }
  }
  const size_t workers = WorkerCount(pairs.size(), threads);
  std::vector<std::vector<Candidate>> tables(workers);
  ParallelItems(pairs.size(), threads, [&](size_t p, size_t worker) {
    std::vector<Candidate>& table = tables[worker];
    if (table.empty()) table.resize(C * C);
    const size_t a0 = pairs[p].first * kTile, am = std::min(kTile, m - a0);
    const size_t b0 = pairs[p].second * kTile, bm = std::min(kTile, m - b0);
    thread_local std::vector<float> gram, tile;
    tile.resize(am * bm);
    BlockDistances(g.rows, a0, am, g.rows, b0, bm, gram, tile.data());
    for (size_t a = 0; a < am; ++a) {
      const size_t i = a0 + a;
      for (size_t b = 0; b < bm; ++b) {
        const size_t j = b0 + b;
        if (j <= i || g.comp[i] == g.comp[j]) continue;
        const uint32_t ci = std::min(g.comp[i], g.comp[j]), cj = std::max(g.comp[i], g.comp[j]);
        Candidate& c = table[ci * C + cj];
        const float w = std::max({g.core[i], g.core[j], tile[a * bm + b]});
        if (w > c.w) continue;
        Candidate e = MakeCandidate(g.ids[i], g.ids[j], w);
        if (Better(e, c)) c = e;
      }
    }
  });
  std::vector<Candidate> merged;
  for (size_t ci = 0; ci < C; ++ci) {
    for (size_t cj = ci + 1; cj < C; ++cj) {
      Candidate c;
      for (const auto& table : tables) {
        if (!table.empty() && Better(table[ci * C + cj], c)) c = table[ci * C + cj];
      }
      if (c.w != kInf) merged.push_back(c);
    }
  }
  std::sort(merged.begin(), merged.end(), Better);
  for (const Candidate& c : merged) {
    if (uf.Union(c.a, c.b)) edges.push_back(MstEdge{c.a, c.b, c.w});
  }
}

// Joins the components of `subset` with exact cross edges: Borůvka scan rounds while
// there are many, then one pair pass.
void JoinComponents(const UnitRows& rows, std::span<const float> core,
                    std::vector<uint32_t> subset, UnionFind& uf, std::vector<MstEdge>& edges,
                    int threads, size_t max_pair_components) {
  Grouped g = GroupByComponent(rows, core, std::move(subset), uf);
  while (g.components > 1) {
    if (g.components <= max_pair_components) {
      PairPass(g, uf, edges, threads);
      return;
    }
    if (ScanRound(g, uf, edges, threads) == 0) return;
    Relabel(g, uf);
  }
}

std::vector<uint32_t> AllRows(size_t n) {
  std::vector<uint32_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = static_cast<uint32_t>(i);
  return all;
}

}  // namespace

std::vector<MstEdge> ExactMutualReachabilityTree(const UnitRows& rows, const Neighbors& neighbors,
                                                 std::span<const float> core, int threads,
                                                 size_t max_pair_components) {
  UseSingleThreadedBlas();
  UnionFind uf(rows.n);
  std::vector<MstEdge> edges;
  edges.reserve(rows.n);
  NeighborBoruvka(neighbors, core, /*certify=*/true, uf, edges, threads);
  if (rows.n > 0 && edges.size() + 1 < rows.n) {
    JoinComponents(rows, core, AllRows(rows.n), uf, edges, threads, max_pair_components);
  }
  std::sort(edges.begin(), edges.end(), EdgeLess);
  return edges;
}

std::vector<MstEdge> KnnMutualReachabilityTree(const UnitRows& rows, const Neighbors& neighbors,
                                               std::span<const float> core, int threads) {
  UseSingleThreadedBlas();
  UnionFind uf(rows.n);
  std::vector<MstEdge> edges;
  edges.reserve(rows.n);
  NeighborBoruvka(neighbors, core, /*certify=*/false, uf, edges, threads);
  if (rows.n > 0 && edges.size() + 1 < rows.n) {
    // Join the kNN graph's components through representatives: the members of lowest
    // core distance (the densest), at most kRepresentativeRows in all.
    constexpr size_t kRepresentativeRows = 8192;
    std::vector<uint32_t> by_root = AllRows(rows.n);
    std::vector<uint32_t> root(rows.n);
    for (size_t i = 0; i < rows.n; ++i) root[i] = uf.Find(static_cast<uint32_t>(i));
    std::sort(by_root.begin(), by_root.end(), [&](uint32_t x, uint32_t y) {
      if (root[x] != root[y]) return root[x] < root[y];
      if (core[x] != core[y]) return core[x] < core[y];
      return x < y;
    });
    const size_t components = rows.n - edges.size();
    const size_t per = std::max<size_t>(1, kRepresentativeRows / components);
    std::vector<uint32_t> reps;
    for (size_t i = 0, taken = 0; i < by_root.size(); ++i) {
      taken = (i > 0 && root[by_root[i]] == root[by_root[i - 1]]) ? taken + 1 : 0;
      if (taken < per) reps.push_back(by_root[i]);
    }
    JoinComponents(rows, core, std::move(reps), uf, edges, threads, kMaxPairComponents);
  }
  std::sort(edges.begin(), edges.end(), EdgeLess);
  return edges;
}

}  // namespace panic::cluster::internal
