// The reduction's next-cofacet scans on a byte copy of the distance matrix (issue 18,
// stop 29). NextCofacets (cofacet_scan.h) reads M float rows whole for a handful of
// cofacets; on the unit-sphere walk it was the largest item of the dimension-2 reduction,
// and at N = 5 000 the 100 MB float matrix does not fit the cache, so each scan is a
// stream from memory. Here the rows are read as bytes: q(x), a monotone (non-decreasing)
// map of the distances to 0..255, so q(max) = max(q) and x ≤ y implies q(x) ≤ q(y). A
// scan collects the vertices whose quantised cofacet diameter lies in a window of levels
// [q(cd0), Q], then takes their exact diameters from the float rows. Any vertex left out
// has q(cd) > Q ≥ q(cd) of every collected one, so its cofacet comes later than all of
// them: the collected valid cofacets, sorted, are an exact beginning of the sequence.
// The levels follow the distances' quantiles, so that a level holds few vertices where
// the distances crowd (on the 768-D clouds nearly all of them lie within ±5 %).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"
#include "panic/core/prefetch.h"
#include "panic/tda/cofacet_scan.h"

namespace panic::tda::internal {

// x ↦ level[bin(x)], bin uniform over [lo, lo + kBins / scale), both non-decreasing.
class DistanceQuantizer {
 public:
  static constexpr int kBins = 4096;
  // From a sample of the distances (any order; empty: every distance maps to 0).
  explicit DistanceQuantizer(std::vector<float> sample = {}) {
    level_.fill(0);
    if (sample.empty()) return;
    std::sort(sample.begin(), sample.end());
    lo_ = sample.front();
    const float hi = sample.back();
    if (!(hi > lo_)) return;
    scale_ = static_cast<float>(kBins) / (hi - lo_);
    // level of bin b: 255 × the share of the sample below the bin's start (non-decreasing in b).
    size_t below = 0;
    for (int b = 0; b < kBins; ++b) {
      const float start = lo_ + static_cast<float>(b) / scale_;
      while (below < sample.size() && sample[below] < start) ++below;
      level_[static_cast<size_t>(b)] = static_cast<uint8_t>(255 * below / sample.size());
    }
  }
  uint8_t operator()(float x) const {
    const float t = (x - lo_) * scale_;
    // !(t > 0): also NaN, from ∞ · 0 when every distance maps to level 0.
    const int b = !(t > 0) ? 0 : (t >= static_cast<float>(kBins - 1) ? kBins - 1 : static_cast<int>(t));
    return level_[static_cast<size_t>(b)];
  }

