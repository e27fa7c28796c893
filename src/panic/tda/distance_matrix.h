// Dense pairwise distances of a point cloud, the input of the Rips kernel.
//
// Distances come from one Gram matrix per tile, G = X Xᵀ in double precision through
// BLAS (OpenBLAS dgemm): ‖x − y‖² = ‖x‖² + ‖y‖² − 2 x·y. Where that formula loses
// accuracy to cancellation (d² tiny against ‖x‖² + ‖y‖², e.g. duplicated or nearly
// equal points) the distance is recomputed directly as Σ (xᵢ − yᵢ)², so duplicates
// get exactly 0. The tiling does not depend on the thread count, and OpenBLAS runs
// single-threaded inside each tile, so the matrix is bit-identical for any `threads`.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace panic::tda::internal {

// A symmetric n × n float matrix, row-major, with a zero diagonal.
struct DistanceMatrix {
  size_t n = 0;
  std::vector<float> values;

  const float* row(size_t i) const { return values.data() + i * n; }
  float operator()(size_t i, size_t j) const { return values[i * n + j]; }
};

// Euclidean distances of the rows of `points` (n × dim, row-major).
// residuals == true: the upper triangle (d(j, i), j < i) holds instead of the mirrored
// length the residual of each, the double distance minus its float, for RankEdges
// (edge_ranks.h), which then fills both triangles; the matrix is not symmetric until then.
DistanceMatrix EuclideanDistances(std::span<const float> points, size_t n, size_t dim,
                                  int threads, bool residuals = false);
// Cosine distances 1 − x·y/(‖x‖‖y‖), computed as ‖x̂ − ŷ‖²/2 on the normalised rows.
// REQUIRES: no row is zero. `residuals` as for EuclideanDistances.
DistanceMatrix CosineDistances(std::span<const float> points, size_t n, size_t dim,
                               int threads, bool residuals = false);

// Whether rows x and y (dim floats each) are positive multiples of each other, decided
// exactly, so that their cosine distance can be given as exactly 0. REQUIRES: y ≠ 0.
bool PositivelyParallel(const float* x, const float* y, size_t dim);

// min over i of max over j of d(i, j): past this radius the Rips complex is a cone.
float EnclosingRadius(const DistanceMatrix& d);

}  // namespace panic::tda::internal
