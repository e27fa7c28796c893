// Same-diameter cofacets from an edge's link (issue 18, stop 29). A simplex σ of diameter d
// has an edge {a, b} of length d, and its cofacets σ ∪ {v} of diameter d are exactly the
// vertices v of the link L(ab) = {v ∉ {a, b} : d(a, v) ≤ d, d(b, v) ≤ d} that are within d
// of σ's other vertices too. In a heavy column of the unit-sphere walk most simplices added
// at one moment share that edge (an apparent-pair elimination adds a facet of the pivot,
// which has the pivot's longest edge), so the reducer keeps the links of the last few
// edges (RipsReducer's EdgeLinkCache) and enumerates a simplex's own-diameter cofacets from
// the ≈ 50 link vertices instead of scanning M full rows (ScanCofacetCandidate).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "panic/tda/cofacet_scan.h"
#include "panic/tda/quantized_scan.h"

namespace panic::tda::internal {

// L(ab) at bound d, ascending, into out (room for n); returns its size.
inline int EdgeLinkScalar(const float* ra, const float* rb, int a, int b, int n, float d, int* out) {
  int k = 0;
  for (int v = 0; v < n; ++v) {
    if (ra[v] <= d && rb[v] <= d && v != a && v != b) out[k++] = v;
  }
  return k;
}

__attribute__((target("avx512f"))) inline int EdgeLinkAvx512(const float* ra, const float* rb, int a, int b,
                                                               int n, float d, int* out) {
  const __m512 vd = _mm512_set1_ps(d);
  const __m512i step = _mm512_set1_epi32(16);
  __m512i vidx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  int k = 0, v = 0;
  for (; v + 16 <= n; v += 16, vidx = _mm512_add_epi32(vidx, step)) {
    const __mmask16 ok = _mm512_cmp_ps_mask(_mm512_loadu_ps(ra + v), vd, _CMP_LE_OQ) &
                         _mm512_cmp_ps_mask(_mm512_loadu_ps(rb + v), vd, _CMP_LE_OQ);
    if (!ok) continue;
    _mm512_mask_compressstoreu_epi32(out + k, ok, vidx);
    k += __builtin_popcount(ok);
  }
  for (; v < n; ++v) {
    if (ra[v] <= d && rb[v] <= d) out[k++] = v;
  }
  // a and b pass their own tests (d(a, a) = 0, d(a, b) = d): drop them.
  int kept = 0;
  for (int i = 0; i < k; ++i) {
    if (out[i] != a && out[i] != b) out[kept++] = out[i];
  }
  return kept;
}

inline int EdgeLinkVertices(SimdLevel level, const float* ra, const float* rb, int a, int b, int n, float d, int* out) {
  if (level == SimdLevel::kAvx512) return EdgeLinkAvx512(ra, rb, a, b, n, d, out);
  return EdgeLinkScalar(ra, rb, a, b, n, d, out);
}

// The link graph of one edge, its rows filled on demand: bit j of row i says whether
// link vertices i and j are within d (i ≠ j). A simplex of diameter d whose longest edge
// is {a, b} has its other vertices in L(ab) (they are within d of a and b), so its
// own-diameter cofacets are the common neighbours of those vertices in the link graph:
// an AND of their rows. At most |L| distinct simplices of diameter d contain the edge,
// while a heavy column adds hundreds of them, so a row is read from the distances once
// and reused (reading d(c, v) for the ≈ 50 scattered v of the link is a cache miss each).
class EdgeLink {
 public:
  // Links larger than this are not used (their graph would take |L|² bits; the heavy
  // columns' links have ≈ 50–200 vertices): the reducer scans instead.
  static constexpr size_t kMaxVertices = 2048;
  // Builds the link of edge {a, b} at bound d (ra, rb: their rows of n distances).
  void Build(SimdLevel level, const float* ra, const float* rb, int a, int b, int n, float d) {
    vertices_.resize(static_cast<size_t>(n));
    vertices_.resize(static_cast<size_t>(EdgeLinkVertices(level, ra, rb, a, b, n, d, vertices_.data())));
    Reset(d);
  }
  // The same from the byte rows qa, qb of a and b (quantized_scan.h; qd = q(d); REQUIRES:
  // level AVX2 or AVX-512).
  void BuildQuantized(SimdLevel level, const uint8_t* qa, const uint8_t* qb, const float* ra, const float* rb, int a,
                      int b, int n, float d, uint8_t qd) {
    vertices_.resize(static_cast<size_t>(n));
    vertices_.resize(
        static_cast<size_t>(EdgeLinkVerticesQuantized(level, qa, qb, ra, rb, a, b, n, d, qd, vertices_.data())));
    Reset(d);
  }
  const std::vector<int>& vertices() const { return vertices_; }
  // The position of v in the link (it must be there).
  int Position(int v) const {
    return static_cast<int>(std::lower_bound(vertices_.begin(), vertices_.end(), v) - vertices_.begin());
  }
  // Row i of the link graph; `row_of_vi` is the distance row of vertex vertices()[i].
  const uint64_t* Row(int i, const float* row_of_vi) {
    uint64_t* bits = rows_.data() + static_cast<size_t>(i) * words_;
    if (!have_[static_cast<size_t>(i)]) {
      std::fill(bits, bits + words_, uint64_t{0});
      for (size_t j = 0; j < vertices_.size(); ++j) {
        if (row_of_vi[vertices_[j]] <= d_ && static_cast<int>(j) != i) bits[j / 64] |= uint64_t{1} << (j % 64);
      }
      have_[static_cast<size_t>(i)] = 1;
    }
    return bits;
  }