 private:
  float lo_ = 0, scale_ = 0;
  std::array<uint8_t, kBins> level_{};
};

// The vertices v in [0, n) with lo ≤ max(qd, max_q qr[q][v]) ≤ hi, ascending, into out;
// returns how many.
template <int M>
inline int CollectLevelsScalar(const uint8_t* const* qr, int n, uint8_t qd, uint8_t lo, uint8_t hi, int* out) {
  int k = 0;
  for (int v = 0; v < n; ++v) {
    uint8_t x = qd;
    for (int q = 0; q < M; ++q) x = std::max(x, qr[q][v]);
    if (x >= lo && x <= hi) out[k++] = v;
  }
  return k;
}

// With `rows` (the float rows of the same vertices), each collected vertex's floats are
// asked for as it is found: the caller reads them next, at random places in rows far
// larger than the cache, and their misses then overlap the rest of the byte scan (half of
// NextCofacetsQuantized's own samples in the N = 10 000 tail waited on those loads).
template <int M>
__attribute__((target("avx512f,avx512bw"))) int CollectLevelsAvx512(const uint8_t* const* qr, int n, uint8_t qd,
                                                                    uint8_t lo, uint8_t hi, int* out,
                                                                    const float* const* rows = nullptr) {
  const __m512i vd = _mm512_set1_epi8(static_cast<char>(qd)), vlo = _mm512_set1_epi8(static_cast<char>(lo)),
                vhi = _mm512_set1_epi8(static_cast<char>(hi));
  int k = 0, v = 0;
  for (; v + 64 <= n; v += 64) {
    __m512i x = vd;
    for (int q = 0; q < M; ++q) x = _mm512_max_epu8(x, _mm512_loadu_si512(qr[q] + v));
    uint64_t mask = _mm512_cmpge_epu8_mask(x, vlo) & _mm512_cmple_epu8_mask(x, vhi);
    while (mask) {
      const int u = v + __builtin_ctzll(mask);
      out[k++] = u;
      if (rows != nullptr) {
        for (int q = 0; q < M; ++q) core::PrefetchLine(rows[q] + u);
      }
      mask &= mask - 1;
    }
  }
  for (; v < n; ++v) {
    uint8_t x = qd;
    for (int q = 0; q < M; ++q) x = std::max(x, qr[q][v]);
    if (x >= lo && x <= hi) out[k++] = v;
  }
  return k;
}

// The AVX2 forms (CPUs without AVX-512) take 64 vertices a step as two 32-byte halves, so
// that their masks and loops are the AVX-512 ones. AVX2 compares bytes as signed only; the
// unsigned tests are x ≤ h ⟺ min(x, h) = x, and lo ≤ x ≤ hi ⟺ (x − lo) mod 256 ≤ hi − lo
// (for lo ≤ hi: below lo, x − lo wraps to 256 − (lo − x) > hi − lo).
struct Bytes64Avx2 {
  __m256i low, high;  // bytes 0–31 and 32–63
};

// max(floor, rows[0][at + i], …, rows[M − 1][at + i]) for i in [0, 64).
template <int M>
__attribute__((target("avx2"))) inline Bytes64Avx2 MaxRows64Avx2(const uint8_t* const* rows, size_t at,
                                                                 __m256i floor) {
  Bytes64Avx2 x{floor, floor};
  for (int q = 0; q < M; ++q) {
    x.low = _mm256_max_epu8(x.low, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[q] + at)));
    x.high = _mm256_max_epu8(x.high, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[q] + at + 32)));
  }
  return x;
}

// Bit i: byte i of x is ≤ h.
__attribute__((target("avx2"))) inline uint64_t AtMost64Avx2(const Bytes64Avx2& x, __m256i h) {
  const auto low = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(x.low, h), x.low)));
  const auto high =
      static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(x.high, h), x.high)));
  return uint64_t{low} | uint64_t{high} << 32;
}

// Bit i: lo ≤ byte i of x ≤ lo + width (width = hi − lo ≥ 0 in every byte).
__attribute__((target("avx2"))) inline uint64_t InRange64Avx2(const Bytes64Avx2& x, __m256i lo, __m256i width) {
  return AtMost64Avx2(Bytes64Avx2{_mm256_sub_epi8(x.low, lo), _mm256_sub_epi8(x.high, lo)}, width);
}

template <int M>
__attribute__((target("avx2"))) int CollectLevelsAvx2(const uint8_t* const* qr, int n, uint8_t qd, uint8_t lo,
                                                      uint8_t hi, int* out, const float* const* rows = nullptr) {
  if (lo > hi) return 0;
  const __m256i vd = _mm256_set1_epi8(static_cast<char>(qd)), vlo = _mm256_set1_epi8(static_cast<char>(lo)),
                width = _mm256_set1_epi8(static_cast<char>(hi - lo));
  int k = 0, v = 0;
  for (; v + 64 <= n; v += 64) {
    for (uint64_t mask = InRange64Avx2(MaxRows64Avx2<M>(qr, static_cast<size_t>(v), vd), vlo, width); mask;
         mask &= mask - 1) {
      const int u = v + __builtin_ctzll(mask);
      out[k++] = u;
      if (rows != nullptr) {
        for (int q = 0; q < M; ++q) core::PrefetchLine(rows[q] + u);
      }
    }
  }
  for (; v < n; ++v) {
    uint8_t x = qd;
    for (int q = 0; q < M; ++q) x = std::max(x, qr[q][v]);
    if (x >= lo && x <= hi) out[k++] = v;
  }
  return k;
}

