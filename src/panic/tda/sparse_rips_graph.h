// The sparse-graph backend of ComputeApproximateRips (rips.h), part 2: the kept edges of
// the Cavanna–Jahanseir–Sheehy sparse filtration as sorted neighbour lists, from the
// greedy permutation (sparse_rips_greedy.h). Internal to panic::tda.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/tda/rips.h"
#include "panic/tda/sparse_rips_greedy.h"
#include "panic/tda/sparse_rips_metric.h"

namespace panic::tda::internal {

// The kept edges of the sparse filtration, both directions, each vertex's list sorted
// by neighbour index: CSR over vertices.
struct SparseGraph {
  struct Neighbor {
    uint32_t vertex;
    float length;  // the re-weighted length (the filtration value of the edge)
  };
  size_t n = 0;
  std::vector<uint64_t> offsets;  // n + 1 entries
  std::vector<Neighbor> neighbors;

  size_t num_edges() const { return neighbors.size() / 2; }
  std::span<const Neighbor> row(size_t v) const {
    return {neighbors.data() + offsets[v], neighbors.data() + offsets[v + 1]};
  }
  // The length of the edge {u, v}, or +inf when it is not kept. O(log degree).
  float Length(uint32_t u, uint32_t v) const;
  size_t bytes() const { return offsets.size() * 8 + neighbors.size() * sizeof(Neighbor); }
};

struct SparseGraphResult {
  SparseGraph graph;
  float enclosing_radius = 0;  // min over points of the max distance to another point
  float threshold = 0;         // the filtration's threshold that was applied
};

// The CJS re-weighting of SparsifyDistances (rips_sparse.h), evaluated only on the
// pairs that can be kept: all pairs are screened through float Gram tiles (cblas_sgemm,
// `threads` workers) with a rounding margin, and the candidates' distances recomputed
// in double. Edges whose re-weighted length exceeds the threshold are left out. The
// threshold is `threshold` when it is not NaN, else (1 + ε) × the enclosing radius
// (rounded up), which the same pass computes. Returns InvalidArgument naming n when
// the graph would exceed `memory_limit_bytes` (the message states its size).
// An edge {i, j}, i > j, with its re-weighted length.
struct SparseEdge {
  uint32_t i, j;
  float length;
};

// The CJS weight of an edge of length d with μ = (1 + ε)/ε · min(λ_p, λ_q), exactly as
// SparsifyDistances computes it; +inf when the edge is left out.
float CjsWeight(float d, double mu, double epsilon);

// The refusal once the edges found (more than `edges`) need more than the limit.
Status SparseEdgesOverLimit(size_t n, size_t edges, size_t memory_limit_bytes);

// The graph of the edges in `parts` (each found once) whose length is within
// `threshold`, as CSR lists sorted by vertex; `parts` is emptied. Refused (naming n, the
// edges and their bytes) past memory_limit_bytes.
Result<SparseGraphResult> SparseGraphFromEdges(size_t n, std::vector<std::vector<SparseEdge>>& parts,
                                               float enclosing_radius, float threshold,
                                               int threads, size_t memory_limit_bytes);

Result<SparseGraphResult> BuildSparseGraph(const CloudMetric& metric,
                                           const std::vector<double>& lambda, double epsilon,
                                           float threshold, int threads,
                                           size_t memory_limit_bytes);

}  // namespace panic::tda::internal