 private:
  // No rows yet (each is zeroed and filled on its first use).
  void Reset(float d) {
    words_ = (vertices_.size() + 63) / 64;
    rows_.resize(vertices_.size() * words_);
    have_.assign(vertices_.size(), 0);
    d_ = d;
  }
  std::vector<int> vertices_;  // ascending
  std::vector<uint64_t> rows_;
  std::vector<uint8_t> have_;
  size_t words_ = 0;
  float d_ = 0;
};

// The next own-diameter cofacets of σ below v0 from the link graph: up to `cap` vertices
// v < v0 of the link whose bits are set in all K rows (σ's vertices outside its edge),
// in descending order — the order in which repeated ScanCofacetCandidate calls from v0
// down return them. Returns how many.
inline int LinkCofacets(const std::vector<int>& link, const uint64_t* const* rows, int k, int v0, int cap,
                        int* out) {
  const int end = static_cast<int>(std::lower_bound(link.begin(), link.end(), v0) - link.begin());  // first ≥ v0
  int count = 0;
  for (int wd = (end + 63) / 64 - 1; wd >= 0 && count < cap; --wd) {
    uint64_t bits = rows[0][wd];
    for (int q = 1; q < k; ++q) bits &= rows[q][wd];
    const int below = end - 64 * wd;  // positions ≥ end are not wanted
    if (below < 64) bits &= (uint64_t{1} << below) - 1;
    while (bits && count < cap) {
      const int bit = 63 - __builtin_clzll(bits);
      out[count++] = link[static_cast<size_t>(64 * wd + bit)];
      bits &= ~(uint64_t{1} << bit);
    }
  }
  return count;
}

// The links of the last few edges one worker used, replaced round-robin.
class EdgeLinkCache {
 public:
  static constexpr int kSlots = 8;
  // The link of the edge with index `key`, or nullptr when it is not cached.
  EdgeLink* Find(int64_t key) {
    for (int s = 0; s < kSlots; ++s) {
      if (key_[s] == key) return &link_[s];
    }
    return nullptr;
  }
  // Builds the link of edge {a, b} (index key, length d) in the oldest slot.
  EdgeLink& Build(SimdLevel level, int64_t key, const float* ra, const float* rb, int a, int b, int n, float d) {
    const int s = next_;
    next_ = (next_ + 1) % kSlots;
    link_[s].Build(level, ra, rb, a, b, n, d);
    key_[s] = key;
    return link_[s];
  }
  EdgeLink& BuildQuantized(SimdLevel level, int64_t key, const uint8_t* qa, const uint8_t* qb, const float* ra,
                           const float* rb, int a, int b, int n, float d, uint8_t qd) {
    const int s = next_;
    next_ = (next_ + 1) % kSlots;
    link_[s].BuildQuantized(level, qa, qb, ra, rb, a, b, n, d, qd);
    key_[s] = key;
    return link_[s];
  }

 private:
  int64_t key_[kSlots] = {-1, -1, -1, -1, -1, -1, -1, -1};
  EdgeLink link_[kSlots];
  int next_ = 0;
};

}  // namespace panic::tda::internal
