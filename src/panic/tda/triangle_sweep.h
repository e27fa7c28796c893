// The triangles of the Vietoris–Rips complex that must be reduced (the dimension-2
// columns before clearing), found by one sweep over the edges in increasing length with a
// bitset per vertex of its shorter edges: word operations on n bits an edge instead of
// float compares on n distances (triangle_scan.h), so ≈ 64× less data per edge.
//
// Before the edge {x > y} of length L is handled, A_v holds exactly the vertices within
// distance < L of v (every shorter edge has been added; v itself is not in A_v). When no
// other edge of length L touches it or its triangles (kSmallTieGroup below; on clouds of
// real numbers nearly every edge):
// - the triangles it owns (it is their longest edge, triangle_scan.h) are the z in
//   O = A_x ∧ A_y, all of diameter L, with no tie;
// - its cofacet candidate p₁ is the largest vertex of O: {x, y, p₁} is the edge's earliest
//   cofacet and in an apparent pair with it;
// - for z ≠ p₁ in O the triangle's candidate is its largest neighbour in O (the largest v
//   with d(v, x), d(v, y), d(v, z) ≤ L), and the triangle is that tetrahedron's latest facet
//   iff v > z: the facets without x or y have every edge < L. So {x, y, z} is a column iff no
//   vertex of O above z is in A_z.
// The sweep removes from R = O ∖ {p₁} the vertices below each p ∈ O that p's bitset holds,
// p descending, until no survivor is below the next p (survivors above it have met every
// vertex of O above them). After kCandidateSteps vertices the few survivors left are
// checked one by one (a scan of O ∧ A_z above z). Edges with a tie go to the caller's
// exact per-edge test (ties need the float rules); the edges of one length are added to
// the bitsets after all of them are handled.
//
// With several workers each keeps bitsets of its own. A band's edges are cut into parts of
// consecutive groups (never inside a group of ≤ kSmallTieGroup equal lengths), handed out
// in order; a worker that takes a part first adds to its bitsets the edges of the parts the
// others took since its last one (a catch-up: two bits an edge, no triangle work), so that
// its bitsets hold exactly the edges before the part, and then sweeps the part as the
// serial sweep does. No corrections and no barriers; the price is that every worker adds
// every edge to its own bitsets (walk N = 10 000: 0.6–1.0 s a worker of a 19–26 s sweep).
//
// Memory: the bitsets (n² bits a worker) and one band of sorted edges at a time (8 bytes
// an edge; the bands split the lengths by sampled quantiles so that a band stays near a
// byte budget: EdgeBandBytes).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "panic/core/huge_pages.h"
#include "panic/core/parallel.h"
#include "panic/tda/bit_rows.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {

// The bytes one band of sorted edges may take: an eighth of the distance matrix, at
// least 64 MiB (so that small clouds sweep in one band).
size_t EdgeBandBytes(size_t n);

// Length boundaries b₀ = 0 < b₁ < … < b_B of bands of edges of length ≤ threshold, each
// band [b_i, b_{i+1}) (the last closed at threshold) holding about `per_band` edges,
// estimated from a strided sample. Equal lengths always share a band.
std::vector<float> EdgeBands(const DistanceMatrix& d, float threshold, size_t per_band);

// The edges {x > y} with lo ≤ length < hi (≤ hi when `last`), as (length's float bits << 32)
// | edge index x(x − 1)/2 + y, sorted: by length, then by index. `ranked`: the lengths are
// rank keys (edge_ranks.h), and each edge is put at its place without a sort (checked: a
// matrix without them is sorted all the same). REQUIRES n ≤ 92 681 (the index fits 32 bits).
std::vector<uint64_t> SortedEdgesInBand(const DistanceMatrix& d, float lo, float hi, bool last, int threads,
                                        bool ranked = false);
