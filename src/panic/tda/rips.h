// Vietoris–Rips persistent homology of a point cloud or a distance matrix.
//
// The algorithm is ripser's (U. Bauer, "Ripser: efficient computation of Vietoris–Rips
// persistence barcodes", J. Appl. Comput. Topol. 5, 2021): persistent cohomology with
// clearing (Chen–Kerber 2011), the implicit coboundary matrix over a combinatorial
// simplex index, apparent and emergent pairs, and the enclosing radius as default
// threshold. Distances come from a BLAS Gram matrix; for a cloud, equal float distances
// are ordered by their double values and the kernel runs on the edges' ranks, the bars
// read back in float distances (edge_ranks.h: the same diagram, less work); the points
// are renumbered by a fixed random permutation (vertex_order.h: the work, not the diagram, depends on the
// numbering); the apparent-pair tests are vectorised scans, the triangles come from a
// sweep over the edges by length with per-vertex bitsets (triangle_sweep.h), and the
// distance matrix, the edge table, the other columns and the lock-free column reduction
// use `threads` workers (the output is the same for any thread count). docs/TDA.md has
// the measurements behind these choices.
#pragma once

#include <cstddef>
#include <functional>
#include <limits>
#include <span>
#include <string_view>

#include "panic/core/status.h"
#include "panic/tda/diagram.h"

