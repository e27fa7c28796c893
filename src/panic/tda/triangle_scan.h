// The triangles of the Vietoris–Rips complex that must be reduced (the dimension-2
// columns before clearing), found edge by edge with contiguous reads only (AVX-512).
//
// Every triangle {x, y, z} is *owned* by one of its longest edges: with its vertices
// a > b > c, the first of ab, ac, bc whose length is the triangle's diameter (the edge
// whose candidate ZeroApparentCofacet starts from). For an edge {x > y} of length L the
// triangles it owns are the z ≠ x, y with
//   d(z, x) < L when z > y, else ≤ L;   d(z, y) < L when z > x, else ≤ L,
// all of diameter L. One pass over z, 16 at a time, reads rows x and y at z.
//
// When neither d(z, x) nor d(z, y) equals L (no tie; ties go to the caller's exact
// per-triangle test), the apparent-pair tests need no other row than those of the edge's
// cofacet candidates, read at z:
// - apparent with a facet: the triangle's latest facet of diameter L is the edge itself,
//   so it is the edge's earliest cofacet iff z is the edge's candidate p₁;
// - apparent with a cofacet: P = p₁ > p₂ > … are the vertices within L of x and y
//   (descending); the triangle's candidate is the first p_k ≠ z with d(p_k, z) ≤ L — row
//   p_k read at z, contiguous across the 16 lanes. The tetrahedron {x, y, z, v = p_k} has
//   the triangle as its latest facet of diameter L iff each facet without a vertex above v
//   is shorter than L: without z it keeps the edge (so z < v is needed); without x
//   (when x > v) it is {y, z, v}, shorter iff d(y, v) < L and d(z, v) < L; without y
//   (when y > v) it is {x, z, v}, shorter iff d(x, v) < L and d(z, v) < L.
// So the per-triangle random row read of the scalar test (row z at the candidate) is gone.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace panic::tda::internal {

// The candidates of edge {x > y} of length L found so far (the caller's scan fills them,
// a few at a time, as the lanes need them).
struct EdgeCandidates {
  static constexpr int kCapacity = 64;
  int vertex[kCapacity];          // p₁ > p₂ > … (the first `count` of P)
  const float* row[kCapacity];    // the distance-matrix row of each
  float dx[kCapacity];            // d(x, p_k)
  float dy[kCapacity];            // d(y, p_k)
  int count = 0;
  bool complete = false;  // P has no more vertices than these
};

// For every z in [0, n) whose triangle {x, y, z} edge {x > y} owns: `column(z)` when it
// is in no apparent pair (the caller still applies clearing), `exact(z)` when the fast
// tests cannot decide (a tie with L, or a candidate past the ones `extend` can give); nothing
// for the apparent ones. `extend()` appends candidates to p (or sets p.complete) and returns
// false when it can add none. REQUIRES p.count ≥ 1 or p.complete (p₁ is the edge table's).
template <typename Extend, typename Column, typename Exact>
__attribute__((target("avx512f"))) void EdgeTrianglesAvx512(const float* rx, const float* ry, int x, int y,
                                                             float length, int n, EdgeCandidates& p,
                                                             Extend&& extend, Column&& column, Exact&& exact) {
  const __m512 vl = _mm512_set1_ps(length);
  const __m512i vx = _mm512_set1_epi32(x), vy = _mm512_set1_epi32(y);
  const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vp1 = _mm512_set1_epi32(p.count > 0 ? p.vertex[0] : -1);
  auto each = [](__mmask16 m, int z0, auto&& f) {
    for (unsigned bits = m; bits; bits &= bits - 1) f(z0 + __builtin_ctz(bits));
  };
  for (int z0 = 0; z0 < n; z0 += 16) {
    const __mmask16 valid = n - z0 >= 16 ? __mmask16{0xFFFF} : static_cast<__mmask16>((1u << (n - z0)) - 1);
    const __m512i vz = _mm512_add_epi32(_mm512_set1_epi32(z0), lanes);
    const __m512 dzx = _mm512_maskz_loadu_ps(valid, rx + z0);
    const __m512 dzy = _mm512_maskz_loadu_ps(valid, ry + z0);
    const __mmask16 le_x = _mm512_cmp_ps_mask(dzx, vl, _CMP_LE_OQ), le_y = _mm512_cmp_ps_mask(dzy, vl, _CMP_LE_OQ);
    if (!(valid & le_x & le_y)) continue;  // most blocks of a short edge end here
    const __mmask16 eq_x = _mm512_cmp_ps_mask(dzx, vl, _CMP_EQ_OQ), eq_y = _mm512_cmp_ps_mask(dzy, vl, _CMP_EQ_OQ);
    const __mmask16 above_x = _mm512_cmpgt_epi32_mask(vz, vx), above_y = _mm512_cmpgt_epi32_mask(vz, vy);
    const __mmask16 owned = valid & le_x & le_y & ~(eq_x & above_y) & ~(eq_y & above_x) &
                            ~_mm512_cmpeq_epi32_mask(vz, vx) & ~_mm512_cmpeq_epi32_mask(vz, vy);
    const __mmask16 tie = owned & (eq_x | eq_y);
    each(tie, z0, exact);
    // Apparent with the edge (z is its candidate) or not owned: nothing to do.
    __mmask16 open = owned & ~tie & ~_mm512_cmpeq_epi32_mask(vz, vp1);
    for (int k = 0; open; ++k) {
      if (k == p.count && !extend()) break;
      const int v = p.vertex[k];
      const __m512 dzv = _mm512_maskz_loadu_ps(valid, p.row[k] + z0);
      const __mmask16 hit =
          open & _mm512_cmp_ps_mask(dzv, vl, _CMP_LE_OQ) & ~_mm512_cmpeq_epi32_mask(vz, _mm512_set1_epi32(v));
      if (!hit) continue;
      open &= ~hit;
      // Which of the hit lanes have their triangle as the latest facet of {x, y, z, v}.
      const __mmask16 short_zv = _mm512_cmp_ps_mask(dzv, vl, _CMP_LT_OQ);
      __mmask16 latest = hit & _mm512_cmplt_epi32_mask(vz, _mm512_set1_epi32(v));
      if (x > v) latest &= p.dy[k] < length ? short_zv : __mmask16{0};
      if (y > v) latest &= p.dx[k] < length ? short_zv : __mmask16{0};
      each(hit & ~latest, z0, column);
    }
    // Lanes with no candidate among the given ones: none at all when P is complete.
    if (p.complete) {
      each(open, z0, column);
    } else {
      each(open, z0, exact);
    }
  }
}

}  // namespace panic::tda::internal
