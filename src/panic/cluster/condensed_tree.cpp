#include "panic/cluster/condensed_tree.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace panic::cluster::internal {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Single linkage: node n + i is the i-th merge; left/right are nodes (< n: points).
struct Merge {
  uint32_t left = 0;
  uint32_t right = 0;
  double distance = 0;
  uint32_t size = 0;
};

std::vector<Merge> SingleLinkage(size_t n, std::span<const MstEdge> edges) {
  std::vector<uint32_t> parent(2 * n - 1);
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<uint32_t>(i);
  std::vector<uint32_t> size(2 * n - 1, 1);
  auto find = [&](uint32_t x) {
    uint32_t r = x;
    while (parent[r] != r) r = parent[r];
    while (parent[x] != r) {
      uint32_t next = parent[x];
      parent[x] = r;
      x = next;
    }
    return r;
  };
  std::vector<Merge> merges(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    const uint32_t a = find(edges[i].a), b = find(edges[i].b);
    const uint32_t node = static_cast<uint32_t>(n + i);
    merges[i] = Merge{a, b, edges[i].weight, size[a] + size[b]};
    parent[a] = node;
    parent[b] = node;
    size[node] = size[a] + size[b];
  }
  return merges;
}

// The points below hierarchy node `node`, in breadth-first order of the nodes.
template <typename Visit>
void ForEachBelow(size_t n, const std::vector<Merge>& merges, uint32_t node, Visit&& visit) {
  std::vector<uint32_t> stack{node};
  while (!stack.empty()) {
    uint32_t x = stack.back();
    stack.pop_back();
    visit(x);
    if (x >= n) {
      const Merge& m = merges[x - n];
      stack.push_back(m.right);
      stack.push_back(m.left);
    }
  }
}

}  // namespace

std::vector<CondensedRow> CondenseTree(size_t n, std::span<const MstEdge> edges,
                                       size_t min_cluster_size) {
  std::vector<CondensedRow> rows;
  if (n == 0) return rows;
  if (n == 1) return rows;  // a lone point: no hierarchy
  const std::vector<Merge> merges = SingleLinkage(n, edges);
  const uint32_t root = static_cast<uint32_t>(2 * n - 2);
  std::vector<uint32_t> relabel(2 * n - 1, 0);
  std::vector<char> ignore(2 * n - 1, 0);
  relabel[root] = static_cast<uint32_t>(n);
  uint32_t next_label = static_cast<uint32_t>(n + 1);
  auto count = [&](uint32_t x) { return x >= n ? merges[x - n].size : 1u; };
  // Top-down breadth-first over the hierarchy, as the hdbscan library condenses it.
  std::vector<uint32_t> queue{root};
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t node = queue[head];
    if (node < n) continue;
    const Merge& m = merges[node - n];
    queue.push_back(m.left);
    queue.push_back(m.right);
    if (ignore[node]) continue;
    const double lambda = m.distance > 0 ? 1.0 / m.distance : kInfinity;
    const uint32_t parent = relabel[node];
    auto fall_out = [&](uint32_t sub) {
      ForEachBelow(n, merges, sub, [&](uint32_t x) {
        if (x < n) rows.push_back(CondensedRow{parent, x, lambda, 1});
        ignore[x] = 1;
      });
    };
    const bool left_big = count(m.left) >= min_cluster_size;
    const bool right_big = count(m.right) >= min_cluster_size;
    if (left_big && right_big && lambda != kInfinity) {
      for (uint32_t child : {m.left, m.right}) {
        relabel[child] = next_label++;
        rows.push_back(CondensedRow{parent, relabel[child], lambda, count(child)});
      }
    } else if (left_big && right_big) {
      // A split at distance 0: both sides are duplicates of each other; all fall out.
      fall_out(m.left);
      fall_out(m.right);
    } else if (!left_big && !right_big) {
      fall_out(m.left);
      fall_out(m.right);
    } else if (!left_big) {
      relabel[m.right] = parent;
      fall_out(m.left);
    } else {
      relabel[m.left] = parent;
      fall_out(m.right);
    }
  }
  return rows;
}

