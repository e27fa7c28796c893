// The kept edges of the sparse filtration by range search over the greedy tree, instead
// of screening all n(n − 1)/2 pairs (sparse_rips_graph.h's BuildSparseGraph). Internal to
// panic::tda.
//
// The greedy tree (GreedyTree) is a ball tree: the subtree of p holds only points chosen
// after p, all within R(p) of it, where R(p) = max over children q of (chord(p, q) + R(q))
// (the triangle inequality, bottom-up). An edge {p, q} with q chosen after p can be kept
// only when its length is at most (2 + ε)μ with μ = (1 + ε)/ε · λ_q (radii only shrink
// along the order), so the earlier endpoints of q's edges are the points chosen before q
// within that radius of it: a depth-first search that skips every subtree whose root was
// chosen after q or lies beyond the radius plus R. The enclosing radius (min over points
// of the largest distance) comes from farthest-point searches in the same tree, each cut
// short as soon as its point cannot be the minimum.
//
// On a cloud of low doubling dimension a search touches a few times the points it
// reports; on one without such structure it touches all points, and the GEMM screen is
// faster (ComputeApproximateRips chooses; see docs/TDA.md).
#pragma once

#include <vector>

#include "panic/tda/sparse_rips_graph.h"

namespace panic::tda::internal {

// As BuildSparseGraph (the same edges, lengths, enclosing radius and threshold, entry for
// entry), from the tree that GreedyInsertionRadii returned with `lambda`.
Result<SparseGraphResult> BuildSparseGraphByRange(const CloudMetric& metric,
                                                  const std::vector<double>& lambda,
                                                  const GreedyTree& tree, double epsilon,
                                                  float threshold, int threads,
                                                  size_t memory_limit_bytes);

// The same as a two-pass search (KeptEdgeSearch: count, then fill).
std::unique_ptr<KeptEdgeSearch> MakeRangeSearch(const CloudMetric& metric,
                                                const std::vector<double>& lambda,
                                                const GreedyTree& tree, double epsilon,
                                                float threshold, int threads);

// The rule between the two: the range search when the greedy permutation evaluated
// fewer than 1/8 of the n(n − 1)/2 distances (a cloud of low doubling dimension, where
// the tree prunes) and the cloud is large, the GEMM screen otherwise.
// Below kRangeSearchFrom points the GEMM screen is faster even then (measured on the
// projected walk, docs/TDA.md: 30 000 points GEMM 16.6 s / range 23.6 s, 100 000 points
// 180 s / 36 s).
constexpr size_t kRangeSearchFrom = 50000;
inline bool RangeSearchPays(size_t n, size_t greedy_evaluations) {
  return n >= kRangeSearchFrom && greedy_evaluations * 16 < n * (n - 1);
}

}  // namespace panic::tda::internal
