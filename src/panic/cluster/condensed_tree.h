// The HDBSCAN* hierarchy from a minimum spanning tree: single linkage, the condensed
// tree of Campello, Moulavi & Sander (2013), cluster selection by excess of mass or
// leaves, the cluster_selection_epsilon of Malzer & Baum (2019), labels and
// membership probabilities. It follows the hdbscan library (and scikit-learn, which
// copied it) step by step, with two documented differences: edges of equal weight are
// merged in EdgeLess order (a total order, so the result is deterministic), and a
// split at distance 0 (λ = ∞, duplicated points) is not a split: points that cannot
// be told apart are never put in different clusters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "panic/cluster/spanning_tree.h"

namespace panic::cluster {

enum class ClusterSelection { kExcessOfMass, kLeaf };

struct SelectionOptions {
  size_t min_cluster_size = 5;  // ≥ 2
  ClusterSelection selection = ClusterSelection::kExcessOfMass;
  bool allow_single_cluster = false;
  double cluster_selection_epsilon = 0.0;  // ≥ 0; clusters are not split below it
};

}  // namespace panic::cluster

namespace panic::cluster::internal {

// One row of the condensed tree: `child` (a point < n, or a cluster ≥ n + 1; the root
// cluster is n) leaves `parent` at λ = 1 / distance with `child_size` points.
struct CondensedRow {
  uint32_t parent = 0;
  uint32_t child = 0;
  double lambda = 0;
  uint32_t child_size = 0;
};

struct Labelling {
  std::vector<int32_t> labels;        // per point: 0..clusters−1, or −1 for noise
  std::vector<float> probabilities;   // per point, in [0, 1]; 0 for noise
  size_t clusters = 0;
};

// The condensed tree of n points from the n − 1 MST edges sorted by EdgeLess.
std::vector<CondensedRow> CondenseTree(size_t n, std::span<const MstEdge> edges,
                                       size_t min_cluster_size);

// Selects clusters of the condensed tree and labels the n points.
Labelling SelectClusters(size_t n, std::span<const CondensedRow> tree,
                         const SelectionOptions& options);

}  // namespace panic::cluster::internal