Labelling SelectClusters(size_t n, std::span<const CondensedRow> tree,
                         const SelectionOptions& options) {
  Labelling out;
  out.labels.assign(n, -1);
  out.probabilities.assign(n, 0.0f);
  if (tree.empty()) return out;
  const uint32_t root = static_cast<uint32_t>(n);
  uint32_t largest = root;
  for (const CondensedRow& r : tree) largest = std::max(largest, r.child);
  const size_t clusters = largest - root + 1;  // cluster ids root..largest
  auto ix = [&](uint32_t c) { return static_cast<size_t>(c - root); };

  // Births, stabilities, the cluster tree (parent → cluster children), point rows.
  std::vector<double> birth(clusters, 0.0), stability(clusters, 0.0), death(clusters, 0.0);
  std::vector<uint32_t> cluster_parent(clusters, root);
  std::vector<std::vector<uint32_t>> children(clusters);
  std::vector<double> point_lambda(n, 0.0);
  std::vector<uint32_t> point_parent(n, root);
  for (const CondensedRow& r : tree) {
    if (r.child >= root) {
      birth[ix(r.child)] = r.lambda;
      cluster_parent[ix(r.child)] = r.parent;
      children[ix(r.parent)].push_back(r.child);
    } else {
      point_lambda[r.child] = r.lambda;
      point_parent[r.child] = r.parent;
    }
    death[ix(r.parent)] = std::max(death[ix(r.parent)], r.lambda);
  }
  for (const CondensedRow& r : tree) {
    const double b = birth[ix(r.parent)];
    const double span = r.lambda == b ? 0.0 : r.lambda - b;  // ∞ − ∞ is no persistence
    stability[ix(r.parent)] += span * r.child_size;
  }

  std::vector<char> selected(clusters, 0);
  auto deselect_below = [&](uint32_t c) {
    std::vector<uint32_t> stack(children[ix(c)].begin(), children[ix(c)].end());
    while (!stack.empty()) {
      uint32_t x = stack.back();
      stack.pop_back();
      selected[ix(x)] = 0;
      for (uint32_t y : children[ix(x)]) stack.push_back(y);
    }
  };
  // The λ at which cluster c splits off its parent, as a distance.
  auto split_distance = [&](uint32_t c) { return 1.0 / birth[ix(c)]; };
  const double eps = options.cluster_selection_epsilon;
  // Malzer & Baum: from a selected leaf whose split distance is below ε, go up to the
  // first ancestor that split off above ε (or to the root, where allowed).
  auto epsilon_search = [&](const std::vector<uint32_t>& leaves) {
    std::set<uint32_t> chosen;
    for (uint32_t leaf : leaves) {
      uint32_t c = leaf;
      if (split_distance(leaf) < eps) {
        for (;;) {
          const uint32_t p = cluster_parent[ix(c)];
          if (p == root) {
            if (options.allow_single_cluster) c = root;
            break;
          }
          c = p;
          if (split_distance(c) > eps) break;
        }
      }
      chosen.insert(c);
    }
    std::fill(selected.begin(), selected.end(), 0);
    for (uint32_t c : chosen) selected[ix(c)] = 1;
    for (uint32_t c : chosen) {
      if (selected[ix(c)]) deselect_below(c);  // a chosen ancestor absorbs its descendants
    }
  };

  const bool has_cluster_tree = clusters > 1;
  if (options.selection == ClusterSelection::kExcessOfMass) {
    for (size_t i = clusters; i-- > 0;) {
      const uint32_t c = static_cast<uint32_t>(root + i);
      if (c == root && !options.allow_single_cluster) break;
      double subtree = 0;
      for (uint32_t child : children[i]) subtree += stability[ix(child)];
      if (subtree > stability[i]) {
        selected[i] = 0;
        stability[i] = subtree;
      } else {
        selected[i] = 1;
        deselect_below(c);
      }
    }
    if (eps != 0.0 && has_cluster_tree) {
      std::vector<uint32_t> eom;
      for (size_t i = 0; i < clusters; ++i) {
        if (selected[i]) eom.push_back(static_cast<uint32_t>(root + i));
      }
      if (!(eom.size() == 1 && eom[0] == root)) epsilon_search(eom);
    }
  } else {
    std::vector<uint32_t> leaves;
    for (size_t i = 1; i < clusters; ++i) {
      if (children[i].empty()) leaves.push_back(static_cast<uint32_t>(root + i));
    }
    if (leaves.empty()) {
      selected[0] = options.allow_single_cluster ? 1 : 0;
    } else if (eps != 0.0) {
      epsilon_search(leaves);
    } else {
      for (uint32_t c : leaves) selected[ix(c)] = 1;
    }
  }

  // A point belongs to its nearest selected ancestor. A selected cluster other than the
  // root always keeps members (its ≥ min_cluster_size points have no selected
  // descendant: selections are antichains). The root alone may keep none: chosen as the
  // single cluster (by excess of mass, as leaf fallback, or by the epsilon search), it
  // admits only the points that stayed past 1/ε (or its last split-off), and on diffuse
  // data — every mutual reachability distance above ε — no point does. The hdbscan
  // library then labels every point noise and reports no cluster, and so do we: labels
  // are given only to clusters with members, so `clusters` always equals the number of
  // distinct labels and every label 0..clusters−1 has a member.
  const bool root_only = selected[0] && std::count(selected.begin(), selected.end(), 1) == 1;
  std::vector<uint32_t> home(n, root);  // the point's cluster, or root + clusters for noise
  const uint32_t none = static_cast<uint32_t>(root + clusters);
  std::vector<size_t> members(clusters, 0);
  for (size_t p = 0; p < n; ++p) {
    uint32_t c = point_parent[p];
    while (!selected[ix(c)] && c != root) c = cluster_parent[ix(c)];
    home[p] = none;
    if (!selected[ix(c)]) continue;
    if (c == root) {
      if (!root_only) continue;
      // The hdbscan library's rule for a single root cluster: members are the points
      // that stay until the root's last split-off (or past 1/ε).
      const double threshold = eps != 0.0 ? 1.0 / eps : death[0];
      if (point_lambda[p] < threshold) continue;
    }
    home[p] = c;
    ++members[ix(c)];
  }
  // Labels in cluster-id order, over the clusters that kept members.
  std::vector<int32_t> label_of(clusters, -1);
  int32_t next = 0;
  for (size_t i = 0; i < clusters; ++i) {
    if (selected[i] && members[i] > 0) label_of[i] = next++;
  }
  out.clusters = static_cast<size_t>(next);
  for (size_t p = 0; p < n; ++p) {
    const uint32_t c = home[p];
    if (c == none) continue;
    out.labels[p] = label_of[ix(c)];
    const double max_lambda = death[ix(c)];
    const double lambda = point_lambda[p];
    if (max_lambda == 0.0 || !std::isfinite(lambda)) {
      out.probabilities[p] = 1.0f;
    } else {
      out.probabilities[p] = static_cast<float>(std::min(lambda, max_lambda) / max_lambda);
    }
  }
  return out;
}

}  // namespace panic::cluster::internal
