// The sparse-graph backend of ComputeApproximateRips (rips.h), part 2: persistent
// cohomology of the clique filtration of a SparseGraph (sparse_rips_graph.h), as
// ripser's sparse mode computes it (U. Bauer 2021), with the conventions of
// rips_reducer.h: a k-simplex is the integer Σ_i C(v_i, i + 1); the filtration orders
// by diameter, ties by index descending; columns of a dimension are reduced in the
// reverse order, with clearing, emergent pairs and apparent pairs. The cofacets of a
// simplex are the common neighbours of its vertices, found by walking their sorted
// neighbour lists together (largest vertex first), so the work per simplex is the sum
// of its vertices' degrees, not n. Dimension 0 is a union–find over the sorted edges.
// The apparent pairs of the edges and triangles, which decide the columns of H1 and H2,
// come from sparse_rips_apparent.h (parallel); the columns are reduced in parallel batches
// (sparse_rips_reducer.cpp, ComputePairs). Nothing of size
// n² is allocated. Internal to panic::tda.
#pragma once

#include <cstddef>

#include "panic/tda/diagram.h"
#include "panic/tda/sparse_rips_graph.h"

namespace panic::tda::internal {

// Wall seconds of the reduction's phases.
struct SparseReducerTimings {
  double apparent = 0;  // the apparent-pair pass (sparse_rips_apparent.h)
  double dim0 = 0;      // dimension 0: the edges sorted, union–find, the H1 columns
  double columns = 0;   // the columns of dimensions ≥ 1: assembled and reduced
  double assemble = 0;  // of which assembling them (enumerated, cleared, sorted)
};

struct SparseReducerOptions {
  int maxdim = 2;   // 0..3
  int modulus = 2;  // a prime < 256
  // Off: no apparent-pair shortcuts (tests compare both ways).
  bool apparent_pairs = true;
  // The apparent pairs of dimensions 1 and 2 found over local dense blocks
  // (sparse_rips_apparent.h) instead of one neighbour-list search per simplex; off: the
  // searches (tests compare both ways). Only with apparent_pairs.
  bool blocks = true;
  // Workers for the apparent-pair blocks and the columns' reduction (batches of columns
  // reduced in parallel against the earlier batches, then finished in order; the
  // diagram does not depend on it).
  int threads = 1;
  SparseReducerTimings* timings = nullptr;  // optional: filled with the phases' seconds
};

// Whether the simplices up to dimension maxdim + 1 of n vertices can be indexed (their
// count C(n, maxdim + 2) stays below 2^62, the binomial table's cap).
bool SparseSimplicesIndexable(size_t n, int maxdim);

// The bytes of dimension 0 of the reduction: the edges in filtration order (16 bytes
// each) and the union–find; the columns of dimensions ≥ 1 come on top.
size_t SparseDim0Bytes(size_t n, size_t edges);

// The diagram of dimensions 0..maxdim of the clique filtration of `graph` (every edge
// of the graph is in it; the caller has applied the threshold). Bars of zero length are
// not reported. REQUIRES: SparseSimplicesIndexable(graph.n, maxdim), options valid.
Diagram ReduceSparseRips(const SparseGraph& graph, const SparseReducerOptions& options);

}  // namespace panic::tda::internal
