// The sparse-graph backend of ComputeApproximateRips, part 3: the apparent pairs of
// dimensions 1 and 2 over local dense blocks, so that the triangles of H2 (≈ 10¹⁰ at
// N = 100 000, ε = 0.1) are tested without a neighbour-list search each.
//
// The block of a vertex a is the matrix of the lengths between the vertices of
// L = N(a) ∪ {a} (a's neighbours, ascending), one row per vertex of L at or below a,
// absent where an edge is not kept. Every triangle whose largest vertex is a has its three
// vertices in L, and every cofacet vertex x of such a triangle (or of an edge {a, c}) is a
// neighbour of a, so in L: a triangle's tests read three rows of the block, and the
// search for its zero-pivot cofacet ("the largest x within the diameter of all three
// vertices") is a vectorised scan down those rows, as in the dense kernel's row scans.
// A block costs Σ_{b ∈ L, b < a} deg(b) to fill; blocks are independent, so they run on
// `threads` workers, in one pass: a triangle whose zero-pivot facet is its lowest edge
// {b, c} needs that edge's cofacet, which the block of b finds; such triangles are held
// back and settled after the pass from the edges' table.
//
// The conventions are those of sparse_rips_reducer.h (and rips_reducer.h): simplices
// indexed by the combinatorial number system, the filtration ordered by diameter then
// index descending; the zero-pivot cofacet of σ is its cofacet with σ's diameter of
// largest index, the zero-pivot facet of τ its facet with τ's diameter of smallest
// index; (σ, τ) is an apparent pair when each is the other's. Internal to panic::tda.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "panic/tda/binomial_table.h"
#include "panic/tda/cofacet_scan.h"
#include "panic/tda/sparse_rips_graph.h"

namespace panic::tda::internal {

// Per edge {a, c} with c < a (the entries of a's neighbour list below a, which come
// first in the sorted list): the vertex of its zero-pivot cofacet, and whether the edge
// is in an apparent pair with that triangle.
class EdgeCofacets {
 public:
  static constexpr uint32_t kNone = 0x7fffffffu;  // no cofacet of the edge's diameter

  // The lower entries' offsets (n + 1) and values; filled by FindApparentPairs.
  std::vector<uint64_t> lower_offsets;
  std::vector<uint32_t> value;  // vertex (31 bits) | 0x80000000 when apparent

  // Entry k of a's neighbour list (k < number of a's neighbours below a).
  uint32_t Cofacet(size_t a, size_t k) const { return value[lower_offsets[a] + k] & kNone; }
  bool Apparent(size_t a, size_t k) const { return (value[lower_offsets[a] + k] >> 31) != 0; }
};

struct TriangleColumn {
  float diam;
  int64_t index;
};

struct SparseApparentPairs {
  EdgeCofacets edges;
  // With triangles: the triangles in no apparent pair (neither the zero-apparent cofacet
  // of an edge nor the zero-apparent facet of a tetrahedron), in no particular order.
  // The columns of H2 are those that are not also pivots of H1 (clearing).
  std::vector<TriangleColumn> triangles;
};

// The bytes of the edges' cofacet table (kept through the reduction's dimension 1) and,
// apart, of the pass's blocks at their largest: per worker a block of at most
// max(256, 2 (max_degree + 1)) vertices squared in floats (a group's union U stays within
// that, see sparse_rips_apparent.cpp) and its position map of n ints.
size_t EdgeCofacetsBytes(size_t n, size_t edges);
size_t ApparentBlockBytes(size_t n, size_t max_degree, int threads);

// One pass over the blocks of all vertices (`threads` workers): the edges' zero-pivot
// cofacets, and with `triangles` the triangles in no apparent pair. `simd`: the vector
// forms of the scans and of the triangle lanes (the CPU's best by default; tests hold each
// to the scalar one). REQUIRES: binomial covers C(v, k) for v ≤ g.n, k ≤ 3; simd runs here.
SparseApparentPairs FindApparentPairs(const SparseGraph& g, const BinomialTable& binomial, bool triangles,
                                      int threads, SimdLevel simd = DetectSimdLevel());

}  // namespace panic::tda::internal
