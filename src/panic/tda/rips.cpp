#include "panic/tda/rips.h"

#include <cmath>
#include <string>

#include "panic/tda/binomial_table.h"
#include "panic/tda/distance_matrix.h"
#include "panic/tda/rips_reducer.h"

namespace panic::tda {
namespace {

// n² floats are held in memory; past this the matrix alone would be ≥ 16 GiB. The
// reducer's per-edge table stores vertices in 16 bits.
constexpr size_t kMaxPoints = 65535;
constexpr int64_t kMaxSimplexIndex = int64_t{1} << 56;  // the packed index's width

bool IsPrime(int p) {
  if (p < 2) return false;
  for (int q = 2; q * q <= p; ++q) {
    if (p % q == 0) return false;
  }
  return true;
}

Status ValidateOptions(const RipsOptions& o, size_t n) {
  if (n == 0) return Status::InvalidArgument("n: the point set is empty");
  if (n > kMaxPoints) {
    return Status::InvalidArgument("n: " + std::to_string(n) + " points, at most " +
                                   std::to_string(kMaxPoints) + " allowed");
  }
  if (o.maxdim < 0 || o.maxdim > 3) {
    return Status::InvalidArgument("maxdim: " + std::to_string(o.maxdim) + " is outside 0..3");
  }
  if (o.threads < 1) {
    return Status::InvalidArgument("threads: " + std::to_string(o.threads) + " is less than 1");
  }
  if (o.modulus >= 256 || !IsPrime(o.modulus)) {
    return Status::InvalidArgument("modulus: " + std::to_string(o.modulus) +
                                   " is not a prime below 256");
  }
  if (!std::isnan(o.threshold) && o.threshold < 0) {
    return Status::InvalidArgument("threshold: " + std::to_string(o.threshold) + " is negative");
  }
  internal::BinomialTable binomial(static_cast<int64_t>(n), o.maxdim + 2);
  if (binomial(static_cast<int64_t>(n), o.maxdim + 2) >= kMaxSimplexIndex) {
    return Status::InvalidArgument("n: " + std::to_string(n) +
                                   " points are too many to index the simplices of maxdim " +
                                   std::to_string(o.maxdim));
  }
  return Status::Ok();
}

Diagram Reduce(const internal::DistanceMatrix& d, const RipsOptions& o) {
  internal::ReducerOptions r;
  r.maxdim = o.maxdim;
  r.threads = o.threads;
  r.modulus = o.modulus;
  r.threshold = std::isnan(o.threshold) ? internal::EnclosingRadius(d) : o.threshold;
  return internal::ReduceRips(d, r);
}

}  // namespace

Result<Diagram> ComputeRips(std::span<const float> points, size_t n, size_t dim,
                            const RipsOptions& options) {
  PANIC_RETURN_IF_ERROR(ValidateOptions(options, n));
  if (dim == 0) return Status::InvalidArgument("dim: points have no coordinates");
  if (points.size() != n * dim) {
    return Status::InvalidArgument("points: " + std::to_string(points.size()) +
                                   " values given, n × dim = " + std::to_string(n * dim));
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return Status::InvalidArgument("points: coordinate " + std::to_string(i % dim) +
                                     " of point " + std::to_string(i / dim) +
                                     " is not finite");
    }
  }
  if (options.metric == Metric::kCosine) {
    for (size_t i = 0; i < n; ++i) {
      bool zero = true;
      for (size_t k = 0; k < dim && zero; ++k) zero = points[i * dim + k] == 0.0f;
      if (zero) {
        return Status::InvalidArgument("points: point " + std::to_string(i) +
                                       " is the zero vector, which has no cosine distance");
      }
    }
    return Reduce(internal::CosineDistances(points, n, dim, options.threads), options);
  }
  return Reduce(internal::EuclideanDistances(points, n, dim, options.threads), options);
}

Result<Diagram> ComputeRipsFromDistances(std::span<const float> distances, size_t n,
                                         const RipsOptions& options) {
  PANIC_RETURN_IF_ERROR(ValidateOptions(options, n));
  if (distances.size() != n * n) {
    return Status::InvalidArgument("distances: " + std::to_string(distances.size()) +
                                   " values given, n × n = " + std::to_string(n * n));
  }
  internal::DistanceMatrix d;
  d.n = n;
  d.values.assign(distances.begin(), distances.end());
  for (size_t i = 0; i < n; ++i) {
    d.values[i * n + i] = 0.0f;
    for (size_t j = 0; j < i; ++j) {
      float a = d.values[i * n + j], b = d.values[j * n + i];
      if (!std::isfinite(a) || a < 0 || a != b) {
        return Status::InvalidArgument("distances: entry (" + std::to_string(i) + ", " +
                                       std::to_string(j) +
                                       ") is negative, not finite or not symmetric");
      }
    }
  }
  return Reduce(d, options);
}

}  // namespace panic::tda
