// The scan at the heart of the apparent-pair tests: the largest vertex v whose
// distances to all M given vertices are ≤ a bound. Runs over M rows of the distance
// matrix, 16 (AVX-512) or 8 (AVX2) columns at a time, from the top down, so that the
// usual early exit stays cheap and the long scans (simplices of small diameter) are
// vector-speed. The instruction set is picked once at run time.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <limits>

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

namespace panic::tda::internal {

// The cofacet enumeration of a coboundary push, restricted to a diameter window: calls
// hit(v, cd) for every vertex v not in w[0..M) whose cofacet diameter
// cd = max(diam, max_q r[q][v]) lies in (low, bound], where bound ≤ the threshold of the
// complex, and returns the smallest cd in (bound, threshold] (+inf when none). Vertices
// are visited in no particular order. Members of w have distance 0 to themselves, so
// their lanes pass the window test and are filtered per hit.
template <int M, typename Hit>
inline float ScanWindowScalar(const float* const* r, const int* w, int begin, int end, float diam,
                              float low, float bound, float threshold, Hit&& hit) {
  float rest = std::numeric_limits<float>::infinity();
  for (int v = begin; v < end; ++v) {
    float cd = diam;
    for (int q = 0; q < M; ++q) cd = std::max(cd, r[q][v]);
    if (cd > bound) {
      if (cd <= threshold) rest = std::min(rest, cd);
    } else if (cd > low && !IsMember<M>(w, v)) {
      hit(v, cd);
    }
  }
  return rest;
}

template <int M, typename Hit>
__attribute__((target("avx512f"))) float ScanWindowAvx512(const float* const* r, const int* w, int n,
                                                          float diam, float low, float bound,
                                                          float threshold, Hit&& hit) {
  const __m512 vd = _mm512_set1_ps(diam), vl = _mm512_set1_ps(low), vb = _mm512_set1_ps(bound),
               vt = _mm512_set1_ps(threshold);
  __m512 vrest = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  int v = 0;
  for (; v + 16 <= n; v += 16) {
    __m512 cd = vd;
    for (int q = 0; q < M; ++q) cd = _mm512_max_ps(cd, _mm512_loadu_ps(r[q] + v));
    __mmask16 above = _mm512_cmp_ps_mask(cd, vb, _CMP_GT_OQ);
    __mmask16 in_complex = _mm512_cmp_ps_mask(cd, vt, _CMP_LE_OQ);
    vrest = _mm512_mask_min_ps(vrest, above & in_complex, vrest, cd);
    unsigned hits = static_cast<unsigned>(_mm512_cmp_ps_mask(cd, vl, _CMP_GT_OQ) & ~above);
    if (hits) {
      alignas(64) float cds[16];
      _mm512_store_ps(cds, cd);
      while (hits) {
        int bit = __builtin_ctz(hits);
        hits &= hits - 1;
        if (!IsMember<M>(w, v + bit)) hit(v + bit, cds[bit]);
      }
    }
  }
  float rest = _mm512_reduce_min_ps(vrest);
  return std::min(rest, ScanWindowScalar<M>(r, w, v, n, diam, low, bound, threshold, hit));
}

template <int M, typename Hit>
__attribute__((target("avx2"))) float ScanWindowAvx2(const float* const* r, const int* w, int n,
                                                     float diam, float low, float bound,
                                                     float threshold, Hit&& hit) {
  const __m256 vd = _mm256_set1_ps(diam), vl = _mm256_set1_ps(low), vb = _mm256_set1_ps(bound),
               vt = _mm256_set1_ps(threshold), inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  __m256 vrest = inf;
  int v = 0;
  for (; v + 8 <= n; v += 8) {
    __m256 cd = vd;
    for (int q = 0; q < M; ++q) cd = _mm256_max_ps(cd, _mm256_loadu_ps(r[q] + v));
    __m256 above = _mm256_cmp_ps(cd, vb, _CMP_GT_OQ);
    __m256 in_complex = _mm256_cmp_ps(cd, vt, _CMP_LE_OQ);
    vrest = _mm256_min_ps(vrest, _mm256_blendv_ps(inf, cd, _mm256_and_ps(above, in_complex)));
    unsigned hits = static_cast<unsigned>(
        _mm256_movemask_ps(_mm256_andnot_ps(above, _mm256_cmp_ps(cd, vl, _CMP_GT_OQ))));
    if (hits) {
      alignas(32) float cds[8];
      _mm256_store_ps(cds, cd);
      while (hits) {
        int bit = __builtin_ctz(hits);
        hits &= hits - 1;
        if (!IsMember<M>(w, v + bit)) hit(v + bit, cds[bit]);
      }
    }
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vrest);
  float rest = lanes[0];
  for (int k = 1; k < 8; ++k) rest = std::min(rest, lanes[k]);
  return std::min(rest, ScanWindowScalar<M>(r, w, v, n, diam, low, bound, threshold, hit));
}

template <int M, typename Hit>
inline float ScanCofacetWindow(SimdLevel level, const float* const* r, const int* w, int n, float diam,
                               float low, float bound, float threshold, Hit&& hit) {
  switch (level) {
    case SimdLevel::kAvx512: return ScanWindowAvx512<M>(r, w, n, diam, low, bound, threshold, hit);
    case SimdLevel::kAvx2: return ScanWindowAvx2<M>(r, w, n, diam, low, bound, threshold, hit);
    default: return ScanWindowScalar<M>(r, w, 0, n, diam, low, bound, threshold, hit);
  }
}

}  // namespace panic::tda::internal
