// Rank keys: the float distance ties of a point cloud broken by the double-precision
// distance before the exact reduction (issue 18, stop 30). Internal to panic::tda.
//
// Distances of 768-D clouds crowd near one value (√2 on the unit sphere), so their floats
// tie a lot (N = 2 000: 2·10⁶ edges on 0.9·10⁶ floats; dozens an edge at N = 10 000) and
// the kernel breaks those ties by simplex index. Here every edge gets its rank in the order
// (float length, then the double distance, then position) as its "length", a rank key,
// and the kernel runs on the keys; the bars come back through RankValues.
//
// Why it is exact: the key order refines the float order (equal keys have equal floats,
// a smaller float has a smaller key). A simplex's key diameter is the max key of its
// edges, and a monotone map commutes with max, so the key filtration is a refinement of
// the float filtration, simplexwise except where the kernel itself breaks ties. The
// persistence pairs of a refinement, read back in float values, are the float
// filtration's diagram once the bars with birth == death (in floats) are dropped
// (ripser's convention: the diagram has no zero-length bars). Essential bars stay
// essential; a threshold t selects the edges of float length ≤ t, which are exactly the
// keys ≤ KeyAtMost(t).
//
// Keys are the floats whose bit patterns are kRankKeyBase + rank: positive normal floats
// compare exactly like their bit patterns. From 2^-63 up, neither their differences nor
// the scale built from them (the quantizer's arithmetic, quantized_scan.h, the only
// place the kernel computes with lengths rather than comparing them) come near a
// denormal (which FTZ/DAZ would flush) or the float range. 0 stays 0 (the diagonal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "panic/tda/diagram.h"
#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {

constexpr uint32_t kRankKeyBase = 0x20000000;  // 2^-63
// Ranks fit 30 bits (keys stay below 2^65) and an edge's position i·n + j 32 bits; past
// this many edges (N > 46 341) ComputeRips keeps the float lengths. 5·10⁷ edges
// (N = 10 000) span keys 2^-63 … 2^-57.
constexpr size_t kMaxRankedEdges = size_t{1} << 30;

inline float RankKey(uint32_t rank) {
  const uint32_t bits = kRankKeyBase + rank;
  float key;
  std::memcpy(&key, &bits, sizeof key);
  return key;
}

// REQUIRES: key == RankKey(r) for some r.
inline uint32_t KeyRank(float key) {
  uint32_t bits;
  std::memcpy(&bits, &key, sizeof bits);
  return bits - kRankKeyBase;
}

// Rank key → float length: the distinct lengths ascending, each with its first rank
// (8 bytes a distinct length, not one an edge).
class RankValues {
 public:
  RankValues() = default;
  RankValues(std::vector<float> values, std::vector<uint32_t> first, size_t edges)
      : values_(std::move(values)), first_(std::move(first)), edges_(edges) {}

  // The float length of the edge with this key; 0 → 0. REQUIRES: key is 0 or a RankKey
  // of a rank below edges().
  float Value(float key) const;
  // The largest key whose length is ≤ value (0 when no edge is that short): the key-space
  // threshold that keeps exactly the edges of length ≤ value.
  float KeyAtMost(float value) const;
  size_t edges() const { return edges_; }
  size_t distinct() const { return values_.size(); }

 private:
  std::vector<float> values_;    // the distinct lengths, ascending
  std::vector<uint32_t> first_;  // first_[k]: the rank of the first edge of length values_[k]
  size_t edges_ = 0;
};

// Replaces the lengths of `d` by rank keys in both triangles and returns the map back.
// On entry the lower triangle (row i, column j < i) holds the float lengths and the upper
// triangle (d(j, i)) each edge's residual, its double distance minus its float length (as
// CloudDistances(…, residuals = true) leaves them): the residual only orders the edges of
// one float length; ties left after it go by the position i·n + j. REQUIRES: the lengths
// are finite and ≥ 0, n(n − 1)/2 ≤ kMaxRankedEdges.
// Transient memory: 8 bytes an edge (100 MB at N = 5 000, 400 MB at N = 10 000), freed
// before it returns, plus the map.
RankValues RankEdges(DistanceMatrix& d, int threads);

// The diagram of a key filtration read back in float lengths, the bars whose float
// birth equals their float death dropped, sorted (diagram.h).
Diagram DiagramInValues(const Diagram& keyed, const RankValues& values);

}  // namespace panic::tda::internal