namespace panic::tda {

enum class Metric {
  kEuclidean,  // ‖x − y‖₂
  kCosine,     // 1 − x·y / (‖x‖‖y‖); REQUIRES every point to be non-zero
};

struct RipsOptions {
  int maxdim = 2;  // homology dimensions 0..maxdim are computed; allowed 0..3
  Metric metric = Metric::kEuclidean;
  // Only simplices of diameter ≤ threshold enter the filtration. NaN (the default)
  // means the enclosing radius, min over points of the max distance to any other
  // point, as ripser and giotto-ph do: past it the complex is a cone, so no bar is lost.
  float threshold = std::numeric_limits<float>::quiet_NaN();
  int threads = 1;   // worker threads, ≥ 1; the diagram does not depend on it
  int modulus = 2;   // coefficients in Z/modulus; a prime < 256
  // A call whose fixed memory (RipsMemoryLowerBound) exceeds this is refused at once,
  // before anything is allocated, with a message stating what it would need.
  size_t memory_limit_bytes = size_t{16} << 30;
  // Called on the calling thread as each phase of an exact computation ends, with the
  // phase's name, in this order: "distances" and "rank keys" (ComputeRips only; "rank
  // keys" only where the ties are ranked: maxdim ≥ 1, at most 2^30 edges, the ranking
  // within the memory limit, rips.cpp RanksTies), "vertices renumbered", "dimension 0",
  // then for each dimension k = 1..maxdim "dimension k columns" (k ≥ 2), "byte copies"
  // (k = 1 only), "dimension k reduced" and "dimension k bars". For progress reports on
  // long runs (`tda ph --progress`) and per-phase timings (bench/ph_rips.cpp,
  // PH_PHASES=1); the diagram does not depend on it. Empty (the default): not called.
  // ComputeApproximateRips does not call it.
  std::function<void(std::string_view)> on_phase;
};

// Bytes a call needs at least for n points: the dense n × n float distance matrix and,
// for maxdim ≥ 1, the per-edge cofacet-candidate table (2 bytes an edge up to 65 535
// points, 4 past that). The columns of the reduction come on top: at N = 5 000, maxdim 2,
// ≈ 0.15 GiB on walk clouds and ≈ 0.65 GiB on the unit-sphere walk (10⁷ triangle
// columns: their array 0.12 GB, the pivot table 0.21 GB, the published columns 0.14 GB,
// the heaviest working column 0.2 GB).
size_t RipsMemoryLowerBound(size_t n, int maxdim);

// The diagram of dimensions 0..maxdim of the Rips filtration of `n` points of dimension
// `dim`, stored row-major in `points` (points.size() == n * dim).
// Every bar of H_0 is born at 0; death = +inf marks an essential class. Distances are
// computed in double precision and rounded to float.
// Errors: InvalidArgument naming the field for n == 0, dim == 0, a size mismatch, a
// NaN or infinite coordinate, a zero vector under the cosine metric, two points whose
// distance exceeds the float range (≈ 3.4e38), maxdim outside 0..3, threads < 1, a
// modulus that is not a prime < 256, a negative threshold, a complex too large to index
// in 56 bits, or a memory need above options.memory_limit_bytes.
// Cosine distances of positive multiples of one vector are exactly 0.
// Thread safety: reentrant; all scratch lives in the call, so several calls may run at
// once from different threads.
Result<Diagram> ComputeRips(std::span<const float> points, size_t n, size_t dim,
                            const RipsOptions& options);

// As ComputeRips, from a symmetric n × n distance matrix stored row-major (the diagonal
// is ignored; options.metric is ignored). Entries must be finite and ≥ 0.
Result<Diagram> ComputeRipsFromDistances(std::span<const float> distances, size_t n,
                                         const RipsOptions& options);

// ---- approximate persistence (rips_sparse.cpp) --------------------------------------

// A diagram computed from a sparse Rips filtration, and the guarantee it comes with.
struct ApproximateDiagram {
  Diagram diagram;
  // The approximation parameter: the diagram is (1 + ε)-interleaved with the exact one,
  // so on a log scale (each bar (b, d) read as (ln b, ln d)) its bottleneck distance to
  // the exact diagram is at most ln(1 + ε). docs/TDA.md states what this means.
  double epsilon = 0;
  size_t edges_kept = 0;   // edges of the sparse filtration (finite warped length)
  size_t edges_total = 0;  // n (n − 1) / 2
  bool sparse_backend = false;  // reduced over neighbour lists (else the dense kernel)
};

// Sheehy's sparse Vietoris–Rips filtration, in the clique form of Cavanna, Jahanseir and
// Sheehy ("A geometric perspective on sparse filtrations", CCCG 2015): the points in
// greedy (farthest-point) order with insertion radii λ; the edge {p, q} with
// μ = (1 + ε)/ε · min(λ_p, λ_q) keeps its length d when d ≤ 2μ, enters at 2(d − μ)
// when 2μ < d ≤ (2 + ε)μ, and is left out past that; simplices are the cliques.
// Default threshold: (1 + ε) × the enclosing radius; bars of dimension ≥ 1 still alive
// there are born past the enclosing radius and shorter than a factor 1 + ε, and are
// dropped (matching them to the diagonal keeps the bound; docs/TDA.md). A given
// options.threshold is used as is: the bound then covers bars that die below
// threshold / (1 + ε).
// Backends (rips_sparse.cpp): the greedy permutation and the kept edges are found
// without an n × n structure (sparse_rips_graph.h); the reduction runs on the neighbour
// lists (sparse_rips_reducer.h, parallel) for maxdim 2 when at most half of the pairs are
// kept, else on the dense n × n matrix of the re-weighted lengths when that fits
// options.memory_limit_bytes, else on the lists, so clouds past the dense limit are
// computed, not refused.
// Memory: once the greedy permutation is done, the kept edges are counted (per vertex,
// nothing of their size stored) and the whole need of the chosen backend — the lists,
// the edges' cofacets, the apparent-pair blocks, dimension 0's sorted edges, or the
// dense matrix beside the lists (sparse_rips_memory.h) — is weighed against
// options.memory_limit_bytes before any of it is allocated.
// Errors: those of ComputeRips except the dense memory need; InvalidArgument naming
// `epsilon` unless 0 < ε ≤ 10; InvalidArgument naming n, stating the edges, their share
// of the pairs and the bytes (and, for a cloud that keeps almost every edge, saying so
// and what the exact diagram would need), when that need exceeds the limit, or when
// C(n, maxdim + 2) ≥ 2^62 past the dense limit.
Result<ApproximateDiagram> ComputeApproximateRips(std::span<const float> points, size_t n,
                                                  size_t dim, const RipsOptions& options,
                                                  double epsilon);

}  // namespace panic::tda