// SortedEdgesInBand on rank keys: each edge has a key of its own and the keys are
// consecutive float patterns, so the band's edges are the ranks [first, end), each put
// straight at its place, with no sort (the sort and the growing lists were ≈ 12 % of the
// assembly's samples, sphere N = 5 000, 2 threads). nullopt when the lengths turn out not
// to be rank keys (an edge outside the ranks, or a place left empty): the caller sorts
// instead. (Lengths that are no rank keys fall outside the ranks; only equal rank keys, which
// RankEdges never makes, could land two edges on one place.)
std::optional<std::vector<uint64_t>> PlacedEdgesInBand(const DistanceMatrix& d, float lo, float hi, bool last,
                                                       int threads);

// The length bits of a sorted edge key (SortedEdgesInBand).
inline uint32_t KeyLengthBits(uint64_t key) { return static_cast<uint32_t>(key >> 32); }

// The largest n the sweep takes (edge indices fit 32 bits).
constexpr size_t kMaxSweepPoints = 92681;

// The highest set bit of the non-zero word m at word index w, as a vertex.
inline int HighestBit(size_t w, uint64_t m) { return static_cast<int>(w * 64) + 63 - std::countl_zero(m); }

// n bits per vertex, the neighbours added so far.
class NeighbourBits {
 public:
  // Huge pages: each edge reads rows at random (walk N = 10 000: 12.5 MB a worker).
  explicit NeighbourBits(size_t n) : words_((n + 63) / 64) {
    core::ReserveHugePages(bits_, n * words_);
    bits_.resize(n * words_, 0);
  }
  size_t words() const { return words_; }
  const uint64_t* row(int v) const { return bits_.data() + static_cast<size_t>(v) * words_; }
  void Add(int u, int v) {
    bits_[static_cast<size_t>(u) * words_ + static_cast<size_t>(v) / 64] |= uint64_t{1} << (v % 64);
    bits_[static_cast<size_t>(v) * words_ + static_cast<size_t>(u) / 64] |= uint64_t{1} << (u % 64);
  }

 private:
  size_t words_;
  std::vector<uint64_t> bits_;
};

// The sweep's per-edge work: the triangles edge {x > y} (no tie of its length) owns that are
// in no apparent pair, `column(z)` for each, from O (`o`, its highest word with a bit `top`:
// IntersectRows) and the bitsets' rows of the vertices of O; `r` is scratch of bits.words()
// words. Returns p₁ (−1 when O is empty).
template <typename Column>
int SingletonEdgeTriangles(const NeighbourBits& bits, const std::vector<uint64_t>& o, int top, std::vector<uint64_t>& r,
                           Column&& column) {
  constexpr int kCandidateSteps = 8;
  if (top < 0) return -1;  // no triangle: no third vertex within L of both
  const int p1 = HighestBit(static_cast<size_t>(top), o[static_cast<size_t>(top)]);
  std::memcpy(r.data(), o.data(), static_cast<size_t>(top + 1) * sizeof(uint64_t));
  r[static_cast<size_t>(p1 / 64)] &= ~(uint64_t{1} << (p1 % 64));
  size_t lo = 0;  // R has no bit in words below lo
  auto below = [](int p) { return (uint64_t{1} << (p % 64)) - 1; };  // bits under p in its word
  int p = p1;
  for (int step = 0;; ++step) {
    const size_t pw = static_cast<size_t>(p / 64);
    while (lo < pw && r[lo] == 0) ++lo;
    if (lo > pw || (lo == pw && (r[pw] & below(p)) == 0)) break;  // no survivor below p
    if (step == kCandidateSteps) {
      // The survivors z below p, one by one: a column unless some vertex of O in (z, p]
      // is a neighbour of z (those above p were tested already; p itself was not).
      for (size_t w = lo; w <= pw; ++w) {
        uint64_t m = w == pw ? r[w] & below(p) : r[w];
        for (; m; m &= m - 1) {
          const int z = static_cast<int>(w * 64) + std::countr_zero(m);
          const uint64_t* az = bits.row(z);
          bool apparent = false;
          for (size_t u = static_cast<size_t>(z / 64); u <= pw && !apparent; ++u) {
            uint64_t hits = o[u] & az[u];
            if (u == static_cast<size_t>(z / 64)) hits &= ~((uint64_t{2} << (z % 64)) - 1);  // above z
            if (u == pw) hits &= below(p) | (uint64_t{1} << (p % 64));
            apparent = hits != 0;
          }
          if (apparent) r[w] &= ~(uint64_t{1} << (z % 64));
        }
      }
      break;
    }
    const uint64_t* ap = bits.row(p);
    lo = ClearRowBits(r.data(), ap, lo, pw);  // and the first survivor's word: R has none below it
    r[pw] &= ~(ap[pw] & below(p));
    // The next vertex of O below p.
    int next = -1;
    uint64_t m = o[pw] & below(p);
    if (m) {
      next = HighestBit(pw, m);
    } else {
      for (size_t w = pw; w-- > 0;) {
        if (o[w]) {
          next = HighestBit(w, o[w]);
          break;
        }
      }
    }
    if (next < 0) break;
    p = next;
  }
  for (size_t w = lo; w <= static_cast<size_t>(top); ++w) {
    for (uint64_t m = r[w]; m; m &= m - 1) column(static_cast<int>(w * 64) + std::countr_zero(m));
  }
  return p1;
}

