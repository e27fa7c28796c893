// OPTICS (Ankerst, Breunig, Kriegel & Sander 1999) with ξ cluster extraction, as
// scikit-learn computes them (sklearn.cluster.OPTICS, cluster_method="xi"), over
// L2-normalised rows. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "panic/core/status.h"

namespace panic::cluster {

struct OpticsOptions {
  size_t min_samples = 5;  // counting the point itself; ≥ 2 and ≤ n
  double max_eps = std::numeric_limits<double>::infinity();  // > 0
  double xi = 0.05;               // in (0, 1)
  size_t min_cluster_size = 0;    // 0 means min_samples; ≥ 2
  bool predecessor_correction = true;
  int threads = 1;
};

struct OpticsResult {
  std::vector<uint32_t> ordering;      // the cluster ordering: row indices
  std::vector<float> reachability;     // per row; +∞ where undefined
  std::vector<float> core_distances;   // per row; +∞ past max_eps
  std::vector<int64_t> predecessor;    // per row; −1 where none
  std::vector<int32_t> labels;         // per row: ξ clusters (leaves), −1 noise
  std::vector<std::pair<uint32_t, uint32_t>> clusters;  // ξ clusters: [start, end] positions
                                                        // in the ordering, sklearn's order
  std::vector<uint32_t> medoids;       // per label, as HDBSCAN's (least summed distance)
  size_t cluster_count = 0;            // number of labels
  size_t min_cluster_size = 0;         // resolved
};

// The ordering is built like Prim's algorithm, with the next point the unprocessed one
// of least reachability (ties: smaller index). A processed point updates its listed
// neighbours at once; its other points, all at least max(core, r_k) away, are updated
// in one blocked pass only when that bound could matter for the next choice, so the
// rows are computed in BLAS blocks instead of one at a time. Predecessors follow
// scikit-learn's rule (the first processed point to give the least reachability).
Result<OpticsResult> Optics(std::span<const float> points, size_t n, size_t dim,
                            const OpticsOptions& options);

namespace internal {

// scikit-learn's _xi_cluster and _extract_xi_labels over the reachability plot (in
// ordering order) and the predecessors; returns the clusters and labels per row.
std::vector<std::pair<uint32_t, uint32_t>> XiClusters(std::span<const float> reachability_plot,
                                                      std::span<const int64_t> predecessor_plot,
                                                      std::span<const uint32_t> ordering,
                                                      double xi, size_t min_samples,
                                                      size_t min_cluster_size,
                                                      bool predecessor_correction);
std::vector<int32_t> XiLabels(std::span<const uint32_t> ordering,
                              const std::vector<std::pair<uint32_t, uint32_t>>& clusters,
                              size_t* label_count);

}  // namespace internal
}  // namespace panic::cluster