// The byte rows again, with their columns in a locality order (issue 18, stop 46): column
// t of every row is the vertex vertex[t], where neighbouring t are points near each other
// (the kernel's input order: trajectories arrive in time order), and mins[q][b] is the
// least byte of row q over columns 64b … 64b + 63. The kernel numbers its vertices at
// random (vertex_order.h), so in its own order the few vertices near a small simplex lie
// all over a row; in time order they lie in a few runs. A vertex's quantised cofacet
// diameter is at least every row's byte at it, hence at least max_q mins[q][b] in block
// b: a block whose bound exceeds the window's top holds no vertex of the window and is
// skipped unread. (Unit-sphere walk N = 5 000, the scans' windows: 11 % of the blocks
// pass that bound in time order, 97 % in the kernel's order.)
struct LocalityRows {
  const uint8_t* const* rows;  // M rows of `stride` bytes (columns past n: 255)
  const uint8_t* const* mins;  // M rows of block minima (blocks past `blocks`: 255)
  const int32_t* vertex;       // column → vertex
  int blocks;                  // ⌈n / 64⌉
};

// The owner of LocalityRows' arrays: the byte copy with its columns in a locality order,
// rows of ⌈n/64⌉·64 bytes and minima rows of ⌈blocks/64⌉·64, padded with 255 so that every
// 64-byte load stays inside its row.
class LocalityCopy {
 public:
  static constexpr size_t Blocks(size_t n) { return (n + 63) / 64; }
  static constexpr size_t Stride(size_t n) { return Blocks(n) * 64; }
  static constexpr size_t MinStride(size_t n) { return (Blocks(n) + 63) / 64 * 64; }
  // What Build allocates for n points (its rows and their minima; RipsMemoryLowerBound).
  static constexpr double Bytes(size_t n) {
    return static_cast<double>(n) * static_cast<double>(Stride(n) + MinStride(n));
  }
  // From the byte copy `bytes` (row v at bytes + v·n): row v's column t is v's byte at
  // order[t]. REQUIRES: order is a permutation of 0..n−1.
  void Build(const uint8_t* bytes, size_t n, std::span<const uint32_t> order, int threads) {
    blocks_ = Blocks(n);
    stride_ = Stride(n);
    min_stride_ = MinStride(n);
    vertex_.assign(order.begin(), order.end());
    core::ReserveHugePages(values_, n * stride_);
    values_.resize(n * stride_);
    mins_.resize(n * min_stride_);
    ParallelFor(n, 64, threads, [&](size_t begin, size_t end, int) {
      for (size_t v = begin; v < end; ++v) {
        const uint8_t* from = bytes + v * n;
        uint8_t* row = values_.data() + v * stride_;
        for (size_t t = 0; t < n; ++t) row[t] = from[order[t]];
        std::fill(row + n, row + stride_, uint8_t{255});
        uint8_t* mins = mins_.data() + v * min_stride_;
        for (size_t b = 0; b < blocks_; ++b) mins[b] = *std::min_element(row + 64 * b, row + 64 * (b + 1));
        std::fill(mins + blocks_, mins + min_stride_, uint8_t{255});
      }
    });
  }
  bool empty() const { return values_.empty(); }
  // The rows of w's M vertices, through the caller's pointer arrays `rows` and `mins`.
  template <int M>
  LocalityRows RowsOf(const int* w, const uint8_t** rows, const uint8_t** mins) const {
    for (int q = 0; q < M; ++q) {
      rows[q] = values_.data() + static_cast<size_t>(w[q]) * stride_;
      mins[q] = mins_.data() + static_cast<size_t>(w[q]) * min_stride_;
    }
    return LocalityRows{rows, mins, vertex_.data(), static_cast<int>(blocks_)};
  }

 private:
  std::vector<uint8_t> values_, mins_;
  std::vector<int32_t> vertex_;
  size_t blocks_ = 0, stride_ = 0, min_stride_ = 0;
};

// CollectLevels on LocalityRows: the same vertices, in locality order (not ascending).
template <int M>
inline int CollectLevelsBlockedScalar(const LocalityRows& l, int n, uint8_t qd, uint8_t lo, uint8_t hi, int* out) {
  int k = 0;
  for (int b = 0; b < l.blocks; ++b) {
    uint8_t bound = 0;
    for (int q = 0; q < M; ++q) bound = std::max(bound, l.mins[q][b]);
    if (bound > hi) continue;
    for (int t = 64 * b; t < std::min(n, 64 * (b + 1)); ++t) {
      uint8_t x = qd;
      for (int q = 0; q < M; ++q) x = std::max(x, l.rows[q][t]);
      if (x >= lo && x <= hi) out[k++] = l.vertex[t];
    }
  }
  return k;
}

