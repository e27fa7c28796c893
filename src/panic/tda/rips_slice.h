// One diameter's slice of a working coboundary in bulk (issue 18, stop 31). Internal to
// tda/, used by RipsReducer (rips_reducer.cpp) in dimension 2 over Z/2 when every edge has
// its own length (rank keys, edge_ranks.h).
//
// With distinct lengths, every simplex of diameter d contains the one edge e = {x, y} of
// length d. The working coboundary's entries of diameter d are tetrahedra {x, y, a, b} with
// a, b in the link L(e) = {v : d(v, x) < d, d(v, y) < d} and d(a, b) < d: edges of the link
// graph G (edge_link.h). Their filtration order (index descending first) is the colex order
// of the pairs {a, b} alone, x and y being common: the earliest entry has the largest a
// (with a pair), then its largest b. So with the slice held as bit rows
// S[i] = {j < i : {i, j} in the slice} over link positions (ascending vertex numbers), the
// pivot is the top bit of the highest non-empty row.
//
// A triangle {x, y, c} has the cofacets {x, y, c, u}, u a neighbour of c in G, at d:
// adding it to the column toggles the star of c in S. An apparent pivot {x, y, a, b}
// (a > b) is one where a is b's top neighbour in G (RipsComplex::ZeroApparentFacet on
// such a tetrahedron: its first facet of diameter d is {x, y, b}, and a must be that
// facet's cofacet candidate); eliminating it adds {x, y, b}: the star of b, which clears
// {a, b} and touches only rows ≤ a below b. Every step of a slice (eliminations, column
// additions cancelling the pivot, entries of other cursors that are all later than the
// pivot) only toggles pairs later than the pivot, so the highest non-empty row never
// rises: `top_` only comes down.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "panic/tda/edge_link.h"

namespace panic::tda::internal {

// The top set bit of a row of `words` words, or −1.
inline int TopBit(const uint64_t* row, int words) {
  for (int w = words - 1; w >= 0; --w) {
    if (row[w] != 0) return 64 * w + 63 - __builtin_clzll(row[w]);
  }
  return -1;
}

// A set of pairs {i, j} (i ≠ j) of positions 0..size−1, as bit rows: row i holds j < i.
class SliceRows {
 public:
  // Empty, over `size` positions.
  void Reset(int size) {
    size_ = size;
    words_ = (size + 63) / 64;
    bits_.assign(static_cast<size_t>(size) * static_cast<size_t>(words_), 0);
    top_ = -1;
  }
  int size() const { return size_; }
  // Toggles the pair {i, j}. REQUIRES: i ≠ j, both < size().
  void Toggle(int i, int j) {
    if (i < j) std::swap(i, j);
    Row(i)[j / 64] ^= uint64_t{1} << (j % 64);
    top_ = std::max(top_, i);
  }
  // Toggles {i, u} for every bit u < limit of `star` (a row of `size()` bits, bit i clear).
  void ToggleStar(int i, const uint64_t* star, int limit) {
    limit = std::min(limit, size_);
    const int below = std::min(i, limit);  // u < i: row i at once, a word at a time
    uint64_t* row = Row(i);
    bool any = false;
    for (int w = 0; w * 64 < below; ++w) {
      uint64_t bits = star[w];
      if (below - 64 * w < 64) bits &= (uint64_t{1} << (below - 64 * w)) - 1;
      row[w] ^= bits;
      any |= bits != 0;
    }
    if (any) top_ = std::max(top_, i);
    // u > i: bit i of row u.
    for (int w = (i + 1) / 64; w * 64 < limit; ++w) {
      uint64_t bits = star[w];
      if (64 * w <= i) bits &= ~((uint64_t{2} << (i % 64)) - 1);  // keep u > i
      if (limit - 64 * w < 64) bits &= (uint64_t{1} << (limit - 64 * w)) - 1;
      while (bits) {
        const int u = 64 * w + 63 - __builtin_clzll(bits);
        bits &= ~(uint64_t{1} << (u % 64));
        Row(u)[i / 64] ^= uint64_t{1} << (i % 64);
        top_ = std::max(top_, u);
      }
    }
  }
  // f(i, j) for every pair {i, j} held (i > j).
  template <typename F>
  void ForEachPair(F f) const {
    for (int i = 0; i <= top_; ++i) {
      const uint64_t* row = bits_.data() + static_cast<size_t>(i) * static_cast<size_t>(words_);
      for (int w = 0; w < words_; ++w) {
        for (uint64_t bits = row[w]; bits != 0; bits &= bits - 1) f(i, 64 * w + __builtin_ctzll(bits));
      }
    }
  }
  // The earliest pair: the highest non-empty row a and its top bit b (b < a); false when
  // empty.
  bool Pivot(int& a, int& b) {
    for (; top_ >= 0; --top_) {
      const int bit = TopBit(Row(top_), words_);
      if (bit >= 0) {
        a = top_;
        b = bit;
        return true;
      }
    }
    return false;
  }

 private:
  uint64_t* Row(int i) { return bits_.data() + static_cast<size_t>(i) * static_cast<size_t>(words_); }
  int size_ = 0, words_ = 0;
  std::vector<uint64_t> bits_;
  int top_ = -1;  // rows above it are empty
};

// The slice a worker's working column is in, if any (RipsReducer's GetPivot and ReduceChain).
struct DiameterSlice {
  // Links larger than this take the heap path (the rows would be |L|² bits).
  static constexpr size_t kMaxVertices = 1024;
  bool active = false;
  float diam = 0;
  int x = 0, y = 0;  // the edge of length diam
  SliceRows rows;    // the column's entries of diameter diam, by positions in the edge's link
  // Cursors whose cofacets of diameter diam are all in `rows`, out of the heap until the
  // slice ends (a column that ends inside it never scans past diam for them).
  std::vector<uint32_t> parked;
};

}  // namespace panic::tda::internal
