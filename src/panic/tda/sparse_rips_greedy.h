// The greedy (farthest-point) permutation of a cloud without the n × n matrix, and its
// tree: part 1 of the sparse-graph backend of ComputeApproximateRips (rips.h). Internal
// to panic::tda.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "panic/tda/sparse_rips_metric.h"

namespace panic::tda::internal {

// Insertion radii of the greedy (farthest-point) permutation, as InsertionRadii
// (rips_sparse.h) computes them on the dense matrix of the same distances: point 0
// first with radius +inf, then always the point farthest from those chosen (ties to the
// smallest index). Clarkson's neighbour-graph algorithm (as in Sheehy's greedypermutation
// package): each point belongs to the cell of its nearest centre; a new centre takes
// points only from the cells neighbouring its parent's, and finds its own neighbours
// among their neighbours. On data of low doubling dimension each step touches O(1)
// cells, so the distances evaluated grow like n log n instead of n².
// `order` (optional) receives the permutation; `evaluations` (optional) the number of
// distances computed.
// `tree` (optional) receives the greedy tree: every point's parent is the centre whose
// cell held it when it was chosen (its nearest earlier point, at chord λ).
struct GreedyTree {
  std::vector<uint32_t> order;         // the permutation (order[0] = 0, the root)
  std::vector<uint32_t> parent;        // per point; the root's is itself
  std::vector<double> parent_chord;    // per point: the chord to its parent (0 for the root)
};
std::vector<double> GreedyInsertionRadii(const CloudMetric& metric, std::vector<uint32_t>* order,
                                         size_t* evaluations, GreedyTree* tree = nullptr);

}  // namespace panic::tda::internal
