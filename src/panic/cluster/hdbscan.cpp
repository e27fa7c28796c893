#include "panic/cluster/hdbscan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "panic/cluster/approximate_neighbors.h"
#include "panic/cluster/exact_neighbors.h"
#include "panic/cluster/medoids.h"
#include "panic/cluster/spanning_tree.h"
#include "panic/cluster/unit_rows.h"

namespace panic::cluster {
namespace {

// The exact path's neighbour lists: longer than min_samples − 1 so that more of the
// Borůvka edges are proven minimal from the lists alone (spanning_tree.h).
constexpr size_t kExactListLength = 32;
// The approximate path's default list length: min_samples − 1 within these bounds (past
// the upper one, core distances come from a subsample: approximate_neighbors.h).
constexpr size_t kMinKnnNeighbors = 16;
constexpr size_t kMaxKnnNeighbors = 64;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

HdbscanOptions ReferenceDefaults(size_t n) {
  HdbscanOptions o;
  o.min_cluster_size = std::max<size_t>(2, n / 1000);
  o.min_samples = o.min_cluster_size;
  o.cluster_selection_epsilon = 0.4;
  o.allow_single_cluster = true;
  return o;
}

Status ValidatePoints(std::span<const float> points, size_t n, size_t dim) {
  if (n == 0) return Status::InvalidArgument("no points to cluster (n = 0)");
  if (dim == 0) return Status::InvalidArgument("points have dimension 0");
  if (n >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("too many points: n = " + std::to_string(n) +
                                   " (at most 4294967294)");
  }
  if (points.size() / dim != n || points.size() % dim != 0) {
    return Status::InvalidArgument("points hold " + std::to_string(points.size()) +
                                   " values, not n × dim = " + std::to_string(n) + " × " +
                                   std::to_string(dim));
  }
  for (size_t i = 0; i < points.size(); ++i) {
    if (!std::isfinite(points[i])) {
      return Status::InvalidArgument("point " + std::to_string(i / dim) + " coordinate " +
                                     std::to_string(i % dim) + " is not finite");
    }
  }
  return Status::Ok();
}

Result<Clustering> Hdbscan(std::span<const float> points, size_t n, size_t dim,
                           const HdbscanOptions& options) {
  PANIC_RETURN_IF_ERROR(ValidatePoints(points, n, dim));
  const size_t min_samples = options.min_samples == 0 ? options.min_cluster_size : options.min_samples;
  if (options.min_cluster_size < 2) {
    return Status::InvalidArgument("min_cluster_size = " + std::to_string(options.min_cluster_size) +
                                   ": must be at least 2");
  }
  if (options.min_cluster_size > n) {
    return Status::InvalidArgument("min_cluster_size = " + std::to_string(options.min_cluster_size) +
                                   " is more than the " + std::to_string(n) +
                                   " points: no cluster can form");
  }
  if (min_samples > n) {
    return Status::InvalidArgument("min_samples = " + std::to_string(min_samples) +
                                   " is more than the " + std::to_string(n) + " points");
  }
  if (!std::isfinite(options.cluster_selection_epsilon) || options.cluster_selection_epsilon < 0) {
    return Status::InvalidArgument("cluster_selection_epsilon = " +
                                   std::to_string(options.cluster_selection_epsilon) +
                                   ": must be a finite number ≥ 0");
  }
  Clustering out;
  out.min_cluster_size = options.min_cluster_size;
  out.min_samples = min_samples;
  out.exact = options.path == HdbscanPath::kExact ||
              (options.path == HdbscanPath::kAuto && n <= options.exact_max_points);
  const int threads = std::max(1, options.threads);

  auto t0 = std::chrono::steady_clock::now();
  const internal::UnitRows rows = internal::NormalizeRows(points, n, dim);
  internal::Neighbors nb;
  std::vector<float> core;
  if (out.exact) {
    nb = internal::ExactNeighbors(rows, std::max(min_samples - 1, kExactListLength), threads);
    core = internal::CoreDistances(nb, min_samples);
  } else {
    out.knn_neighbors = options.knn_neighbors != 0
                            ? options.knn_neighbors
                            : std::clamp<size_t>(min_samples - 1, kMinKnnNeighbors, kMaxKnnNeighbors);
    internal::ApproximateNeighbors approx = internal::FindApproximateNeighbors(
        rows, out.knn_neighbors, min_samples, options.seed, threads);
    nb = std::move(approx.neighbors);
    core = std::move(approx.core);
    out.core_sample_stride = approx.core_sample_stride;
  }
  out.neighbors_seconds = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  const std::vector<internal::MstEdge> tree =
      out.exact ? internal::ExactMutualReachabilityTree(rows, nb, core, threads)
                : internal::KnnMutualReachabilityTree(rows, nb, core, threads);
  out.tree_seconds = SecondsSince(t0);
  if (tree.size() + 1 != n) {
    return Status::Internal("the spanning tree has " + std::to_string(tree.size()) +
                            " edges for " + std::to_string(n) + " points");
  }

  t0 = std::chrono::steady_clock::now();
  const std::vector<internal::CondensedRow> condensed =
      internal::CondenseTree(n, tree, options.min_cluster_size);
  SelectionOptions selection;
  selection.min_cluster_size = options.min_cluster_size;
  selection.selection = options.selection;
  selection.allow_single_cluster = options.allow_single_cluster;
  selection.cluster_selection_epsilon = options.cluster_selection_epsilon;
  internal::Labelling labelling = internal::SelectClusters(n, condensed, selection);
  out.labels = std::move(labelling.labels);
  out.probabilities = std::move(labelling.probabilities);
  out.clusters = labelling.clusters;
  out.selection_seconds = SecondsSince(t0);

  t0 = std::chrono::steady_clock::now();
  PANIC_ASSIGN_OR_RETURN(internal::MedoidSet medoids,
                         internal::Medoids(rows, out.labels, out.clusters, threads));
  out.medoids = std::move(medoids.medoids);
  out.medoids_exact = medoids.exact;
  out.medoid_seconds = SecondsSince(t0);
  return out;
}

}  // namespace panic::cluster