// The vector forms' shared steps. The live blocks (bit j of `live`: block b0 + j) lie at
// random in rows far larger than the cache: all their lines are asked for before any is
// read, so that the misses overlap.
template <int M>
inline void PrefetchLiveBlocks(const LocalityRows& l, int b0, uint64_t live) {
  for (; live != 0; live &= live - 1) {
    const int t = (b0 + __builtin_ctzll(live)) * 64;
    for (int q = 0; q < M; ++q) core::PrefetchLine(l.rows[q] + t);
  }
}

// The vertices of the block at column t whose bits `mask` holds (none past column n) into
// out[k…], each one's float distances asked for (the caller reads them next); returns k.
template <int M>
inline int KeepBlockVertices(const LocalityRows& l, int n, int t, uint64_t mask, const float* const* rows, int* out,
                             int k) {
  if (n - t < 64) mask &= (uint64_t{1} << (n - t)) - 1;
  for (; mask != 0; mask &= mask - 1) {
    const int u = l.vertex[t + __builtin_ctzll(mask)];
    out[k++] = u;
    for (int q = 0; q < M; ++q) core::PrefetchLine(rows[q] + u);
  }
  return k;
}

template <int M>
__attribute__((target("avx512f,avx512bw"))) int CollectLevelsBlockedAvx512(const LocalityRows& l, int n, uint8_t qd,
                                                                           uint8_t lo, uint8_t hi, int* out,
                                                                           const float* const* rows) {
  const __m512i vd = _mm512_set1_epi8(static_cast<char>(qd)), vlo = _mm512_set1_epi8(static_cast<char>(lo)),
                vhi = _mm512_set1_epi8(static_cast<char>(hi));
  int k = 0;
  for (int b0 = 0; b0 < l.blocks; b0 += 64) {
    __m512i bound = _mm512_loadu_si512(l.mins[0] + b0);
    for (int q = 1; q < M; ++q) bound = _mm512_max_epu8(bound, _mm512_loadu_si512(l.mins[q] + b0));
    uint64_t live = _mm512_cmple_epu8_mask(bound, vhi);
    if (l.blocks - b0 < 64) live &= (uint64_t{1} << (l.blocks - b0)) - 1;
    PrefetchLiveBlocks<M>(l, b0, live);
    for (; live != 0; live &= live - 1) {
      const int t = (b0 + __builtin_ctzll(live)) * 64;
      __m512i x = vd;
      for (int q = 0; q < M; ++q) x = _mm512_max_epu8(x, _mm512_loadu_si512(l.rows[q] + t));
      k = KeepBlockVertices<M>(l, n, t, _mm512_cmpge_epu8_mask(x, vlo) & _mm512_cmple_epu8_mask(x, vhi), rows, out, k);
    }
  }
  return k;
}

template <int M>
__attribute__((target("avx2"))) int CollectLevelsBlockedAvx2(const LocalityRows& l, int n, uint8_t qd, uint8_t lo,
                                                             uint8_t hi, int* out, const float* const* rows) {
  if (lo > hi) return 0;
  const __m256i vd = _mm256_set1_epi8(static_cast<char>(qd)), vlo = _mm256_set1_epi8(static_cast<char>(lo)),
                vhi = _mm256_set1_epi8(static_cast<char>(hi)), width = _mm256_set1_epi8(static_cast<char>(hi - lo));
  int k = 0;
  for (int b0 = 0; b0 < l.blocks; b0 += 64) {
    uint64_t live = AtMost64Avx2(MaxRows64Avx2<M>(l.mins, static_cast<size_t>(b0), _mm256_setzero_si256()), vhi);
    if (l.blocks - b0 < 64) live &= (uint64_t{1} << (l.blocks - b0)) - 1;
    PrefetchLiveBlocks<M>(l, b0, live);
    for (; live != 0; live &= live - 1) {
      const int t = (b0 + __builtin_ctzll(live)) * 64;
      const uint64_t mask = InRange64Avx2(MaxRows64Avx2<M>(l.rows, static_cast<size_t>(t), vd), vlo, width);
      k = KeepBlockVertices<M>(l, n, t, mask, rows, out, k);
    }
  }
  return k;
}

