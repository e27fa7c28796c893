// HDBSCAN* (Campello, Moulavi & Sander 2013) over L2-normalised embeddings, with the
// cluster_selection_epsilon of Malzer & Baum (2019). Pure: no I/O.
//
// Rows are L2-normalised first, so the Euclidean distance is the chord of the cosine
// (‖x̂ − ŷ‖ = √(2 − 2 cos)). Two paths build the minimum spanning tree of mutual
// reachability; both feed the same condensed tree and selection:
//  - exact: all-pairs distances in OpenBLAS tiles, never the n × n matrix
//    (spanning_tree.h says how the tree is proven minimal); O(n · dim) memory.
//  - approximate: a kNN graph from HNSW graphs on the rows quantised to int8,
//    re-ranked by exact distance; core distances from it (or, when min_samples reaches
//    past the lists, from a subsample: approximate_neighbors.h); Borůvka on the
//    mutual-reachability kNN graph, its components joined by exact cross edges between
//    their densest members.
// The result is the same for any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "panic/cluster/condensed_tree.h"
#include "panic/core/status.h"

namespace panic::cluster {

enum class HdbscanPath { kAuto, kExact, kApproximate };

struct HdbscanOptions {
  size_t min_cluster_size = 5;  // ≥ 2 and ≤ n
  size_t min_samples = 0;       // counting the point itself; 0 means min_cluster_size
  double cluster_selection_epsilon = 0.0;
  ClusterSelection selection = ClusterSelection::kExcessOfMass;
  bool allow_single_cluster = false;
  HdbscanPath path = HdbscanPath::kAuto;
  size_t exact_max_points = 60000;  // kAuto takes the exact path up to this n
  size_t knn_neighbors = 0;         // approximate path's list length; 0 means
                                    // min_samples − 1 clamped to [16, 64]
  uint64_t seed = 42;               // approximate path's graph seed
  int threads = 1;
};

// The defaults of the Python reference for n points: min_cluster_size = min_samples =
// max(2, ⌊0.001 n⌋), epsilon 0.4, allow_single_cluster.
HdbscanOptions ReferenceDefaults(size_t n);

struct Clustering {
  std::vector<int32_t> labels;        // per row: 0..clusters−1 by first appearance of the
                                      // cluster in the condensed tree; −1 for noise
  std::vector<float> probabilities;   // per row, in [0, 1]; 0 for noise
  std::vector<uint32_t> medoids;      // per cluster: the row with the least summed distance
                                      // to the cluster's other rows (ties: smaller row)
  size_t clusters = 0;
  bool exact = true;                  // the path taken
  bool medoids_exact = true;          // false when a huge cluster's sums were sampled
  // The parameters actually used (defaults resolved).
  size_t min_cluster_size = 0;
  size_t min_samples = 0;
  size_t knn_neighbors = 0;           // 0 on the exact path
  size_t core_sample_stride = 0;      // approximate: 1 = cores from the lists, s = from
                                      // every s-th row; 0 on the exact path
  double neighbors_seconds = 0, tree_seconds = 0, selection_seconds = 0, medoid_seconds = 0;
};

// `points` is n × dim, row-major. Errors (InvalidArgument, naming the field): n or dim
// zero, a size mismatch, a non-finite value, min_cluster_size < 2 or > n,
// min_samples > n, epsilon negative or not finite, n ≥ 2³².
Result<Clustering> Hdbscan(std::span<const float> points, size_t n, size_t dim,
                           const HdbscanOptions& options);

// Checks the shared input rules (sizes, finiteness); used by every algorithm here.
Status ValidatePoints(std::span<const float> points, size_t n, size_t dim);

}  // namespace panic::cluster
