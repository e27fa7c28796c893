// The parallel sweep's chunks (triangle_sweep.h): consecutive sorted edges, handled by the
// workers at once against the bitsets as they were before the chunk, and corrected for the
// chunk's edges that precede each one.
//
// The invariant. Let the edge e = {x > y} of length L start its group (its equal lengths) at
// chunk position g. The serial sweep reads the rows A' = A + E, where A are the bitsets before
// the chunk and E the chunk's edges at positions < g (all shorter than L; the group's own
// edges are never in the rows it reads). The worker reads A, and:
// - O = A_x ∧ A_y is completed by E's edges at x and y to O = A'_x ∧ A'_y (CompleteO), and
//   the largest vertex of O ∧ A_u of a tied triangle by E's edges at u (TopNeighbourIn), so
//   O, its top p₁ and the tie decisions are exact;
// - the other rows read are A_z for z ∈ O. The sweep's rule on them is "{x, y, z} is a
//   column iff no vertex of O above z is in A_z"; A_z ⊆ A'_z, so the rows before the chunk
//   find every column and maybe more: a triangle found is not a column exactly when E has
//   an edge {z, w} with w > z in O (EarlierChunkEdges::CoveredAbove). Bits of vertices
//   outside O are never read (every test is masked by O).
// After the chunk its edges are added to the bitsets (between two barriers: no worker reads).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace panic::tda::internal {

// The edges of one chunk by vertex: for each vertex its chunk edges in chunk order, stored
// contiguously per vertex (only the chunk's vertices take slots: O(chunk) a chunk).
class ChunkEdges {
 public:
  explicit ChunkEdges(size_t n) : at_(n, Vertex{-1, kNone}) {}
  // `edges[k]` = {x, y}: the chunk's edges in sweep order. REQUIRES Clear of the last Build.
  void Build(const std::vector<std::pair<int, int>>& edges) {
    vertices_.clear();
    offsets_.clear();
    auto count = [&](int v, size_t k) {
      Vertex& at = at_[static_cast<size_t>(v)];
      if (at.slot < 0) {
        at = {static_cast<int>(vertices_.size()), static_cast<int>(k)};
        vertices_.push_back(v);
        offsets_.push_back(0);
      }
      ++offsets_[static_cast<size_t>(at.slot)];
    };
    for (size_t k = 0; k < edges.size(); ++k) {
      count(edges[k].first, k);
      count(edges[k].second, k);
    }
    // offsets_[s] = the end of slot s's entries, then (after the fill) its start.
    size_t sum = 0;
    for (int& o : offsets_) {
      sum += static_cast<size_t>(o);
      o = static_cast<int>(sum);
    }
    offsets_.push_back(static_cast<int>(sum));
    entries_.resize(sum);
    for (size_t k = edges.size(); k-- > 0;) {
      const auto [x, y] = edges[k];
      entries_[static_cast<size_t>(--offsets_[static_cast<size_t>(at_[static_cast<size_t>(x)].slot)])] = {static_cast<int>(k), y};
      entries_[static_cast<size_t>(--offsets_[static_cast<size_t>(at_[static_cast<size_t>(y)].slot)])] = {static_cast<int>(k), x};
    }
  }
  void Clear() {
    for (const int v : vertices_) at_[static_cast<size_t>(v)] = {-1, kNone};
  }
  // The chunk position of v's first edge (max int: none).
  int First(int v) const { return at_[static_cast<size_t>(v)].first; }
  // f(w) for each chunk edge {v, w} at a position < before.
  template <typename F>
  void ForEachBefore(int v, int before, F&& f) const {
    const int slot = at_[static_cast<size_t>(v)].slot;
    if (slot < 0) return;
    const auto end = static_cast<size_t>(offsets_[static_cast<size_t>(slot) + 1]);
    for (auto i = static_cast<size_t>(offsets_[static_cast<size_t>(slot)]); i < end && entries_[i].first < before; ++i) {
      f(entries_[i].second);
    }
  }

 private:
  static constexpr int kNone = std::numeric_limits<int>::max();
  struct Vertex {
    int slot;   // −1: no chunk edge
    int first;  // the chunk position of its first edge (kNone: none)
  };
  std::vector<Vertex> at_;                       // per vertex
  std::vector<int> vertices_;                    // per slot: the vertex
  std::vector<int> offsets_;                     // per slot: where its entries start (and the end)
  std::vector<std::pair<int, int>> entries_;     // (chunk position, other end), by slot, by position
};

// A worker's marks on vertices (one round an edge; cleared only when the round wraps).
struct VertexMarks {
  explicit VertexMarks(size_t n) : round_of(n, 0) {}
  uint32_t NextRound() {
    if (++round == 0) {
      std::fill(round_of.begin(), round_of.end(), 0);
      round = 1;
    }
    return round;
  }
  std::vector<uint32_t> round_of;
  uint32_t round = 0;
};

// The serial sweep's view: every shorter edge is in the bitsets.
struct NoEarlierEdges {
  void CompleteO(int, int, const uint64_t*, const uint64_t*, uint64_t*, int&) const {}
  bool CoveredAbove(int, const uint64_t*) const { return false; }
  int TopNeighbourIn(int, const uint64_t*) const { return -1; }
};