// The vertices of the window [lo, hi] (CollectLevels* above) in the form `level` names: from
// the locality rows when there are some, else from qr.
template <int M>
inline int CollectLevels(SimdLevel level, const uint8_t* const* qr, const LocalityRows* local, int n, uint8_t qd,
                         uint8_t lo, uint8_t hi, int* out, const float* const* rows) {
  if (local != nullptr) {
    switch (level) {
      case SimdLevel::kAvx512: return CollectLevelsBlockedAvx512<M>(*local, n, qd, lo, hi, out, rows);
      case SimdLevel::kAvx2: return CollectLevelsBlockedAvx2<M>(*local, n, qd, lo, hi, out, rows);
      default: return CollectLevelsBlockedScalar<M>(*local, n, qd, lo, hi, out);
    }
  }
  switch (level) {
    case SimdLevel::kAvx512: return CollectLevelsAvx512<M>(qr, n, qd, lo, hi, out, rows);
    case SimdLevel::kAvx2: return CollectLevelsAvx2<M>(qr, n, qd, lo, hi, out, rows);
    default: return CollectLevelsScalar<M>(qr, n, qd, lo, hi, out);
  }
}

// The same result as NextCofacets<M> (an exact beginning of the cofacet sequence after
// (cd0, v0), up to `cap` entries; 0 only at its end) from the byte rows qr of w's vertices
// (quantised by `quant`) and their float rows r. `window`: the width in levels of the
// first window tried, adapted here (wider when a window held fewer than `target` cofacets,
// narrower when it held many more); `scratch` has room for n vertices. The window that
// returns yields all its valid cofacets up to `cap`: with cap > target a scan keeps more
// of the exact prefix it found (issue 18, stop 31: a cursor's spill, rips_reducer_types.h)
// without widening the window for it. target ≤ 0: target = cap. With `local`, the windows
// are collected from those rows instead of qr.
// `from_level`: the lowest level to collect, when the caller knows that every cofacet of a
// lower level is at or before (cd0, v0) — a cursor that took the whole result of its last
// scan, `complete_to` of it (below). A window starting at q(cd0) collects again the
// vertices of that level already passed, and reads their floats to find that out (sphere
// N = 5 000: 19.2 vertices collected a window, 6.4 of them kept). `complete_to`, when given:
// the returned window's last level when the result holds every valid cofacet of the levels
// it covered (none left out past `cap`), else −1.
// `past_diameter`: only the cofacets of diameter above `diam` — what the reducer asks for
// once its cursor has passed all of its own diameter's (rips_cursors.h). A vertex whose
// bytes all lie below q(diam) adds a cofacet of diameter exactly `diam`, so it is not
// collected: the window starts at q(cd0) ≥ q(diam), and without this every such vertex
// there was collected and its floats read to reject it (sphere N = 5 000: 14.1 vertices
// collected a scan, 7.0 with it, the same cofacets valid). REQUIRES cd0 ≥ diam.
constexpr int kReadBlock = 64;
template <int M>
inline int NextCofacetsQuantized(SimdLevel level, const DistanceQuantizer& quant, const uint8_t* const* qr,
                                 const float* const* r, const int* w, int n, float diam, float cd0, int v0,
                                 float threshold, int cap, float* cd_out, int* v_out, int& window, int* scratch,
                                 int target = 0, int from_level = 0, int* complete_to = nullptr,
                                 const LocalityRows* local = nullptr, bool past_diameter = false) {
  if (target <= 0 || target > cap) target = cap;
  const uint8_t qd = quant(diam), top = quant(threshold);
  // The collected bytes' floor: q(diam) (every cofacet's diameter is at least diam), or
  // none past the diameter, so that a vertex whose bytes are all below q(diam) stays below
  // the window (lo ≥ q(cd0) ≥ q(diam)).
  const uint8_t byte_floor = past_diameter ? 0 : qd;
  int lo = std::max<int>(quant(cd0), from_level);
  while (lo <= top) {
    const int hi = std::min(lo + window, static_cast<int>(top));
    const uint8_t lo8 = static_cast<uint8_t>(lo), hi8 = static_cast<uint8_t>(hi);
    const int found = CollectLevels<M>(level, qr, local, n, byte_floor, lo8, hi8, scratch, r);
    int count = 0;  // cd_out/v_out: the `count` earliest valid ones so far, in order
    int valid = 0;  // all valid ones so far (more than `count` once past cap)
    // The float rows are read in blocks with no branch between the loads (their cache
    // misses overlap), then the block is filtered.
    for (int b = 0; b < found; b += kReadBlock) {
      const int e = std::min(found, b + kReadBlock);
      float cdb[kReadBlock];
      for (int i = b; i < e; ++i) {
        float cd = diam;
        for (int q = 0; q < M; ++q) cd = std::max(cd, r[q][scratch[i]]);
        cdb[i - b] = cd;
      }
      for (int i = b; i < e; ++i) {
        const int v = scratch[i];
        const float cd = cdb[i - b];
        if (cd > threshold || cd < cd0 || (cd == cd0 && v >= v0) || (past_diameter && cd == diam) ||
            IsMember<M>(w, v)) {
          continue;
        }
        ++valid;
        count = KeepEarliest(cd, v, cap, count, cd_out, v_out);
      }
    }
    if (count < target && hi < top) {
      ++window;
    } else if (found > 4 * target && window > 0) {
      --window;
    }
    if (count > 0) {
      if (complete_to != nullptr) *complete_to = valid <= cap ? hi : -1;
      return count;
    }
    lo = hi + 1;  // none in this window: the next one (nothing below it is left)
  }
  return 0;
}

