// The sparse-graph backend of ComputeApproximateRips (rips.h), part 2: the kept edges of
// the Cavanna–Jahanseir–Sheehy sparse filtration as sorted neighbour lists, from the
// greedy permutation (sparse_rips_greedy.h). Internal to panic::tda.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "panic/tda/rips.h"
#include "panic/tda/sparse_rips_greedy.h"
#include "panic/tda/sparse_rips_metric.h"

namespace panic::tda::internal {

// The kept edges of the sparse filtration, both directions, each vertex's list sorted
// by neighbour index: CSR over vertices.
struct SparseGraph {
  struct Neighbor {
    uint32_t vertex;
    float length;  // the re-weighted length (the filtration value of the edge)
  };
  size_t n = 0;
  std::vector<uint64_t> offsets;  // n + 1 entries
  std::vector<Neighbor> neighbors;

  size_t num_edges() const { return neighbors.size() / 2; }
  std::span<const Neighbor> row(size_t v) const {
    return {neighbors.data() + offsets[v], neighbors.data() + offsets[v + 1]};
  }
  // The length of the edge {u, v}, or +inf when it is not kept. O(log degree).
  float Length(uint32_t u, uint32_t v) const;
  size_t bytes() const { return offsets.size() * 8 + neighbors.size() * sizeof(Neighbor); }
};

struct SparseGraphResult {
  SparseGraph graph;
  float enclosing_radius = 0;  // min over points of the max distance to another point
  float threshold = 0;         // the filtration's threshold that was applied
};

// The CJS weight of an edge of length d with μ = (1 + ε)/ε · min(λ_p, λ_q), exactly as
// SparsifyDistances computes it; +inf when the edge is left out.
float CjsWeight(float d, double mu, double epsilon);

// What the kept edges will take, counted before any list is allocated: per vertex its
// number of kept edges.
struct KeptEdgeCount {
  std::vector<uint32_t> degree;
  size_t edges = 0;
  size_t max_degree = 0;
  // False when the count ran before the threshold was known (the Gram screen with the
  // default threshold counts within an upper bound of it): the lists are allocated for
  // these edges and the ones beyond the threshold left out; `edges` is then an upper bound.
  bool exact = true;
  float enclosing_radius = 0;  // min over points of the max distance to another point
  float threshold = 0;         // the filtration's threshold

  // `edges` and `max_degree` from `degree` (each edge was counted at both its ends).
  void Tally() {
    for (uint32_t d : degree) {
      edges += d;
      max_degree = std::max<size_t>(max_degree, d);
    }
    edges /= 2;
  }
};

// The bytes of a SparseGraph of n vertices and `edges` edges (both directions).
size_t SparseGraphBytes(size_t n, size_t edges);

// The kept edges in two passes over the pairs that can be kept: Count() evaluates them
// and stores nothing of their size; Fill() evaluates them again and writes the lists,
// allocated once from the count (SparseGraphBytes), so that the caller can weigh the
// whole need against its memory limit in between. Fill gives the same lists whatever
// the number of threads (each list sorted by neighbour index).
class KeptEdgeSearch {
 public:
  virtual ~KeptEdgeSearch() = default;
  virtual KeptEdgeCount Count() = 0;
  virtual SparseGraphResult Fill(KeptEdgeCount count) = 0;
  // What the search holds besides the lists and the count (trees, tiles), in bytes.
  virtual size_t ScratchBytes() const = 0;
};

// The Gram screen: every pair is screened through float Gram tiles (cblas_sgemm, 256 × 256,
// `threads` workers) against its cut-off (2 + ε)μ with a rounding margin, and the
// candidates' distances recomputed in double. Edges whose re-weighted length exceeds the
// threshold are left out. The threshold is `threshold` when it is not NaN, else
// (1 + ε) × the enclosing radius (rounded up), which Count computes.
std::unique_ptr<KeptEdgeSearch> MakeScreenSearch(const CloudMetric& metric,
                                             const std::vector<double>& lambda, double epsilon,
                                             float threshold, int threads);

// The lists of one count, filled from any number of threads. Add each edge once.
class SparseGraphFiller {
 public:
  explicit SparseGraphFiller(KeptEdgeCount& count);  // takes the count's degrees
  void Add(uint32_t i, uint32_t j, float length);
  // Rows with fewer edges than counted are closed up; every row is sorted.
  SparseGraphResult Finish(float enclosing_radius, float threshold, int threads);

 private:
  SparseGraph g_;
  std::vector<uint32_t> fill_;  // per vertex: entries written (atomically)
};

// The refusal of lists larger than the limit (n, the edges and their bytes named).
Status SparseListsOverLimit(const KeptEdgeCount& count, size_t n, size_t memory_limit_bytes);

// Count, refuse past `memory_limit_bytes` (the lists and the search's scratch), fill.
Result<SparseGraphResult> BuildKeptEdges(KeptEdgeSearch& search, size_t n,
                                         size_t memory_limit_bytes);

// BuildKeptEdges of MakeScreenSearch.
Result<SparseGraphResult> BuildSparseGraph(const CloudMetric& metric,
                                           const std::vector<double>& lambda, double epsilon,
                                           float threshold, int threads,
                                           size_t memory_limit_bytes);

}  // namespace panic::tda::internal
