// Small dense-vector kernels shared by the analysis computations: squared norms and
// squared distances accumulated in double.
//
// Each sum is split over kLanes interleaved partial sums (lane j takes the terms
// k ≡ j mod kLanes), which the compiler turns into vector registers; the partial sums
// are then added in a fixed order. Results are therefore deterministic, but differ from
// a plain left-to-right sum by rounding in the last bits (relative 1e-16).
//
// With GCC on x86-64 each kernel is compiled three times (AVX-512, AVX2, baseline SSE2)
// and the loader picks the best for the CPU (target_clones). The lanes are explicit in
// the code and a·b + c is never contracted into an FMA (fp-contract=off; GCC contracts
// by default where the CPU has FMA), so every version returns the same bits.
#pragma once

#include <cstddef>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PANIC_ANALYSIS_VECTOR_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("fp-contract=off")))
#else
#define PANIC_ANALYSIS_VECTOR_CLONES
#endif

namespace panic::analysis::internal {

inline constexpr size_t kLanes = 8;

template <typename T>
PANIC_ANALYSIS_VECTOR_CLONES double SquaredNorm(const T* x, size_t dim) {
  double lane[kLanes] = {};
  size_t k = 0;
  for (; k + kLanes <= dim; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      double v = static_cast<double>(x[k + j]);
      lane[j] += v * v;
    }
  }
  for (; k < dim; ++k) {
    double v = static_cast<double>(x[k]);
    lane[k % kLanes] += v * v;
  }
  double s = 0;
  for (double l : lane) s += l;
  return s;
}

// Σ (x_k − y_k)², the difference taken in double.
template <typename T, typename U>
PANIC_ANALYSIS_VECTOR_CLONES double SquaredDistance(const T* x, const U* y, size_t dim) {
  double lane[kLanes] = {};
  size_t k = 0;
  for (; k + kLanes <= dim; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      double d = static_cast<double>(x[k + j]) - static_cast<double>(y[k + j]);
      lane[j] += d * d;
    }
  }
  for (; k < dim; ++k) {
    double d = static_cast<double>(x[k]) - static_cast<double>(y[k]);
    lane[k % kLanes] += d * d;
  }
  double s = 0;
  for (double l : lane) s += l;
  return s;
}

// Σ (a·x_k − y_k)²: the distance of the scaled vector a·x from y.
template <typename T>
PANIC_ANALYSIS_VECTOR_CLONES double ScaledSquaredDistance(const T* x, double a, const double* y, size_t dim) {
  double lane[kLanes] = {};
  size_t k = 0;
  for (; k + kLanes <= dim; k += kLanes) {
    for (size_t j = 0; j < kLanes; ++j) {
      double d = a * static_cast<double>(x[k + j]) - y[k + j];
      lane[j] += d * d;
    }
  }
  for (; k < dim; ++k) {
    double d = a * static_cast<double>(x[k]) - y[k];
    lane[k % kLanes] += d * d;
  }
  double s = 0;
  for (double l : lane) s += l;
  return s;
}

}  // namespace panic::analysis::internal