// A worker's view of the chunk edges before position `before` (its group's start). Its
// tests are kept out of line: inlined into SweepGroup they slowed the whole per-edge work
// (walk N = 5 000, the sweep alone with 1 worker in chunks of 2 500: 9.1 / 9.1 / 8.7 s
// inlined, 7.7 / 7.7 / 8.9 s out of line, alternated, loaded machine).
struct EarlierChunkEdges {
  const ChunkEdges& chunk;
  int before;
  VertexMarks& marks;
  // O = A_x ∧ A_y (`o`, its highest word with a bit `top`) completed to A'_x ∧ A'_y: the
  // edges {x, w} with w ∈ A'_y (in A_y, or an edge {y, w} here) and {y, w} with w ∈ A_x.
  [[gnu::noinline]] void CompleteO(int x, int y, const uint64_t* ax, const uint64_t* ay, uint64_t* o, int& top) const {
    if (chunk.First(x) >= before && chunk.First(y) >= before) return;
    auto set = [&](int w) {
      o[static_cast<size_t>(w) / 64] |= uint64_t{1} << (w % 64);
      top = std::max(top, w / 64);
    };
    auto in = [](const uint64_t* row, int w) { return (row[static_cast<size_t>(w) / 64] >> (w % 64)) & 1; };
    const uint32_t round = marks.NextRound();
    chunk.ForEachBefore(y, before, [&](int w) {
      marks.round_of[static_cast<size_t>(w)] = round;
      if (in(ax, w)) set(w);
    });
    chunk.ForEachBefore(x, before, [&](int w) {
      if (in(ay, w) || marks.round_of[static_cast<size_t>(w)] == round) set(w);
    });
  }
  // Whether one of those edges is {z, w} with w > z in O (the bits `o`).
  [[gnu::noinline]] bool CoveredAbove(int z, const uint64_t* o) const {
    bool covered = false;
    chunk.ForEachBefore(z, before, [&](int w) {
      covered = covered || (w > z && ((o[static_cast<size_t>(w) / 64] >> (w % 64)) & 1));
    });
    return covered;
  }
  // The largest w in O with an edge {u, w} here (−1: none).
  [[gnu::noinline]] int TopNeighbourIn(int u, const uint64_t* o) const {
    int top = -1;
    chunk.ForEachBefore(u, before, [&](int w) {
      if ((o[static_cast<size_t>(w) / 64] >> (w % 64)) & 1) top = std::max(top, w);
    });
    return top;
  }
};

// The length bits of a sorted edge key (SortedEdgesInBand).
inline uint32_t KeyLengthBits(uint64_t key) { return static_cast<uint32_t>(key >> 32); }

// A piece of a chunk for one worker: whole groups of equal lengths, or (`per_edge`) part of
// a group too large for the bitset rules, whose edges all take the exact per-edge test.
struct SweepUnit {
  size_t begin, end;  // band positions
  bool per_edge;
};

// Whether the group of equal lengths holding keys[a, b) has more than `max_group` edges
// (looking at most max_group + 1 keys past either end).
inline bool LargeGroup(const std::vector<uint64_t>& keys, size_t a, size_t b, size_t max_group) {
  size_t count = b - a;
  for (size_t i = a; i > 0 && count <= max_group && KeyLengthBits(keys[i - 1]) == KeyLengthBits(keys[a]); --i) ++count;
  for (size_t i = b; i < keys.size() && count <= max_group && KeyLengthBits(keys[i]) == KeyLengthBits(keys[a]); ++i) ++count;
  return count > max_group;
}

// The end of the chunk that starts at `begin`: about `target` edges, never splitting a group
// of at most max_group equal lengths (a larger one takes the per-edge test and may be split).
inline size_t ChunkEnd(const std::vector<uint64_t>& keys, size_t begin, size_t target, size_t max_group) {
  size_t end = std::min(keys.size(), begin + std::max<size_t>(target, 1));
  if (end == keys.size() || KeyLengthBits(keys[end - 1]) != KeyLengthBits(keys[end])) return end;
  if (LargeGroup(keys, end - 1, end, max_group)) return end;
  while (end < keys.size() && KeyLengthBits(keys[end]) == KeyLengthBits(keys[end - 1])) ++end;
  return end;
}

// The chunk keys[begin, end) in units of about `unit_edges` edges.
inline void PlanUnits(const std::vector<uint64_t>& keys, size_t begin, size_t end, size_t max_group, size_t unit_edges,
                      std::vector<SweepUnit>& units) {
  units.clear();
  size_t open = begin;  // the start of the unit being filled with small groups
  for (size_t i = begin; i < end;) {
    size_t j = i + 1;
    while (j < end && KeyLengthBits(keys[j]) == KeyLengthBits(keys[i])) ++j;
    if (LargeGroup(keys, i, j, max_group)) {
      if (open < i) units.push_back({open, i, false});
      for (size_t a = i; a < j; a += unit_edges) units.push_back({a, std::min(j, a + unit_edges), true});
      open = j;
    } else if (j - open >= unit_edges) {
      units.push_back({open, j, false});
      open = j;
    }
    i = j;
  }
  if (open < end) units.push_back({open, end, false});
}

// One chunk, prepared: its edges' vertices, its edges by vertex, its units.
struct SweepChunk {
  explicit SweepChunk(size_t n) : by_vertex(n) {}
  // The chunk of about `target` edges from keys[from] on (none when from = keys.size()).
  template <typename Vertices>
  void Prepare(const std::vector<uint64_t>& keys, size_t from, size_t target, size_t max_group, size_t unit_edges,
               Vertices&& vertices_of) {
    by_vertex.Clear();
    begin = end = from;
    vertices.clear();
    units.clear();
    if (from == keys.size()) return;
    end = ChunkEnd(keys, begin, target, max_group);
    for (size_t k = begin; k < end; ++k) vertices.push_back(vertices_of(keys[k]));
    by_vertex.Build(vertices);
    PlanUnits(keys, begin, end, max_group, unit_edges, units);
  }
  size_t begin = 0, end = 0;                     // band positions
  std::vector<std::pair<int, int>> vertices;     // per edge
  ChunkEdges by_vertex;
  std::vector<SweepUnit> units;
};

}  // namespace panic::tda::internal