// The byte scans' second step: of the vertices base + bit for the bits of `mask` (those the
// byte rows let through), the highest that passes the float test and is not in w; -1 if none.
// Plain code, inlined into both vector forms.
template <int M>
inline int HighestPassing(uint64_t mask, int base, const float* const* r, const int* w, float bound) {
  while (mask) {
    const int bit = 63 - __builtin_clzll(mask);
    const int u = base + bit;
    if (Passes<M>(r, u, bound) && !IsMember<M>(w, u)) return u;
    mask &= ~(uint64_t{1} << bit);
  }
  return -1;
}

// ScanCofacetCandidate on the byte rows: the largest v in [lo, end) not in w with
// r[q][v] ≤ bound for all q, or −1; qbound = q(bound). A vertex passes only if its bytes
// are ≤ qbound (monotone map), so 64 vertices are sifted a step and the few that pass
// are tested on the float rows. Below the last whole block, the float scan.
template <int M>
__attribute__((target("avx512f,avx512bw"))) int ScanQuantizedAvx512(const uint8_t* const* qr, const float* const* r,
                                                                    const int* w, int lo, int end, float bound,
                                                                    uint8_t qbound) {
  const __m512i qb = _mm512_set1_epi8(static_cast<char>(qbound));
  int v = end;
  for (; v - 64 >= lo; v -= 64) {
    __m512i x = _mm512_loadu_si512(qr[0] + v - 64);
    for (int q = 1; q < M; ++q) x = _mm512_max_epu8(x, _mm512_loadu_si512(qr[q] + v - 64));
    const int u = HighestPassing<M>(_mm512_cmple_epu8_mask(x, qb), v - 64, r, w, bound);
    if (u >= 0) return u;
  }
  return ScanAvx512<M>(r, w, lo, v, bound);
}

