// Input checks and distance computation shared by the exact (rips.cpp) and the
// approximate (rips_sparse.cpp) Rips front ends. Internal to panic::tda.
#pragma once

#include <cstddef>
#include <span>

#include "panic/core/status.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips.h"

namespace panic::tda::internal {

// InvalidArgument naming the field for n == 0, maxdim outside 0..3, threads < 1, a bad
// modulus, a negative threshold, a simplex count past 56 bits, or a memory need above
// options.memory_limit_bytes (the message states the need; dense_memory == false
// leaves out the dense kernel's own limits, its memory need and its 56-bit simplex
// index, for the sparse-graph backend, which checks its own).
Status ValidateRipsOptions(const RipsOptions& options, size_t n, bool dense_memory = true);

// The triangle sweep's workers for n points (triangle_sweep.h): one a thread while their
// bitsets (n²/8 bytes each) fit options.memory_limit_bytes beside RipsMemoryLowerBound, which
// counts one worker's; at least one (1 without a sweep: maxdim < 2 or n past its limit).
int SweepWorkers(size_t n, const RipsOptions& options);

// The checks of CloudDistances without the matrix: size, finite coordinates, no zero
// vector under cosine, no Euclidean distance beyond the float range.
Status ValidateCloud(std::span<const float> points, size_t n, size_t dim,
                     const RipsOptions& options);

// The distance matrix of the cloud under options.metric, after checking the points
// (size, finite coordinates, no zero vector under cosine) and that no distance
// overflows float. `residuals`: the upper triangle holds the rounding residuals for
// RankEdges (distance_matrix.h). REQUIRES: ValidateRipsOptions passed.
Result<DistanceMatrix> CloudDistances(std::span<const float> points, size_t n, size_t dim,
                                      const RipsOptions& options, bool residuals = false);

// ComputeRips with the float ties broken by rank keys (edge_ranks.h) where that applies
// (rank_ties, maxdim ≥ 1, at most kMaxRankedEdges edges, and the matrix and the 8 bytes
// an edge of the ranking within options.memory_limit_bytes), else on the float lengths.
// The diagram is the same either way; tests compare the two.
Result<Diagram> ComputeRipsOfCloud(std::span<const float> points, size_t n, size_t dim,
                                   const RipsOptions& options, bool rank_ties);

}  // namespace panic::tda::internal
