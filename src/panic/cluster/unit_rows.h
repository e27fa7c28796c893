// Unit rows and blocked distances between them: the one distance kernel of the
// clustering layer.
//
// Rows are L2-normalised (a zero row stays zero), so the Euclidean distance of two
// rows is the chord of their cosine: d² = ‖x‖² + ‖y‖² − 2 x·y, with x·y from one
// OpenBLAS sgemm per tile. Where d² is tiny against ‖x‖² + ‖y‖² (near-duplicates) the
// Gram formula cancels, and the distance is recomputed directly in double, so that
// duplicated rows get exactly 0. OpenBLAS runs single-threaded; callers parallelise
// over tiles whose bounds do not depend on the thread count, so every distance is
// the same for any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/core/blas.h"

namespace panic::cluster::internal {

struct UnitRows {
  size_t n = 0;
  size_t dim = 0;
  std::vector<float> values;    // n × dim, row-major
  std::vector<float> sq_norms;  // ‖row‖²: 1, or 0 for a zero row

  const float* row(size_t i) const { return values.data() + i * dim; }
};

// Copies `points` (n × dim, row-major) with every non-zero row scaled to length 1.
UnitRows NormalizeRows(std::span<const float> points, size_t n, size_t dim);

// The rows `order[0..]` of `rows`, in that order (a gathered copy for blocked passes).
UnitRows GatherRows(const UnitRows& rows, std::span<const uint32_t> order);

// out[a * b_count + b] = d(row a0 + a, row b0 + b) for a < a_count, b < b_count, where
// the rows of block A come from `ra` and those of block B from `rb` (which may be the
// same). `gram` is scratch, resized as needed.
void BlockDistances(const UnitRows& ra, size_t a0, size_t a_count, const UnitRows& rb, size_t b0,
                    size_t b_count, std::vector<float>& gram, float* out);

// One distance, computed directly (for a few pairs, and for tests).
float Distance(const UnitRows& rows, size_t i, size_t j);

// Makes OpenBLAS single-threaded once per process: the clustering workers parallelise
// over tiles themselves.
using blas::UseSingleThreadedBlas;

}  // namespace panic::cluster::internal