// EdgeLinkVertices (edge_link.h) on the byte rows qa, qb (qd = q(d)): every v ∉ {a, b}
// with ra[v] ≤ d and rb[v] ≤ d, ascending; returns the count.
__attribute__((target("avx512f,avx512bw"))) inline int EdgeLinkVerticesQuantizedAvx512(
    const uint8_t* qa, const uint8_t* qb, const float* ra, const float* rb, int a, int b, int n, float d, uint8_t qd,
    int* out) {
  const __m512i vq = _mm512_set1_epi8(static_cast<char>(qd));
  int k = 0, v = 0;
  auto test = [&](int u) {
    if (ra[u] <= d && rb[u] <= d && u != a && u != b) out[k++] = u;
  };
  for (; v + 64 <= n; v += 64) {
    const __m512i x = _mm512_max_epu8(_mm512_loadu_si512(qa + v), _mm512_loadu_si512(qb + v));
    for (uint64_t mask = _mm512_cmple_epu8_mask(x, vq); mask; mask &= mask - 1) test(v + __builtin_ctzll(mask));
  }
  for (; v < n; ++v) test(v);
  return k;
}

template <int M>
__attribute__((target("avx2"))) int ScanQuantizedAvx2(const uint8_t* const* qr, const float* const* r, const int* w,
                                                      int lo, int end, float bound, uint8_t qbound) {
  const __m256i qb = _mm256_set1_epi8(static_cast<char>(qbound));
  int v = end;
  for (; v - 64 >= lo; v -= 64) {
    const uint64_t mask = AtMost64Avx2(MaxRows64Avx2<M>(qr, static_cast<size_t>(v - 64), _mm256_setzero_si256()), qb);
    const int u = HighestPassing<M>(mask, v - 64, r, w, bound);
    if (u >= 0) return u;
  }
  return ScanAvx2<M>(r, w, lo, v, bound);
}

// ScanCofacetCandidate on the byte rows, in the form `level` names (REQUIRES: AVX2 or
// AVX-512; the scalar form is the float scan).
template <int M>
inline int ScanQuantized(SimdLevel level, const uint8_t* const* qr, const float* const* r, const int* w, int lo,
                         int end, float bound, uint8_t qbound) {
  return level == SimdLevel::kAvx512 ? ScanQuantizedAvx512<M>(qr, r, w, lo, end, bound, qbound)
                                     : ScanQuantizedAvx2<M>(qr, r, w, lo, end, bound, qbound);
}

__attribute__((target("avx2"))) inline int EdgeLinkVerticesQuantizedAvx2(const uint8_t* qa, const uint8_t* qb,
                                                                         const float* ra, const float* rb, int a,
                                                                         int b, int n, float d, uint8_t qd, int* out) {
  const __m256i vq = _mm256_set1_epi8(static_cast<char>(qd));
  const uint8_t* rows[2] = {qa, qb};
  int k = 0, v = 0;
  auto test = [&](int u) {
    if (ra[u] <= d && rb[u] <= d && u != a && u != b) out[k++] = u;
  };
  for (; v + 64 <= n; v += 64) {
    const Bytes64Avx2 x = MaxRows64Avx2<2>(rows, static_cast<size_t>(v), _mm256_setzero_si256());
    for (uint64_t mask = AtMost64Avx2(x, vq); mask; mask &= mask - 1) test(v + __builtin_ctzll(mask));
  }
  for (; v < n; ++v) test(v);
  return k;
}

// The same in the form `level` names (REQUIRES: AVX2 or AVX-512).
inline int EdgeLinkVerticesQuantized(SimdLevel level, const uint8_t* qa, const uint8_t* qb, const float* ra,
                                     const float* rb, int a, int b, int n, float d, uint8_t qd, int* out) {
  return level == SimdLevel::kAvx512 ? EdgeLinkVerticesQuantizedAvx512(qa, qb, ra, rb, a, b, n, d, qd, out)
                                     : EdgeLinkVerticesQuantizedAvx2(qa, qb, ra, rb, a, b, n, d, qd, out);
}

// A sample of the distances of d's upper triangle (about `size` of them) for the quantiser.
inline std::vector<float> SampleDistances(const float* values, size_t n, size_t size) {
  std::vector<float> sample;
  const size_t pairs = n * (n - (n > 0 ? 1 : 0)) / 2;
  const size_t stride = std::max<size_t>(1, pairs / std::max<size_t>(size, 1));
  size_t next = 0, at = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j, ++at) {
      if (at == next) {
        sample.push_back(values[i * n + j]);
        next += stride;
      }
    }
  }
  return sample;
}

}  // namespace panic::tda::internal
