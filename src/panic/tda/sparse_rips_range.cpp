#include "panic/tda/sparse_rips_range.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <queue>

#include "panic/core/parallel.h"

namespace panic::tda::internal {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Relative slack on the pruning tests: chords are computed in double (relative error
// ≲ dim · 1e-16), so a bound that holds in exact arithmetic holds with this slack.
constexpr double kSlack = 1 + 1e-9;
// A distance rounded to float may be up to 2⁻²⁴ (relative) below the exact one: a pair
// whose float length passes a cut can have a chord this much above the cut's.
constexpr double kFloatSlack = 1 + 1e-6;

// The greedy tree with children lists (ascending rank) and subtree radii.
struct BallTree {
  std::vector<uint32_t> rank;           // position of each point in the order
  std::vector<uint64_t> child_offsets;  // CSR over points
  std::vector<uint32_t> children;
  std::vector<double> radius;           // R(p): every descendant within this chord

  BallTree(const GreedyTree& t, size_t n) : rank(n, 0), child_offsets(n + 1, 0), radius(n, 0.0) {
    for (size_t k = 0; k < n; ++k) rank[t.order[k]] = static_cast<uint32_t>(k);
    for (size_t k = 1; k < n; ++k) ++child_offsets[t.parent[t.order[k]] + 1];
    for (size_t v = 0; v < n; ++v) child_offsets[v + 1] += child_offsets[v];
    children.resize(n > 0 ? n - 1 : 0);
    std::vector<uint64_t> fill(child_offsets.begin(), child_offsets.end() - 1);
    for (size_t k = 1; k < n; ++k) {  // in order of rank, so each list ascends
      const uint32_t p = t.order[k];
      children[fill[t.parent[p]]++] = p;
    }
    for (size_t k = n; k-- > 1;) {
      const uint32_t p = t.order[k], up = t.parent[p];
      radius[up] = std::max(radius[up], t.parent_chord[p] + radius[p]);
    }
  }
  std::span<const uint32_t> Children(uint32_t p) const {
    return {children.data() + child_offsets[p], children.data() + child_offsets[p + 1]};
  }
};

// The largest distance from i to another point, or a value ≥ `stop` as soon as one is
// found (then i cannot attain a smaller maximum). `far` receives the farthest point seen.
float FarthestDistance(const CloudMetric& metric, const BallTree& tree, uint32_t root, uint32_t i,
                       float stop, uint32_t* far) {
  float best = 0;
  auto see = [&](uint32_t q, double chord) {
    if (q == i) return;
    const float d = metric.FromChord(chord);
    if (d > best) {
      best = d;
      *far = q;
    }
  };
  std::priority_queue<std::pair<double, uint32_t>> heap;  // (chord bound of the subtree, root)
  const double c0 = metric.Chord(i, root);
  see(root, c0);
  heap.emplace(c0 + tree.radius[root], root);
  while (!heap.empty() && best < stop) {
    const auto [bound, p] = heap.top();
    heap.pop();
    if (metric.FromChord(bound * kSlack) <= best) break;  // nothing left can be farther
    for (uint32_t q : tree.Children(p)) {
      const double c = metric.Chord(i, q);
      see(q, c);
      if (best >= stop) break;
      if (tree.radius[q] > 0 && metric.FromChord((c + tree.radius[q]) * kSlack) > best) {
        heap.emplace(c + tree.radius[q], q);
      }
    }
  }
  return best;
}

}  // namespace

Result<SparseGraphResult> BuildSparseGraphByRange(const CloudMetric& metric,
                                                  const std::vector<double>& lambda,
                                                  const GreedyTree& greedy, double epsilon,
                                                  float threshold, int threads,
                                                  size_t memory_limit_bytes) {
  const size_t n = metric.n();
  const BallTree tree(greedy, n);
  const uint32_t root = greedy.order[0];
  float enclosing = 0;
  if (std::isnan(threshold)) {
    // min over i of max_j d(i, j): a row is searched in full only when none of the last
    // few farthest points its worker found already reaches the smallest maximum so far
    // (shared by the workers; the minimum does not depend on the order).
    std::atomic<float> shared{n > 1 ? kInf : 0.0f};
    std::vector<std::vector<uint32_t>> recents(static_cast<size_t>(std::max(threads, 1)));
    ParallelFor(n, 256, std::max(threads, 1), [&](size_t begin, size_t end, int worker) {
      std::vector<uint32_t>& recent = recents[static_cast<size_t>(worker)];
      for (size_t row = begin; row < end; ++row) {
        const uint32_t i = static_cast<uint32_t>(row);
        float radius = shared.load(std::memory_order_relaxed);
        bool reaches = false;
        for (uint32_t f : recent) {
          if (f != i && metric.Distance(i, f) >= radius) {
            reaches = true;
            break;
          }
        }
        if (reaches) continue;
        uint32_t far = i;
        const float m = FarthestDistance(metric, tree, root, i, radius, &far);
        while (m < radius && !shared.compare_exchange_weak(radius, m)) {
        }
        if (far != i && std::find(recent.begin(), recent.end(), far) == recent.end()) {
          if (recent.size() == 8) recent.erase(recent.begin());
          recent.push_back(far);
        }
      }
    });
    const float radius = shared.load();
    enclosing = radius;
    threshold = std::nextafter(static_cast<float>((1 + epsilon) * radius), kInf);
  }
  const double scale = (1 + epsilon) / epsilon;
  const double threshold_chord = metric.ToChord(threshold);
  const int workers = std::max(threads, 1);
  std::vector<std::vector<SparseEdge>> parts(static_cast<size_t>(workers));
  std::atomic<size_t> collected{0};
  std::atomic<bool> over{false};
  constexpr size_t kEdgeBytes = sizeof(SparseEdge) + 2 * sizeof(SparseGraph::Neighbor);
  // The queries in depth-first order of the tree: consecutive ones are near each other
  // and visit mostly the same points, whose rows are then still in cache (the search is
  // bound by reading rows, not by arithmetic).
  std::vector<uint32_t> queries;
  queries.reserve(n);
  {
    std::vector<uint32_t> stack = {root};
    while (!stack.empty()) {
      const uint32_t p = stack.back();
      stack.pop_back();
      if (p != root) queries.push_back(p);
      const auto kids = tree.Children(p);
      for (size_t q = kids.size(); q-- > 0;) stack.push_back(kids[q]);
    }
  }
  ParallelFor(queries.size(), 64, workers, [&](size_t begin, size_t end, int worker) {
    if (over.load(std::memory_order_relaxed)) return;
    std::vector<SparseEdge>& edges = parts[static_cast<size_t>(worker)];
    const size_t before = edges.size();
    std::vector<uint32_t> stack;
    for (size_t qi = begin; qi < end; ++qi) {
      const uint32_t j = queries[qi];
      const size_t k = tree.rank[j];
      // Every earlier p has λ_p ≥ λ_j, so μ = scale · λ_j bounds the pair's cut.
      const double reach =
          std::min(metric.ToChord((2 + epsilon) * scale * lambda[j]), threshold_chord) * kFloatSlack;
      stack.assign(1, root);
      while (!stack.empty()) {
        const uint32_t p = stack.back();
        stack.pop_back();
        const double c = metric.Chord(j, p);
        if (c <= reach) {
          const double mu = scale * std::min(lambda[p], lambda[j]);
          const float w = CjsWeight(metric.FromChord(c), mu, epsilon);
          if (w <= threshold && w != kInf) {
            edges.push_back(SparseEdge{std::max(j, p), std::min(j, p), w});
          }
        }
        if (c > (reach + tree.radius[p]) * kSlack) continue;
        for (uint32_t q : tree.Children(p)) {
          if (tree.rank[q] >= k) break;  // q and its subtree come after j
          stack.push_back(q);
        }
      }
    }
    const size_t total = collected.fetch_add(edges.size() - before) + edges.size() - before;
    if (total * kEdgeBytes > memory_limit_bytes) over = true;
  });
  if (over) return SparseEdgesOverLimit(n, collected.load(), memory_limit_bytes);
  return SparseGraphFromEdges(n, parts, enclosing, threshold, workers, memory_limit_bytes);
}

}  // namespace panic::tda::internal
