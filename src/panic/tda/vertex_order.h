// The numbering of the vertices that the exact Rips kernel reduces with.
//
// A persistence diagram is an invariant of the filtration, so it does not depend on how
// the points are numbered; the work of the reduction does. Simplices of equal diameter
// are ordered by their combinatorial index, that is by their vertices' numbers, and that
// order decides which pairs are apparent and how much a column must cancel before its
// pivot shows. Trajectories arrive in time order, so neighbouring numbers are
// neighbouring points; in that order the dimension-2 reduction of a loopy cloud does
// about twice the work it does in a scrambled order (docs/TDA.md, "Issue 18, stop 28":
// unit-sphere walk N = 2 000, maxdim 2, 1 thread, 39.9 → 19.6–21.5 s CPU; orders that keep
// locality, sorted along the first principal component, are worse still). So the kernel
// renumbers the points by a fixed pseudo-random permutation first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/tda/distance_matrix.h"

namespace panic::tda::internal {

// A fixed permutation of 0..n−1 (the same for every call with this n, on every machine:
// Fisher–Yates driven by SplitMix64 with a constant seed).
std::vector<uint32_t> ScrambledVertexOrder(size_t n);

// Renumbers the vertices in place: afterwards d(i, j) is the old d(order[i], order[j]).
// The values are moved, not recomputed, so the matrix holds bit-identical distances.
// O(n²) moves and O(n) extra memory per worker. REQUIRES: order is a permutation of
// 0..d.n−1.
void RenumberVertices(DistanceMatrix& d, std::span<const uint32_t> order, int threads);

}  // namespace panic::tda::internal
