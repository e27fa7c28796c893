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

class RangeSearch final : public KeptEdgeSearch {
 public:
  RangeSearch(const CloudMetric& metric, const std::vector<double>& lambda,
              const GreedyTree& greedy, double epsilon, float threshold, int threads)
      : metric_(metric), lambda_(lambda), tree_(greedy, metric.n()), root_(greedy.order[0]),
        epsilon_(epsilon), threshold_(threshold), workers_(std::max(threads, 1)) {
    // The queries in depth-first order of the tree: consecutive ones are near each other
    // and visit mostly the same points, whose rows are then still in cache (the search
    // is bound by reading rows, not by arithmetic).
    const size_t n = metric.n();
    queries_.reserve(n);
    std::vector<uint32_t> stack = {root_};
    while (!stack.empty()) {
      const uint32_t p = stack.back();
      stack.pop_back();
      if (p != root_) queries_.push_back(p);
      const auto kids = tree_.Children(p);
      for (size_t q = kids.size(); q-- > 0;) stack.push_back(kids[q]);
    }
  }

  KeptEdgeCount Count() override {
    KeptEdgeCount count;
    count.degree.assign(metric_.n(), 0);
    count.threshold = threshold_;
    if (std::isnan(threshold_)) {
      count.enclosing_radius = EnclosingRadius();
      count.threshold =
          std::nextafter(static_cast<float>((1 + epsilon_) * count.enclosing_radius), kInf);
    }
    Pass(count.threshold, [&](uint32_t i, uint32_t j, float) {
      std::atomic_ref<uint32_t>(count.degree[i]).fetch_add(1, std::memory_order_relaxed);
      std::atomic_ref<uint32_t>(count.degree[j]).fetch_add(1, std::memory_order_relaxed);
    });
    count.Tally();
    return count;
  }

  SparseGraphResult Fill(KeptEdgeCount count) override {
    const float threshold = count.threshold, enclosing = count.enclosing_radius;
    SparseGraphFiller filler(count);
    Pass(threshold, [&](uint32_t i, uint32_t j, float w) { filler.Add(i, j, w); });
    return filler.Finish(enclosing, threshold, workers_);
  }

  size_t ScratchBytes() const override {
    // The tree (ranks, children, radii) and the queries.
    const size_t n = metric_.n();
    return n * (2 * sizeof(uint32_t) + sizeof(double) + sizeof(uint32_t)) +
           (n + 1) * sizeof(uint64_t);
  }

 private:
  // min over i of max_j d(i, j): a row is searched in full only when none of the last
  // few farthest points its worker found already reaches the smallest maximum so far
  // (shared by the workers; the minimum does not depend on the order).
  float EnclosingRadius() const {
    const size_t n = metric_.n();
    std::atomic<float> shared{n > 1 ? kInf : 0.0f};
    std::vector<std::vector<uint32_t>> recents(static_cast<size_t>(workers_));
    ParallelFor(n, 256, workers_, [&](size_t begin, size_t end, int worker) {
      std::vector<uint32_t>& recent = recents[static_cast<size_t>(worker)];
      for (size_t row = begin; row < end; ++row) {
        const uint32_t i = static_cast<uint32_t>(row);
        float radius = shared.load(std::memory_order_relaxed);
        bool reaches = false;
        for (uint32_t f : recent) {
          if (f != i && metric_.Distance(i, f) >= radius) {
            reaches = true;
            break;
          }
        }
        if (reaches) continue;
        uint32_t far = i;
        const float m = FarthestDistance(metric_, tree_, root_, i, radius, &far);
        while (m < radius && !shared.compare_exchange_weak(radius, m)) {
        }
        if (far != i && std::find(recent.begin(), recent.end(), far) == recent.end()) {
          if (recent.size() == 8) recent.erase(recent.begin());
          recent.push_back(far);
        }
      }
    });
    return shared.load();
  }

  // Calls keep(i, j, w) (i > j) for every kept edge within `threshold`, once.
  template <class Keep>
  void Pass(float threshold, Keep keep) const {
    const double scale = (1 + epsilon_) / epsilon_;
    const double threshold_chord = metric_.ToChord(threshold);
    ParallelFor(queries_.size(), 64, workers_, [&](size_t begin, size_t end, int) {
      std::vector<uint32_t> stack;
      for (size_t qi = begin; qi < end; ++qi) {
        const uint32_t j = queries_[qi];
        const size_t k = tree_.rank[j];
        // Every earlier p has λ_p ≥ λ_j, so μ = scale · λ_j bounds the pair's cut.
        const double reach =
            std::min(metric_.ToChord((2 + epsilon_) * scale * lambda_[j]), threshold_chord) *
            kFloatSlack;
        stack.assign(1, root_);
        while (!stack.empty()) {
          const uint32_t p = stack.back();
          stack.pop_back();
          const double c = metric_.Chord(j, p);
          if (c <= reach) {
            const double mu = scale * std::min(lambda_[p], lambda_[j]);
            const float w = CjsWeight(metric_.FromChord(c), mu, epsilon_);
            if (w <= threshold && w != kInf) keep(std::max(j, p), std::min(j, p), w);
          }
          if (c > (reach + tree_.radius[p]) * kSlack) continue;
          for (uint32_t q : tree_.Children(p)) {
            if (tree_.rank[q] >= k) break;  // q and its subtree come after j
            stack.push_back(q);
          }
        }
      }
    });
  }

  const CloudMetric& metric_;
  const std::vector<double>& lambda_;
  const BallTree tree_;
  const uint32_t root_;
  double epsilon_;
  float threshold_;
  int workers_;
  std::vector<uint32_t> queries_;
};

}  // namespace

std::unique_ptr<KeptEdgeSearch> MakeRangeSearch(const CloudMetric& metric,
                                                const std::vector<double>& lambda,
                                                const GreedyTree& tree, double epsilon,
                                                float threshold, int threads) {
  return std::make_unique<RangeSearch>(metric, lambda, tree, epsilon, threshold, threads);
}

Result<SparseGraphResult> BuildSparseGraphByRange(const CloudMetric& metric,
                                                  const std::vector<double>& lambda,
                                                  const GreedyTree& tree, double epsilon,
                                                  float threshold, int threads,
                                                  size_t memory_limit_bytes) {
  return BuildKeptEdges(*MakeRangeSearch(metric, lambda, tree, epsilon, threshold, threads),
                        metric.n(), memory_limit_bytes);
}

}  // namespace panic::tda::internal
