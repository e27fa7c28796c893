// The sparse-graph backend of ComputeApproximateRips (rips.h), part 1: the greedy
// permutation without the n × n matrix, and the kept edges of the Cavanna–Jahanseir–
// Sheehy sparse filtration as sorted neighbour lists. Internal to panic::tda.
//
// Distances here are computed point by point in double and rounded to float (the dense
// matrix uses a BLAS Gram matrix; the two agree to an ulp or so, not bit for bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/tda/rips.h"

namespace panic::tda::internal {

// The rows of a cloud with the distance of a metric. For the cosine metric the
// greedy permutation and the searches run on the chordal metric ‖x̂ − ŷ‖ (a true
// metric, which the pruning's triangle inequality needs); 1 − cos = chord²/2 is an
// increasing function of it, so the farthest-point order is the same.
class CloudMetric {
 public:
  // REQUIRES: rows validated (finite; non-zero under cosine).
  CloudMetric(std::span<const float> points, size_t n, size_t dim, Metric metric);

  size_t n() const { return n_; }
  size_t dim() const { return dim_; }
  // The metric's distance (Euclidean, or 1 − cos), rounded to float.
  float Distance(size_t i, size_t j) const { return FromChord(Chord(i, j)); }
  // The Euclidean distance of the rows (normalised under cosine), in double.
  double Chord(size_t i, size_t j) const;
  float FromChord(double chord) const;
  // The chord length whose distance is d (the inverse of FromChord, in double).
  double ToChord(double d) const;
  // Row i as the chordal metric sees it (scaled to unit length under cosine), in float:
  // the GEMM filter's input. The scale is applied in double before rounding.
  void RowAsFloat(size_t i, float* out) const;
  double SquaredNorm(size_t i) const { return squared_norm_[i]; }  // of the row as Chord sees it

 private:
  const float* points_;
  size_t n_, dim_;
  Metric metric_;
  std::vector<double> scale_;         // 1, or 1/‖x‖ under cosine
  std::vector<double> squared_norm_;  // of the scaled rows
};

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
