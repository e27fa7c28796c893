// The scan at the heart of the apparent-pair tests: the largest vertex v whose
// distances to all M given vertices are ≤ a bound. Runs over M rows of the distance
// matrix, 16 (AVX-512) or 8 (AVX2) columns at a time, from the top down, so that the
// usual early exit stays cheap and the long scans (simplices of small diameter) are
// vector-speed. The instruction set is picked once at run time.
#pragma once

#include <immintrin.h>

namespace panic::tda::internal {

enum class SimdLevel { kScalar, kAvx2, kAvx512 };

inline SimdLevel DetectSimdLevel() {
  if (__builtin_cpu_supports("avx512f")) return SimdLevel::kAvx512;
  if (__builtin_cpu_supports("avx2")) return SimdLevel::kAvx2;
  return SimdLevel::kScalar;
}

// Whether v is one of w[0..M): members pass every distance test (their distances are
// within the simplex), so each hit must be checked.
template <int M>
inline bool IsMember(const int* w, int v) {
  bool member = false;
  for (int q = 0; q < M; ++q) member |= w[q] == v;
  return member;
}

template <int M>
inline bool Passes(const float* const* r, int v, float bound) {
  bool ok = true;
  for (int q = 0; q < M && ok; ++q) ok = r[q][v] <= bound;
  return ok;
}

// Largest v in [lo, end) not in w with r[q][v] ≤ bound for all q, or −1.
template <int M>
inline int ScanScalar(const float* const* r, const int* w, int lo, int end, float bound) {
  for (int v = end - 1; v >= lo; --v) {
    if (Passes<M>(r, v, bound) && !IsMember<M>(w, v)) return v;
  }
  return -1;
}

template <int M>
__attribute__((target("avx2"))) int ScanAvx2(const float* const* r, const int* w, int lo, int end,
                                              float bound) {
  int v = end;
  for (; v % 8 != 0 && v > lo; --v) {  // the top columns past the last full vector
    if (Passes<M>(r, v - 1, bound) && !IsMember<M>(w, v - 1)) return v - 1;
  }
  const __m256 b = _mm256_set1_ps(bound);
  for (v -= 8; v >= lo; v -= 8) {
    unsigned mask = 0xFF;
    for (int q = 0; q < M && mask; ++q) {
      __m256 le = _mm256_cmp_ps(_mm256_loadu_ps(r[q] + v), b, _CMP_LE_OQ);
      mask &= static_cast<unsigned>(_mm256_movemask_ps(le));
    }
    while (mask) {
      int bit = 31 - __builtin_clz(mask);
      if (!IsMember<M>(w, v + bit)) return v + bit;
      mask &= ~(1u << bit);
    }
  }
  return ScanScalar<M>(r, w, lo, v + 8, bound);  // the columns below the last full vector
}

template <int M>
__attribute__((target("avx512f"))) int ScanAvx512(const float* const* r, const int* w, int lo, int end,
                                                  float bound) {
  int v = end;
  for (; v % 16 != 0 && v > lo; --v) {  // the top columns past the last full vector
    if (Passes<M>(r, v - 1, bound) && !IsMember<M>(w, v - 1)) return v - 1;
  }
  const __m512 b = _mm512_set1_ps(bound);
  for (v -= 16; v >= lo; v -= 16) {
    unsigned mask = 0xFFFF;
    for (int q = 0; q < M && mask; ++q) {
      mask &= _mm512_cmp_ps_mask(_mm512_loadu_ps(r[q] + v), b, _CMP_LE_OQ);
    }
    while (mask) {
      int bit = 31 - __builtin_clz(mask);
      if (!IsMember<M>(w, v + bit)) return v + bit;
      mask &= ~(1u << bit);
    }
  }
  return ScanScalar<M>(r, w, lo, v + 16, bound);  // the columns below the last full vector
}

template <int M>
// Largest v in [lo, end) not in w with r[q][v] ≤ bound for all q, or −1.
inline int ScanCofacetCandidate(SimdLevel level, const float* const* r, const int* w, int lo,
                                int end, float bound) {
  switch (level) {
    case SimdLevel::kAvx512: return ScanAvx512<M>(r, w, lo, end, bound);
    case SimdLevel::kAvx2: return ScanAvx2<M>(r, w, lo, end, bound);
    default: return ScanScalar<M>(r, w, lo, end, bound);
  }
}

}  // namespace panic::tda::internal
