// The memory of ComputeApproximateRips (rips.h) at its peak, from the count of the kept
// edges, before any list is allocated: the one estimate that is weighed against
// RipsOptions::memory_limit_bytes, and the refusal that states it. Internal to panic::tda.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "panic/core/status.h"
#include "panic/core/byte_text.h"
#include "panic/tda/sparse_rips_graph.h"
#include "panic/tda/sparse_rips_metric.h"

namespace panic::tda::internal {

struct ApproximateMemoryNeed {
  size_t n = 0;
  size_t edges = 0;
  size_t fixed = 0;      // O(n): the metric's norms, the radii, the greedy tree, the
                         // search's tree or tiles, the degree count
  size_t lists = 0;      // the neighbour lists (SparseGraphBytes)
  size_t cofacets = 0;   // the edges' zero-pivot cofacets (maxdim ≥ 1)
  size_t blocks = 0;     // the apparent-pair pass's blocks, all workers (maxdim ≥ 1)
  size_t edge_sort = 0;  // dimension 0: the edges in filtration order, the union–find
  size_t matrix = 0;     // the dense backend: the n × n matrix of the re-weighted lengths
  size_t dense_kernel = 0;  // the dense backend's matrix and edge table (RipsMemoryLowerBound)

  // The sparse backend: the lists throughout, the cofacets from the apparent pass on,
  // then the blocks (freed after that pass) or dimension 0's edges.
  size_t Sparse() const;
  // The dense backend: the matrix is filled from the lists, which are freed before the
  // kernel allocates its edge table.
  size_t Dense() const;
};

// `scratch` is what the search holds besides the lists (KeptEdgeSearch::ScratchBytes).
ApproximateMemoryNeed EstimateApproximateMemory(const KeptEdgeCount& count, size_t n, int maxdim,
                                                int threads, size_t scratch);

// The refusal of the sparse backend past `limit`: the edges and their share of the pairs,
// the need and its parts, and what the user can do. When (almost) every pair is kept it
// says so, with the smallest insertion radius against the enclosing radius (`lambda`,
// the greedy radii), and the dense kernel's need.
Status ApproximateMemoryRefusal(const ApproximateMemoryNeed& need, const KeptEdgeCount& count,
                                const std::vector<double>& lambda, double epsilon,
                                size_t limit);

// Before the greedy permutation, for clouds where even the worst case (every pair kept)
// would not fit `limit`: a seeded random sample of up to 256 points, their distances to
// every point (O(256 n)), gives their nearest-neighbour distances, which bound their
// insertion radii from below, and a lower bound of the enclosing radius (each point's
// largest distance to the sample). A sampled pair that the CJS rule keeps with these
// lower radii, at a weight within (1 + ε) × that bound (or `threshold`), is surely kept. When even
// the share of kept pairs that this sample proves with probability 1 − 10⁻⁶ (Hoeffding's
// bound for U-statistics) needs more than `limit` on the sparse backend, and the dense
// kernel's matrix does not fit either, the call is refused at once, saying so.
// Cost: at N = 100 000 a few seconds; on a cloud that keeps (almost) every edge this
// saves the greedy permutation (≈ n²/20 distances there) and the count.
Status EarlyApproximateCheck(const CloudMetric& metric, double epsilon, float threshold,
                             int maxdim, int threads, size_t limit);

}  // namespace panic::tda::internal
