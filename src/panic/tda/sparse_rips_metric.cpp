// CloudMetric (sparse_rips_metric.h): distances of a cloud's rows in double, in one
// fixed summation order.
#include "panic/tda/sparse_rips_metric.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {
namespace {

// Σ_k (a·x_k − b·y_k)² in double, in a fixed order (four lanes, two accumulators per
// lane set), so that a pair gives the same value every time and in either order (the
// squares of t and −t are equal). The AVX2 version is used where the CPU has it.
double SumSquaredDifference(const float* x, const float* y, size_t dim, double a, double b) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    for (size_t q = 0; q < 8; ++q) {
      const double t = static_cast<double>(x[k + q]) * a - static_cast<double>(y[k + q]) * b;
      acc[q] += t * t;
    }
  }
  double tail = 0;
  for (; k < dim; ++k) {
    const double t = static_cast<double>(x[k]) * a - static_cast<double>(y[k]) * b;
    tail += t * t;
  }
  double s = 0;
  for (double v : acc) s += v;
  return s + tail;
}

__attribute__((target("avx2,fma"))) double SumSquaredDifferenceAvx2(const float* x,
                                                                    const float* y, size_t dim,
                                                                    double a, double b) {
  const __m256d va = _mm256_set1_pd(a), vb = _mm256_set1_pd(b);
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  size_t k = 0;
  for (; k + 8 <= dim; k += 8) {
    const __m256d x0 = _mm256_cvtps_pd(_mm_loadu_ps(x + k));
    const __m256d y0 = _mm256_cvtps_pd(_mm_loadu_ps(y + k));
    const __m256d x1 = _mm256_cvtps_pd(_mm_loadu_ps(x + k + 4));
    const __m256d y1 = _mm256_cvtps_pd(_mm_loadu_ps(y + k + 4));
    const __m256d t0 = _mm256_sub_pd(_mm256_mul_pd(x0, va), _mm256_mul_pd(y0, vb));
    const __m256d t1 = _mm256_sub_pd(_mm256_mul_pd(x1, va), _mm256_mul_pd(y1, vb));
    acc0 = _mm256_fmadd_pd(t0, t0, acc0);
    acc1 = _mm256_fmadd_pd(t1, t1, acc1);
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(acc0, acc1));
  double tail = 0;
  for (; k < dim; ++k) {
    const double t = static_cast<double>(x[k]) * a - static_cast<double>(y[k]) * b;
    tail += t * t;
  }
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
}

}  // namespace


CloudMetric::CloudMetric(std::span<const float> points, size_t n, size_t dim, Metric metric)
    : points_(points.data()), n_(n), dim_(dim), metric_(metric), scale_(n, 1.0),
      squared_norm_(n, 0.0) {
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t k = 0; k < dim; ++k) {
      const double x = points_[i * dim + k];
      s += x * x;
    }
    if (metric == Metric::kCosine) {
      scale_[i] = 1.0 / std::sqrt(s);
      s *= scale_[i] * scale_[i];
    }
    squared_norm_[i] = s;
  }
}

double CloudMetric::Chord(size_t i, size_t j) const {
  if (i > j) std::swap(i, j);  // one order for both, whatever the compiler contracts
  const float* x = points_ + i * dim_;
  const float* y = points_ + j * dim_;
  const double a = scale_[i], b = scale_[j];  // 1 under the Euclidean metric: exact
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const double sq = avx2 ? SumSquaredDifferenceAvx2(x, y, dim_, a, b)
                         : SumSquaredDifference(x, y, dim_, a, b);
  if (metric_ == Metric::kCosine && sq < 1e-12 && PositivelyParallel(x, y, dim_)) return 0;
  return std::sqrt(sq);
}

float CloudMetric::FromChord(double chord) const {
  return static_cast<float>(metric_ == Metric::kEuclidean ? chord
                                                          : std::min(0.5 * chord * chord, 2.0));
}

double CloudMetric::ToChord(double d) const {
  return metric_ == Metric::kEuclidean ? d : std::sqrt(2.0 * std::max(d, 0.0));
}

void CloudMetric::RowAsFloat(size_t i, float* out) const {
  for (size_t k = 0; k < dim_; ++k) {
    out[k] = static_cast<float>(static_cast<double>(points_[i * dim_ + k]) * scale_[i]);
  }
}

}  // namespace panic::tda::internal
