#include "panic/analysis/semantic_drift.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "panic/analysis/vector_math.h"
#include "panic/core/parallel.h"

namespace panic::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kChunk = 4096;  // rows per parallel work item

// 1/‖x‖, or NaN when x is zero or not finite.
template <typename T>
double InverseNorm(const T* x, size_t dim) {
  double n2 = internal::SquaredNorm(x, dim);
  if (!(n2 > 0) || !std::isfinite(n2)) return kNaN;
  return 1.0 / std::sqrt(n2);
}

Status CheckShape(std::span<const float> rows, size_t dim, const char* what) {
  if (dim == 0) return Status::InvalidArgument("semantic drift: dim must be positive");
  if (rows.size() % dim != 0) {
    return Status::InvalidArgument(std::string("semantic drift: ") + what + " holds " +
                                   std::to_string(rows.size()) +
                                   " floats, not a multiple of dim = " + std::to_string(dim));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<double>> SemanticDrift(std::span<const float> vectors, size_t dim,
                                          std::span<const float> references,
                                          std::span<const size_t> reference_of, int threads) {
  PANIC_RETURN_IF_ERROR(CheckShape(vectors, dim, "vectors"));
  PANIC_RETURN_IF_ERROR(CheckShape(references, dim, "references"));
  const size_t rows = vectors.size() / dim;
  const size_t num_refs = references.size() / dim;
  if (reference_of.size() != rows) {
    return Status::InvalidArgument("semantic drift: reference_of has " +
                                   std::to_string(reference_of.size()) + " entries for " +
                                   std::to_string(rows) + " vectors");
  }
  for (size_t i = 0; i < rows; ++i) {
    if (reference_of[i] >= num_refs) {
      return Status::InvalidArgument("semantic drift: reference_of[" + std::to_string(i) +
                                     "] = " + std::to_string(reference_of[i]) +
                                     ", but there are " + std::to_string(num_refs) +
                                     " references");
    }
  }
  // Unit references in double; a degenerate one stays NaN and spreads to its rows.
  std::vector<double> unit(references.size());
  for (size_t r = 0; r < num_refs; ++r) {
    const float* x = references.data() + r * dim;
    double inv = InverseNorm(x, dim);
    for (size_t k = 0; k < dim; ++k) unit[r * dim + k] = inv * static_cast<double>(x[k]);
  }
  std::vector<double> drift(rows);
  ParallelFor((rows + kChunk - 1) / kChunk, threads, [&](size_t chunk) {
    size_t end = std::min(rows, (chunk + 1) * kChunk);
    for (size_t i = chunk * kChunk; i < end; ++i) {
      const float* v = vectors.data() + i * dim;
      double inv = InverseNorm(v, dim);
      double d2 = internal::ScaledSquaredDistance(v, inv, unit.data() + reference_of[i] * dim, dim);
      // NaN propagates; rounding may put an opposite pair a hair above 2.
      drift[i] = std::isnan(d2) ? kNaN : std::min(std::sqrt(d2), 2.0);
    }
  });
  return drift;
}

Result<std::vector<double>> SemanticDrift(std::span<const float> vectors, size_t dim,
                                          std::span<const float> reference, int threads) {
  if (reference.size() != dim) {
    return Status::InvalidArgument("semantic drift: the reference has " +
                                   std::to_string(reference.size()) + " values, expected dim = " +
                                   std::to_string(dim));
  }
  PANIC_RETURN_IF_ERROR(CheckShape(vectors, dim, "vectors"));
  std::vector<size_t> reference_of(vectors.size() / dim, 0);
  return SemanticDrift(vectors, dim, reference, reference_of, threads);
}

}  // namespace panic::analysis
