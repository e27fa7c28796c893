// The triangle sweep's word loops over rows of neighbour bits (triangle_sweep.h), with an
// AVX-512 form chosen at run time. At N = 10 000 a row is 157 words and the sweep runs
// them for each of 5·10⁷ edges: the intersection A_x ∧ A_y, and the survivors' removal by
// the rows of O's vertices. Written one word a step (the intersection tracks its highest
// non-zero word, which kept GCC from vectorising it), they held ≈ 45 % of the sweep's
// samples (sphere N = 5 000, 2 threads: the removal ≈ 30 %, the intersection ≈ 15 %).
// The removal also returns the first word it leaves non-zero: the sweep's step to its lowest
// survivor was a one-word loop over the same words again, ≈ 20 % of SweepGroup's samples
// (walk N = 6 000, 1 thread; the assembly 2–6 % faster since it went, stop 55).
#pragma once

#include <immintrin.h>

#include <bit>
#include <cstddef>
#include <cstdint>

#include "panic/tda/cofacet_scan.h"

namespace panic::tda::internal {

// o = ax ∧ ay over `words` words; returns the highest word of o with a bit (−1: none).
inline int IntersectRowsScalar(const uint64_t* ax, const uint64_t* ay, size_t words, uint64_t* o) {
  int top = -1;
  for (size_t w = 0; w < words; ++w) {
    o[w] = ax[w] & ay[w];
    if (o[w]) top = static_cast<int>(w);
  }
  return top;
}

__attribute__((target("avx512f"))) inline int IntersectRowsAvx512(const uint64_t* ax, const uint64_t* ay,
                                                                  size_t words, uint64_t* o) {
  int top = -1;
  for (size_t w = 0; w < words; w += 8) {
    // The last step loads and stores only the words left (masked: nothing past `words`).
    const __mmask8 in = words - w >= 8 ? __mmask8{0xFF} : static_cast<__mmask8>((1u << (words - w)) - 1);
    const __m512i v = _mm512_and_si512(_mm512_maskz_loadu_epi64(in, ax + w), _mm512_maskz_loadu_epi64(in, ay + w));
    _mm512_mask_storeu_epi64(o + w, in, v);
    const auto nonzero = static_cast<unsigned>(_mm512_test_epi64_mask(v, v));
    if (nonzero != 0) top = static_cast<int>(w) + 31 - std::countl_zero(nonzero);
  }
  return top;
}

// r[w] &= ~a[w] for w in [lo, hi); returns the lowest w in [lo, hi) with r[w] ≠ 0 after, or hi.
inline size_t ClearRowBitsScalar(uint64_t* r, const uint64_t* a, size_t lo, size_t hi) {
  size_t first = hi;
  for (size_t w = lo; w < hi; ++w) {
    r[w] &= ~a[w];
    if (r[w] != 0 && first == hi) first = w;
  }
  return first;
}

__attribute__((target("avx512f"))) inline size_t ClearRowBitsAvx512(uint64_t* r, const uint64_t* a, size_t lo,
                                                                    size_t hi) {
  size_t first = hi;
  size_t w = lo;
  for (; w < hi && first == hi; w += 8) {  // up to the first word left non-zero
    const __mmask8 in = hi - w >= 8 ? __mmask8{0xFF} : static_cast<__mmask8>((1u << (hi - w)) - 1);
    const __m512i v = _mm512_andnot_si512(_mm512_maskz_loadu_epi64(in, a + w), _mm512_maskz_loadu_epi64(in, r + w));
    _mm512_mask_storeu_epi64(r + w, in, v);
    if (const auto nonzero = static_cast<unsigned>(_mm512_test_epi64_mask(v, v))) first = w + std::countr_zero(nonzero);
  }
  for (; w < hi; w += 8) {
    const __mmask8 in = hi - w >= 8 ? __mmask8{0xFF} : static_cast<__mmask8>((1u << (hi - w)) - 1);
    const __m512i v = _mm512_andnot_si512(_mm512_maskz_loadu_epi64(in, a + w), _mm512_maskz_loadu_epi64(in, r + w));
    _mm512_mask_storeu_epi64(r + w, in, v);
  }
  return first;
}

// Whether the sweep takes the AVX-512 forms: where the scans do (DetectSimdLevel, decided
// once, at the first call).
inline bool BitRowsAvx512() {
  static const bool avx512 = DetectSimdLevel() == SimdLevel::kAvx512;
  return avx512;
}

inline int IntersectRows(const uint64_t* ax, const uint64_t* ay, size_t words, uint64_t* o) {
  return BitRowsAvx512() ? IntersectRowsAvx512(ax, ay, words, o) : IntersectRowsScalar(ax, ay, words, o);
}

inline size_t ClearRowBits(uint64_t* r, const uint64_t* a, size_t lo, size_t hi) {
  return BitRowsAvx512() ? ClearRowBitsAvx512(r, a, lo, hi) : ClearRowBitsScalar(r, a, lo, hi);
}

}  // namespace panic::tda::internal
