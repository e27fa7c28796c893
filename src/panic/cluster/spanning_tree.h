// Minimum spanning trees of mutual reachability, the input of the HDBSCAN* hierarchy.
//
// Mutual reachability (Campello, Moulavi & Sander 2013):
//   mrd(a, b) = max(core(a), core(b), d(a, b)).
// Edges are ordered by (weight, smaller endpoint, larger endpoint), a total order, so
// the tree is unique and the same for any thread count.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/unit_rows.h"

namespace panic::cluster::internal {

struct MstEdge {
  uint32_t a = 0;  // a < b
  uint32_t b = 0;
  float weight = 0;
};

inline MstEdge MakeEdge(uint32_t p, uint32_t q, float w) {
  return p < q ? MstEdge{p, q, w} : MstEdge{q, p, w};
}

inline bool EdgeLess(const MstEdge& x, const MstEdge& y) {
  if (x.weight != y.weight) return x.weight < y.weight;
  if (x.a != y.a) return x.a < y.a;
  return x.b < y.b;
}

// The exact minimum spanning tree of mutual reachability over all pairs, without the
// n × n matrix. First Borůvka rounds on the neighbour lists, taking a component's
// cheapest listed edge only where it is proven minimal: any unlisted q of a point p
// has d(p, q) ≥ r_k(p), the distance of p's last listed neighbour, so
// mrd(p, q) ≥ max(core(p), r_k(p)). Then, for the components left (few: clusters and
// the groups joining them), blocked passes over the cross-component pairs find each
// pair of components' cheapest edge; Kruskal over those completes the tree, which is
// exact because every Borůvka edge is an edge of the minimum spanning tree.
// Returns n − 1 edges sorted by EdgeLess. `neighbors` must be those of `rows`.
// `max_pair_components` bounds the per-worker table of the pair pass (C² candidates);
// with more components left, exact Borůvka scan rounds run first.
inline constexpr size_t kMaxPairComponents = 1024;  // 12 MiB per worker
std::vector<MstEdge> ExactMutualReachabilityTree(const UnitRows& rows, const Neighbors& neighbors,
                                                 std::span<const float> core, int threads,
                                                 size_t max_pair_components = kMaxPairComponents);

// The minimum spanning forest of mutual reachability restricted to the kNN graph
// (`neighbors`, e.g. approximate ones), by Borůvka; the components it leaves are then
// joined by their cheapest exact cross edges found through `rows` (few components:
// one blocked pass), or, past `max_join_components`, by representative rows. Returns
// n − 1 edges sorted by EdgeLess.
std::vector<MstEdge> KnnMutualReachabilityTree(const UnitRows& rows, const Neighbors& neighbors,
                                               std::span<const float> core, int threads);

}  // namespace panic::cluster::internal