// Equal float lengths are common (N = 2 000 points at distances 1.3–1.5 give 2·10⁶ edges
// on ≈ 1.7·10⁶ floats; at N = 10 000, 5·10⁷ edges share groups of dozens). Another edge
// {u, w} of length L matters to the edge {x, y} when it touches x or y (a third vertex at distance exactly L: the ownership rules change), and
// else, when both u and w are in O, only to the triangles {x, y, u} and {x, y, w} (u's
// candidate may be w at exactly L, and the facet {·, u, w} is then not shorter); no other
// triangle of {x, y} has an edge of length L but xy. So in a group of at most
// kSmallTieGroup edges an edge touched by another goes to the exact per-edge test, and the
// others are swept with the triangles on the other edges' ends decided by
// TiedTriangleIsColumn (O(group) bit tests an edge); in larger groups (lattices) every edge
// takes the per-edge test.
constexpr size_t kSmallTieGroup = 1024;

// Whether {x, y, u} (u ∈ O, u ≠ p₁; `o` holds O, `au` is u's row, `words` words) is a
// column when the edges `tied` of length L have both ends in O. u's candidate v is the
// largest of O ∧ A_u and of u's tied neighbours. From A_u, as for an untied edge: the
// facets without x or y have every edge shorter than L, so the triangle is the
// tetrahedron's latest facet iff v > u. From a tied edge uv of length L, every facet but
// {x, y, u} without xy contains uv: the triangle is the latest facet iff x, y and u are
// all below v.
inline bool TiedTriangleIsColumn(const uint64_t* au, size_t words, const std::vector<uint64_t>& o, int x, int y,
                                 int u, const std::vector<std::pair<int, int>>& tied) {
  int strict = -1;  // the largest vertex of O ∧ A_u
  for (size_t w = words; w-- > 0;) {
    if (const uint64_t m = o[w] & au[w]) {
      strict = std::max(strict, HighestBit(w, m));
      break;
    }
  }
  int at_length = -1;  // the largest tied neighbour of u
  for (const auto& [a, b] : tied) {
    if (a == u) at_length = std::max(at_length, b);
    if (b == u) at_length = std::max(at_length, a);
  }
  if (at_length > strict) return !(x < at_length && y < at_length && u < at_length);
  return strict < u;  // no candidate (−1), or one below u: not the latest facet
}

struct SweepStats {
  size_t tied_triangles = 0;  // triangles decided by TiedTriangleIsColumn
  size_t tie_edges = 0;       // edges given to tie_edge
  size_t parts = 0;           // parts swept, over all bands
  size_t caught_up = 0;       // edges added to a worker's bitsets by a catch-up, over all workers
};

