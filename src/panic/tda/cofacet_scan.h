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

// The vector scans read unaligned blocks ending at the current top, so that the usual
// short scan (the answer a few vertices below `end`) is one vector step, not a scalar
// run up to an alignment boundary.
template <int M>
__attribute__((target("avx2"))) int ScanAvx2(const float* const* r, const int* w, int lo, int end,
                                              float bound) {
  const __m256 b = _mm256_set1_ps(bound);
  int v = end;
  for (; v - 8 >= lo; v -= 8) {
    unsigned mask = 0xFF;
    for (int q = 0; q < M && mask; ++q) {
      __m256 le = _mm256_cmp_ps(_mm256_loadu_ps(r[q] + v - 8), b, _CMP_LE_OQ);
      mask &= static_cast<unsigned>(_mm256_movemask_ps(le));
    }
    while (mask) {
      int bit = 31 - __builtin_clz(mask);
      if (!IsMember<M>(w, v - 8 + bit)) return v - 8 + bit;
      mask &= ~(1u << bit);
    }
  }
  return ScanScalar<M>(r, w, lo, v, bound);  // fewer than 8 columns left above lo
}

template <int M>
__attribute__((target("avx512f"))) int ScanAvx512(const float* const* r, const int* w, int lo, int end,
                                                  float bound) {
  const __m512 b = _mm512_set1_ps(bound);
  int v = end;
  for (; v - 16 >= lo; v -= 16) {
    unsigned mask = 0xFFFF;
    for (int q = 0; q < M && mask; ++q) {
      mask &= _mm512_cmp_ps_mask(_mm512_loadu_ps(r[q] + v - 16), b, _CMP_LE_OQ);
    }
    while (mask) {
      int bit = 31 - __builtin_clz(mask);
      if (!IsMember<M>(w, v - 16 + bit)) return v - 16 + bit;
      mask &= ~(1u << bit);
    }
  }
  return ScanScalar<M>(r, w, lo, v, bound);  // fewer than 16 columns left above lo
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

// The next cofacet of a simplex in filtration order, for the lazy coboundary
// enumeration of the reduction: among the vertices v not in w[0..M) whose cofacet
// diameter cd(v) = max(diam, max_q r[q][v]) is ≤ threshold and which come after
// (cd0, v0) — cd(v) > cd0, or cd(v) = cd0 and v < v0 (for a fixed simplex the cofacet
// index grows with v, so (diameter, −v) is the filtration order) — the earliest one:
// the smallest cd(v), ties to the largest v. Returns v and sets *cd, or returns −1.
inline bool Better(float cd, int v, float best_cd, int best_v) {
  return cd < best_cd || (cd == best_cd && v > best_v);
}

template <int M>
inline int NextCofacetScalar(const float* const* r, const int* w, int begin, int end, float diam,
                             float cd0, int v0, float threshold, float* cd_out) {
  float best_cd = std::numeric_limits<float>::infinity();
  int best_v = -1;
  for (int v = begin; v < end; ++v) {
    float cd = diam;
    for (int q = 0; q < M; ++q) cd = std::max(cd, r[q][v]);
    if (cd > threshold || cd < cd0 || (cd == cd0 && v >= v0) || IsMember<M>(w, v)) continue;
    if (cd <= best_cd) {  // v ascends: a tie goes to the larger v
      best_cd = cd;
      best_v = v;
    }
  }
  *cd_out = best_cd;
  return best_v;
}

template <int M>
__attribute__((target("avx512f"))) int NextCofacetAvx512(const float* const* r, const int* w, int n,
                                                         float diam, float cd0, int v0,
                                                         float threshold, float* cd_out) {
  const __m512 vd = _mm512_set1_ps(diam), vc0 = _mm512_set1_ps(cd0), vt = _mm512_set1_ps(threshold);
  const __m512i vv0 = _mm512_set1_epi32(v0), step = _mm512_set1_epi32(16);
  __m512i wq[M];
  for (int q = 0; q < M; ++q) wq[q] = _mm512_set1_epi32(w[q]);
  __m512 best = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  __m512i best_v = _mm512_set1_epi32(-1);
  __m512i vidx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int v = 0;
  for (; v + 16 <= n; v += 16, vidx = _mm512_add_epi32(vidx, step)) {
    __m512 cd = vd;
    for (int q = 0; q < M; ++q) cd = _mm512_max_ps(cd, _mm512_loadu_ps(r[q] + v));
    __mmask16 ok = _mm512_cmp_ps_mask(cd, vt, _CMP_LE_OQ) &
                   (_mm512_cmp_ps_mask(cd, vc0, _CMP_GT_OQ) |
                    (_mm512_cmp_ps_mask(cd, vc0, _CMP_EQ_OQ) & _mm512_cmplt_epi32_mask(vidx, vv0)));
    for (int q = 0; q < M; ++q) ok &= static_cast<__mmask16>(~_mm512_cmpeq_epi32_mask(vidx, wq[q]));
    __mmask16 u = ok & _mm512_cmp_ps_mask(cd, best, _CMP_LE_OQ);
    best = _mm512_mask_mov_ps(best, u, cd);
    best_v = _mm512_mask_mov_epi32(best_v, u, vidx);
  }
  alignas(64) float lane_cd[16];
  alignas(64) int lane_v[16];
  _mm512_store_ps(lane_cd, best);
  _mm512_store_si512(lane_v, best_v);
  float best_cd = std::numeric_limits<float>::infinity();
  int bv = -1;
  for (int k = 0; k < 16; ++k) {
    if (lane_v[k] >= 0 && (bv < 0 || Better(lane_cd[k], lane_v[k], best_cd, bv))) {
      best_cd = lane_cd[k];
      bv = lane_v[k];
    }
  }
  float tail_cd;
  int tv = NextCofacetScalar<M>(r, w, v, n, diam, cd0, v0, threshold, &tail_cd);
  if (tv >= 0 && (bv < 0 || Better(tail_cd, tv, best_cd, bv))) {
    best_cd = tail_cd;
    bv = tv;
  }
  *cd_out = best_cd;
  return bv;
}

template <int M>
inline int NextCofacet(SimdLevel level, const float* const* r, const int* w, int n, float diam,
                       float cd0, int v0, float threshold, float* cd_out) {
  if (level == SimdLevel::kAvx512) return NextCofacetAvx512<M>(r, w, n, diam, cd0, v0, threshold, cd_out);
  return NextCofacetScalar<M>(r, w, 0, n, diam, cd0, v0, threshold, cd_out);
}

}  // namespace panic::tda::internal
