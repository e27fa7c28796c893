// The triangle sweep's word loops over rows of neighbour bits (triangle_sweep.h), with
// AVX-512 and AVX2 forms chosen at run time. At N = 10 000 a row is 157 words and the sweep runs
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

// The AVX2 forms: four words a step, the last < 4 words one at a time. nonzero: bit i set
// when word i of v is not 0.
__attribute__((target("avx2"))) inline unsigned NonzeroWordsAvx2(__m256i v) {
  const __m256i zero = _mm256_cmpeq_epi64(v, _mm256_setzero_si256());
  return ~static_cast<unsigned>(_mm256_movemask_pd(_mm256_castsi256_pd(zero))) & 0xFu;
}

__attribute__((target("avx2"))) inline int IntersectRowsAvx2(const uint64_t* ax, const uint64_t* ay, size_t words,
                                                             uint64_t* o) {
  int top = -1;
  size_t w = 0;
  for (; w + 4 <= words; w += 4) {
    const __m256i v = _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ax + w)),
                                       _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ay + w)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + w), v);
    if (const unsigned nonzero = NonzeroWordsAvx2(v)) top = static_cast<int>(w) + 31 - std::countl_zero(nonzero);
  }
  const int rest = IntersectRowsScalar(ax + w, ay + w, words - w, o + w);
  return rest >= 0 ? static_cast<int>(w) + rest : top;
}

__attribute__((target("avx2"))) inline size_t ClearRowBitsAvx2(uint64_t* r, const uint64_t* a, size_t lo, size_t hi) {
  size_t first = hi;
  size_t w = lo;
  for (; w + 4 <= hi; w += 4) {
    const __m256i v = _mm256_andnot_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + w)),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + w)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(r + w), v);
    if (first == hi) {
      if (const unsigned nonzero = NonzeroWordsAvx2(v)) first = w + static_cast<size_t>(std::countr_zero(nonzero));
    }
  }
  const size_t rest = ClearRowBitsScalar(r, a, w, hi);
  return first != hi ? first : rest;
}

// The forms the sweep takes: those of the scans (DetectSimdLevel, decided once, at the first
// call).
inline SimdLevel BitRowsLevel() {
  static const SimdLevel level = DetectSimdLevel();
  return level;
}

inline int IntersectRows(const uint64_t* ax, const uint64_t* ay, size_t words, uint64_t* o) {
  switch (BitRowsLevel()) {
    case SimdLevel::kAvx512: return IntersectRowsAvx512(ax, ay, words, o);
    case SimdLevel::kAvx2: return IntersectRowsAvx2(ax, ay, words, o);
    default: return IntersectRowsScalar(ax, ay, words, o);
  }
}

inline size_t ClearRowBits(uint64_t* r, const uint64_t* a, size_t lo, size_t hi) {
  switch (BitRowsLevel()) {
    case SimdLevel::kAvx512: return ClearRowBitsAvx512(r, a, lo, hi);
    case SimdLevel::kAvx2: return ClearRowBitsAvx2(r, a, lo, hi);
    default: return ClearRowBitsScalar(r, a, lo, hi);
  }
}

}  // namespace panic::tda::internal