// One worker's bitsets and scratch.
struct SweepWorker {
  explicit SweepWorker(size_t n) : bits(n), o(bits.words()), r(bits.words()) {}
  NeighbourBits bits;
  size_t at = 0;                                    // the band position its bits hold every edge before
  std::vector<uint64_t> o, r;                       // O, the survivors
  std::vector<std::pair<int, int>> group;           // the group being swept
  std::vector<int> group_ends;                      // their ends, sorted
  std::vector<std::pair<int, int>> tied;            // the other edges of that length with both ends in O
  std::vector<int> others;                          // their ends
  SweepStats stats;
};

// The vertices {x > y} of a sorted edge key (SortedEdgesInBand).
inline std::pair<int, int> KeyVertices(uint64_t key) {
  // x(x − 1)/2 ≤ e < x(x + 1)/2: x from the square root, corrected by one step either way.
  const auto e = static_cast<int64_t>(key & 0xFFFFFFFFu);
  auto x = static_cast<int64_t>((1.0 + std::sqrt(1.0 + 8.0 * static_cast<double>(e))) / 2.0);
  while (x * (x - 1) / 2 > e) --x;
  while ((x + 1) * x / 2 <= e) ++x;
  return {static_cast<int>(x), static_cast<int>(e - x * (x - 1) / 2)};
}

inline float KeyLength(uint64_t key) {
  float length;
  const uint32_t length_bits = KeyLengthBits(key);
  std::memcpy(&length, &length_bits, sizeof length);
  return length;
}

// The edges s.group, all of length L (the whole group of that length, or with `per_edge` a
// piece of a group of more than the sweep's max_tie_group: every edge to tie_edge), against
// s.bits, which hold every shorter edge.
template <typename Column, typename TieEdge>
void SweepGroup(bool per_edge, float length, SweepWorker& s, Column&& column, TieEdge&& tie_edge) {
  const NeighbourBits& bits = s.bits;
  const std::span<const std::pair<int, int>> group(s.group);
  if (per_edge) {
    for (const auto& [x, y] : group) tie_edge(x, y, length);
    s.stats.tie_edges += group.size();
    return;
  }
  const size_t words = bits.words();
  s.group_ends.clear();
  if (group.size() > 1) {
    for (const auto& [x, y] : group) {
      s.group_ends.push_back(x);
      s.group_ends.push_back(y);
    }
    std::sort(s.group_ends.begin(), s.group_ends.end());
  }
  for (const auto& [x, y] : group) {
    // Touched: another edge of this length ends at x or y (each end's count in the group).
    auto ends_at = [&](int v) {
      return std::upper_bound(s.group_ends.begin(), s.group_ends.end(), v) -
             std::lower_bound(s.group_ends.begin(), s.group_ends.end(), v);
    };
    if (group.size() > 1 && (ends_at(x) > 1 || ends_at(y) > 1)) {
      ++s.stats.tie_edges;
      tie_edge(x, y, length);
      continue;
    }
    const uint64_t* ax = bits.row(x);
    const uint64_t* ay = bits.row(y);
    const int top = IntersectRows(ax, ay, words, s.o.data());  // O = A_x ∧ A_y (bit_rows.h)
    // (x, y are copied into the lambda: clang 14 cannot capture structured bindings.)
    auto keep = [&, ex = x, ey = y](int z) { column(ex, ey, z, length); };
    if (group.size() == 1) {  // the common case without the tie bookkeeping (walk N = 5 000: 8 % of the edges)
      SingletonEdgeTriangles(bits, s.o, top, s.r, keep);
      continue;
    }
    // The other edges with both ends in O: the triangles {x, y, u}, {x, y, w} are decided
    // apart (TiedTriangleIsColumn); an end outside O is no candidate at L.
    auto in_o = [&](int v) { return (s.o[static_cast<size_t>(v) / 64] >> (v % 64)) & 1; };
    s.tied.clear();
    for (const auto& [u, w] : group) {
      if ((u != x || w != y) && in_o(u) && in_o(w)) s.tied.emplace_back(u, w);
    }
    s.others.clear();
    for (const auto& [u, w] : s.tied) {
      s.others.push_back(u);
      s.others.push_back(w);
    }
    std::sort(s.others.begin(), s.others.end());
    s.others.erase(std::unique(s.others.begin(), s.others.end()), s.others.end());
    auto other = [&](int z) { return std::binary_search(s.others.begin(), s.others.end(), z); };
    const int p1 = SingletonEdgeTriangles(bits, s.o, top, s.r, [&](int z) {
      if (!other(z)) keep(z);
    });
    for (const int z : s.others) {  // {x, y, p₁} is the edge's apparent cofacet all the same
      if (z == p1) continue;
      ++s.stats.tied_triangles;
      if (TiedTriangleIsColumn(bits.row(z), words, s.o, x, y, z, s.tied)) {
        column(x, y, z, length);
      }
    }
  }
}

