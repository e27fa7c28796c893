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
  // The AVX-512 scans use byte compares (BW) too: every AVX-512 CPU but Xeon Phi has them.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) return SimdLevel::kAvx512;
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
// enumeration of the reduction (one at a time, the reference that the batched
// NextCofacets below is tested against): among the vertices v not in w[0..M) whose cofacet
// diameter cd(v) = max(diam, max_q r[q][v]) is ≤ threshold and which come after
// (cd0, v0) — cd(v) > cd0, or cd(v) = cd0 and v < v0 (for a fixed simplex the cofacet
// index grows with v, so (diameter, −v) is the filtration order) — the earliest one:
// the smallest cd(v), ties to the largest v. Returns v and sets *cd, or returns −1.
inline bool Better(float cd, int v, float best_cd, int best_v) {
  return cd < best_cd || (cd == best_cd && v > best_v);
}

// Offers the cofacet (cd, v) to the `count` earliest kept so far in cd_out/v_out (sorted,
// at most cap): inserted in order, the latest dropped when full. Returns the new count.
inline int KeepEarliest(float cd, int v, int cap, int count, float* cd_out, int* v_out) {
  if (count == cap && !Better(cd, v, cd_out[cap - 1], v_out[cap - 1])) return count;
  int k = count < cap ? count++ : cap - 1;
  while (k > 0 && Better(cd, v, cd_out[k - 1], v_out[k - 1])) {
    cd_out[k] = cd_out[k - 1];
    v_out[k] = v_out[k - 1];
    --k;
  }
  cd_out[k] = cd;
  v_out[k] = v;
  return count;
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

// ---- batched next cofacets ------------------------------------------------------------
// The same search as NextCofacetScalar, but one pass yields the next several cofacets in
// filtration order, so that a cursor past its own diameter pays one O(n) scan for a
// handful of steps instead of one each (a dimension-2 column of the unit-sphere walk
// needs dozens). Writes up to `cap` (v, cd) pairs in filtration order to v_out / cd_out
// and returns how many; 0 when no cofacet is left. Fewer than `cap` does not mean the
// end: scan again from the last one returned.
//
// Why the vector version is exact: each of the 16 lanes keeps its three earliest entries.
// An entry a lane dropped comes after that lane's third entry, so every entry up to
// T = the earliest of the lanes' third entries was kept: the kept entries ≤ T, sorted,
// are the exact beginning of the sequence (all kept entries when no lane filled all three).
// (With two a lane, as before stop 28, the first lane to fill both ended the exact prefix
// after ≈ 5 entries on average — the birthday bound of 16 lanes — so a batch of 8 was
// rarely full; with three it is ≈ 10, and one scan usually yields the whole batch.)

template <int M>
inline int NextCofacetsScalar(const float* const* r, const int* w, int n, float diam, float cd0, int v0,
                              float threshold, int cap, float* cd_out, int* v_out) {
  int count = 0;  // cd_out/v_out hold the `count` earliest seen so far, in order
  for (int v = 0; v < n; ++v) {
    float cd = diam;
    for (int q = 0; q < M; ++q) cd = std::max(cd, r[q][v]);
    if (cd > threshold || cd < cd0 || (cd == cd0 && v >= v0) || IsMember<M>(w, v)) continue;
    count = KeepEarliest(cd, v, cap, count, cd_out, v_out);
  }
  return count;
}

template <int M>
__attribute__((target("avx512f"))) int NextCofacetsAvx512(const float* const* r, const int* w, int n,
                                                          float diam, float cd0, int v0, float threshold,
                                                          int cap, float* cd_out, int* v_out) {
  const __m512 vd = _mm512_set1_ps(diam), vc0 = _mm512_set1_ps(cd0), vt = _mm512_set1_ps(threshold);
  const __m512i vv0 = _mm512_set1_epi32(v0), step = _mm512_set1_epi32(16);
  __m512i wq[M];
  for (int q = 0; q < M; ++q) wq[q] = _mm512_set1_epi32(w[q]);
  const __m512 inf = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  __m512 b1 = inf, b2 = inf, b3 = inf;  // per lane: its three earliest entries (v ascends: ties go to the later)
  __m512i b1v = _mm512_set1_epi32(-1), b2v = b1v, b3v = b1v;
  __m512i vidx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int v = 0;
  for (; v + 16 <= n; v += 16, vidx = _mm512_add_epi32(vidx, step)) {
    __m512 cd = vd;
    for (int q = 0; q < M; ++q) cd = _mm512_max_ps(cd, _mm512_loadu_ps(r[q] + v));
    __mmask16 ok = _mm512_cmp_ps_mask(cd, vt, _CMP_LE_OQ) &
                   (_mm512_cmp_ps_mask(cd, vc0, _CMP_GT_OQ) |
                    (_mm512_cmp_ps_mask(cd, vc0, _CMP_EQ_OQ) & _mm512_cmplt_epi32_mask(vidx, vv0)));
    ok &= _mm512_cmp_ps_mask(cd, b3, _CMP_LE_OQ);  // most blocks stop here
    if (!ok) continue;
    for (int q = 0; q < M; ++q) ok &= static_cast<__mmask16>(~_mm512_cmpeq_epi32_mask(vidx, wq[q]));
    const __mmask16 first = ok & _mm512_cmp_ps_mask(cd, b1, _CMP_LE_OQ);
    const __mmask16 second = ok & static_cast<__mmask16>(~first) & _mm512_cmp_ps_mask(cd, b2, _CMP_LE_OQ);
    const __mmask16 third = ok & static_cast<__mmask16>(~(first | second));
    b3 = _mm512_mask_mov_ps(b3, first | second, b2);
    b3v = _mm512_mask_mov_epi32(b3v, first | second, b2v);
    b3 = _mm512_mask_mov_ps(b3, third, cd);
    b3v = _mm512_mask_mov_epi32(b3v, third, vidx);
    b2 = _mm512_mask_mov_ps(b2, first, b1);
    b2v = _mm512_mask_mov_epi32(b2v, first, b1v);
    b2 = _mm512_mask_mov_ps(b2, second, cd);
    b2v = _mm512_mask_mov_epi32(b2v, second, vidx);
    b1 = _mm512_mask_mov_ps(b1, first, cd);
    b1v = _mm512_mask_mov_epi32(b1v, first, vidx);
  }
  alignas(64) float c[3][16];
  alignas(64) int iv[3][16];
  _mm512_store_ps(c[0], b1);
  _mm512_store_ps(c[1], b2);
  _mm512_store_ps(c[2], b3);
  _mm512_store_si512(iv[0], b1v);
  _mm512_store_si512(iv[1], b2v);
  _mm512_store_si512(iv[2], b3v);
  // Candidates: the lanes' kept entries and every entry of the scalar tail.
  float cc[64];
  int cv[64];
  int k = 0;
  bool bounded = false;
  float tcd = 0;
  int tv = 0;
  for (int l = 0; l < 16; ++l) {
    for (int e = 0; e < 3; ++e) {
      if (iv[e][l] < 0) break;
      cc[k] = c[e][l];
      cv[k++] = iv[e][l];
    }
    if (iv[2][l] >= 0 && (!bounded || Better(c[2][l], iv[2][l], tcd, tv))) {
      bounded = true;
      tcd = c[2][l];
      tv = iv[2][l];
    }
  }
  for (; v < n; ++v) {
    float cd = diam;
    for (int q = 0; q < M; ++q) cd = std::max(cd, r[q][v]);
    if (cd > threshold || cd < cd0 || (cd == cd0 && v >= v0) || IsMember<M>(w, v)) continue;
    cc[k] = cd;
    cv[k++] = v;
  }
  // Only the candidates up to the bound are exact; of them the `cap` earliest, in order
  // (selection: a few dozen candidates, cap small).
  if (bounded) {
    int kept = 0;
    for (int j = 0; j < k; ++j) {
      if (!Better(tcd, tv, cc[j], cv[j])) {
        cc[kept] = cc[j];
        cv[kept++] = cv[j];
      }
    }
    k = kept;
  }
  int out = 0;
  while (out < cap) {
    int best = -1;
    for (int j = 0; j < k; ++j) {
      if (cv[j] >= 0 && (best < 0 || Better(cc[j], cv[j], cc[best], cv[best]))) best = j;
    }
    if (best < 0) break;
    cd_out[out] = cc[best];
    v_out[out++] = cv[best];
    cv[best] = -1;
  }
  return out;
}

template <int M>
inline int NextCofacets(SimdLevel level, const float* const* r, const int* w, int n, float diam, float cd0,
                        int v0, float threshold, int cap, float* cd_out, int* v_out) {
  if (level == SimdLevel::kAvx512) {
    return NextCofacetsAvx512<M>(r, w, n, diam, cd0, v0, threshold, cap, cd_out, v_out);
  }
  return NextCofacetsScalar<M>(r, w, n, diam, cd0, v0, threshold, cap, cd_out, v_out);
}

}  // namespace panic::tda::internal
