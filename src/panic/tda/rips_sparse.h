// The pieces of ComputeApproximateRips (rips.h), exposed for tests. Internal.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"

namespace panic::tda::internal {

// Insertion radii of the greedy (farthest-point) permutation: the first point is 0 with
// radius +inf; each next point is the one farthest from those already chosen (ties to
// the smallest index), and its radius is that distance. lambda[i] belongs to point i.
// O(n²) over the dense matrix.
std::vector<double> InsertionRadii(const DistanceMatrix& d);

// Re-weights every edge in place (CJS 2015 with c = 1 + ε): μ = (1 + ε)/ε · min(λ_p, λ_q);
// the length d stays when d ≤ 2μ, becomes 2(d − μ) when 2μ < d ≤ (2 + ε)μ, and +inf
// (left out) past that. No length decreases. Returns the number of edges kept.
size_t SparsifyDistances(DistanceMatrix& d, const std::vector<double>& lambda, double epsilon);

enum class ApproximateBackend {
  kAuto,    // ComputeApproximateRips's rule (rips_sparse.cpp)
  kDense,   // the dense kernel on the n × n matrix of re-weighted lengths
  kSparse,  // the reduction over neighbour lists (sparse_rips_reducer.h)
};

// Wall seconds of the phases of one call (bench): the greedy permutation, the count and
// the fill of the kept edges, and the reduction (for the sparse backend split into the
// apparent-pair pass, dimension 0 and the columns of dimensions ≥ 1).
struct ApproximateTimings {
  double greedy = 0, count = 0, fill = 0, reduction = 0;
  double apparent = 0, dim0 = 0, columns = 0;  // parts of `reduction` (sparse backend)
  double assemble = 0;                         // part of `columns`: assembling them
};

// ComputeApproximateRips with the reduction's backend chosen by the caller (tests, bench).
Result<ApproximateDiagram> ComputeApproximateRipsWith(std::span<const float> points, size_t n,
                                                      size_t dim, const RipsOptions& options,
                                                      double epsilon, ApproximateBackend backend,
                                                      ApproximateTimings* timings = nullptr);

}  // namespace panic::tda::internal