// Whether the group of equal lengths holding keys[a, b) has more than `max_group` edges
// (looking at most max_group + 1 keys past either end).
inline bool LargeGroup(const std::vector<uint64_t>& keys, size_t a, size_t b, size_t max_group) {
  size_t count = b - a;
  for (size_t i = a; i > 0 && count <= max_group && KeyLengthBits(keys[i - 1]) == KeyLengthBits(keys[a]); --i) ++count;
  for (size_t i = b; i < keys.size() && count <= max_group && KeyLengthBits(keys[i]) == KeyLengthBits(keys[a]); ++i) {
    ++count;
  }
  return count > max_group;
}

// The starts of a band's parts, and its end: about `target` edges a part, never splitting a
// group of at most max_group equal lengths (a larger one takes the per-edge test, which
// reads no bitset, and may be split).
inline std::vector<size_t> PartStarts(const std::vector<uint64_t>& keys, size_t target, size_t max_group) {
  std::vector<size_t> starts{0};
  while (starts.back() < keys.size()) {
    size_t end = std::min(keys.size(), starts.back() + std::max<size_t>(target, 1));
    if (end < keys.size() && KeyLengthBits(keys[end - 1]) == KeyLengthBits(keys[end]) &&
        !LargeGroup(keys, end - 1, end, max_group)) {
      while (end < keys.size() && KeyLengthBits(keys[end]) == KeyLengthBits(keys[end - 1])) ++end;
    }
    starts.push_back(end);
  }
  return starts;
}

// Adds keys[s.at, to) to the worker's bitsets (the edges other workers swept).
inline void CatchUp(const std::vector<uint64_t>& keys, size_t to, SweepWorker& s) {
  s.stats.caught_up += to - s.at;
  for (; s.at < to; ++s.at) {
    const auto [x, y] = KeyVertices(keys[s.at]);
    s.bits.Add(x, y);
  }
}

// The part keys[begin, end) swept one group of equal lengths at a time, each group's edges
// added to the worker's bitsets after it. REQUIRES s.at = begin.
template <typename Column, typename TieEdge>
void SweepPart(const std::vector<uint64_t>& keys, size_t begin, size_t end, size_t max_tie_group, SweepWorker& s,
               Column&& column, TieEdge&& tie_edge) {
  for (size_t i = begin; i < end;) {
    size_t j = i + 1;  // [i, j): the edges of one length
    while (j < end && KeyLengthBits(keys[j]) == KeyLengthBits(keys[i])) ++j;
    s.group.clear();
    for (size_t k = i; k < j; ++k) s.group.push_back(KeyVertices(keys[k]));
    SweepGroup(LargeGroup(keys, i, j, max_tie_group), KeyLength(keys[i]), s, column, tie_edge);
    for (const auto& [x, y] : s.group) s.bits.Add(x, y);
    i = j;
  }
  s.at = end;
  ++s.stats.parts;
}

// A part holds about SweepPartEdges(n) edges: the parts are handed out one at a time, so
// they only need to be small enough that the last ones of a band end nearly together.
inline size_t SweepPartEdges(size_t n) { return std::max<size_t>(4096, 8 * n); }

