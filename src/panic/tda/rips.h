// Vietoris–Rips persistent homology of a point cloud or a distance matrix.
//
// The algorithm is ripser's (U. Bauer, "Ripser: efficient computation of Vietoris–Rips
// persistence barcodes", J. Appl. Comput. Topol. 5, 2021): persistent cohomology with
// clearing (Chen–Kerber 2011), the implicit coboundary matrix over a combinatorial
// simplex index, apparent and emergent pairs, and the enclosing radius as default
// threshold. Distances come from a BLAS Gram matrix, the apparent-pair tests are
// vectorised scans, and the distance matrix, the edge table and the columns of each
// dimension are computed by `threads` workers; the column reduction itself is serial
// (its output is the same for any thread count). docs/TDA.md has the measurements
// behind these choices.
#pragma once

#include <cstddef>
#include <limits>
#include <span>

#include "panic/core/status.h"
#include "panic/tda/diagram.h"

namespace panic::tda {

enum class Metric {
  kEuclidean,  // ‖x − y‖₂
  kCosine,     // 1 − x·y / (‖x‖‖y‖); REQUIRES every point to be non-zero
};

struct RipsOptions {
  int maxdim = 2;  // homology dimensions 0..maxdim are computed; allowed 0..3
  Metric metric = Metric::kEuclidean;
  // Only simplices of diameter ≤ threshold enter the filtration. NaN (the default)
  // means the enclosing radius, min over points of the max distance to any other
  // point, as ripser and giotto-ph do: past it the complex is a cone, so no bar is lost.
  float threshold = std::numeric_limits<float>::quiet_NaN();
  int threads = 1;   // worker threads, ≥ 1; the diagram does not depend on it
  int modulus = 2;   // coefficients in Z/modulus; a prime < 256
};

// The diagram of dimensions 0..maxdim of the Rips filtration of `n` points of dimension
// `dim`, stored row-major in `points` (points.size() == n * dim).
// Every bar of H_0 is born at 0; death = +inf marks an essential class. Distances are
// computed in double precision and rounded to float.
// Errors: InvalidArgument naming the field for n == 0, dim == 0, a size mismatch, a
// NaN or infinite coordinate, a zero vector under the cosine metric, maxdim outside
// 0..3, threads < 1, a modulus that is not a prime < 256, a negative threshold, or a
// complex too large to index in 56 bits.
// Thread safety: reentrant; all scratch lives in the call, so several calls may run at
// once from different threads.
Result<Diagram> ComputeRips(std::span<const float> points, size_t n, size_t dim,
                            const RipsOptions& options);

// As ComputeRips, from a symmetric n × n distance matrix stored row-major (the diagonal
// is ignored; options.metric is ignored). Entries must be finite and ≥ 0.
Result<Diagram> ComputeRipsFromDistances(std::span<const float> distances, size_t n,
                                         const RipsOptions& options);

}  // namespace panic::tda