struct SweepOptions {
  int threads = 1;            // place or sort the bands; the callbacks' `worker` is below it
  int workers = 0;            // sweep workers, each with its own bitsets; 0: `threads` (never more)
  size_t band_edges = 0;      // a band holds about this many edges (0: the budget of EdgeBandBytes)
  size_t max_tie_group = 0;   // larger groups of equal lengths take the per-edge test (0: kSmallTieGroup)
  size_t part_edges = 0;      // a part holds about this many edges (0: SweepPartEdges(n))
  bool ranked = false;        // the lengths are rank keys (SortedEdgesInBand)
};

// The sweep: for every edge {x > y} of length L ≤ threshold in increasing length,
// `column(worker, x, y, z, L)` for each triangle it owns in no apparent pair; where another
// edge of length L touches it, `tie_edge(worker, x, y, L)` instead (the caller tests that
// edge's triangles exactly). `worker` ∈ [0, threads); the calls come in no fixed order.
// `stats`, when given, counts the tie paths taken and the parts. With one worker the parts
// follow each other on it; with more, each worker catches up on the parts the others took
// before it sweeps its next one. REQUIRES d.n ≤ kMaxSweepPoints.
template <typename Column, typename TieEdge>
void SweepTriangles(const DistanceMatrix& d, float threshold, const SweepOptions& o, Column&& column,
                    TieEdge&& tie_edge, SweepStats* stats = nullptr) {
  const size_t n = d.n;
  const int threads = std::max(o.threads, 1);
  const size_t workers = static_cast<size_t>(std::clamp(o.workers != 0 ? o.workers : threads, 1, threads));
  const size_t part_edges = o.part_edges != 0 ? o.part_edges : SweepPartEdges(n);
  const size_t max_tie_group = o.max_tie_group != 0 ? o.max_tie_group : kSmallTieGroup;
  std::vector<SweepWorker> sweepers;
  sweepers.reserve(workers);
  // Built in place: where O and R lie matters (stop 29: the serial sweep alone, walk
  // N = 5 000, scratch built by copies 8.5–10.9 s, in place 7.9–9.1 s).
  for (size_t w = 0; w < workers; ++w) sweepers.emplace_back(n);
  const std::vector<float> bounds =
      EdgeBands(d, threshold, o.band_edges != 0 ? o.band_edges : EdgeBandBytes(n) / sizeof(uint64_t));
  for (size_t band = 0; band + 1 < bounds.size(); ++band) {
    const std::vector<uint64_t> edges =
        SortedEdgesInBand(d, bounds[band], bounds[band + 1], band + 2 == bounds.size(), threads, o.ranked);
    const std::vector<size_t> starts = PartStarts(edges, part_edges, max_tie_group);
    std::atomic<size_t> next_part{0};
    // One item a sweeper: its bitsets are used by one thread at a time, whichever runs it.
    ParallelFor(workers, 1, static_cast<int>(workers), [&](size_t item, size_t, int worker) {
      SweepWorker& s = sweepers[item];
      s.at = 0;
      auto keep = [&](int x, int y, int z, float length) { column(worker, x, y, z, length); };
      auto exact = [&](int x, int y, float length) { tie_edge(worker, x, y, length); };
      // Parts are taken in increasing order, so a worker's catch-ups only move forward.
      for (size_t k; (k = next_part.fetch_add(1, std::memory_order_relaxed)) + 1 < starts.size();) {
        CatchUp(edges, starts[k], s);
        SweepPart(edges, starts[k], starts[k + 1], max_tie_group, s, keep, exact);
      }
      CatchUp(edges, edges.size(), s);  // the band's last parts, for the next band
    });
  }
  if (stats != nullptr) {
    for (const SweepWorker& s : sweepers) {
      stats->tied_triangles += s.stats.tied_triangles;
      stats->tie_edges += s.stats.tie_edges;
      stats->parts += s.stats.parts;
      stats->caught_up += s.stats.caught_up;
    }
  }
}

}  // namespace panic::tda::internal
